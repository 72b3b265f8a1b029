//! JSON views: what the API returns, kept apart from database rows.
use crate::domain::answers::ListedResponse;
use crate::domain::dispatch::Outcome;
use crate::domain::AnswerEvent;
use crate::domain::{Customer, Survey};
use crate::types::{AnswerState, Decision, Provenance, Scale, Signal, SurveyTexts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

pub fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyView {
    pub slug: String,
    pub name: String,
    pub scale: Scale,
    /// The question and follow-up per language.
    #[schema(value_type = Object)]
    pub texts: SurveyTexts,
    pub touchpoints: Vec<String>,
    pub delay_minutes: i64,
    pub expiry_days: i64,
    pub sample_rate: f64,
    pub fatigue_survey_days: i64,
    pub fatigue_global_days: i64,
    /// The score at or below which an answer opens a follow-up (null: the scale's default).
    pub followup_at_most: Option<i32>,
    /// An archived survey asks nobody any more (archived in the app).
    pub archived: bool,
}

impl From<&Survey> for SurveyView {
    fn from(s: &Survey) -> Self {
        SurveyView {
            slug: s.slug.clone(),
            name: s.name.clone(),
            scale: s.scale,
            texts: s.texts.get().clone(),
            touchpoints: s.touchpoints.get().clone(),
            delay_minutes: s.delay_minutes,
            expiry_days: s.expiry_days,
            sample_rate: s.sample_rate,
            fatigue_survey_days: s.fatigue_survey_days,
            fatigue_global_days: s.fatigue_global_days,
            followup_at_most: s.followup_at_most,
            archived: s.archived_at.is_some(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreLink {
    pub score: i32,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    pub survey: String,
    /// The page with the question and one button per score.
    pub survey_url: String,
    /// One link per score, for buttons in the company's own messages.
    pub score_urls: Vec<ScoreLink>,
    pub send_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InteractionOutcome {
    pub id: String,
    pub customer_id: String,
    pub decision: Decision,
    /// Why, in words.
    pub reason: String,
    /// False when this interaction id had been reported before.
    pub created: bool,
    pub invitation: Option<InvitationView>,
}

impl InteractionOutcome {
    pub fn new(o: &Outcome, base_url: &str, secret: &[u8]) -> Self {
        let invitation = match (&o.invitation, &o.survey, o.token(secret)) {
            (Some(inv), Some((slug, scale)), Some(token)) => {
                let survey_url = format!("{base_url}/s/{token}");
                Some(InvitationView {
                    survey: slug.clone(),
                    score_urls: scale
                        .scores()
                        .map(|score| ScoreLink { score, url: format!("{survey_url}/{score}") })
                        .collect(),
                    survey_url,
                    send_at: time(inv.send_at),
                    expires_at: time(inv.expires_at),
                })
            }
            _ => None,
        };
        InteractionOutcome {
            id: o.interaction.external_id.clone(),
            customer_id: o.customer_external_id.clone(),
            decision: o.interaction.decision,
            reason: o.interaction.decision_detail.clone().unwrap_or_default(),
            created: o.created,
            invitation,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchOutcome {
    pub results: Vec<InteractionOutcome>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    pub id: String,
    pub email: Option<String>,
    pub locale: String,
    #[schema(value_type = Object)]
    pub attributes: serde_json::Value,
    pub first_seen_at: DateTime<Utc>,
    pub churned_at: Option<DateTime<Utc>>,
    /// Until when the customer cannot leave (a contract), as the company reported it.
    pub committed_until: Option<DateTime<Utc>>,
    /// Since when the customer gets no survey emails.
    pub unsubscribed_at: Option<DateTime<Utc>>,
    /// When the customer's personal data was erased.
    pub erased_at: Option<DateTime<Utc>>,
}

impl From<&Customer> for CustomerView {
    fn from(c: &Customer) -> Self {
        CustomerView {
            id: c.external_id.clone(),
            email: c.email.clone(),
            locale: c.locale.clone(),
            attributes: serde_json::Value::Object(c.attributes.get().clone()),
            first_seen_at: time(c.first_seen_at),
            churned_at: c.churned_at.map(time),
            committed_until: c.committed_until.map(time),
            unsubscribed_at: c.unsubscribed_at.map(time),
            erased_at: c.erased_at.map(time),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseView {
    pub survey: String,
    pub customer_id: String,
    pub score: i32,
    pub comment: Option<String>,
    /// What carried the score.
    pub provenance: Provenance,
    /// Whether it counts now: `counted` answers are the figures; `provisional` ones count when
    /// `counts_from` passes without contradiction; `unverified` and `scanner` never count.
    pub state: AnswerState,
    /// Why, in words.
    pub state_reason: String,
    /// From when it counts (counted and provisional answers).
    pub counts_from: Option<DateTime<Utc>>,
    /// Every visit and page signal of its invitation, oldest first.
    pub evidence: Vec<EvidenceView>,
    pub answered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One visit or page signal, with what the request told about its sender.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceView {
    pub at: DateTime<Utc>,
    pub kind: Signal,
    pub score: Option<i32>,
    /// Milliseconds since the invitation was (to be) sent.
    pub since_sent_ms: i64,
    /// The sender's address.
    pub source: Option<String>,
    pub user_agent: Option<String>,
    /// `Sec-Fetch-*` headers as sent.
    pub fetch_meta: Option<String>,
    pub accept_language: bool,
    /// For `dwell` and `hidden`: how long the page had been in view.
    pub visible_ms: Option<i64>,
}

impl ResponseView {
    pub fn new(r: &ListedResponse, now: i64) -> Self {
        ResponseView {
            survey: r.survey_slug.clone(),
            customer_id: r.customer_external_id.clone(),
            score: r.response.score,
            comment: r.response.comment.clone(),
            provenance: r.response.provenance,
            state: crate::domain::evidence::effective_state(&r.response, now),
            state_reason: r.response.state_reason.clone(),
            counts_from: r.response.counts_from.map(time),
            evidence: r.evidence.iter().map(EvidenceView::from).collect(),
            answered_at: time(r.response.answered_at),
            updated_at: time(r.response.updated_at),
        }
    }
}

impl From<&AnswerEvent> for EvidenceView {
    fn from(e: &AnswerEvent) -> Self {
        EvidenceView {
            at: time(e.created_at),
            kind: e.kind,
            score: e.score,
            since_sent_ms: e.since_sent_ms,
            source: e.source.clone(),
            user_agent: e.user_agent.clone(),
            fetch_meta: e.fetch_meta.clone(),
            accept_language: e.accept_language,
            visible_ms: e.visible_ms,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResponsePage {
    pub data: Vec<ResponseView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
