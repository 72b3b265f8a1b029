//! The fan-out: undispatched events go to their subscribers, a batch per transaction. Follow-ups
//! subscribe to answers, webhooks to every kind an endpoint asked for. Runs on every instance's
//! beat; on PostgreSQL the events of a batch are locked `SKIP LOCKED`, so two instances take
//! different events, and the unique (endpoint, event) pair makes a delivery once whatever happens.
use super::{events, followups, webhooks, DomainError};
use crate::db::DbConn;

/// Events handed on per transaction.
pub const BATCH: i64 = 200;

/// Dispatches up to `limit` events in the caller's write transaction; returns how many. Events
/// the subscribers emit (a follow-up opened) wait for the next batch.
pub fn run(conn: &mut DbConn, limit: i64, now: i64) -> Result<usize, DomainError> {
    let batch = events::claim_undispatched(conn, limit)?;
    if batch.is_empty() {
        return Ok(0);
    }
    // What every event of the batch may need, read once.
    let endpoints = webhooks::active(conn)?;
    let surveys = super::surveys::list(conn)?.into_iter().map(|s| (s.id, s)).collect();
    followups::on_answers(conn, &surveys, &batch)?;
    for event in &batch {
        webhooks::on_event(conn, &endpoints, event, now)?;
    }
    let ids: Vec<i64> = batch.iter().map(|e| e.id).collect();
    events::mark_dispatched(conn, &ids, now)?;
    Ok(batch.len())
}
