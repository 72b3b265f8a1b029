//! Domain events: what happened, recorded in the same transaction as the change, so nothing
//! that happened goes untold and nothing untold happened. An event names what changed by
//! acht's own numbers only; whoever reads it (a webhook delivery, say) reads the rows as they
//! are then, so an erased customer's words never leave afterwards.
//!
//! The fan-out (src/domain/fanout.rs) takes undispatched events in order and hands each to its
//! subscribers in one transaction; this module only records and claims them.
use super::{db, DomainError};
use crate::db::models::Response;
use crate::db::schema::events;
use crate::db::{kept_update, new_id, unnest_insert, DbConn};
use crate::types::EventKind;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub struct Event {
    pub id: i64,
    pub kind: EventKind,
    pub customer_id: i64,
    /// The answer, the follow-up or the customer the event is about.
    pub subject_id: i64,
    pub survey_id: Option<i64>,
    pub score: Option<i32>,
    pub previous_score: Option<i32>,
    pub created_at: i64,
    pub dispatched_at: Option<i64>,
}

impl Event {
    pub fn new(kind: EventKind, customer_id: i64, subject_id: i64, now: i64) -> Event {
        Event {
            id: new_id(),
            kind,
            customer_id,
            subject_id,
            survey_id: None,
            score: None,
            previous_score: None,
            created_at: now,
            dispatched_at: None,
        }
    }
}

/// Records events in the caller's transaction.
pub fn emit(conn: &mut DbConn, events: &[Event]) -> Result<(), DomainError> {
    insert_events(conn, events).map_err(db)?;
    Ok(())
}

unnest_insert!(fn insert_events(Event => events {
    id: i64, kind: EventKind, customer_id: i64, subject_id: i64, survey_id: Option<i64>, score: Option<i32>,
    previous_score: Option<i32>, created_at: i64, dispatched_at: Option<i64>,
}));

/// The event of an answer whose counted score went from `old` to `new` (None: not counted), if
/// that is a change: counted, moved or uncounted. Called wherever the rollups move an answer, so
/// the figures and the events never disagree.
pub fn of_answer(r: &Response, old: Option<i32>, new: Option<i32>, now: i64) -> Option<Event> {
    let kind = match (old, new) {
        (None, Some(_)) => EventKind::AnswerCounted,
        (Some(a), Some(b)) if a != b => EventKind::AnswerMoved,
        (Some(_), None) => EventKind::AnswerUncounted,
        _ => return None,
    };
    let mut e = Event::new(kind, r.customer_id, r.id, now);
    e.survey_id = Some(r.survey_id);
    e.score = new.or(old);
    e.previous_score = if kind == EventKind::AnswerMoved { old } else { None };
    Some(e)
}

/// Records the event of an answer's move, if it moved (see [`of_answer`]).
pub fn answer_moved(
    conn: &mut DbConn,
    r: &Response,
    old: Option<i32>,
    new: Option<i32>,
    now: i64,
) -> Result<(), DomainError> {
    match of_answer(r, old, new, now) {
        Some(e) => emit(conn, &[e]),
        None => Ok(()),
    }
}

/// The events of answers that counted since `since`, as they would have been told then (the
/// demo's history, written straight to the tables, tells its recent answers this way).
pub fn of_answers_since(conn: &mut DbConn, since: i64) -> Result<Vec<Event>, DomainError> {
    use crate::db::schema::responses;
    let counted: Vec<Response> = responses::table
        .filter(responses::answered_at.ge(since))
        .filter(responses::rolled_score.is_not_null())
        .order((responses::answered_at, responses::id))
        .select(Response::as_select())
        .load(conn)
        .map_err(db)?;
    Ok(counted.iter().filter_map(|r| of_answer(r, None, r.rolled_score, r.answered_at)).collect())
}

/// Up to `limit` undispatched events, oldest first, locked for the caller's transaction on
/// PostgreSQL (events another instance is dispatching right now are skipped, not waited for).
pub fn claim_undispatched(conn: &mut DbConn, limit: i64) -> Result<Vec<Event>, DomainError> {
    // The literal predicate lets SQLite use the partial index.
    let undispatched = diesel::dsl::sql::<diesel::sql_types::Bool>("dispatched_at IS NULL");
    match conn {
        DbConn::Pg(c) => events::table
            .filter(undispatched)
            .order(events::id)
            .limit(limit)
            .select(Event::as_select())
            .for_update()
            .skip_locked()
            .load(c),
        DbConn::Sqlite(c) => {
            events::table.filter(undispatched).order(events::id).limit(limit).select(Event::as_select()).load(c)
        }
    }
    .map_err(db)
}

/// Whether any event waits for its fan-out (a read: most polls find none). Asked as the first
/// undispatched id, which PostgreSQL reads off the partial index's start: asked as `EXISTS`, it
/// planned a scan of the whole table whenever its statistics guessed that many events were
/// undispatched (6.6 ms a poll during form posts, measured with pg_stat_statements).
pub fn any_undispatched(conn: &mut DbConn) -> Result<bool, DomainError> {
    let undispatched = diesel::dsl::sql::<diesel::sql_types::Bool>("dispatched_at IS NULL");
    let first: Option<i64> =
        events::table.filter(undispatched).order(events::id).select(events::id).first(conn).optional().map_err(db)?;
    Ok(first.is_some())
}

pub fn mark_dispatched(conn: &mut DbConn, ids: &[i64], now: i64) -> Result<(), DomainError> {
    set_dispatched(conn, Some(now), ids).map_err(db)?;
    Ok(())
}

kept_update!(fn set_dispatched(events.dispatched_at: diesel::sql_types::Nullable<diesel::sql_types::BigInt> = Option<i64>));

pub fn get(conn: &mut DbConn, id: i64) -> Result<Event, DomainError> {
    events::table.find(id).select(Event::as_select()).first(conn).map_err(db)
}
