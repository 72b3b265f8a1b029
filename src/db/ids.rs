//! Ids: positive 63-bit integers, time-ordered (inserts append to the indexes), unique across
//! every process that writes to one database, for as long as the layout lasts.
//!
//! Layout, high to low: 41 bits of milliseconds since [`EPOCH_MS`] (2025-01-01, good until
//! 2094), 10 bits of instance tag, 12 bits of sequence (4,096 ids per millisecond; a process
//! that needs more borrows the next millisecond, so ids never repeat and stay ordered).
//!
//! The tag is leased from the database (`instance_leases`) when a process opens it, renewed
//! while the process runs and released when it stops. No two live processes hold the same tag,
//! so their ids differ in the tag bits even in the same millisecond. A process that opens
//! several databases uses one tag for all of them (its ids come from one generator).
use super::{begin_write, commit, rollback, DbConn, DbError};
use crate::db::schema::instance_leases as l;
use diesel::prelude::*;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;

/// 2025-01-01T00:00:00Z in unix milliseconds.
pub const EPOCH_MS: i64 = 1_735_689_600_000;
const TAG_BITS: u32 = 10;
const SEQ_BITS: u32 = 12;
const TIME_BITS: u32 = 63 - TAG_BITS - SEQ_BITS;
/// Tags available to live processes at once.
pub const TAGS: i32 = 1 << TAG_BITS;
/// Last millisecond the layout can express: 2094-09-07.
pub const LAST_MS: i64 = EPOCH_MS + (1 << TIME_BITS) - 1;
/// A lease lives this long unless renewed; renewed every third of it.
pub const LEASE_MS: i64 = 120_000;

/// Composes an id. `tick` is milliseconds since the epoch times 4,096 plus the sequence.
pub fn compose(tick: i64, tag: i32) -> i64 {
    let ms = tick >> SEQ_BITS;
    let seq = tick & ((1 << SEQ_BITS) - 1);
    debug_assert!((0..TAGS).contains(&tag));
    assert!((0..1 << TIME_BITS).contains(&ms), "time outside the id layout (2025–2094)");
    (ms << (TAG_BITS + SEQ_BITS)) | (i64::from(tag) << SEQ_BITS) | seq
}

/// The unix millisecond an id was made in.
pub fn time_of(id: i64) -> i64 {
    (id >> (TAG_BITS + SEQ_BITS)) + EPOCH_MS
}

/// The instance tag an id carries.
pub fn tag_of(id: i64) -> i32 {
    ((id >> SEQ_BITS) & i64::from(TAGS - 1)) as i32
}

static LAST_TICK: AtomicI64 = AtomicI64::new(0);
static TAG: OnceLock<i32> = OnceLock::new();

/// A new id. Uses the tag this process leased; a process that never opened a database (unit
/// tests of pure code) uses tag 0, which is fine because it writes nowhere.
pub fn new_id() -> i64 {
    let tag = TAG.get().copied().unwrap_or(0);
    let now_tick = (crate::clock::system_now_ms() - EPOCH_MS) << SEQ_BITS;
    let prev = LAST_TICK
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| Some((last + 1).max(now_tick)))
        .expect("closure always returns Some");
    compose((prev + 1).max(now_tick), tag)
}

/// Who holds a lease: this process, unique across machines and restarts.
pub fn holder() -> &'static str {
    static HOLDER: OnceLock<String> = OnceLock::new();
    HOLDER.get_or_init(|| {
        let host = std::env::var("HOSTNAME").unwrap_or_default();
        format!("{host}:{}:{:016x}", std::process::id(), rand::random::<u64>())
    })
}

/// Now by the database's clock (PostgreSQL's; on SQLite the host's, which every process on
/// the file shares): leases expire by one clock, however far apart the instances' clocks are.
pub fn database_now_ms(conn: &mut DbConn) -> Result<i64, DbError> {
    use diesel::sql_types::BigInt;
    match conn {
        DbConn::Pg(c) => {
            Ok(diesel::select(diesel::dsl::sql::<BigInt>("(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT"))
                .get_result(c)?)
        }
        DbConn::Sqlite(_) => Ok(crate::clock::system_now_ms()),
    }
}

/// Leases this process's tag on the database behind `conn` (the same tag as on any database it
/// opened before) and makes it the tag of [`new_id`].
pub fn lease(conn: &mut DbConn) -> Result<i32, DbError> {
    let preferred = TAG.get().copied();
    let tag = in_lease_tx(conn, |c| {
        let now = database_now_ms(c)?;
        acquire(c, preferred, holder(), now)
    })?;
    Ok(*TAG.get_or_init(|| tag))
}

/// Runs `f` in a write transaction that excludes other lease changes: SQLite's write lock, or
/// a transaction-scoped advisory lock on PostgreSQL.
fn in_lease_tx<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, DbError>) -> Result<T, DbError> {
    begin_write(conn)?;
    let result = (|| {
        if let DbConn::Pg(c) = conn {
            diesel::sql_query("SELECT pg_advisory_xact_lock(180000001)").execute(c)?;
        }
        f(conn)
    })();
    match result {
        Ok(v) => {
            commit(conn)?;
            Ok(v)
        }
        Err(e) => {
            rollback(conn);
            Err(e)
        }
    }
}

/// Takes `preferred` (or the lowest free tag) for `holder` at database time `now`. A tag is
/// free when its lease expired or was released. Ids of this process then start after the last
/// millisecond the tag's previous holder reported, should this host's clock be behind.
pub fn acquire(conn: &mut DbConn, preferred: Option<i32>, holder: &str, now: i64) -> Result<i32, DbError> {
    let rows: Vec<(i32, String, i64, i64)> =
        l::table.select((l::tag, l::holder, l::expires_at, l::last_ms)).load(conn)?;
    let live = |t: i32| rows.iter().any(|(tag, h, exp, _)| *tag == t && *exp > now && h != holder);
    let tag = match preferred {
        Some(t) if live(t) => {
            return Err(DbError::Connection(format!(
                "id tag {t} of this process is held by another process on this database"
            )))
        }
        Some(t) => t,
        None => (0..TAGS).find(|t| !live(*t)).ok_or_else(|| {
            DbError::Connection(format!("all {TAGS} id tags are leased: too many processes on this database"))
        })?,
    };
    let last_ms = rows.iter().find(|r| r.0 == tag).map_or(0, |r| r.3);
    LAST_TICK.fetch_max((last_ms + 1 - EPOCH_MS) << SEQ_BITS, Ordering::Relaxed);
    let local = crate::clock::system_now_ms();
    let values = (
        l::holder.eq(holder),
        l::acquired_at.eq(now),
        l::expires_at.eq(now + LEASE_MS),
        l::last_ms.eq(local.max(last_ms)),
    );
    if rows.iter().any(|r| r.0 == tag) {
        diesel::update(l::table.find(tag)).set(values).execute(conn)?;
    } else {
        diesel::insert_into(l::table).values((l::tag.eq(tag), values)).execute(conn)?;
    }
    Ok(tag)
}

/// Extends the lease; takes it again if it lapsed and nobody took it meanwhile. False when
/// another process holds the tag now (this one stalled for longer than a lease).
pub fn renew(conn: &mut DbConn, tag: i32, holder: &str) -> Result<bool, DbError> {
    in_lease_tx(conn, |c| {
        let now = database_now_ms(c)?;
        renew_at(c, tag, holder, now)
    })
}

/// [`renew`] at a given database time (tests).
pub fn renew_at(conn: &mut DbConn, tag: i32, holder: &str, now: i64) -> Result<bool, DbError> {
    let local = crate::clock::system_now_ms();
    let n = diesel::update(l::table.filter(l::tag.eq(tag)).filter(l::holder.eq(holder)).filter(l::expires_at.gt(now)))
        .set((l::expires_at.eq(now + LEASE_MS), l::last_ms.eq(local)))
        .execute(conn)?;
    if n == 1 {
        return Ok(true);
    }
    match acquire(conn, Some(tag), holder, now) {
        Ok(_) => Ok(true),
        Err(DbError::Connection(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Gives the tag back (best effort: an unreleased lease expires by itself), recording the last
/// millisecond this process may have used.
pub fn release(conn: &mut DbConn, tag: i32, holder: &str) {
    let local = crate::clock::system_now_ms();
    let _ = diesel::update(l::table.filter(l::tag.eq(tag)).filter(l::holder.eq(holder)))
        .set((l::expires_at.eq(0), l::last_ms.eq(local)))
        .execute(conn);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_and_ordered_until_2094() {
        let ms_2094 = LAST_MS - EPOCH_MS;
        let last = compose((ms_2094 << SEQ_BITS) | 4095, TAGS - 1);
        assert!(last > 0, "the last id of the layout is still a positive i64");
        assert_eq!(time_of(last), LAST_MS);
        assert!(chrono::DateTime::from_timestamp_millis(LAST_MS).unwrap().format("%Y").to_string() == "2094");
        // In 2039, where the old layout overflowed, ids are still far from the limit.
        let ms_2039 = 2_208_988_800_000 - EPOCH_MS; // 2040-01-01
        let id = compose(ms_2039 << SEQ_BITS, 5);
        assert!(id > 0 && time_of(id) == 2_208_988_800_000 && tag_of(id) == 5);
        // Time orders ids before tag and sequence.
        assert!(compose(1 << SEQ_BITS, 0) > compose(4095, TAGS - 1));
    }

    #[test]
    fn ids_of_one_process_never_repeat() {
        let mut ids: Vec<i64> = (0..200_000).map(|_| new_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "strictly increasing");
        ids.dedup();
        assert_eq!(ids.len(), 200_000);
    }

    #[test]
    fn the_same_tick_on_two_tags_gives_two_ids() {
        let tick = 123_456 << SEQ_BITS;
        assert_ne!(compose(tick, 1), compose(tick, 2));
        assert_eq!(tag_of(compose(tick, 1)), 1);
    }
}
