//! Answers from customers: every visit and page signal is stored with its evidence, and the
//! answer's state (counted, provisional, unverified, scanner) is judged again from all of them
//! after each one (the rule is in [`super::evidence`]). HEAD never changes anything (the web
//! layer answers it without calling here).
use super::evidence::{self, Judgement, Rules, Visit};
use super::surveys::ShownText;
use super::token::{invitation_id, sha256_hex};
use super::{db, DomainError};
use crate::db::models::{insert_evidence, insert_responses, AnswerEvent, Invitation, Response, Survey};
use crate::db::schema::{answer_events, customers, interactions, invitations, responses, surveys};
use crate::db::{kept_update, new_id, on_backend, DbConn};
use crate::types::{AnswerState, InvitationStatus, Provenance, Scale, Signal};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

pub const MAX_COMMENT_CHARS: usize = 2000;
/// Events one invitation keeps: far beyond any person's or scanner's visits.
pub const MAX_EVENTS: usize = 200;
/// Events one source (address and user agent) may add to an invitation: a flood from one
/// place uses up its own budget, not the customer's.
pub const MAX_EVENTS_PER_SOURCE: usize = 50;
/// Events a source new to a link may always add, however many others sent.
pub const NEWCOMER_EVENTS: usize = 5;

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
    /// The touchpoint and channel of the interaction behind it, where the answer is counted.
    pub touchpoint: Option<String>,
    pub channel: Option<String>,
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
    let id = invitation_id(token).ok_or_else(link_not_found)?;
    let invite = load_invites(conn, &[id])?.remove(&id);
    invite.filter(|i| i.is_behind(token)).ok_or_else(link_not_found)
}

fn link_not_found() -> DomainError {
    DomainError::NotFound("survey link".into())
}

/// The invitations with these ids, with their surveys, customers, answers and interactions:
/// one query for all (this runs for every batch of clicks, on a writer thread).
fn load_invites(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Invite>, DomainError> {
    type Found = (Invitation, Survey, Invitee, Option<Response>, Option<String>, Option<String>);
    let found: Vec<Found> = on_backend!(conn, c => invitations::table
        .inner_join(surveys::table)
        .inner_join(customers::table)
        .left_join(responses::table.on(responses::invitation_id.eq(invitations::id.nullable())))
        .left_join(interactions::table.on(interactions::id.nullable().eq(invitations::interaction_id)))
        .filter(invitations::id.eq_any(ids))
        .select((
            Invitation::as_select(),
            Survey::as_select(),
            Invitee::as_select(),
            Option::<Response>::as_select(),
            interactions::touchpoint.nullable(),
            interactions::channel.nullable(),
        ))
        .load(c))
    .map_err(db)?;
    Ok(found
        .into_iter()
        .map(|(invitation, survey, customer, response, touchpoint, channel)| {
            (invitation.id, Invite { invitation, survey, customer, response, touchpoint, channel })
        })
        .collect())
}

impl Invite {
    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.invitation.expires_at
    }

    /// Whether `token` is this invitation's: a forged token names a real id but fails here,
    /// and gets the same answer as an unknown one.
    fn is_behind(&self, token: &str) -> bool {
        self.invitation.token_hash == sha256_hex(token)
    }
}

/// What a customer did on the answer page or through a link.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub score: Option<i32>,
    pub comment: Option<String>,
}

/// What a request tells about its sender: the evidence stored with every event.
#[derive(Debug, Clone, Default)]
pub struct Sender {
    /// The client's address (a trusted proxy's `X-Forwarded-For` only).
    pub address: Option<String>,
    pub user_agent: Option<String>,
    /// `Sec-Fetch-Site/Mode/Dest/User` as sent, e.g. `site=none mode=navigate dest=document user=?1`.
    pub fetch_meta: Option<String>,
    pub accept_language: bool,
}

impl Sender {
    /// The rule judges per source: address and user agent together.
    fn source(address: &Option<String>, user_agent: &Option<String>) -> String {
        format!("{} {}", address.as_deref().unwrap_or("?"), user_agent.as_deref().unwrap_or("?"))
    }
}

/// One event for the invitation behind a token (a visit, a score link, a form post, a page
/// beacon, the trap), with its evidence: an item of [`record_batch`].
#[derive(Debug, Clone)]
pub struct Signalled {
    pub token: String,
    pub answer: Answer,
    pub signal: Signal,
    pub sender: Sender,
    pub visible_ms: Option<i64>,
    pub now: i64,
    pub rules: Rules,
}

impl Signalled {
    /// What keeps the events of one invitation together ([`crate::db::Db::batcher`]): its id.
    pub fn key(&self) -> i64 {
        invitation_id(&self.token).unwrap_or(0)
    }
}

/// Records events with their evidence and judges each one's answer again, all in the caller's
/// transaction; returns, per event, the invitation with its answer as now stored (none while no
/// score has arrived), or why the event was refused (nothing of it is stored then). Set-wise:
/// one lookup for all invitations, one statement per table for all writes. Events of one
/// invitation are taken in rounds, so each is judged after the one before it is written.
pub fn record_batch(conn: &mut DbConn, batch: &[Signalled]) -> Result<Vec<Result<Invite, DomainError>>, DomainError> {
    crate::db::write_tx(conn, |conn| {
        let mut results: Vec<Option<Result<Invite, DomainError>>> = batch.iter().map(|_| None).collect();
        let mut todo: Vec<usize> = Vec::new();
        for (k, item) in batch.iter().enumerate() {
            match invitation_id(&item.token) {
                Some(_) => todo.push(k),
                None => results[k] = Some(Err(link_not_found())),
            }
        }
        while !todo.is_empty() {
            let mut seen = HashSet::new();
            let (round, later): (Vec<usize>, Vec<usize>) = todo.iter().partition(|&&k| seen.insert(batch[k].key()));
            record_round(conn, batch, &round, &mut results)?;
            todo = later;
        }
        Ok(results.into_iter().map(|r| r.unwrap_or_else(|| Err(link_not_found()))).collect())
    })
}

/// One round of [`record_batch`]: events of distinct invitations.
fn record_round(
    conn: &mut DbConn,
    batch: &[Signalled],
    round: &[usize],
    results: &mut [Option<Result<Invite, DomainError>>],
) -> Result<(), DomainError> {
    let mut ids: Vec<i64> = round.iter().map(|&k| batch[k].key()).collect();
    ids.sort_unstable();
    lock_invitations(conn, &ids)?;
    let mut invites = load_invites(conn, &ids)?;
    // A pending invitation has no events yet: only the others' are read back.
    let heard: Vec<i64> = invites
        .values()
        .filter(|i| i.invitation.status != InvitationStatus::Pending)
        .map(|i| i.invitation.id)
        .collect();
    let mut histories = visits(conn, &heard)?;
    let mut writes = Writes::default();
    for &k in round {
        let item = &batch[k];
        let invite = invites.remove(&item.key()).filter(|i| i.is_behind(&item.token));
        results[k] = Some(match invite {
            Some(invite) => {
                let history = histories.remove(&invite.invitation.id).unwrap_or_default();
                judge_event(item, invite, history, &mut writes)
            }
            None => Err(link_not_found()),
        });
    }
    writes.write(conn)
}

/// Judges one event against its invitation's history and adds what it changes to `writes`;
/// an event refused adds nothing.
fn judge_event(
    item: &Signalled,
    mut invite: Invite,
    mut history: Vec<Visit>,
    writes: &mut Writes,
) -> Result<Invite, DomainError> {
    let (signal, now, rules) = (item.signal, item.now, item.rules);
    // Page signals of a click just before the end may arrive just after it: they still judge
    // that click for a quiet window's length. Scores stop at the end.
    let carries_score = matches!(signal, Signal::Link | Signal::Form);
    let grace = if carries_score { 0 } else { rules.quiet_ms };
    if invite.is_expired(now - grace) {
        return Err(DomainError::Expired);
    }
    let comment = checked_comment(&invite, &item.answer)?;
    let sender = &item.sender;
    let event = AnswerEvent {
        id: new_id(),
        invitation_id: invite.invitation.id,
        kind: signal,
        score: item.answer.score.filter(|_| carries_score),
        source: sender.address.clone(),
        user_agent: sender.user_agent.as_ref().map(|u| u.chars().take(300).collect()),
        fetch_meta: sender.fetch_meta.as_ref().map(|f| f.chars().take(200).collect()),
        accept_language: sender.accept_language,
        since_sent_ms: now - invite.invitation.send_at,
        visible_ms: item.visible_ms.map(|v| v.clamp(0, 86_400_000)),
        created_at: now,
    };
    let this_source = Sender::source(&event.source, &event.user_agent);
    history.push(Visit {
        at: now,
        source: this_source.clone(),
        kind: signal,
        score: event.score,
        visible_ms: event.visible_ms,
    });
    // Forged beacons must not grow an invitation's history (and the cost of judging it)
    // without end: past a source's own budget, or (for a source already heard from) the
    // invitation's, its events are refused and the judgement stands. A source new to the
    // link always has its first few events, and a form post (the customer's score or
    // comment) is always taken: a flood from elsewhere cannot lock the customer out.
    let from_source = history.iter().filter(|v| v.source == this_source).count();
    let over = from_source > MAX_EVENTS_PER_SOURCE || (history.len() > MAX_EVENTS && from_source > NEWCOMER_EVENTS);
    if signal != Signal::Form && over {
        return Err(DomainError::invalid("too_many_events", "this link has had enough visits"));
    }
    let verdict = evidence::judge(&history, rules);
    let Some(score) = verdict.score else {
        if signal == Signal::Form && invite.response.is_none() {
            return Err(DomainError::invalid("score_required", "choose a score first"));
        }
        writes.events.push(event);
        if invite.invitation.status == InvitationStatus::Pending {
            writes.status(invite.invitation.id, InvitationStatus::Opened);
        }
        return Ok(invite);
    };
    writes.events.push(event);
    let (saved, was_rolled) = match invite.response.take() {
        None => {
            writes.status(invite.invitation.id, InvitationStatus::Answered);
            let row = new_response(&invite, score, comment, &verdict, now);
            writes.inserted.push(row.clone());
            (row, None)
        }
        Some(row) => {
            let was = row.rolled_score;
            let comment = item.answer.comment.is_some().then_some(comment);
            let row = updated_response(row, score, comment, &verdict, now);
            writes.updated.push(row.clone());
            (row, was)
        }
    };
    // The rollups follow in the same transaction (the row already carries its new rolled
    // score): nothing to do for most events, which change no counted score.
    let dims = super::rollups::Dims {
        survey_id: invite.survey.id,
        touchpoint: invite.touchpoint.clone().unwrap_or_default(),
        channel: invite.channel.clone().unwrap_or_default(),
        segments: invite.invitation.segments.get().clone(),
    };
    writes.rollups.answer(&dims, saved.answered_at, Some(invite.invitation.send_at), was_rolled, saved.rolled_score);
    // Its subscribers (follow-ups, webhooks) hear of it from the same transaction.
    writes.told.extend(super::events::of_answer(&saved, was_rolled, saved.rolled_score, now));
    invite.response = Some(saved);
    Ok(invite)
}

/// What a round of events changes, written set-wise at its end.
#[derive(Default)]
struct Writes {
    events: Vec<AnswerEvent>,
    inserted: Vec<Response>,
    updated: Vec<Response>,
    /// Invitations by the status they move to.
    statuses: Vec<(InvitationStatus, Vec<i64>)>,
    rollups: super::rollups::Changes,
    told: Vec<super::events::Event>,
}

impl Writes {
    fn status(&mut self, invitation_id: i64, status: InvitationStatus) {
        match self.statuses.iter_mut().find(|(s, _)| *s == status) {
            Some((_, ids)) => ids.push(invitation_id),
            None => self.statuses.push((status, vec![invitation_id])),
        }
    }

    fn write(self, conn: &mut DbConn) -> Result<(), DomainError> {
        insert_evidence(conn, &self.events).map_err(db)?;
        insert_responses(conn, &self.inserted).map_err(db)?;
        update_responses(conn, &self.updated)?;
        for (status, ids) in &self.statuses {
            set_status(conn, *status, ids).map_err(db)?;
        }
        if !self.rollups.is_empty() {
            self.rollups.write(conn)?;
        }
        super::events::emit(conn, &self.told)
    }
}

kept_update!(
    /// Moves invitations to a status, one statement per status a round changes.
    fn set_status(invitations.status: diesel::sql_types::Text = InvitationStatus)
);

/// The score in range and the comment within bounds; a blank comment is no comment.
fn checked_comment(invite: &Invite, answer: &Answer) -> Result<Option<String>, DomainError> {
    if let Some(score) = answer.score {
        if !invite.scale().contains(score) {
            let (lo, hi) = invite.scale().range();
            return Err(DomainError::invalid("score_out_of_range", format!("score must be between {lo} and {hi}")));
        }
    }
    if let Some(c) = &answer.comment {
        super::validate::optional_text("comment_too_long", "a comment", c, MAX_COMMENT_CHARS)?;
    }
    Ok(answer.comment.clone().filter(|c| !c.trim().is_empty()))
}

/// Every event of these invitations, in order, as the rule sees them.
fn visits(conn: &mut DbConn, invitation_ids: &[i64]) -> Result<HashMap<i64, Vec<Visit>>, DomainError> {
    let mut out: HashMap<i64, Vec<Visit>> = HashMap::new();
    if invitation_ids.is_empty() {
        return Ok(out);
    }
    type Row = (i64, i64, Option<String>, Option<String>, Signal, Option<i32>, Option<i64>);
    let rows: Vec<Row> = on_backend!(conn, c => answer_events::table
        .filter(answer_events::invitation_id.eq_any(invitation_ids))
        .order((answer_events::invitation_id, answer_events::id))
        .select((
            answer_events::invitation_id,
            answer_events::created_at,
            answer_events::source,
            answer_events::user_agent,
            answer_events::kind,
            answer_events::score,
            answer_events::visible_ms,
        ))
        .load(c))
    .map_err(db)?;
    for (invitation_id, at, address, ua, kind, score, visible_ms) in rows {
        let visit = Visit { at, source: Sender::source(&address, &ua), kind, score, visible_ms };
        out.entry(invitation_id).or_default().push(visit);
    }
    Ok(out)
}

fn new_response(invite: &Invite, score: i32, comment: Option<String>, verdict: &Judgement, now: i64) -> Response {
    let mut row = Response {
        id: new_id(),
        invitation_id: Some(invite.invitation.id),
        survey_id: invite.survey.id,
        customer_id: invite.customer.id,
        score,
        comment,
        provenance: if verdict.by_form { Provenance::Form } else { Provenance::Link },
        state: verdict.state,
        state_reason: verdict.reason.clone(),
        counts_from: verdict.counts_from,
        answered_at: now,
        updated_at: now,
        rolled_score: None,
        touchpoint: invite.touchpoint.clone(),
        channel: invite.channel.clone(),
    };
    row.rolled_score = super::rollups::wanted_score(&row, now);
    row
}

/// The judged score and state; the comment only when this event carried one.
fn updated_response(
    mut row: Response,
    score: i32,
    comment: Option<Option<String>>,
    verdict: &Judgement,
    now: i64,
) -> Response {
    row.score = score;
    if let Some(c) = comment {
        row.comment = c;
    }
    row.provenance = if verdict.by_form { Provenance::Form } else { Provenance::Link };
    row.state = verdict.state;
    row.state_reason = verdict.reason.clone();
    row.counts_from = verdict.counts_from;
    row.updated_at = now;
    row.rolled_score = super::rollups::wanted_score(&row, now);
    row
}

/// Writes back judged answers (score, comment, state and what follows from them), all of a
/// round in one statement per [`UPDATE_CHUNK`] rows: `UPDATE … FROM (VALUES …)`, on both
/// backends. Diesel builds an UPDATE anew every time (it never keeps one prepared), so one
/// statement per row cost PostgreSQL a parse and a plan per answer: the second signal of every
/// click (the page's gesture) is such an update.
fn update_responses(conn: &mut DbConn, rows: &[Response]) -> Result<(), DomainError> {
    for chunk in rows.chunks(UPDATE_CHUNK) {
        let placeholder = |n: usize| match conn {
            DbConn::Sqlite(_) => "?".to_string(),
            DbConn::Pg(_) => format!("${n}"),
        };
        let values: Vec<String> = (0..chunk.len())
            .map(|r| {
                let row: Vec<String> = (1..=UPDATED_COLUMNS).map(|c| placeholder(r * UPDATED_COLUMNS + c)).collect();
                format!("({})", row.join(", "))
            })
            .collect();
        let sql = format!(
            "UPDATE responses SET score = v.column2, comment = v.column3, provenance = v.column4, state = v.column5, \
             state_reason = v.column6, counts_from = v.column7, updated_at = v.column8, rolled_score = v.column9 \
             FROM (VALUES {}) AS v WHERE responses.id = v.column1",
            values.join(", ")
        );
        on_backend!(conn, c => {
            use diesel::sql_types::{BigInt, Integer, Nullable, Text};
            let mut query = diesel::sql_query(&sql).into_boxed();
            for row in chunk {
                query = query
                    .bind::<BigInt, _>(row.id)
                    .bind::<Integer, _>(row.score)
                    .bind::<Nullable<Text>, _>(&row.comment)
                    .bind::<Text, _>(row.provenance)
                    .bind::<Text, _>(row.state)
                    .bind::<Text, _>(&row.state_reason)
                    .bind::<Nullable<BigInt>, _>(row.counts_from)
                    .bind::<BigInt, _>(row.updated_at)
                    .bind::<Nullable<Integer>, _>(row.rolled_score);
            }
            query.execute(c)
        })
        .map_err(db)?;
    }
    Ok(())
}

/// Answers written back per statement by [`update_responses`], and the values each takes.
const UPDATE_CHUNK: usize = 128;
const UPDATED_COLUMNS: usize = 9;

/// The events of some invitations, in order: the evidence shown with listed answers.
pub fn evidence_of(conn: &mut DbConn, invitation_ids: &[i64]) -> Result<Vec<AnswerEvent>, DomainError> {
    let mut out = Vec::new();
    for chunk in invitation_ids.chunks(900) {
        let rows: Vec<AnswerEvent> = answer_events::table
            .filter(answer_events::invitation_id.eq_any(chunk))
            .order(answer_events::id)
            .select(AnswerEvent::as_select())
            .load(conn)
            .map_err(db)?;
        out.extend(rows);
    }
    Ok(out)
}

/// On PostgreSQL, holds the invitations' rows until the transaction ends: a round reads each
/// answer and writes it back, and two signals at once (a gesture beside a form post) must not
/// undo each other. SQLite's single writer serialises them already. In id order, and without
/// waiting (`NOWAIT`): answers are committed in groups, and two instances' groups that each hold
/// one of two invitations and want the other's would deadlock (PostgreSQL finds that only after
/// `deadlock_timeout`, 1 s). A row another transaction holds fails at once instead, as a race
/// ([`crate::db::Contended`]): the group runs again one write at a time, and this batch is
/// retried after a short pause, when the other has committed.
/// Built with the query builder, not as SQL text: diesel keeps it as a prepared statement
/// (raw SQL it parses and plans again on every call).
fn lock_invitations(conn: &mut DbConn, sorted_ids: &[i64]) -> Result<(), DomainError> {
    if let DbConn::Pg(c) = conn {
        invitations::table
            .filter(invitations::id.eq_any(sorted_ids))
            .order(invitations::id)
            .select(invitations::id)
            .for_no_key_update()
            .no_wait()
            .load::<i64>(c)
            .map_err(db)?;
    }
    Ok(())
}

/// Marks unanswered (pending or opened) invitations whose answer window closed before `now` as
/// expired; returns how many. Run periodically (the server's expiry sweep) so the stored status
/// tells the truth. Each run reads only the windows that closed since the last run (less an
/// overlap), from the plain index on `expires_at`: the status is in no index, so that an
/// answer's status change stays on the row's page on PostgreSQL (see the migration
/// `invitation_status_in_place`). An invitation whose window had closed before it was written
/// is written expired ([`super::dispatch`]).
pub fn expire_due(conn: &mut DbConn, now: i64) -> Result<usize, DomainError> {
    use crate::db::schema::sweeps;
    let done_until: Option<i64> =
        sweeps::table.find(EXPIRY_SWEEP).select(sweeps::done_until).first(conn).optional().map_err(db)?;
    let from = done_until.map_or(i64::MIN, |d| d.saturating_sub(EXPIRY_OVERLAP_MS));
    // The status test is written as SQLite's partial index's WHERE, literally: with bound
    // parameters instead, SQLite could not prove the index applies and would scan the table.
    let expired = diesel::sql_query(format!(
        "UPDATE invitations SET status = 'expired' \
         WHERE (status = 'pending' OR status = 'opened') AND expires_at > {from} AND expires_at <= {now}"
    ))
    .execute(conn)
    .map_err(db)?;
    // Kept as the later of the two when two runs end at once (a run that started earlier must
    // not move it back).
    let later = match conn {
        DbConn::Sqlite(_) => "max",
        DbConn::Pg(_) => "GREATEST",
    };
    diesel::sql_query(format!(
        "INSERT INTO sweeps (name, done_until) VALUES ('{EXPIRY_SWEEP}', {now}) \
         ON CONFLICT (name) DO UPDATE SET done_until = {later}(sweeps.done_until, excluded.done_until)"
    ))
    .execute(conn)
    .map_err(db)?;
    Ok(expired)
}

const EXPIRY_SWEEP: &str = "invitation_expiry";
/// How far back of the last run's end the expiry sweep reads again (it runs every minute): an
/// invitation written by a transaction still open at that run, or on an instance whose clock is
/// a little behind, is still found.
const EXPIRY_OVERLAP_MS: i64 = 10 * 60_000;

/// Filters for listing responses.
#[derive(Debug, Clone, Default)]
pub struct ResponseFilter {
    pub survey: Option<String>,
    pub customer: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Only answers in this state at `now` (see [`super::evidence::effective_state`]).
    pub state: Option<AnswerState>,
    pub now: i64,
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
    /// Every event of its invitation, in order (none for imported answers).
    pub evidence: Vec<AnswerEvent>,
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
    match f.state {
        Some(AnswerState::Counted) => q = q.filter(responses::counts_from.le(f.now)),
        Some(AnswerState::Provisional) => {
            q = q.filter(responses::state.eq(AnswerState::Provisional)).filter(responses::counts_from.gt(f.now))
        }
        Some(other) => q = q.filter(responses::state.eq(other)),
        None => {}
    }
    if let Some((t, id)) = f.after {
        // The plain bound first, so the index range starts at the page boundary.
        q = q.filter(responses::answered_at.ge(t)).filter(responses::answered_at.gt(t).or(responses::id.gt(id)));
    }
    let rows: Vec<(Response, String, String)> =
        q.order((responses::answered_at.asc(), responses::id.asc())).limit(f.limit).load(conn).map_err(db)?;
    let invitations: Vec<i64> = rows.iter().filter_map(|(r, ..)| r.invitation_id).collect();
    // Grouped once, not searched once per listed answer.
    let mut by_invitation: std::collections::HashMap<i64, Vec<AnswerEvent>> = std::collections::HashMap::new();
    for e in evidence_of(conn, &invitations)? {
        by_invitation.entry(e.invitation_id).or_default().push(e);
    }
    Ok(rows
        .into_iter()
        .map(|(response, survey_slug, customer_external_id)| {
            let evidence = response.invitation_id.and_then(|inv| by_invitation.remove(&inv)).unwrap_or_default();
            ListedResponse { response, survey_slug, customer_external_id, evidence }
        })
        .collect())
}

/// What the analyst app's answer list shows, newest first.
#[derive(Debug, Clone, Default)]
pub struct BrowseFilter {
    pub survey_id: Option<i64>,
    pub touchpoint: Option<String>,
    pub channel: Option<String>,
    pub score: Option<i32>,
    /// Only answers in this state at `now`.
    pub state: Option<AnswerState>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Words that must occur in the comment (case-insensitive for ASCII letters).
    pub search: Option<String>,
    pub now: i64,
    /// Resume before this (answered_at, id): keyset pages, as cheap on page 1,000 as on page 1.
    pub before: Option<(i64, i64)>,
    pub limit: i64,
}

/// One answer with its customer, interaction and invitation.
#[derive(Debug, Clone)]
pub struct BrowsedAnswer {
    pub response: Response,
    pub survey_slug: String,
    pub customer_external_id: String,
    pub interaction_external_id: Option<String>,
    pub touchpoint: Option<String>,
    pub channel: Option<String>,
    pub invitation_sent_at: Option<i64>,
}

/// The words of a comment search as the full-text indexes know them: runs of letters and
/// digits, lower-cased (both indexes fold case), at most eight. None when nothing is left.
pub fn search_terms(search: &str) -> Option<Vec<String>> {
    let words: Vec<String> =
        search.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).take(8).collect();
    (!words.is_empty()).then_some(words)
}

/// The answers `f` selects, as a query on `responses` alone (every filter is a column of the
/// answer, so each can use an index that leads with it and ends in the list's order).
type Matching = responses::BoxedQuery<'static, <DbConn as diesel::Connection>::Backend>;

fn matching(f: &BrowseFilter, pg: bool, search: &Search) -> Matching {
    let mut q = responses::table.into_boxed();
    // A search that found a few thousand answers drives the query: their ids are looked up and
    // sorted. On SQLite the other conditions are then written so no index answers them (a
    // unary `+`), else the planner may walk a whole survey's answers checking each against the
    // list. PostgreSQL weighs the list by its statistics and needs no such hint.
    if !pg && matches!(search, Search::Ids(_)) {
        return pinned(f, search);
    }
    if let Some(id) = f.survey_id {
        q = q.filter(responses::survey_id.eq(id));
    }
    if let Some(t) = &f.touchpoint {
        q = q.filter(responses::touchpoint.eq(t.clone()));
    }
    if let Some(c) = &f.channel {
        q = q.filter(responses::channel.eq(c.clone()));
    }
    if let Some(s) = f.score {
        q = q.filter(responses::score.eq(s));
    }
    if let Some(t) = f.since {
        q = q.filter(responses::answered_at.ge(t));
    }
    if let Some(t) = f.until {
        q = q.filter(responses::answered_at.lt(t));
    }
    q = with_state(q, f);
    match search {
        Search::All => {}
        Search::Ids(ids) => q = q.filter(responses::id.eq_any(ids.clone())),
        // On SQLite a common word is read a month at a time instead (see `by_months`).
        Search::Many(words) => q = q.filter(full_text(words, f, pg)),
    }
    if let Some((t, id)) = f.before {
        // The bound on answered_at alone comes first so the index range starts at the page
        // boundary (with only the OR, SQLite reads the index from the newest answer every time).
        q = q.filter(responses::answered_at.le(t)).filter(responses::answered_at.lt(t).or(responses::id.lt(id)));
    }
    q
}

fn with_state(mut q: Matching, f: &BrowseFilter) -> Matching {
    match f.state {
        Some(AnswerState::Counted) => q = q.filter(responses::counts_from.le(f.now)),
        Some(AnswerState::Provisional) => {
            q = q.filter(responses::state.eq(AnswerState::Provisional)).filter(responses::counts_from.gt(f.now))
        }
        Some(other) => q = q.filter(responses::state.eq(other)),
        None => {}
    }
    q
}

/// [`matching`] for SQLite when a search's matches drive the query (at most [`SEARCH_IDS`]
/// found by id): every other condition with a unary `+`, which SQLite's planner does not answer
/// from an index, so it looks up the ids and sorts them instead of walking a whole survey.
fn pinned(f: &BrowseFilter, search: &Search) -> Matching {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Bool, Integer, Text};
    let mut q = responses::table.into_boxed();
    if let Search::Ids(ids) = search {
        q = q.filter(responses::id.eq_any(ids.clone()));
    }
    if let Some(id) = f.survey_id {
        q = q.filter(sql::<Bool>("+responses.survey_id = ").bind::<BigInt, _>(id));
    }
    if let Some(t) = &f.touchpoint {
        q = q.filter(sql::<Bool>("+responses.touchpoint = ").bind::<Text, _>(t.clone()));
    }
    if let Some(c) = &f.channel {
        q = q.filter(sql::<Bool>("+responses.channel = ").bind::<Text, _>(c.clone()));
    }
    if let Some(s) = f.score {
        q = q.filter(sql::<Bool>("+responses.score = ").bind::<Integer, _>(s));
    }
    if let Some(t) = f.since {
        q = q.filter(sql::<Bool>("+responses.answered_at >= ").bind::<BigInt, _>(t));
    }
    if let Some(t) = f.until {
        q = q.filter(sql::<Bool>("+responses.answered_at < ").bind::<BigInt, _>(t));
    }
    q = with_state(q, f);
    if let Some((t, id)) = f.before {
        q = q.filter(
            sql::<Bool>("(+responses.answered_at < ")
                .bind::<BigInt, _>(t)
                .sql(" OR (+responses.answered_at = ")
                .bind::<BigInt, _>(t)
                .sql(" AND responses.id < ")
                .bind::<BigInt, _>(id)
                .sql("))"),
        );
    }
    q
}

/// What a comment search leaves: every answer (no search), the ids of the few it matches, or
/// (when it matches more than [`SEARCH_IDS`]) the search itself as a condition.
enum Search {
    All,
    Ids(Vec<i64>),
    Many(Vec<String>),
}

/// A search matching at most this many answers is read as their ids, then only those answers
/// are filtered and sorted: a rare word costs as little as its matches, never a walk through
/// every answer looking for it.
const SEARCH_IDS: i64 = 20_000;
/// Answers of a search matching more than [`SEARCH_IDS`] are counted up to this many.
const SEARCH_COUNT_CAP: u64 = 1_000;

type Predicate =
    Box<dyn BoxableExpression<responses::table, <DbConn as Connection>::Backend, SqlType = diesel::sql_types::Bool>>;

/// Comments with every one of `words` as a word or a word's beginning ("pakket" finds
/// "pakketten"), through each backend's full-text index (SQLite FTS5, PostgreSQL's GIN on a
/// 'simple' tsvector); the words reach the SQL only as a bound value.
fn full_text(words: &[String], f: &BrowseFilter, pg: bool) -> Predicate {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    if pg {
        let query = words.iter().map(|w| format!("'{w}':*")).collect::<Vec<_>>().join(" & ");
        Box::new(
            sql::<Bool>(
                "responses.comment IS NOT NULL AND to_tsvector('simple', responses.comment) @@ to_tsquery('simple', ",
            )
            .bind::<Text, _>(query)
            .sql(")"),
        )
    } else {
        Box::new(
            sql::<Bool>("responses.id IN (SELECT rowid FROM responses_fts WHERE responses_fts MATCH ")
                .bind::<Text, _>(fts5_query(words, f))
                .sql(")"),
        )
    }
}

/// The words as an FTS5 query on the comment column: each quoted (so no word is read as an
/// operator), as a prefix; with the filter's survey, touchpoint, channel, score and state as the
/// index's tags (see migrations `search_tags` and `search_months`), so the index answers those
/// too. The state tag is the stored state: "counted" also takes provisional answers (those past
/// their quiet window count), and the caller checks the state at `now`.
fn fts5_query(words: &[String], f: &BrowseFilter) -> String {
    fts5_query_in(words, f, None)
}

/// [`fts5_query`] within one month (`yyyymm`) of answered_at.
fn fts5_query_in(words: &[String], f: &BrowseFilter, month: Option<i32>) -> String {
    let mut parts: Vec<String> = words.iter().map(|w| format!("comment : \"{w}\"*")).collect();
    match f.state {
        Some(AnswerState::Counted) => parts.push("(tags : zxcounted OR tags : zxprovisional)".into()),
        Some(state) => parts.push(format!("tags : zx{}", crate::types::TextEnum::as_str(state))),
        None => {}
    }
    if let Some(m) = month {
        parts.push(format!("tags : zm{m}"));
    }
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02X}")).collect::<String>();
    if let Some(id) = f.survey_id {
        parts.push(format!("tags : zs{id}"));
    }
    if let Some(s) = f.score {
        parts.push(format!("tags : zk{s}"));
    }
    if let Some(t) = &f.touchpoint {
        parts.push(format!("tags : zt{}", hex(t)));
    }
    if let Some(c) = &f.channel {
        parts.push(format!("tags : zc{}", hex(c)));
    }
    parts.join(" AND ")
}

/// How many answers the index holds for an FTS5 query, counted up to `limit`.
fn fts_count(conn: &mut DbConn, query: &str, limit: u64) -> Result<u64, DomainError> {
    #[derive(diesel::QueryableByName)]
    struct Total {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let total: Total = diesel::sql_query(
        "SELECT count(*) AS n FROM (SELECT rowid FROM responses_fts WHERE responses_fts MATCH ? LIMIT ?)",
    )
    .bind::<diesel::sql_types::Text, _>(query)
    .bind::<diesel::sql_types::BigInt, _>(limit as i64)
    .get_result(conn)
    .map_err(db)?;
    Ok(total.n.max(0) as u64)
}

/// The ids of the answers the index holds for an FTS5 query.
fn fts_ids(conn: &mut DbConn, query: &str) -> Result<Vec<i64>, DomainError> {
    #[derive(diesel::QueryableByName)]
    struct Hit {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rowid: i64,
    }
    let hits: Vec<Hit> = diesel::sql_query("SELECT rowid FROM responses_fts WHERE responses_fts MATCH ?")
        .bind::<diesel::sql_types::Text, _>(query)
        .load(conn)
        .map_err(db)?;
    Ok(hits.into_iter().map(|h| h.rowid).collect())
}

/// A common word on SQLite (more than [`SEARCH_IDS`] matches): the index is read a month of
/// answered_at at a time (its `zm` tags), newest first, and `take` picks from each month's
/// matches by id (sorted, at most what is still wanted); reading stops once `want` are found.
/// A page costs a month's matches or a few, never every match of the word. Months run from the
/// filter's end (or its page boundary, or the newest answer) back to its start (or the oldest
/// answer).
fn by_months<T>(
    conn: &mut DbConn,
    f: &BrowseFilter,
    words: &[String],
    want: usize,
    mut take: impl FnMut(&mut DbConn, Vec<i64>) -> Result<Vec<T>, DomainError>,
) -> Result<Vec<T>, DomainError> {
    use diesel::dsl::{max, min};
    // Two queries: SQLite answers a lone min() or max() from the index's end, but both in one
    // query by scanning it.
    let first: Option<i64> = responses::table.select(min(responses::answered_at)).first(conn).map_err(db)?;
    let last: Option<i64> = responses::table.select(max(responses::answered_at)).first(conn).map_err(db)?;
    let (Some(first), Some(last)) = (first, last) else { return Ok(Vec::new()) };
    let from = f.since.map_or(first, |s| s.max(first));
    let mut to = f.until.map_or(last, |u| (u - 1).min(last));
    if let Some((t, _)) = f.before {
        to = to.min(t);
    }
    let mut found = Vec::new();
    let mut month = month_of(to);
    while want > found.len() && month >= month_of(from) {
        let ids = fts_ids(conn, &fts5_query_in(words, f, Some(month)))?;
        if !ids.is_empty() {
            found.extend(take(conn, ids)?);
        }
        month = previous_month(month);
    }
    found.truncate(want);
    Ok(found)
}

/// `yyyymm` of a moment in ms, in UTC (as the index's `zm` tags).
fn month_of(ms: i64) -> i32 {
    use chrono::Datelike;
    let t = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
    t.year() * 100 + t.month() as i32
}

fn previous_month(m: i32) -> i32 {
    if m % 100 == 1 {
        (m / 100 - 1) * 100 + 12
    } else {
        m - 1
    }
}

fn search(conn: &mut DbConn, f: &BrowseFilter, search_ids: i64) -> Result<Search, DomainError> {
    let Some(words) = f.search.as_deref().and_then(search_terms) else { return Ok(Search::All) };
    let ids: Vec<i64> = match conn {
        DbConn::Pg(_) => responses::table
            .filter(full_text(&words, f, true))
            .select(responses::id)
            .limit(search_ids + 1)
            .load(conn)
            .map_err(db)?,
        // Straight from the index (its rowids are the answers' ids), not through the answers.
        DbConn::Sqlite(_) => {
            #[derive(diesel::QueryableByName)]
            struct Hit {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                rowid: i64,
            }
            let hits: Vec<Hit> =
                diesel::sql_query("SELECT rowid FROM responses_fts WHERE responses_fts MATCH ? LIMIT ?")
                    .bind::<diesel::sql_types::Text, _>(fts5_query(&words, f))
                    .bind::<diesel::sql_types::BigInt, _>(search_ids + 1)
                    .load(conn)
                    .map_err(db)?;
            hits.into_iter().map(|h| h.rowid).collect()
        }
    };
    Ok(if ids.len() as i64 <= search_ids { Search::Ids(ids) } else { Search::Many(words) })
}

/// How many answers match, counted up to `cap` (a count that would need to read millions of
/// rows says "more than `cap`" instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchCount {
    pub n: u64,
    pub more: bool,
}

/// A page of answers and how many match in all: the comment search runs once for both.
pub fn browse_counted(
    conn: &mut DbConn,
    f: &BrowseFilter,
    cap: u64,
) -> Result<(Vec<BrowsedAnswer>, MatchCount), DomainError> {
    browse_counted_with(conn, f, cap, SEARCH_IDS)
}

/// [`browse_counted`] with the number of matches up to which a search is read by id
/// (`search_ids`; above it, a common word's way is taken): tests take both ways on small data.
#[doc(hidden)]
pub fn browse_counted_with(
    conn: &mut DbConn,
    f: &BrowseFilter,
    cap: u64,
    search_ids: i64,
) -> Result<(Vec<BrowsedAnswer>, MatchCount), DomainError> {
    let found = search(conn, f, search_ids)?;
    let matches = count_found(conn, f, &found, cap)?;
    Ok((browse_found(conn, f, &found)?, matches))
}

fn count_found(conn: &mut DbConn, f: &BrowseFilter, found: &Search, cap: u64) -> Result<MatchCount, DomainError> {
    let pg = matches!(conn, DbConn::Pg(_));
    let no_page = BrowseFilter { before: None, ..f.clone() };
    if let (Search::Many(words), false) = (found, pg) {
        // The index's tags say everything but the time and a provisional answer's quiet window:
        // then it counts its matches by itself, up to the cap.
        let exact = f.since.is_none()
            && f.until.is_none()
            && !matches!(f.state, Some(AnswerState::Counted | AnswerState::Provisional));
        let n = if exact {
            fts_count(conn, &fts5_query(words, f), cap + 1)?
        } else {
            let cap = cap.min(SEARCH_COUNT_CAP);
            by_months(conn, &no_page, words, cap as usize + 1, |conn, ids| {
                let q = pinned(&no_page, &Search::Ids(ids));
                q.select(responses::id).load::<i64>(conn).map_err(db)
            })?
            .len() as u64
        };
        return Ok(MatchCount { n: n.min(cap), more: n > cap });
    }
    // A word in tens of thousands of comments with other filters is counted only so far: each
    // count step there is a check against the search's matches.
    let cap = if matches!(found, Search::Many(_)) { cap.min(SEARCH_COUNT_CAP) } else { cap };
    let ids: Vec<i64> =
        matching(&no_page, pg, found).select(responses::id).limit(cap as i64 + 1).load(conn).map_err(db)?;
    let n = ids.len() as u64;
    Ok(MatchCount { n: n.min(cap), more: n > cap })
}

/// Answers matching `f`, newest first: the page's answers first, then what they need from
/// their survey, customer, invitation and interaction.
pub fn browse(conn: &mut DbConn, f: &BrowseFilter) -> Result<Vec<BrowsedAnswer>, DomainError> {
    let found = search(conn, f, SEARCH_IDS)?;
    browse_found(conn, f, &found)
}

fn browse_found(conn: &mut DbConn, f: &BrowseFilter, found: &Search) -> Result<Vec<BrowsedAnswer>, DomainError> {
    let pg = matches!(conn, DbConn::Pg(_));
    let newest_first = (responses::answered_at.desc(), responses::id.desc());
    let page: Vec<Response> = match (found, pg) {
        (Search::Many(words), false) => by_months(conn, f, words, f.limit.max(0) as usize, |conn, ids| {
            let q = pinned(f, &Search::Ids(ids));
            q.select(Response::as_select()).order(newest_first).limit(f.limit).load(conn).map_err(db)
        })?,
        _ => matching(f, pg, found)
            .select(Response::as_select())
            .order(newest_first)
            .limit(f.limit)
            .load(conn)
            .map_err(db)?,
    };
    let ids: Vec<i64> = page.iter().map(|r| r.id).collect();
    type Extra = (i64, String, String, Option<String>, Option<i64>);
    let extra: Vec<Extra> = responses::table
        .inner_join(surveys::table)
        .inner_join(customers::table)
        .left_join(invitations::table.on(invitations::id.nullable().eq(responses::invitation_id)))
        .left_join(interactions::table.on(interactions::id.nullable().eq(invitations::interaction_id)))
        .filter(responses::id.eq_any(ids))
        .select((
            responses::id,
            surveys::slug,
            customers::external_id,
            interactions::external_id.nullable(),
            invitations::send_at.nullable(),
        ))
        .load(conn)
        .map_err(db)?;
    let extra: std::collections::HashMap<i64, Extra> = extra.into_iter().map(|e| (e.0, e)).collect();
    Ok(page
        .into_iter()
        .filter_map(|response| {
            let (_, survey_slug, customer_external_id, interaction, sent) = extra.get(&response.id)?.clone();
            Some(BrowsedAnswer {
                touchpoint: response.touchpoint.clone(),
                channel: response.channel.clone(),
                response,
                survey_slug,
                customer_external_id,
                interaction_external_id: interaction,
                invitation_sent_at: sent,
            })
        })
        .collect())
}
