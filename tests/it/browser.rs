//! A customer in a real browser (headless Chromium, driven with fantoccini through chromedriver):
//! open the email's score link, see the thank-you page, change the score, add a comment.
//! Phone-sized screenshots of the question and thank-you pages are saved under
//! `target/screenshots/` as test artefacts.
use crate::common;

use crate::common::browser::{Browser, PHONE as PHONE_SIZE};
use crate::common::{path_of, TestApp};
use fantoccini::Locator;
use serde_json::Value;
use std::time::Duration;

/// An ordinary phone browser (not the headless user agent), as a customer uses it.
const PHONE: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
/// Safe Links: old Chrome on Windows 10, running the page's JavaScript.
const DEFENDER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36";

/// Waits (up to 5 s) until the element's text contains `needle`: clicks navigate, and an
/// element of the old page goes stale, so a missing or stale element is tried again.
async fn wait_text(browser: &Browser, css: &str, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..50 {
        if let Ok(el) = browser.client.find(Locator::Css(css)).await {
            if let Ok(t) = el.text().await {
                last = t;
                if last.contains(needle) {
                    return last;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("'{css}' never showed '{needle}' (last: '{last}')");
}

/// Runs a script in the page and returns its result.
async fn script(browser: &Browser, js: &str) -> Value {
    browser.client.execute(js, vec![]).await.unwrap_or_else(|e| panic!("script {js}: {e}"))
}

/// Types into a field as it is, without clearing it first (unlike [`Browser::fill`]), so a
/// field that was not empty shows in what the test reads back.
async fn type_into(browser: &Browser, css: &str, text: &str) {
    let el = browser.client.wait().for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    el.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

/// Ends the WebDriver session (failing the test if chromedriver refuses), then chromedriver.
async fn close(browser: Browser) {
    browser.client.clone().close().await.expect("the WebDriver session ends");
    drop(browser);
}

#[tokio::test]
async fn a_customer_answers_in_a_real_browser() {
    let Some(browser) = Browser::start(PHONE, PHONE_SIZE).await else { return };
    for database in common::databases() {
        let backend = database.backend;
        eprintln!("a customer in Chromium on {backend:?}");
        let app = TestApp::spawn_with(database, |s| s.company_name = Some("Acme Energie".into())).await;
        customer_in_browser(&browser, &app).await;
    }
    close(browser).await;
}

async fn customer_in_browser(browser: &Browser, app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let outcome = app.report("web-1", "cust-web", "support", "nl").await;
    let page = app.url(&path_of(outcome["invitation"]["survey_url"].as_str().unwrap()));

    // The question page: a tap on 8 records it and thanks the customer in Dutch.
    browser.go(&page).await;
    wait_text(browser, "h1", "Welk cijfer").await;
    assert_eq!(browser.text("p.company").await, "Acme Energie", "the company asks, not acht");
    // The scale in one row, as in the email, with its anchors under its ends.
    let rows = script(browser, "return new Set([...document.querySelectorAll('.scores button')].map(b => Math.round(b.getBoundingClientRect().top))).size").await;
    assert_eq!(rows, 1, "ten scores in one row on a phone");
    browser.screenshot("customer-question").await;
    browser.click("button[value='8']").await;
    wait_text(browser, "h1", "Bedankt").await;
    browser.screenshot("customer-thanks").await;
    let listed = app.responses("").await;
    assert_eq!(listed["data"][0]["score"], 8);
    assert_eq!(listed["data"][0]["state"], "counted", "a tap on the page is a person");

    // Change to 9 and explain, with markup that must stay text.
    browser.click("label.score:nth-of-type(9)").await;
    type_into(browser, "#comment", "Snel <i>geholpen</i>").await;
    // The chosen score is filled; the others (hovered or focused ones too) are not.
    let looks = script(
        browser,
        "const s = [...document.querySelectorAll('.score span')]; \
        const chosen = getComputedStyle(document.querySelector('.score input:checked + span')); \
        return [chosen.backgroundColor, getComputedStyle(s[0]).backgroundColor]",
    )
    .await;
    assert_ne!(looks[0], looks[1], "the chosen score is filled, the others are not: {looks}");
    browser.click("button.send").await;
    // A comment gets its own confirmation: the page leads with it and quotes the comment.
    wait_text(browser, "h1", "toelichting").await;
    wait_text(browser, "#confirmation", "verstuurd").await;
    assert_eq!(
        browser.text("#confirmation blockquote").await,
        "Snel <i>geholpen</i>",
        "the comment shows as typed, not as markup"
    );
    browser.screenshot("customer-comment-sent").await;
    let listed = app.responses("").await;
    assert_eq!(listed["data"][0]["score"], 9);
    assert_eq!(listed["data"][0]["comment"], "Snel <i>geholpen</i>");

    // One click from an email, then the customer scrolls: the page's script confirms it.
    let second = app.report("web-2", "cust-web2", "support", "en").await;
    let link = second["invitation"]["score_urls"][6]["url"].as_str().unwrap();
    browser.go(&app.url(&path_of(link))).await;
    wait_text(browser, "h1", "Thank you").await;
    wait_text(browser, "#confirmation", "Saved").await;
    assert!(browser.text("#confirmation").await.contains('7'), "the banner says which score was saved");
    browser.screenshot("customer-link-saved").await;
    browser.click("#comment").await;
    assert_eq!(
        state_of(app, "cust-web2", "counted").await,
        "counted",
        "a touch on the thank-you page counts the one-click answer"
    );

    // One click, then the person reads the page for a few seconds without touching it: the
    // page's dwell makes the answer provisional, and it counts once the quiet window passes.
    let third = app.report("web-3", "cust-web3", "support", "en").await;
    let link = third["invitation"]["score_urls"][7]["url"].as_str().unwrap();
    browser.go(&app.url(&path_of(link))).await;
    wait_text(browser, "h1", "Thank you").await;
    assert_eq!(state_of(app, "cust-web3", "provisional").await, "provisional", "a dwell of two seconds");
    let evidence = app.responses("?customer=cust-web3").await["data"][0]["evidence"].clone();
    let kinds: Vec<&str> = evidence.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.starts_with(&["link", "loaded"]) && kinds.contains(&"dwell"), "{kinds:?}");
    app.clock.advance_ms(61_000);
    assert_eq!(state_of(app, "cust-web3", "counted").await, "counted", "the quiet window passed");
}

/// A scanner that runs JavaScript in a real Chromium: it opens every score link of the mail in
/// turn, each page's script runs, and it follows the links it finds on the page. Nothing of it
/// counts, on either backend, even after the quiet window.
#[tokio::test]
async fn a_javascript_running_scanner_in_a_real_browser_counts_nothing() {
    // The same phone-sized window as the customer's.
    let Some(scanner) = Browser::start_automated(DEFENDER, PHONE_SIZE).await else { return };
    for database in common::databases() {
        let backend = database.backend;
        eprintln!("a JavaScript scanner in Chromium on {backend:?}");
        let app = TestApp::spawn(database).await;
        app.create_survey("service", "grade10", &["support"]).await;
        let outcome = app.report("scan-1", "cust-scan", "support", "en").await;
        let links: Vec<String> = outcome["invitation"]["score_urls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| app.url(&path_of(l["url"].as_str().unwrap())))
            .collect();
        for link in &links {
            scanner.go(link).await;
            wait_text(&scanner, "h1", "Thank you").await;
        }
        let hrefs = script(&scanner, "return Array.from(document.querySelectorAll('a')).map(a => a.href)").await;
        for href in hrefs.as_array().unwrap() {
            scanner.go(href.as_str().unwrap()).await;
        }
        assert_eq!(state_of(&app, "cust-scan", "scanner").await, "scanner");
        app.clock.advance_ms(120_000);
        assert_eq!(state_of(&app, "cust-scan", "scanner").await, "scanner", "still not counted after the quiet window");
        // A scanner that opens only the first link, lets the page run and follows its links:
        // only the invisible link gives it away.
        let one = app.report("scan-2", "cust-scan2", "support", "en").await;
        let first = app.url(&path_of(one["invitation"]["score_urls"][0]["url"].as_str().unwrap()));
        scanner.go(&first).await;
        wait_text(&scanner, "h1", "Thank you").await;
        let hrefs = script(&scanner, "return Array.from(document.querySelectorAll('a')).map(a => a.href)").await;
        assert!(hrefs.as_array().unwrap().iter().any(|h| h.as_str().unwrap().ends_with("/t")), "{hrefs}");
        for href in hrefs.as_array().unwrap() {
            scanner.go(href.as_str().unwrap()).await;
        }
        assert_eq!(state_of(&app, "cust-scan2", "scanner").await, "scanner", "the trap caught it");
        // An automated browser that opens one link, lets the page run, stays well past the dwell
        // time and follows nothing: its script says it is automated, so it never counts.
        let stay = app.report("scan-3", "cust-scan3", "support", "en").await;
        let link = app.url(&path_of(stay["invitation"]["score_urls"][7]["url"].as_str().unwrap()));
        scanner.go(&link).await;
        wait_text(&scanner, "h1", "Thank you").await;
        assert_eq!(script(&scanner, "return navigator.webdriver").await, serde_json::json!(true));
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        app.clock.advance_ms(120_000);
        assert_eq!(state_of(&app, "cust-scan3", "unverified").await, "unverified", "its stay is no evidence");
        let counted = app.responses("?state=counted").await;
        assert_eq!(counted["data"].as_array().unwrap().len(), 0);
    }
    close(scanner).await;
}

/// A scanner's script can dispatch touches and key presses, but the events it makes are not
/// trusted: they leave no gesture, and they do not use up the listener, so a person's real tap
/// on the same page afterwards still counts as one.
#[tokio::test]
async fn a_dispatched_touch_is_no_gesture_and_a_real_tap_after_it_is() {
    let Some(browser) = Browser::start(PHONE, PHONE_SIZE).await else { return };
    let app = TestApp::spawn(common::sqlite()).await;
    app.create_survey("service", "grade10", &["support"]).await;
    let invited = app.report("fake-1", "cust-fake", "support", "en").await;
    let link = app.url(&path_of(invited["invitation"]["score_urls"][7]["url"].as_str().unwrap()));
    browser.go(&link).await;
    wait_text(&browser, "h1", "Thank you").await;
    script(
        &browser,
        "for (const t of ['pointerdown', 'touchstart', 'keydown']) { \
           window.dispatchEvent(new Event(t)); \
           document.body.dispatchEvent(new Event(t, {bubbles: true})); } \
         document.body.dispatchEvent(new PointerEvent('pointerdown', {bubbles: true})); \
         document.dispatchEvent(new KeyboardEvent('keydown', {key: 'a', bubbles: true})); return 1",
    )
    .await;
    // The page's beacons (loaded, and so on) arrive; a gesture would arrive with them.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!evidence_kinds(&app, "cust-fake").await.contains(&"gesture".to_string()), "a dispatched event counted");
    // A real tap: WebDriver's input reaches the page as the browser's own (trusted) event.
    browser.client.find(Locator::Css("h1")).await.unwrap().click().await.unwrap();
    let mut kinds = vec![];
    for _ in 0..50 {
        kinds = evidence_kinds(&app, "cust-fake").await;
        if kinds.contains(&"gesture".to_string()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(kinds.contains(&"gesture".to_string()), "the real tap is a gesture: {kinds:?}");
    close(browser).await;
}

/// The kinds of evidence recorded for a customer's answer, in order.
async fn evidence_kinds(app: &TestApp, customer: &str) -> Vec<String> {
    let page = app.responses(&format!("?customer={customer}")).await;
    let evidence = page["data"][0]["evidence"].as_array().cloned().unwrap_or_default();
    evidence.iter().map(|e| e["kind"].as_str().unwrap_or("").to_string()).collect()
}

/// The customer's answer state once it is `want`, or the last seen after five seconds.
async fn state_of(app: &TestApp, customer: &str, want: &str) -> String {
    let mut seen = String::new();
    for _ in 0..50 {
        let page = app.responses(&format!("?customer={customer}")).await;
        seen = page["data"][0]["state"].as_str().unwrap_or("none").to_string();
        if seen == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

/// The survey email as it arrived at a real SMTP server, opened in Chromium on a phone and a
/// desktop: its buttons answer, and its footer link unsubscribes through acht's page (which asks
/// first) with an undo. Screenshots of the email and the pages land in `target/screenshots/`.
#[tokio::test]
async fn the_received_survey_email_answers_and_unsubscribes_in_a_real_browser() {
    let Some(smtp) = common::smtp::SmtpServer::start() else { return };
    let Some(browser) = Browser::start(PHONE, PHONE_SIZE).await else { return };
    let database = common::sqlite();
    let url = database.url.clone();
    let tune = |s: &mut acht::config::Settings| {
        s.smtp_url = Some(smtp.url());
        s.mail_from = Some("Acme <survey@acme.example>".into());
        s.company_name = Some("Acme".into());
        s.jobs = acht::config::Switch::Off;
    };
    let app = TestApp::spawn_with(database, tune).await;
    let mut settings = acht::config::Settings::for_database(&url);
    tune(&mut settings);
    let mailer = acht::mail::Mailer::from_settings(&settings).unwrap();
    let delivery = acht::jobs::worker::Delivery::new(&app.state, mailer, &settings);
    app.create_survey("service", "grade10", &["support"]).await;
    app.report("mail-1", "cust-mail", "support", "nl").await;
    app.clock.advance_ms(3_601_000);
    assert_eq!(delivery.deliver_due().await.sent, 1);
    let raw = smtp.wait_for(1, 10).await.pop().expect("the email arrived");
    let html = common::smtp::Mail { raw }.part("text/html").unwrap();
    let scratch = common::scratch();
    let file = scratch.0.join("email.html");
    std::fs::write(&file, &html).unwrap();
    let email = format!("file://{}", file.display());

    browser.go(&email).await;
    wait_text(&browser, "td", "Welk cijfer geeft u ons?").await;
    browser.screenshot("email-survey-phone").await;
    browser.client.set_window_size(1200, 900).await.unwrap();
    browser.screenshot("email-survey-desktop").await;
    browser.client.set_window_size(PHONE_SIZE.0, PHONE_SIZE.1).await.unwrap();
    // Ten visible score buttons; the trap link is there but shows nothing.
    let shown = script(&browser, "return Array.from(document.querySelectorAll('a[href*=\"/s/\"]')).filter(a => a.offsetWidth > 0 && /^\\d+$/.test(a.textContent.trim())).length").await;
    assert_eq!(shown, 10);
    let trap_visible = script(&browser, "return Array.from(document.querySelectorAll('a[href$=\"/t\"]')).some(a => a.offsetWidth > 0 || a.offsetHeight > 0)").await;
    assert_eq!(trap_visible, false, "the trap link is invisible");

    // A tap on 8 in the email opens acht's thank-you page with the answer stored.
    browser.click("a[aria-label='8']").await;
    wait_text(&browser, "h1", "Bedankt").await;
    assert_eq!(app.responses("").await["data"][0]["score"], 8);

    // The footer link: a page that asks, then the done page with an undo.
    browser.go(&email).await;
    browser.click("a[href*='/u/']").await;
    wait_text(&browser, "h1", "Geen vragen meer van Acme?").await;
    browser.screenshot("unsubscribe-phone").await;
    browser.click("button.send").await;
    wait_text(&browser, "h1", "U bent afgemeld").await;
    browser.screenshot("unsubscribed-phone").await;
    let later = app.report("mail-2", "cust-mail", "support", "nl").await;
    assert_eq!(later["decision"], "unsubscribed");
    assert!(later["reason"].as_str().unwrap().contains("unsubscribe link in a survey email"), "{later}");
    browser.click("button.send").await;
    wait_text(&browser, "h1", "U krijgt weer vragen").await;
    let _ = std::fs::remove_file(file);
    close(browser).await;
}

/// A monthly report of the demo world, sent by the server's own scheduler to a real SMTP
/// server, opened in Chromium as a mail program shows it (its charts are the message's inline
/// PNG parts): every chart loads at the size it was drawn. Screenshots in `target/screenshots/`.
#[tokio::test(flavor = "multi_thread")]
async fn the_monthly_report_email_in_a_real_browser() {
    let Some(smtp) = common::smtp::SmtpServer::start() else { return };
    let Some(browser) = Browser::start(PHONE, (1200, 900)).await else { return };
    let database = common::sqlite();
    let url = database.url.clone();
    common::acht_ok(&url, &["demo", "--customers", "3000", "--seed", "5"]);
    let smtp_url = smtp.url();
    let app = TestApp::spawn_with(database, move |s| {
        s.smtp_url = Some(smtp_url);
        s.mail_from = Some("Acme <survey@acme.example>".into());
        s.company_name = Some("Acme".into());
        s.mail_poll_seconds = 1;
    })
    .await;
    // The demo world ends now; the manager subscribed forty days ago, so the latest complete
    // month's report (last month's, from 08:00 on the first) goes out at once.
    let tz: chrono_tz::Tz = "Europe/Amsterdam".parse().unwrap();
    let now = app.clock.now();
    let due = acht::domain::reports::latest_period(acht::types::Frequency::Monthly, 8 * 60, tz, now);
    let (first_day, last_day) =
        (acht::domain::figures::date(due.first_day), acht::domain::figures::date(due.end_day - 1));
    let subscribed = now - 40 * 86_400_000;
    let input = acht::domain::reports::NewSubscription {
        email: "manager@acme.example".into(),
        frequency: acht::types::Frequency::Monthly,
        at: "08:00".into(),
        time_zone: None,
        survey: None,
        locale: Some("en".into()),
    };
    app.db.write(move |c| acht::domain::reports::subscribe(c, &input, subscribed)).await.unwrap();
    let raw = smtp.wait_for(1, 60).await.pop().expect("the server's scheduler sent the report");
    let mail = common::smtp::Mail { raw };
    let en = acht::i18n::Locale::exact("en").unwrap();
    let period = format!("{} – {}", en.date(first_day), en.date(last_day));
    assert_eq!(mail.header("Subject").unwrap(), format!("Acme: how customers rated you, {period}"));

    // The message as a mail program shows it: the HTML with its cid: images resolved.
    let scratch = common::scratch();
    let folder = scratch.0.clone();
    let parsed = mail.parsed();
    let mut html = mail.part("text/html").unwrap();
    for part in parsed.parts().filter(|p| p.ctype.mimetype == "image/png") {
        use mailparse::MailHeaderMap;
        let cid = part.headers.get_first_value("Content-ID").unwrap();
        let cid = cid.trim_matches(['<', '>']);
        let file = format!("{}.png", cid.replace('@', "_"));
        std::fs::write(folder.join(&file), part.get_body_raw().unwrap()).unwrap();
        html = html.replace(&format!("cid:{cid}"), &file);
    }
    std::fs::write(folder.join("report.html"), &html).unwrap();
    browser.go(&format!("file://{}", folder.join("report.html").display())).await;
    wait_text(&browser, "td", "how customers rated you").await;
    let widths = script(&browser, "return Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)").await;
    assert_eq!(widths, serde_json::json!([1120, 1120, 1120, 1120]), "two surveys, two charts each, all drawn");
    browser.screenshot("email-report-desktop").await;
    browser.client.set_window_size(PHONE_SIZE.0, PHONE_SIZE.1).await.unwrap();
    browser.screenshot("email-report-phone").await;
    let _ = std::fs::remove_dir_all(folder);
    close(browser).await;
}
