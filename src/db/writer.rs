//! Group commit for SQLite: one thread owns the write connection and commits the writes that
//! queued up meanwhile in one transaction, each in its own savepoint. A commit is one WAL
//! append for many answers instead of one per answer. Callers hear back only after the
//! commit, so an acknowledged write is on disk (in the WAL) before anyone is told.
use super::{DbConn, DbError};
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;
use std::sync::mpsc;

/// Most writes committed together.
const MAX_GROUP: usize = 512;

type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(&mut DbConn) -> Completion + Send>;

#[derive(Clone)]
pub struct GroupWriter {
    sender: mpsc::Sender<Job>,
}

impl GroupWriter {
    pub fn start(mut conn: DbConn) -> GroupWriter {
        let (sender, receiver) = mpsc::channel::<Job>();
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

    /// Runs `f` in the next group; resolves after that group committed.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<diesel::result::Error> + From<DbError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn: &mut DbConn| {
            let result = conn.transaction(f);
            Box::new(move |committed: Result<(), String>| {
                let out = match committed {
                    Ok(()) => result,
                    Err(e) => Err(E::from(DbError::Connection(e))),
                };
                let _ = tx.send(out);
            })
        });
        self.sender.send(job).map_err(|_| E::from(DbError::Connection("the writer has stopped".into())))?;
        rx.await.map_err(|_| E::from(DbError::Connection("the writer has stopped".into())))?
    }
}

fn commit_group(conn: &mut DbConn, jobs: Vec<Job>) {
    let began = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c),
    };
    if let Err(e) = began {
        let msg = e.to_string();
        jobs.into_iter().for_each(|j| j(conn)(Err(msg.clone())));
        return;
    }
    let completions: Vec<Completion> = jobs.into_iter().map(|j| j(conn)).collect();
    let committed = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::commit_transaction(c),
        DbConn::Pg(c) => AnsiTransactionManager::commit_transaction(c),
    }
    .map_err(|e| e.to_string());
    if committed.is_err() {
        let _ = match conn {
            DbConn::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
            DbConn::Pg(c) => AnsiTransactionManager::rollback_transaction(c),
        };
    }
    for done in completions {
        done(committed.clone());
    }
}
