//! API keys, for admins: the list, a new key (shown once, on the page that made it, never
//! again), and revoking one.
use super::{render_private, Chrome, SignedIn};
use crate::domain::apikeys;
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

struct Row {
    id: i64,
    name: String,
    created: String,
    revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "app/keys.html")]
struct KeysPage {
    c: Chrome,
    keys: Vec<Row>,
    /// A key just made: its only showing.
    made: Option<(String, String)>,
    revoked: bool,
}

#[derive(Deserialize)]
pub struct KeysQuery {
    revoked: Option<String>,
}

async fn show(
    req: &HttpRequest,
    state: &AppState,
    signed: &SignedIn,
    made: Option<(String, String)>,
    revoked: bool,
) -> Result<HttpResponse, PageError> {
    let (l, tz) = (signed.locale.clone(), signed.user.tz());
    let keys = state.db.read(apikeys::list).await.map_err(|e| PageError::from_domain(e, l.clone()))?;
    let keys = keys
        .into_iter()
        .rev()
        .map(|k| Row {
            id: k.id,
            created: crate::view::datetime(k.created_at, &l, tz),
            revoked: k.revoked_at.map(|t| crate::view::datetime(t, &l, tz)),
            name: k.name,
        })
        .collect();
    Ok(render_private(KeysPage { c: Chrome::new(signed, "users", req), keys, made, revoked }))
}

pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    q: web::Query<KeysQuery>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    show(&req, &state, &signed, None, q.revoked.is_some()).await
}

#[derive(Deserialize)]
pub struct NewKey {
    csrf: String,
    name: String,
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    form: web::Form<NewKey>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    signed.check_csrf(&form.csrf)?;
    let (name, now, l) = (form.name.trim().to_string(), state.now_ms(), signed.locale.clone());
    let n = name.clone();
    let key = state.db.write(move |c| apikeys::create(c, &n, now)).await.map_err(|e| PageError::from_domain(e, l))?;
    show(&req, &state, &signed, Some((name, key)), false).await
}

#[derive(Deserialize)]
pub struct Revoke {
    csrf: String,
    id: i64,
}

pub async fn revoke(
    state: web::Data<AppState>,
    signed: SignedIn,
    form: web::Form<Revoke>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    signed.check_csrf(&form.csrf)?;
    let (id, now, l) = (form.id, state.now_ms(), signed.locale.clone());
    state.db.write(move |c| apikeys::revoke_id(c, id, now)).await.map_err(|e| PageError::from_domain(e, l))?;
    Ok(HttpResponse::SeeOther().insert_header(("Location", "/app/keys?revoked=1")).finish())
}
