//! The foundation under the features: health that tells the truth, a writer that survives a
//! bad write, ids unique across instances, typed stored values, the clock, the web plumbing
//! (security headers, request ids, friendly 404s) and the rules for starting instances.
use crate::common;

use crate::common::server::Server;
use crate::common::{path_of, TestApp};
use acht::db::ids;
use acht::domain::DomainError;
use diesel::prelude::*;
use serde_json::{json, Value};

#[tokio::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let database = common::sqlite();
    let app = TestApp::spawn(database).await;
    app.create_survey("service", "grade10", &["support"]).await;
    let outcome = app.report("i1", "c1", "support", "en").await;
    let page = path_of(outcome["invitation"]["survey_url"].as_str().unwrap());
    for (path, auth) in [(page.as_str(), false), ("/api/v1/surveys", true), ("/nothing", false), ("/healthz", false)] {
        let mut req = app.client.get(app.url(path));
        if auth {
            req = req.bearer_auth(&app.api_key);
        }
        let r = req.send().await.unwrap();
        let h = r.headers();
        let csp = h.get("content-security-policy").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff", "{path}");
        assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer", "{path}");
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY", "{path}");
        let id = h.get("x-request-id").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert_eq!(id.len(), 32, "{path}: a request id is echoed: '{id}'");
    }
    // The answer page's script is a file of its own (the policy forbids inline script).
    let html = app.client.get(app.url(&format!("{page}/8"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(r#"<script src="/static/survey.js" defer></script>"#));
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("style=\""), "no inline style");
    let js = app.client.get(app.url("/static/survey.js")).send().await.unwrap();
    assert_eq!(js.status(), 200);
    // Every page's icon is there (no 404 in every browser's log).
    for path in ["/favicon.ico", "/static/favicon.svg"] {
        let icon = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!((icon.status().as_u16(), icon.headers()["content-type"].to_str().unwrap()), (200, "image/svg+xml"));
    }
    assert!(html.contains(r#"<link rel="icon" href="/static/favicon.svg""#));
}

#[tokio::test]
async fn a_panicking_write_fails_alone_and_health_tells_the_truth() {
    on_every_backend!(panicking_write);
}

async fn panicking_write(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // Inject a write that panics halfway, through the server's own handle.
    let r: Result<(), DomainError> = app
        .db
        .write(|c| {
            acht::domain::apikeys::create(c, "half-written", 0)?;
            panic!("injected: a bug inside a write")
        })
        .await;
    assert!(r.is_err(), "the panicking write fails");
    // Its half-done row is gone, and later writes work.
    let keys = app.db.read(acht::domain::apikeys::list).await.unwrap();
    assert!(keys.iter().all(|k| k.name != "half-written"));
    let outcome = app.report("after-panic", "c-after", "support", "en").await;
    assert_eq!(outcome["decision"], "invited");
    for path in ["/healthz", "/readyz"] {
        assert_eq!(app.client.get(app.url(path)).send().await.unwrap().status(), 200, "{path}");
    }
}

/// A process whose id tag was taken over (it stalled past its lease) stops writing and fails
/// liveness, so an orchestrator restarts it before its ids can meet the new holder's.
#[tokio::test]
async fn losing_the_id_lease_stops_writes_and_fails_liveness() {
    on_every_backend!(lease_lost);
}

async fn lease_lost(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    let db = app.db.clone();
    assert!(tokio::task::spawn_blocking(move || db.renew_lease()).await.unwrap().unwrap(), "renewal works");
    // Another process takes the tag, as if this one had stalled for minutes.
    let mut conn = acht::db::establish(&app.database_url).unwrap();
    let far = 4_000_000_000_000i64;
    diesel::sql_query(format!(
        "UPDATE instance_leases SET holder = 'another process', expires_at = {far} WHERE tag = {}",
        app.db.id_tag()
    ))
    .execute(&mut conn)
    .unwrap();
    let db = app.db.clone();
    assert!(!tokio::task::spawn_blocking(move || db.renew_lease()).await.unwrap().unwrap(), "the tag is gone");
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 503);
    let r = app
        .post_json("/api/v1/interactions", &json!({"id": "x", "touchpoint": "support", "customer": {"id": "c"}}))
        .await;
    assert_eq!(r.status(), 503, "no write with a tag that is not ours");
}

#[tokio::test]
async fn time_moves_on_the_clock_not_by_sleeping() {
    on_every_backend!(expiry_by_clock);
}

async fn expiry_by_clock(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let outcome = app.report("i-exp", "c-exp", "support", "nl").await;
    let page = path_of(outcome["invitation"]["survey_url"].as_str().unwrap());
    assert_eq!(app.client.get(app.url(&page)).send().await.unwrap().status(), 200);
    // Default expiry: 14 days after sending, which is an hour after the interaction.
    app.clock.advance_ms(14 * 86_400_000 + 3_600_000 - 1000);
    assert_eq!(app.client.get(app.url(&page)).send().await.unwrap().status(), 200, "still open");
    app.clock.advance_ms(2000);
    let r = app.client.get(app.url(&format!("{page}/8"))).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("Deze vragenlijst is gesloten"), "in the customer's language");
    // The sweep writes the status: `expired` is a stored value, not only a computed one.
    let now = app.clock.now();
    let n = app.db.write(move |c| acht::domain::answers::expire_due(c, now)).await.unwrap();
    assert_eq!(n, 1);
    let status: acht::types::InvitationStatus = app
        .db
        .read(|c| {
            use acht::db::schema::invitations::dsl::*;
            invitations.select(status).first(c).map_err(DomainError::from)
        })
        .await
        .unwrap();
    assert_eq!(status, acht::types::InvitationStatus::Expired);

    // The sweep reads only the windows that closed since its last run: an interaction reported
    // after its window closed is expired from the start, and a window that closes later is
    // found by a later run, once.
    let expired = || async {
        app.db
            .read(|c| {
                use acht::db::schema::invitations::dsl::*;
                invitations
                    .filter(status.eq(acht::types::InvitationStatus::Expired))
                    .count()
                    .get_result::<i64>(c)
                    .map_err(DomainError::from)
            })
            .await
            .unwrap()
    };
    app.report("i-exp-later", "c-exp-later", "support", "nl").await;
    let old = json!({"id": "i-exp-old", "touchpoint": "support", "occurred_at": "2020-01-01T00:00:00Z",
        "customer": {"id": "c-exp-old", "email": "old@example.test", "locale": "en"}});
    assert!(app.post_json("/api/v1/interactions", &old).await.status().is_success());
    assert_eq!(expired().await, 2, "the old interaction's invitation is expired at once");
    app.clock.advance_ms(15 * 86_400_000);
    let now = app.clock.now();
    assert_eq!(app.db.write(move |c| acht::domain::answers::expire_due(c, now)).await.unwrap(), 1);
    assert_eq!(expired().await, 3);
    assert_eq!(app.db.write(move |c| acht::domain::answers::expire_due(c, now)).await.unwrap(), 0, "nothing twice");
}

#[tokio::test]
async fn unsubscribe_erasure_and_key_revocation() {
    on_every_backend!(consent_and_keys);
}

async fn consent_and_keys(app: &TestApp) {
    let r = app
        .post_json(
            "/api/v1/surveys",
            &json!({"slug": "service", "scale": "grade10", "touchpoints": ["support"],
                    "fatigue_survey_days": 0, "fatigue_global_days": 0,
                    "texts": {"nl": {"question": "Cijfer?"}, "en": {"question": "Grade?"}}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let first = app.report("u1", "cu", "support", "en").await;
    let eight = first["invitation"]["score_urls"][7]["url"].as_str().unwrap().to_string();
    app.client
        .post(app.url(&path_of(first["invitation"]["survey_url"].as_str().unwrap())))
        .form(&[("score", "8"), ("comment", "Jan de Vries, 0612345678")])
        .send()
        .await
        .unwrap();
    assert!(!eight.is_empty());

    let r = app.post_json("/api/v1/customers/cu/events", &json!({"kind": "unsubscribe"})).await;
    assert_eq!(r.status(), 201);
    assert!(r.json::<Value>().await.unwrap()["unsubscribed_at"].is_string());
    assert_eq!(app.report("u2", "cu", "support", "en").await["decision"], "unsubscribed");
    app.post_json("/api/v1/customers/cu/events", &json!({"kind": "resubscribe"})).await;
    assert_eq!(app.report("u3", "cu", "support", "en").await["decision"], "invited");

    let r = app.client.delete(app.url("/api/v1/customers/cu")).bearer_auth(&app.api_key).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["email"].is_null() && v["erased_at"].is_string(), "{v}");
    let listed = app.responses("?customer=cu").await;
    assert_eq!(listed["data"][0]["score"], 8, "the score stays for the figures");
    assert!(listed["data"][0]["comment"].is_null(), "the comment is erased");
    assert_eq!(app.report("u4", "cu", "support", "en").await["decision"], "erased");
    // Their links are closed: without addresses, new visits could not be judged.
    assert_eq!(app.client.get(app.url(&path_of(&eight))).send().await.unwrap().status(), 410);

    // A revoked key is refused from then on.
    let now = app.clock.now();
    let key = app.db.write(move |c| acht::domain::apikeys::create(c, "partner", now)).await.unwrap();
    let get = |k: String| app.client.get(app.url("/api/v1/surveys")).bearer_auth(k).send();
    assert_eq!(get(key.clone()).await.unwrap().status(), 200);
    app.db.write(move |c| acht::domain::apikeys::revoke(c, "partner", now)).await.unwrap();
    let r = get(key).await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers().get("www-authenticate").unwrap(), "Bearer");
}

/// An unknown stored value is an error, never a silent default; the database refuses one too.
#[tokio::test]
async fn unknown_stored_values_are_refused_and_never_read_as_defaults() {
    for database in common::databases() {
        let backend = database.backend;
        let url = database.url.clone();
        let app = TestApp::spawn(database).await;
        app.create_survey("service", "grade10", &["support"]).await;
        app.report("t1", "ct", "support", "en").await;
        let mut conn = acht::db::establish(&url).unwrap();
        let refused = diesel::sql_query("UPDATE interactions SET decision = 'perhaps'").execute(&mut conn).unwrap_err();
        assert!(refused.to_string().to_lowercase().contains("check"), "{backend:?}: {refused}");
        if backend == acht::db::Backend::Sqlite {
            // Bypass the CHECK (SQLite allows it) to see what reading a bad value does.
            diesel::sql_query("PRAGMA ignore_check_constraints = ON").execute(&mut conn).unwrap();
            diesel::sql_query("UPDATE interactions SET decision = 'perhaps'").execute(&mut conn).unwrap();
            let r = app
                .post_json(
                    "/api/v1/interactions",
                    &json!({"id": "t1", "touchpoint": "support",
                "customer": {"id": "ct"}}),
                )
                .await;
            assert_eq!(r.status(), 503, "a retry reads the stored decision, which is unknown");
            let read: Result<Vec<acht::types::Decision>, _> = {
                use acht::db::schema::interactions::dsl::*;
                interactions.select(decision).load(&mut conn)
            };
            let err = format!("{:?}", read.unwrap_err());
            assert!(err.contains("UnknownValue { value: \"perhaps\""), "{err}");
        }
    }
}

#[tokio::test]
async fn id_tags_are_leased_one_per_live_process() {
    for database in common::databases() {
        let backend = database.backend;
        let url = database.url.clone();
        let mut conn = acht::db::establish(&url).unwrap();
        acht::db::migrate(&mut conn).unwrap();
        let now = 1_800_000_000_000;
        assert_eq!(ids::acquire(&mut conn, None, "a", now).unwrap(), 0, "{backend:?}");
        assert_eq!(ids::acquire(&mut conn, None, "b", now).unwrap(), 1);
        assert!(ids::acquire(&mut conn, Some(0), "c", now).is_err(), "a live tag is not shared");
        assert!(ids::renew_at(&mut conn, 0, "a", now + 1000).unwrap());
        // A lapsed lease is free again; its old holder learns it lost the tag.
        let later = now + ids::LEASE_MS + 10_000;
        assert!(ids::renew_at(&mut conn, 1, "b", later).unwrap(), "lapsed but untaken: taken again");
        let much_later = later + ids::LEASE_MS + 1;
        assert_eq!(ids::acquire(&mut conn, Some(0), "c", much_later).unwrap(), 0);
        assert!(!ids::renew_at(&mut conn, 0, "a", much_later + 1).unwrap());
        // All tags taken: a clear error, not a shared tag.
        for k in 0..ids::TAGS {
            let _ = ids::acquire(&mut conn, None, &format!("p{k}"), much_later);
        }
        let err = ids::acquire(&mut conn, None, "one-too-many", much_later).unwrap_err();
        assert!(err.to_string().contains("all 1024 id tags are leased"), "{err}");
    }
}

/// Two real acht servers on one PostgreSQL database, written to at the same moments: each has
/// its own tag, so their ids never collide.
#[tokio::test]
async fn two_instances_on_one_postgres_make_distinct_ids() {
    let Some(database) = common::postgres() else { return };
    let url = database.url.clone();
    let client = reqwest::Client::new();
    let servers = [Server::start(&url, &[]), Server::start(&url, &[])];
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    common::cli_service_survey(&url);
    let key = common::acht_ok(&url, &["apikey", "create", "ids"]).trim().to_string();
    let mut tasks = Vec::new();
    for (n, base) in bases.iter().enumerate() {
        for round in 0..5 {
            let (client, base, key) = (client.clone(), base.clone(), key.clone());
            tasks.push(tokio::spawn(async move {
                let items: Vec<Value> = (0..200)
                    .map(|k| {
                        json!({"id": format!("s{n}-{round}-{k}"), "touchpoint": "support",
                        "customer": {"id": format!("s{n}-{round}-{k}"), "email": "x@example.test"}})
                    })
                    .collect();
                let r = client
                    .post(format!("{base}/api/v1/interactions/batch"))
                    .bearer_auth(key)
                    .json(&json!({ "interactions": items }))
                    .send()
                    .await
                    .unwrap();
                r.status().as_u16()
            }));
        }
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let mut conn = acht::db::establish(&url).unwrap();
    use acht::db::schema::interactions::dsl::*;
    let rows: Vec<(i64, String)> = interactions.select((id, external_id)).load(&mut conn).unwrap();
    assert_eq!(rows.len(), 2000);
    let tag_of = |server: &str| {
        let mut tags: Vec<i32> =
            rows.iter().filter(|(_, e)| e.starts_with(server)).map(|(i, _)| ids::tag_of(*i)).collect();
        tags.dedup();
        tags
    };
    let (a, b) = (tag_of("s0-"), tag_of("s1-"));
    assert_eq!((a.len(), b.len()), (1, 1), "one tag per instance");
    assert_ne!(a, b, "two instances, two tags");
}

#[tokio::test]
async fn a_second_server_on_one_sqlite_file_and_a_public_address_without_base_url_are_refused() {
    let database = common::sqlite();
    let url = database.url.clone();
    let _first = Server::start(&url, &[]);
    let second = common::acht_cli(&url, &["serve", "--bind", "127.0.0.1:0"]);
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("another acht server already serves"), "{err}");
    // The command line still works beside the server.
    common::acht_ok(&url, &["apikey", "create", "beside"]);

    let database = common::sqlite();

    let url = database.url.clone();
    let public = common::acht_cli(&url, &["serve", "--bind", "0.0.0.0:0"]);
    assert!(!public.status.success());
    assert!(String::from_utf8_lossy(&public.stderr).contains("set ACHT_BASE_URL"));
}

/// One log line per request, naming the route pattern and the request id, never a survey
/// link's secret token.
#[tokio::test]
async fn request_log_lines_name_routes_and_ids_but_never_link_tokens() {
    let database = common::sqlite();
    let url = database.url.clone();
    common::cli_service_survey(&url);
    let key = common::acht_ok(&url, &["apikey", "create", "log"]).trim().to_string();
    let mut server = Server::start(&url, &[("ACHT_LOG", "info")]);
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let outcome: Value = client
        .post(format!("{base}/api/v1/interactions"))
        .bearer_auth(&key)
        .json(&json!({"id": "l1", "touchpoint": "support", "customer": {"id": "cl", "email": "l@example.test"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = outcome["invitation"]["score_urls"][7]["url"].as_str().unwrap().to_string();
    let token = path_of(&link).split('/').nth(2).unwrap().to_string();
    let r = client.get(&link).header("X-Request-Id", "lb-12345").send().await.unwrap();
    assert_eq!(r.headers().get("x-request-id").unwrap(), "lb-12345", "a load balancer's id is kept");
    server.kill();
    let text = server.log_text();
    assert!(text.contains("/s/{token}/{score}") && text.contains("lb-12345"), "{text}");
    assert!(text.contains("route=/api/v1/interactions") && text.contains("status=201"), "{text}");
    assert!(!text.contains(&token), "the secret token never reaches the log:\n{text}");
}

/// The README's promise for a wrong method and a body that is not JSON: 405 with `Allow` and
/// 415, each a JSON error with its stable code, and nothing written.
#[tokio::test]
async fn a_wrong_method_gets_405_with_allow_and_a_body_that_is_not_json_gets_415() {
    let app = TestApp::spawn(common::sqlite()).await;
    let cases = [
        (reqwest::Method::DELETE, "/api/v1/surveys", "GET, POST"),
        (reqwest::Method::POST, "/api/v1/surveys/service", "GET"),
        (reqwest::Method::GET, "/api/v1/interactions", "POST"),
        (reqwest::Method::PATCH, "/api/v1/customers/c1", "PUT, DELETE"),
        (reqwest::Method::GET, "/api/v1/customers/c1/events", "POST"),
        (reqwest::Method::PUT, "/api/v1/responses", "GET"),
    ];
    for (method, path, allow) in cases {
        let r = app.client.request(method.clone(), app.url(path)).bearer_auth(&app.api_key).send().await.unwrap();
        assert_eq!(r.status(), 405, "{method} {path}");
        assert_eq!(r.headers()["allow"], allow, "{method} {path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "method_not_allowed", "{method} {path}: {body}");
    }
    let survey = r#"{"slug": "service", "scale": "grade10", "texts": {"nl": {"question": "Cijfer?"}}}"#;
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/xml")] {
        let mut request = app.client.post(app.url("/api/v1/surveys")).bearer_auth(&app.api_key).body(survey);
        if let Some(t) = content_type {
            request = request.header("Content-Type", t);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 415, "{content_type:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "unsupported_media_type", "{content_type:?}: {body}");
    }
    let listed: Value = app.get_json("/api/v1/surveys").await.json().await.unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "nothing was created: {listed}");
    // The same body as JSON is taken.
    let r = app
        .client
        .post(app.url("/api/v1/surveys"))
        .bearer_auth(&app.api_key)
        .header("Content-Type", "application/json")
        .body(survey)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}
