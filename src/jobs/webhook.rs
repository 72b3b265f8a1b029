//! The webhook job: post one event to one endpoint, signed, and say how it went. The worker
//! (src/jobs/mail.rs) claims and settles it like every job; a 2xx answer is delivered, anything
//! else is retried with the queue's backoff. A request that went out but got no answer may have
//! been processed: the retry carries the same event id, for the receiver to recognise.
use crate::db::Db;
use crate::domain::queue::Outcome;
use crate::domain::{webhooks, DomainError};
use crate::types::JobState;
use std::time::Duration;

/// The most a receiver may take to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// An HTTP client for deliveries: no redirects followed (a signed body goes only where the
/// admin said), a short timeout, no cookies.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("acht-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("an HTTP client with these settings builds")
}

/// Posts delivery `id` and returns the attempt's outcome.
pub async fn deliver(db: &Db, client: &reqwest::Client, id: i64, now_ms: i64) -> Result<Outcome, DomainError> {
    let out = db.read(move |c| webhooks::outgoing(c, id)).await?;
    if out.endpoint.disabled_at.is_some() {
        return Ok(Outcome::Stopped { state: JobState::Suppressed, detail: "the endpoint was switched off".into() });
    }
    let t = now_ms / 1000;
    let sent = client
        .post(&out.endpoint.url)
        .header("Content-Type", "application/json")
        .header(webhooks::SIGNATURE_HEADER, webhooks::signature(&out.endpoint.secret, t, &out.body))
        .header("Acht-Event-Id", format!("evt_{}", out.event_id))
        .body(out.body)
        .send()
        .await;
    Ok(match sent {
        Ok(answer) if answer.status().is_success() => Outcome::Posted(i32::from(answer.status().as_u16())),
        Ok(answer) => {
            let status = answer.status();
            Outcome::Failed {
                // 410 Gone: the receiver says the endpoint is no more. Everything else may pass.
                permanent: status == reqwest::StatusCode::GONE,
                code: Some(i32::from(status.as_u16())),
                detail: format!("the endpoint answered {status}"),
                may_have_reached: status.is_server_error(),
            }
        }
        Err(e) => Outcome::Failed {
            permanent: false,
            code: None,
            // A request that connected may have been processed before the answer was lost.
            may_have_reached: !e.is_connect(),
            detail: describe(e),
        },
    })
}

/// A short reason without the URL (which may carry a token in its query).
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        "could not connect to the endpoint".into()
    } else {
        format!("the request failed: {}", e.without_url())
    }
}
