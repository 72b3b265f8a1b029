//! The web layer: the customer-facing survey flow, the JSON API and health.
pub mod api;
pub mod error;
pub mod survey;

use crate::db::{DbConn, DbError, DbPool};
use crate::domain::DomainError;
use actix_web::{web, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/static/acht.css", web::get().to(stylesheet))
        .configure(api::routes)
        .configure(survey::routes);
}

/// 200 when the database answers, 503 otherwise.
async fn healthz(state: web::Data<crate::startup::AppState>) -> HttpResponse {
    let ok = run(&state.read, |c| {
        use diesel::RunQueryDsl;
        diesel::sql_query("SELECT 1").execute(c).map_err(crate::domain::db)
    })
    .await
    .is_ok();
    if ok {
        HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "database unreachable"}))
    }
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(include_str!("../../static/acht.css"))
}

/// The one way to touch the database from a handler: a pooled connection on the blocking pool.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, DomainError>
where
    F: FnOnce(&mut DbConn) -> Result<T, DomainError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get().map_err(DbError::from)?;
        f(&mut conn)
    })
    .await
    .map_err(|e| DomainError::Db(DbError::Connection(e.to_string())))?
}
