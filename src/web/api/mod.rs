//! The JSON API under `/api/v1`, for the company's systems. Bearer API keys, JSON errors.
mod followups;
mod views;

use super::error::{ApiError, ErrorBody};
use super::extract::{ApiCaller, ApiJson, MAX_BODY_BYTES};
use super::AppState;
use crate::domain::customers::{self, CustomerInput};
use crate::domain::dispatch::{self, InteractionInput};
use crate::domain::Attributes;
use crate::domain::{answers, retention, surveys, surveys::SurveyInput};
use crate::types::{AnswerState, CustomerEventKind};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::OpenApi;
pub use views::*;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/openapi.json", web::get().to(openapi)).service(
        web::scope("/api/v1")
            .wrap(actix_web::middleware::from_fn(super::extract::require_api_key))
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| ApiError::bad_request("invalid_query", e.to_string()).into()),
            )
            .service(endpoint("/surveys", "GET, POST").get(list_surveys).post(create_survey))
            .service(endpoint("/surveys/{slug}", "GET").get(get_survey))
            .service(endpoint("/surveys/{slug}/analysis", "GET").get(analysis))
            .service(endpoint("/interactions", "POST").post(report_interaction))
            .service(endpoint("/interactions/batch", "POST").post(report_batch))
            .service(endpoint("/customers/{id}", "PUT, DELETE").put(upsert_customer).delete(erase_customer))
            .service(endpoint("/customers/{id}/events", "POST").post(record_event))
            .service(endpoint("/customers/{id}/export", "GET").get(export_customer))
            .service(endpoint("/responses", "GET").get(list_responses))
            .service(endpoint("/followups", "GET").get(followups::list_followups))
            .service(endpoint("/followups/{id}", "PATCH").patch(followups::change_followup))
            .default_service(web::to(|| async { Err::<HttpResponse, _>(ApiError::not_found()) })),
    );
}

/// A resource that answers a method it lacks with 405 and the methods it has (`Allow`).
fn endpoint(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        HttpResponse::MethodNotAllowed()
            .insert_header(("Allow", allow))
            .json(ErrorBody { code: "method_not_allowed".into(), message: format!("this endpoint takes {allow}") })
    }))
}

#[utoipa::path(post, path = "/api/v1/surveys", request_body = SurveyInput,
    responses((status = 201, body = SurveyView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn create_survey(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<SurveyInput>,
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

#[utoipa::path(get, path = "/api/v1/surveys/{slug}", params(SlugPath),
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
    ApiJson(body): ApiJson<InteractionInput>,
) -> Result<HttpResponse, ApiError> {
    let mut outcomes = report(&state, vec![body]).await?;
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
    ApiJson(body): ApiJson<InteractionBatch>,
) -> Result<HttpResponse, ApiError> {
    let results = report(&state, body.interactions).await?;
    Ok(HttpResponse::Ok().json(BatchOutcome { results }))
}

async fn report(state: &AppState, batch: Vec<InteractionInput>) -> Result<Vec<InteractionOutcome>, ApiError> {
    let batch = std::sync::Arc::new(dispatch::prepare(batch, &state.secret, state.now_ms(), state.time_ahead_ms)?);
    // On PostgreSQL concurrent batches run side by side: customers first, so batches that
    // share customers wait for each other only briefly (see `upsert_customers`). SQLite's one
    // writer runs batches one after another anyway.
    if state.db.backend() == crate::db::Backend::Postgres {
        let customers = batch.clone();
        state.db.write(move |c| dispatch::upsert_customers(c, &customers)).await?;
    }
    let outcomes = state.db.write(move |c| dispatch::report(c, &batch)).await?;
    Ok(outcomes.iter().map(|o| InteractionOutcome::new(o, &state.base_url, &state.secret)).collect())
}

/// The fields of a customer to create or update; the id comes from the path.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerBody {
    #[serde(default)]
    /// One address acht can mail (what the server checks, with lettre's parser): a dot-atom
    /// local part, `@`, a domain of two or more labels. No display name or angle brackets.
    #[schema(
        format = Email,
        max_length = 254,
        pattern = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$"
    )]
    pub email: Option<String>,
    /// Language tag, e.g. "nl", "en" or "en-GB".
    #[serde(default)]
    #[schema(min_length = 1, max_length = 35, pattern = "^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$", example = "nl")]
    pub locale: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<Attributes>,
    /// Until when the customer cannot leave (a contract's fixed term): the retention analysis
    /// counts their time at risk from then on.
    #[serde(default)]
    pub committed_until: Option<DateTime<Utc>>,
}

#[utoipa::path(put, path = "/api/v1/customers/{id}", params(CustomerPath), request_body = CustomerBody,
    responses((status = 200, body = CustomerView), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn upsert_customer(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    ApiJson(body): ApiJson<CustomerBody>,
) -> Result<HttpResponse, ApiError> {
    let input = CustomerInput {
        id: id.into_inner(),
        email: body.email,
        locale: body.locale,
        attributes: body.attributes,
        committed_until: body.committed_until,
    };
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

/// The survey of a path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SlugPath {
    /// The survey's slug.
    #[param(pattern = "^[a-z0-9_-]{1,64}$")]
    pub slug: String,
}

/// The customer id of a path: the company's own id.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CustomerPath {
    /// The company's id for the customer.
    #[param(min_length = 1, max_length = 200, pattern = r"^[^\u0000]*[^\u0000 \t\n\r][^\u0000]*$")]
    pub id: String,
}

/// Erases a customer's personal data (email, attributes, comments, user agents); scores and
/// dates stay for the figures. Later interactions of this customer get the decision `erased`.
#[utoipa::path(delete, path = "/api/v1/customers/{id}", params(CustomerPath),
    responses((status = 200, body = CustomerView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
async fn erase_customer(
    caller: ApiCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (now, actor) = (state.now_ms(), caller.actor());
    let customer = state.db.write(move |c| customers::erase(c, &id, &actor, now)).await?;
    Ok(HttpResponse::Ok().json(CustomerView::from(&customer)))
}

/// Everything acht holds about a customer, for their right of access: the customer, their
/// events, interactions, invitations, answers, the visits to their survey links, their survey
/// emails with every attempt to send them, and who downloaded or erased their data (this
/// download is recorded there too). Times are milliseconds since 1970 (UTC).
#[utoipa::path(get, path = "/api/v1/customers/{id}/export", params(CustomerPath),
    responses((status = 200, description = "every row that names the customer, by table", body = Object),
        (status = 404, body = ErrorBody)),
    security(("api_key" = [])))]
async fn export_customer(
    caller: ApiCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (now, actor) = (state.now_ms(), caller.actor());
    let export = state.db.write(move |c| crate::domain::privacy::export(c, &id, &actor, now)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Disposition", "attachment; filename=\"customer-export.json\""))
        .json(export))
}

/// Something that happened to a customer: churn, renewal, unsubscribe or resubscribe.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    pub kind: CustomerEventKind,
    /// When it happened; defaults to now. Between 2000-01-01 and a day after the server's
    /// clock (`ACHT_TIME_AHEAD_HOURS`), else 422 `invalid_occurred_at`: the pattern says the
    /// years 2000 to 2099, the bound relative to the server's clock no schema can say.
    #[serde(default)]
    #[schema(pattern = r"^20[0-9]{2}-")]
    pub occurred_at: Option<DateTime<chrono::FixedOffset>>,
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/events", params(CustomerPath), request_body = EventBody,
    responses((status = 201, body = CustomerView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
async fn record_event(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    ApiJson(body): ApiJson<EventBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.now_ms();
    if let Some(t) = &body.occurred_at {
        let ms = t.timestamp_millis();
        crate::domain::validate::moment("invalid_occurred_at", "occurred_at", ms, now, state.time_ahead_ms)?;
    }
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
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ResponseQuery {
    /// Survey slug.
    #[param(nullable = false, pattern = "^[a-z0-9_-]{1,64}$")]
    pub survey: Option<String>,
    /// Customer id (the company's).
    #[param(nullable = false, min_length = 1, max_length = 200, pattern = r"^[^\u0000]*[^\u0000 \t\n\r][^\u0000]*$")]
    pub customer: Option<String>,
    /// Answered at or after (RFC 3339).
    #[param(nullable = false)]
    pub since: Option<DateTime<Utc>>,
    /// Answered before (RFC 3339).
    #[param(nullable = false)]
    pub until: Option<DateTime<Utc>>,
    /// Only answers in this state now: `counted` (the figures use these), `provisional`,
    /// `unverified` or `scanner`.
    #[param(nullable = false, inline)]
    pub state: Option<AnswerState>,
    /// `next_cursor` of the previous page.
    #[param(nullable = false, pattern = "^[0-9]{1,19}_[0-9]{1,19}$")]
    pub cursor: Option<String>,
    /// Page size (default 100).
    #[param(nullable = false, minimum = 1, maximum = 1000)]
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
    q.validate()?;
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
        state: q.state,
        now: state.now_ms(),
        after,
        limit,
    };
    let now = filter.now;
    let rows = state.db.read(move |c| answers::list(c, &filter)).await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| format!("{}_{}", r.response.answered_at, r.response.id)))
        .flatten();
    let data = rows.iter().map(|r| ResponseView::new(r, now)).collect();
    Ok(HttpResponse::Ok().json(ResponsePage { data, next_cursor }))
}

impl ResponseQuery {
    /// The rules the schema states for the query (type errors are caught by the extractor).
    fn validate(&self) -> Result<(), ApiError> {
        let bad = |m: &str| ApiError::bad_request("invalid_query", m);
        if let Some(s) = &self.survey {
            if !surveys::is_slug(s) {
                return Err(bad("survey must be a slug: 1–64 characters of a–z, 0–9, '-' or '_'"));
            }
        }
        if let Some(c) = &self.customer {
            crate::domain::validate::required_text("invalid_query", "customer", c, customers::MAX_ID_CHARS)
                .map_err(|e| bad(&e.to_string()))?;
        }
        Ok(())
    }
}

fn decode_cursor(s: &str) -> Result<(i64, i64), ApiError> {
    let bad = || ApiError::bad_request("invalid_cursor", "cursor is not one this API handed out");
    // Digits only (`str::parse` would take a sign); a number past any id just ends the list.
    let number = |d: &str| -> Result<i64, ApiError> {
        if d.is_empty() || d.len() > 19 || !d.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        Ok(d.parse::<u64>().map_err(|_| bad())?.min(i64::MAX as u64) as i64)
    };
    let (t, id) = s.split_once('_').ok_or_else(bad)?;
    Ok((number(t)?, number(id)?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AnalysisQuery {
    /// The moment the analysis looks from (RFC 3339); default now.
    #[param(nullable = false)]
    pub as_of: Option<DateTime<Utc>>,
    /// Days after the baseline answer within which churn counts (default 365).
    #[param(nullable = false, minimum = 1, maximum = 3650)]
    pub horizon_days: Option<i64>,
    /// Margin for "good enough", as a fraction (default 0.02).
    #[param(nullable = false, exclusive_minimum = 0.0, exclusive_maximum = 1.0)]
    pub delta: Option<f64>,
}

/// The retention analysis of ANALYSIS.md (retention per score, steps, logistic and hinge fits,
/// the old good-enough score, Kaplan–Meier bands, log-rank and Cox) and the `headline` of
/// docs/headline.md, whose sentence is in the language `Accept-Language` asks for.
#[utoipa::path(get, path = "/api/v1/surveys/{slug}/analysis", params(SlugPath, AnalysisQuery),
    responses((status = 200, description = "the analysis JSON as specified in ANALYSIS.md", body = Object),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
async fn analysis(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    q: web::Query<AnalysisQuery>,
    locale: super::extract::BrowserLocale,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let options = retention::AnalysisOptions {
        as_of: q.as_of.unwrap_or_else(|| super::api::views::time(state.now_ms())),
        horizon_days: q.horizon_days.unwrap_or(365),
        delta: q.delta.unwrap_or(0.02),
    };
    let mut report = state.db.read(move |c| retention::analyze(c, &slug, options)).await?;
    retention::localize(&mut report, &locale.0);
    Ok(HttpResponse::Ok().json(report))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "acht API", description = "Report interactions, customers and churn; read answers; work the follow-ups."),
    paths(create_survey, list_surveys, get_survey, analysis, report_interaction, report_batch, upsert_customer, erase_customer, export_customer, record_event, list_responses, followups::list_followups, followups::change_followup),
    components(schemas(crate::types::SurveyText)),
    modifiers(&SecurityAddon, &StandardResponses)
)]
pub struct ApiDoc;

/// The answers every operation can give besides its own, so the document says exactly what the
/// server does: 401 from the [`ApiCaller`] extractor, 400/413/415 from the JSON and query
/// extractors, 422 from domain checks, 503 when the database is unavailable.
struct StandardResponses;
impl utoipa::Modify for StandardResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{path::ParameterIn, Content, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content("application/json", Content::new(Some(Ref::from_schema_name("ErrorBody"))))
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for op in ops.into_iter().flatten() {
                let mut add = |code: &str, description: &str| {
                    op.responses.responses.entry(code.to_string()).or_insert_with(|| error(description).into());
                };
                add("401", "missing, unknown or revoked API key (`unauthorized`)");
                add("503", "the database is unavailable; try again (`unavailable`)");
                let params = op.parameters.as_deref().unwrap_or_default();
                let has_query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
                let has_path = params.iter().any(|p| p.parameter_in == ParameterIn::Path);
                if op.request_body.is_some() {
                    add("400", "malformed JSON, unknown fields or wrong types (`invalid_json`)");
                    add("413", "the body is larger than 4 MiB (`body_too_large`)");
                    add("415", "the body is not `Content-Type: application/json` (`unsupported_media_type`)");
                    add("422", "a value the schema allows but the domain refuses (its own code)");
                }
                if has_query {
                    add("400", "a query parameter of the wrong type or out of range (`invalid_query`)");
                    add("422", "a value the domain refuses (its own code)");
                }
                if has_path {
                    add("404", "no such resource (`not_found`)");
                }
            }
        }
    }
}

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
