//! Answers from customers, with their provenance and the scanner rules.
//!
//! An email link scanner opens every link of a message within seconds, sometimes running
//! JavaScript, often with HEAD. So:
//! - a score link (`GET /s/{token}/{score}`) stores the score at once, but *unconfirmed*;
//! - several different scores through links for one invitation within [`BURST_WINDOW_MS`]
//!   mark the answer as a suspected scanner;
//! - the answer counts (`confirmed`) only after a human signal: a form post from the page
//!   (a score button, a changed score, a comment) or the page's script reporting a real
//!   user gesture (pointer, touch, key or scroll);
//! - HEAD never changes anything (the web layer answers it without calling here).
use super::surveys::ShownText;
use super::token::{invitation_id, sha256_hex};
use super::{db, DomainError};
use crate::db::models::{AnswerEvent, Invitation, Response, Survey};
use crate::db::schema::{answer_events, customers, invitations, responses, surveys};
use crate::db::{new_id, DbConn};
use crate::types::{InvitationStatus, Provenance, Scale, Signal};
use diesel::prelude::*;

pub const BURST_WINDOW_MS: i64 = 10_000;
pub const MAX_COMMENT_CHARS: usize = 2000;

/// The invited customer as the answer pages see them.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = customers)]
pub struct Invitee {
    pub id: i64,
    pub locale: String,
}

/// An invitation with what the answer page needs.
#[derive(Debug, Clone)]
pub struct Invite {
    pub invitation: Invitation,
    pub survey: Survey,
    /// Who was invited: only what the answer pages need (their attributes are not read).
    pub customer: Invitee,
    pub response: Option<Response>,
}

impl Invite {
    /// The question and follow-up in the customer's language, with the page's locale.
    pub fn text(&self) -> ShownText {
        self.survey.text_for(&self.customer.locale)
    }
    pub fn scale(&self) -> Scale {
        self.survey.scale
    }
}

/// Finds an invitation by its token. Unknown or malformed → NotFound; expired → Expired
/// (checked by the caller via [`Invite::is_expired`] so the page can still be polite).
pub fn find(conn: &mut DbConn, token: &str) -> Result<Invite, DomainError> {
    let not_found = || DomainError::NotFound("survey link".into());
    let id = invitation_id(token).ok_or_else(not_found)?;
    let found: Option<(Invitation, Survey, Invitee)> = invitations::table
        .inner_join(surveys::table)
        .inner_join(customers::table)
        .filter(invitations::id.eq(id))
        .select((Invitation::as_select(), Survey::as_select(), Invitee::as_select()))
        .first(conn)
        .optional()
        .map_err(db)?;
    // A forged token names a real id but fails here, and gets the same answer as an unknown one.
    let (invitation, survey, customer) =
        found.filter(|(inv, _, _)| inv.token_hash == sha256_hex(token)).ok_or_else(not_found)?;
    let response = responses::table
        .filter(responses::invitation_id.eq(invitation.id))
        .select(Response::as_select())
        .first(conn)
        .optional()
        .map_err(db)?;
    Ok(Invite { invitation, survey, customer, response })
}

impl Invite {
    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.invitation.expires_at
    }
}

/// What a customer did on the answer page or through a link.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub score: Option<i32>,
    pub comment: Option<String>,
}

/// Records an answer for the invitation behind `token`, in one transaction.
/// Returns the invitation with its answer as now stored.
pub fn record(
    conn: &mut DbConn,
    token: &str,
    answer: &Answer,
    signal: Signal,
    user_agent: Option<&str>,
    now: i64,
) -> Result<Invite, DomainError> {
    crate::db::write_tx(conn, |conn| {
        lock_invitation(conn, token)?;
        let mut invite = find(conn, token)?;
        if invite.is_expired(now) {
            return Err(DomainError::Expired);
        }
        if let Some(score) = answer.score {
            if !invite.scale().contains(score) {
                let (lo, hi) = invite.scale().range();
                return Err(DomainError::invalid("score_out_of_range", format!("score must be between {lo} and {hi}")));
            }
        }
        if let Some(c) = &answer.comment {
            super::validate::optional_text("comment_too_long", "a comment", c, MAX_COMMENT_CHARS)?;
        }
        let comment = match &answer.comment {
            Some(c) if c.trim().is_empty() => None,
            other => other.clone(),
        };
        let event = AnswerEvent {
            id: new_id(),
            invitation_id: invite.invitation.id,
            kind: signal,
            score: answer.score,
            user_agent: user_agent.map(|u| u.chars().take(300).collect()),
            created_at: now,
        };
        diesel::insert_into(answer_events::table).values(&event).execute(conn).map_err(db)?;
        // Without an earlier answer there was no earlier link click, so no burst.
        let burst = signal == Signal::Link && invite.response.is_some() && is_burst(conn, invite.invitation.id, now)?;
        let human = signal != Signal::Link;
        let saved = match invite.response.take() {
            None => {
                let Some(score) = answer.score else {
                    return Err(DomainError::invalid("score_required", "choose a score first"));
                };
                let row = Response {
                    id: new_id(),
                    invitation_id: Some(invite.invitation.id),
                    survey_id: invite.survey.id,
                    customer_id: invite.customer.id,
                    score,
                    comment,
                    provenance: signal.into(),
                    confirmed: human,
                    suspect_scanner: burst,
                    answered_at: now,
                    updated_at: now,
                };
                diesel::insert_into(responses::table).values(&row).execute(conn).map_err(db)?;
                diesel::update(invitations::table.find(invite.invitation.id))
                    .set(invitations::status.eq(InvitationStatus::Answered))
                    .execute(conn)
                    .map_err(db)?;
                row
            }
            Some(mut row) => {
                if let Some(score) = answer.score {
                    row.score = score;
                }
                if answer.comment.is_some() {
                    row.comment = comment;
                }
                // A human signal clears a scanner suspicion; a burst of links raises it.
                row.confirmed = row.confirmed || human;
                row.suspect_scanner = if human { false } else { row.suspect_scanner || burst };
                if burst {
                    row.confirmed = false;
                }
                if human && row.provenance == Provenance::Link {
                    row.provenance = signal.into();
                }
                row.updated_at = now;
                diesel::update(responses::table.find(row.id))
                    .set((
                        responses::score.eq(row.score),
                        responses::comment.eq(&row.comment),
                        responses::confirmed.eq(row.confirmed),
                        responses::suspect_scanner.eq(row.suspect_scanner),
                        responses::provenance.eq(row.provenance),
                        responses::updated_at.eq(row.updated_at),
                    ))
                    .execute(conn)
                    .map_err(db)?;
                row
            }
        };
        invite.response = Some(saved);
        Ok(invite)
    })
}

/// On PostgreSQL, holds the invitation's row until the transaction ends: `record` reads the
/// answer and writes it back, and two signals at once (a gesture beside a form post) must not
/// undo each other. SQLite's single writer serialises them already.
fn lock_invitation(conn: &mut DbConn, token: &str) -> Result<(), DomainError> {
    if let (DbConn::Pg(c), Some(id)) = (&mut *conn, invitation_id(token)) {
        diesel::sql_query("SELECT id FROM invitations WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(id)
            .execute(c)
            .map_err(db)?;
    }
    Ok(())
}

/// Several different scores through links within seconds: no human clicks like that.
fn is_burst(conn: &mut DbConn, invitation_id: i64, now: i64) -> Result<bool, DomainError> {
    let scores: Vec<Option<i32>> = answer_events::table
        .filter(answer_events::invitation_id.eq(invitation_id))
        .filter(answer_events::kind.eq(Signal::Link))
        .filter(answer_events::created_at.gt(now - BURST_WINDOW_MS))
        .select(answer_events::score)
        .load(conn)
        .map_err(db)?;
    let mut distinct: Vec<i32> = scores.into_iter().flatten().collect();
    distinct.sort_unstable();
    distinct.dedup();
    Ok(distinct.len() >= 2)
}

/// Marks pending invitations whose answer window closed before `now` as expired; returns how
/// many. Run periodically (the server's expiry sweep) so the stored status tells the truth.
pub fn expire_due(conn: &mut DbConn, now: i64) -> Result<usize, DomainError> {
    diesel::update(
        invitations::table
            .filter(invitations::status.eq(InvitationStatus::Pending))
            .filter(invitations::expires_at.le(now)),
    )
    .set(invitations::status.eq(InvitationStatus::Expired))
    .execute(conn)
    .map_err(db)
}

/// Filters for listing responses.
#[derive(Debug, Clone, Default)]
pub struct ResponseFilter {
    pub survey: Option<String>,
    pub customer: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub confirmed_only: bool,
    /// Resume after this (answered_at, id).
    pub after: Option<(i64, i64)>,
    pub limit: i64,
}

/// A listed response with the names an API user knows.
#[derive(Debug, Clone)]
pub struct ListedResponse {
    pub response: Response,
    pub survey_slug: String,
    pub customer_external_id: String,
}

/// Responses in (answered_at, id) order, keyset-paginated.
pub fn list(conn: &mut DbConn, f: &ResponseFilter) -> Result<Vec<ListedResponse>, DomainError> {
    let mut q = responses::table
        .inner_join(surveys::table)
        .inner_join(customers::table)
        .select((Response::as_select(), surveys::slug, customers::external_id))
        .into_boxed();
    if let Some(s) = &f.survey {
        q = q.filter(surveys::slug.eq(s.clone()));
    }
    if let Some(c) = &f.customer {
        q = q.filter(customers::external_id.eq(c.clone()));
    }
    if let Some(t) = f.since {
        q = q.filter(responses::answered_at.ge(t));
    }
    if let Some(t) = f.until {
        q = q.filter(responses::answered_at.lt(t));
    }
    if f.confirmed_only {
        q = q.filter(responses::confirmed.eq(true));
    }
    if let Some((t, id)) = f.after {
        q = q.filter(responses::answered_at.gt(t).or(responses::answered_at.eq(t).and(responses::id.gt(id))));
    }
    let rows: Vec<(Response, String, String)> =
        q.order((responses::answered_at.asc(), responses::id.asc())).limit(f.limit).load(conn).map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|(response, survey_slug, customer_external_id)| ListedResponse {
            response,
            survey_slug,
            customer_external_id,
        })
        .collect())
}
