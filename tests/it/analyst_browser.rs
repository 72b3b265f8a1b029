//! An analyst in a real browser (headless Chromium, fantoccini), on a desktop and on a phone:
//! sign in, open every page, filter a trend and download its CSV, read the retention finding,
//! search the answers and export them, sign out. Screenshots of every main page are saved
//! under `target/screenshots/` as test artefacts.
use crate::common;

use crate::common::browser::{Browser, DESKTOP, DESKTOP_UA, PHONE, PHONE_UA};
use crate::common::TestApp;
use acht::types::Role;
use chrono::TimeZone;

const PASSWORD: &str = "correct horse battery";

/// A small demo world (the CLI's), an analyst, and the app serving them.
async fn demo_app() -> TestApp {
    let database = common::sqlite();
    let url = database.url.clone();
    common::acht_ok(&url, &["demo", "--customers", "3000", "--seed", "5"]);
    let app = TestApp::spawn(database).await;
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    // The first analysis is computed by the job at start; wait for it rather than race it.
    for _ in 0..300 {
        let stored = app
            .db
            .read(|c| {
                let s = acht::domain::surveys::get(c, "service")?;
                acht::domain::retention::stored(c, s.id)
            })
            .await
            .unwrap();
        if stored.is_some() {
            return app;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no stored analysis after 30 s");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_analyst_works_through_the_app_on_a_desktop() {
    let Some(b) = Browser::start(DESKTOP_UA, DESKTOP).await else { return };
    let app = demo_app().await;
    walk_through(&b, &app, "desktop").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_analyst_works_through_the_app_on_a_phone() {
    let Some(b) = Browser::start(PHONE_UA, PHONE).await else { return };
    let app = demo_app().await;
    walk_through(&b, &app, "phone").await;
    b.close().await;
}

async fn walk_through(b: &Browser, app: &TestApp, device: &str) {
    // An anonymous visitor to the root lands on sign-in, and comes back where they wanted.
    b.go(&app.url("/app/answers")).await;
    assert!(b.url().await.contains("/signin?next=/app/answers"), "{}", b.url().await);
    b.screenshot(&format!("{device}-signin")).await;
    b.fill("#email", "ana@acme.example").await;
    b.fill("#password", "wrong password!").await;
    b.click("button.primary").await;
    assert!(!b.text("p.error").await.is_empty(), "a wrong password is said so");
    b.fill("#password", PASSWORD).await;
    b.click("button.primary").await;
    let url = b.wait_url("/app/answers").await;
    assert!(url.ends_with("/app/answers"), "back where the visitor wanted: {url}");

    // The overview: one card per survey with its figures.
    b.go(&app.url("/")).await;
    assert!(b.wait_url("/app").await.ends_with("/app"));
    assert_eq!(b.count("section.card").await, 2, "service and effort");
    let cards = b.text("div.cards").await;
    assert!(
        cards.contains("Mean grade") && cards.contains("Mean effort score") && cards.contains("Response rate"),
        "{cards}"
    );
    b.screenshot(&format!("{device}-overview")).await;

    // Trends: filter by touchpoint and segment, by month; the chart, its table and its CSV.
    b.go(&app.url("/app/trends?survey=service")).await;
    b.select("select[name=touchpoint]", "support").await;
    b.select("select[name=segment]", "plan=business").await;
    b.select("select[name=grain]", "month").await;
    b.click(".filters button.primary").await;
    let url = b.wait_url("grain=month").await;
    assert!(
        url.contains("touchpoint=support") && url.contains("segment=plan%3Dbusiness") && url.contains("grain=month"),
        "{url}"
    );
    assert!(b.count("figure.chart svg").await >= 3, "three charts");
    let rows = b.count("#trend-table tbody tr").await;
    assert!(rows >= 6, "the half year shown, by month: {rows}");
    let tooltip =
        b.client.execute("return document.querySelector('figure.chart svg title').textContent", vec![]).await.unwrap();
    assert!(!tooltip.as_str().unwrap_or("").is_empty(), "charts carry accessible titles");
    b.screenshot(&format!("{device}-trends")).await;
    b.click("a[href^='/app/trends.csv']").await;
    let csv = b.downloaded("acht-trend-service-month").await;
    assert!(csv.starts_with("bucket_start,bucket,answers"), "{csv}");
    assert_eq!(csv.lines().count(), rows + 1, "one CSV row per table row");

    // Retention: the finding in a sentence, the charts and tables behind it.
    b.go(&app.url("/app/retention?survey=service")).await;
    let finding = b.text("#finding").await;
    assert!(finding.len() > 40, "the finding is a sentence: {finding}");
    assert!(b.count("figure.chart svg").await >= 3);
    b.screenshot(&format!("{device}-retention")).await;

    // Answers: search the comments, then export what the search found.
    b.go(&app.url("/app/answers")).await;
    b.fill("input[name=q]", "twee keer").await;
    b.click(".filters button.primary").await;
    b.wait_url("q=twee").await;
    let listed = b.count("#answers li").await;
    assert!(listed > 0, "the demo has comments about calling twice");
    assert!(b.text("#answers li").await.contains("twee keer"));
    b.screenshot(&format!("{device}-answers")).await;
    b.click("a[href^='/app/answers.csv']").await;
    let csv = b.downloaded("acht-answers").await;
    assert!(csv.lines().count() > listed.min(50), "the export holds every match, not one page");
    assert!(csv.lines().skip(1).all(|l| l.contains("twee keer")), "only matches");

    // Switch to Dutch, then sign out: the app is closed again.
    b.click("button[name=lang][value=nl]").await;
    b.wait_url("/app/answers").await;
    for _ in 0..50 {
        if b.text("h1").await.contains("Antwoorden") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(b.text("h1").await.contains("Antwoorden"));
    b.click("#signout").await;
    b.wait_url("/signin").await;
    b.go(&app.url("/app")).await;
    assert!(b.url().await.contains("/signin"), "signed out");
}

/// The retention page for each verdict of the headline, on a phone and a desktop, in Dutch and
/// English: the sentence leads, the rate table shows raw and adjusted side by side. Screenshots
/// land in `target/screenshots/verdict-*`.
#[tokio::test(flavor = "multi_thread")]
async fn the_retention_page_for_each_verdict() {
    let Some(phone) = Browser::start(PHONE_UA, PHONE).await else { return };
    let Some(desktop) = Browser::start(DESKTOP_UA, DESKTOP).await else { return };
    // (world, customers, seed, the verdict its reference gives, a word of its sentence)
    let worlds = [
        ("plateau8", 10_000, 13, "threshold", "An 8 is good enough"),
        ("rise2", 10_000, 101, "still_rising", "still rises"),
        ("none", 30_000, 3, "no_relation", "does not tell"),
        ("plateau8", 400, 1, "not_enough_data", "Not enough data"),
    ];
    for (kind, n, seed, verdict, words) in worlds {
        let Some((scratch, _)) = common::worlds::simulated(kind, n, seed) else { return };
        let database = common::sqlite();
        let url = database.url.clone();
        common::cli_survey(&url, "service", "grade10");
        common::acht_ok(&url, &["import", "customers", scratch.0.join("customers.csv").to_str().unwrap()]);
        common::acht_ok(&url, &["import", "responses", scratch.0.join("responses.csv").to_str().unwrap()]);
        let app = TestApp::spawn_with(database, |s| s.jobs = acht::config::Switch::Off).await;
        // The world ends on 2026-06-30: the page's analysis looks from there.
        let as_of = chrono::Utc.with_ymd_and_hms(2026, 6, 30, 0, 0, 0).unwrap().timestamp_millis();
        app.db
            .write(move |c| {
                let s = acht::domain::surveys::get(c, "service")?;
                let options = acht::domain::retention::page_options(as_of);
                let report = acht::domain::retention::analyze(c, "service", options)?;
                let version = acht::domain::retention::data_version(c, s.id)?;
                let stored = acht::domain::retention::StoredAnalysis {
                    report,
                    computed_at: as_of,
                    took_ms: 1,
                    data_version: version,
                };
                acht::domain::retention::store(c, s.id, &stored)
            })
            .await
            .unwrap();
        app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
        for (b, device) in [(&phone, "phone"), (&desktop, "desktop")] {
            b.go(&app.url("/signin")).await;
            b.fill("#email", "ana@acme.example").await;
            b.fill("#password", PASSWORD).await;
            b.click("button.primary").await;
            b.wait_url("/app").await;
            b.go(&app.url("/app/retention?survey=service")).await;
            let finding = b.text("#finding").await;
            assert!(finding.contains(words), "{verdict}: {finding}");
            if verdict != "not_enough_data" {
                assert!(b.count("#rates tbody tr").await >= 5, "{verdict}: the rate table");
            }
            b.screenshot(&format!("verdict-{verdict}-{device}")).await;
            assert_eq!(
                overflow(b).await,
                Vec::<String>::new(),
                "{verdict} on a {device}: nothing wider than the screen"
            );
            let js = "return document.querySelector('header.top').getBoundingClientRect().height";
            let header = b.client.execute(js, vec![]).await.unwrap().as_f64().unwrap();
            assert!(header < 100.0, "the header leaves room for the page on a {device}: {header} px");
            b.go(&app.url("/app/trends?survey=service")).await;
            assert_eq!(overflow(b).await, Vec::<String>::new(), "trends on a {device}");
            if verdict == "threshold" {
                b.screenshot(&format!("trends-charts-{device}")).await;
            }
            b.click("#signout").await;
            b.wait_url("/signin").await;
        }
    }
    phone.close().await;
    desktop.close().await;
}

/// What sticks out of the screen or scrolls sideways inside its box: the page itself, the charts,
/// headings, paragraphs and cards. (Wide data tables scroll inside their own box for now.)
async fn overflow(b: &Browser) -> Vec<String> {
    let js = "const out = []; \
        if (document.documentElement.scrollWidth > window.innerWidth) out.push('page ' + document.documentElement.scrollWidth); \
        for (const e of document.querySelectorAll('.chart, .chart svg, .card, h1, p')) { \
          const r = e.getBoundingClientRect(); \
          if (r.width > 0 && (r.right > window.innerWidth + 1 || (getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1))) \
            out.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right) + '/' + e.scrollWidth); } \
        return out;";
    let found = b.client.execute(js, vec![]).await.unwrap();
    found.as_array().unwrap().iter().map(|v| v.as_str().unwrap_or("").to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_analyst_closes_the_loop_on_a_low_answer_on_a_desktop() {
    let Some(b) = Browser::start(DESKTOP_UA, DESKTOP).await else { return };
    let app = demo_app().await;
    close_the_loop(&b, &app, "desktop").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_analyst_closes_the_loop_on_a_low_answer_on_a_phone() {
    let Some(b) = Browser::start(PHONE_UA, PHONE).await else { return };
    let app = demo_app().await;
    close_the_loop(&b, &app, "phone").await;
    b.close().await;
}

/// A customer of the demo answers 3 with a comment; the follow-up it opens is found in the
/// queue, assigned, noted and closed in the browser, and the customer's page shows who did what.
async fn close_the_loop(b: &Browser, app: &TestApp, device: &str) {
    let out = app.report("loop-1", "klant-loop", "support", "nl").await;
    b.go(&app.url(&common::path_of(out["invitation"]["survey_url"].as_str().unwrap()))).await;
    b.click(".scores button[value=\"3\"]").await;
    b.fill("#comment", "Drie keer gebeld voordat iemand me hielp.").await;
    b.click("button.send").await;
    for _ in 0..50 {
        if b.count("#confirmation blockquote").await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The instance's beat hands the answer on within seconds; here, at once.
    acht::jobs::fan_out(&app.state).await;

    b.go(&app.url("/signin")).await;
    b.fill("#email", "ana@acme.example").await;
    b.fill("#password", PASSWORD).await;
    b.click("button.primary").await;
    b.wait_url("/app").await;
    assert!(b.text(".followups-strip").await.contains("Open:"), "the overview counts the open follow-ups");
    b.go(&app.url("/app/followups?queue=unassigned")).await;
    let queue = b.text("#followups").await;
    assert!(queue.contains("klant-loop") && queue.contains("Drie keer gebeld"), "{queue}");
    b.screenshot(&format!("followups-{device}")).await;
    let open = b.count("#followups li").await;
    assert!(open > 1, "the demo has more waiting: {open}");

    let js =
        "[...document.querySelectorAll('#followups a.go')].find(a => a.textContent.includes('klant-loop')).click()";
    b.client.execute(js, vec![]).await.unwrap();
    b.wait_url("/app/followups/").await;
    b.select("#assignee-select", "ana@acme.example").await;
    b.click("#assign-form button").await;
    b.wait_url("saved=1").await;
    assert_eq!(b.text("#assignee").await, "ana@acme.example");
    b.fill("#note", "Teruggebeld: excuses gemaakt, monteur komt morgen.").await;
    b.click("#note-form button").await;
    // Each form comes back to the same address: wait for what it changed.
    wait_for_text(b, "#history", "Teruggebeld").await;
    b.select("#outcome", "reached").await;
    b.click("#close-form button").await;
    wait_for_text(b, "#state", "closed").await;
    let state = b.text("#state").await;
    assert!(state.starts_with("closed") && state.contains("reached"), "{state}");
    let history = b.text("#history").await;
    for step in ["Opened", "Assigned to ana@acme.example", "Teruggebeld", "Closed: reached", "user ana@acme.example"] {
        assert!(history.contains(step), "{step} in the history: {history}");
    }
    b.screenshot(&format!("followup-closed-{device}")).await;
    assert_eq!(overflow(b).await, Vec::<String>::new(), "the follow-up on a {device}");

    // The customer's page keeps the trail.
    b.click("dl.facts a").await;
    b.wait_url("/app/customers/klant-loop").await;
    let trail = b.text("#customer-followups").await;
    assert!(trail.contains("Teruggebeld") && trail.contains("user ana@acme.example"), "{trail}");
    b.screenshot(&format!("customer-followup-{device}")).await;
    assert_eq!(overflow(b).await, Vec::<String>::new(), "the customer's page on a {device}");
}

/// Waits (up to 10 s) until the element's text holds `needle` (the page reloaded after a form).
async fn wait_for_text(b: &Browser, css: &str, needle: &str) {
    for _ in 0..100 {
        let found = b.client.find(fantoccini::Locator::Css(css)).await;
        if let Ok(el) = found {
            if el.text().await.is_ok_and(|t| t.contains(needle)) {
                return;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css} never said {needle}");
}
