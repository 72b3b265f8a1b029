//! Webhooks, for admins: the endpoints (a new one's secret shown once), each endpoint's
//! delivery log with every attempt's result, sending a delivery again, and switching an
//! endpoint off and on.
use super::{render_private, Chrome, SignedIn};
use crate::domain::webhooks::{self, LoggedDelivery};
use crate::domain::DomainError;
use crate::types::{EventKind, TextEnum};
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// Deliveries shown per endpoint, newest first.
const SHOWN: i64 = 200;

struct Row {
    link: String,
    url: String,
    description: String,
    kinds: Vec<String>,
    created: String,
    off: bool,
}

#[derive(Template)]
#[template(path = "app/webhooks.html")]
struct ListPage {
    c: Chrome,
    endpoints: Vec<Row>,
    kinds: Vec<(&'static str, String)>,
    /// An endpoint just made, with its secret: the secret's only showing.
    made: Option<(String, String)>,
}

fn kind_names(c: &Chrome) -> Vec<(&'static str, String)> {
    webhooks::KINDS.iter().map(|k| (k.as_str(), c.t(&format!("webhook-kind-{}", k.as_str())))).collect()
}

async fn show_list(
    req: &HttpRequest,
    state: &AppState,
    signed: &SignedIn,
    made: Option<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (l, tz) = (signed.locale.clone(), signed.user.tz());
    let all = state.db.read(webhooks::list).await.map_err(|e| PageError::from_domain(e, l.clone()))?;
    let c = Chrome::new(signed, "users", req);
    let endpoints = all
        .into_iter()
        .map(|e| Row {
            link: format!("/app/webhooks/{}", e.id),
            kinds: e.kinds.get().iter().map(|k| c.t(&format!("webhook-kind-{}", k.as_str()))).collect(),
            created: crate::view::datetime(e.created_at, &l, tz),
            off: e.disabled_at.is_some(),
            description: e.description,
            url: e.url,
        })
        .collect();
    Ok(render_private(ListPage { kinds: kind_names(&c), c, endpoints, made }))
}

/// `GET /app/webhooks`.
pub async fn list(req: HttpRequest, state: web::Data<AppState>, signed: SignedIn) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    show_list(&req, &state, &signed, None).await
}

struct NewEndpoint {
    csrf: String,
    url: String,
    description: String,
    /// Every checked kind.
    kind: Vec<String>,
}

/// `POST /app/webhooks`: a new endpoint; the page that answers shows its secret once.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    pairs: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    let l = signed.locale.clone();
    let form = repeated_form(pairs.into_inner());
    signed.check_csrf(&form.csrf)?;
    let kinds: Vec<EventKind> = form.kind.iter().filter_map(|k| EventKind::parse(k).ok()).collect();
    let now = state.now_ms();
    let (url, description) = (form.url.clone(), form.description.clone());
    let made = state
        .db
        .write(move |c| webhooks::create(c, &url, &kinds, &description, now))
        .await
        .map_err(|e| PageError::from_domain(e, l))?;
    show_list(&req, &state, &signed, Some((made.url, made.secret))).await
}

/// The form's fields; `kind` repeats, once per checked box (so a struct cannot take it).
fn repeated_form(pairs: Vec<(String, String)>) -> NewEndpoint {
    let mut form = NewEndpoint { csrf: String::new(), url: String::new(), description: String::new(), kind: vec![] };
    for (k, v) in pairs {
        match k.as_str() {
            "csrf" => form.csrf = v,
            "url" => form.url = v,
            "description" => form.description = v,
            "kind" => form.kind.push(v),
            _ => {}
        }
    }
    form
}

struct DeliveryRow {
    id: i64,
    kind: String,
    event: String,
    state: &'static str,
    attempts: i32,
    code: Option<i32>,
    detail: String,
    when: String,
    failed: bool,
}

#[derive(Template)]
#[template(path = "app/webhook.html")]
struct EndpointPage {
    c: Chrome,
    link: String,
    url: String,
    description: String,
    kinds: Vec<String>,
    off: bool,
    deliveries: Vec<DeliveryRow>,
    replayed: bool,
}

#[derive(Deserialize)]
pub struct EndpointQuery {
    replayed: Option<String>,
}

fn parse_id(id: &str, signed: &SignedIn) -> Result<i64, PageError> {
    id.parse().map_err(|_| PageError::not_found(signed.locale.clone()))
}

/// `GET /app/webhooks/{id}`: the endpoint and its delivery log.
pub async fn endpoint(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    id: web::Path<String>,
    q: web::Query<EndpointQuery>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    let id = parse_id(&id, &signed)?;
    let (l, tz) = (signed.locale.clone(), signed.user.tz());
    let (e, log) = state
        .db
        .read(move |c| Ok::<_, DomainError>((webhooks::get(c, id)?, webhooks::deliveries(c, id, SHOWN)?)))
        .await
        .map_err(|e| PageError::from_domain(e, l.clone()))?;
    let c = Chrome::new(&signed, "users", &req);
    let row = |d: LoggedDelivery| DeliveryRow {
        id: d.id,
        kind: c.t(&format!("webhook-kind-{}", d.kind.as_str())),
        event: format!("evt_{}", d.event_id),
        state: d.state.as_str(),
        attempts: d.attempts,
        code: d.last_code,
        detail: d.detail.unwrap_or_default(),
        when: crate::view::datetime(d.updated_at, &l, tz),
        failed: matches!(d.state, crate::types::JobState::Failed | crate::types::JobState::Queued) && d.attempts > 0,
    };
    let deliveries = log.into_iter().map(row).collect();
    let page = EndpointPage {
        link: format!("/app/webhooks/{id}"),
        kinds: e.kinds.get().iter().map(|k| c.t(&format!("webhook-kind-{}", k.as_str()))).collect(),
        off: e.disabled_at.is_some(),
        url: e.url,
        description: e.description,
        deliveries,
        replayed: q.replayed.is_some(),
        c,
    };
    Ok(render_private(page))
}

#[derive(Deserialize)]
pub struct EndpointAction {
    csrf: String,
    /// `replay` (with `delivery`), `off` or `on`.
    action: String,
    #[serde(default)]
    delivery: Option<i64>,
}

/// `POST /app/webhooks/{id}`: send a delivery again, or switch the endpoint off or on.
pub async fn act(
    state: web::Data<AppState>,
    signed: SignedIn,
    id: web::Path<String>,
    form: web::Form<EndpointAction>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    signed.check_csrf(&form.csrf)?;
    let id = parse_id(&id, &signed)?;
    let (l, now) = (signed.locale.clone(), state.now_ms());
    let form = form.into_inner();
    let after = match (form.action.as_str(), form.delivery) {
        ("replay", Some(delivery)) => {
            let queued = state
                .db
                .write(move |c| webhooks::replay(c, id, delivery, now))
                .await
                .map_err(|e| PageError::from_domain(e, l))?;
            // A delivery being sent right now is left to finish.
            if queued {
                "?replayed=1"
            } else {
                ""
            }
        }
        ("off" | "on", _) => {
            let off = form.action == "off";
            state
                .db
                .write(move |c| webhooks::set_disabled(c, id, off, now))
                .await
                .map_err(|e| PageError::from_domain(e, l))?;
            ""
        }
        _ => return Err(PageError::bad_form(l)),
    };
    Ok(HttpResponse::SeeOther().insert_header(("Location", format!("/app/webhooks/{id}{after}"))).finish())
}
