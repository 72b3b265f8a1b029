//! A customer in a real browser (headless Chromium through chromedriver's WebDriver API):
//! open the email's score link, see the thank-you page, change the score, add a comment.
mod common;

use common::{path_of, TestApp};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn find_chrome() -> Option<(String, String)> {
    let chromium =
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| std::path::Path::new(p).exists())?;
    let driver = ["/usr/bin/chromedriver"].into_iter().find(|p| std::path::Path::new(p).exists())?;
    Some((chromium.to_string(), driver.to_string()))
}

impl Driver {
    /// Starts chromedriver and a headless session, or None (skip) when Chromium is absent and not strict.
    async fn start(user_agent: &str) -> Option<Driver> {
        let Some((chromium, driver)) = find_chrome() else {
            if common::strict() {
                panic!("ACHT_TEST_STRICT=1 but Chromium/chromedriver are not installed (apt-get install chromium chromium-driver)");
            }
            eprintln!("skipping the browser test: Chromium/chromedriver not installed");
            return None;
        };
        let port = common::free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        common::wait_until_up(&http, &format!("{base}/status")).await;
        let profile = common::sqlite_url().1;
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=390,844", format!("--user-data-dir={}", profile.0.display()),
                     format!("--user-agent={user_agent}")]
        }}}});
        let r: Value = http.post(format!("{base}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let session = r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {r}")).to_string();
        std::mem::forget(profile);
        Some(Driver { child, base, session, http })
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let req = self.http.request(method.clone(), url);
        let req = if method == reqwest::Method::POST { req.json(&body) } else { req };
        let r = req.send().await.unwrap();
        let v: Value = r.json().await.unwrap();
        assert!(v["value"]["error"].is_null(), "webdriver {path}: {v}");
        v["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", json!({ "url": url })).await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self.cmd(reqwest::Method::POST, "/element", json!({"using": "css selector", "value": css})).await;
        v.as_object().unwrap().values().next().unwrap().as_str().unwrap().to_string()
    }

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{id}/click"), json!({})).await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{id}/value"), json!({ "text": text })).await;
    }

    /// Waits (up to 5 s) until the element's text contains `needle`: clicks navigate, and
    /// an element of the old page goes stale.
    async fn wait_text(&self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..50 {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let found: Value = self
                .http
                .post(url)
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = found["value"].as_object().and_then(|o| o.values().next()).and_then(Value::as_str) {
                let url = format!("{}/session/{}/element/{id}/text", self.base, self.session);
                let v: Value = self.http.get(url).send().await.unwrap().json().await.unwrap();
                if let Some(t) = v["value"].as_str() {
                    last = t.to_string();
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
    async fn script(&self, js: &str) -> Value {
        self.cmd(reqwest::Method::POST, "/execute/sync", json!({"script": js, "args": []})).await
    }

    async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{id}/text"), Value::Null).await.as_str().unwrap().to_string()
    }
}

/// An ordinary phone browser (not the headless user agent), as a customer uses it.
const PHONE: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
/// Safe Links: old Chrome on Windows 10, running the page's JavaScript.
const DEFENDER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36";

#[tokio::test]
async fn a_customer_answers_in_a_real_browser() {
    let Some(browser) = Driver::start(PHONE).await else { return };
    for (backend, url, dir) in common::backends() {
        eprintln!("a customer in Chromium on {backend:?}");
        let app = TestApp::spawn(url, dir).await;
        customer_in_browser(&browser, &app).await;
    }
    let _ = browser.cmd(reqwest::Method::DELETE, "", Value::Null).await;
}

async fn customer_in_browser(browser: &Driver, app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let outcome = app.report("web-1", "cust-web", "support", "nl").await;
    let page = app.url(&path_of(outcome["invitation"]["survey_url"].as_str().unwrap()));

    // The question page: a tap on 8 records it and thanks the customer in Dutch.
    browser.go(&page).await;
    browser.wait_text("h1", "Welk cijfer").await;
    browser.click("button[value='8']").await;
    browser.wait_text("h1", "Bedankt").await;
    let listed = app.responses("").await;
    assert_eq!(listed["data"][0]["score"], 8);
    assert_eq!(listed["data"][0]["state"], "counted", "a tap on the page is a person");

    // Change to 9 and explain, with markup that must stay text.
    browser.click("label.score:nth-of-type(9)").await;
    browser.type_into("#comment", "Snel <i>geholpen</i>").await;
    browser.click("button.send").await;
    browser.wait_text(".saved", "opgeslagen").await;
    assert_eq!(browser.text("#comment").await, "Snel <i>geholpen</i>", "the comment shows as typed, not as markup");
    let listed = app.responses("").await;
    assert_eq!(listed["data"][0]["score"], 9);
    assert_eq!(listed["data"][0]["comment"], "Snel <i>geholpen</i>");

    // One click from an email, then the customer scrolls: the page's script confirms it.
    let second = app.report("web-2", "cust-web2", "support", "en").await;
    let link = second["invitation"]["score_urls"][6]["url"].as_str().unwrap();
    browser.go(&app.url(&path_of(link))).await;
    browser.wait_text("h1", "Thank you").await;
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
    browser.wait_text("h1", "Thank you").await;
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
    let Some(scanner) = Driver::start(DEFENDER).await else { return };
    for (backend, url, dir) in common::backends() {
        eprintln!("a JavaScript scanner in Chromium on {backend:?}");
        let app = TestApp::spawn(url, dir).await;
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
            scanner.wait_text("h1", "Thank you").await;
        }
        let hrefs = scanner.script("return Array.from(document.querySelectorAll('a')).map(a => a.href)").await;
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
        scanner.wait_text("h1", "Thank you").await;
        let hrefs = scanner.script("return Array.from(document.querySelectorAll('a')).map(a => a.href)").await;
        assert!(hrefs.as_array().unwrap().iter().any(|h| h.as_str().unwrap().ends_with("/t")), "{hrefs}");
        for href in hrefs.as_array().unwrap() {
            scanner.go(href.as_str().unwrap()).await;
        }
        assert_eq!(state_of(&app, "cust-scan2", "scanner").await, "scanner", "the trap caught it");
        app.clock.advance_ms(120_000);
        let counted = app.responses("?state=counted").await;
        assert_eq!(counted["data"].as_array().unwrap().len(), 0);
    }
    let _ = scanner.cmd(reqwest::Method::DELETE, "", Value::Null).await;
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
