//! Replays 1,000 simulated people and 1,000 mail-scanner sweeps against the real server (SQLite,
//! in-process, a manual clock moved along each timeline) and reports how the one-click rule
//! judged them: the share of people who stayed at least 2 s (or touched the page) whose answer
//! counts (target ≥ 99%), and how many scanner answers count (target 0).
//! Usage: cargo bench --bench one_click [-- SEED]
use acht::app::Application;
use acht::clock::ManualClock;
use acht::config::Settings;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::TcpListener;

const PEOPLE: usize = 1_000;
const SCANNERS: usize = 1_000;
const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile/15E148 Safari/604.1";
const DEFENDER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36";
const HEADLESS: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36";

struct Server {
    base: String,
    key: String,
    clock: std::sync::Arc<ManualClock>,
    http: reqwest::Client,
}

impl Server {
    async fn get(&self, path: &str, ua: &str) {
        self.http.get(format!("{}{path}", self.base)).header("User-Agent", ua).send().await.expect("get");
    }
    async fn head(&self, path: &str, ua: &str) {
        self.http.head(format!("{}{path}", self.base)).header("User-Agent", ua).send().await.expect("head");
    }
    async fn beacon(&self, page: &str, ua: &str, kind: &str, visible_ms: Option<i64>) {
        let mut form = vec![("kind", kind.to_string())];
        if let Some(v) = visible_ms {
            form.push(("visible_ms", v.to_string()));
        }
        self.http
            .post(format!("{}{page}/beacon", self.base))
            .header("User-Agent", ua)
            .form(&form)
            .send()
            .await
            .expect("beacon");
    }
    async fn gesture(&self, page: &str, ua: &str) {
        self.http.post(format!("{}{page}/gesture", self.base)).header("User-Agent", ua).send().await.expect("gesture");
    }
}

/// One invitation: its page and score links (paths).
struct Inv {
    page: String,
    links: Vec<String>,
}

#[tokio::main]
async fn main() {
    let seed: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(8);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = std::env::temp_dir().join(format!("acht-one-click-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("b.db").display());
    let mut settings = Settings::for_database(&url);
    settings.jobs = acht::config::Switch::Off;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let clock = ManualClock::at_system_now();
    let app = Application::build_with_clock(&settings, listener, clock.clone()).expect("app");
    let db = app.state().db.clone();
    tokio::spawn(app.run());
    let now = clock.now();
    let key = db.write(move |c| acht::domain::apikeys::create(c, "bench", now)).await.expect("key");
    let s = Server { base, key, clock, http: reqwest::Client::new() };
    let started = std::time::Instant::now();
    let invitations = setup(&s).await;

    // People: one tap in the email, then 1–60 s on the thank-you page; 40% touch it.
    let mut stayed = Vec::new();
    for (k, inv) in invitations[..PEOPLE].iter().enumerate() {
        let dwell_ms: i64 = rng.random_range(1_000..=60_000);
        let touches = rng.random_bool(0.4);
        let score = rng.random_range(1..=10usize);
        s.get(&inv.links[score - 1], PHONE).await;
        s.beacon(&inv.page, PHONE, "loaded", None).await;
        // A fifth of them meet Safe Links re-opening every link at the moment of their click.
        if k % 5 == 0 {
            for l in &inv.links {
                s.get(l, DEFENDER).await;
            }
        }
        if touches {
            s.clock.advance_ms(rng.random_range(300..dwell_ms.max(301)));
            s.gesture(&inv.page, PHONE).await;
        }
        if dwell_ms >= 2_000 {
            s.beacon(&inv.page, PHONE, "dwell", Some(2_000)).await;
        }
        s.clock.advance_ms(dwell_ms);
        s.beacon(&inv.page, PHONE, "hidden", Some(dwell_ms)).await;
        stayed.push(dwell_ms >= 2_000 || touches);
    }
    // Scanners, five kinds documented by their makers and in bug reports.
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for (k, inv) in invitations[PEOPLE..].iter().enumerate() {
        let kind = match k % 5 {
            0 => {
                for l in &inv.links {
                    s.head(l, DEFENDER).await;
                }
                "HEAD on every link"
            }
            1 => {
                for l in &inv.links {
                    s.get(l, DEFENDER).await;
                }
                "every link within a second (Safe Links)"
            }
            2 => {
                for l in &inv.links {
                    s.get(l, HEADLESS).await;
                }
                s.beacon(&inv.page, HEADLESS, "loaded", None).await;
                s.beacon(&inv.page, HEADLESS, "dwell", Some(2_000)).await;
                s.get(&format!("{}/t", inv.page), HEADLESS).await;
                "JavaScript, every link, the page's links"
            }
            3 => {
                s.get(&inv.links[0], "Proofpoint URL Defense").await;
                "the first link only"
            }
            _ => {
                s.get(&inv.links[0], HEADLESS).await;
                s.beacon(&inv.page, HEADLESS, "loaded", None).await;
                s.beacon(&inv.page, HEADLESS, "dwell", Some(2_500)).await;
                s.get(&format!("{}/t", inv.page), HEADLESS).await;
                "JavaScript, the first link, the page's links"
            }
        };
        *kinds.entry(kind).or_default() += 1;
        s.clock.advance_ms(rng.random_range(100..5_000));
    }
    s.clock.advance_ms(61_000);
    let states = states(&s).await;
    let person_counted =
        (0..PEOPLE).filter(|k| stayed[*k] && states.get(&format!("b{k}")).is_some_and(|st| st == "counted")).count();
    let people_stayed = stayed.iter().filter(|s| **s).count();
    let left_counted =
        (0..PEOPLE).filter(|k| !stayed[*k] && states.get(&format!("b{k}")).is_some_and(|st| st == "counted")).count();
    let scanner_counted =
        (PEOPLE..PEOPLE + SCANNERS).filter(|k| states.get(&format!("b{k}")).is_some_and(|st| st == "counted")).count();
    println!("one-click replay (seed {seed}), {:.1}s:", started.elapsed().as_secs_f64());
    println!(
        "  people who stayed >= 2 s or touched the page: {person_counted} of {people_stayed} counted = {:.1}% (target >= 99%)",
        100.0 * person_counted as f64 / people_stayed as f64
    );
    println!("  people who left within 2 s untouched: {left_counted} of {} counted", PEOPLE - people_stayed);
    println!("  scanner sweeps: {scanner_counted} of {SCANNERS} counted (target 0)");
    let mut kinds: Vec<_> = kinds.into_iter().collect();
    kinds.sort();
    for (kind, n) in kinds {
        println!("    {n} × {kind}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A survey and one invitation per simulated visitor (customers b0…b1999).
async fn setup(s: &Server) -> Vec<Inv> {
    let survey = json!({"slug": "service", "scale": "grade10", "touchpoints": ["support"],
        "texts": {"en": {"question": "Grade?"}}});
    s.http.post(format!("{}/api/v1/surveys", s.base)).bearer_auth(&s.key).json(&survey).send().await.expect("survey");
    let mut out = Vec::new();
    for chunk in (0..PEOPLE + SCANNERS).collect::<Vec<_>>().chunks(1000) {
        let items: Vec<Value> = chunk
            .iter()
            .map(|k| json!({"id": format!("b{k}"), "touchpoint": "support", "customer": {"id": format!("b{k}"), "email": "b@example.test"}}))
            .collect();
        let r: Value = s
            .http
            .post(format!("{}/api/v1/interactions/batch", s.base))
            .bearer_auth(&s.key)
            .json(&json!({ "interactions": items }))
            .send()
            .await
            .expect("batch")
            .json()
            .await
            .expect("json");
        for o in r["results"].as_array().expect("results") {
            let path = |u: &str| u.splitn(4, '/').nth(3).map(|p| format!("/{p}")).expect("path");
            let inv = &o["invitation"];
            out.push(Inv {
                page: path(inv["survey_url"].as_str().expect("url")),
                links: inv["score_urls"]
                    .as_array()
                    .expect("links")
                    .iter()
                    .map(|l| path(l["url"].as_str().expect("url")))
                    .collect(),
            });
        }
    }
    out
}

/// Every answer's state by customer, through the API.
async fn states(s: &Server) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut cursor = String::new();
    loop {
        let page: Value = s
            .http
            .get(format!("{}/api/v1/responses?limit=1000{cursor}", s.base))
            .bearer_auth(&s.key)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        for r in page["data"].as_array().expect("data") {
            out.insert(
                r["customer_id"].as_str().unwrap_or_default().to_string(),
                r["state"].as_str().unwrap_or_default().to_string(),
            );
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}
