//! Storage: one diesel codebase over SQLite (embedded default) and PostgreSQL, reached
//! through one handle ([`Db`]).
pub mod batch;
mod handle;
pub mod ids;
mod kept;
pub mod models;
pub mod schema;
pub mod statistics;
pub mod writer;

pub use handle::Db;
pub use ids::new_id;
pub(crate) use kept::{kept_statement, kept_update, unnest_insert};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgresql");
/// Arbitrary constant key of the PostgreSQL advisory lock held while migrating.
const MIGRATION_LOCK_KEY: i64 = 0x0ac1_7000;

#[derive(diesel::MultiConnection)]
/// `establish` tries the variants in order and SQLite accepts any string, so PostgreSQL comes
/// first (libpq rejects a file path at once) and URLs are normalised by [`pool`].
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<DbConn>>;
pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("cannot connect to the database: {0}")]
    Connection(String),
    #[error("migration failed: {0}")]
    Migration(String),
}

/// Whether a failed write lost a race with another transaction and may succeed when run
/// again: a serialization failure (SQLSTATE 40001), a deadlock (40P01), a row lock not taken
/// without waiting (55P03) or, for the domain, a unique key another transaction took meanwhile.
pub trait Contended {
    fn contended(&self) -> bool;
}

impl Contended for DbError {
    fn contended(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            DbError::Query(Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _)) => true,
            // diesel 2.3 reports 40P01 as `Unknown`, with PostgreSQL's message and no code; the
            // same for 55P03, a row lock taken with NOWAIT that another transaction holds.
            DbError::Query(Error::DatabaseError(DatabaseErrorKind::Unknown, info)) => {
                info.message().starts_with("deadlock detected") || info.message().starts_with("could not obtain lock")
            }
            _ => false,
        }
    }
}

/// Runs of a write that lost a race (PostgreSQL) before its error is answered.
pub(crate) const WRITE_ATTEMPTS: u32 = 6;

/// The pause before running a write that lost a race again: random, 4–8 ms after the first
/// attempt, doubling each time up to 64–128 ms, so racing writers do not meet again in step.
pub(crate) fn race_pause(attempt: u32) -> std::time::Duration {
    use rand::Rng;
    let base = 2u64 << attempt.min(5);
    std::time::Duration::from_millis(rand::rng().random_range(base..2 * base))
}

impl From<diesel::r2d2::PoolError> for DbError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        DbError::Connection(e.to_string())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The scheme decides the backend: SQLite would accept any string as a path.
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Path form that SQLite understands: strips `sqlite://` / `sqlite:`.
fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url)
}

/// OpenSSL (compiled in for libpq's TLS) must be initialised by us before libpq does it, with
/// its exit-time clean-up off: otherwise the clean-up runs at process exit while another thread
/// may still be inside a TLS connection, and the process crashes on its way out.
fn init_tls() {
    openssl_sys::init();
}

/// A PostgreSQL `url` naming database `name` instead, on the same server with the same
/// parameters: `postgres:///acht?host=/var/run/postgresql` gives `postgres:///NAME?host=…`
/// (the database is the path's last segment; the parameters may hold slashes). For tests and
/// tools that make databases of their own on the server a URL names.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].rfind('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

pub fn establish(url: &str) -> Result<DbConn, DbError> {
    init_tls();
    let conn = match Backend::from_url(url) {
        Backend::Postgres => DbConn::Pg(PgConnection::establish(url).map_err(|e| DbError::Connection(e.to_string()))?),
        Backend::Sqlite => DbConn::Sqlite(
            SqliteConnection::establish(sqlite_path(url)).map_err(|e| DbError::Connection(e.to_string()))?,
        ),
    };
    Ok(conn)
}

/// Per-connection SQLite settings: WAL lets readers run beside the writer; synchronous=NORMAL
/// in WAL mode still survives a process crash (only power loss can drop the last commits);
/// statement and savepoint journals stay in memory instead of temporary files; the WAL is
/// checkpointed every 8,192 pages instead of 1,000, so a page that many batches touch is copied
/// into the database file once (writer-side ingest 40.6k -> 53.8k/s, benches/ingest.rs).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; \
     PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 8192;";

#[derive(Debug)]
struct ConnectionSetup;

/// Applies the per-connection settings (SQLite pragmas) to a connection made outside the pool.
pub fn configure(conn: &mut DbConn) -> Result<(), DbError> {
    ConnectionSetup.on_acquire(conn).map_err(|e| DbError::Connection(e.to_string()))
}

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            c.batch_execute(SQLITE_PRAGMAS).map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

pub fn pool(url: &str, max_size: u32) -> Result<DbPool, DbError> {
    init_tls();
    let manager = ConnectionManager::<DbConn>::new(match Backend::from_url(url) {
        Backend::Postgres => url.to_string(),
        Backend::Sqlite => sqlite_path(url).to_string(),
    });
    Pool::builder()
        .max_size(max_size)
        .connection_customizer(Box::new(ConnectionSetup))
        .build(manager)
        .map_err(|e| DbError::Connection(e.to_string()))
}

/// Runs pending migrations; on PostgreSQL under an advisory lock so instances can start together.
pub fn migrate(conn: &mut DbConn) -> Result<(), DbError> {
    let result = match conn {
        DbConn::Sqlite(c) => {
            c.batch_execute(SQLITE_PRAGMAS)?;
            c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ())
        }
        DbConn::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")).execute(c)?;
            let r = c.run_pending_migrations(PG_MIGRATIONS).map(|_| ());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).execute(c)?;
            r
        }
    };
    result.map_err(|e| DbError::Migration(e.to_string()))
}

/// Begins a write transaction. On SQLite it takes the write lock up front (BEGIN IMMEDIATE), so
/// a transaction that reads first never fails later on lock upgrade. Through diesel's
/// transaction manager, so diesel knows a transaction is open.
pub fn begin_write(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c),
    }
}

/// Commits the open transaction; if that fails, rolls it back.
pub fn commit(conn: &mut DbConn) -> diesel::QueryResult<()> {
    let committed = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::commit_transaction(c),
        DbConn::Pg(c) => AnsiTransactionManager::commit_transaction(c),
    };
    if committed.is_err() {
        rollback(conn);
    }
    committed
}

/// Rolls the open transaction back; nothing to report if there was none.
pub fn rollback(conn: &mut DbConn) {
    let _ = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
        DbConn::Pg(c) => AnsiTransactionManager::rollback_transaction(c),
    };
}

/// Whether diesel considers the connection unusable (a rollback failed), or a transaction is
/// still open where none should be.
pub fn needs_replacing(conn: &mut DbConn) -> bool {
    let status = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
        DbConn::Pg(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
    };
    !matches!(status.transaction_depth(), Ok(None))
}

pub fn in_transaction(conn: &mut DbConn) -> bool {
    let status = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
        DbConn::Pg(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
    };
    status.transaction_depth().ok().flatten().is_some()
}

/// Runs `f` in a write transaction (see [`begin_write`]). Inside a transaction already (the
/// group writer's), `f` joins it: the enclosing one owns atomicity, and no savepoint is paid for.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DbError>,
{
    if in_transaction(conn) {
        return f(conn);
    }
    begin_write(conn).map_err(DbError::from)?;
    match f(conn) {
        Ok(v) => {
            commit(conn).map_err(DbError::from)?;
            Ok(v)
        }
        Err(e) => {
            rollback(conn);
            Err(e)
        }
    }
}

/// Rows per multi-row INSERT statement. A fixed-size array gives diesel a static query id, so
/// the statement is prepared once per connection instead of parsed again for every batch
/// (parsing a long VALUES list cost more than running it). 128 rows × ≤ 15 columns stays far
/// below SQLite's and PostgreSQL's limits on bound parameters.
pub const INSERT_CHUNK: usize = 128;
// insert_rows! spells its chunk sizes out as literals (array lengths): keep them in step.
const _: () = assert!(INSERT_CHUNK == 128);

/// Inserts all of `rows` in statements of [`INSERT_CHUNK`] rows, then the remainder in
/// statements of 64, 32, …, 1 rows (its binary digits): every statement has a fixed size and is
/// prepared once, and 1,000 rows take 7 + 3 statements instead of 7 + 104 (on PostgreSQL each
/// statement is a round trip; a group of answers is a handful of rows). A macro because
/// diesel's MultiConnection cannot build a multi-row INSERT, so each backend gets its own.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        let conn: &mut $crate::db::DbConn = $conn;
        let mut rest = &rows[..];
        let mut insert = || -> diesel::QueryResult<usize> {
            let mut inserted = 0;
            $crate::db::insert_chunks!(conn, $table, rest, inserted, 128);
            $crate::db::insert_chunks!(conn, $table, rest, inserted, 64);
            $crate::db::insert_chunks!(conn, $table, rest, inserted, 32);
            $crate::db::insert_chunks!(conn, $table, rest, inserted, 16);
            $crate::db::insert_chunks!(conn, $table, rest, inserted, 8);
            $crate::db::insert_chunks!(conn, $table, rest, inserted, 4);
            $crate::db::insert_chunks!(conn, $table, rest, inserted, 2);
            $crate::db::insert_chunks!(conn, $table, rest, inserted, 1);
            Ok(inserted)
        };
        insert()
    }};
}
pub(crate) use insert_rows;

/// One step of [`insert_rows!`]: inserts `$n` rows at a time from the front of `$rest` while
/// that many are left.
macro_rules! insert_chunks {
    ($conn:ident, $table:expr, $rest:ident, $inserted:ident, $n:literal) => {
        while $rest.len() >= $n {
            let (head, tail) = $rest.split_at($n);
            let chunk: &[_; $n] = head.try_into().expect("split at the chunk's length");
            $inserted += match &mut *$conn {
                $crate::db::DbConn::Sqlite(c) => diesel::insert_into($table).values(chunk).execute(c)?,
                $crate::db::DbConn::Pg(c) => diesel::insert_into($table).values(chunk).execute(c)?,
            };
            $rest = tail;
        }
    };
}
pub(crate) use insert_chunks;

/// A PostgreSQL database of a unit test's own on the server `ACHT_TEST_PG_URL` names, dropped
/// with it (also when the test fails). None when no server is named: the test then does not run,
/// unless `ACHT_TEST_STRICT` asks for every test.
#[cfg(test)]
pub(crate) struct ScratchPg {
    pub url: String,
    name: String,
    admin: DbConn,
}

#[cfg(test)]
impl ScratchPg {
    pub fn create(purpose: &str) -> Option<ScratchPg> {
        let Ok(admin_url) = std::env::var("ACHT_TEST_PG_URL") else {
            assert!(std::env::var_os("ACHT_TEST_STRICT").is_none(), "ACHT_TEST_STRICT: set ACHT_TEST_PG_URL");
            return None;
        };
        let name = format!("acht_test_{purpose}_{}", std::process::id());
        let mut admin = establish(&admin_url).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
        let url = with_database(&admin_url, &name);
        Some(ScratchPg { url, name, admin })
    }
}

/// The statements this PostgreSQL connection keeps prepared whose text starts with `prefix`:
/// how a test sees that a statement is prepared once and reused, not made anew per call.
#[cfg(test)]
pub(crate) fn prepared_statements(conn: &mut DbConn, prefix: &str) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Statement {
        #[diesel(sql_type = diesel::sql_types::Text)]
        statement: String,
    }
    let DbConn::Pg(pg) = conn else { panic!("prepared statements are a PostgreSQL connection's") };
    diesel::sql_query("SELECT statement FROM pg_prepared_statements")
        .load::<Statement>(pg)
        .unwrap()
        .into_iter()
        .map(|s| s.statement)
        .filter(|s| s.starts_with(prefix))
        .collect()
}

#[cfg(test)]
impl Drop for ScratchPg {
    fn drop(&mut self) {
        let _ = diesel::sql_query(format!("DROP DATABASE {} WITH (FORCE)", self.name)).execute(&mut self.admin);
    }
}

/// Held by the one server process of a SQLite database. SQLite has one writer per file and
/// acht's group writer assumes it is that writer, so a second `serve` on the same file is
/// refused. An OS file lock, so a crashed server never leaves it behind.
#[derive(Debug)]
pub struct ServerLock {
    _file: std::fs::File,
}

impl ServerLock {
    /// Takes the lock for a SQLite URL; None on PostgreSQL, where instances share the database.
    pub fn acquire(url: &str) -> Result<Option<ServerLock>, DbError> {
        if Backend::from_url(url) == Backend::Postgres {
            return Ok(None);
        }
        let path = format!("{}.serve.lock", sqlite_path(url));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| DbError::Connection(format!("cannot open {path}: {e}")))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(ServerLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Err(DbError::Connection(format!(
                "another acht server already serves {}; SQLite runs one instance per file (use PostgreSQL for several)",
                sqlite_path(url)
            ))),
            Err(std::fs::TryLockError::Error(e)) => Err(DbError::Connection(format!("cannot lock {path}: {e}"))),
        }
    }
}

/// Runs a query on the concrete connection of either backend, so diesel caches its prepared
/// statement (through the `DbConn` enum every statement is built and prepared again). For the
/// statements of the one-click path, which run once per click on the writer thread.
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}
pub(crate) use on_backend;

#[cfg(test)]
mod url_tests {
    use super::with_database;

    #[test]
    fn another_database_on_the_same_server_keeps_the_parameters() {
        let cases = [
            ("postgres://postgres@127.0.0.1:5432/postgres", "postgres://postgres@127.0.0.1:5432/x"),
            (
                "postgresql://u:p@db.example/acht?sslmode=verify-full",
                "postgresql://u:p@db.example/x?sslmode=verify-full",
            ),
            ("postgres:///acht?host=/var/run/postgresql&user=acht", "postgres:///x?host=/var/run/postgresql&user=acht"),
            ("postgres://db.example", "postgres://db.example/x"),
            ("postgres://db.example/?sslmode=disable", "postgres://db.example/x?sslmode=disable"),
        ];
        for (url, expected) in cases {
            assert_eq!(with_database(url, "x"), expected, "{url}");
        }
    }
}
