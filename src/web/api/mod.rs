//! The JSON API under `/api/v1`, for the company's systems. Bearer API keys, JSON errors.
mod views;

use super::error::{ApiError, ErrorBody};
use super::run;
use crate::domain::customers::{self, CustomerInput, LifecycleEvent};
use crate::domain::dispatch::{self, InteractionInput};
use crate::domain::{answers, apikeys, retention, surveys, surveys::SurveyInput};
use crate::startup::AppState;
use actix_web::{error::JsonPayloadError, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::OpenApi;
pub use views::*;

/// Largest accepted request body: a batch of 1,000 interactions fits comfortably.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/openapi.json", web::get().to(openapi)).service(
        web::scope("/api/v1")
            .app_data(web::JsonConfig::default().limit(MAX_BODY_BYTES).error_handler(json_error))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| ApiError::bad_request("invalid_query", e.to_string()).into()),
            )
            .route("/surveys", web::post().to(create_survey))
            .route("/surveys", web::get().to(list_surveys))
            .route("/surveys/{slug}", web::get().to(get_survey))
            .route("/surveys/{slug}/analysis", web::get().to(analysis))
            .route("/interactions", web::post().to(report_interaction))
            .route("/interactions/batch", web::post().to(report_batch))
            .route("/customers/{id}", web::put().to(upsert_customer))
            .route("/customers/{id}/events", web::post().to(record_event))
            .route("/responses", web::get().to(list_responses))
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::new(
                    actix_web::http::StatusCode::NOT_FOUND,
                    "not_found",
                    "no such endpoint",
                ))
            })),
    );
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let e = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
        ),
        JsonPayloadError::ContentType => ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send Content-Type: application/json",
        ),
        JsonPayloadError::Deserialize(de) => ApiError::bad_request("invalid_json", de.to_string()),
        other => ApiError::bad_request("invalid_json", other.to_string()),
    };
    e.into()
}

/// Checks `Authorization: Bearer KEY` against the stored key hashes.
async fn authorize(req: &HttpRequest, state: &AppState) -> Result<String, ApiError> {
    let key = req
        .headers()
        .get("Authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(|k| k.trim().to_string())
        .ok_or_else(ApiError::unauthorized)?;
    run(&state.read, move |c| apikeys::verify(c, &key)).await?.ok_or_else(ApiError::unauthorized)
}

#[utoipa::path(post, path = "/api/v1/surveys", request_body = SurveyInput,
    responses((status = 201, body = SurveyView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn create_survey(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<SurveyInput>,
) -> Result<HttpResponse, ApiError> {
    authorize(&req, &state).await?;
    let survey = state.write(move |c| surveys::create(c, &body)).await?;
    Ok(HttpResponse::Created().json(SurveyView::from(&survey)))
}

#[utoipa::path(get, path = "/api/v1/surveys", responses((status = 200, body = Vec<SurveyView>)), security(("api_key" = [])))]
async fn list_surveys(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    authorize(&req, &state).await?;
    let all = run(&state.read, surveys::list).await?;
    Ok(HttpResponse::Ok().json(all.iter().map(SurveyView::from).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/surveys/{slug}", params(("slug" = String, Path)),
    responses((status = 200, body = SurveyView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
async fn get_survey(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    authorize(&req, &state).await?;
    let survey = run(&state.read, move |c| surveys::get(c, &slug)).await?;
    Ok(HttpResponse::Ok().json(SurveyView::from(&survey)))
}

#[utoipa::path(post, path = "/api/v1/interactions", request_body = InteractionInput,
    responses((status = 201, description = "recorded", body = InteractionOutcome), (status = 200, description = "already recorded (retry)", body = InteractionOutcome),
        (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn report_interaction(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<InteractionInput>,
) -> Result<HttpResponse, ApiError> {
    authorize(&req, &state).await?;
    let mut outcomes = report(&state, vec![body.into_inner()]).await?;
    let outcome = outcomes.remove(0);
    let mut builder = if outcome.created { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(builder.json(outcome))
}

/// A batch of up to 1,000 interactions.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionBatch {
    pub interactions: Vec<InteractionInput>,
}

#[utoipa::path(post, path = "/api/v1/interactions/batch", request_body = InteractionBatch,
    responses((status = 200, body = BatchOutcome), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn report_batch(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<InteractionBatch>,
) -> Result<HttpResponse, ApiError> {
    authorize(&req, &state).await?;
    let results = report(&state, body.into_inner().interactions).await?;
    Ok(HttpResponse::Ok().json(BatchOutcome { results }))
}

async fn report(state: &AppState, batch: Vec<InteractionInput>) -> Result<Vec<InteractionOutcome>, ApiError> {
    let batch = dispatch::prepare(batch, &state.secret, crate::db::now_ms())?;
    let outcomes = state.write(move |c| dispatch::report(c, &batch)).await?;
    Ok(outcomes.iter().map(|o| InteractionOutcome::new(o, &state.base_url, &state.secret)).collect())
}

/// The fields of a customer to create or update; the id comes from the path.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerBody {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

#[utoipa::path(put, path = "/api/v1/customers/{id}", params(("id" = String, Path)), request_body = CustomerBody,
    responses((status = 200, body = CustomerView), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn upsert_customer(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<CustomerBody>,
) -> Result<HttpResponse, ApiError> {
    authorize(&req, &state).await?;
    let body = body.into_inner();
    let input =
        CustomerInput { id: id.into_inner(), email: body.email, locale: body.locale, attributes: body.attributes };
    input.validate()?;
    let customer = state
        .write(move |c| {
            customers::upsert_many(c, &[&input], crate::db::now_ms())
                .map(|m| m.into_values().next().expect("one customer"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(CustomerView::from(&customer)))
}

/// Churn or renewal of a customer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    pub kind: LifecycleEvent,
    /// Defaults to now.
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/events", params(("id" = String, Path)), request_body = EventBody,
    responses((status = 201, body = CustomerView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
async fn record_event(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<EventBody>,
) -> Result<HttpResponse, ApiError> {
    authorize(&req, &state).await?;
    let id = id.into_inner();
    let customer = state
        .write(move |c| {
            let at = body.occurred_at.map_or_else(crate::db::now_ms, |t| t.timestamp_millis());
            customers::record_event(c, &id, body.kind, at)?;
            customers::get(c, &id)
        })
        .await?;
    Ok(HttpResponse::Created().json(CustomerView::from(&customer)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ResponseQuery {
    /// Survey slug.
    pub survey: Option<String>,
    /// Customer id (the company's).
    pub customer: Option<String>,
    /// Answered at or after (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Answered before (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// Only answers confirmed by a human signal.
    pub confirmed: Option<bool>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/responses", params(ResponseQuery),
    responses((status = 200, body = ResponsePage), (status = 400, body = ErrorBody)), security(("api_key" = [])))]
async fn list_responses(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ResponseQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&req, &state).await?;
    let q = q.into_inner();
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request("invalid_limit", "limit must be between 1 and 1000"));
    }
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let filter = answers::ResponseFilter {
        survey: q.survey,
        customer: q.customer,
        since: q.since.map(|t| t.timestamp_millis()),
        until: q.until.map(|t| t.timestamp_millis()),
        confirmed_only: q.confirmed.unwrap_or(false),
        after,
        limit,
    };
    let rows = run(&state.read, move |c| answers::list(c, &filter)).await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| format!("{}_{}", r.response.answered_at, r.response.id)))
        .flatten();
    Ok(HttpResponse::Ok().json(ResponsePage { data: rows.iter().map(ResponseView::from).collect(), next_cursor }))
}

fn decode_cursor(s: &str) -> Result<(i64, i64), ApiError> {
    let bad = || ApiError::bad_request("invalid_cursor", "cursor is not one this API handed out");
    let (t, id) = s.split_once('_').ok_or_else(bad)?;
    Ok((t.parse().map_err(|_| bad())?, id.parse().map_err(|_| bad())?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AnalysisQuery {
    /// The moment the analysis looks from (RFC 3339); default now.
    pub as_of: Option<DateTime<Utc>>,
    /// Days after the baseline answer within which churn counts (default 365).
    pub horizon_days: Option<i64>,
    /// Margin for "good enough", as a fraction (default 0.02).
    pub delta: Option<f64>,
}

/// The retention analysis of ANALYSIS.md: retention per score, steps, logistic and hinge fits,
/// the good-enough score, Kaplan–Meier bands, log-rank and Cox.
#[utoipa::path(get, path = "/api/v1/surveys/{slug}/analysis", params(("slug" = String, Path), AnalysisQuery),
    responses((status = 200, description = "the analysis JSON as specified in ANALYSIS.md", body = Object),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn analysis(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    q: web::Query<AnalysisQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&req, &state).await?;
    let q = q.into_inner();
    let options = retention::AnalysisOptions {
        as_of: q.as_of.unwrap_or_else(Utc::now),
        horizon_days: q.horizon_days.unwrap_or(365),
        delta: q.delta.unwrap_or(0.02),
    };
    let report = run(&state.read, move |c| retention::analyze(c, &slug, options)).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "acht API", description = "Report interactions, customers and churn; read answers."),
    paths(create_survey, list_surveys, get_survey, analysis, report_interaction, report_batch, upsert_customer, record_event, list_responses),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

struct SecurityAddon;
impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
