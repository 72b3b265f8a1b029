use super::scale::Scale;
use super::{db, DomainError};
use crate::db::models::Survey;
use crate::db::schema::surveys;
use crate::db::{new_id, now_ms, DbConn};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// What a company says to define a survey. Unset fields take sensible defaults.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyInput {
    pub slug: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `grade10` (1–10), `ces7` (1–7, higher = easier), `nps11` (0–10) or `csat5` (1–5).
    #[schema(value_type = String, example = "grade10")]
    pub scale: Scale,
    pub question_nl: String,
    pub question_en: String,
    #[serde(default)]
    pub followup_nl: Option<String>,
    #[serde(default)]
    pub followup_en: Option<String>,
    /// Touchpoints whose interactions trigger this survey (e.g. "support", "delivery").
    #[serde(default)]
    pub touchpoints: Vec<String>,
    /// Minutes between the interaction and sending the invitation.
    #[serde(default = "default_delay")]
    pub delay_minutes: i64,
    /// Days an invitation stays answerable.
    #[serde(default = "default_expiry")]
    pub expiry_days: i64,
    /// Share of eligible interactions that get an invitation, 0–1.
    #[serde(default = "default_sample_rate")]
    pub sample_rate: f64,
    /// Ask a customer this survey at most once per this many days.
    #[serde(default = "default_survey_fatigue")]
    pub fatigue_survey_days: i64,
    /// Ask a customer any survey at most once per this many days.
    #[serde(default = "default_global_fatigue")]
    pub fatigue_global_days: i64,
}

fn default_delay() -> i64 {
    60
}
fn default_expiry() -> i64 {
    14
}
fn default_sample_rate() -> f64 {
    1.0
}
fn default_survey_fatigue() -> i64 {
    30
}
fn default_global_fatigue() -> i64 {
    7
}

impl SurveyInput {
    pub fn new(slug: &str, scale: Scale, question_nl: &str, question_en: &str) -> Self {
        SurveyInput {
            slug: slug.into(),
            name: None,
            scale,
            question_nl: question_nl.into(),
            question_en: question_en.into(),
            followup_nl: None,
            followup_en: None,
            touchpoints: vec![],
            delay_minutes: default_delay(),
            expiry_days: default_expiry(),
            sample_rate: default_sample_rate(),
            fatigue_survey_days: default_survey_fatigue(),
            fatigue_global_days: default_global_fatigue(),
        }
    }

    fn validate(&self) -> Result<(), DomainError> {
        let slug_ok = !self.slug.is_empty()
            && self.slug.len() <= 64
            && self.slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !slug_ok {
            return Err(DomainError::invalid("invalid_slug", "slug must be 1–64 characters of a–z, 0–9, '-' or '_'"));
        }
        if self.question_nl.trim().is_empty() || self.question_en.trim().is_empty() {
            return Err(DomainError::invalid("invalid_question", "question_nl and question_en are required"));
        }
        if !(0.0..=1.0).contains(&self.sample_rate) {
            return Err(DomainError::invalid("invalid_sample_rate", "sample_rate must be between 0 and 1"));
        }
        if self.delay_minutes < 0
            || self.expiry_days < 1
            || self.fatigue_survey_days < 0
            || self.fatigue_global_days < 0
        {
            return Err(DomainError::invalid(
                "invalid_timing",
                "delay_minutes and fatigue days must be ≥ 0 and expiry_days ≥ 1",
            ));
        }
        Ok(())
    }
}

pub fn create(conn: &mut DbConn, input: &SurveyInput) -> Result<Survey, DomainError> {
    input.validate()?;
    if find(conn, &input.slug)?.is_some() {
        return Err(DomainError::Conflict(format!("survey '{}'", input.slug)));
    }
    let survey = Survey {
        id: new_id(),
        slug: input.slug.clone(),
        name: input.name.clone().unwrap_or_else(|| input.slug.clone()),
        scale: input.scale.as_str().into(),
        question_nl: input.question_nl.clone(),
        question_en: input.question_en.clone(),
        followup_nl: input.followup_nl.clone().unwrap_or_else(|| "Wat is de belangrijkste reden voor uw score?".into()),
        followup_en: input.followup_en.clone().unwrap_or_else(|| "What is the main reason for your score?".into()),
        touchpoints: serde_json::to_string(&input.touchpoints).expect("strings serialize"),
        delay_minutes: input.delay_minutes,
        expiry_days: input.expiry_days,
        sample_rate: input.sample_rate,
        fatigue_survey_days: input.fatigue_survey_days,
        fatigue_global_days: input.fatigue_global_days,
        created_at: now_ms(),
    };
    diesel::insert_into(surveys::table).values(&survey).execute(conn).map_err(db)?;
    Ok(survey)
}

pub fn find(conn: &mut DbConn, slug: &str) -> Result<Option<Survey>, DomainError> {
    surveys::table.filter(surveys::slug.eq(slug)).select(Survey::as_select()).first(conn).optional().map_err(db)
}

pub fn get(conn: &mut DbConn, slug: &str) -> Result<Survey, DomainError> {
    find(conn, slug)?.ok_or_else(|| DomainError::NotFound(format!("survey '{slug}'")))
}

pub fn list(conn: &mut DbConn) -> Result<Vec<Survey>, DomainError> {
    surveys::table.order(surveys::slug).select(Survey::as_select()).load(conn).map_err(db)
}

impl Survey {
    pub fn scale(&self) -> Scale {
        self.scale.parse().unwrap_or(Scale::Grade10)
    }

    pub fn touchpoint_list(&self) -> Vec<String> {
        serde_json::from_str(&self.touchpoints).unwrap_or_default()
    }
}

/// The instance secret that derives invitation tokens; made on first use.
pub fn instance_secret(conn: &mut DbConn) -> Result<Vec<u8>, DomainError> {
    use crate::db::schema::instance_secrets as s;
    let found: Option<String> =
        s::table.filter(s::name.eq("invitation_token")).select(s::value).first(conn).optional().map_err(db)?;
    if let Some(v) = found {
        return Ok(v.into_bytes());
    }
    let value = super::token::random_secret();
    // Two instances may race here: whoever inserts first wins, the other reads it back.
    let _ = diesel::insert_into(s::table).values((s::name.eq("invitation_token"), s::value.eq(&value))).execute(conn);
    let v: String = s::table.filter(s::name.eq("invitation_token")).select(s::value).first(conn).map_err(db)?;
    Ok(v.into_bytes())
}
