//! The job queue: every email acht is to send and every webhook it is to post, claimed before
//! it goes and settled after. (It began as the mail outbox; emails are still most of it.)
//!
//! Invitations enter it in the same transaction that creates them (src/domain/dispatch.rs), a
//! report when its run is claimed (src/domain/reports.rs). A sender claims due rows by setting
//! them `sending` with a lease in its own name (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two
//! instances never take the same row; SQLite: the one group writer serializes claims), sends,
//! and settles the row with the attempt's outcome. Only a sender that dies between the mail
//! server's acceptance and the settling write leaves a lease to run out: the row is then taken
//! again with an `unconfirmed` attempt on record and sent with the same `Message-ID`. That is
//! SMTP's at-least-once window, as narrow as one write and visible in `acht mail status`.
use super::{db, DomainError};
use crate::db::models::Invitation;
use crate::db::schema::{customers, invitations, job_attempts, jobs, responses, surveys};
use crate::db::{insert_rows, new_id, unnest_insert, DbConn};
use crate::types::{AttemptOutcome, JobKind, JobState};
use diesel::prelude::*;

/// A failed message is tried again after `base × 2^(attempts−1)`, at most `cap`, and given up
/// after `max_attempts` (after [`MAX_REFUSALS`] when the server refuses it outright).
#[derive(Debug, Clone, Copy)]
pub struct RetryRules {
    pub base_ms: i64,
    pub cap_ms: i64,
    pub max_attempts: i32,
}

impl Default for RetryRules {
    fn default() -> Self {
        RetryRules { base_ms: 60_000, cap_ms: 3_600_000, max_attempts: 12 }
    }
}

/// 5xx answers are meant as final, but on a misconfigured relay they are often fixed within
/// the hour: a few attempts, then the message counts as failed.
pub const MAX_REFUSALS: i64 = 3;

impl RetryRules {
    /// When the next attempt is due after `attempts` failed ones. A jitter of up to a fifth
    /// keeps messages that failed together from all coming back in the same second.
    pub fn next_due(&self, attempts: i32, now: i64, jitter: f64) -> i64 {
        let exp = (attempts.max(1) - 1).min(30) as u32;
        let wait = self.base_ms.saturating_mul(1i64 << exp.min(40)).min(self.cap_ms);
        now + wait + (wait as f64 * 0.2 * jitter.clamp(0.0, 1.0)) as i64
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = jobs, treat_none_as_default_value = false)]
pub struct JobRow {
    pub id: i64,
    pub kind: JobKind,
    pub state: JobState,
    pub due_at: i64,
    pub attempts: i32,
    pub lease_holder: Option<String>,
    pub lease_until: Option<i64>,
    pub detail: Option<String>,
    pub sent_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl JobRow {
    /// The local part of the message's `Message-ID`, the same on every attempt (the sender adds
    /// its domain): what the email is about names it.
    pub fn message_id(&self) -> String {
        format!("acht.{}.{}", self.kind, self.id)
    }

    /// A row for what has `id` (an invitation or a report run).
    fn new(kind: JobKind, id: i64, due_at: i64, now: i64) -> JobRow {
        JobRow {
            id,
            kind,
            state: JobState::Queued,
            due_at,
            attempts: 0,
            lease_holder: None,
            lease_until: None,
            detail: None,
            sent_at: None,
            created_at: now,
            updated_at: now,
        }
    }
}

#[derive(Debug, Clone, Insertable, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = job_attempts, treat_none_as_default_value = false)]
pub struct Attempt {
    pub id: i64,
    pub job_id: i64,
    pub attempt: i32,
    pub holder: String,
    pub started_at: i64,
    pub finished_at: i64,
    pub outcome: AttemptOutcome,
    pub code: Option<i32>,
    pub detail: String,
    /// The message may have reached the server (see [`crate::mail::SendFailure`]).
    pub may_have_reached: bool,
}

/// Queues the survey email of each new invitation, due when the invitation is.
pub fn enqueue_invitations(conn: &mut DbConn, invitations: &[Invitation], now: i64) -> Result<(), DomainError> {
    let rows: Vec<JobRow> =
        invitations.iter().map(|inv| JobRow::new(JobKind::Invitation, inv.id, inv.send_at, now)).collect();
    insert_jobs(conn, &rows).map_err(db)?;
    Ok(())
}

unnest_insert!(
    /// New jobs, in one statement on PostgreSQL (a batch's invitations are up to 1,000).
    fn insert_jobs(JobRow => jobs {
    id: i64, kind: JobKind, state: JobState, due_at: i64, attempts: i32, lease_holder: Option<String>,
    lease_until: Option<i64>, detail: Option<String>, sent_at: Option<i64>, created_at: i64, updated_at: i64,
}));

/// Queues the job of `kind` for what has `id`, due at `due_at`.
pub fn enqueue(conn: &mut DbConn, kind: JobKind, id: i64, due_at: i64, now: i64) -> Result<JobRow, DomainError> {
    let row = JobRow::new(kind, id, due_at, now);
    diesel::insert_into(jobs::table).values(&row).execute(conn).map_err(db)?;
    Ok(row)
}

/// Queues a finished job again, due now, with its attempts so far kept (a replay). A job being
/// worked on right now is left alone: false.
pub fn requeue(conn: &mut DbConn, id: i64, now: i64) -> Result<bool, DomainError> {
    let updated = diesel::update(jobs::table.find(id).filter(jobs::state.ne(JobState::Sending)))
        .set((
            jobs::state.eq(JobState::Queued),
            jobs::due_at.eq(now),
            jobs::attempts.eq(0),
            jobs::detail.eq(Some("sent again by hand")),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)
        .map_err(db)?;
    Ok(updated == 1)
}

/// Queues the email of a claimed report run, due now.
pub fn enqueue_report(conn: &mut DbConn, run_id: i64, now: i64) -> Result<JobRow, DomainError> {
    enqueue(conn, JobKind::Report, run_id, now, now)
}

/// Up to `limit` rows matching `filter`, locked for this transaction on PostgreSQL (rows another
/// instance is claiming right now are skipped, not waited for); SQLite's one writer needs no lock.
macro_rules! pick {
    ($conn:expr, $filter:expr, $order:expr, $limit:expr) => {
        match &mut *$conn {
            DbConn::Pg(c) => jobs::table
                .filter($filter)
                .order($order)
                .limit($limit)
                .select(JobRow::as_select())
                .for_update()
                .skip_locked()
                .load(c),
            DbConn::Sqlite(c) => {
                jobs::table.filter($filter).order($order).limit($limit).select(JobRow::as_select()).load(c)
            }
        }
        .map_err(db)
    };
}

/// A row this sender now holds. `retaken` is set when it was taken over from a sender whose
/// lease ran out: that one may have sent it already.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub row: JobRow,
    pub retaken: Option<String>,
}

/// Claims up to `limit` due rows for `holder` until `now + lease_ms`: queued ones whose time
/// came, and sending ones whose lease ran out. Runs in one write transaction.
pub fn claim(
    conn: &mut DbConn,
    holder: &str,
    now: i64,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<Claimed>, DomainError> {
    // Two lookups, each along its partial index, so a poll reads what is due and not the
    // history of sent mail: rows whose sender's lease ran out first, then queued ones whose time came.
    // The states are literals, not bound values: SQLite only uses a partial index whose
    // condition it can see in the query text.
    let lapsed = diesel::dsl::sql::<diesel::sql_types::Bool>("state = 'sending'").and(jobs::lease_until.lt(now));
    let due = diesel::dsl::sql::<diesel::sql_types::Bool>("state = 'queued'").and(jobs::due_at.le(now));
    let mut picked: Vec<JobRow> = pick!(conn, lapsed, jobs::lease_until.asc(), limit)?;
    // Due reports next, along their own partial index: a report due on the minute goes before a
    // backlog of survey emails.
    let room = limit - picked.len() as i64;
    if room > 0 {
        let reports = diesel::dsl::sql::<diesel::sql_types::Bool>("state = 'queued' AND kind = 'report'")
            .and(jobs::due_at.le(now));
        let more: Vec<JobRow> = pick!(conn, reports, jobs::due_at.asc(), room)?;
        picked.extend(more);
    }
    let room = limit - picked.len() as i64;
    if room > 0 {
        let taken: Vec<i64> = picked.iter().map(|r| r.id).collect();
        let more: Vec<JobRow> = pick!(conn, due.and(jobs::id.ne_all(taken)), jobs::due_at.asc(), room)?;
        picked.extend(more);
    }
    if picked.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<i64> = picked.iter().map(|r| r.id).collect();
    let lease_until = now + lease_ms;
    diesel::update(jobs::table.filter(jobs::id.eq_any(&ids)))
        .set((
            jobs::state.eq(JobState::Sending),
            jobs::lease_holder.eq(holder),
            jobs::lease_until.eq(lease_until),
            jobs::attempts.eq(jobs::attempts + 1),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)
        .map_err(db)?;
    let mut lapsed = Vec::new();
    let claimed = picked
        .into_iter()
        .map(|mut row| {
            let retaken = (row.state == JobState::Sending).then(|| row.lease_holder.clone().unwrap_or_default());
            if let Some(previous) = &retaken {
                lapsed.push(Attempt {
                    may_have_reached: true,
                    id: new_id(),
                    job_id: row.id,
                    attempt: row.attempts,
                    holder: previous.clone(),
                    started_at: row.updated_at,
                    finished_at: now,
                    outcome: AttemptOutcome::Unconfirmed,
                    code: None,
                    detail: "the sender's lease ran out before it recorded a result: the mail server may have \
                             accepted it; sending again with the same Message-ID"
                        .into(),
                });
            }
            row.state = JobState::Sending;
            row.lease_holder = Some(holder.to_string());
            row.lease_until = Some(lease_until);
            row.attempts += 1;
            Claimed { row, retaken }
        })
        .collect();
    insert_rows!(conn, job_attempts::table, &lapsed).map_err(db)?;
    Ok(claimed)
}

/// Claims one queued row by its id, if it is still queued (`acht report send-now`).
pub fn claim_row(
    conn: &mut DbConn,
    id: i64,
    holder: &str,
    now: i64,
    lease_ms: i64,
) -> Result<Option<Claimed>, DomainError> {
    let updated = diesel::update(jobs::table.filter(jobs::id.eq(id)).filter(jobs::state.eq(JobState::Queued)))
        .set((
            jobs::state.eq(JobState::Sending),
            jobs::lease_holder.eq(holder),
            jobs::lease_until.eq(now + lease_ms),
            jobs::attempts.eq(jobs::attempts + 1),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)
        .map_err(db)?;
    if updated == 0 {
        return Ok(None);
    }
    let row = jobs::table.find(id).select(JobRow::as_select()).first(conn).map_err(db)?;
    Ok(Some(Claimed { row, retaken: None }))
}

/// What an invitation's email needs, read when it is about to go.
#[derive(Debug, Clone)]
pub struct InvitationMail {
    pub invitation: Invitation,
    pub survey: crate::db::models::Survey,
    pub email: Option<String>,
    pub locale: String,
    pub unsubscribed: bool,
    pub erased: bool,
    pub answered: bool,
}

impl InvitationMail {
    /// Why the email must not go (any more), if so: the final state and the reason.
    pub fn stop(&self, now: i64) -> Option<(JobState, String)> {
        if self.erased {
            return Some((JobState::Suppressed, "the customer's data was erased".into()));
        }
        if self.unsubscribed {
            return Some((JobState::Suppressed, "the customer unsubscribed".into()));
        }
        if self.survey.archived_at.is_some() {
            return Some((JobState::Suppressed, "the survey was archived".into()));
        }
        if self.answered {
            return Some((JobState::Suppressed, "the customer answered already (a link reached them)".into()));
        }
        if self.email.is_none() {
            return Some((JobState::Suppressed, "the customer has no email address".into()));
        }
        if now >= self.invitation.expires_at {
            return Some((JobState::Expired, "the invitation expired before it could be sent".into()));
        }
        None
    }
}

pub fn invitation_mail(conn: &mut DbConn, invitation_id: i64) -> Result<InvitationMail, DomainError> {
    type Row = (Invitation, crate::db::models::Survey, Option<String>, String, Option<i64>, Option<i64>, Option<i64>);
    // One query per message, with its answer (if any) left-joined.
    let (invitation, survey, email, locale, unsubscribed_at, erased_at, answer): Row = invitations::table
        .inner_join(surveys::table)
        .inner_join(customers::table)
        .left_join(responses::table.on(responses::invitation_id.eq(invitations::id.nullable())))
        .filter(invitations::id.eq(invitation_id))
        .select((
            Invitation::as_select(),
            crate::db::models::Survey::as_select(),
            customers::email,
            customers::locale,
            customers::unsubscribed_at,
            customers::erased_at,
            responses::id.nullable(),
        ))
        .first(conn)
        .map_err(db)?;
    Ok(InvitationMail {
        invitation,
        survey,
        email,
        locale,
        unsubscribed: unsubscribed_at.is_some(),
        erased: erased_at.is_some(),
        answered: answer.is_some(),
    })
}

/// How one attempt went, as the sender saw it.
#[derive(Debug, Clone)]
pub enum Outcome {
    Sent,
    /// The webhook endpoint answered 2xx with this status.
    Posted(i32),
    /// A failure; `permanent` when the server refused with 5xx.
    Failed {
        permanent: bool,
        code: Option<i32>,
        detail: String,
        /// No reply came after the connection was made: the server may have stored it.
        may_have_reached: bool,
    },
    /// Not sent, and never to be: the final state and why.
    Stopped {
        state: JobState,
        detail: String,
    },
}

/// Settles a claimed row after an attempt: records the attempt and moves the row to its next
/// state. Only the lease's holder settles a row; a holder that lost its lease meanwhile (it
/// took longer than the lease) records its attempt and leaves the row to the one who took it.
/// `expires_at` ends retries of an invitation's email at the invitation's expiry.
#[allow(clippy::too_many_arguments)]
pub fn settle(
    conn: &mut DbConn,
    claimed: &JobRow,
    holder: &str,
    started_at: i64,
    outcome: &Outcome,
    rules: RetryRules,
    expires_at: Option<i64>,
    now: i64,
    jitter: f64,
) -> Result<JobState, DomainError> {
    let attempts = claimed.attempts;
    let refused_before = match outcome {
        Outcome::Failed { permanent: true, .. } => refusals(conn, claimed.id)?,
        _ => 0,
    };
    let mut next = next_after(outcome, attempts, refused_before, rules, expires_at, now, jitter);
    // A server's words may name the address; a customer erased meanwhile keeps none of them.
    if next.attempt.as_ref().is_some_and(|a| a.0 != AttemptOutcome::Sent) && erased(conn, claimed)? {
        next.attempt.as_mut().expect("checked").2 = "(erased)".into();
        next.detail = Some("(erased)".into());
    }
    if let Some((kind, code, detail)) = next.attempt {
        let attempt = Attempt {
            id: new_id(),
            job_id: claimed.id,
            attempt: attempts,
            holder: holder.to_string(),
            started_at,
            finished_at: now,
            outcome: kind,
            code,
            detail: detail.chars().take(1000).collect(),
            may_have_reached: matches!(outcome, Outcome::Failed { may_have_reached: true, .. }),
        };
        diesel::insert_into(job_attempts::table).values(&attempt).execute(conn).map_err(db)?;
    }
    let Next { state, detail, due_at, .. } = next;
    let mine = jobs::table
        .filter(jobs::id.eq(claimed.id))
        .filter(jobs::state.eq(JobState::Sending))
        .filter(jobs::lease_holder.eq(holder));
    let updated = diesel::update(mine)
        .set((
            jobs::state.eq(state),
            jobs::detail.eq(detail.map(|d| d.chars().take(1000).collect::<String>())),
            jobs::due_at.eq(due_at.unwrap_or(claimed.due_at)),
            jobs::sent_at.eq((state == JobState::Sent).then_some(now)),
            jobs::lease_holder.eq(None::<String>),
            jobs::lease_until.eq(None::<i64>),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)
        .map_err(db)?;
    if updated == 0 {
        // Another sender took the row over meanwhile; it is theirs to settle.
        tracing::warn!(outbox = claimed.id, holder, "lease lost before the attempt was settled");
        return Ok(JobState::Sending);
    }
    Ok(state)
}

/// Where a row goes after an attempt: the attempt's record (none when nothing was tried) and the
/// row's next state, with its reason and, for a retry, when it is due.
#[derive(Debug, PartialEq)]
struct Next {
    attempt: Option<(AttemptOutcome, Option<i32>, String)>,
    state: JobState,
    detail: Option<String>,
    due_at: Option<i64>,
}

/// The rule: sent is sent; a failure is retried after the backoff, unless it was the last allowed
/// attempt (or refusal), or the invitation expires before the next one; a stop is final.
fn next_after(
    outcome: &Outcome,
    attempts: i32,
    refused_before: i64,
    rules: RetryRules,
    expires_at: Option<i64>,
    now: i64,
    jitter: f64,
) -> Next {
    match outcome {
        Outcome::Sent => Next {
            attempt: Some((AttemptOutcome::Sent, Some(250), "accepted by the mail server".into())),
            state: JobState::Sent,
            detail: None,
            due_at: None,
        },
        Outcome::Posted(code) => Next {
            attempt: Some((AttemptOutcome::Sent, Some(*code), "the endpoint took it".into())),
            state: JobState::Sent,
            detail: None,
            due_at: None,
        },
        Outcome::Failed { permanent, code, detail, .. } => {
            let kind = if *permanent { AttemptOutcome::Permanent } else { AttemptOutcome::Transient };
            let refusals = refused_before + i64::from(*permanent);
            let next_due = rules.next_due(attempts, now, jitter);
            let (state, why, due_at) = if attempts >= rules.max_attempts || refusals >= MAX_REFUSALS {
                (JobState::Failed, format!("gave up after {attempts} attempts: {detail}"), None)
            } else if expires_at.is_some_and(|e| next_due >= e) {
                (JobState::Expired, format!("the invitation expires before the next attempt: {detail}"), None)
            } else {
                (JobState::Queued, detail.clone(), Some(next_due))
            };
            Next { attempt: Some((kind, *code, detail.clone())), state, detail: Some(why), due_at }
        }
        Outcome::Stopped { state, detail } => {
            Next { attempt: None, state: *state, detail: Some(detail.clone()), due_at: None }
        }
    }
}

/// Whether the customer of an invitation's email was erased.
fn erased(conn: &mut DbConn, row: &JobRow) -> Result<bool, DomainError> {
    if row.kind != JobKind::Invitation {
        return Ok(false);
    }
    let invitation = row.id;
    let at: Option<i64> = invitations::table
        .inner_join(customers::table)
        .filter(invitations::id.eq(invitation))
        .select(customers::erased_at)
        .first(conn)
        .map_err(db)?;
    Ok(at.is_some())
}

fn refusals(conn: &mut DbConn, job_id: i64) -> Result<i64, DomainError> {
    job_attempts::table
        .filter(job_attempts::job_id.eq(job_id))
        .filter(job_attempts::outcome.eq(AttemptOutcome::Permanent))
        .count()
        .get_result(conn)
        .map_err(db)
}

/// Stops every queued survey email of a customer (they unsubscribed or were erased).
pub fn suppress_customer(conn: &mut DbConn, customer_id: i64, reason: &str, now: i64) -> Result<usize, DomainError> {
    let theirs = invitations::table.filter(invitations::customer_id.eq(customer_id)).select(invitations::id);
    diesel::update(jobs::table.filter(jobs::state.eq(JobState::Queued)).filter(jobs::id.eq_any(theirs)))
        .set((jobs::state.eq(JobState::Suppressed), jobs::detail.eq(reason), jobs::updated_at.eq(now)))
        .execute(conn)
        .map_err(db)
}

/// Erasure: the words mail servers answered about a customer's emails may name their address
/// ("550 <jan@…>: no such user"), so they go; outcomes, codes and times stay.
pub fn forget_customer(conn: &mut DbConn, customer_id: i64) -> Result<(), DomainError> {
    // An invitation's email has the invitation's id.
    let theirs = || invitations::table.filter(invitations::customer_id.eq(customer_id)).select(invitations::id);
    diesel::update(job_attempts::table.filter(job_attempts::job_id.eq_any(theirs())))
        .set(job_attempts::detail.eq("(erased)"))
        .execute(conn)
        .map_err(db)?;
    diesel::update(jobs::table.filter(jobs::id.eq_any(theirs())))
        .set(jobs::detail.eq("the customer's data was erased"))
        .execute(conn)
        .map_err(db)?;
    Ok(())
}

/// The outbox at a glance: rows per kind and state, and messages that may have gone twice.
#[derive(Debug, Clone, Default)]
pub struct Status {
    pub by_state: Vec<(JobKind, JobState, i64)>,
    /// Sent messages with an earlier attempt that may have reached the server: taken over from
    /// a sender whose lease ran out, or whose reply was lost. Each may have arrived twice.
    pub possibly_twice: i64,
    /// Of those, the ones taken over after a lease ran out.
    pub taken_over: i64,
}

pub fn status(conn: &mut DbConn) -> Result<Status, DomainError> {
    let by_state = jobs::table
        .group_by((jobs::kind, jobs::state))
        .select((jobs::kind, jobs::state, diesel::dsl::count_star()))
        .order((jobs::kind, jobs::state))
        .load::<(JobKind, JobState, i64)>(conn)
        .map_err(db)?;
    let doubtful = job_attempts::table
        .filter(job_attempts::outcome.eq(AttemptOutcome::Unconfirmed).or(job_attempts::may_have_reached.eq(true)))
        .select(job_attempts::job_id);
    let possibly_twice: i64 = jobs::table
        .filter(jobs::state.eq(JobState::Sent))
        .filter(jobs::id.eq_any(doubtful))
        .count()
        .get_result(conn)
        .map_err(db)?;
    let taken =
        job_attempts::table.filter(job_attempts::outcome.eq(AttemptOutcome::Unconfirmed)).select(job_attempts::job_id);
    let taken_over: i64 = jobs::table
        .filter(jobs::state.eq(JobState::Sent))
        .filter(jobs::id.eq_any(taken))
        .count()
        .get_result(conn)
        .map_err(db)?;
    Ok(Status { by_state, possibly_twice, taken_over })
}

/// The most recent emails that failed, wait for a retry, expired after failures, or went out
/// after an unconfirmed attempt (possibly twice), newest first: what an operator looks at. An
/// operator's command: it reads the whole outbox.
pub fn troubles(conn: &mut DbConn, limit: i64) -> Result<Vec<JobRow>, DomainError> {
    // Rows with any attempt that did not simply go: failures, and unconfirmed takeovers.
    let troubled =
        job_attempts::table.filter(job_attempts::outcome.ne(AttemptOutcome::Sent)).select(job_attempts::job_id);
    jobs::table
        .filter(
            jobs::state
                .eq(JobState::Failed)
                .or(jobs::state.eq(JobState::Queued).and(jobs::attempts.gt(0)))
                .or(jobs::id.eq_any(troubled)),
        )
        .order(jobs::updated_at.desc())
        .limit(limit)
        .select(JobRow::as_select())
        .load(conn)
        .map_err(db)
}

/// The attempts of one row, oldest first (tests and the customer page to come).
pub fn attempts(conn: &mut DbConn, job_id: i64) -> Result<Vec<Attempt>, DomainError> {
    job_attempts::table
        .filter(job_attempts::job_id.eq(job_id))
        .order((job_attempts::started_at, job_attempts::id))
        .select(Attempt::as_select())
        .load(conn)
        .map_err(db)
}

/// The outbox row of an invitation's email.
pub fn of_invitation(conn: &mut DbConn, invitation_id: i64) -> Result<Option<JobRow>, DomainError> {
    jobs::table.find(invitation_id).select(JobRow::as_select()).first(conn).optional().map_err(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_retried_until_the_last_attempt_refusal_or_expiry() {
        let rules = RetryRules { base_ms: 1_000, cap_ms: 10_000, max_attempts: 4 };
        let fail =
            |permanent| Outcome::Failed { permanent, code: Some(451), detail: "busy".into(), may_have_reached: false };
        let next = next_after(&fail(false), 1, 0, rules, None, 0, 0.0);
        assert_eq!((next.state, next.due_at), (JobState::Queued, Some(1_000)));
        assert_eq!(next_after(&fail(false), 4, 0, rules, None, 0, 0.0).state, JobState::Failed);
        assert_eq!(next_after(&fail(true), 2, 1, rules, None, 0, 0.0).state, JobState::Queued);
        assert_eq!(next_after(&fail(true), 3, 2, rules, None, 0, 0.0).state, JobState::Failed, "third refusal");
        assert_eq!(next_after(&fail(false), 1, 0, rules, Some(500), 0, 0.0).state, JobState::Expired);
        let stop = Outcome::Stopped { state: JobState::Suppressed, detail: "unsubscribed".into() };
        assert_eq!(next_after(&stop, 1, 0, rules, None, 0, 0.0).attempt, None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let r = RetryRules { base_ms: 1_000, cap_ms: 10_000, max_attempts: 10 };
        assert_eq!(r.next_due(1, 0, 0.0), 1_000);
        assert_eq!(r.next_due(2, 0, 0.0), 2_000);
        assert_eq!(r.next_due(4, 0, 0.0), 8_000);
        assert_eq!(r.next_due(5, 0, 0.0), 10_000);
        assert_eq!(r.next_due(60, 0, 0.0), 10_000);
        assert_eq!(r.next_due(5, 0, 1.0), 12_000);
    }
}
