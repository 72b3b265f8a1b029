//! The survey loop walked over HTTP, on SQLite and on PostgreSQL.
use crate::common;

use crate::common::{path_of, TestApp};
use serde_json::{json, Value};

#[tokio::test]
async fn the_whole_loop_from_survey_to_listed_answer() {
    on_every_backend!(whole_loop);
}

async fn whole_loop(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let outcome = app.report("int-1", "cust-1", "support", "en").await;
    assert_eq!(outcome["decision"], "invited");
    assert_eq!(outcome["created"], true);
    let inv = &outcome["invitation"];
    let links = inv["score_urls"].as_array().unwrap();
    assert_eq!(links.len(), 10);
    assert_eq!(links[0]["score"], 1);

    // The survey page shows the English question with ten buttons.
    let page = app.client.get(app.url(&path_of(inv["survey_url"].as_str().unwrap()))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("What grade would you give us?"));
    assert_eq!(html.matches("name=\"score\"").count(), 10);

    // One click on "8" from the email stores it at once.
    let eight = links.iter().find(|l| l["score"] == 8).unwrap()["url"].as_str().unwrap().to_string();
    let thanks = app.client.get(app.url(&path_of(&eight))).send().await.unwrap();
    assert_eq!(thanks.status(), 200);
    assert!(thanks.text().await.unwrap().contains("Thank you"));
    let listed = app.responses("?survey=service").await;
    assert_eq!(listed["data"][0]["score"], 8);
    assert_eq!(listed["data"][0]["state"], "unverified", "a bare link click is not yet a counted answer");

    // The customer changes the score to 9 and adds a comment: a human signal.
    let comment = "Snel geholpen <b>echt</b> & \"vriendelijk\"\nTweede regel";
    let form = app
        .client
        .post(app.url(&path_of(inv["survey_url"].as_str().unwrap())))
        .form(&[("score", "9"), ("comment", comment)])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(
        html.contains("Snel geholpen &#60;b&#62;echt&#60;/b&#62;")
            || html.contains("Snel geholpen &lt;b&gt;echt&lt;/b&gt;"),
        "comment is escaped: {html}"
    );
    assert!(!html.contains("<b>echt</b>"));

    let listed = app.responses("?survey=service").await;
    let data = listed["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "one answer per invitation");
    assert_eq!(data[0]["score"], 9);
    assert_eq!(data[0]["comment"], comment, "stored exactly as typed");
    assert_eq!(data[0]["state"], "counted");
    assert_eq!(data[0]["customer_id"], "cust-1");
    assert_eq!(data[0]["provenance"], "form");
}

#[tokio::test]
async fn retries_never_create_a_second_invitation() {
    on_every_backend!(idempotent_retries);
}

async fn idempotent_retries(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let first = app.report("int-9", "cust-9", "support", "nl").await;
    let again = app.report("int-9", "cust-9", "support", "nl").await;
    assert_eq!(again["created"], false);
    assert_eq!(first["invitation"]["survey_url"], again["invitation"]["survey_url"], "a retry hands out the same link");
    // And in a batch with a duplicate inside.
    let batch = json!({"interactions": [
        {"id": "int-9", "touchpoint": "support", "customer": {"id": "cust-9"}},
        {"id": "int-10", "touchpoint": "support", "customer": {"id": "cust-10", "email": "c10@example.test"}},
        {"id": "int-10", "touchpoint": "support", "customer": {"id": "cust-10"}}
    ]});
    let r: Value = app.post_json("/api/v1/interactions/batch", &batch).await.json().await.unwrap();
    let results = r["results"].as_array().unwrap();
    assert_eq!(results[0]["created"], false);
    assert_eq!(results[1]["created"], true);
    assert_eq!(results[2]["created"], false);
    assert_eq!(results[1]["invitation"]["survey_url"], results[2]["invitation"]["survey_url"]);
    let mut conn = acht::db::establish(&app.database_url).unwrap();
    use diesel::prelude::*;
    let n: i64 = acht::db::schema::invitations::table.count().get_result(&mut conn).unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn fatigue_and_every_decision_has_a_reason() {
    on_every_backend!(fatigue);
}

async fn fatigue(app: &TestApp) {
    app.create_survey("service", "grade10", &["support", "delivery"]).await;
    let first = app.report("a1", "cust-f", "support", "nl").await;
    assert_eq!(first["decision"], "invited");
    let second = app.report("a2", "cust-f", "delivery", "nl").await;
    assert_eq!(second["decision"], "throttled");
    assert!(second["reason"].as_str().unwrap().contains("days"));
    assert!(second["invitation"].is_null());
    let other = app.report("a3", "cust-g", "billing", "nl").await;
    assert_eq!(other["decision"], "no_matching_survey");
    let r: Value = app
        .post_json("/api/v1/interactions", &json!({"id": "a4", "touchpoint": "support", "customer": {"id": "no-mail"}}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["decision"], "no_email");
}

#[tokio::test]
async fn an_email_scanner_opening_every_link_does_not_count() {
    on_every_backend!(scanner);
}

async fn scanner(app: &TestApp) {
    app.create_survey("effort", "ces7", &["support"]).await;
    let outcome = app.report("s1", "cust-s", "support", "nl").await;
    let links: Vec<String> = outcome["invitation"]["score_urls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| path_of(l["url"].as_str().unwrap()))
        .collect();
    // Scanners send HEAD first: nothing may change.
    for l in &links {
        let r = app.client.head(app.url(l)).send().await.unwrap();
        assert!(r.status().is_success());
    }
    assert_eq!(app.responses("").await["data"].as_array().unwrap().len(), 0, "HEAD stored nothing");
    // Then it opens every score link within a second.
    for l in &links {
        let r = app.client.get(app.url(l)).header("User-Agent", "SafeLinks/1.0").send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    let data = app.responses("").await;
    assert_eq!(data["data"][0]["state"], "scanner");
    let evidence = data["data"][0]["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 7, "every visit is evidence");
    assert_eq!(evidence[0]["user_agent"], "SafeLinks/1.0");
    assert_eq!(evidence[0]["source"], "127.0.0.1");
    assert_eq!(
        app.responses("?state=counted").await["data"].as_array().unwrap().len(),
        0,
        "the scanner's answer does not count"
    );
    assert_eq!(app.responses("?state=scanner").await["data"].as_array().unwrap().len(), 1);
    // The real customer then picks a score on the page: that one counts.
    let page = path_of(outcome["invitation"]["survey_url"].as_str().unwrap());
    let r = app.client.post(app.url(&page)).form(&[("score", "6")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let counted = app.responses("?state=counted").await;
    assert_eq!(counted["data"][0]["score"], 6);
    assert_eq!(counted["data"][0]["provenance"], "form");
}

#[tokio::test]
async fn a_single_click_is_confirmed_by_a_real_gesture() {
    on_every_backend!(gesture);
}

async fn gesture(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let outcome = app.report("g1", "cust-g1", "support", "nl").await;
    let page = path_of(outcome["invitation"]["survey_url"].as_str().unwrap());
    let r = app.client.get(app.url(&format!("{page}/7"))).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("Bedankt"), "Dutch for a Dutch customer");
    assert_eq!(app.responses("?state=counted").await["data"].as_array().unwrap().len(), 0);
    assert_eq!(app.responses("?state=unverified").await["data"][0]["score"], 7);
    let r = app.client.post(app.url(&format!("{page}/gesture"))).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.responses("?state=counted").await["data"][0]["score"], 7);
}

#[tokio::test]
async fn bad_links_get_friendly_pages_with_the_right_status() {
    on_every_backend!(bad_links);
}

async fn bad_links(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let outcome = app.report("b1", "cust-b", "support", "en").await;
    let page = path_of(outcome["invitation"]["survey_url"].as_str().unwrap());
    let token = page.rsplit('/').next().unwrap().to_string();
    // One digit changed in the id part (an unknown invitation) or in the MAC part (a real
    // invitation with a forged token).
    let flip = |at: usize| {
        let mut t = token.clone();
        t.replace_range(at..at + 1, if &token[at..at + 1] == "a" { "b" } else { "a" });
        t
    };
    let (wrong_id, forged) = (flip(15), flip(token.len() - 1));
    for (path, status) in [
        ("/s/nonsense".to_string(), 404),
        (format!("/s/{wrong_id}"), 404),
        (format!("/s/{wrong_id}/8"), 404),
        (format!("/s/{forged}"), 404),
        (format!("/s/{forged}/8"), 404),
        (format!("{page}/11"), 422),
        (format!("{page}/0"), 422),
        (format!("{page}/abc"), 404),
    ] {
        let r = app.client.get(app.url(&path)).header("Accept-Language", "en").send().await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains("<html"), "a page, not a stack trace: {body}");
    }
    let long = "x".repeat(2001);
    let r = app.client.post(app.url(&page)).form(&[("score", "8"), ("comment", long.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(app.responses("").await["data"].as_array().unwrap().len(), 0);

    // An interaction long ago: its invitation has expired.
    let old = json!({"id": "old", "touchpoint": "support", "occurred_at": "2020-01-01T00:00:00Z",
        "customer": {"id": "cust-old", "email": "old@example.test", "locale": "en"}});
    let r: Value = app.post_json("/api/v1/interactions", &old).await.json().await.unwrap();
    let old_page = path_of(r["invitation"]["survey_url"].as_str().unwrap());
    for path in [old_page.clone(), format!("{old_page}/8")] {
        let r = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 410);
        assert!(r.text().await.unwrap().contains("expired"));
    }
}

#[tokio::test]
async fn bad_api_input_gets_a_json_4xx() {
    on_every_backend!(bad_api_input);
}

async fn bad_api_input(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let send = |body: String| {
        app.client
            .post(app.url("/api/v1/interactions"))
            .bearer_auth(&app.api_key)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let cases = [
        ("{not json", 400, "invalid_json"),
        (r#"{"id":"x","touchpoint":"support","customer":{"id":"c"},"colour":"red"}"#, 400, "invalid_json"),
        (r#"{"id":5,"touchpoint":"support","customer":{"id":"c"}}"#, 400, "invalid_json"),
        (r#"{"id":"x","touchpoint":"support","customer":{"id":"c","email":"nope"}}"#, 422, "invalid_email"),
    ];
    for (body, status, code) in cases {
        let r = send(body.to_string()).await.unwrap();
        assert_eq!(r.status(), status, "{body}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], code, "{body}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let huge = format!(r#"{{"id":"x","touchpoint":"support","customer":{{"id":"{}"}}}}"#, "x".repeat(5 * 1024 * 1024));
    assert_eq!(send(huge).await.unwrap().status(), 413);
    let too_many: Vec<Value> =
        (0..1001).map(|i| json!({"id": format!("i{i}"), "touchpoint": "support", "customer": {"id": "c"}})).collect();
    let r = app.post_json("/api/v1/interactions/batch", &json!({ "interactions": too_many })).await;
    assert_eq!(r.status(), 422);
    let r = app.client.get(app.url("/api/v1/responses")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // The key is checked before the body is read: no key, bad body, still 401.
    let r = app.client.post(app.url("/api/v1/interactions")).body("not json at all").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = app.client.get(app.url("/api/v1/responses")).bearer_auth("acht_wrong").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = app.get_json("/api/v1/responses?limit=0").await;
    assert_eq!(r.status(), 400);
    let r = app.get_json("/api/v1/responses?cursor=zz").await;
    assert_eq!(r.status(), 400);
    let dup = app
        .post_json(
            "/api/v1/surveys",
            &json!({"slug": "service", "scale": "grade10", "texts": {"nl": {"question": "a"}, "en": {"question": "b"}}}),
        )
        .await;
    assert_eq!(dup.status(), 409);
    let bad_scale = app
        .post_json("/api/v1/surveys", &json!({"slug": "x", "scale": "grade11", "texts": {"en": {"question": "b"}}}))
        .await;
    assert_eq!(bad_scale.status(), 400);
    let unknown_language = app
        .post_json("/api/v1/surveys", &json!({"slug": "x", "scale": "grade10", "texts": {"xx": {"question": "b"}}}))
        .await;
    assert_eq!(unknown_language.status(), 422);
    assert_eq!(unknown_language.json::<Value>().await.unwrap()["code"], "unsupported_locale");
    // Unknown API paths answer JSON; unknown pages answer a friendly page.
    let r = app.get_json("/api/v1/nothing-here").await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "not_found");
    let r = app.client.get(app.url("/nothing-here")).header("Accept-Language", "en").send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("This page does not exist"));
}

#[tokio::test]
async fn responses_are_paginated_with_a_cursor() {
    on_every_backend!(pagination);
}

async fn pagination(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let batch: Vec<Value> = (0..5)
        .map(|i| json!({"id": format!("p{i}"), "touchpoint": "support", "customer": {"id": format!("pc{i}"), "email": format!("p{i}@example.test")}}))
        .collect();
    let r: Value =
        app.post_json("/api/v1/interactions/batch", &json!({ "interactions": batch })).await.json().await.unwrap();
    for (i, res) in r["results"].as_array().unwrap().iter().enumerate() {
        let page = path_of(res["invitation"]["survey_url"].as_str().unwrap());
        let score = (i + 3).to_string();
        app.client.post(app.url(&page)).form(&[("score", score.as_str())]).send().await.unwrap();
    }
    let mut seen = vec![];
    let mut query = "?limit=2".to_string();
    loop {
        let page = app.responses(&query).await;
        seen.extend(page["data"].as_array().unwrap().iter().map(|d| d["customer_id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => query = format!("?limit=2&cursor={c}"),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, vec!["pc0", "pc1", "pc2", "pc3", "pc4"]);
}

#[tokio::test]
async fn health_and_openapi() {
    let database = common::sqlite();
    let app = TestApp::spawn(database).await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/interactions",
        "/api/v1/interactions/batch",
        "/api/v1/responses",
        "/api/v1/surveys",
        "/api/v1/customers/{id}/events",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} documented");
    }
    let unknown = app.get_json("/api/v1/nothing").await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn customers_are_upserted_and_churn_and_renewal_recorded() {
    on_every_backend!(customer_lifecycle);
}

async fn customer_lifecycle(app: &TestApp) {
    let put =
        |body: Value| app.client.put(app.url("/api/v1/customers/K1")).bearer_auth(&app.api_key).json(&body).send();
    let r = put(json!({"email": "k1@example.test", "locale": "en", "attributes": {"plan": "basic"}})).await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["id"].as_str(), v["locale"].as_str(), v["attributes"]["plan"].as_str()),
        (Some("K1"), Some("en"), Some("basic"))
    );
    let v: Value = put(json!({"attributes": {"plan": "pro"}})).await.unwrap().json().await.unwrap();
    assert_eq!(v["email"], "k1@example.test", "fields not sent are kept");
    assert_eq!(v["attributes"]["plan"], "pro");

    let churn = app
        .post_json("/api/v1/customers/K1/events", &json!({"kind": "churn", "occurred_at": "2026-03-01T12:00:00Z"}))
        .await;
    assert_eq!(churn.status(), 201);
    let v: Value = churn.json().await.unwrap();
    assert_eq!(v["churned_at"], "2026-03-01T12:00:00Z");
    let renewal: Value =
        app.post_json("/api/v1/customers/K1/events", &json!({"kind": "renewal"})).await.json().await.unwrap();
    assert!(renewal["churned_at"].is_null(), "a renewal clears the churn date");
    let unknown = app.post_json("/api/v1/customers/nobody/events", &json!({"kind": "churn"})).await;
    assert_eq!(unknown.status(), 404);
    let bad_kind = app.post_json("/api/v1/customers/K1/events", &json!({"kind": "left"})).await;
    assert_eq!(bad_kind.status(), 400);
}

/// The customer answers the company: its name is on the question and the thank-you page
/// (from `ACHT_COMPANY_NAME`, else the sender's display name, else the survey address's host).
#[tokio::test]
async fn the_survey_pages_name_the_company() {
    for (tune, name) in [
        (
            Box::new(|s: &mut acht::config::Settings| s.company_name = Some("Acme Energie".into()))
                as Box<dyn FnOnce(&mut acht::config::Settings)>,
            "Acme Energie",
        ),
        (
            Box::new(|s: &mut acht::config::Settings| s.base_url = Some("https://survey.acme.example".into())),
            "survey.acme.example",
        ),
    ] {
        let app = TestApp::spawn_with(common::sqlite(), tune).await;
        app.create_survey("service", "grade10", &["support"]).await;
        let out = app.report("i1", "c1", "support", "nl").await;
        let page = app.url(&path_of(out["invitation"]["survey_url"].as_str().unwrap()));
        let question = app.client.get(&page).send().await.unwrap().text().await.unwrap();
        let company = format!("<p class=\"company\">{name}</p>");
        assert!(question.contains(&company), "{question}");
        let link = app.url(&path_of(out["invitation"]["score_urls"][7]["url"].as_str().unwrap()));
        let thanks = app.client.get(&link).send().await.unwrap().text().await.unwrap();
        assert!(thanks.contains(&company), "{thanks}");
    }
}

/// An address acht could not mail is refused with 422 and says why, through the API and the
/// CSV import alike (one parser, the sender's); a good one is stored normalised.
#[tokio::test(flavor = "multi_thread")]
async fn addresses_acht_cannot_mail_are_refused_where_they_come_in() {
    on_every_backend!(addresses_acht_cannot_mail_are_refused_where_they_come_in_on);
}
async fn addresses_acht_cannot_mail_are_refused_where_they_come_in_on(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let bad = [
        "a@@example.com",
        "@example.com",
        "user@",
        "x@y@z.example",
        "jan@example.com.",
        "jan..dots@example.com",
        "<jan@example.com>",
        "a@example.com, b@example.com",
    ];
    for (k, email) in bad.iter().enumerate() {
        let body = serde_json::json!({
            "id": format!("bad-{k}"), "touchpoint": "support",
            "customer": {"id": format!("cb-{k}"), "email": email, "locale": "nl"}
        });
        let r = app.post_json("/api/v1/interactions", &body).await;
        assert_eq!(r.status(), 422, "{email}");
        let problem: serde_json::Value = r.json().await.unwrap();
        assert_eq!(problem["code"], "invalid_email", "{email}: {problem}");
        assert!(problem.to_string().contains("name@company.example"), "says what it takes: {problem}");
    }
    let body = serde_json::json!({
        "id": "good-1", "touchpoint": "support",
        "customer": {"id": "cg-1", "email": "  Jan.Jansen@Example.COM ", "locale": "nl"}
    });
    assert_eq!(app.post_json("/api/v1/interactions", &body).await.status(), 201);
    let stored = app.db.read(|c| acht::domain::customers::get(c, "cg-1")).await.unwrap();
    assert_eq!(stored.email.as_deref(), Some("Jan.Jansen@example.com"), "trimmed, the domain lower-cased");
    // The CSV import: the line is named, nothing is imported.
    let scratch = common::scratch();
    let file = scratch.0.join("customers.csv");
    std::fs::write(
        &file,
        "customer_id,email,locale,first_seen_at,churned_at\nok-1,ok@example.com,nl,2025-01-01T00:00:00Z,\nbad-1,<jan@example.com>,nl,2025-01-01T00:00:00Z,\n",
    )
    .unwrap();
    let out = common::acht_cli(&app.database_url, &["import", "customers", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3") && err.contains("acht can send to"), "{err}");
}

/// A time given through the API lies between 2000-01-01 and a day after the server's clock
/// (`ACHT_TIME_AHEAD_HOURS`): year 1, 1999, two days ahead and a day and a minute ahead are
/// refused (422) and nothing is stored; a day minus a minute ahead is taken.
#[tokio::test(flavor = "multi_thread")]
async fn times_outside_2000_to_a_day_ahead_are_refused() {
    on_every_backend!(moments_outside_2000_to_tomorrow_are_refused_on);
}
async fn moments_outside_2000_to_tomorrow_are_refused_on(app: &TestApp) {
    refused_and_taken(app, 24 * 60).await;
}

/// The tolerance is a setting: with `ACHT_TIME_AHEAD_HOURS=1`, two hours ahead is refused.
#[tokio::test(flavor = "multi_thread")]
async fn the_time_tolerance_is_a_setting() {
    on_every_backend_with!(an_hour_ahead_on, |s| s.time_ahead_hours = 1);
}
async fn an_hour_ahead_on(app: &TestApp) {
    refused_and_taken(app, 60).await;
}

/// Moments `ahead_minutes` plus a minute ahead of the server's clock (and before 2000) are
/// refused with `invalid_occurred_at`, for an interaction and a churn; a minute less is taken.
async fn refused_and_taken(app: &TestApp, ahead_minutes: i64) {
    app.create_survey("service", "grade10", &["support"]).await;
    let at = |minutes: i64| {
        let ms = app.clock.now() + minutes * 60_000;
        chrono::DateTime::from_timestamp_millis(ms).unwrap().to_rfc3339()
    };
    let too_far = [at(ahead_minutes + 1), at(2 * 24 * 60)];
    let too_early = ["0001-01-01T00:00:00Z".to_string(), "1999-12-30T23:59:59Z".into()];
    for (k, at) in too_far.iter().chain(&too_early).enumerate() {
        let body = json!({"id": format!("t-{k}"), "touchpoint": "support", "occurred_at": at,
                          "customer": {"id": format!("ct-{k}"), "email": "t@example.com", "locale": "nl"}});
        let r = app.post_json("/api/v1/interactions", &body).await;
        assert_eq!(r.status(), 422, "{at}");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["code"], "invalid_occurred_at", "{at}: {problem}");
    }
    let stored = app.db.read(|c| acht::domain::customers::get(c, "ct-0")).await;
    assert!(stored.is_err(), "a refused interaction stores no customer");
    let body = json!({"id": "t-ok", "touchpoint": "support", "occurred_at": at(ahead_minutes - 1),
                      "customer": {"id": "ct-ok", "email": "t@example.com", "locale": "nl"}});
    let r = app.post_json("/api/v1/interactions", &body).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    // New Year 2000 as written east of UTC (1999 in UTC): the date the schema allows is taken.
    let body = json!({"id": "t-2000", "touchpoint": "support", "occurred_at": "2000-01-01T00:00:00+05:00",
                      "customer": {"id": "ct-2000", "email": "t@example.com", "locale": "nl"}});
    let r = app.post_json("/api/v1/interactions", &body).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    // A churn too far ahead, or in year 1, is refused too, and the customer stays as they were.
    for when in [at(ahead_minutes + 1), "0001-01-01T00:00:00Z".into()] {
        let r = app.post_json("/api/v1/customers/ct-ok/events", &json!({"kind": "churn", "occurred_at": when})).await;
        assert_eq!(r.status(), 422, "{when}");
    }
    let customer = app.db.read(|c| acht::domain::customers::get(c, "ct-ok")).await.unwrap();
    assert!(customer.churned_at.is_none());
    let r = app.post_json("/api/v1/customers/ct-ok/events", &json!({"kind": "churn", "occurred_at": at(-60)})).await;
    assert_eq!(r.status(), 201);
}
