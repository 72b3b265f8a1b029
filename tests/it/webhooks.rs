//! Webhooks: each event kind reaches a registered endpoint (a receiver on loopback) once, signed
//! with the endpoint's secret; an endpoint that is down gets it when it is back; a delivery
//! that failed for good is sent again from the admin page; and two instances on one PostgreSQL
//! deliver each event once.
use crate::common;
use crate::common::hooks::{Received, Receiver};
use crate::common::server::Server;
use crate::common::TestApp;
use acht::config::{Settings, Switch};
use acht::domain::queue::RetryRules;
use acht::domain::webhooks;
use acht::jobs::worker::Delivery;
use acht::types::{EventKind, Role};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const KINDS: [EventKind; 5] = webhooks::KINDS;

async fn endpoint(app: &TestApp, receiver: &Receiver) -> webhooks::Endpoint {
    let (url, now) = (receiver.url.clone(), app.clock.now());
    app.db.write(move |c| webhooks::create(c, &url, &KINDS, "CRM", now)).await.unwrap()
}

/// An instance's beat, by hand: events to their subscribers (twice: a follow-up opened by an
/// answer is an event of its own), then the due jobs.
async fn beat(app: &TestApp, delivery: &Delivery) -> acht::jobs::worker::Tally {
    acht::jobs::fan_out(&app.state).await;
    acht::jobs::fan_out(&app.state).await;
    delivery.deliver_due().await
}

fn types(got: &[Received]) -> Vec<String> {
    got.iter().map(|r| r.json()["type"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn every_event_kind_reaches_the_endpoint_once_signed_and_after_an_outage() {
    on_every_backend_with!(webhook_scenario, |s| s.jobs = Switch::Off);
}

async fn webhook_scenario(app: &TestApp) {
    let receiver = Receiver::start().await;
    let hook = endpoint(app, &receiver).await;
    let settings = Settings::for_database(&app.database_url);
    let mut delivery = Delivery::new(&app.state, None, &settings);
    app.create_eager_survey("service", "grade10", &["support"]).await;

    // An answer that counts, the follow-up it opens, its closing, an unsubscribe, an erasure.
    app.answer("i1", "c1", "support", 4, "te laat").await;
    assert_eq!(beat(app, &delivery).await.sent, 2);
    let followups: Vec<Value> = app.get_json("/api/v1/followups").await.json().await.unwrap();
    let id = followups[0]["id"].as_str().unwrap();
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/followups/{id}")))
        .bearer_auth(&app.api_key)
        .json(&json!({"outcome": "reached"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for _ in 0..2 {
        // Reported twice (a retry): told once.
        let r = app.post_json("/api/v1/customers/c1/events", &json!({"kind": "unsubscribe"})).await;
        assert!(r.status().is_success());
    }
    let r = app.client.delete(app.url("/api/v1/customers/c1")).bearer_auth(&app.api_key).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(beat(app, &delivery).await.sent, 3);
    // Nothing is sent twice: a beat with nothing new sends nothing.
    assert_eq!(beat(app, &delivery).await.sent, 0);

    let got = receiver.received();
    let mut kinds = types(&got);
    kinds.sort(); // a beat sends side by side: in any order
    assert_eq!(
        kinds,
        ["answer.counted", "customer.erased", "customer.unsubscribed", "followup.closed", "followup.opened"]
    );
    let of = |t: &str| got.iter().find(|r| r.json()["type"] == t).unwrap().json();
    let now_s = app.clock.now() / 1000;
    for r in &got {
        assert!(r.signed_with(&hook.secret), "signed with the endpoint's secret: {:?}", r.header("acht-signature"));
        assert!(!r.signed_with("whsec_another"), "a wrong secret does not verify");
        assert!((now_s - r.signed_at()).abs() < 300, "signed now (within a five-minute replay window)");
        assert_eq!(r.header("acht-event-id"), r.json()["id"].as_str(), "the header names the body's event");
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    let answer = of("answer.counted");
    assert_eq!(answer["data"]["answer"]["score"], 4);
    assert_eq!(answer["data"]["answer"]["survey"], "service");
    assert_eq!(answer["data"]["customer"]["id"], "c1");
    assert_eq!(of("followup.closed")["data"]["followup"]["outcome"], "reached");
    // Delivered before the erasure: the comment as the customer wrote it.
    assert_eq!(answer["data"]["answer"]["comment"], "te laat");
    assert_eq!(of("customer.erased")["data"]["customer"]["erased"], true);

    // The endpoint is down: the deliveries wait and go when it is back.
    receiver.answer_with(503);
    app.answer("i2", "c2", "support", 5, "").await;
    let down = beat(app, &delivery).await;
    assert_eq!((down.sent, down.retrying), (0, 2), "{down:?}");
    app.clock.advance_ms(30_000);
    assert_eq!(beat(app, &delivery).await.sent, 0, "not before the backoff");
    receiver.answer_with(200);
    app.clock.advance_ms(60_000);
    assert_eq!(beat(app, &delivery).await.sent, 2, "delivered once the endpoint is back");
    let accepted = receiver.accepted();
    let mut back = types(&accepted[5..]);
    back.sort(); // sent side by side: in either order
    assert_eq!(back, ["answer.counted", "followup.opened"]);
    let refused = receiver.received().iter().filter(|r| r.answered == 503).count();
    assert_eq!(refused, 2);

    // A delivery that failed for good is sent again from the endpoint's page.
    delivery.rules = RetryRules { base_ms: 1_000, cap_ms: 1_000, max_attempts: 2 };
    receiver.answer_with(500);
    app.answer("i3", "c3", "support", 9, "").await;
    beat(app, &delivery).await;
    app.clock.advance_ms(2_000);
    assert_eq!(beat(app, &delivery).await.ended, 1, "given up after two attempts");
    receiver.answer_with(200);
    app.user("admin@acme.example", "a long password 1", Role::Admin).await;
    let admin = app.signed_in("admin@acme.example", "a long password 1").await;
    let page = admin.get(app.url(&format!("/app/webhooks/{}", hook.id))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("HTTP 500"), "the log shows the last answer");
    let failed = page.split("name=\"delivery\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = admin
        .post(app.url(&format!("/app/webhooks/{}", hook.id)))
        .form(&[("csrf", common::csrf_of(&page)), ("action", "replay".into()), ("delivery", failed)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(beat(app, &delivery).await.sent, 1, "sent again, now delivered");
    let last = receiver.accepted().pop().unwrap();
    assert_eq!(last.json()["data"]["answer"]["score"], 9);
    assert!(last.signed_with(&hook.secret));
}

/// Two real `acht serve` processes on one PostgreSQL database, both running their beats every
/// second, answers arriving at both: each event reaches a healthy endpoint exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn two_instances_on_one_postgres_deliver_each_event_once() {
    let Some(database) = common::postgres() else { return };
    let url = database.url.clone();
    common::acht_ok(&url, &["migrate"]);
    let key = common::acht_ok(&url, &["apikey", "create", "two"]).trim().to_string();
    let receiver = Receiver::start().await;
    let mut conn = acht::db::establish(&url).unwrap();
    let hook = webhooks::create(&mut conn, &receiver.url, &KINDS, "", chrono::Utc::now().timestamp_millis()).unwrap();
    let env = [("ACHT_MAIL_POLL_SECONDS", "1")];
    let servers = [Server::start(&url, &env), Server::start(&url, &env)];
    let client = reqwest::Client::new();
    let r = client
        .post(servers[0].url("/api/v1/surveys"))
        .bearer_auth(&key)
        .json(&json!({"slug": "service", "scale": "grade10", "delay_minutes": 0,
            "texts": {"nl": {"question": "Cijfer?"}}, "touchpoints": ["support"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Forty customers each answer 3 (an answer and a follow-up each), alternately at either instance.
    const N: usize = 40;
    let mut posts = vec![];
    for k in 0..N {
        let server = &servers[k % 2];
        let out: Value = client
            .post(server.url("/api/v1/interactions"))
            .bearer_auth(&key)
            .json(&json!({"id": format!("i{k}"), "touchpoint": "support",
                "customer": {"id": format!("c{k}"), "email": format!("c{k}@example.test")}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let link = out["invitation"]["score_urls"][0]["url"].as_str().unwrap();
        let form = server.url(common::path_of(link).rsplit_once('/').unwrap().0);
        posts.push(tokio::spawn(client.post(form).form(&[("score", "3")]).send()));
    }
    for post in posts {
        assert_eq!(post.await.unwrap().unwrap().status(), 200);
    }
    let until = std::time::Instant::now() + std::time::Duration::from_secs(90);
    while receiver.accepted().len() < 2 * N {
        assert!(std::time::Instant::now() < until, "only {} of {} delivered", receiver.accepted().len(), 2 * N);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // A few beats more: anything sent twice would arrive now.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let got = receiver.received();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for r in &got {
        assert!(r.signed_with(&hook.secret));
        *by_id.entry(r.json()["id"].as_str().unwrap().to_string()).or_default() += 1;
    }
    assert_eq!(got.len(), 2 * N, "no event twice: {:?}", by_id.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>());
    assert_eq!(by_id.len(), 2 * N);
    let kinds = types(&got);
    assert_eq!(kinds.iter().filter(|k| *k == "answer.counted").count(), N);
    assert_eq!(kinds.iter().filter(|k| *k == "followup.opened").count(), N);
}
