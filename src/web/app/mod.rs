//! The analyst app: sign-in, overview, trends, retention, answers and (for admins) users.
//! Server-rendered pages that work without JavaScript, in the user's chosen language.
//!
//! Every route under `/app` goes through [`require_signin`], which finds the session behind the
//! cookie and leaves a [`SignedIn`] for the handler; every form carries a CSRF token derived
//! from the session (or, for sign-in, from a cookie made for the form), checked before anything
//! changes.
mod account;
mod answers;
mod audit;
mod auth;
mod branding;
mod customers;
pub(crate) mod followups;
mod keys;
mod overview;
mod reports;
mod retention;
mod surveys;
mod trends;
mod users;
mod webhooks;

use super::error::PageError;
use super::AppState;
use crate::domain::users::{self as accounts, Session, User};
use crate::i18n::Locale;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::future::{ready, Ready};

pub const SESSION_COOKIE: &str = "acht_session";
/// The sign-in form's own CSRF cookie (before there is a session to derive a token from).
pub const FORM_COOKIE: &str = "acht_form";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(auth::home))
        .route("/signin", web::get().to(auth::signin_page))
        .route("/signin", web::post().to(auth::signin))
        .service(
            web::scope("/app")
                .wrap(actix_web::middleware::from_fn(require_signin))
                .route("", web::get().to(overview::page))
                .route("/trends", web::get().to(trends::page))
                .route("/trends.csv", web::get().to(trends::csv))
                .route("/retention", web::get().to(retention::page))
                .route("/answers", web::get().to(answers::page))
                .route("/answers.csv", web::get().to(answers::csv))
                .route("/followups", web::get().to(followups::queue))
                .route("/followups/{id}", web::get().to(followups::page))
                .route("/followups/{id}", web::post().to(followups::act))
                .route("/customers", web::get().to(customers::find))
                .route("/customers/{id}", web::get().to(customers::page))
                .route("/customers/{id}/export", web::get().to(customers::export))
                .route("/customers/{id}/erase", web::post().to(customers::erase))
                .route("/users", web::get().to(users::page))
                .route("/audit", web::get().to(audit::page))
                .route("/branding", web::get().to(branding::page))
                .service(
                    web::resource("/branding")
                        .app_data(web::PayloadConfig::new(400 * 1024))
                        .route(web::post().to(branding::save)),
                )
                .route("/reports", web::get().to(reports::page))
                .route("/reports", web::post().to(reports::act))
                .route("/surveys", web::get().to(surveys::list))
                .route("/surveys", web::post().to(surveys::create))
                .route("/surveys/new", web::get().to(surveys::new))
                .route("/surveys/{slug}", web::get().to(surveys::edit))
                .route("/surveys/{slug}", web::post().to(surveys::update))
                .route("/webhooks", web::get().to(webhooks::list))
                .route("/webhooks", web::post().to(webhooks::create))
                .route("/webhooks/{id}", web::get().to(webhooks::endpoint))
                .route("/webhooks/{id}", web::post().to(webhooks::act))
                .route("/keys", web::get().to(keys::page))
                .route("/keys", web::post().to(keys::create))
                .route("/keys/revoke", web::post().to(keys::revoke))
                .route("/users", web::post().to(users::create))
                .route("/users/action", web::post().to(users::act))
                .route("/language", web::post().to(auth::language))
                .route("/account", web::get().to(account::page))
                .route("/account/time-zone", web::post().to(account::set_time_zone))
                .route("/signout", web::post().to(auth::signout))
                .default_service(web::to(super::not_found)),
        );
}

/// What a customer id keeps as it is in a page address: letters, digits, `-`, `_` and `~`;
/// everything else is percent-encoded (a dot too: ids `.` and `..` would be path steps).
const ID_IN_PATH: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'~');

/// Where a customer's page is.
pub fn customer_link(external_id: &str) -> String {
    let encoded = percent_encoding::utf8_percent_encode(external_id, ID_IN_PATH);
    format!("/app/customers/{encoded}")
}

/// A signed-in user, for handlers under `/app`.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    /// The token every form of this session carries.
    pub csrf: String,
    pub locale: Locale,
}

impl SignedIn {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), PageError> {
        if constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(PageError::forbidden(self.locale.clone()))
        }
    }

    /// Refuses an analyst where only admins may go.
    pub fn require_admin(&self) -> Result<(), PageError> {
        if self.user.is_admin() {
            Ok(())
        } else {
            Err(PageError::forbidden(self.locale.clone()))
        }
    }
}

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<SignedIn>().cloned();
        ready(found.ok_or_else(|| PageError::forbidden(super::extract::browser_locale(req)).into()))
    }
}

/// Middleware of `/app`: a live session or a redirect to sign-in (back here afterwards).
async fn require_signin(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned().expect("app state");
    let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
    let session = match token {
        Some(token) => find_session(&state, token).await?,
        None => None,
    };
    let Some(session) = session else {
        let target = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/app");
        let to_signin = if req.method() == actix_web::http::Method::GET {
            format!("/signin?next={}", encode_component(target))
        } else {
            "/signin".to_string()
        };
        let response = HttpResponse::SeeOther().insert_header(("Location", to_signin)).finish();
        return Ok(req.into_response(response));
    };
    let signed = SignedIn {
        csrf: csrf_token(&state.secret, "session", &session.token_hash),
        locale: Locale::negotiate(&session.user.locale),
        user: session.user,
    };
    req.extensions_mut().insert(signed.clone());
    let res = next.call(req).await?.map_into_boxed_body();
    let mut res = match res.status() {
        s if s.is_client_error() || s.is_server_error() => in_app_error(res, &signed),
        _ => res,
    };
    // Signed-in pages are personal: never kept by a shared cache or the back button of a
    // shared computer after sign-out.
    res.headers_mut()
        .insert(actix_web::http::header::CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(askama::Template)]
#[template(path = "app/error.html")]
struct ErrorPage {
    c: Chrome,
    title: String,
    body: String,
}

/// An error inside the app is told in the app's own layout, navigation included, in the user's
/// language and in an analyst's words (a customer's "use the link from the email" would mislead).
fn in_app_error(
    res: actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
    signed: &SignedIn,
) -> actix_web::dev::ServiceResponse<actix_web::body::BoxBody> {
    let status = res.status();
    let key = match status {
        actix_web::http::StatusCode::NOT_FOUND => "app-error-not-found",
        actix_web::http::StatusCode::FORBIDDEN => "app-error-forbidden",
        s if s.is_server_error() => "app-error-unavailable",
        _ => "app-error-bad-request",
    };
    let section = match res.request().path() {
        p if p.starts_with("/app/trends") => "trends",
        p if p.starts_with("/app/retention") => "retention",
        p if p.starts_with("/app/answers") => "answers",
        p if p.starts_with("/app/users") => "users",
        p if p.starts_with("/app/account") => "account",
        _ => "",
    };
    let c = Chrome::new(signed, section, res.request());
    let page = ErrorPage { title: c.t(&format!("{key}-title")), body: c.t(&format!("{key}-body")), c };
    let (req, _) = res.into_parts();
    actix_web::dev::ServiceResponse::new(req, super::error::html(status, askama::Template::render(&page)))
}

async fn find_session(state: &AppState, token: String) -> Result<Option<Session>, actix_web::Error> {
    let now = state.now_ms();
    let rules = state.session_rules;
    let locale = Locale::default_locale();
    let session = state
        .db
        .read(move |c| accounts::find_session(c, &token, rules, now))
        .await
        .map_err(|e| PageError::from_domain(e, locale.clone()))?;
    if let Some(s) = session.as_ref().filter(|s| s.needs_touch(now)) {
        let hash = s.token_hash.clone();
        state
            .db
            .write(move |c| accounts::touch_session(c, &hash, now))
            .await
            .map_err(|e| PageError::from_domain(e, locale))?;
    }
    Ok(session)
}

/// A CSRF token bound to a session (or a sign-in form cookie): HMAC of it under the instance
/// secret, so it cannot be made without the secret and is worthless for any other session.
pub fn csrf_token(secret: &[u8], purpose: &str, bound_to: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"acht csrf\0");
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(bound_to.as_bytes());
    crate::domain::token::to_hex(&mac.finalize().into_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A cookie with the flags every acht cookie has: HttpOnly, SameSite=Lax (a link from an email
/// into the app still carries the session; a form posted from another site does not), Secure
/// when served over https.
pub fn cookie(state: &AppState, name: &'static str, value: String, max_age_s: Option<i64>) -> Cookie<'static> {
    let mut c = Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.base_url.starts_with("https://"))
        .finish();
    if let Some(s) = max_age_s {
        c.set_max_age(actix_web::cookie::time::Duration::seconds(s));
    }
    c
}

/// Percent-encodes a query-string component.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What the layout of every app page needs.
pub struct Chrome {
    pub l: Locale,
    pub csrf: String,
    pub email: String,
    pub is_admin: bool,
    /// The navigation entry of this page: overview, trends, retention, answers, users.
    pub section: &'static str,
    /// This page's address, to come back to after a language change.
    pub here: String,
    /// The user's time zone: every time on the page is shown in it.
    pub tz: chrono_tz::Tz,
}

impl Chrome {
    pub fn new(s: &SignedIn, section: &'static str, req: &HttpRequest) -> Chrome {
        Chrome {
            l: s.locale.clone(),
            csrf: s.csrf.clone(),
            email: s.user.email.clone(),
            is_admin: s.user.is_admin(),
            section,
            tz: s.user.tz(),
            here: req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/app".into()),
        }
    }
    pub fn t(&self, key: &str) -> String {
        self.l.t(key)
    }
    /// A message with one argument, already formatted for this language.
    pub fn t1(&self, key: &str, name: &'static str, value: impl std::fmt::Display) -> String {
        self.l.t_args(key, &[(name, value.to_string().into())])
    }
    pub fn languages(&self) -> Vec<(&'static str, String, bool)> {
        Locale::all().iter().map(|l| (l.tag(), self.l.t(&format!("lang-{}", l.tag())), *l == self.l)).collect()
    }
}

/// Renders a template as an HTML page (or the unavailable page if rendering failed).
pub fn render(t: impl askama::Template) -> HttpResponse {
    super::error::html(actix_web::http::StatusCode::OK, t.render())
}

/// [`render`] for a page showing a secret (a new API key, a webhook's signing secret): kept by
/// no cache and no history snapshot.
pub fn render_private(t: impl askama::Template) -> HttpResponse {
    let mut response = render(t);
    response
        .headers_mut()
        .insert(actix_web::http::header::CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static("no-store"));
    response
}

#[derive(askama::Template)]
#[template(path = "app/empty.html")]
pub struct EmptyPage {
    c: Chrome,
}

/// The page for an app without surveys yet.
pub fn overview_empty(c: Chrome) -> EmptyPage {
    EmptyPage { c }
}
