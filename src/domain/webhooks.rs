//! Outbound webhooks: endpoints an admin registers (a URL, a secret, the event kinds it wants),
//! and one delivery per event and endpoint, made a job of the one job queue so it is retried
//! with backoff and at least once. A delivery carries the event's stable id, so a receiver that
//! gets one twice (a lost reply, a replay) can tell; its signature header is Stripe-style:
//! `Acht-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>`.
use super::events::Event;
use super::{db, DomainError};
use crate::db::schema::webhook_endpoints as endpoints;
use crate::db::schema::{customers, events, followups, job_attempts, jobs, responses, surveys, webhook_deliveries};
use crate::db::{new_id, on_backend, DbConn};
use crate::types::{EventKind, JobKind, JobState, Json, TextEnum};
use diesel::prelude::*;
use hmac::{Hmac, Mac};

/// The header a delivery's signature is in.
pub const SIGNATURE_HEADER: &str = "Acht-Signature";
/// The kinds an endpoint may ask for (the events webhooks tell).
pub const KINDS: [EventKind; 5] = [
    EventKind::AnswerCounted,
    EventKind::FollowupOpened,
    EventKind::FollowupClosed,
    EventKind::CustomerUnsubscribed,
    EventKind::CustomerErased,
];

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = endpoints, treat_none_as_default_value = false)]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    #[serde(skip)]
    pub secret: String,
    pub kinds: Json<Vec<EventKind>>,
    pub description: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
}

impl Endpoint {
    pub fn wants(&self, kind: EventKind) -> bool {
        self.disabled_at.is_none() && self.kinds.get().contains(&kind)
    }
}

/// Registers an endpoint; its secret is made here and shown once.
pub fn create(
    conn: &mut DbConn,
    url: &str,
    kinds: &[EventKind],
    description: &str,
    now: i64,
) -> Result<Endpoint, DomainError> {
    let url = url.trim();
    let parsed_ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2000
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    if !parsed_ok {
        return Err(DomainError::invalid("invalid_url", "the address must be an http:// or https:// URL"));
    }
    if kinds.is_empty() || kinds.iter().any(|k| !KINDS.contains(k)) {
        return Err(DomainError::invalid("invalid_kinds", "choose at least one event kind"));
    }
    let description = description.trim();
    if description.chars().count() > 200 {
        return Err(DomainError::invalid("invalid_description", "the description is at most 200 characters"));
    }
    let e = Endpoint {
        id: new_id(),
        url: url.to_string(),
        secret: format!("whsec_{}", super::token::random_secret()),
        kinds: Json::new(kinds.to_vec()),
        description: description.to_string(),
        created_at: now,
        disabled_at: None,
    };
    diesel::insert_into(endpoints::table).values(&e).execute(conn).map_err(db)?;
    Ok(e)
}

pub fn list(conn: &mut DbConn) -> Result<Vec<Endpoint>, DomainError> {
    endpoints::table.order(endpoints::created_at.desc()).select(Endpoint::as_select()).load(conn).map_err(db)
}

pub fn get(conn: &mut DbConn, id: i64) -> Result<Endpoint, DomainError> {
    endpoints::table
        .find(id)
        .select(Endpoint::as_select())
        .first(conn)
        .optional()
        .map_err(db)?
        .ok_or_else(|| DomainError::NotFound(format!("webhook endpoint {id}")))
}

/// Stops (or resumes) deliveries to an endpoint. Queued deliveries of a stopped one end when
/// their turn comes.
pub fn set_disabled(conn: &mut DbConn, id: i64, disabled: bool, now: i64) -> Result<(), DomainError> {
    diesel::update(endpoints::table.find(id))
        .set(endpoints::disabled_at.eq(disabled.then_some(now)))
        .execute(conn)
        .map_err(db)?;
    Ok(())
}

/// The subscriber: an event some endpoints want becomes a delivery (and its job) for each. The
/// unique (endpoint, event) pair keeps an event from reaching an endpoint's queue twice.
pub fn on_event(conn: &mut DbConn, endpoints_now: &[Endpoint], event: &Event, now: i64) -> Result<usize, DomainError> {
    let mut queued = 0;
    for endpoint in endpoints_now.iter().filter(|e| e.wants(event.kind)) {
        let id = new_id();
        let row = (
            webhook_deliveries::id.eq(id),
            webhook_deliveries::endpoint_id.eq(endpoint.id),
            webhook_deliveries::event_id.eq(event.id),
            webhook_deliveries::created_at.eq(now),
        );
        let inserted = on_backend!(&mut *conn, c => diesel::insert_into(webhook_deliveries::table)
            .values(row)
            .on_conflict((webhook_deliveries::endpoint_id, webhook_deliveries::event_id))
            .do_nothing()
            .execute(c))
        .map_err(db)?;
        if inserted == 1 {
            super::queue::enqueue(conn, JobKind::Webhook, id, now, now)?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// The active endpoints, read once per fan-out batch.
pub fn active(conn: &mut DbConn) -> Result<Vec<Endpoint>, DomainError> {
    endpoints::table.filter(endpoints::disabled_at.is_null()).select(Endpoint::as_select()).load(conn).map_err(db)
}

/// What one delivery posts, read when it is about to go.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub endpoint: Endpoint,
    pub event_id: i64,
    /// The JSON body, exactly as signed.
    pub body: String,
}

/// The body of a delivery: the event's stable id and kind, and its subject as it is now.
pub fn outgoing(conn: &mut DbConn, delivery_id: i64) -> Result<Outgoing, DomainError> {
    let (endpoint, event): (Endpoint, Event) = webhook_deliveries::table
        .inner_join(endpoints::table)
        .inner_join(events::table)
        .filter(webhook_deliveries::id.eq(delivery_id))
        .select((Endpoint::as_select(), Event::as_select()))
        .first(conn)
        .map_err(db)?;
    let data = data_of(conn, &event)?;
    let body = serde_json::json!({
        "id": format!("evt_{}", event.id),
        "type": event_type(event.kind),
        "created": event.created_at / 1000,
        "data": data,
    });
    Ok(Outgoing { endpoint, event_id: event.id, body: body.to_string() })
}

/// The public name of an event kind: `answer.counted`, `followup.opened`, …
pub fn event_type(kind: EventKind) -> String {
    kind.as_str().replacen('_', ".", 1)
}

/// An event's subject, as it is when the delivery is made.
fn data_of(conn: &mut DbConn, event: &Event) -> Result<serde_json::Value, DomainError> {
    let (customer, erased): (String, Option<i64>) = customers::table
        .find(event.customer_id)
        .select((customers::external_id, customers::erased_at))
        .first(conn)
        .map_err(db)?;
    let customer = serde_json::json!({ "id": customer, "erased": erased.is_some() });
    Ok(match event.kind {
        EventKind::AnswerCounted | EventKind::AnswerMoved | EventKind::AnswerUncounted => {
            type Row = (i64, String, crate::types::Scale, Option<String>, i64, Option<String>, Option<String>);
            let (id, survey, scale, comment, answered_at, touchpoint, channel): Row = responses::table
                .inner_join(surveys::table)
                .filter(responses::id.eq(event.subject_id))
                .select((
                    responses::id,
                    surveys::slug,
                    surveys::scale,
                    responses::comment,
                    responses::answered_at,
                    responses::touchpoint,
                    responses::channel,
                ))
                .first(conn)
                .map_err(db)?;
            serde_json::json!({
                "customer": customer,
                "answer": {
                    "id": id.to_string(), "survey": survey, "scale": scale, "score": event.score,
                    "previous_score": event.previous_score, "comment": comment,
                    "answered_at": answered_at / 1000, "touchpoint": touchpoint, "channel": channel,
                },
            })
        }
        EventKind::FollowupOpened | EventKind::FollowupClosed => {
            let f: super::followups::Followup = followups::table
                .find(event.subject_id)
                .select(super::followups::Followup::as_select())
                .first(conn)
                .map_err(db)?;
            let survey: String = surveys::table.find(f.survey_id).select(surveys::slug).first(conn).map_err(db)?;
            serde_json::json!({
                "customer": customer,
                "followup": {
                    "id": f.id.to_string(), "survey": survey, "reason": f.reason, "score": f.score,
                    "previous_score": f.previous_score, "state": f.state, "outcome": f.outcome,
                    "opened_at": f.opened_at / 1000, "closed_at": f.closed_at.map(|c| c / 1000),
                    "answer_id": f.response_id.to_string(),
                },
            })
        }
        EventKind::CustomerUnsubscribed | EventKind::CustomerErased => serde_json::json!({ "customer": customer }),
    })
}

/// The signature header's value for `body` sent at unix second `t`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

/// One delivery as the endpoint's log shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoggedDelivery {
    pub id: i64,
    pub event_id: i64,
    pub kind: EventKind,
    pub state: JobState,
    pub attempts: i32,
    pub detail: Option<String>,
    pub last_code: Option<i32>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An endpoint's deliveries, newest first.
pub fn deliveries(conn: &mut DbConn, endpoint_id: i64, limit: i64) -> Result<Vec<LoggedDelivery>, DomainError> {
    type Row = (i64, i64, EventKind, JobState, i32, Option<String>, i64, i64);
    let rows: Vec<Row> = webhook_deliveries::table
        .inner_join(events::table)
        .inner_join(jobs::table.on(jobs::id.eq(webhook_deliveries::id)))
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select((
            webhook_deliveries::id,
            events::id,
            events::kind,
            jobs::state,
            jobs::attempts,
            jobs::detail,
            webhook_deliveries::created_at,
            jobs::updated_at,
        ))
        .load(conn)
        .map_err(db)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    // Attempt ids are time-ordered: the largest is the last (a replay starts counting again).
    let codes: Vec<(i64, i64, Option<i32>)> = job_attempts::table
        .filter(job_attempts::job_id.eq_any(&ids))
        .select((job_attempts::job_id, job_attempts::id, job_attempts::code))
        .load(conn)
        .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|(id, event_id, kind, state, attempts, detail, created_at, updated_at)| {
            let last_code = codes.iter().filter(|c| c.0 == id).max_by_key(|c| c.1).and_then(|c| c.2);
            LoggedDelivery { id, event_id, kind, state, attempts, detail, last_code, created_at, updated_at }
        })
        .collect())
}

/// Sends a delivery again now (an admin's replay of a failed one, or of one the receiver lost).
/// A delivery being sent right now is left alone.
pub fn replay(conn: &mut DbConn, endpoint_id: i64, delivery_id: i64, now: i64) -> Result<bool, DomainError> {
    let ours = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(delivery_id))
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id));
    let found: bool = diesel::select(diesel::dsl::exists(ours)).get_result(conn).map_err(db)?;
    if !found {
        return Err(DomainError::NotFound(format!("delivery {delivery_id}")));
    }
    super::queue::requeue(conn, delivery_id, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of Stripe's scheme, computed with Python's hmac module:
    /// `hmac.new(b"whsec_test", b"1700000000.{\"a\":1}", hashlib.sha256).hexdigest()`.
    #[test]
    fn the_signature_is_hmac_sha256_of_time_dot_body() {
        let s = signature("whsec_test", 1_700_000_000, r#"{"a":1}"#);
        assert_eq!(s, "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
    }

    #[test]
    fn public_names_use_a_dot() {
        assert_eq!(event_type(EventKind::AnswerCounted), "answer.counted");
        assert_eq!(event_type(EventKind::FollowupClosed), "followup.closed");
        assert_eq!(event_type(EventKind::CustomerUnsubscribed), "customer.unsubscribed");
    }
}
