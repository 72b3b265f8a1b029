//! Follow-ups: a low answer (or a drop of two points) opens one, once per customer and survey
//! while it is open; the API lists, assigns, notes and closes them, and each change is logged
//! with who made it. On both backends, with the app's jobs in the test's hands.
use crate::common;
use crate::common::TestApp;
use acht::config::Switch;
use acht::types::{Role, TextEnum};
use serde_json::{json, Value};

const DAY_MS: i64 = 86_400_000;

async fn open_followups(app: &TestApp, query: &str) -> Vec<Value> {
    let r = app.get_json(&format!("/api/v1/followups{query}")).await;
    assert_eq!(r.status(), 200);
    r.json::<Vec<Value>>().await.unwrap()
}

async fn patch(app: &TestApp, id: &str, body: Value) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/api/v1/followups/{id}")))
        .bearer_auth(&app.api_key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Hands the events to their subscribers, as an instance's beat does.
async fn fan_out(app: &TestApp) {
    acht::jobs::fan_out(&app.state).await;
}

#[tokio::test]
async fn low_answers_and_drops_open_follow_ups_that_the_api_works() {
    on_every_backend_with!(follow_up_scenario, |s| s.jobs = Switch::Off);
}

async fn follow_up_scenario(app: &TestApp) {
    app.create_eager_survey("service", "grade10", &["support"]).await;
    app.answer("i1", "c1", "support", 4, "twee keer gebeld").await;
    app.answer("i2", "c2", "support", 9, "").await;
    app.answer("i3", "c3", "support", 8, "").await;
    fan_out(app).await;
    let open = open_followups(app, "").await;
    assert_eq!(open.len(), 1, "only the 4 opens one: {open:?}");
    assert_eq!((open[0]["customer"].as_str(), open[0]["reason"].as_str()), (Some("c1"), Some("low_score")));
    assert_eq!(open[0]["score"], 4);
    assert_eq!(open[0]["comment"], "twee keer gebeld");

    // A second low answer joins the open follow-up; a drop of two points opens one.
    app.answer("i4", "c1", "support", 3, "").await;
    app.answer("i5", "c2", "support", 7, "").await;
    app.answer("i6", "c3", "support", 7, "").await; // one point down: no drop
    fan_out(app).await;
    let open = open_followups(app, "").await;
    let who: Vec<(&str, &str)> =
        open.iter().map(|f| (f["customer"].as_str().unwrap(), f["reason"].as_str().unwrap())).collect();
    assert_eq!(who, [("c1", "low_score"), ("c2", "drop")], "oldest first");
    assert_eq!((open[1]["score"].as_i64(), open[1]["previous_score"].as_i64()), (Some(7), Some(9)));
    // Events already handed on are not handed on again.
    fan_out(app).await;
    assert_eq!(open_followups(app, "").await.len(), 2);

    let id = open[0]["id"].as_str().unwrap().to_string();
    let r = patch(app, &id, json!({"assignee": "nobody@acme.example"})).await;
    assert_eq!(r.status(), 404, "no such user");
    let r = patch(app, &id, json!({"state": "closed"})).await;
    assert_eq!(r.status(), 400, "closing is saying what came of it");
    assert_eq!(patch(app, "123", json!({"note": "x"})).await.status(), 404);

    app.user("ana@acme.example", "a long password 1", Role::Analyst).await;
    let r = patch(app, &id, json!({"assignee": "Ana@acme.example"})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(open_followups(app, "?state=unassigned").await.len(), 1, "c2's is left");
    app.clock.advance_ms(4 * DAY_MS);
    assert_eq!(open_followups(app, "?state=overdue").await.len(), 2, "open more than three days");
    let r = patch(app, &id, json!({"note": "Gebeld: de monteur kwam twee keer niet.", "outcome": "resolved"})).await;
    assert_eq!(r.status(), 200);
    let closed: Value = r.json().await.unwrap();
    assert_eq!((closed["state"].as_str(), closed["outcome"].as_str()), (Some("closed"), Some("resolved")));
    assert_eq!(closed["assignee"], "ana@acme.example");
    assert_eq!(closed["overdue"], false);
    assert_eq!(open_followups(app, "?state=closed").await.len(), 1);

    // Closed, the next low answer opens a new one.
    app.answer("i7", "c1", "support", 2, "").await;
    fan_out(app).await;
    let open = open_followups(app, "").await;
    assert_eq!(open.len(), 2);
    assert_ne!(open.iter().find(|f| f["customer"] == "c1").unwrap()["id"], json!(id));

    // The log says who did what, in order.
    let n: i64 = id.parse().unwrap();
    let log = app.db.read(move |c| acht::domain::followups::history(c, &[n])).await.unwrap();
    let steps: Vec<(String, &str)> = log.iter().map(|(e, _)| (e.actor.clone(), e.action.as_str())).collect();
    assert_eq!(
        steps,
        [
            ("acht".to_string(), "opened"),
            ("API key test".into(), "assigned"),
            ("API key test".into(), "noted"),
            ("API key test".into(), "closed")
        ]
    );
    assert_eq!(log[1].1.as_deref(), Some("ana@acme.example"));
    // Reopening while another is open for the customer and survey is refused.
    assert_eq!(patch(app, &id, json!({"state": "open"})).await.status(), 409);
}

/// Each morning at eight, local time, an assignee gets one email with their open follow-ups,
/// the overdue ones first, linking to each; not twice a day, not before eight, not once nothing
/// is open. On both backends, through a real SMTP server.
#[tokio::test]
async fn an_assignee_gets_one_digest_each_morning_with_their_open_follow_ups() {
    for database in common::databases() {
        let Some(smtp) = common::smtp::SmtpServer::start() else { return };
        let smtp_url = smtp.url();
        let tune = move |s: &mut acht::config::Settings| {
            s.smtp_url = Some(smtp_url.clone());
            s.mail_from = Some("Acme <survey@acme.example>".into());
            s.jobs = Switch::Off;
        };
        let app = TestApp::spawn_with(database, tune.clone()).await;
        let mut settings = acht::config::Settings::for_database(&app.database_url);
        tune(&mut settings);
        let mailer = acht::mail::Mailer::from_settings(&settings).unwrap();
        let delivery = acht::jobs::worker::Delivery::new(&app.state, mailer, &settings);
        digest_scenario(&app, &delivery, &smtp).await;
    }
}

async fn digest_scenario(app: &TestApp, delivery: &acht::jobs::worker::Delivery, smtp: &common::smtp::SmtpServer) {
    // 06:30 UTC on a Monday in December: 07:30 in Amsterdam, where the assignee works.
    let monday = chrono::DateTime::parse_from_rfc3339("2026-12-07T06:30:00Z").unwrap().timestamp_millis();
    app.clock.set(monday - 4 * DAY_MS);
    app.create_eager_survey("service", "grade10", &["support"]).await;
    app.user("ana@acme.example", "a long password 1", Role::Analyst).await;
    app.answer("i1", "c1", "support", 3, "Geen monteur gekomen").await;
    app.clock.set(monday - 3_600_000);
    app.answer("i2", "c2", "support", 2, "").await;
    app.answer("i3", "c3", "support", 1, "").await; // nobody's: not in a digest
    fan_out(app).await;
    for f in open_followups(app, "").await.iter().filter(|f| f["customer"] != "c3") {
        let r = patch(app, f["id"].as_str().unwrap(), json!({"assignee": "ana@acme.example"})).await;
        assert_eq!(r.status(), 200);
    }
    delivery.deliver_due().await; // the survey emails of the interactions
    let before = smtp.messages().len();

    app.clock.set(monday);
    acht::jobs::claim_digests(&app.state).await;
    delivery.deliver_due().await;
    assert_eq!(smtp.messages().len(), before, "not before eight in the morning");

    app.clock.set(monday + 3_600_000);
    acht::jobs::claim_digests(&app.state).await;
    acht::jobs::claim_digests(&app.state).await;
    assert_eq!(delivery.deliver_due().await.sent, 1);
    let mails = smtp.messages();
    assert_eq!(mails.len(), before + 1, "one digest");
    let mail = common::smtp::Mail { raw: mails.last().unwrap().clone() };
    assert_eq!(mail.header("To").as_deref(), Some("ana@acme.example"));
    assert_eq!(mail.header("Subject").as_deref(), Some("2 follow-ups are waiting for you, 1 overdue"));
    let html = mail.part("text/html").unwrap();
    let text = mail.part("text/plain").unwrap();
    let (c1, c2) = (text.find("c1").unwrap(), text.find("c2").unwrap());
    assert!(c1 < c2, "the overdue one first:\n{text}");
    assert!(text.contains("Geen monteur gekomen") && !text.contains("c3"), "{text}");
    let links = common::smtp::hrefs(&html);
    assert_eq!(links.iter().filter(|l| l.contains("/app/followups/")).count(), 2, "{links:?}");
    // Kept for a look at it in a browser.
    let keep = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::write(keep.join("digest-email.html"), &html).unwrap();

    // Later the same day: nothing more. The next morning: the next one.
    app.clock.set(monday + 8 * 3_600_000);
    acht::jobs::claim_digests(&app.state).await;
    assert_eq!(delivery.deliver_due().await.sent, 0);
    app.clock.set(monday + DAY_MS + 3_600_000);
    acht::jobs::claim_digests(&app.state).await;
    assert_eq!(delivery.deliver_due().await.sent, 1, "the next morning's");
    // Nothing open for them any more: no digest.
    for f in open_followups(app, "").await.iter().filter(|f| f["assignee"] == "ana@acme.example") {
        let r = patch(app, f["id"].as_str().unwrap(), json!({"outcome": "resolved"})).await;
        assert_eq!(r.status(), 200);
    }
    app.clock.set(monday + 2 * DAY_MS + 3_600_000);
    acht::jobs::claim_digests(&app.state).await;
    assert_eq!(delivery.deliver_due().await.sent, 0, "nothing open, no digest");
}
