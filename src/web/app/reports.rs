//! Report subscriptions, for admins: who gets which report when, a new one, a change, pausing
//! and resuming, and sending one now (queued for the next beat of the job queue).
use super::{render, Chrome, SignedIn};
use crate::domain::reports::{self, NewSubscription, Subscription};
use crate::domain::{surveys, DomainError};
use crate::types::{Frequency, TextEnum};
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

struct Row {
    id: i64,
    email: String,
    frequency: &'static str,
    at: String,
    time_zone: String,
    survey: String,
    locale: String,
    paused: bool,
    /// Its recipient stopped it: only they can start it again.
    ended: bool,
}

#[derive(Template)]
#[template(path = "app/reports.html")]
struct ReportsPage {
    c: Chrome,
    rows: Vec<Row>,
    surveys: Vec<(String, String)>,
    frequencies: Vec<&'static str>,
    /// The row being changed, if any (its form is open).
    editing: Option<i64>,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    edit: Option<i64>,
    done: Option<String>,
}

fn hh_mm(minute: i32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

async fn show(
    req: &HttpRequest,
    state: &AppState,
    signed: &SignedIn,
    editing: Option<i64>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<HttpResponse, PageError> {
    let l = signed.locale.clone();
    let (subs, all) = state
        .db
        .read(|c| Ok::<_, DomainError>((reports::list(c)?, surveys::list(c)?)))
        .await
        .map_err(|e| PageError::from_domain(e, l))?;
    let rows = subs
        .into_iter()
        .map(|(s, slug): (Subscription, Option<String>)| Row {
            id: s.id,
            email: s.email,
            frequency: s.frequency.as_str(),
            at: hh_mm(s.send_minute),
            time_zone: s.time_zone,
            survey: slug.unwrap_or_default(),
            locale: s.locale,
            paused: s.paused_at.is_some(),
            ended: s.disabled_at.is_some(),
        })
        .collect();
    Ok(render(ReportsPage {
        c: Chrome::new(signed, "users", req),
        rows,
        surveys: all.into_iter().map(|s| (s.slug, s.name)).collect(),
        frequencies: Frequency::ALL.iter().map(|f| f.as_str()).collect(),
        editing,
        error,
        notice,
    }))
}

/// `GET /app/reports`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    let notice = q.done.as_deref().map(|d| signed.locale.t(&format!("reports-done-{d}")));
    show(&req, &state, &signed, q.edit, None, notice).await
}

#[derive(Deserialize)]
pub struct Form {
    csrf: String,
    /// `add`, `change`, `pause`, `resume` or `send`.
    action: String,
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    frequency: String,
    #[serde(default)]
    at: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    survey: String,
    #[serde(default)]
    locale: String,
}

impl Form {
    fn input(&self) -> Result<NewSubscription, DomainError> {
        let frequency = Frequency::parse(&self.frequency)
            .map_err(|_| DomainError::invalid("invalid_frequency", "choose daily, weekly or monthly"))?;
        Ok(NewSubscription {
            email: self.email.clone(),
            frequency,
            at: self.at.clone(),
            time_zone: Some(self.time_zone.trim().to_string()).filter(|t| !t.is_empty()),
            survey: Some(self.survey.clone()).filter(|s| !s.is_empty()),
            locale: Some(self.locale.clone()).filter(|s| !s.is_empty()),
        })
    }
}

/// `POST /app/reports`: one change, then back to the list (a refused one shows why).
pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    form: web::Form<Form>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    signed.check_csrf(&form.csrf)?;
    let f = form.into_inner();
    let now = state.now_ms();
    let id = f.id;
    let outcome: Result<&str, DomainError> = match (f.action.as_str(), id) {
        ("add", _) => match f.input() {
            Ok(input) => state.db.write(move |c| reports::subscribe(c, &input, now)).await.map(|_| "added"),
            Err(e) => Err(e),
        },
        ("change", Some(id)) => match f.input() {
            Ok(input) => state.db.write(move |c| reports::update(c, id, &input)).await.map(|_| "changed"),
            Err(e) => Err(e),
        },
        ("pause" | "resume", Some(id)) => {
            let pause = f.action == "pause";
            let done = if pause { "paused" } else { "resumed" };
            state.db.write(move |c| reports::set_paused(c, id, pause, now)).await.map(|_| done)
        }
        ("send", Some(id)) => state.db.write(move |c| reports::send_now(c, id, now)).await.map(|_| "sent"),
        _ => return Err(PageError::bad_form(signed.locale.clone())),
    };
    match outcome {
        Ok(done) => {
            Ok(HttpResponse::SeeOther().insert_header(("Location", format!("/app/reports?done={done}"))).finish())
        }
        Err(e @ (DomainError::Invalid { .. } | DomainError::NotFound(_))) => {
            let editing = if f.action == "change" { id } else { None };
            show(&req, &state, &signed, editing, Some(e.to_string()), None).await
        }
        Err(e) => Err(PageError::from_domain(e, signed.locale.clone())),
    }
}
