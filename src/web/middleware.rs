//! Middleware on every response: a request id (`X-Request-Id`, taken from a load balancer's
//! header when it sends a sane one, else made here), one log line per request, and the
//! security headers.
//!
//! The request log is our own rather than tracing-actix-web's root span: that span records the
//! full request target, which on answer pages holds the customer's secret link token, and
//! building it (addresses, a UUID from the OS) cost about 8 µs per request, a third of a
//! trivial request's time (benches/bench.sh, `static`). Here the line names the route pattern
//! (`/s/{token}/{score}`), never the token, and costs nothing when `info` is off.
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::HttpMessage;
use std::time::Instant;
use tracing::Instrument;

/// Pages load only their own stylesheet and script, post forms only to acht, and are never
/// framed; JSON answers are covered too, harmlessly.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

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

/// The id of one request, in the request's extensions for handlers that want it.
#[derive(Debug, Clone)]
pub struct RequestId(pub HeaderValue);

/// A load balancer's id when it is 1–64 characters of letters, digits, `-` and `_`.
fn forwarded_id(req: &ServiceRequest) -> Option<HeaderValue> {
    let v = req.headers().get(REQUEST_ID)?;
    let ok = (1..=64).contains(&v.len())
        && v.as_bytes().iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_');
    ok.then(|| v.clone())
}

/// 128 random bits in hex, from the thread's generator (no system call per request).
fn new_id() -> HeaderValue {
    let id = format!("{:032x}", rand::random::<u128>());
    HeaderValue::from_str(&id).expect("hex is a valid header value")
}

/// Gives the request an id, runs it inside a span carrying that id (so every log line of the
/// request names it), logs one line when it is answered and echoes the id in the response.
pub async fn request_id_and_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = forwarded_id(&req).unwrap_or_else(new_id);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", id = id.to_str().unwrap_or_default());
    let started = Instant::now();
    let method = req.method().clone();
    let mut res = next.call(req).instrument(span.clone()).await?;
    if tracing::enabled!(tracing::Level::INFO) {
        let route = res.request().match_pattern().unwrap_or_else(|| "(no route)".into());
        tracing::info!(
            parent: &span,
            %method,
            route = %route,
            status = res.status().as_u16(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "answered"
        );
    }
    res.headers_mut().insert(REQUEST_ID, id);
    Ok(res)
}
