//! One-click answers that count for people and never for mail scanners, replayed over HTTP on
//! SQLite and PostgreSQL: the behaviours of people and of the scanners their makers document.
//! The server's clock is moved instead of waiting out the quiet window. The same behaviours in
//! a real browser are in tests/browser.rs.
use crate::common;

use crate::common::{path_of, TestApp};
use serde_json::Value;

const DESKTOP: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
/// Safe Links: old Chrome on Windows 10, or HeadlessChrome.
const DEFENDER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36";
const HEADLESS: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36";

struct Invitation {
    page: String,
    links: Vec<String>,
    customer: String,
}

async fn invite(app: &TestApp, n: &str) -> Invitation {
    let o = app.report(&format!("i-{n}"), &format!("c-{n}"), "support", "en").await;
    let links =
        o["invitation"]["score_urls"].as_array().unwrap().iter().map(|l| path_of(l["url"].as_str().unwrap())).collect();
    Invitation { page: path_of(o["invitation"]["survey_url"].as_str().unwrap()), links, customer: format!("c-{n}") }
}

async fn get(app: &TestApp, path: &str, ua: &str) -> u16 {
    app.client
        .get(app.url(path))
        .header("User-Agent", ua)
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn beacon(app: &TestApp, page: &str, ua: &str, kind: &str, visible_ms: Option<i64>) {
    let mut form = vec![("kind", kind.to_string())];
    if let Some(v) = visible_ms {
        form.push(("visible_ms", v.to_string()));
    }
    let r =
        app.client.post(app.url(&format!("{page}/beacon"))).header("User-Agent", ua).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 204, "{kind}");
}

async fn answer(app: &TestApp, customer: &str) -> Value {
    app.responses(&format!("?customer={customer}")).await["data"][0].clone()
}

#[tokio::test]
async fn people_who_stay_count_and_people_who_leave_at_once_do_not() {
    on_every_backend!(people);
}

async fn people(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    // Taps 8 in the email, reads the thank-you page for a few seconds, closes it untouched.
    let reader = invite(app, "reader").await;
    assert_eq!(get(app, &reader.links[7], PHONE).await, 200);
    beacon(app, &reader.page, PHONE, "loaded", None).await;
    assert_eq!(answer(app, &reader.customer).await["state"], "unverified", "a click alone is a request");
    beacon(app, &reader.page, PHONE, "dwell", Some(2_100)).await;
    beacon(app, &reader.page, PHONE, "hidden", Some(4_000)).await;
    let a = answer(app, &reader.customer).await;
    assert_eq!((a["state"].as_str(), a["score"].as_i64()), (Some("provisional"), Some(8)));
    app.clock.advance_ms(60_001);
    assert_eq!(answer(app, &reader.customer).await["state"], "counted", "the quiet window passed");

    // Closes the page within a second: no evidence of a person.
    let leaver = invite(app, "leaver").await;
    get(app, &leaver.links[5], DESKTOP).await;
    beacon(app, &leaver.page, DESKTOP, "loaded", None).await;
    beacon(app, &leaver.page, DESKTOP, "hidden", Some(700)).await;
    app.clock.advance_ms(120_000);
    assert_eq!(answer(app, &leaver.customer).await["state"], "unverified");

    // Taps 6, then thinks again and taps 8: the last one counts.
    let changer = invite(app, "changer").await;
    get(app, &changer.links[5], PHONE).await;
    app.client.post(app.url(&format!("{}/gesture", changer.page))).header("User-Agent", PHONE).send().await.unwrap();
    app.clock.advance_ms(15_000);
    get(app, &changer.links[7], PHONE).await;
    let a = answer(app, &changer.customer).await;
    assert_eq!((a["state"].as_str(), a["score"].as_i64()), (Some("counted"), Some(8)));

    // Taps 6 and at once 8 (a slip of the thumb), then touches the page: not a scanner.
    let slip = invite(app, "slip").await;
    get(app, &slip.links[5], PHONE).await;
    get(app, &slip.links[7], PHONE).await;
    app.client.post(app.url(&format!("{}/gesture", slip.page))).header("User-Agent", PHONE).send().await.unwrap();
    let a = answer(app, &slip.customer).await;
    assert_eq!((a["state"].as_str(), a["score"].as_i64()), (Some("counted"), Some(8)));

    let counted = app.responses("?state=counted").await["data"].as_array().unwrap().len();
    assert_eq!(counted, 3, "the reader, the changer and the slip");
}

#[tokio::test]
async fn scanners_count_nothing_and_do_not_stop_a_person() {
    on_every_backend!(scanners);
}

async fn scanners(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    // Safe Links before delivery: HEAD, then every link within a second.
    let pre = invite(app, "pre").await;
    for l in &pre.links {
        assert!(app.client.head(app.url(l)).send().await.unwrap().status().is_success());
    }
    assert_eq!(
        app.responses(&format!("?customer={}", pre.customer)).await["data"].as_array().unwrap().len(),
        0,
        "HEAD changes nothing"
    );
    for l in &pre.links {
        get(app, l, DEFENDER).await;
    }
    assert_eq!(answer(app, &pre.customer).await["state"], "scanner");
    // The person who opens the survey later sees the question, not the scanner's score.
    let r = app.client.get(app.url(&pre.page)).header("User-Agent", DESKTOP).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("What grade would you give us?") && !html.contains("checked"), "{html}");
    let evidence = answer(app, &pre.customer).await["evidence"].clone();
    let last = evidence.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["user_agent"].as_str()),
        (Some("view"), Some(DESKTOP)),
        "the visit is evidence"
    );

    // A JavaScript-running scanner renders the page and follows every link on it, the trap too.
    let js = invite(app, "js").await;
    get(app, &js.links[9], HEADLESS).await;
    beacon(app, &js.page, HEADLESS, "loaded", None).await;
    beacon(app, &js.page, HEADLESS, "dwell", Some(2_000)).await;
    assert_eq!(get(app, &format!("{}/t", js.page), HEADLESS).await, 200);
    app.clock.advance_ms(120_000);
    assert_eq!(answer(app, &js.customer).await["state"], "scanner", "the trap contradicts its dwell");

    // Proofpoint-style: only the first link, no script.
    let first = invite(app, "first").await;
    get(app, &first.links[0], "Proofpoint URL Defense").await;
    assert_eq!(answer(app, &first.customer).await["state"], "unverified", "shown apart, never counted");

    // A mangled token (`%27` appended, broken padding) is a 404 that changes nothing.
    let mangled = invite(app, "mangled").await;
    for bad in [
        format!("{}%27", mangled.links[7]),
        mangled.links[7].replacen("/s/", "/s/0", 1),
        format!("{}%27/8", mangled.page),
    ] {
        assert_eq!(get(app, &bad, DEFENDER).await, 404, "{bad}");
    }
    assert_eq!(app.responses(&format!("?customer={}", mangled.customer)).await["data"].as_array().unwrap().len(), 0);

    // A person clicks 8 while Safe Links opens the same link again from its own address at
    // that moment, and sweeps the rest: the person's answer still counts.
    let person = invite(app, "person").await;
    get(app, &person.links[7], DESKTOP).await;
    for l in &person.links {
        get(app, l, DEFENDER).await;
    }
    get(app, &format!("{}/t", person.page), DEFENDER).await;
    beacon(app, &person.page, DESKTOP, "loaded", None).await;
    beacon(app, &person.page, DESKTOP, "dwell", Some(2_300)).await;
    app.clock.advance_ms(60_001);
    let a = answer(app, &person.customer).await;
    assert_eq!((a["state"].as_str(), a["score"].as_i64()), (Some("counted"), Some(8)), "{a}");
    let sources: Vec<&str> =
        a["evidence"].as_array().unwrap().iter().filter_map(|e| e["user_agent"].as_str()).collect();
    assert!(sources.contains(&DEFENDER) && sources.contains(&DESKTOP), "both kept as evidence");

    assert_eq!(app.responses("?state=counted").await["data"].as_array().unwrap().len(), 1, "only the person counts");
}

/// Behind a reverse proxy the source is the client's address from X-Forwarded-For, but only
/// when the proxy is trusted: anyone can write that header.
#[tokio::test]
async fn forwarded_addresses_are_believed_only_from_a_trusted_proxy() {
    for trusted in [false, true] {
        let database = common::sqlite();
        let app = TestApp::spawn_with(database, |s| {
            if trusted {
                s.trusted_proxy = vec!["127.0.0.1".parse().unwrap()];
            }
        })
        .await;
        app.create_survey("service", "grade10", &["support"]).await;
        let inv = invite(&app, "fwd").await;
        // The client wrote the first line itself; the proxy appended the second.
        app.client
            .get(app.url(&inv.links[7]))
            .header("X-Forwarded-For", "198.51.100.9")
            .header("X-Forwarded-For", "203.0.113.7, 127.0.0.1")
            .send()
            .await
            .unwrap();
        let source = answer(&app, &inv.customer).await["evidence"][0]["source"].as_str().unwrap().to_string();
        assert_eq!(source, if trusted { "203.0.113.7" } else { "127.0.0.1" });
    }
}

/// The one-click rule's targets on a fixed-seed replay of people and of every scanner kind
/// written down in `tests/it/replay.rs` (the benchmark replays ten times as many): at least
/// 99% of the people who stayed 2 s or touched the page count, each with the score they gave,
/// and no scanner of a kind the rule must stop counts.
#[tokio::test(flavor = "multi_thread")]
async fn a_fixed_replay_of_people_and_scanners_meets_the_targets() {
    let app = TestApp::spawn_with(common::sqlite(), |s| s.jobs = acht::config::Switch::Off).await;
    let target = crate::replay::Target {
        base: app.base.clone(),
        key: app.api_key.clone(),
        clock: app.clock.clone(),
        http: reqwest::Client::new(),
    };
    let outcome = crate::replay::replay(&target, 200, 160, 8).await;
    outcome.print(8);
    assert!(outcome.people_stayed > 150, "{outcome:?}");
    assert!(outcome.person_share() >= 0.99, "{outcome:?}");
    assert_eq!(outcome.wrong_scores, 0, "{outcome:?}");
    assert_eq!(outcome.scanners_counted(), 0, "{outcome:?}");
    assert!(outcome.scanners.values().all(|(n, _)| *n == 20), "every kind replayed: {outcome:?}");
}

/// Anyone holding a survey link can send beacons, but a flood from one place uses up its own
/// budget, not the customer's: after 200 forged beacons from one address the customer's click
/// and comment are taken and count.
#[tokio::test]
async fn a_beacon_flood_cannot_lock_the_customer_out() {
    on_every_backend!(beacon_flood);
}

async fn beacon_flood(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let inv = invite(app, "flood").await;
    let client = reqwest::Client::new();
    let mut refused = 0;
    for _ in 0..200 {
        let r = client
            .post(app.url(&format!("{}/beacon", inv.page)))
            .header("User-Agent", "flood/1.0")
            .form(&[("kind", "loaded")])
            .send()
            .await
            .unwrap();
        refused += usize::from(r.status() == 422);
    }
    assert!(refused >= 140, "the flood's source ran out of its own budget: {refused} refused");
    // The customer, from their own browser: the one-click link, then the page's form.
    let click = client.get(app.url(&inv.links[7])).header("User-Agent", PHONE).send().await.unwrap();
    assert_eq!(click.status(), 200, "the customer's click is taken");
    let form = client
        .post(app.url(&inv.page))
        .header("User-Agent", PHONE)
        .form(&[("score", "8"), ("comment", "Prima")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200, "the customer's form is taken");
    let a = answer(app, &inv.customer).await;
    assert_eq!((a["score"].as_i64(), a["comment"].as_str()), (Some(8), Some("Prima")), "{a}");
}
