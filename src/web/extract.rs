//! Extractors: who is calling, and in which language to answer.
use super::error::ApiError;
use super::AppState;
use crate::domain::apikeys;
use crate::i18n::Locale;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use std::future::{ready, Future, Ready};
use std::pin::Pin;

/// A caller of the JSON API with a valid, unrevoked key (`Authorization: Bearer KEY`). The key
/// is checked by [`require_api_key`] around the whole API, before anything reads a body, so a
/// caller without one gets 401 whatever else is wrong with the request; handlers take this
/// extractor to say they need it (and to know who called).
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// The key's name, for logs.
    pub key_name: String,
}

impl ApiCaller {
    /// Who acted, for the audit log.
    pub fn actor(&self) -> String {
        format!("API key {}", self.key_name)
    }
}

impl FromRequest for ApiCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        use actix_web::HttpMessage;
        ready(req.extensions().get::<ApiCaller>().cloned().ok_or_else(ApiError::unauthorized))
    }
}

/// Middleware of the API scope: verifies the key and leaves an [`ApiCaller`] for the handler.
pub async fn require_api_key(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    let key = bearer_key(req.request());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(key), Some(state)) = (key, state) else { return Err(ApiError::unauthorized().into()) };
    let name = state.db.read(move |c| apikeys::verify(c, &key)).await.map_err(ApiError::from)?;
    let Some(key_name) = name else { return Err(ApiError::unauthorized().into()) };
    req.extensions_mut().insert(ApiCaller { key_name });
    next.call(req).await
}

fn bearer_key(req: &HttpRequest) -> Option<String> {
    let h = req.headers().get("Authorization")?.to_str().ok()?;
    let (scheme, key) = h.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| key.trim().to_string()).filter(|k| !k.is_empty())
}

/// The visitor's language from `Accept-Language`, for pages that know no customer.
#[derive(Debug, Clone)]
pub struct BrowserLocale(pub Locale);

impl FromRequest for BrowserLocale {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(BrowserLocale(browser_locale(req))))
    }
}

pub fn browser_locale(req: &HttpRequest) -> Locale {
    Locale::from_accept_language(req.headers().get("Accept-Language").and_then(|h| h.to_str().ok()))
}

/// A JSON request body of the API: `Content-Type: application/json`, at most
/// [`MAX_BODY_BYTES`], and a JSON object (serde would also read a struct from an array, which
/// the schema does not allow). Errors are the API's JSON errors: 415, 413, 400.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// Largest accepted request body: a batch of 1,000 interactions fits comfortably.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        use actix_web::http::StatusCode;
        use actix_web::HttpMessage;
        let is_json = req.mime_type().ok().flatten().is_some_and(|m| {
            m.type_() == actix_web::mime::APPLICATION
                && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
        });
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send Content-Type: application/json",
                ));
            }
            let bytes = body.await.map_err(|e| {
                let too_large = e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE;
                if too_large {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "body_too_large",
                        format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
                    )
                } else {
                    ApiError::bad_request("invalid_json", e.to_string())
                }
            })?;
            if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
                return Err(ApiError::bad_request("invalid_json", "the body must be a JSON object"));
            }
            serde_json::from_slice(&bytes)
                .map(ApiJson)
                .map_err(|e| ApiError::bad_request("invalid_json", e.to_string()))
        })
    }
}
