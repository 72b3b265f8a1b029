//! Surveys, for admins: the list, a new survey and every setting of an existing one, with a
//! preview of the survey page and the invitation email in each language as customers will see
//! them (rendered by the same code that renders the real ones, from the form as it stands,
//! before anything is saved), and archiving.
use super::{render, Chrome, SignedIn};
use crate::domain::surveys::{self, SurveyInput, Touchpoint};
use crate::domain::DomainError;
use crate::i18n::Locale;
use crate::types::{Scale, SurveyText, TextEnum};
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The link a preview carries instead of a customer's: it opens the "unknown link" page.
const PREVIEW_TOKEN: &str = "preview";

struct Row {
    link: String,
    name: String,
    slug: String,
    scale: String,
    touchpoints: String,
    archived: bool,
}

#[derive(Template)]
#[template(path = "app/surveys.html")]
struct ListPage {
    c: Chrome,
    surveys: Vec<Row>,
}

/// `GET /app/surveys`.
pub async fn list(req: HttpRequest, state: web::Data<AppState>, signed: SignedIn) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    let l = signed.locale.clone();
    let all = state.db.read(surveys::list).await.map_err(|e| PageError::from_domain(e, l.clone()))?;
    let c = Chrome::new(&signed, "users", &req);
    let rows = all
        .into_iter()
        .map(|s| Row {
            link: format!("/app/surveys/{}", s.slug),
            scale: crate::view::metric_name(s.scale, &l),
            touchpoints: s.touchpoints.get().join(", "),
            archived: s.archived_at.is_some(),
            name: s.name,
            slug: s.slug,
        })
        .collect();
    Ok(render(ListPage { c, surveys: rows }))
}

/// The form's fields, as typed (kept as text, so a refused form comes back as it was).
#[derive(Deserialize, Default, Clone)]
pub struct Form {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    scale: String,
    #[serde(default)]
    question_nl: String,
    #[serde(default)]
    followup_nl: String,
    #[serde(default)]
    question_en: String,
    #[serde(default)]
    followup_en: String,
    #[serde(default)]
    touchpoints: String,
    #[serde(default)]
    delay_minutes: String,
    #[serde(default)]
    expiry_days: String,
    #[serde(default)]
    sample_percent: String,
    #[serde(default)]
    fatigue_survey_days: String,
    #[serde(default)]
    fatigue_global_days: String,
    #[serde(default)]
    followup_at_most: String,
}

impl Form {
    fn of(s: &SurveyInput) -> Form {
        let text = |tag: &str| s.texts.get(tag).cloned();
        let (nl, en) = (text("nl"), text("en"));
        Form {
            slug: s.slug.clone(),
            name: s.name.clone().unwrap_or_default(),
            scale: s.scale.as_str().into(),
            question_nl: nl.as_ref().map(|t| t.question.clone()).unwrap_or_default(),
            followup_nl: nl.and_then(|t| t.followup).unwrap_or_default(),
            question_en: en.as_ref().map(|t| t.question.clone()).unwrap_or_default(),
            followup_en: en.and_then(|t| t.followup).unwrap_or_default(),
            touchpoints: s.touchpoints.iter().map(|t| t.0.as_str()).collect::<Vec<_>>().join(", "),
            delay_minutes: s.delay_minutes.to_string(),
            expiry_days: s.expiry_days.to_string(),
            sample_percent: format!("{}", (s.sample_rate * 1000.0).round() / 10.0),
            fatigue_survey_days: s.fatigue_survey_days.to_string(),
            fatigue_global_days: s.fatigue_global_days.to_string(),
            followup_at_most: s.followup_at_most.map(|v| v.to_string()).unwrap_or_default(),
            ..Form::default()
        }
    }

    /// The survey the form describes, or what is wrong with it (checked as the API checks).
    fn input(&self) -> Result<SurveyInput, DomainError> {
        let whole = |field: &str, v: &str| -> Result<i64, DomainError> {
            v.trim()
                .parse::<i64>()
                .map_err(|_| DomainError::invalid("invalid_number", format!("{field}: a whole number")))
        };
        let scale = Scale::parse(&self.scale).map_err(|_| DomainError::invalid("invalid_scale", "choose a scale"))?;
        let mut texts = BTreeMap::new();
        for (tag, q, f) in [("nl", &self.question_nl, &self.followup_nl), ("en", &self.question_en, &self.followup_en)]
        {
            if !q.trim().is_empty() {
                let followup = Some(f.trim().to_string()).filter(|f| !f.is_empty());
                texts.insert(tag.to_string(), SurveyText { question: q.trim().to_string(), followup });
            }
        }
        let percent: f64 = self
            .sample_percent
            .trim()
            .replace(',', ".")
            .parse()
            .map_err(|_| DomainError::invalid("invalid_sample_rate", "sample: a percentage, 0–100"))?;
        let followup_at_most = match self.followup_at_most.trim() {
            "" => None,
            v => Some(
                i32::try_from(whole("follow-up score", v)?)
                    .map_err(|_| DomainError::invalid("invalid_followup_score", "followup_at_most must be -1–10"))?,
            ),
        };
        let input = SurveyInput {
            slug: self.slug.trim().to_string(),
            name: Some(self.name.trim().to_string()).filter(|n| !n.is_empty()),
            scale,
            texts: texts.into_iter().collect(),
            touchpoints: self
                .touchpoints
                .split(',')
                .map(|t| t.trim())
                .filter(|t| !t.is_empty())
                .map(|t| Touchpoint(t.to_string()))
                .collect(),
            delay_minutes: whole("delay", &self.delay_minutes)?,
            expiry_days: whole("expiry", &self.expiry_days)?,
            sample_rate: percent / 100.0,
            fatigue_survey_days: whole("fatigue", &self.fatigue_survey_days)?,
            fatigue_global_days: whole("fatigue", &self.fatigue_global_days)?,
            followup_at_most,
        };
        input.validate()?;
        Ok(input)
    }
}

#[derive(Template)]
#[template(path = "app/survey_form.html")]
struct FormPage {
    c: Chrome,
    f: Form,
    /// None: a new survey.
    existing: Option<Existing>,
    scales: Vec<(&'static str, String)>,
    error: Option<String>,
    saved: bool,
    action: String,
}

struct Existing {
    archived: bool,
}

fn scales(l: &Locale) -> Vec<(&'static str, String)> {
    Scale::ALL.iter().map(|s| (s.as_str(), crate::view::metric_name(*s, l))).collect()
}

fn form_page(
    req: &HttpRequest,
    signed: &SignedIn,
    f: Form,
    existing: Option<Existing>,
    error: Option<String>,
    saved: bool,
) -> HttpResponse {
    let c = Chrome::new(signed, "users", req);
    let action = if existing.is_some() { format!("/app/surveys/{}", f.slug) } else { "/app/surveys".into() };
    render(FormPage { scales: scales(&c.l), c, f, existing, error, saved, action })
}

/// `GET /app/surveys/new`: the form, with acht's defaults.
pub async fn new(req: HttpRequest, signed: SignedIn) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    let mut f = Form::of(&SurveyInput::new("", Scale::Grade10, "", ""));
    f.question_nl.clear();
    f.question_en.clear();
    Ok(form_page(&req, &signed, f, None, None, false))
}

#[derive(Deserialize)]
pub struct EditQuery {
    saved: Option<String>,
}

/// `GET /app/surveys/{slug}`.
pub async fn edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    slug: web::Path<String>,
    q: web::Query<EditQuery>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    let l = signed.locale.clone();
    let survey = state.db.read(move |c| surveys::get(c, &slug)).await.map_err(|e| PageError::from_domain(e, l))?;
    let existing = Existing { archived: survey.archived_at.is_some() };
    Ok(form_page(&req, &signed, Form::of(&SurveyInput::of(&survey)), Some(existing), None, q.saved.is_some()))
}

/// `POST /app/surveys`: create, or preview the unsaved survey.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    form: web::Form<Form>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    signed.check_csrf(&form.csrf)?;
    let f = form.into_inner();
    submitted(&req, &state, &signed, f, None).await
}

/// `POST /app/surveys/{slug}`: save, preview, archive or restore.
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    slug: web::Path<String>,
    form: web::Form<Form>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    signed.check_csrf(&form.csrf)?;
    let (slug, l, now) = (slug.into_inner(), signed.locale.clone(), state.now_ms());
    let mut f = form.into_inner();
    if matches!(f.action.as_str(), "archive" | "restore") {
        let archive = f.action == "archive";
        let s = slug.clone();
        state
            .db
            .write(move |c| surveys::set_archived(c, &s, archive, now))
            .await
            .map_err(|e| PageError::from_domain(e, l))?;
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("/app/surveys/{slug}?saved=1")))
            .finish());
    }
    let s = slug.clone();
    let survey = state.db.read(move |c| surveys::get(c, &s)).await.map_err(|e| PageError::from_domain(e, l))?;
    f.slug = slug; // a survey's slug stays
    submitted(&req, &state, &signed, f, Some(Existing { archived: survey.archived_at.is_some() })).await
}

/// A sent form: a preview (of the page or the email, in one language) or a save. A refused
/// save comes back with the form as typed and what is wrong.
async fn submitted(
    req: &HttpRequest,
    state: &AppState,
    signed: &SignedIn,
    f: Form,
    existing: Option<Existing>,
) -> Result<HttpResponse, PageError> {
    let input = match f.input() {
        Ok(input) => input,
        Err(e) => return Ok(form_page(req, signed, f, existing, Some(e.to_string()), false)),
    };
    if let Some(what) = f.action.strip_prefix("preview-") {
        return Ok(preview(state, &input, what));
    }
    let (now, is_new) = (state.now_ms(), existing.is_none());
    let (i, slug) = (input.clone(), input.slug.clone());
    let saved = state
        .db
        .write(move |c| if is_new { surveys::create(c, &i, now) } else { surveys::update(c, &i.slug, &i) })
        .await;
    match saved {
        Ok(_) => {
            Ok(HttpResponse::SeeOther().insert_header(("Location", format!("/app/surveys/{slug}?saved=1"))).finish())
        }
        Err(e @ (DomainError::Invalid { .. } | DomainError::Conflict(_))) => {
            Ok(form_page(req, signed, f, existing, Some(e.to_string()), false))
        }
        Err(e) => Err(PageError::from_domain(e, signed.locale.clone())),
    }
}

/// `page-nl`, `email-en`, …: the survey page or invitation email as rendered for customers.
fn preview(state: &AppState, input: &SurveyInput, what: &str) -> HttpResponse {
    let survey = input.draft(state.now_ms());
    let (part, lang) = what.split_once('-').unwrap_or((what, "nl"));
    match part {
        "email" => {
            let view =
                crate::mail::invitation::view_of(&state.branding.get(), &state.base_url, PREVIEW_TOKEN, &survey, lang);
            let body = crate::mail::invitation::html(&view).unwrap_or_default();
            // The email's own inline styles, and nothing else: no script, no form, its own origin.
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .insert_header((
                    "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; sandbox",
                ))
                .body(body)
        }
        _ => crate::web::survey::question_page(state, &survey, lang, PREVIEW_TOKEN),
    }
}
