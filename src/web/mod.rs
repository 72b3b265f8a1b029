//! The web layer: the customer-facing survey flow, the analyst app, the JSON API, health and
//! static files.
//! It reaches storage only through the domain and the one database handle.
pub mod api;
pub mod app;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod survey;
pub mod unsubscribe;

use crate::clock::SharedClock;
use crate::db::Db;
use actix_web::{web, HttpRequest, HttpResponse};

/// Shared state of every request.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Customers' clicks, form posts and page signals, recorded in batches.
    pub answers: crate::db::batch::Batcher<
        crate::domain::answers::Signalled,
        crate::domain::answers::Invite,
        crate::domain::DomainError,
    >,
    pub clock: SharedClock,
    /// Public base URL for links, without a trailing slash.
    pub base_url: String,
    /// Derives invitation tokens.
    pub secret: std::sync::Arc<Vec<u8>>,
    /// The windows of the one-click rule.
    pub answer_rules: crate::domain::evidence::Rules,
    /// How far ahead of the clock a reported time may lie (`ACHT_TIME_AHEAD_HOURS`).
    pub time_ahead_ms: i64,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: std::sync::Arc<Vec<std::net::IpAddr>>,
    /// How long analysts' sessions last.
    pub session_rules: crate::domain::users::SessionRules,
    /// The company's name, colour and logo.
    pub branding: crate::config::BrandingCell,
    /// The branding the settings give, under an admin's stored one.
    pub brand_base: std::sync::Arc<crate::config::Branding>,
    /// The stored branding's version this instance shows (its `updated_at`; 0: none stored).
    pub brand_version: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// Set when the instance is stopping (SIGTERM, Ctrl-C): readiness says 503 and no new
    /// email is claimed.
    pub stopping: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Held while this instance's outbox run sends: shutdown waits for it (with a deadline).
    pub jobs_busy: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// A follow-up open longer than this many days is overdue (`ACHT_FOLLOWUP_OVERDUE_DAYS`).
    pub followup_overdue_days: i64,
}

impl AppState {
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/static/acht.css", web::get().to(stylesheet))
        .route("/static/survey.js", web::get().to(survey_script))
        .route("/static/app.css", web::get().to(app_stylesheet))
        .route("/static/favicon.svg", web::get().to(favicon))
        .route("/favicon.ico", web::get().to(favicon))
        .route("/brand/logo", web::get().to(logo))
        .route("/brand.css", web::get().to(brand_stylesheet))
        .configure(api::routes)
        .configure(app::routes)
        .configure(unsubscribe::routes)
        .configure(survey::routes);
}

/// What no route answers: JSON under /api, a friendly page elsewhere.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    if req.path().starts_with("/api/") {
        Err(error::ApiError::not_found().into())
    } else {
        Err(error::PageError::not_found(extract::browser_locale(&req)).into())
    }
}

/// Liveness: the process serves HTTP, its write path can work at all (the SQLite writer thread
/// runs) and its id-tag lease holds. An orchestrator restarts an instance that fails it; it
/// touches no database, so a slow database never gets a healthy instance restarted.
async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    if state.db.is_live() {
        HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "restart needed"}))
    }
}

/// Readiness: reads and writes both work now (a query, and an empty write through the write
/// path, the SQLite writer thread included). A load balancer sends no traffic while it fails.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.is_stopping() {
        // Stopping: the load balancer sends new requests elsewhere while this one finishes.
        return HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "stopping"}));
    }
    match state.db.check_ready().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable"}))
        }
    }
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(include_str!("../../static/acht.css"))
}

async fn app_stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(include_str!("../../static/app.css"))
}

/// The icon browsers ask every page for (an SVG at `/favicon.ico` too, which they accept).
async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(include_str!("../../static/favicon.svg"))
}

/// The company's logo, from this server so the pages' Content-Security-Policy (`img-src 'self'`)
/// lets it show.
async fn logo(state: web::Data<AppState>) -> HttpResponse {
    match &state.branding.get().logo {
        // An SVG an admin uploaded may carry script: opened on its own it runs none, loads
        // nothing and gets an origin of its own.
        Some(logo) => HttpResponse::Ok()
            .content_type(logo.content_type)
            .insert_header(("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox"))
            .insert_header(("Cache-Control", "public, max-age=300"))
            .body(logo.bytes.to_vec()),
        None => HttpResponse::NotFound().finish(),
    }
}

/// The company's colour for the survey pages, as a stylesheet (no inline style under the CSP).
async fn brand_stylesheet(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(format!(":root {{ --accent: {}; }}\n", state.branding.get().colour))
}

async fn survey_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(include_str!("../../static/survey.js"))
}
