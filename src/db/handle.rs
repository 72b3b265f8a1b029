//! The one database handle. Web handlers, jobs and the command line all read and write
//! through it: reads on a connection pool, writes through the group writer on SQLite (one
//! writer, group commit) or the pool on PostgreSQL, each write in one transaction.
use super::batch::{BatchFn, Batcher};
use super::ids::{self, LEASE_MS};
use super::writer::GroupWriter;
use super::{
    configure, establish, migrate, pool, race_pause, write_tx, Backend, Contended, DbConn, DbError, DbPool,
    WRITE_ATTEMPTS,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, Weak};
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
    /// Until when (this host's clock) the id-tag lease is known to hold: writes are refused and
    /// liveness fails after it, so ids of a tag another process took are never stored.
    lease_valid_until: AtomicI64,
}

/// Handles open per database in this process: the tag is given back when the last one closes.
fn open_handles() -> &'static Mutex<HashMap<String, usize>> {
    static OPEN: std::sync::OnceLock<Mutex<HashMap<String, usize>>> = std::sync::OnceLock::new();
    OPEN.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A renewal is trusted for a lease's length less this margin (time for the renewal itself).
const LEASE_MARGIN_MS: i64 = 15_000;

fn lease_deadline() -> i64 {
    crate::clock::system_now_ms() + LEASE_MS - LEASE_MARGIN_MS
}

enum WritePath {
    Group(GroupWriter),
    /// PostgreSQL: each write in its own transaction on a pooled connection, except batched
    /// ones, which go to the group writer their key picks (see [`Db::batcher`]).
    Pool {
        pool: DbPool,
        keyed: Vec<GroupWriter>,
    },
    /// Only while the handle is dropped.
    Stopped,
}

/// [`write_tx`], run again after a serialization failure, a deadlock or a key another
/// transaction took meanwhile ([`Contended`]), after a short random pause that doubles each
/// time ([`race_pause`]): the racing transaction has committed or rolled back by then, so the
/// rerun sees its rows. Every transaction takes rows of a table in one order (customers and
/// interactions by external id, rollup rows by key), so a rerun is rare.
fn write_tx_retrying<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: Fn(&mut DbConn) -> Result<T, E>,
    E: From<DbError> + Contended,
{
    let mut attempt = 1;
    loop {
        match write_tx(conn, &f) {
            Err(e) if e.contended() && attempt < WRITE_ATTEMPTS => {
                tracing::debug!(attempt, "write lost a race; running it again");
                std::thread::sleep(race_pause(attempt));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// How long a readiness probe waits for the write path.
const READY_TIMEOUT: Duration = Duration::from_secs(3);

impl Db {
    /// Connects, runs pending migrations, leases this process's id tag and starts the write path.
    pub fn open(url: &str, pool_size: u32) -> Result<Db, DbError> {
        Db::open_with(url, pool_size, 0)
    }

    /// [`Db::open`] with `keyed_writers` group writers for [`Db::batcher`] on PostgreSQL
    /// (none: batched writes take the pool one by one, like any other).
    pub fn open_with(url: &str, pool_size: u32, keyed_writers: usize) -> Result<Db, DbError> {
        let backend = Backend::from_url(url);
        let mut conn = establish(url)?;
        migrate(&mut conn)?;
        configure(&mut conn)?;
        check_schema(&mut conn)?;
        let tag = ids::lease(&mut conn)?;
        drop(conn);
        *open_handles().lock().unwrap_or_else(|e| e.into_inner()).entry(url.to_string()).or_default() += 1;
        let read = pool(url, pool_size)?;
        let write = match backend {
            Backend::Sqlite => WritePath::Group(group_writer(url)?),
            Backend::Postgres => WritePath::Pool {
                pool: read.clone(),
                keyed: (0..keyed_writers).map(|_| group_writer(url)).collect::<Result<_, _>>()?,
            },
        };
        let inner = Arc::new(Inner {
            url: url.to_string(),
            backend,
            read,
            write,
            tag,
            lease_valid_until: AtomicI64::new(lease_deadline()),
        });
        keep_lease(Arc::downgrade(&inner));
        if backend == Backend::Postgres {
            keep_statistics(Arc::downgrade(&inner));
        }
        Ok(Db { inner })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The id tag this process leased.
    pub fn id_tag(&self) -> i32 {
        self.inner.tag
    }

    /// Liveness: the write path can work at all (the SQLite writer thread runs) and the id-tag
    /// lease holds. False means only a restart helps.
    pub fn is_live(&self) -> bool {
        let writer_ok = match &self.inner.write {
            WritePath::Group(w) => w.is_alive(),
            WritePath::Pool { keyed, .. } => keyed.iter().all(GroupWriter::is_alive),
            WritePath::Stopped => false,
        };
        writer_ok && self.lease_holds()
    }

    fn lease_holds(&self) -> bool {
        crate::clock::system_now_ms() < self.inner.lease_valid_until.load(Ordering::SeqCst)
    }

    /// Renews the id-tag lease now (the lease thread does it every 40 s); false when another
    /// process took the tag, after which this handle refuses writes.
    pub fn renew_lease(&self) -> Result<bool, DbError> {
        self.inner.renew_lease()
    }

    /// After a bulk load (the demo, a CSV import): on PostgreSQL, ANALYZE, as its documentation
    /// advises after loading, so that what runs next is planned for the tables as they now are.
    /// A connection keeps a statement's plan until the next ANALYZE, and one made while the
    /// tables were empty scans them whole (autovacuum analyzes a live database within a minute
    /// or two). SQLite keeps no statistics unless asked to: nothing to do.
    pub fn analyze(&self) -> Result<(), DbError> {
        use diesel::RunQueryDsl;
        if self.inner.backend == Backend::Postgres {
            let mut conn = self.inner.read.get()?;
            diesel::sql_query("ANALYZE").execute(&mut *conn)?;
        }
        Ok(())
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
        E: From<DbError> + Contended + Send + 'static,
    {
        match self.write_path()? {
            WritePath::Group(w) => w.run(f).await,
            WritePath::Pool { pool, .. } => {
                let pool = pool.clone();
                blocking(move || {
                    let mut conn = pool.get().map_err(DbError::from)?;
                    write_tx_retrying(&mut conn, f)
                })
                .await
            }
            WritePath::Stopped => unreachable!("write_path refuses a stopped handle"),
        }
    }

    /// A batcher for writes of one kind ([`Batcher`]): on SQLite through the one writer, on
    /// PostgreSQL through the answer writers, an item's key picking the writer. Items with one
    /// key (an invitation's signals) always meet at one writer, so two groups never wait for
    /// each other's rows of the same thing (they would deadlock), and a group commits many at
    /// once: one commit and a few statements for many answers.
    pub fn batcher<I, O, E>(&self, run: BatchFn<I, O, E>) -> Batcher<I, O, E>
    where
        I: Send + 'static,
        O: Send + 'static,
        E: From<DbError> + Contended + Send + 'static,
    {
        Batcher::new(self.clone(), run)
    }

    /// The group writers batches go through: SQLite's one writer, PostgreSQL's answer writers
    /// (none: a batched item is a write of its own on the pool).
    pub(super) fn lanes(&self) -> &[GroupWriter] {
        match &self.inner.write {
            WritePath::Group(w) => std::slice::from_ref(w),
            WritePath::Pool { keyed, .. } => keyed,
            WritePath::Stopped => &[],
        }
    }

    /// Whether writes may go now (see [`Db::write_path`]).
    pub(super) fn writable(&self) -> Result<(), DbError> {
        self.write_path().map(|_| ())
    }

    /// Where writes go, if they may go at all: not once the id-tag lease is lost (its ids could
    /// meet another process's), nor after the handle closed.
    fn write_path(&self) -> Result<&WritePath, DbError> {
        if !self.lease_holds() {
            return Err(lease_lost());
        }
        match &self.inner.write {
            WritePath::Stopped => Err(stopped()),
            path => Ok(path),
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
        E: From<DbError> + Contended + Send + 'static,
    {
        match self.write_path()? {
            WritePath::Group(w) => w.run_blocking(f),
            WritePath::Pool { pool, .. } => {
                let mut conn = pool.get().map_err(DbError::from)?;
                write_tx_retrying(&mut conn, f)
            }
            WritePath::Stopped => unreachable!("write_path refuses a stopped handle"),
        }
    }

    /// Whether reads and writes both work now: a query on the read pool and an empty write
    /// through the write path (the group writer's thread included), each within a few seconds.
    pub async fn check_ready(&self) -> Result<(), DbError> {
        use diesel::RunQueryDsl;
        let probe = async {
            self.read(|c| diesel::sql_query("SELECT 1").execute(c).map_err(DbError::from)).await?;
            if !self.is_live() {
                return Err(DbError::Connection("a writer thread has stopped".into()));
            }
            self.write(|c| diesel::sql_query("SELECT 1").execute(c).map_err(DbError::from)).await?;
            if let WritePath::Pool { keyed, .. } = &self.inner.write {
                for w in keyed {
                    w.run(|c| diesel::sql_query("SELECT 1").execute(c).map_err(DbError::from)).await?;
                }
            }
            Ok(())
        };
        match tokio::time::timeout(READY_TIMEOUT, probe).await {
            Ok(r) => r,
            Err(_) => Err(DbError::Connection("the database did not answer in time".into())),
        }
    }
}

impl Inner {
    fn renew_lease(&self) -> Result<bool, DbError> {
        let mut conn = establish(&self.url)?;
        configure(&mut conn)?;
        let renewed = ids::renew(&mut conn, self.tag, ids::holder())?;
        let until = if renewed { lease_deadline() } else { 0 };
        self.lease_valid_until.store(until, Ordering::SeqCst);
        Ok(renewed)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let last = {
            let mut open = open_handles().lock().unwrap_or_else(|e| e.into_inner());
            let n = open.entry(self.url.clone()).or_insert(1);
            *n -= 1;
            *n == 0
        };
        // A direct connection: this may run on an async thread, where the writer cannot be awaited.
        if last {
            if let Ok(mut conn) = establish(&self.url) {
                let _ = configure(&mut conn);
                ids::release(&mut conn, self.tag, ids::holder());
            }
        }
        // Close the write connection before the process ends, so SQLite folds its WAL into the
        // database file (a copy of the file alone is then complete).
        match std::mem::replace(&mut self.write, WritePath::Stopped) {
            WritePath::Group(w) => w.stop(),
            WritePath::Pool { keyed, .. } => keyed.into_iter().for_each(GroupWriter::stop),
            WritePath::Stopped => {}
        }
    }
}

/// How often a PostgreSQL handle looks for tables whose statistics fell behind.
const STATISTICS_EVERY: Duration = Duration::from_secs(10);

/// Keeps PostgreSQL's statistics up with young tables while the handle lives
/// ([`super::statistics`]), on a pooled connection.
fn keep_statistics(inner: Weak<Inner>) {
    every_while_open("acht-statistics", STATISTICS_EVERY, inner, |db| {
        let refreshed = db.read.get().map_err(DbError::from).and_then(|mut c| super::statistics::refresh(&mut c));
        match refreshed {
            Ok(tables) if !tables.is_empty() => tracing::debug!(?tables, "analyzed tables that grew"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not bring the tables' statistics up to date; will retry"),
        }
    });
}

/// Renews the id-tag lease while the handle lives, on a connection of its own (renewal must not
/// wait behind a long write, nor block an async thread).
fn keep_lease(inner: Weak<Inner>) {
    every_while_open("acht-lease", Duration::from_millis((LEASE_MS / 3) as u64), inner, |db| match db.renew_lease() {
        Ok(true) => {}
        Ok(false) => tracing::error!(
            tag = db.tag,
            "another process took this process's id tag after it stalled for longer than a lease: \
                 writes are refused and liveness fails until it restarts"
        ),
        Err(e) => tracing::warn!(error = %e, "could not renew the id-tag lease; will retry"),
    });
}

/// Runs `task` every `period` on a thread of its own while the handle is open; the thread looks
/// twice a second whether the handle closed, so it never keeps a closing process waiting.
fn every_while_open(name: &str, period: Duration, inner: Weak<Inner>, task: impl Fn(&Inner) + Send + 'static) {
    let step = Duration::from_millis(500);
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || loop {
            let mut waited = Duration::ZERO;
            while waited < period {
                std::thread::sleep(step);
                waited += step;
                if inner.strong_count() == 0 {
                    return;
                }
            }
            let Some(db) = inner.upgrade() else { return };
            task(&db);
        })
        .unwrap_or_else(|e| panic!("spawn the {name} thread: {e}"));
}

/// A group writer on a connection of its own, replaced by a fresh one when it breaks.
fn group_writer(url: &str) -> Result<GroupWriter, DbError> {
    let conn = writer_connection(url)?;
    let reconnect_url = url.to_string();
    Ok(GroupWriter::start(conn, Box::new(move || writer_connection(&reconnect_url))))
}

/// On PostgreSQL a group writer runs the same few batch statements all day, each keyed by ids
/// (`id = ANY($1)`): one generic plan serves every batch. Left to choose, PostgreSQL planned
/// the invitations' five-table lookup again for every batch (a custom plan each time, since
/// the generic one's estimate for an array of unknown length looked dearer): measured with
/// pg_stat_statements during the score-link benchmark, 1.1 s of planning for 0.4 s of
/// execution, a quarter of the database's time for the answers.
const WRITER_SETTINGS_PG: &str = "SET plan_cache_mode = force_generic_plan";

fn writer_connection(url: &str) -> Result<DbConn, DbError> {
    let mut conn = establish(url)?;
    configure(&mut conn)?;
    if let DbConn::Pg(c) = &mut conn {
        use diesel::connection::SimpleConnection;
        c.batch_execute(WRITER_SETTINGS_PG).map_err(|e| DbError::Connection(e.to_string()))?;
    }
    Ok(conn)
}

fn lease_lost() -> DbError {
    DbError::Connection("this process's id-tag lease lapsed; it must restart".into())
}

/// A database made by a development build from before the schema settled (the first
/// migration was rewritten before any release) has the migration marked done but not its
/// tables: say so instead of failing later on a missing table.
fn check_schema(conn: &mut DbConn) -> Result<(), DbError> {
    use diesel::RunQueryDsl;
    let probe = diesel::sql_query(
        "SELECT last_ms, texts, state, counts_from, source, visible_ms \
         FROM instance_leases, surveys, responses, answer_events WHERE 1 = 0",
    )
    .execute(conn);
    probe.map(|_| ()).map_err(|_| {
        DbError::Migration(
            "this database was made by a development build of acht from before its schema settled; \
             move it aside (or delete it) and start again"
                .into(),
        )
    })
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
