//! Group commit for SQLite: one thread owns the write connection and commits the writes that
//! queued up meanwhile in one transaction. A commit is one WAL append for many writes instead
//! of one per write, and callers hear back only after the commit, so an acknowledged write is
//! on disk (in the WAL) before anyone is told.
//!
//! The group is optimistic: its writes run one after another with no savepoint between them,
//! because a savepoint makes SQLite copy every already-dirty page it touches (measured: 30% of
//! the batch-ingest time). A write that fails after changing rows poisons the group: it is
//! rolled back and every write of the group runs again, each in its own transaction, so the
//! failure stays with its caller. A write that fails before changing anything (an unknown
//! link, say) does not need that.
//!
//! A write that panics fails alone, like one that returns an error after changing rows: its
//! caller gets an error, the group runs again without it, and the writer goes on. A connection
//! left unusable is replaced.
use super::{rollback, Contended, DbConn, DbError};
use diesel::sql_types::BigInt;
use diesel::{Connection, RunQueryDsl};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

/// Most writes committed together.
const MAX_GROUP: usize = 512;

/// A queued write. `run` may be called again after a rollback, so writes are `Fn`.
trait Job: Send {
    /// Runs the write and keeps its result; true when it failed (returned an error or panicked).
    fn run(&mut self, conn: &mut DbConn) -> bool;
    /// Whether the write panicked: it is not run again.
    fn panicked(&self) -> bool;
    /// Whether the write failed by losing a race with another transaction (PostgreSQL): run
    /// alone again, it may succeed.
    fn contended(&self) -> bool;
    /// Tells the caller: its own error if it failed, else whether the commit succeeded.
    fn reply(self: Box<Self>, committed: Result<(), String>);
}

struct Pending<F, T, E> {
    write: F,
    result: Option<Result<T, E>>,
    panicked: bool,
    reply: Reply<Result<T, E>>,
}

/// Where the result goes: an awaiting task, or a thread blocked outside any async runtime
/// (a std channel, so blocking on it never trips the runtime's checks).
enum Reply<R> {
    Async(tokio::sync::oneshot::Sender<R>),
    Blocking(mpsc::SyncSender<R>),
}

impl<F, T, E> Job for Pending<F, T, E>
where
    F: Fn(&mut DbConn) -> Result<T, E> + Send,
    T: Send,
    E: From<DbError> + Contended + Send,
{
    fn run(&mut self, conn: &mut DbConn) -> bool {
        match catch_unwind(AssertUnwindSafe(|| (self.write)(conn))) {
            Ok(result) => {
                let failed = result.is_err();
                self.result = Some(result);
                failed
            }
            Err(_) => {
                tracing::error!("a database write panicked; it fails alone and the writer goes on");
                self.panicked = true;
                self.result = Some(Err(E::from(DbError::Connection("the write failed unexpectedly".into()))));
                true
            }
        }
    }

    fn panicked(&self) -> bool {
        self.panicked
    }

    fn contended(&self) -> bool {
        matches!(&self.result, Some(Err(e)) if e.contended())
    }

    fn reply(self: Box<Self>, committed: Result<(), String>) {
        let out = match (self.result, committed) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (Some(Ok(_)), Err(msg)) => Err(E::from(DbError::Connection(msg))),
            (None, committed) => {
                Err(E::from(DbError::Connection(committed.err().unwrap_or_else(|| "the write did not run".into()))))
            }
        };
        match self.reply {
            Reply::Async(tx) => {
                let _ = tx.send(out);
            }
            Reply::Blocking(tx) => {
                let _ = tx.send(out);
            }
        }
    }
}

/// Makes a fresh write connection, for when the current one is left in a broken state.
pub type Reconnect = Box<dyn Fn() -> Result<DbConn, DbError> + Send>;

#[derive(Clone)]
pub struct GroupWriter {
    sender: mpsc::Sender<Box<dyn Job>>,
    alive: Arc<AtomicBool>,
    /// Writes sent and not yet taken into a group.
    queued: Arc<AtomicUsize>,
    thread: Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>,
}

impl GroupWriter {
    pub fn start(mut conn: DbConn, reconnect: Reconnect) -> GroupWriter {
        watch_changes(&mut conn);
        let (sender, receiver) = mpsc::channel::<Box<dyn Job>>();
        let alive = Arc::new(AtomicBool::new(true));
        let flag = Alive(alive.clone());
        let queued = Arc::new(AtomicUsize::new(0));
        let taken = queued.clone();
        let thread = std::thread::Builder::new()
            .name("acht-writer".into())
            .spawn(move || {
                let _flag = flag;
                while let Ok(first) = receiver.recv() {
                    let mut jobs = vec![first];
                    while jobs.len() < MAX_GROUP {
                        match receiver.try_recv() {
                            Ok(j) => jobs.push(j),
                            Err(_) => break,
                        }
                    }
                    taken.fetch_sub(jobs.len(), Ordering::SeqCst);
                    commit_group(&mut conn, jobs);
                    if super::needs_replacing(&mut conn) {
                        // A failed rollback, or a panic inside diesel's own bookkeeping.
                        rollback(&mut conn);
                        match reconnect() {
                            Ok(fresh) => {
                                conn = fresh;
                                watch_changes(&mut conn);
                            }
                            Err(e) => tracing::error!(error = %e, "cannot replace the write connection"),
                        }
                    }
                }
            })
            .expect("spawn the writer thread");
        GroupWriter { sender, alive, queued, thread: Arc::new(std::sync::Mutex::new(Some(thread))) }
    }

    /// Lets the writer finish what is queued and waits for its thread to end, so its connection
    /// is closed (on SQLite the last close checkpoints the WAL into the database file). Returns
    /// at once if other clones of this writer still exist; the thread ends with the last one.
    pub fn stop(self) {
        let GroupWriter { sender, thread, .. } = self;
        drop(sender);
        let Ok(mut thread) = Arc::try_unwrap(thread).map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner())) else {
            return;
        };
        if let Some(handle) = thread.take() {
            let _ = handle.join();
        }
    }

    /// Whether the writer thread still runs (readiness).
    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::SeqCst)
    }

    /// Writes waiting for the writer: the next group takes them all (up to [`MAX_GROUP`]).
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    fn send(&self, job: Box<dyn Job>) -> Result<(), ()> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        self.sender.send(job).map_err(|_| {
            self.queued.fetch_sub(1, Ordering::SeqCst);
        })
    }

    /// Runs `write` in the next group and blocks until it committed: for the command line and
    /// start-up. Blocks the calling thread, so async code uses [`GroupWriter::run`].
    pub fn run_blocking<T, E, F>(&self, write: F) -> Result<T, E>
    where
        F: Fn(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Contended + Send + 'static,
    {
        let stopped = || E::from(DbError::Connection("the writer has stopped".into()));
        let (reply, answer) = mpsc::sync_channel(1);
        let job = Pending { write, result: None, panicked: false, reply: Reply::Blocking(reply) };
        self.send(Box::new(job)).map_err(|()| stopped())?;
        answer.recv().map_err(|_| stopped())?
    }

    /// Runs `write` atomically in the next group; resolves after that group committed.
    pub async fn run<T, E, F>(&self, write: F) -> Result<T, E>
    where
        F: Fn(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Contended + Send + 'static,
    {
        let stopped = || E::from(DbError::Connection("the writer has stopped".into()));
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Pending { write, result: None, panicked: false, reply: Reply::Async(reply) };
        self.send(Box::new(job)).map_err(|()| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Clears the alive flag when the writer thread ends, however it ends.
struct Alive(Arc<AtomicBool>);
impl Drop for Alive {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

fn commit_group(conn: &mut DbConn, mut jobs: Vec<Box<dyn Job>>) {
    if let Err(e) = begin(conn) {
        jobs.into_iter().for_each(|j| j.reply(Err(e.clone())));
        return;
    }
    for k in 0..jobs.len() {
        let before = total_changes(conn);
        if jobs[k].run(conn) && (jobs[k].panicked() || before.is_none() || total_changes(conn) != before) {
            rollback(conn);
            return run_one_by_one(conn, jobs);
        }
    }
    let committed = commit(conn);
    jobs.into_iter().for_each(|j| j.reply(committed.clone()));
}

/// After a failed group: each write alone, so only the failing one is lost. A write that lost
/// a race (PostgreSQL: a deadlock with another writer's group, say) runs again after a pause.
fn run_one_by_one(conn: &mut DbConn, jobs: Vec<Box<dyn Job>>) {
    for mut job in jobs {
        if job.panicked() {
            job.reply(Ok(()));
            continue;
        }
        let mut attempt = 1;
        let outcome = loop {
            let outcome = begin(conn).and_then(|()| {
                if job.run(conn) {
                    rollback(conn);
                    Ok(())
                } else {
                    commit(conn)
                }
            });
            if !job.contended() || attempt >= super::WRITE_ATTEMPTS {
                break outcome;
            }
            std::thread::sleep(super::race_pause(attempt));
            attempt += 1;
        };
        job.reply(outcome);
    }
}

/// Changes made on this connection so far, as far as the backend tells: on SQLite the rows
/// changed, on PostgreSQL the statements that may have changed something ([`ChangeCounter`]).
/// None where it cannot tell, which counts as a change.
fn total_changes(conn: &mut DbConn) -> Option<i64> {
    match conn {
        DbConn::Sqlite(c) => diesel::select(diesel::dsl::sql::<BigInt>("total_changes()")).get_result(c).ok(),
        DbConn::Pg(c) => c.instrumentation().downcast_ref::<ChangeCounter>().map(|n| n.0),
    }
}

/// On a PostgreSQL writer connection, counts the statements that may have changed something:
/// every statement but a SELECT (a `SELECT … FOR UPDATE` only locks), and every statement that
/// failed (it aborts the whole transaction). A write that failed without either, such as a
/// forged link refused after its lookup, leaves the rest of its group to commit.
#[derive(Default)]
struct ChangeCounter(i64);

impl diesel::connection::Instrumentation for ChangeCounter {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        use diesel::connection::InstrumentationEvent as E;
        match event {
            E::StartQuery { query, .. } => self.0 += i64::from(!is_select(query)),
            E::FinishQuery { error: Some(_), .. } => self.0 += 1,
            _ => {}
        }
    }
}

/// Whether a statement is a SELECT, from its first word: the statement is written out only that
/// far (this runs for every statement on the answer path), not with all its binds.
fn is_select(query: &dyn std::fmt::Display) -> bool {
    use std::fmt::Write;
    /// Keeps the first six characters after leading blanks, then stops the writing.
    struct Start(String);
    impl Write for Start {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            for ch in s.chars() {
                if self.0.len() == 6 {
                    return Err(std::fmt::Error);
                }
                if !(self.0.is_empty() && ch.is_whitespace()) {
                    self.0.push(ch);
                }
            }
            Ok(())
        }
    }
    let mut start = Start(String::with_capacity(6));
    let _ = write!(start, "{query}");
    start.0.eq_ignore_ascii_case("select")
}

/// Makes a writer connection report its changes ([`total_changes`]).
fn watch_changes(conn: &mut DbConn) {
    if let DbConn::Pg(c) = conn {
        c.set_instrumentation(ChangeCounter::default());
    }
}

fn begin(conn: &mut DbConn) -> Result<(), String> {
    super::begin_write(conn).map_err(|e| e.to_string())
}

fn commit(conn: &mut DbConn) -> Result<(), String> {
    super::commit(conn).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::schema::instance_secrets as s;
    use diesel::prelude::*;

    /// A group writer over a fresh migrated SQLite file: (writer, url, directory to remove).
    fn temp_writer(name: &str) -> (GroupWriter, String, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("acht-writer-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("w.db").display());
        let mut conn = crate::db::establish(&url).unwrap();
        crate::db::migrate(&mut conn).unwrap();
        let reconnect_url = url.clone();
        (GroupWriter::start(conn, Box::new(move || crate::db::establish(&reconnect_url))), url, dir)
    }

    /// Keeps the writer busy until `n` more writes are queued behind it (at most 10 s), so that
    /// they form one group however slow the machine; the blocker answers whether they did.
    async fn hold_busy(writer: &GroupWriter, n: usize) -> tokio::task::JoinHandle<Result<bool, DbError>> {
        let busy = writer.clone();
        let watched = writer.clone();
        let started = Arc::new(AtomicBool::new(false));
        let running = started.clone();
        let blocker = tokio::spawn(async move {
            busy.run(move |_| {
                running.store(true, Ordering::SeqCst);
                let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
                while watched.queued() < n && std::time::Instant::now() < until {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                Ok::<_, DbError>(watched.queued() >= n)
            })
            .await
        });
        while !started.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        blocker
    }

    fn insert(conn: &mut DbConn, name: &str) -> Result<(), DbError> {
        diesel::insert_into(s::table).values((s::name.eq(name), s::value.eq("v"))).execute(conn)?;
        Ok(())
    }

    /// A write that fails after changing rows must lose only its own rows, even when it shared
    /// a group with others; one that fails before writing must not disturb the group.
    #[tokio::test]
    async fn a_failing_write_loses_only_its_own_rows() {
        let (writer, url, dir) = temp_writer("group");
        let blocker = hold_busy(&writer, 6).await;
        let mut tasks = Vec::new();
        for k in 0..6 {
            let writer = writer.clone();
            tasks.push(tokio::spawn(async move {
                writer
                    .run(move |c| match k {
                        2 => insert(c, "poison").and_then(|()| Err(DbError::Connection("fails after writing".into()))),
                        4 => Err(DbError::Connection("fails before writing".into())),
                        _ => insert(c, &format!("ok-{k}")),
                    })
                    .await
            }));
        }
        assert!(blocker.await.unwrap().unwrap(), "the six writes were queued together: one group");
        let results: Vec<bool> = futures_join(tasks).await;
        assert_eq!(results, [true, true, false, true, false, true]);

        let mut conn = crate::db::establish(&url).unwrap();
        let mut names: Vec<String> =
            s::table.select(s::name).filter(s::name.ne("invitation_token")).load(&mut conn).unwrap();
        names.sort();
        assert_eq!(names, ["ok-0", "ok-1", "ok-3", "ok-5"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A write that panics fails alone: the writes grouped with it commit, and the writer
    /// keeps serving later writes.
    #[tokio::test]
    async fn a_panicking_write_fails_alone_and_the_writer_goes_on() {
        let (writer, url, dir) = temp_writer("panic");
        let blocker = hold_busy(&writer, 4).await;
        let mut tasks = Vec::new();
        for k in 0..4 {
            let writer = writer.clone();
            tasks.push(tokio::spawn(async move {
                writer
                    .run(move |c| match k {
                        1 => {
                            insert(c, "half-done")?;
                            panic!("injected panic inside a write")
                        }
                        _ => insert(c, &format!("ok-{k}")),
                    })
                    .await
            }));
        }
        assert!(blocker.await.unwrap().unwrap(), "the four writes were queued together: one group");
        assert_eq!(futures_join(tasks).await, [true, false, true, true]);
        // The writer still works, and a panic before any change fails alone too.
        writer.run(|c| insert(c, "after")).await.unwrap();
        let r: Result<(), DbError> = writer.run(|_| panic!("injected panic before writing")).await;
        assert!(r.is_err());
        writer.run(|c| insert(c, "after-2")).await.unwrap();
        assert!(writer.is_alive());

        let mut conn = crate::db::establish(&url).unwrap();
        let mut names: Vec<String> =
            s::table.select(s::name).filter(s::name.ne("invitation_token")).load(&mut conn).unwrap();
        names.sort();
        assert_eq!(names, ["after", "after-2", "ok-0", "ok-2", "ok-3"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// On PostgreSQL (when `ACHT_TEST_PG_URL` names a server) a write in a group that failed
    /// having run only SELECTs leaves the group alone: the writes around it commit together
    /// (one transaction: one `xmin`). One whose statement failed (the transaction is aborted)
    /// or that changed rows makes the group run again one by one, and fails alone.
    #[tokio::test]
    async fn on_postgresql_a_write_that_only_looked_leaves_its_group_alone() {
        let Some(scratch) = crate::db::ScratchPg::create("writer") else { return };
        let url = scratch.url.clone();
        let mut conn = crate::db::establish(&url).unwrap();
        crate::db::migrate(&mut conn).unwrap();
        let reconnect_url = url.clone();
        let writer = GroupWriter::start(conn, Box::new(move || crate::db::establish(&reconnect_url)));
        let looked = |c: &mut DbConn| {
            s::table.select(s::name).load::<String>(c)?;
            Err(DbError::Connection("refused after a look".into()))
        };
        let bad_statement =
            |c: &mut DbConn| diesel::sql_query("SELECT 1 / 0").execute(c).map(|_| ()).map_err(DbError::from);
        let wrote =
            |c: &mut DbConn| insert(c, "poison").and_then(|()| Err(DbError::Connection("fails after writing".into())));
        let mut outcomes = Vec::new();
        for (group, middle) in [("a", 0), ("b", 1), ("c", 2)] {
            let blocker = hold_busy(&writer, 3).await;
            let mut tasks = Vec::new();
            for k in 0..3 {
                let writer = writer.clone();
                let row = format!("{group}{k}");
                tasks.push(tokio::spawn(async move {
                    writer
                        .run(move |c| match (k, middle) {
                            (1, 0) => looked(c),
                            (1, 1) => bad_statement(c),
                            (1, _) => wrote(c),
                            _ => insert(c, &row),
                        })
                        .await
                }));
            }
            assert!(blocker.await.unwrap().unwrap(), "group {group}: the three writes were queued together");
            outcomes.push(futures_join(tasks).await);
        }
        assert_eq!(outcomes, vec![vec![true, false, true]; 3]);
        let mut c = crate::db::establish(&url).unwrap();
        let rows: Vec<(String, String)> = diesel::sql_query(
            "SELECT name, xmin::text AS tx FROM instance_secrets WHERE name <> 'invitation_token' ORDER BY name",
        )
        .load::<NameTx>(&mut c)
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.tx))
        .collect();
        let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a0", "a2", "b0", "b2", "c0", "c2"]);
        assert_eq!(rows[0].1, rows[1].1, "a0 and a2 committed together: the look did not break the group");
        assert_ne!(rows[2].1, rows[3].1, "after a failed statement the group ran one by one");
        assert_ne!(rows[4].1, rows[5].1, "after a write that changed rows the group ran one by one");
        drop(c);
        writer.stop();
    }

    #[derive(diesel::QueryableByName)]
    struct NameTx {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        tx: String,
    }

    async fn futures_join(tasks: Vec<tokio::task::JoinHandle<Result<(), DbError>>>) -> Vec<bool> {
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap().is_ok());
        }
        out
    }
}
