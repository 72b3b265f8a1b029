//! Which interaction gets a survey: touchpoint match, consent, sampling and fatigue.
use super::customers::{self, CustomerInput};
use super::token::{invitation_token, sha256_hex};
use super::{db, rollups, validate, DomainError, DAY_MS};
use crate::db::models::{
    insert_interactions, insert_invitations, Attributes, Customer, Interaction, Invitation, Survey,
};
use crate::db::schema::{interactions, invitations};
use crate::db::{new_id, DbConn};
use crate::types::{Decision, InvitationStatus, Json, Scale};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const MAX_BATCH: usize = 1000;

/// One interaction reported by the company's systems.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionInput {
    /// The company's id for this interaction; a retry with the same id changes nothing.
    #[schema(min_length = 1, max_length = 200, pattern = r"^[^\u0000]*[^\u0000 \t\n\r][^\u0000]*$")]
    pub id: String,
    pub customer: CustomerInput,
    /// What happened, e.g. "support", "delivery", "invoice", "onboarding".
    #[schema(min_length = 1, max_length = 64, pattern = r"^[^\u0000]*[^\u0000 \t\n\r][^\u0000]*$")]
    pub touchpoint: String,
    /// How it happened, e.g. "phone", "email", "chat".
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64, pattern = r"^[^\u0000]*[^\u0000 \t\n\r][^\u0000]*$")]
    pub channel: Option<String>,
    /// When it happened; defaults to now. Between 2000-01-01 and a day after the server's
    /// clock (`ACHT_TIME_AHEAD_HOURS`), else 422 `invalid_occurred_at`: the pattern says the
    /// years 2000 to 2099, the bound relative to the server's clock no schema can say.
    #[serde(default)]
    #[schema(pattern = r"^20[0-9]{2}-")]
    pub occurred_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// The company's own fields, e.g. `{"first_contact_resolution": true}`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<Attributes>,
}

/// A past invitation, as far as fatigue rules care.
#[derive(Debug, Clone, Copy)]
pub struct PastInvitation {
    pub survey_id: i64,
    pub send_at: i64,
}

/// The pure rule: given the surveys, the customer, their recent invitations and the moment
/// of sending, decide. Returns the decision, the survey it concerns and a human detail.
pub fn decide<'a>(
    surveys: &'a [Survey],
    customer: &Customer,
    touchpoint: &str,
    history: &[PastInvitation],
    occurred_at: i64,
    sample_draw: f64,
) -> (Decision, Option<&'a Survey>, String) {
    let matching: Vec<&Survey> = surveys.iter().filter(|s| s.is_triggered_by(touchpoint)).collect();
    let Some(first) = matching.first().copied() else {
        return (Decision::NoMatchingSurvey, None, format!("no survey is triggered by touchpoint '{touchpoint}'"));
    };
    if customer.erased_at.is_some() {
        return (Decision::Erased, Some(first), "customer data was erased".into());
    }
    if customer.unsubscribed_at.is_some() {
        let why = customer.unsubscribe_reason.as_deref().unwrap_or("reason not recorded");
        return (Decision::Unsubscribed, Some(first), format!("customer unsubscribed: {why}"));
    }
    if customer.email.is_none() {
        return (Decision::NoEmail, Some(first), "customer has no email address".into());
    }
    let mut throttled_detail = None;
    for survey in matching {
        let send_at = occurred_at + survey.delay_minutes * 60_000;
        let global_cut = send_at - survey.fatigue_global_days * DAY_MS;
        let survey_cut = send_at - survey.fatigue_survey_days * DAY_MS;
        if history.iter().any(|p| p.send_at > global_cut) {
            throttled_detail.get_or_insert((
                survey,
                format!("asked within the last {} days (any survey)", survey.fatigue_global_days),
            ));
            continue;
        }
        if history.iter().any(|p| p.survey_id == survey.id && p.send_at > survey_cut) {
            throttled_detail.get_or_insert((
                survey,
                format!("asked '{}' within the last {} days", survey.slug, survey.fatigue_survey_days),
            ));
            continue;
        }
        if sample_draw >= survey.sample_rate {
            return (
                Decision::SampledOut,
                Some(survey),
                format!("not in the {:.0}% sample", survey.sample_rate * 100.0),
            );
        }
        return (Decision::Invited, Some(survey), format!("invited to '{}'", survey.slug));
    }
    let (survey, detail) = throttled_detail.expect("matching surveys were all throttled");
    (Decision::Throttled, Some(survey), detail)
}

impl InteractionInput {
    /// The same rules as the OpenAPI schema.
    pub fn validate(&self) -> Result<(), DomainError> {
        self.customer.validate()?;
        validate::required_text("invalid_interaction", "interaction id", &self.id, 200)?;
        validate::required_text("invalid_interaction", "touchpoint", &self.touchpoint, 64)?;
        if let Some(c) = &self.channel {
            validate::required_text("invalid_interaction", "channel", c, 64)?;
        }
        Ok(())
    }
}

/// A deterministic draw in [0, 1) from the interaction id, so sampling is reproducible.
pub fn sample_draw(interaction_external_id: &str) -> f64 {
    let h = sha256_hex(interaction_external_id);
    let n = u64::from_str_radix(&h[..13], 16).expect("hex");
    n as f64 / (1u64 << 52) as f64
}

impl Outcome {
    /// The invitation's plain token, derived again from the secret (it is never stored).
    /// Done outside the write transaction, by whoever shows the links.
    pub fn token(&self, secret: &[u8]) -> Option<String> {
        self.invitation.as_ref().map(|inv| invitation_token(secret, inv.id))
    }
}

/// What a reported interaction came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub interaction: Interaction,
    pub customer_external_id: String,
    /// Slug and scale of the survey the customer was invited to.
    pub survey: Option<(String, Scale)>,
    pub invitation: Option<Invitation>,
    /// True when this call created the interaction, false on a retry.
    pub created: bool,
}

/// A batch checked, with all the work done that needs no database: ids, sampling draws, the
/// would-be invitations' token hashes. Prepared before the write, so the one writer thread of
/// SQLite spends its time on the database only.
pub struct PreparedBatch {
    items: Vec<Prepared>,
    now: i64,
}

struct Prepared {
    input: InteractionInput,
    occurred_at: i64,
    sample_draw: f64,
    attributes: Json<Attributes>,
    interaction_id: i64,
    invitation_id: i64,
    token_hash: String,
}

/// Checks a batch and prepares it for [`report`]; an `occurred_at` may lie up to `ahead_ms`
/// after `now`.
pub fn prepare(
    batch: Vec<InteractionInput>,
    secret: &[u8],
    now: i64,
    ahead_ms: i64,
) -> Result<PreparedBatch, DomainError> {
    if batch.is_empty() {
        return Err(DomainError::invalid("batch_empty", "send at least one interaction"));
    }
    if batch.len() > MAX_BATCH {
        return Err(DomainError::invalid("batch_too_large", format!("at most {MAX_BATCH} interactions per request")));
    }
    for i in &batch {
        i.validate()?;
        if let Some(t) = i.occurred_at {
            let ms = t.timestamp_millis();
            super::validate::moment("invalid_occurred_at", "occurred_at", ms, now, ahead_ms)?;
        }
    }
    let items = batch
        .into_iter()
        .map(|input| {
            let invitation_id = new_id();
            Prepared {
                occurred_at: input.occurred_at.map_or(now, |t| t.timestamp_millis()),
                sample_draw: sample_draw(&input.id),
                attributes: Json::new(input.attributes.clone().unwrap_or_default()),
                interaction_id: new_id(),
                invitation_id,
                token_hash: sha256_hex(&invitation_token(secret, invitation_id)),
                input,
            }
        })
        .collect();
    Ok(PreparedBatch { items, now })
}

/// The batch's customers, inserted or updated on their own, ahead of [`report`] in a short
/// transaction of its own (PostgreSQL). Two batches that name the same new customer wait for
/// each other at its insert until the first commits: with the customers committed first, that
/// wait is this short transaction, not the other batch's whole one (interactions, invitations,
/// mail). `report` then finds them known and unchanged and writes no customer row, unless one
/// changed meanwhile. Measured with benches/bench.sh's shared-pool workload (customers then
/// inserted 128 rows a statement): the insert took 40 ms per 128 rows, nearly all of it
/// waiting, before this.
pub fn upsert_customers(conn: &mut DbConn, batch: &PreparedBatch) -> Result<(), DomainError> {
    let inputs: Vec<&CustomerInput> = batch.items.iter().map(|i| &i.input.customer).collect();
    customers::upsert_many(conn, &inputs, batch.now).map(|_| ())
}

/// Records a prepared batch of interactions and the decision for each, idempotently on their
/// ids. A few queries per batch, not per interaction.
pub fn report(conn: &mut DbConn, batch: &PreparedBatch) -> Result<Vec<Outcome>, DomainError> {
    let now = batch.now;
    let surveys = super::surveys::list(conn)?;
    let existing = load_existing(conn, &batch.items)?;
    let inputs: Vec<&CustomerInput> = batch.items.iter().map(|i| &i.input.customer).collect();
    let customers = customers::upsert_many(conn, &inputs, now)?;
    let customer_ids: Vec<i64> = customers.values().map(|c| c.id).collect();
    let mut history = load_history(conn, &customer_ids, fatigue_window_start(&surveys, &batch.items, now))?;
    let invitation_by_interaction = load_invitations_for(conn, existing.values().map(|i| i.id).collect())?;

    // Rows to insert, and for each interaction where its outcome comes from.
    let mut new_interactions = Vec::new();
    let mut new_invitations = Vec::new();
    let mut slots = Vec::with_capacity(batch.items.len());
    let mut seen_in_batch: HashMap<&str, usize> = HashMap::new();
    let mut counted = rollups::Changes::default();
    for item in &batch.items {
        let input = &item.input;
        let customer = &customers[&input.customer.id];
        if let Some(found) = existing.get(&input.id) {
            let invitation = invitation_by_interaction.get(&found.id).cloned();
            slots.push(Slot::Known(Box::new(outcome_for(found.clone(), customer, &surveys, invitation, false))));
            continue;
        }
        if let Some(&first) = seen_in_batch.get(input.id.as_str()) {
            // The same id twice in one batch: answer like a retry of the first.
            slots.push(Slot::Repeat(first));
            continue;
        }
        let past = history.get(&customer.id).map(Vec::as_slice).unwrap_or(&[]);
        let (decision, survey, detail) =
            decide(&surveys, customer, &input.touchpoint, past, item.occurred_at, item.sample_draw);
        let invitation = match (decision, survey) {
            (Decision::Invited, Some(survey)) => {
                let dims = rollups::Dims::new(
                    survey.id,
                    Some(&input.touchpoint),
                    input.channel.as_deref(),
                    customer.attributes.get(),
                );
                let row = invitation_row(item, survey, customer.id, &dims.segments, now);
                counted.invited(&dims, row.send_at);
                // Later interactions of this batch see this invitation in the fatigue rules.
                history
                    .entry(customer.id)
                    .or_default()
                    .push(PastInvitation { survey_id: survey.id, send_at: row.send_at });
                new_invitations.push(row);
                Some(new_invitations.len() - 1)
            }
            _ => None,
        };
        seen_in_batch.insert(input.id.as_str(), slots.len());
        new_interactions.push(interaction_row(item, customer.id, decision, detail, now));
        slots.push(Slot::New { interaction: new_interactions.len() - 1, invitation, customer });
    }
    // In external-id order, as customers: two batches with the same new interactions wait on
    // each other in one order only (the loser's rerun then finds them recorded).
    let mut by_external_id = new_interactions.clone();
    by_external_id.sort_by(|a, b| a.external_id.cmp(&b.external_id));
    insert_interactions(conn, &by_external_id).map_err(db)?;
    insert_invitations(conn, &new_invitations).map_err(db)?;
    super::queue::enqueue_invitations(conn, &new_invitations, now)?;
    counted.write(conn)?;
    Ok(assemble(slots, new_interactions, new_invitations, &surveys))
}

/// How far back the fatigue rules of any survey look from the batch's earliest interaction.
fn fatigue_window_start(surveys: &[Survey], items: &[Prepared], now: i64) -> i64 {
    let days = surveys
        .iter()
        .map(|s| s.fatigue_global_days.max(s.fatigue_survey_days) + s.delay_minutes / 1440 + 1)
        .max()
        .unwrap_or(0);
    items.iter().map(|i| i.occurred_at).min().unwrap_or(now) - days * DAY_MS
}

fn interaction_row(item: &Prepared, customer_id: i64, decision: Decision, detail: String, now: i64) -> Interaction {
    Interaction {
        id: item.interaction_id,
        external_id: item.input.id.clone(),
        customer_id,
        touchpoint: item.input.touchpoint.clone(),
        channel: item.input.channel.clone(),
        occurred_at: item.occurred_at,
        attributes: item.attributes.clone(),
        decision,
        decision_detail: Some(detail),
        created_at: now,
    }
}

fn invitation_row(item: &Prepared, survey: &Survey, customer_id: i64, segments: &[String], now: i64) -> Invitation {
    let send_at = item.occurred_at + survey.delay_minutes * 60_000;
    let expires_at = send_at + survey.expiry_days * DAY_MS;
    // A reported interaction may be old enough that its invitation's window has closed: it is
    // expired from the start (the expiry sweep reads only windows that closed since its last run).
    let status = if expires_at <= now { InvitationStatus::Expired } else { InvitationStatus::Pending };
    Invitation {
        id: item.invitation_id,
        token_hash: item.token_hash.clone(),
        survey_id: survey.id,
        customer_id,
        interaction_id: Some(item.interaction_id),
        status,
        send_at,
        expires_at,
        created_at: now,
        segments: Json::new(segments.to_vec()),
    }
}

/// The outcomes in batch order; the inserted rows move into them instead of being cloned.
fn assemble(
    slots: Vec<Slot>,
    new_interactions: Vec<Interaction>,
    new_invitations: Vec<Invitation>,
    surveys: &[Survey],
) -> Vec<Outcome> {
    let mut new_interactions: Vec<Option<Interaction>> = new_interactions.into_iter().map(Some).collect();
    let mut new_invitations: Vec<Option<Invitation>> = new_invitations.into_iter().map(Some).collect();
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(slots.len());
    for slot in slots {
        let outcome = match slot {
            Slot::Known(outcome) => *outcome,
            Slot::Repeat(first) => Outcome { created: false, ..outcomes[first].clone() },
            Slot::New { interaction, invitation, customer } => {
                let interaction = new_interactions[interaction].take().expect("each row goes to one outcome");
                let invitation = invitation.and_then(|k| new_invitations[k].take());
                outcome_for(interaction, customer, surveys, invitation, true)
            }
        };
        outcomes.push(outcome);
    }
    outcomes
}

/// Where an interaction's outcome comes from, until the new rows are inserted.
enum Slot<'a> {
    Known(Box<Outcome>),
    Repeat(usize),
    New { interaction: usize, invitation: Option<usize>, customer: &'a Customer },
}

fn outcome_for(
    interaction: Interaction,
    customer: &Customer,
    surveys: &[Survey],
    invitation: Option<Invitation>,
    created: bool,
) -> Outcome {
    let survey = invitation
        .as_ref()
        .and_then(|inv| surveys.iter().find(|s| s.id == inv.survey_id))
        .map(|s| (s.slug.clone(), s.scale));
    Outcome { interaction, customer_external_id: customer.external_id.clone(), survey, invitation, created }
}

fn load_existing(conn: &mut DbConn, batch: &[Prepared]) -> Result<HashMap<String, Interaction>, DomainError> {
    let ids: Vec<&str> = batch.iter().map(|i| i.input.id.as_str()).collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(900) {
        let rows: Vec<Interaction> = interactions::table
            .filter(interactions::external_id.eq_any(chunk))
            .select(Interaction::as_select())
            .load(conn)
            .map_err(db)?;
        out.extend(rows.into_iter().map(|i| (i.external_id.clone(), i)));
    }
    Ok(out)
}

fn load_history(
    conn: &mut DbConn,
    customer_ids: &[i64],
    since: i64,
) -> Result<HashMap<i64, Vec<PastInvitation>>, DomainError> {
    let mut out: HashMap<i64, Vec<PastInvitation>> = HashMap::new();
    for chunk in customer_ids.chunks(900) {
        let rows: Vec<(i64, i64, i64)> = invitations::table
            .filter(invitations::customer_id.eq_any(chunk))
            .filter(invitations::send_at.gt(since))
            .select((invitations::customer_id, invitations::survey_id, invitations::send_at))
            .load(conn)
            .map_err(db)?;
        for (customer_id, survey_id, send_at) in rows {
            out.entry(customer_id).or_default().push(PastInvitation { survey_id, send_at });
        }
    }
    Ok(out)
}

fn load_invitations_for(conn: &mut DbConn, interaction_ids: Vec<i64>) -> Result<HashMap<i64, Invitation>, DomainError> {
    let mut out = HashMap::new();
    for chunk in interaction_ids.chunks(900) {
        let rows: Vec<Invitation> = invitations::table
            .filter(invitations::interaction_id.eq_any(chunk))
            .select(Invitation::as_select())
            .load(conn)
            .map_err(db)?;
        out.extend(rows.into_iter().filter_map(|i| i.interaction_id.map(|k| (k, i))));
    }
    Ok(out)
}
