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
use super::{rollback, DbConn, DbError};
use diesel::sql_types::BigInt;
use diesel::RunQueryDsl;
use std::sync::mpsc;

/// Most writes committed together.
const MAX_GROUP: usize = 512;

/// A queued write. `run` may be called again after a rollback, so writes are `Fn`.
trait Job: Send {
    /// Runs the write and keeps its result; true when it failed.
    fn run(&mut self, conn: &mut DbConn) -> bool;
    /// Tells the caller: its own error if it failed, else whether the commit succeeded.
    fn reply(self: Box<Self>, committed: Result<(), String>);
}

struct Pending<F, T, E> {
    write: F,
    result: Option<Result<T, E>>,
    reply: tokio::sync::oneshot::Sender<Result<T, E>>,
}

impl<F, T, E> Job for Pending<F, T, E>
where
    F: Fn(&mut DbConn) -> Result<T, E> + Send,
    T: Send,
    E: From<DbError> + Send,
{
    fn run(&mut self, conn: &mut DbConn) -> bool {
        let result = (self.write)(conn);
        let failed = result.is_err();
        self.result = Some(result);
        failed
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
        let _ = self.reply.send(out);
    }
}

#[derive(Clone)]
pub struct GroupWriter {
    sender: mpsc::Sender<Box<dyn Job>>,
}

impl GroupWriter {
    pub fn start(mut conn: DbConn) -> GroupWriter {
        let (sender, receiver) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("acht-writer".into())
            .spawn(move || {
                while let Ok(first) = receiver.recv() {
                    let mut jobs = vec![first];
                    while jobs.len() < MAX_GROUP {
                        match receiver.try_recv() {
                            Ok(j) => jobs.push(j),
                            Err(_) => break,
                        }
                    }
                    commit_group(&mut conn, jobs);
                }
            })
            .expect("spawn the writer thread");
        GroupWriter { sender }
    }

    /// Runs `write` atomically in the next group; resolves after that group committed.
    pub async fn run<T, E, F>(&self, write: F) -> Result<T, E>
    where
        F: Fn(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let stopped = || E::from(DbError::Connection("the writer has stopped".into()));
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.sender.send(Box::new(Pending { write, result: None, reply })).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn commit_group(conn: &mut DbConn, mut jobs: Vec<Box<dyn Job>>) {
    if let Err(e) = begin(conn) {
        jobs.into_iter().for_each(|j| j.reply(Err(e.clone())));
        return;
    }
    for k in 0..jobs.len() {
        let before = total_changes(conn);
        if jobs[k].run(conn) && (before.is_none() || total_changes(conn) != before) {
            rollback(conn);
            return run_one_by_one(conn, jobs);
        }
    }
    let committed = commit(conn);
    jobs.into_iter().for_each(|j| j.reply(committed.clone()));
}

/// After a failed group: each write alone, so only the failing one is lost.
fn run_one_by_one(conn: &mut DbConn, jobs: Vec<Box<dyn Job>>) {
    for mut job in jobs {
        let outcome = begin(conn).and_then(|()| {
            if job.run(conn) {
                rollback(conn);
                Ok(())
            } else {
                commit(conn)
            }
        });
        job.reply(outcome);
    }
}

/// Rows changed on this connection so far; None where the backend cannot tell.
fn total_changes(conn: &mut DbConn) -> Option<i64> {
    match conn {
        DbConn::Sqlite(c) => diesel::select(diesel::dsl::sql::<BigInt>("total_changes()")).get_result(c).ok(),
        DbConn::Pg(_) => None,
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

    fn insert(conn: &mut DbConn, name: &str) -> Result<(), DbError> {
        diesel::insert_into(s::table).values((s::name.eq(name), s::value.eq("v"))).execute(conn)?;
        Ok(())
    }

    /// A write that fails after changing rows must lose only its own rows, even when it shared
    /// a group with others; one that fails before writing must not disturb the group.
    #[tokio::test]
    async fn a_failing_write_loses_only_its_own_rows() {
        let dir = std::env::temp_dir().join(format!("acht-writer-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("w.db").display());
        let mut conn = crate::db::establish(&url).unwrap();
        crate::db::migrate(&mut conn).unwrap();
        let writer = GroupWriter::start(conn);

        // Hold the writer busy so that the writes below queue up and form one group.
        let busy = writer.clone();
        let blocker = tokio::spawn(async move {
            busy.run(|_| {
                std::thread::sleep(std::time::Duration::from_millis(300));
                Ok::<_, DbError>(())
            })
            .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
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
        blocker.await.unwrap().unwrap();
        let results: Vec<bool> = futures_join(tasks).await;
        assert_eq!(results, [true, true, false, true, false, true]);

        let mut conn = crate::db::establish(&url).unwrap();
        let mut names: Vec<String> =
            s::table.select(s::name).filter(s::name.ne("invitation_token")).load(&mut conn).unwrap();
        names.sort();
        assert_eq!(names, ["ok-0", "ok-1", "ok-3", "ok-5"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    async fn futures_join(tasks: Vec<tokio::task::JoinHandle<Result<(), DbError>>>) -> Vec<bool> {
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap().is_ok());
        }
        out
    }
}
