//! The JSON API under `/api/v1`, for the company's systems. Bearer API keys, JSON errors.
mod views;

use super::error::{ApiError, ErrorBody};
use super::extract::ApiCaller;
use super::AppState;
use crate::db::models::Attributes;
use crate::domain::customers::{self, CustomerInput};
use crate::domain::dispatch::{self, InteractionInput};
use crate::domain::{answers, retention, surveys, surveys::SurveyInput};
use crate::types::CustomerEventKind;
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
            .route("/customers/{id}", web::delete().to(erase_customer))
            .route("/customers/{id}/events", web::post().to(record_event))
            .route("/responses", web::get().to(list_responses))
            .default_service(web::to(|| async { Err::<HttpResponse, _>(ApiError::not_found()) })),
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

#[utoipa::path(post, path = "/api/v1/surveys", request_body = SurveyInput,
    responses((status = 201, body = SurveyView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn create_survey(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    body: web::Json<SurveyInput>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now_ms();
    let survey = state.db.write(move |c| surveys::create(c, &body, now)).await?;
    Ok(HttpResponse::Created().json(SurveyView::from(&survey)))
}

#[utoipa::path(get, path = "/api/v1/surveys", responses((status = 200, body = Vec<SurveyView>)), security(("api_key" = [])))]
async fn list_surveys(_caller: ApiCaller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let all = state.db.read(surveys::list).await?;
    Ok(HttpResponse::Ok().json(all.iter().map(SurveyView::from).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/surveys/{slug}", params(("slug" = String, Path)),
    responses((status = 200, body = SurveyView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
async fn get_survey(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let survey = state.db.read(move |c| surveys::get(c, &slug)).await?;
    Ok(HttpResponse::Ok().json(SurveyView::from(&survey)))
}

#[utoipa::path(post, path = "/api/v1/interactions", request_body = InteractionInput,
    responses((status = 201, description = "recorded", body = InteractionOutcome), (status = 200, description = "already recorded (retry)", body = InteractionOutcome),
        (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn report_interaction(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    body: web::Json<InteractionInput>,
) -> Result<HttpResponse, ApiError> {
    let mut outcomes = report(&state, vec![body.into_inner()]).await?;
    let outcome = outcomes.remove(0);
    let mut builder = if outcome.created { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(builder.json(outcome))
}

/// A batch of up to 1,000 interactions.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionBatch {
    #[schema(min_items = 1, max_items = 1000)]
    pub interactions: Vec<InteractionInput>,
}

#[utoipa::path(post, path = "/api/v1/interactions/batch", request_body = InteractionBatch,
    responses((status = 200, body = BatchOutcome), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn report_batch(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    body: web::Json<InteractionBatch>,
) -> Result<HttpResponse, ApiError> {
    let results = report(&state, body.into_inner().interactions).await?;
    Ok(HttpResponse::Ok().json(BatchOutcome { results }))
}

async fn report(state: &AppState, batch: Vec<InteractionInput>) -> Result<Vec<InteractionOutcome>, ApiError> {
    let batch = dispatch::prepare(batch, &state.secret, state.now_ms())?;
    let outcomes = state.db.write(move |c| dispatch::report(c, &batch)).await?;
    Ok(outcomes.iter().map(|o| InteractionOutcome::new(o, &state.base_url, &state.secret)).collect())
}

/// The fields of a customer to create or update; the id comes from the path.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerBody {
    #[serde(default)]
    #[schema(format = Email, max_length = 320)]
    pub email: Option<String>,
    /// Language tag, e.g. "nl", "en" or "en-GB".
    #[serde(default)]
    #[schema(min_length = 1, max_length = 35, pattern = "^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$", example = "nl")]
    pub locale: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: Option<Attributes>,
}

#[utoipa::path(put, path = "/api/v1/customers/{id}", params(CustomerPath), request_body = CustomerBody,
    responses((status = 200, body = CustomerView), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn upsert_customer(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<CustomerBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input =
        CustomerInput { id: id.into_inner(), email: body.email, locale: body.locale, attributes: body.attributes };
    input.validate()?;
    let now = state.now_ms();
    let customer = state
        .db
        .write(move |c| {
            customers::upsert_many(c, &[&input], now).map(|m| m.into_values().next().expect("one customer"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(CustomerView::from(&customer)))
}

/// The customer id of a path: the company's own id.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CustomerPath {
    /// The company's id for the customer.
    #[param(min_length = 1, max_length = 200, pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$")]
    pub id: String,
}

/// Erases a customer's personal data (email, attributes, comments, user agents); scores and
/// dates stay for the figures. Later interactions of this customer get the decision `erased`.
#[utoipa::path(delete, path = "/api/v1/customers/{id}", params(CustomerPath),
    responses((status = 200, body = CustomerView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
async fn erase_customer(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.now_ms();
    let customer = state.db.write(move |c| customers::erase(c, &id, now)).await?;
    Ok(HttpResponse::Ok().json(CustomerView::from(&customer)))
}

/// Something that happened to a customer: churn, renewal, unsubscribe or resubscribe.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    pub kind: CustomerEventKind,
    /// Defaults to now.
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/events", params(CustomerPath), request_body = EventBody,
    responses((status = 201, body = CustomerView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
async fn record_event(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<EventBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.now_ms();
    let customer = state
        .db
        .write(move |c| {
            let at = body.occurred_at.map_or(now, |t| t.timestamp_millis());
            customers::record_event(c, &id, body.kind, at, now)?;
            customers::get(c, &id)
        })
        .await?;
    Ok(HttpResponse::Created().json(CustomerView::from(&customer)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ResponseQuery {
    /// Survey slug.
    #[param(pattern = "^[a-z0-9_-]{1,64}$")]
    pub survey: Option<String>,
    /// Customer id (the company's).
    #[param(min_length = 1, max_length = 200, pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$")]
    pub customer: Option<String>,
    /// Answered at or after (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Answered before (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// Only answers confirmed by a human signal.
    pub confirmed: Option<bool>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{1,19}_[0-9]{1,19}$")]
    pub cursor: Option<String>,
    /// Page size (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/responses", params(ResponseQuery),
    responses((status = 200, body = ResponsePage), (status = 400, body = ErrorBody)), security(("api_key" = [])))]
async fn list_responses(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    q: web::Query<ResponseQuery>,
) -> Result<HttpResponse, ApiError> {
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
    let rows = state.db.read(move |c| answers::list(c, &filter)).await?;
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
    #[param(minimum = 1, maximum = 3650)]
    pub horizon_days: Option<i64>,
    /// Margin for "good enough", as a fraction (default 0.02).
    #[param(exclusive_minimum = 0.0, exclusive_maximum = 1.0)]
    pub delta: Option<f64>,
}

/// The retention analysis of ANALYSIS.md: retention per score, steps, logistic and hinge fits,
/// the good-enough score, Kaplan–Meier bands, log-rank and Cox.
#[utoipa::path(get, path = "/api/v1/surveys/{slug}/analysis", params(("slug" = String, Path), AnalysisQuery),
    responses((status = 200, description = "the analysis JSON as specified in ANALYSIS.md", body = Object),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn analysis(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    q: web::Query<AnalysisQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let options = retention::AnalysisOptions {
        as_of: q.as_of.unwrap_or_else(|| super::api::views::time(state.now_ms())),
        horizon_days: q.horizon_days.unwrap_or(365),
        delta: q.delta.unwrap_or(0.02),
    };
    let report = state.db.read(move |c| retention::analyze(c, &slug, options)).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "acht API", description = "Report interactions, customers and churn; read answers."),
    paths(create_survey, list_surveys, get_survey, analysis, report_interaction, report_batch, upsert_customer, erase_customer, record_event, list_responses),
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
