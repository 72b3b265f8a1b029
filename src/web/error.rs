//! The one mapping from domain errors to HTTP: [`Problem`] says status, stable code and
//! message; [`ApiError`] renders it as JSON for the API, [`PageError`] as a friendly page in
//! the visitor's language. Internal details are logged, never sent.
use crate::domain::DomainError;
use crate::i18n::Locale;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use serde::Serialize;

/// What went wrong, as HTTP tells it.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    /// Stable, machine-readable: `not_found`, `expired`, `invalid_slug`, …
    pub code: String,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Problem { status, code: code.into(), message: message.into() }
    }
}

impl From<DomainError> for Problem {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound(what) => {
                Problem::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
            }
            DomainError::Invalid { code, message } => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, message),
            DomainError::Conflict(what) => {
                Problem::new(StatusCode::CONFLICT, "conflict", format!("{what} already exists"))
            }
            DomainError::Raced => Problem::new(StatusCode::CONFLICT, "conflict", DomainError::Raced.to_string()),
            DomainError::Expired => Problem::new(StatusCode::GONE, "expired", "this survey link has expired"),
            DomainError::Db(err) => {
                tracing::error!(error = %err, "database error");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the service is temporarily unavailable; try again",
                )
            }
        }
    }
}

/// The body of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable code, e.g. `invalid_json`, `not_found`.
    pub code: String,
    pub message: String,
}

/// An error of the JSON API.
#[derive(Debug)]
pub struct ApiError(pub Problem);

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError(Problem::new(status, code, message))
    }
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "send a valid API key as 'Authorization: Bearer KEY'")
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.0.code, self.0.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }
    fn error_response(&self) -> HttpResponse {
        let mut b = HttpResponse::build(self.0.status);
        if self.0.status == StatusCode::UNAUTHORIZED {
            b.insert_header(("WWW-Authenticate", "Bearer"));
        }
        b.json(ErrorBody { code: self.0.code.clone(), message: self.0.message.clone() })
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError(e.into())
    }
}

/// An error on a page people see: the same status, a friendly page in their language.
#[derive(Debug)]
pub struct PageError {
    pub problem: Problem,
    pub locale: Locale,
}

impl PageError {
    pub fn new(e: impl Into<Problem>, locale: Locale) -> Self {
        PageError { problem: e.into(), locale }
    }
    pub fn not_found(locale: Locale) -> Self {
        PageError::new(Problem::new(StatusCode::NOT_FOUND, "no_page", "no such page"), locale)
    }
    /// Not for this user: an analyst on an admin page, or a form without a valid CSRF token.
    pub fn forbidden(locale: Locale) -> Self {
        PageError::new(Problem::new(StatusCode::FORBIDDEN, "forbidden", "not allowed"), locale)
    }
    pub fn from_domain(e: DomainError, locale: Locale) -> Self {
        PageError::new(e, locale)
    }
    pub fn bad_form(locale: Locale) -> Self {
        PageError::new(Problem::new(StatusCode::BAD_REQUEST, "bad_form", "the form was not valid"), locale)
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.problem.code, self.problem.message)
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    lang: &'static str,
    title: String,
    body: String,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.problem.status
    }
    fn error_response(&self) -> HttpResponse {
        // Which words: a survey link we don't know, one that expired, a form to redo, or a pause.
        let key = match (self.problem.status, self.problem.code.as_str()) {
            (_, "no_page") => "error-no-page",
            (StatusCode::FORBIDDEN, _) => "error-forbidden",
            (StatusCode::NOT_FOUND, _) => "error-not-found",
            (StatusCode::GONE, _) => "error-expired",
            (s, _) if s.is_server_error() => "error-unavailable",
            _ => "error-bad-form",
        };
        let page = MessagePage {
            lang: self.locale.tag(),
            title: self.locale.t(&format!("{key}-title")),
            body: self.locale.t(&format!("{key}-body")),
        };
        html(self.problem.status, page.render())
    }
}

/// An HTML response that is never cached (pages carry personal links).
pub fn html(status: StatusCode, body: Result<String, askama::Error>) -> HttpResponse {
    match body {
        Ok(b) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(b),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Sorry, something went wrong.")
        }
    }
}
