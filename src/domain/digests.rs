//! The daily digest: each morning, everyone with open follow-ups assigned gets one email with
//! them, the overdue ones first, each linking to its page. Claimed like a report: a run per
//! person and local day under a unique pair, its job (same id) sending it, so two instances
//! never send one twice.
use super::followups::{self, Listed};
use super::{db, queue, DomainError, DAY_MS};
use crate::db::schema::{digest_runs, followups as fu, users};
use crate::db::{new_id, on_backend, DbConn};
use crate::types::{FollowupState, JobKind};
use chrono::{Datelike, TimeZone, Timelike};
use diesel::prelude::*;

/// The local time a digest goes out: 08:00, before the working day's calls.
pub const SEND_MINUTE: u32 = 8 * 60;

/// A person's local date (days since 1970-01-01), once their digest's time has come today.
pub fn digest_day(tz: chrono_tz::Tz, now: i64) -> Option<i64> {
    let local = tz.timestamp_millis_opt(now).single()?;
    if local.hour() * 60 + local.minute() < SEND_MINUTE {
        return None;
    }
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some((local.date_naive() - epoch).num_days()).filter(|_| local.year() > 1970)
}

/// Who is due a digest now: active people with open follow-ups assigned, whose local morning
/// came, and who have not had today's. (user id, local day) pairs.
pub fn due(conn: &mut DbConn, now: i64) -> Result<Vec<(i64, i64)>, DomainError> {
    let assignees = fu::table
        .filter(fu::state.eq(FollowupState::Open))
        .filter(fu::assignee_id.is_not_null())
        .select(fu::assignee_id.assume_not_null())
        .distinct();
    let people: Vec<(i64, String)> = users::table
        .filter(users::id.eq_any(assignees))
        .filter(users::disabled_at.is_null())
        .select((users::id, users::time_zone))
        .load(conn)
        .map_err(db)?;
    let candidates: Vec<(i64, i64)> = people
        .into_iter()
        .filter_map(|(id, zone)| {
            let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::Europe::Amsterdam);
            digest_day(tz, now).map(|day| (id, day))
        })
        .collect();
    let ids: Vec<i64> = candidates.iter().map(|c| c.0).collect();
    let sent: Vec<(i64, i64)> = digest_runs::table
        .filter(digest_runs::user_id.eq_any(&ids))
        .filter(digest_runs::day.ge(candidates.iter().map(|c| c.1).min().unwrap_or(0)))
        .select((digest_runs::user_id, digest_runs::day))
        .load(conn)
        .map_err(db)?;
    Ok(candidates.into_iter().filter(|c| !sent.contains(c)).collect())
}

/// Claims a person's digest for a day and queues its email, due now. Whoever inserts first
/// gets the run's id; every other instance trying at once gets None.
pub fn claim(conn: &mut DbConn, user_id: i64, day: i64, now: i64) -> Result<Option<i64>, DomainError> {
    let id = new_id();
    let row = (
        digest_runs::id.eq(id),
        digest_runs::user_id.eq(user_id),
        digest_runs::day.eq(day),
        digest_runs::created_at.eq(now),
    );
    let inserted = on_backend!(&mut *conn, c => diesel::insert_into(digest_runs::table)
        .values(row)
        .on_conflict((digest_runs::user_id, digest_runs::day))
        .do_nothing()
        .execute(c))
    .map_err(db)?;
    if inserted == 0 {
        return Ok(None);
    }
    queue::enqueue(conn, JobKind::Digest, id, now, now)?;
    Ok(Some(id))
}

/// What a digest says, read when it is about to go: the person, and their open follow-ups,
/// the overdue ones first (oldest first within each).
pub struct Content {
    pub email: String,
    pub locale: String,
    pub time_zone: String,
    pub disabled: bool,
    pub open: Vec<Listed>,
}

pub fn content(conn: &mut DbConn, run_id: i64, now: i64, overdue_days: i64) -> Result<Content, DomainError> {
    let (user_id, email, locale, time_zone, disabled_at): (i64, String, String, String, Option<i64>) =
        digest_runs::table
            .inner_join(users::table)
            .filter(digest_runs::id.eq(run_id))
            .select((users::id, users::email, users::locale, users::time_zone, users::disabled_at))
            .first(conn)
            .map_err(db)?;
    let mut open = followups::open_of(conn, user_id)?;
    open.sort_by_key(|l| (!l.followup.is_overdue(now, overdue_days), l.followup.opened_at));
    Ok(Content { email, locale, time_zone, disabled: disabled_at.is_some(), open })
}

/// Days a follow-up has been open, whole.
pub fn days_open(opened_at: i64, now: i64) -> i64 {
    ((now - opened_at) / DAY_MS).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_is_due_from_eight_in_the_morning_local_time() {
        let tz = chrono_tz::Europe::Amsterdam;
        // 2026-12-07 06:59 UTC is 07:59 in Amsterdam; 07:00 UTC is 08:00.
        let at = |h: u32, m: u32| chrono::Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).unwrap().timestamp_millis();
        assert_eq!(digest_day(tz, at(6, 59)), None);
        let day = digest_day(tz, at(7, 0)).unwrap();
        assert_eq!(
            chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(day),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
        // Late in the evening UTC it is the next day in Auckland, and past eight there.
        let nz = digest_day(chrono_tz::Pacific::Auckland, at(22, 0)).unwrap();
        assert_eq!(nz, day + 1);
    }
}
