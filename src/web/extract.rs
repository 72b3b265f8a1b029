//! Extractors: who is calling, and in which language to answer.
use super::error::ApiError;
use super::AppState;
use crate::domain::apikeys;
use crate::i18n::Locale;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use std::future::{ready, Future, Ready};
use std::pin::Pin;

/// A caller of the JSON API with a valid, unrevoked key (`Authorization: Bearer KEY`). A
/// handler that takes one refuses everyone else with 401 before it runs.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// The key's name, for logs.
    pub key_name: String,
}

impl FromRequest for ApiCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = bearer_key(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(key), Some(state)) = (key, state) else { return Err(ApiError::unauthorized()) };
            let name = state.db.read(move |c| apikeys::verify(c, &key)).await?;
            name.map(|key_name| ApiCaller { key_name }).ok_or_else(ApiError::unauthorized)
        })
    }
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
