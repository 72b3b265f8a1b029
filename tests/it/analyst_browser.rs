//! An analyst in a real browser (headless Chromium, fantoccini), on a desktop and on a phone:
//! sign in, open every page, filter a trend and download its CSV, read the retention finding,
//! search the answers and export them, sign out. Screenshots of every main page are saved
//! under `target/screenshots/` as test artefacts.
use crate::common;

use crate::common::browser::{Browser, DESKTOP, DESKTOP_UA, PHONE, PHONE_UA};
use crate::common::TestApp;
use acht::types::Role;

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
