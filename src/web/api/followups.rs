//! Follow-ups through the API: the company's CRM or helpdesk reads the queue and records what
//! its people did (assign, note, close), logged under the API key's name.
use super::super::error::{ApiError, ErrorBody};
use super::super::extract::{ApiCaller, ApiJson};
use super::super::AppState;
use crate::domain::followups::{self, Change, ListFilter, Listed, Queue};
use crate::domain::{surveys, DomainError};
use crate::types::{FollowupOutcome, FollowupReason, FollowupState, Scale};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A follow-up: a customer's low (or dropped) answer that someone should act on.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FollowupView {
    /// acht's id of the follow-up (a string: it exceeds JavaScript's safe integers).
    pub id: String,
    pub survey: String,
    pub scale: Scale,
    /// The company's id for the customer.
    pub customer: String,
    pub reason: FollowupReason,
    /// The score of the answer that opened it.
    pub score: i32,
    /// For a drop: the customer's answer before.
    pub previous_score: Option<i32>,
    pub comment: Option<String>,
    pub touchpoint: Option<String>,
    pub state: FollowupState,
    /// Open longer than the overdue days (`ACHT_FOLLOWUP_OVERDUE_DAYS`).
    pub overdue: bool,
    /// The assignee's sign-in address.
    pub assignee: Option<String>,
    pub outcome: Option<FollowupOutcome>,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The id of the answer that opened it.
    pub answer_id: String,
}

impl FollowupView {
    fn new(l: &Listed, now: i64, overdue_days: i64) -> FollowupView {
        let f = &l.followup;
        let time = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap_or_default();
        FollowupView {
            id: f.id.to_string(),
            survey: l.survey_slug.clone(),
            scale: l.scale,
            customer: l.customer.clone(),
            reason: f.reason,
            score: f.score,
            previous_score: f.previous_score,
            comment: l.comment.clone(),
            touchpoint: l.touchpoint.clone(),
            state: f.state,
            overdue: f.is_overdue(now, overdue_days),
            assignee: l.assignee.clone(),
            outcome: f.outcome,
            opened_at: time(f.opened_at),
            closed_at: f.closed_at.map(time),
            answer_id: f.response_id.to_string(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FollowupQuery {
    /// `open` (default; oldest first), `overdue`, `unassigned` or `closed` (newest first).
    #[param(nullable = false, pattern = "^(open|overdue|unassigned|closed)$")]
    pub state: Option<String>,
    /// Only this survey's (slug).
    #[param(nullable = false, pattern = "^[a-z0-9_-]{1,64}$")]
    pub survey: Option<String>,
    /// At most this many (default 100).
    #[param(nullable = false, minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/followups", params(FollowupQuery),
    responses((status = 200, body = Vec<FollowupView>), (status = 400, body = ErrorBody),
        (status = 404, description = "no such survey", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn list_followups(
    _caller: ApiCaller,
    state: web::Data<AppState>,
    q: web::Query<FollowupQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let queue = match q.state.as_deref() {
        None | Some("open") => Queue::Open,
        Some("overdue") => Queue::Overdue,
        Some("unassigned") => Queue::Unassigned,
        Some("closed") => Queue::Closed,
        Some(_) => {
            return Err(ApiError::bad_request("invalid_state", "state must be open, overdue, unassigned or closed"))
        }
    };
    if let Some(s) = &q.survey {
        if !surveys::is_slug(s) {
            return Err(ApiError::bad_request(
                "invalid_query",
                "survey must be a slug: 1–64 characters of a–z, 0–9, '-' or '_'",
            ));
        }
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request("invalid_limit", "limit must be between 1 and 1000"));
    }
    let (now, overdue_days) = (state.now_ms(), state.followup_overdue_days);
    let rows = state
        .db
        .read(move |c| {
            let survey_id = match &q.survey {
                Some(slug) => Some(surveys::get(c, slug)?.id),
                None => None,
            };
            let f = ListFilter { queue, user_id: None, survey_id, touchpoint: None, now, overdue_days, limit };
            followups::list(c, &f)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(|r| FollowupView::new(r, now, overdue_days)).collect::<Vec<_>>()))
}

/// The id of a follow-up in a path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FollowupPath {
    /// acht's id of the follow-up.
    #[param(pattern = "^[0-9]{1,19}$")]
    pub id: String,
}

/// Assigns, notes, closes (with an outcome) or reopens a follow-up; each part is logged under
/// the API key's name.
#[utoipa::path(patch, path = "/api/v1/followups/{id}", params(FollowupPath), request_body = Change,
    responses((status = 200, body = FollowupView),
        (status = 404, description = "no such follow-up, or no active user with the assignee's address", body = ErrorBody),
        (status = 409, description = "reopening while the customer has another open one for the survey", body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn change_followup(
    caller: ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<FollowupPath>,
    ApiJson(body): ApiJson<Change>,
) -> Result<HttpResponse, ApiError> {
    let id: i64 = path.id.parse().map_err(|_| ApiError::not_found())?;
    let (now, overdue_days, actor) = (state.now_ms(), state.followup_overdue_days, caller.actor());
    let listed = state
        .db
        .write(move |c| {
            followups::change(c, id, &body, &actor, now)?;
            Ok::<_, DomainError>(followups::detail(c, id)?.0)
        })
        .await?;
    Ok(HttpResponse::Ok().json(FollowupView::new(&listed, now, overdue_days)))
}
