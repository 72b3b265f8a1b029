//! Middleware on every response: a request id (from tracing-actix-web's root span) echoed as
//! `X-Request-Id`, one log line per request (the root span, logged when it closes), and the
//! security headers.
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::HttpMessage;
use tracing_actix_web::RequestId;

/// Pages load only their own stylesheet and script, post forms only to acht, and are never
/// framed; JSON answers are covered too, harmlessly.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The security headers of every response; HSTS too when acht is served over https.
pub fn security_headers(https: bool) -> DefaultHeaders {
    let h = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"));
    if https {
        h.add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    } else {
        h
    }
}

/// Copies the request id of the request's span into the `X-Request-Id` response header, so a
/// user's report can be found in the log.
pub async fn echo_request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let mut res = next.call(req).await?;
    if let Some(id) = id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
        res.headers_mut().insert(HeaderName::from_static("x-request-id"), id);
    }
    Ok(res)
}
