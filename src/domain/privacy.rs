//! What acht holds about one customer, all of it, for their right of access (GDPR art. 15):
//! every row that names them, directly (customer id) or through their invitations (answer
//! events, their survey emails and the attempts to send them). Erasure is
//! [`super::customers::erase`].
use super::queue::{Attempt, JobRow};
use super::{audit, customers, db, events, followups, DomainError};
use crate::db::models::{AnswerEvent, Customer, CustomerEvent, Interaction, Invitation, Response};
use crate::db::schema::events as domain_events;
use crate::db::schema::{answer_events, customer_events, interactions, invitations, job_attempts, jobs, responses};
use crate::db::DbConn;
use crate::types::AuditAction;
use diesel::prelude::*;
use serde::Serialize;

/// Everything about one customer, each list in the order it happened. Times are milliseconds
/// since 1970-01-01 UTC, as stored.
#[derive(Debug, Serialize)]
pub struct CustomerExport {
    /// When this export was made.
    pub exported_at: i64,
    pub customer: Customer,
    /// Churn, renewal, unsubscribe and resubscribe, as reported or done.
    pub events: Vec<CustomerEvent>,
    pub interactions: Vec<Interaction>,
    /// Each with whether it was sent, answered or expired.
    pub invitations: Vec<Invitation>,
    pub answers: Vec<Response>,
    /// What each visit to a survey link left: when, the address and browser it came from.
    pub answer_events: Vec<AnswerEvent>,
    /// The survey emails (one per invitation that was mailed) and each attempt to send them.
    pub emails: Vec<JobRow>,
    pub email_attempts: Vec<Attempt>,
    /// Who downloaded or erased their data, and when; this export included.
    pub access_log: Vec<audit::Entry>,
    /// What happened to them as acht told its subscribers (answers counted, follow-ups opened).
    pub domain_events: Vec<events::Event>,
    /// Follow-ups on their answers, and every change to them with its notes.
    pub followups: Vec<followups::Followup>,
    pub followup_log: Vec<followups::LogEntry>,
}

/// Everything about the customer, handed to `actor`: recorded in the audit log first (a write).
pub fn export(conn: &mut DbConn, external_id: &str, actor: &str, now: i64) -> Result<CustomerExport, DomainError> {
    let customer = customers::get(conn, external_id)?;
    audit::record(conn, actor, AuditAction::CustomerExported, customer.id, now)?;
    held_of(conn, customer, now)
}

/// Everything about the customer as it stands, read only (their page in the app shows it).
pub fn held(conn: &mut DbConn, external_id: &str, now: i64) -> Result<CustomerExport, DomainError> {
    let customer = customers::get(conn, external_id)?;
    held_of(conn, customer, now)
}

fn held_of(conn: &mut DbConn, customer: Customer, now: i64) -> Result<CustomerExport, DomainError> {
    let id = customer.id;
    let theirs = || invitations::table.filter(invitations::customer_id.eq(id)).select(invitations::id);
    Ok(CustomerExport {
        exported_at: now,
        events: customer_events::table
            .filter(customer_events::customer_id.eq(id))
            .order((customer_events::occurred_at, customer_events::id))
            .select(CustomerEvent::as_select())
            .load(conn)
            .map_err(db)?,
        interactions: interactions::table
            .filter(interactions::customer_id.eq(id))
            .order((interactions::occurred_at, interactions::id))
            .select(Interaction::as_select())
            .load(conn)
            .map_err(db)?,
        invitations: invitations::table
            .filter(invitations::customer_id.eq(id))
            .order((invitations::send_at, invitations::id))
            .select(Invitation::as_select())
            .load(conn)
            .map_err(db)?,
        answers: responses::table
            .filter(responses::customer_id.eq(id))
            .order((responses::answered_at, responses::id))
            .select(Response::as_select())
            .load(conn)
            .map_err(db)?,
        answer_events: answer_events::table
            .filter(answer_events::invitation_id.eq_any(theirs()))
            .order(answer_events::id)
            .select(AnswerEvent::as_select())
            .load(conn)
            .map_err(db)?,
        // An invitation's email has the invitation's id.
        emails: jobs::table
            .filter(jobs::id.eq_any(theirs()))
            .order(jobs::id)
            .select(JobRow::as_select())
            .load(conn)
            .map_err(db)?,
        email_attempts: job_attempts::table
            .filter(job_attempts::job_id.eq_any(theirs()))
            .order(job_attempts::id)
            .select(Attempt::as_select())
            .load(conn)
            .map_err(db)?,
        access_log: audit::of_customer(conn, id)?,
        domain_events: domain_events::table
            .filter(domain_events::customer_id.eq(id))
            .order(domain_events::id)
            .select(events::Event::as_select())
            .load(conn)
            .map_err(db)?,
        followup_log: {
            let theirs: Vec<i64> = followups::of_customer(conn, id)?.iter().map(|f| f.id).collect();
            followups::history(conn, &theirs)?.into_iter().map(|(entry, _)| entry).collect()
        },
        followups: followups::of_customer(conn, id)?,
        customer,
    })
}
