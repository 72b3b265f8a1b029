//! Follow-ups: closing the loop with an unhappy customer. An answer at or below its survey's
//! follow-up score, or two points or more below the customer's previous answer to that survey,
//! opens one (at most one open per customer and survey: a second low answer joins it). Analysts
//! assign it, write notes, record what came of it and close it; every change is logged with
//! who made it, and tells the domain's subscribers (webhooks) when it opens or closes.
use super::events::{self, Event};
use super::{db, DomainError, DAY_MS};
use crate::db::models::Response;
use crate::db::schema::{customers, followup_log, followups, responses, surveys, users};
use crate::db::{new_id, DbConn};
use crate::types::{EventKind, FollowupAction, FollowupOutcome, FollowupReason, FollowupState, Scale};
use diesel::prelude::*;
use std::collections::HashMap;

/// A drop this large since the customer's previous answer opens a follow-up whatever the score.
pub const DROP_POINTS: i32 = 2;
/// The longest note kept.
pub const MAX_NOTE_CHARS: usize = 4000;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = followups, treat_none_as_default_value = false)]
pub struct Followup {
    pub id: i64,
    pub survey_id: i64,
    pub customer_id: i64,
    pub response_id: i64,
    pub reason: FollowupReason,
    pub score: i32,
    pub previous_score: Option<i32>,
    pub state: FollowupState,
    pub assignee_id: Option<i64>,
    pub outcome: Option<FollowupOutcome>,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    pub updated_at: i64,
}

impl Followup {
    /// Open longer than `overdue_days` at `now`.
    pub fn is_overdue(&self, now: i64, overdue_days: i64) -> bool {
        self.state == FollowupState::Open && now - self.opened_at > overdue_days * DAY_MS
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = followup_log, treat_none_as_default_value = false)]
pub struct LogEntry {
    pub id: i64,
    pub followup_id: i64,
    pub at: i64,
    /// `user EMAIL`, `API key NAME` or `acht`.
    pub actor: String,
    pub action: FollowupAction,
    pub assignee_id: Option<i64>,
    pub outcome: Option<String>,
    pub note: Option<String>,
}

/// Why an answer opens a follow-up, if it does: its score against the survey's line, else its
/// drop from the previous answer.
pub fn reason_for(score: i32, threshold: i32, previous: Option<i32>) -> Option<FollowupReason> {
    if score <= threshold {
        Some(FollowupReason::LowScore)
    } else if previous.is_some_and(|p| p - score >= DROP_POINTS) {
        Some(FollowupReason::Drop)
    } else {
        None
    }
}

/// The subscriber to answer events: an answer that now counts (or moved) low opens a follow-up,
/// unless one is open for the customer and survey already. Returns the ones it opened. One
/// opened when its answer counted (the event's time), not when the fan-out came round to it.
/// `surveys` are every survey by id, read once per batch of events; the batch's answers and
/// their customers' earlier answers are read in one query each.
pub fn on_answers(
    conn: &mut DbConn,
    surveys: &HashMap<i64, crate::db::models::Survey>,
    batch: &[Event],
) -> Result<Vec<Followup>, DomainError> {
    let moved: Vec<&Event> =
        batch.iter().filter(|e| matches!(e.kind, EventKind::AnswerCounted | EventKind::AnswerMoved)).collect();
    if moved.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = moved.iter().map(|e| e.subject_id).collect();
    // The answers as they are now: a later event may have moved one on already.
    let answers: HashMap<i64, Response> = responses::table
        .filter(responses::id.eq_any(&ids))
        .select(Response::as_select())
        .load(conn)
        .map_err(db)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let earlier = Earlier::of(conn, answers.values())?;
    let mut opened = Vec::new();
    for event in moved {
        let Some(answer) = answers.get(&event.subject_id) else { continue };
        let Some(score) = answer.rolled_score else { continue };
        let Some(survey) = surveys.get(&answer.survey_id) else { continue };
        let previous = earlier.before(answer);
        let Some(reason) = reason_for(score, survey.followup_threshold(), previous) else { continue };
        opened.extend(open(conn, answer, score, reason, previous, event.created_at)?);
    }
    Ok(opened)
}

/// Opens a follow-up for a low answer, unless one is open for its customer and survey.
fn open(
    conn: &mut DbConn,
    answer: &Response,
    score: i32,
    reason: FollowupReason,
    previous: Option<i32>,
    now: i64,
) -> Result<Option<Followup>, DomainError> {
    let open: Option<i64> = followups::table
        .filter(followups::customer_id.eq(answer.customer_id))
        .filter(followups::survey_id.eq(answer.survey_id))
        .filter(followups::state.eq(FollowupState::Open))
        .select(followups::id)
        .first(conn)
        .optional()
        .map_err(db)?;
    if open.is_some() {
        return Ok(None);
    }
    let f = Followup {
        id: new_id(),
        survey_id: answer.survey_id,
        customer_id: answer.customer_id,
        response_id: answer.id,
        reason,
        score,
        previous_score: previous.filter(|_| reason == FollowupReason::Drop),
        state: FollowupState::Open,
        assignee_id: None,
        outcome: None,
        opened_at: now,
        closed_at: None,
        updated_at: now,
    };
    diesel::insert_into(followups::table).values(&f).execute(conn).map_err(db)?;
    log(conn, f.id, "acht", FollowupAction::Opened, None, None, None, now)?;
    let mut e = Event::new(EventKind::FollowupOpened, f.customer_id, f.id, now);
    e.survey_id = Some(f.survey_id);
    e.score = Some(score);
    events::emit(conn, &[e])?;
    Ok(Some(f))
}

/// The counted answers of some customers, per customer and survey: what a drop is measured
/// against.
struct Earlier(HashMap<(i64, i64), Vec<Counted>>);

/// A counted answer's time, id and score.
type Counted = (i64, i64, i32);

impl Earlier {
    fn of<'a>(conn: &mut DbConn, answers: impl Iterator<Item = &'a Response>) -> Result<Earlier, DomainError> {
        let mut customers: Vec<i64> = answers.map(|a| a.customer_id).collect();
        customers.sort_unstable();
        customers.dedup();
        let rows: Vec<(i64, i64, i64, i64, Option<i32>)> = responses::table
            .filter(responses::customer_id.eq_any(&customers))
            .filter(responses::rolled_score.is_not_null())
            .select((
                responses::customer_id,
                responses::survey_id,
                responses::answered_at,
                responses::id,
                responses::rolled_score,
            ))
            .load(conn)
            .map_err(db)?;
        let mut by_pair: HashMap<(i64, i64), Vec<Counted>> = HashMap::new();
        for (customer, survey, at, id, score) in rows {
            if let Some(score) = score {
                by_pair.entry((customer, survey)).or_default().push((at, id, score));
            }
        }
        Ok(Earlier(by_pair))
    }

    /// The customer's counted answer to the same survey just before this one.
    fn before(&self, answer: &Response) -> Option<i32> {
        let this = (answer.answered_at, answer.id);
        self.0
            .get(&(answer.customer_id, answer.survey_id))?
            .iter()
            .filter(|(at, id, _)| (*at, *id) < this)
            .max_by_key(|(at, id, _)| (*at, *id))
            .map(|(_, _, score)| *score)
    }
}

#[allow(clippy::too_many_arguments)]
fn log(
    conn: &mut DbConn,
    followup_id: i64,
    actor: &str,
    action: FollowupAction,
    assignee_id: Option<i64>,
    outcome: Option<FollowupOutcome>,
    note: Option<String>,
    now: i64,
) -> Result<(), DomainError> {
    let entry = LogEntry {
        id: new_id(),
        followup_id,
        at: now,
        actor: actor.chars().take(200).collect(),
        action,
        assignee_id,
        outcome: outcome.map(|o| crate::types::TextEnum::as_str(o).to_string()),
        note,
    };
    diesel::insert_into(followup_log::table).values(&entry).execute(conn).map_err(db)?;
    Ok(())
}

/// One change an analyst (or the company's system) makes to a follow-up. Every field is
/// optional; together they apply in the order assignee, note, outcome, state.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// Give it to this user (their sign-in address); `""` takes it off anyone.
    #[serde(default)]
    #[schema(max_length = 320)]
    pub assignee: Option<String>,
    /// A note: who was called, what they said.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 4000)]
    pub note: Option<String>,
    /// What came of it: closes an open follow-up (or corrects a closed one's outcome).
    #[serde(default)]
    pub outcome: Option<FollowupOutcome>,
    /// `open` reopens a closed follow-up (409 while the customer has another open one for the
    /// survey). Closing is saying the outcome.
    #[serde(default)]
    pub state: Option<Reopen>,
}

/// The one state a change sets by name: closing always says what came of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reopen {
    Open,
}

/// Applies a change, logging each part with `actor`. A closed follow-up reopens only when its
/// customer and survey have no other open one.
pub fn change(conn: &mut DbConn, id: i64, change: &Change, actor: &str, now: i64) -> Result<Followup, DomainError> {
    // Taken under its row lock on PostgreSQL, so two changes at once (two people closing it)
    // apply one after the other and the second sees the first; SQLite's one writer does that.
    if let DbConn::Pg(c) = &mut *conn {
        followups::table.find(id).select(followups::id).for_update().first::<i64>(c).optional().map_err(db)?;
    }
    let mut f = get(conn, id)?;
    if let Some(note) = &change.note {
        super::validate::required_text("invalid_note", "note", note, MAX_NOTE_CHARS)?;
    }
    if let Some(email) = &change.assignee {
        let assignee = if email.trim().is_empty() { None } else { Some(assignable(conn, email)?) };
        if assignee != f.assignee_id {
            f.assignee_id = assignee;
            log(conn, id, actor, FollowupAction::Assigned, assignee, None, None, now)?;
        }
    }
    if let Some(note) = &change.note {
        log(conn, id, actor, FollowupAction::Noted, None, None, Some(note.trim().to_string()), now)?;
    }
    match (change.outcome, f.state) {
        (Some(outcome), FollowupState::Open) => {
            f.state = FollowupState::Closed;
            f.outcome = Some(outcome);
            f.closed_at = Some(now);
            log(conn, id, actor, FollowupAction::Closed, None, Some(outcome), None, now)?;
            let mut e = Event::new(EventKind::FollowupClosed, f.customer_id, f.id, now);
            e.survey_id = Some(f.survey_id);
            events::emit(conn, &[e])?;
        }
        (Some(outcome), FollowupState::Closed) if f.outcome != Some(outcome) => {
            // A closed one's outcome may be corrected.
            f.outcome = Some(outcome);
            log(conn, id, actor, FollowupAction::Closed, None, Some(outcome), None, now)?;
        }
        _ => {}
    }
    if (change.state, f.state) == (Some(Reopen::Open), FollowupState::Closed) {
        let other_open = followups::table
            .filter(followups::customer_id.eq(f.customer_id))
            .filter(followups::survey_id.eq(f.survey_id))
            .filter(followups::state.eq(FollowupState::Open));
        let busy: bool = diesel::select(diesel::dsl::exists(other_open)).get_result(conn).map_err(db)?;
        if busy {
            return Err(DomainError::Conflict("an open follow-up for this customer and survey".into()));
        }
        f.state = FollowupState::Open;
        f.outcome = None;
        f.closed_at = None;
        log(conn, id, actor, FollowupAction::Reopened, None, None, None, now)?;
        let mut e = Event::new(EventKind::FollowupOpened, f.customer_id, f.id, now);
        e.survey_id = Some(f.survey_id);
        e.score = Some(f.score);
        events::emit(conn, &[e])?;
    }
    f.updated_at = now;
    diesel::update(followups::table.find(id))
        .set((
            followups::assignee_id.eq(f.assignee_id),
            followups::state.eq(f.state),
            followups::outcome.eq(f.outcome),
            followups::closed_at.eq(f.closed_at),
            followups::updated_at.eq(now),
        ))
        .execute(conn)
        .map_err(db)?;
    Ok(f)
}

/// The id of the user with this address, if they may take follow-ups (an active account); else
/// NotFound, as for any other missing thing a request names.
fn assignable(conn: &mut DbConn, email: &str) -> Result<i64, DomainError> {
    let found: Option<(i64, Option<i64>)> = users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select((users::id, users::disabled_at))
        .first(conn)
        .optional()
        .map_err(db)?;
    match found {
        Some((id, None)) => Ok(id),
        _ => {
            Err(DomainError::NotFound(format!("active user '{}'", email.trim().chars().take(100).collect::<String>())))
        }
    }
}

pub fn get(conn: &mut DbConn, id: i64) -> Result<Followup, DomainError> {
    followups::table
        .find(id)
        .select(Followup::as_select())
        .first(conn)
        .optional()
        .map_err(db)?
        .ok_or_else(|| DomainError::NotFound(format!("follow-up {id}")))
}

/// Which follow-ups a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// Every open one, oldest first.
    #[default]
    Open,
    /// Open and assigned to the one asking.
    Mine,
    /// Open longer than the overdue days.
    Overdue,
    /// Open and assigned to nobody.
    Unassigned,
    /// Closed, most recently closed first.
    Closed,
}

/// A follow-up as a list shows it: with its survey, customer and answer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    pub followup: Followup,
    pub survey_slug: String,
    pub survey_name: String,
    pub scale: Scale,
    pub customer: String,
    pub comment: Option<String>,
    pub touchpoint: Option<String>,
    pub assignee: Option<String>,
}

pub struct ListFilter {
    pub queue: Queue,
    /// The user asking (for [`Queue::Mine`]).
    pub user_id: Option<i64>,
    pub survey_id: Option<i64>,
    pub touchpoint: Option<String>,
    pub now: i64,
    pub overdue_days: i64,
    pub limit: i64,
}

type ListedRow = (Followup, String, String, Scale, String, Option<String>, Option<String>, Option<String>);

/// Follow-ups with what a list shows of each (a [`ListedRow`]): their survey, customer,
/// answer and assignee.
macro_rules! listing {
    () => {
        followups::table
            .inner_join(surveys::table)
            .inner_join(customers::table)
            .inner_join(responses::table.on(responses::id.eq(followups::response_id)))
            .left_join(users::table.on(users::id.nullable().eq(followups::assignee_id)))
            .select((
                Followup::as_select(),
                surveys::slug,
                surveys::name,
                surveys::scale,
                customers::external_id,
                responses::comment,
                responses::touchpoint,
                users::email.nullable(),
            ))
    };
}

pub fn list(conn: &mut DbConn, f: &ListFilter) -> Result<Vec<Listed>, DomainError> {
    let mut q = listing!().into_boxed();
    q = match f.queue {
        Queue::Closed => q.filter(followups::state.eq(FollowupState::Closed)).order(followups::closed_at.desc()),
        queue => {
            let mut q = q.filter(followups::state.eq(FollowupState::Open)).order(followups::opened_at.asc());
            if queue == Queue::Mine {
                q = q.filter(followups::assignee_id.eq(f.user_id.unwrap_or(-1)));
            }
            if queue == Queue::Unassigned {
                q = q.filter(followups::assignee_id.is_null());
            }
            if queue == Queue::Overdue {
                q = q.filter(followups::opened_at.lt(f.now - f.overdue_days * DAY_MS));
            }
            q
        }
    };
    if let Some(s) = f.survey_id {
        q = q.filter(followups::survey_id.eq(s));
    }
    if let Some(t) = &f.touchpoint {
        q = q.filter(responses::touchpoint.eq(t));
    }
    let rows: Vec<ListedRow> = q.limit(f.limit).load(conn).map_err(db)?;
    Ok(rows.into_iter().map(listed).collect())
}

fn listed(row: ListedRow) -> Listed {
    let (followup, survey_slug, survey_name, scale, customer, comment, touchpoint, assignee) = row;
    Listed { followup, survey_slug, survey_name, scale, customer, comment, touchpoint, assignee }
}

/// A follow-up's log entries, each with the assignee's address where one was set.
pub type History = Vec<(LogEntry, Option<String>)>;

/// One follow-up with everything its page shows, the log oldest first with each actor's words.
pub fn detail(conn: &mut DbConn, id: i64) -> Result<(Listed, History), DomainError> {
    let row: ListedRow = listing!()
        .filter(followups::id.eq(id))
        .first(conn)
        .optional()
        .map_err(db)?
        .ok_or_else(|| DomainError::NotFound(format!("follow-up {id}")))?;
    Ok((listed(row), history(conn, &[id])?))
}

/// The logs of some follow-ups, oldest first, with the assignee's address where one was set.
pub fn history(conn: &mut DbConn, ids: &[i64]) -> Result<History, DomainError> {
    followup_log::table
        .left_join(users::table.on(users::id.nullable().eq(followup_log::assignee_id)))
        .filter(followup_log::followup_id.eq_any(ids))
        .order((followup_log::at, followup_log::id))
        .select((LogEntry::as_select(), users::email.nullable()))
        .load(conn)
        .map_err(db)
}

/// A customer's follow-ups, newest first.
pub fn of_customer(conn: &mut DbConn, customer_id: i64) -> Result<Vec<Followup>, DomainError> {
    followups::table
        .filter(followups::customer_id.eq(customer_id))
        .order(followups::opened_at.desc())
        .select(Followup::as_select())
        .load(conn)
        .map_err(db)
}

/// Erasure: notes are about the person, so they go; the follow-ups, outcomes and times stay.
/// Open ones close (nobody is to call a customer who asked to be forgotten), logged as acht's.
pub fn forget_customer(conn: &mut DbConn, customer_id: i64, now: i64) -> Result<(), DomainError> {
    let open: Vec<i64> = followups::table
        .filter(followups::customer_id.eq(customer_id))
        .filter(followups::state.eq(FollowupState::Open))
        .select(followups::id)
        .load(conn)
        .map_err(db)?;
    for id in open {
        let close = Change { outcome: Some(FollowupOutcome::NoAction), ..Change::default() };
        change(conn, id, &close, "acht (the customer's data was erased)", now)?;
    }
    let theirs = followups::table.filter(followups::customer_id.eq(customer_id)).select(followups::id);
    diesel::update(followup_log::table.filter(followup_log::followup_id.eq_any(theirs)))
        .filter(followup_log::note.is_not_null())
        .set(followup_log::note.eq("(erased)"))
        .execute(conn)
        .map_err(db)?;
    Ok(())
}

/// The queue at a glance (the overview): open, overdue, and how long closing took lately.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Counts {
    pub open: i64,
    pub overdue: i64,
    pub unassigned: i64,
    /// Follow-ups closed in the last 90 days.
    pub closed_recently: i64,
    /// Their median time from opening to closing, in hours.
    pub median_hours_to_close: Option<f64>,
}

/// The window the median time to close looks back over.
pub const CLOSE_WINDOW_DAYS: i64 = 90;

pub fn counts(conn: &mut DbConn, now: i64, overdue_days: i64) -> Result<Counts, DomainError> {
    let open = || followups::table.filter(followups::state.eq(FollowupState::Open));
    let n_open: i64 = open().count().get_result(conn).map_err(db)?;
    let overdue: i64 =
        open().filter(followups::opened_at.lt(now - overdue_days * DAY_MS)).count().get_result(conn).map_err(db)?;
    let unassigned: i64 = open().filter(followups::assignee_id.is_null()).count().get_result(conn).map_err(db)?;
    let mut took: Vec<i64> = followups::table
        .filter(followups::state.eq(FollowupState::Closed))
        .filter(followups::closed_at.ge(now - CLOSE_WINDOW_DAYS * DAY_MS))
        .select((followups::opened_at, followups::closed_at))
        .load::<(i64, Option<i64>)>(conn)
        .map_err(db)?
        .into_iter()
        .filter_map(|(o, c)| c.map(|c| c - o))
        .collect();
    took.sort_unstable();
    let median = match took.len() {
        0 => None,
        n if n % 2 == 1 => Some(took[n / 2] as f64),
        n => Some((took[n / 2 - 1] + took[n / 2]) as f64 / 2.0),
    };
    Ok(Counts {
        open: n_open,
        overdue,
        unassigned,
        closed_recently: took.len() as i64,
        median_hours_to_close: median.map(|ms| ms / 3_600_000.0),
    })
}

/// An assignee's open follow-ups for their digest, oldest first.
pub fn open_of(conn: &mut DbConn, user_id: i64) -> Result<Vec<Listed>, DomainError> {
    let f = ListFilter {
        queue: Queue::Mine,
        user_id: Some(user_id),
        survey_id: None,
        touchpoint: None,
        now: 0,
        overdue_days: 0,
        limit: 500,
    };
    list(conn, &f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_scores_and_drops_open_and_the_rest_do_not() {
        assert_eq!(reason_for(6, 6, None), Some(FollowupReason::LowScore));
        assert_eq!(reason_for(7, 6, None), None);
        assert_eq!(reason_for(7, 6, Some(9)), Some(FollowupReason::Drop));
        assert_eq!(reason_for(8, 6, Some(9)), None, "one point is no drop");
        assert_eq!(reason_for(0, -1, Some(1)), None, "-1 turns low scores off, and 1 point is no drop");
    }
}
