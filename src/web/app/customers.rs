//! One customer as acht knows them: who they are, every interaction with what acht decided and
//! why, every invitation and answer, the churn and unsubscribe events. Admins also download
//! everything held about the customer (their right of access) and erase it.
use super::{customer_link, render, Chrome, SignedIn};
use crate::domain::privacy::{self, CustomerExport};
use crate::domain::{customers, followups, surveys};
use crate::types::TextEnum;
use crate::view;
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
pub struct FindQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "app/customer_find.html")]
struct FindPage {
    c: Chrome,
    typed: String,
    missing: bool,
}

/// `GET /app/customers?q=`: a customer by id or address; the page itself when one is found.
pub async fn find(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    q: web::Query<FindQuery>,
) -> Result<HttpResponse, PageError> {
    let typed = q.into_inner().q.unwrap_or_default().chars().take(200).collect::<String>();
    let l = signed.locale.clone();
    let looked = typed.clone();
    let found = state.db.read(move |c| customers::find(c, &looked)).await.map_err(|e| PageError::from_domain(e, l))?;
    if let Some(id) = found {
        return Ok(HttpResponse::SeeOther().insert_header(("Location", customer_link(&id))).finish());
    }
    let missing = !typed.trim().is_empty();
    Ok(render(FindPage { c: Chrome::new(&signed, "customers", &req), typed, missing }))
}

struct Event {
    at: String,
    kind: &'static str,
}

struct Contact {
    at: String,
    touchpoint: String,
    channel: String,
    decision: &'static str,
    detail: String,
    /// The invitation's status, when one was sent.
    invitation: Option<&'static str>,
}

struct Answered {
    at: String,
    survey: String,
    score: i32,
    out_of: i32,
    state: &'static str,
    reason: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "app/customer.html")]
struct CustomerPage {
    c: Chrome,
    id: String,
    link: String,
    email: String,
    locale: String,
    first_seen: String,
    churned: Option<String>,
    committed_until: Option<String>,
    unsubscribed: Option<String>,
    erased: Option<String>,
    attributes: Vec<(String, String)>,
    events: Vec<Event>,
    contacts: Vec<Contact>,
    answers: Vec<Answered>,
    followups: Vec<FollowupShown>,
    just_erased: bool,
}

/// A follow-up on the customer's page, with its whole history (who did what, when).
struct FollowupShown {
    link: String,
    survey: String,
    score: i32,
    open: bool,
    outcome: Option<&'static str>,
    opened: String,
    steps: Vec<super::followups::Step>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    erased: Option<String>,
}

/// `GET /app/customers/{id}`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    id: web::Path<String>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let (l, tz) = (signed.locale.clone(), signed.user.tz());
    let (id, now) = (id.into_inner(), state.now_ms());
    let (export, surveys, history) = state
        .db
        .read(move |c| {
            let export = privacy::held(c, &id, now)?;
            let ids: Vec<i64> = export.followups.iter().map(|f| f.id).collect();
            Ok::<_, crate::domain::DomainError>((export, surveys::list(c)?, followups::history(c, &ids)?))
        })
        .await
        .map_err(|e| PageError::from_domain(e, l.clone()))?;
    let time = |ms: i64| view::datetime(ms, &l, tz);
    let by_survey: HashMap<i64, (String, i32)> =
        surveys.iter().map(|s| (s.id, (s.slug.clone(), s.scale.range().1))).collect();
    let invitation_of: HashMap<i64, &'static str> =
        export.invitations.iter().filter_map(|i| i.interaction_id.map(|x| (x, i.status.as_str()))).collect();
    let CustomerExport { customer, events, interactions, answers, .. } = &export;
    let page = CustomerPage {
        c: Chrome::new(&signed, "customers", &req),
        link: customer_link(&customer.external_id),
        id: customer.external_id.clone(),
        email: customer.email.clone().unwrap_or_default(),
        locale: customer.locale.clone(),
        first_seen: time(customer.first_seen_at),
        churned: customer.churned_at.map(time),
        committed_until: customer.committed_until.map(time),
        unsubscribed: customer.unsubscribed_at.map(time),
        erased: customer.erased_at.map(time),
        attributes: customer.attributes.get().iter().map(|(k, v)| (k.clone(), plain(v))).collect(),
        events: events.iter().rev().map(|e| Event { at: time(e.occurred_at), kind: e.kind.as_str() }).collect(),
        contacts: interactions
            .iter()
            .rev()
            .map(|i| Contact {
                at: time(i.occurred_at),
                touchpoint: i.touchpoint.clone(),
                channel: i.channel.clone().unwrap_or_default(),
                decision: i.decision.as_str(),
                detail: i.decision_detail.clone().unwrap_or_default(),
                invitation: invitation_of.get(&i.id).copied(),
            })
            .collect(),
        answers: answers
            .iter()
            .rev()
            .map(|a| {
                let (survey, out_of) = by_survey.get(&a.survey_id).cloned().unwrap_or_default();
                Answered {
                    at: time(a.answered_at),
                    survey,
                    score: a.score,
                    out_of,
                    state: crate::domain::evidence::effective_state(a, now).as_str(),
                    reason: a.state_reason.clone(),
                    comment: a.comment.clone().unwrap_or_default(),
                }
            })
            .collect(),
        followups: export
            .followups
            .iter()
            .map(|f| FollowupShown {
                link: format!("/app/followups/{}", f.id),
                survey: by_survey.get(&f.survey_id).map(|s| s.0.clone()).unwrap_or_default(),
                score: f.score,
                open: f.state == crate::types::FollowupState::Open,
                outcome: f.outcome.map(|o| o.as_str()),
                opened: time(f.opened_at),
                steps: history
                    .iter()
                    .filter(|(e, _)| e.followup_id == f.id)
                    .map(|s| super::followups::Step::new(s, &l, tz))
                    .collect(),
            })
            .collect(),
        just_erased: q.erased.is_some(),
    };
    Ok(render(page))
}

/// Who acted, for the audit log.
fn actor(signed: &SignedIn) -> String {
    format!("user {}", signed.user.email)
}

/// An attribute's value as text: a string as it is, anything else as JSON.
fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `GET /app/customers/{id}/export` (admins): everything held about the customer, as JSON.
pub async fn export(
    state: web::Data<AppState>,
    signed: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    let (l, id, now, actor) = (signed.locale.clone(), id.into_inner(), state.now_ms(), actor(&signed));
    let file =
        format!("customer-{}.json", id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>());
    let export = state
        .db
        .write(move |c| privacy::export(c, &id, &actor, now))
        .await
        .map_err(|e| PageError::from_domain(e, l))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{file}\"")))
        .json(export))
}

#[derive(Deserialize)]
pub struct EraseForm {
    csrf: String,
    /// The customer's id typed again: erasure cannot be undone.
    confirm: String,
}

/// `POST /app/customers/{id}/erase` (admins), after the customer's id was typed again.
pub async fn erase(
    state: web::Data<AppState>,
    signed: SignedIn,
    id: web::Path<String>,
    form: web::Form<EraseForm>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    signed.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    if form.confirm.trim() != id {
        return Err(PageError::bad_form(signed.locale.clone()));
    }
    let (l, now, erased, actor) = (signed.locale.clone(), state.now_ms(), id.clone(), actor(&signed));
    state
        .db
        .write(move |c| customers::erase(c, &erased, &actor, now))
        .await
        .map_err(|e| PageError::from_domain(e, l))?;
    Ok(HttpResponse::SeeOther().insert_header(("Location", format!("{}?erased=1", customer_link(&id)))).finish())
}
