//! The one database handle. Web handlers, jobs and the command line all read and write
//! through it: reads on a connection pool, writes through the group writer on SQLite (one
//! writer, group commit) or the pool on PostgreSQL, each write in one transaction.
use super::ids::{self, LEASE_MS};
use super::writer::GroupWriter;
use super::{configure, establish, migrate, pool, write_tx, Backend, DbConn, DbError, DbPool};
use std::sync::{Arc, Weak};
use std::time::Duration;

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    backend: Backend,
    read: DbPool,
    write: WritePath,
    tag: i32,
}

enum WritePath {
    Group(GroupWriter),
    Pool(DbPool),
    /// Only while the handle is dropped.
    Stopped,
}

/// How long a readiness probe waits for the write path.
const READY_TIMEOUT: Duration = Duration::from_secs(3);

impl Db {
    /// Connects, runs pending migrations, leases this process's id tag and starts the write path.
    pub fn open(url: &str, pool_size: u32) -> Result<Db, DbError> {
        let backend = Backend::from_url(url);
        let mut conn = establish(url)?;
        migrate(&mut conn)?;
        configure(&mut conn)?;
        let tag = ids::lease(&mut conn, crate::clock::system_now_ms())?;
        drop(conn);
        let read = pool(url, pool_size)?;
        let write = match backend {
            Backend::Sqlite => {
                let mut conn = establish(url)?;
                configure(&mut conn)?;
                let reconnect_url = url.to_string();
                WritePath::Group(GroupWriter::start(
                    conn,
                    Box::new(move || {
                        let mut c = establish(&reconnect_url)?;
                        configure(&mut c)?;
                        Ok(c)
                    }),
                ))
            }
            Backend::Postgres => WritePath::Pool(read.clone()),
        };
        let inner = Arc::new(Inner { url: url.to_string(), backend, read, write, tag });
        keep_lease(Arc::downgrade(&inner));
        Ok(Db { inner })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The id tag this process leased.
    pub fn id_tag(&self) -> i32 {
        self.inner.tag
    }

    /// Runs `f` on a pooled connection, off the async threads.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.inner.read.clone();
        blocking(move || {
            let mut conn = pool.get().map_err(DbError::from)?;
            f(&mut conn)
        })
        .await
    }

    /// Runs `f` atomically, in one write transaction. It may run more than once (the group
    /// writer reruns a group one by one after a failure), so it is `Fn`.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: Fn(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        match &self.inner.write {
            WritePath::Group(w) => w.run(f).await,
            WritePath::Pool(pool) => {
                let pool = pool.clone();
                blocking(move || {
                    let mut conn = pool.get().map_err(DbError::from)?;
                    write_tx(&mut conn, f)
                })
                .await
            }
            WritePath::Stopped => Err(E::from(stopped())),
        }
    }

    /// [`Db::read`] for code outside an async runtime (the command line).
    pub fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = self.inner.read.get().map_err(DbError::from)?;
        f(&mut conn)
    }

    /// [`Db::write`] for code outside an async runtime (the command line).
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: Fn(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        match &self.inner.write {
            WritePath::Group(w) => w.run_blocking(f),
            WritePath::Pool(pool) => {
                let mut conn = pool.get().map_err(DbError::from)?;
                write_tx(&mut conn, f)
            }
            WritePath::Stopped => Err(E::from(stopped())),
        }
    }

    /// Whether reads and writes both work now: a query on the read pool and an empty write
    /// through the write path (the group writer's thread included), each within a few seconds.
    pub async fn check_ready(&self) -> Result<(), DbError> {
        use diesel::RunQueryDsl;
        let probe = async {
            self.read(|c| diesel::sql_query("SELECT 1").execute(c).map_err(DbError::from)).await?;
            if let WritePath::Group(w) = &self.inner.write {
                if !w.is_alive() {
                    return Err(DbError::Connection("the writer thread has stopped".into()));
                }
            }
            self.write(|c| diesel::sql_query("SELECT 1").execute(c).map_err(DbError::from)).await?;
            Ok(())
        };
        match tokio::time::timeout(READY_TIMEOUT, probe).await {
            Ok(r) => r,
            Err(_) => Err(DbError::Connection("the database did not answer in time".into())),
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // A direct connection: this may run on an async thread, where the writer cannot be awaited.
        if let Ok(mut conn) = establish(&self.url) {
            let _ = configure(&mut conn);
            ids::release(&mut conn, self.tag, ids::holder());
        }
        // Close the write connection before the process ends, so SQLite folds its WAL into the
        // database file (a copy of the file alone is then complete).
        if let WritePath::Group(w) = std::mem::replace(&mut self.write, WritePath::Stopped) {
            w.stop();
        }
    }
}

/// Renews the id-tag lease while the handle lives, on a thread of its own and a connection of
/// its own (renewal must not wait behind a long write, nor block an async thread).
fn keep_lease(inner: Weak<Inner>) {
    let step = Duration::from_millis(500);
    let every = Duration::from_millis((LEASE_MS / 3) as u64);
    std::thread::Builder::new()
        .name("acht-lease".into())
        .spawn(move || loop {
            let mut waited = Duration::ZERO;
            while waited < every {
                std::thread::sleep(step);
                waited += step;
                if inner.strong_count() == 0 {
                    return;
                }
            }
            let Some(db) = inner.upgrade() else { return };
            let renewed = establish(&db.url).and_then(|mut c| {
                configure(&mut c)?;
                ids::renew(&mut c, db.tag, ids::holder(), crate::clock::system_now_ms())
            });
            match renewed {
                Ok(true) => {}
                Ok(false) => tracing::error!(
                    tag = db.tag,
                    "another process took this process's id tag after it stalled for longer than a lease; restart it"
                ),
                Err(e) => tracing::warn!(error = %e, "could not renew the id-tag lease; will retry"),
            }
        })
        .expect("spawn the lease thread");
}

fn stopped() -> DbError {
    DbError::Connection("the database handle is closed".into())
}

/// Runs blocking database work on tokio's blocking threads.
async fn blocking<T, E, F>(f: F) -> Result<T, E>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "database work failed unexpectedly");
            Err(E::from(DbError::Connection("the database work failed unexpectedly".into())))
        }
    }
}
