//! Writes of one kind that run as one: the items that queue up for a writer while it is busy
//! are handed to one call of a batch function, as one job of the group writer
//! ([`super::writer`]). The batch function reads and writes the whole batch in a few set-wise
//! statements (one lookup for all items, one multi-row INSERT per table), where one write per
//! item would pay a round trip per statement on PostgreSQL: the answer path is about six
//! statements per answer one by one, and about ten per batch together.
//!
//! An item's own refusal (an unknown link, say) is its result alone; the batch goes on. When
//! the batch as a whole fails (a statement failed), it is rolled back and every item runs
//! again as a batch of its own, so a failure stays with the item that caused it, as it does
//! for single writes in a group.
use super::writer::GroupWriter;
use super::{Contended, Db, DbConn, DbError};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Most items in one batch: bounds a statement's bound values (SQLite allows 32,766) and the
/// time one batch holds its writer.
const MAX_BATCH: usize = 512;

/// What the batch function returns: one result per item, in the items' order, or an error of
/// the batch as a whole (it is then rolled back).
pub type BatchResult<O, E> = Result<Vec<Result<O, E>>, E>;

/// The batch function: runs inside the writer's transaction.
pub type BatchFn<I, O, E> = fn(&mut DbConn, &[I]) -> BatchResult<O, E>;

/// Batches of one kind, over the writers of a [`Db`] (lanes, picked by a key).
pub struct Batcher<I, O, E> {
    db: Db,
    /// Per lane, the items waiting for its next batch, with where their results go.
    queues: Vec<Arc<Queue<I, O, E>>>,
    run: BatchFn<I, O, E>,
}

impl<I, O, E> Clone for Batcher<I, O, E> {
    fn clone(&self) -> Self {
        Batcher { db: self.db.clone(), queues: self.queues.clone(), run: self.run }
    }
}

type Queue<I, O, E> = Mutex<Vec<Queued<I, O, E>>>;
type Reply<O, E> = oneshot::Sender<Result<O, E>>;

struct Queued<I, O, E> {
    item: I,
    reply: Reply<O, E>,
}

impl<I, O, E> Batcher<I, O, E>
where
    I: Send + 'static,
    O: Send + 'static,
    E: From<DbError> + Contended + Send + 'static,
{
    pub(super) fn new(db: Db, run: BatchFn<I, O, E>) -> Self {
        let queues = db.lanes().iter().map(|_| Arc::default()).collect();
        Batcher { db, queues, run }
    }

    /// Runs `item` in the next batch of the lane `key` picks; resolves after that batch's
    /// group committed. Items with one key always meet in one lane, in the order submitted.
    /// Without lanes (PostgreSQL with no answer writers) the item is a write of its own.
    pub async fn submit(&self, key: i64, item: I) -> Result<O, E> {
        if self.queues.is_empty() {
            let run = self.run;
            return self.db.write(move |conn| one(run, conn, &item)).await;
        }
        self.db.writable()?;
        let lane = key.rem_euclid(self.queues.len() as i64) as usize;
        let (reply, result) = oneshot::channel();
        let first = {
            let mut queue = self.queues[lane].lock().unwrap_or_else(|e| e.into_inner());
            queue.push(Queued { item, reply });
            queue.len() % MAX_BATCH == 1
        };
        // The first item of an empty queue sends the batch's job; the ones after it join it
        // until the writer takes the job (a job takes at most MAX_BATCH, so every MAX_BATCH-th
        // item sends one more: there are always enough jobs for what is queued). Spawned, so a
        // client that goes away meanwhile (its request's future dropped) cannot leave the
        // others of its batch unanswered.
        if first {
            tokio::spawn(flush(self.db.clone(), lane, self.queues[lane].clone(), self.run));
        }
        result.await.map_err(|_| E::from(DbError::Connection("the write did not run".into())))?
    }
}

/// One item as a batch of its own.
fn one<I, O, E: From<DbError>>(run: BatchFn<I, O, E>, conn: &mut DbConn, item: &I) -> Result<O, E> {
    run(conn, std::slice::from_ref(item))?
        .pop()
        .unwrap_or_else(|| Err(E::from(DbError::Connection("the write gave no result".into()))))
}

/// Sends one job that takes the lane's queue when the writer runs it, then hands out results.
async fn flush<I, O, E>(db: Db, lane: usize, queue: Arc<Queue<I, O, E>>, run: BatchFn<I, O, E>)
where
    I: Send + 'static,
    O: Send + 'static,
    E: From<DbError> + Contended + Send + 'static,
{
    // Taken once, on the job's first run; kept for a rerun after its group failed.
    let taken: Arc<Mutex<Option<Vec<I>>>> = Arc::default();
    let replies: Arc<Mutex<Vec<Reply<O, E>>>> = Arc::default();
    let job = {
        let (queue, taken, replies) = (queue.clone(), taken.clone(), replies.clone());
        move |conn: &mut DbConn| {
            let mut taken = taken.lock().unwrap_or_else(|e| e.into_inner());
            let items = taken.get_or_insert_with(|| {
                let mut queue = queue.lock().unwrap_or_else(|e| e.into_inner());
                let n = queue.len().min(MAX_BATCH);
                let queued: Vec<_> = queue.drain(..n).collect();
                let (items, senders): (Vec<I>, Vec<_>) = queued.into_iter().map(|q| (q.item, q.reply)).unzip();
                *replies.lock().unwrap_or_else(|e| e.into_inner()) = senders;
                items
            });
            run(conn, items)
        }
    };
    let Some(writer) = db.lanes().get(lane) else {
        return drop(std::mem::take(&mut *queue.lock().unwrap_or_else(|e| e.into_inner())));
    };
    let outcome = writer.run(job).await;
    let replies = std::mem::take(&mut *replies.lock().unwrap_or_else(|e| e.into_inner()));
    match outcome {
        Ok(results) => {
            for (reply, result) in replies.into_iter().zip(results) {
                let _ = reply.send(result);
            }
        }
        // The job never ran (the writer stopped, or its group could not begin): the items are
        // still queued, and nobody else sends a job for them. Dropping them tells their callers.
        Err(_) if replies.is_empty() => drop(std::mem::take(&mut *queue.lock().unwrap_or_else(|e| e.into_inner()))),
        Err(e) if replies.len() == 1 => {
            let _ = replies.into_iter().next().map(|reply| reply.send(Err(e)));
        }
        Err(_) => {
            let items = taken.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default();
            alone(writer, run, items, replies);
        }
    }
}

/// After a batch failed as a whole: each item in a batch of its own, so only the failing one
/// fails (they still share the writer's groups).
fn alone<I, O, E>(writer: &GroupWriter, run: BatchFn<I, O, E>, items: Vec<I>, replies: Vec<Reply<O, E>>)
where
    I: Send + 'static,
    O: Send + 'static,
    E: From<DbError> + Contended + Send + 'static,
{
    for (item, reply) in items.into_iter().zip(replies) {
        let writer = writer.clone();
        tokio::spawn(async move {
            let _ = reply.send(writer.run(move |conn| one(run, conn, &item)).await);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::schema::instance_secrets as s;
    use diesel::prelude::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    /// A handle on a fresh SQLite file: (handle, directory to remove).
    fn temp_db(name: &str) -> (Db, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("acht-batch-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("b.db").display());
        (Db::open(&url, 2).unwrap(), dir)
    }

    /// Keeps the writer busy until `n` items wait in the batcher's queue (at most 10 s), so they
    /// form one batch however slow the machine; the blocker answers whether they did.
    async fn hold_busy<O: Send + 'static>(
        db: &Db,
        batcher: &Batcher<String, O, DbError>,
        n: usize,
    ) -> tokio::task::JoinHandle<Result<bool, DbError>> {
        let (db, queue) = (db.clone(), batcher.queues[0].clone());
        let started = Arc::new(AtomicBool::new(false));
        let running = started.clone();
        let blocker = tokio::spawn(async move {
            db.write(move |_| {
                running.store(true, Ordering::SeqCst);
                let queued = || queue.lock().unwrap().len();
                let until = Instant::now() + Duration::from_secs(10);
                while queued() < n && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Ok::<_, DbError>(queued() >= n)
            })
            .await
        });
        while !started.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        blocker
    }

    fn insert(conn: &mut DbConn, name: &str) -> Result<(), DbError> {
        diesel::insert_into(s::table).values((s::name.eq(name), s::value.eq("v"))).execute(conn)?;
        Ok(())
    }

    fn stored(db: &Db) -> Vec<String> {
        db.read_blocking(|c| {
            s::table
                .select(s::name)
                .filter(s::name.like("item-%"))
                .order(s::name)
                .load::<String>(c)
                .map_err(DbError::from)
        })
        .unwrap()
    }

    static CALLS: AtomicUsize = AtomicUsize::new(0);

    /// Inserts every item; answers with the batch's size.
    fn insert_counting(conn: &mut DbConn, items: &[String]) -> BatchResult<usize, DbError> {
        CALLS.fetch_add(1, Ordering::SeqCst);
        items.iter().map(|name| insert(conn, name).map(|()| Ok(items.len()))).collect()
    }

    /// Items sent while the writer is busy are one call of the batch function, and each caller
    /// gets its own result after the commit.
    #[tokio::test]
    async fn items_queued_meanwhile_are_one_batch() {
        let (db, dir) = temp_db("one");
        let batcher = db.batcher(insert_counting);
        let blocker = hold_busy(&db, &batcher, 6).await;
        let before = CALLS.load(Ordering::SeqCst);
        let sent: Vec<_> = (0..6)
            .map(|k| {
                let b = batcher.clone();
                tokio::spawn(async move { b.submit(k, format!("item-{k}")).await })
            })
            .collect();
        assert!(blocker.await.unwrap().unwrap(), "the six items were queued together");
        for task in sent {
            assert_eq!(task.await.unwrap().unwrap(), 6, "each item was written in the batch of six");
        }
        assert_eq!(CALLS.load(Ordering::SeqCst) - before, 1, "one call for the six");
        assert_eq!(stored(&db).len(), 6);
        drop((batcher, db));
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Inserts every item; "item-refused" is refused before writing (its own result), and
    /// "item-poison" fails the whole batch after its row was written.
    fn insert_or_fail(conn: &mut DbConn, items: &[String]) -> BatchResult<(), DbError> {
        let mut out = Vec::new();
        for name in items {
            if name == "item-refused" {
                out.push(Err(DbError::Connection("refused".into())));
                continue;
            }
            insert(conn, name)?;
            if name == "item-poison" {
                return Err(DbError::Connection("fails after writing".into()));
            }
            out.push(Ok(()));
        }
        Ok(out)
    }

    /// A batch that fails as a whole is rolled back and its items run alone: only the item that
    /// failed it fails, and an item refused on its own is refused, not the batch.
    #[tokio::test]
    async fn a_failing_item_fails_alone() {
        let (db, dir) = temp_db("fail");
        let batcher = db.batcher(insert_or_fail);
        let names = ["item-a", "item-refused", "item-b", "item-poison", "item-c"];
        let blocker = hold_busy(&db, &batcher, names.len()).await;
        let sent: Vec<_> = names
            .iter()
            .map(|name| {
                let (b, name) = (batcher.clone(), name.to_string());
                tokio::spawn(async move { b.submit(0, name).await })
            })
            .collect();
        assert!(blocker.await.unwrap().unwrap(), "the items were queued together");
        let mut ok = Vec::new();
        for (name, task) in names.iter().zip(sent) {
            if task.await.unwrap().is_ok() {
                ok.push(name.to_string());
            }
        }
        assert_eq!(ok, ["item-a", "item-b", "item-c"]);
        assert_eq!(stored(&db), ["item-a", "item-b", "item-c"], "nothing of the failed batch nor of the poison stays");
        drop((batcher, db));
        let _ = std::fs::remove_dir_all(dir);
    }
}
