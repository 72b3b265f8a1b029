//! Rows as stored. The domain hands some of them to callers (re-exported there); JSON views of
//! them live in the web layer.
use super::schema::*;
use crate::db::unnest_insert;
use crate::types::{
    AnswerState, CustomerEventKind, Decision, InvitationStatus, Json, Provenance, Scale, Signal, SurveyTexts,
};
use diesel::prelude::*;

/// A JSON object of the company's own fields (customer and interaction attributes).
pub type Attributes = serde_json::Map<String, serde_json::Value>;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = surveys, treat_none_as_default_value = false)]
pub struct Survey {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub scale: Scale,
    pub texts: Json<SurveyTexts>,
    pub touchpoints: Json<Vec<String>>,
    pub delay_minutes: i64,
    pub expiry_days: i64,
    pub sample_rate: f64,
    pub fatigue_survey_days: i64,
    pub fatigue_global_days: i64,
    pub created_at: i64,
    /// The score at or below which an answer opens a follow-up (None: the scale's default).
    pub followup_at_most: Option<i32>,
    /// When it was archived: it asks nobody any more.
    pub archived_at: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = customers, treat_none_as_default_value = false)]
pub struct Customer {
    pub id: i64,
    pub external_id: String,
    pub email: Option<String>,
    pub locale: String,
    pub attributes: Json<Attributes>,
    pub first_seen_at: i64,
    pub churned_at: Option<i64>,
    pub unsubscribed_at: Option<i64>,
    pub erased_at: Option<i64>,
    /// Why they unsubscribed (shown in the dispatch decisions), while they are.
    pub unsubscribe_reason: Option<String>,
    /// Until when they cannot leave (a contract), where the company says so.
    pub committed_until: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = interactions, treat_none_as_default_value = false)]
pub struct Interaction {
    pub id: i64,
    pub external_id: String,
    pub customer_id: i64,
    pub touchpoint: String,
    pub channel: Option<String>,
    pub occurred_at: i64,
    pub attributes: Json<Attributes>,
    pub decision: Decision,
    pub decision_detail: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = invitations, treat_none_as_default_value = false)]
pub struct Invitation {
    pub id: i64,
    /// A hash of the link's token: nothing about the customer, left out of exports.
    #[serde(skip)]
    pub token_hash: String,
    pub survey_id: i64,
    pub customer_id: i64,
    pub interaction_id: Option<i64>,
    pub status: InvitationStatus,
    pub send_at: i64,
    pub expires_at: i64,
    pub created_at: i64,
    /// The customer's rollup segments when invited (see `domain::rollups`).
    pub segments: Json<Vec<String>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = responses, treat_none_as_default_value = false)]
pub struct Response {
    pub id: i64,
    pub invitation_id: Option<i64>,
    pub survey_id: i64,
    pub customer_id: i64,
    pub score: i32,
    pub comment: Option<String>,
    pub provenance: Provenance,
    pub state: AnswerState,
    pub state_reason: String,
    pub counts_from: Option<i64>,
    pub answered_at: i64,
    pub updated_at: i64,
    /// The score this answer adds to the rollups now (None: none); see `domain::rollups`.
    pub rolled_score: Option<i32>,
    /// The touchpoint and channel of the interaction behind the answer (where it counts), kept
    /// on the answer so the answer list filters without a join.
    pub touchpoint: Option<String>,
    pub channel: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = answer_events, treat_none_as_default_value = false)]
pub struct AnswerEvent {
    pub id: i64,
    pub invitation_id: i64,
    pub kind: Signal,
    pub score: Option<i32>,
    pub source: Option<String>,
    pub user_agent: Option<String>,
    pub fetch_meta: Option<String>,
    pub accept_language: bool,
    pub since_sent_ms: i64,
    pub visible_ms: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = customer_events, treat_none_as_default_value = false)]
pub struct CustomerEvent {
    pub id: i64,
    pub customer_id: i64,
    pub kind: CustomerEventKind,
    pub occurred_at: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys, treat_none_as_default_value = false)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub key_hash: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

unnest_insert!(
    /// A batch's new interactions, in one statement on PostgreSQL.
    pub fn insert_interactions(Interaction => interactions {
    id: i64, external_id: String, customer_id: i64, touchpoint: String, channel: Option<String>, occurred_at: i64,
    attributes: Json<Attributes>, decision: Decision, decision_detail: Option<String>, created_at: i64,
}));

unnest_insert!(
    /// A batch's new invitations, in one statement on PostgreSQL.
    pub fn insert_invitations(Invitation => invitations {
    id: i64, token_hash: String, survey_id: i64, customer_id: i64, interaction_id: Option<i64>,
    status: InvitationStatus, send_at: i64, expires_at: i64, created_at: i64, segments: Json<Vec<String>>,
}));

unnest_insert!(
    /// A group of answers' evidence, in one statement on PostgreSQL.
    pub fn insert_evidence(AnswerEvent => answer_events {
    id: i64, invitation_id: i64, kind: Signal, score: Option<i32>, source: Option<String>,
    user_agent: Option<String>, fetch_meta: Option<String>, accept_language: bool, since_sent_ms: i64,
    visible_ms: Option<i64>, created_at: i64,
}));

unnest_insert!(
    /// A group of answers, in one statement on PostgreSQL.
    pub fn insert_responses(Response => responses {
    id: i64, invitation_id: Option<i64>, survey_id: i64, customer_id: i64, score: i32, comment: Option<String>,
    provenance: Provenance, state: AnswerState, state_reason: String, counts_from: Option<i64>, answered_at: i64,
    updated_at: i64, rolled_score: Option<i32>, touchpoint: Option<String>, channel: Option<String>,
}));
