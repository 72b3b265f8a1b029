//! Surveys: one question on one scale, in the company's own words per language, triggered by
//! touchpoints, with timing, sampling and fatigue rules.
use super::validate;
use super::{db, DomainError};
use crate::db::models::Survey;
use crate::db::schema::surveys;
use crate::db::{new_id, DbConn};
use crate::i18n::Locale;
use crate::types::{Json, Scale, SurveyText, SurveyTexts};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

pub const MAX_TOUCHPOINT_CHARS: usize = 64;

/// A survey's slug: 1–64 characters of a–z, 0–9, `-` and `_` (as the OpenAPI schema says).
pub fn is_slug(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// What a company says to define a survey. Unset fields take sensible defaults.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyInput {
    /// Lowercase letters, digits, `-` and `_`.
    #[schema(pattern = "^[a-z0-9_-]{1,64}$", min_length = 1, max_length = 64, example = "service")]
    pub slug: String,
    /// A name for people; defaults to the slug.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200, pattern = r"^[^\u0000]*[^\u0000 \t\n\r][^\u0000]*$")]
    pub name: Option<String>,
    pub scale: Scale,
    /// The question (and optionally the follow-up) per language of the message catalogue, e.g.
    /// `{"nl": {"question": "…"}, "en": {"question": "…"}}`. A customer sees their language,
    /// else acht's default language, else any.
    #[schema(schema_with = texts_schema)]
    pub texts: SurveyTexts,
    /// Touchpoints whose interactions trigger this survey (e.g. "support", "delivery").
    #[serde(default)]
    #[schema(max_items = 50)]
    pub touchpoints: Vec<Touchpoint>,
    /// Minutes between the interaction and sending the invitation.
    #[serde(default = "default_delay", deserialize_with = "crate::types::whole_number")]
    #[schema(minimum = 0, maximum = 525_600)]
    pub delay_minutes: i64,
    /// Days an invitation stays answerable.
    #[serde(default = "default_expiry", deserialize_with = "crate::types::whole_number")]
    #[schema(minimum = 1, maximum = 365)]
    pub expiry_days: i64,
    /// Share of eligible interactions that get an invitation, 0–1.
    #[serde(default = "default_sample_rate")]
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub sample_rate: f64,
    /// Ask a customer this survey at most once per this many days.
    #[serde(default = "default_survey_fatigue", deserialize_with = "crate::types::whole_number")]
    #[schema(minimum = 0, maximum = 3650)]
    pub fatigue_survey_days: i64,
    /// Ask a customer any survey at most once per this many days.
    #[serde(default = "default_global_fatigue", deserialize_with = "crate::types::whole_number")]
    #[schema(minimum = 0, maximum = 3650)]
    pub fatigue_global_days: i64,
    /// An answer at or below this score opens a follow-up (so does a drop of two points or more
    /// since the customer's previous answer). Unset: 6 of 10 (grade, NPS), 3 of 7 (CES), 2 of 5
    /// (CSAT); -1: only drops.
    #[serde(default, deserialize_with = "crate::types::whole_number_opt")]
    #[schema(minimum = -1, maximum = 10)]
    pub followup_at_most: Option<i32>,
}

/// A touchpoint name, 1–64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Touchpoint(pub String);

impl utoipa::PartialSchema for Touchpoint {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_TOUCHPOINT_CHARS))
            .pattern(Some(r"^[^\u0000]*[^\u0000 \t\n\r][^\u0000]*$"))
            .into()
    }
}
impl utoipa::ToSchema for Touchpoint {}

/// The `texts` object: one optional property per catalogue language, at least one given.
fn texts_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Ref};
    let mut b =
        ObjectBuilder::new().min_properties(Some(1)).additional_properties(Some(AdditionalProperties::FreeForm(false)));
    for l in Locale::all() {
        b = b.property(l.tag(), Ref::from_schema_name("SurveyText"));
    }
    b.build()
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
    /// A survey with the default rules and the question in Dutch and English.
    pub fn new(slug: &str, scale: Scale, question_nl: &str, question_en: &str) -> Self {
        let text = |q: &str| SurveyText { question: q.into(), followup: None };
        SurveyInput {
            slug: slug.into(),
            name: None,
            scale,
            texts: [("nl".to_string(), text(question_nl)), ("en".to_string(), text(question_en))].into(),
            touchpoints: vec![],
            delay_minutes: default_delay(),
            expiry_days: default_expiry(),
            sample_rate: default_sample_rate(),
            fatigue_survey_days: default_survey_fatigue(),
            fatigue_global_days: default_global_fatigue(),
            followup_at_most: None,
        }
    }

    /// The same rules as the OpenAPI schema above, so a request valid by the schema is accepted.
    pub fn validate(&self) -> Result<(), DomainError> {
        if !is_slug(&self.slug) {
            return Err(DomainError::invalid("invalid_slug", "slug must be 1–64 characters of a–z, 0–9, '-' or '_'"));
        }
        if let Some(name) = &self.name {
            validate::required_text("invalid_name", "name", name, 200)?;
        }
        if self.texts.is_empty() {
            return Err(DomainError::invalid("invalid_question", "texts needs the question in at least one language"));
        }
        for (tag, text) in &self.texts {
            // Exactly as the schema names them (lowercase), so `text_for` finds them.
            if !Locale::all().iter().any(|l| l.tag() == tag) {
                let known: Vec<&str> = Locale::all().iter().map(Locale::tag).collect();
                return Err(DomainError::invalid(
                    "unsupported_locale",
                    format!("'{tag}' is not a language acht speaks ({})", known.join(", ")),
                ));
            }
            validate::required_text("invalid_question", "question", &text.question, 500)?;
            if let Some(f) = &text.followup {
                validate::required_text("invalid_question", "followup", f, 500)?;
            }
        }
        if self.touchpoints.len() > 50 {
            return Err(DomainError::invalid("invalid_touchpoint", "at most 50 touchpoints"));
        }
        for t in &self.touchpoints {
            validate::required_text("invalid_touchpoint", "touchpoint", &t.0, MAX_TOUCHPOINT_CHARS)?;
        }
        if !(0.0..=1.0).contains(&self.sample_rate) {
            return Err(DomainError::invalid("invalid_sample_rate", "sample_rate must be between 0 and 1"));
        }
        let timing_ok = (0..=525_600).contains(&self.delay_minutes)
            && (1..=365).contains(&self.expiry_days)
            && (0..=3650).contains(&self.fatigue_survey_days)
            && (0..=3650).contains(&self.fatigue_global_days);
        if self.followup_at_most.is_some_and(|s| !(-1..=10).contains(&s)) {
            return Err(DomainError::invalid("invalid_followup_score", "followup_at_most must be -1–10"));
        }
        if !timing_ok {
            return Err(DomainError::invalid(
                "invalid_timing",
                "delay_minutes must be 0–525600, expiry_days 1–365 and fatigue days 0–3650",
            ));
        }
        Ok(())
    }
}

pub fn create(conn: &mut DbConn, input: &SurveyInput, now: i64) -> Result<Survey, DomainError> {
    input.validate()?;
    if find(conn, &input.slug)?.is_some() {
        return Err(DomainError::Conflict(format!("survey '{}'", input.slug)));
    }
    let survey = Survey { id: new_id(), ..input.draft(now) };
    diesel::insert_into(surveys::table).values(&survey).execute(conn).map_err(db)?;
    Ok(survey)
}

/// Changes a survey's settings and words. Its slug stays (links and the API name it by it); its
/// scale changes only while nobody has answered it (answers are scores on that scale).
pub fn update(conn: &mut DbConn, slug: &str, input: &SurveyInput) -> Result<Survey, DomainError> {
    input.validate()?;
    let survey = get(conn, slug)?;
    if input.slug != survey.slug {
        return Err(DomainError::invalid("invalid_slug", "a survey's slug cannot change"));
    }
    if input.scale != survey.scale {
        use crate::db::schema::responses;
        let answered: bool =
            diesel::select(diesel::dsl::exists(responses::table.filter(responses::survey_id.eq(survey.id))))
                .get_result(conn)
                .map_err(db)?;
        if answered {
            return Err(DomainError::invalid("scale_in_use", "the scale cannot change once the survey has answers"));
        }
    }
    // Its id, creation time and archive state stay; everything the form says is taken.
    let survey =
        Survey { id: survey.id, created_at: survey.created_at, archived_at: survey.archived_at, ..input.draft(0) };
    diesel::update(surveys::table.find(survey.id))
        .set((
            surveys::name.eq(&survey.name),
            surveys::scale.eq(survey.scale),
            surveys::texts.eq(&survey.texts),
            surveys::touchpoints.eq(&survey.touchpoints),
            surveys::delay_minutes.eq(survey.delay_minutes),
            surveys::expiry_days.eq(survey.expiry_days),
            surveys::sample_rate.eq(survey.sample_rate),
            surveys::fatigue_survey_days.eq(survey.fatigue_survey_days),
            surveys::fatigue_global_days.eq(survey.fatigue_global_days),
            surveys::followup_at_most.eq(survey.followup_at_most),
        ))
        .execute(conn)
        .map_err(db)?;
    Ok(survey)
}

/// Archives a survey (it asks nobody any more; what it gathered stays), or brings it back.
pub fn set_archived(conn: &mut DbConn, slug: &str, archived: bool, now: i64) -> Result<Survey, DomainError> {
    let survey = get(conn, slug)?;
    diesel::update(surveys::table.find(survey.id))
        .set(surveys::archived_at.eq(archived.then_some(now)))
        .execute(conn)
        .map_err(db)?;
    get(conn, slug)
}

impl SurveyInput {
    /// The input that would make `s` as it is (the edit form starts from it).
    pub fn of(s: &Survey) -> SurveyInput {
        SurveyInput {
            slug: s.slug.clone(),
            name: Some(s.name.clone()),
            scale: s.scale,
            texts: s.texts.get().clone(),
            touchpoints: s.touchpoints.get().iter().map(|t| Touchpoint(t.clone())).collect(),
            delay_minutes: s.delay_minutes,
            expiry_days: s.expiry_days,
            sample_rate: s.sample_rate,
            fatigue_survey_days: s.fatigue_survey_days,
            fatigue_global_days: s.fatigue_global_days,
            followup_at_most: s.followup_at_most,
        }
    }

    /// The survey this input makes (id 0 until it is saved; a preview shows it unsaved).
    pub fn draft(&self, now: i64) -> Survey {
        Survey {
            id: 0,
            slug: self.slug.clone(),
            name: self.name.clone().unwrap_or_else(|| self.slug.clone()),
            scale: self.scale,
            texts: Json::new(self.texts.clone()),
            touchpoints: Json::new({
                let mut t: Vec<String> = self.touchpoints.iter().map(|t| t.0.clone()).collect();
                t.dedup();
                t
            }),
            delay_minutes: self.delay_minutes,
            expiry_days: self.expiry_days,
            sample_rate: self.sample_rate,
            fatigue_survey_days: self.fatigue_survey_days,
            fatigue_global_days: self.fatigue_global_days,
            created_at: now,
            followup_at_most: self.followup_at_most,
            archived_at: None,
        }
    }
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

/// A survey's words as one customer sees them.
#[derive(Debug, Clone)]
pub struct ShownText {
    /// The language of the page: the catalogue's words match the question's language.
    pub locale: Locale,
    pub question: String,
    pub followup: String,
}

impl Survey {
    /// The score at or below which an answer opens a follow-up: the survey's own, else the
    /// scale's customary line (detractors on 0–10, the lower half of effort and satisfaction).
    pub fn followup_threshold(&self) -> i32 {
        self.followup_at_most.unwrap_or(match self.scale {
            Scale::Grade10 | Scale::Nps11 => 6,
            Scale::Ces7 => 3,
            Scale::Csat5 => 2,
        })
    }

    pub fn is_triggered_by(&self, touchpoint: &str) -> bool {
        self.archived_at.is_none() && self.touchpoints.get().iter().any(|t| t == touchpoint)
    }

    /// The question in the customer's language, else acht's default language, else any the
    /// survey has; the page speaks the language of the question shown.
    pub fn text_for(&self, customer_locale: &str) -> ShownText {
        let texts = self.texts.get();
        let wanted = Locale::negotiate(customer_locale);
        let (tag, text) = texts
            .get_key_value(wanted.tag())
            .or_else(|| texts.get_key_value(crate::i18n::DEFAULT_TAG))
            .or_else(|| texts.iter().next())
            .expect("a survey has at least one language");
        let locale = Locale::negotiate(tag);
        let followup = text.followup.clone().unwrap_or_else(|| locale.t_static("survey-followup-default").to_string());
        ShownText { locale, question: text.question.clone(), followup }
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
    // Two instances may race here: whoever inserts first wins, the other reads it back. ON
    // CONFLICT, not an ignored error: on PostgreSQL a failed statement aborts the transaction.
    // The value is our own hex, so it is safe to write into the statement.
    debug_assert!(value.bytes().all(|b| b.is_ascii_hexdigit()));
    diesel::sql_query(format!(
        "INSERT INTO instance_secrets (name, value) VALUES ('invitation_token', '{value}') ON CONFLICT (name) DO NOTHING"
    ))
    .execute(conn)
    .map_err(db)?;
    let v: String = s::table.filter(s::name.eq("invitation_token")).select(s::value).first(conn).map_err(db)?;
    Ok(v.into_bytes())
}
