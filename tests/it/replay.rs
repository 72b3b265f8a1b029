//! A replay of simulated people and mail scanners against a real acht server whose clock the
//! replay moves along each timeline; then how the one-click rule judged them. One replay for two
//! users: the fixed-seed test in `tests/it/one_click.rs` (small, run by CI, asserting the
//! targets) and `benches/one_click.rs` (large, printing the figures).
//!
//! Every scanner kind is written down with the outcome the rule must give it. Kinds the rule was
//! built for (HEAD sweeps, every link at once, the invisible link) sit beside kinds it was not:
//! a slow sweep, a browser that gives up within two seconds, a second look at a link days after
//! the person answered, and an automated browser that renders the page, runs its script, stays
//! and follows nothing (its script reports `navigator.webdriver`, so its stay is no evidence).
#![allow(dead_code)]
use acht::clock::ManualClock;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

pub const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile/15E148 Safari/604.1";
pub const DESKTOP: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
pub const DEFENDER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36";
pub const HEADLESS: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36";

/// The server under test.
pub struct Target {
    pub base: String,
    pub key: String,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
}

/// One scanner kind, and whether the rule must keep its answer out of the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scanner {
    HeadEveryLink,
    EveryLinkAtOnce,
    ScriptEveryLinkAndTrap,
    FirstLinkOnly,
    ScriptFirstLinkAndTrap,
    /// Every link, four seconds apart, no script: too slow for the burst rule, but nothing in
    /// it shows a person.
    SlowSweep,
    /// Renders one link's page, runs its script and is gone within 1.5 s.
    ScriptGoneWithinTwoSeconds,
    /// An automated browser: renders, runs the script (which reports `navigator.webdriver`),
    /// stays 2.5 s, follows nothing.
    ScriptStaysAndFollowsNothing,
}

impl Scanner {
    pub const ALL: [Scanner; 8] = [
        Scanner::HeadEveryLink,
        Scanner::EveryLinkAtOnce,
        Scanner::ScriptEveryLinkAndTrap,
        Scanner::FirstLinkOnly,
        Scanner::ScriptFirstLinkAndTrap,
        Scanner::SlowSweep,
        Scanner::ScriptGoneWithinTwoSeconds,
        Scanner::ScriptStaysAndFollowsNothing,
    ];

    /// The outcome the rule must give: never counted.
    pub fn must_not_count(self) -> bool {
        true
    }

    pub fn describe(self) -> &'static str {
        match self {
            Scanner::HeadEveryLink => "HEAD on every link",
            Scanner::EveryLinkAtOnce => "every link within a second (Safe Links)",
            Scanner::ScriptEveryLinkAndTrap => "script, every link, the page's links",
            Scanner::FirstLinkOnly => "the first link only",
            Scanner::ScriptFirstLinkAndTrap => "script, the first link, the page's links",
            Scanner::SlowSweep => "every link, 4 s apart, no script",
            Scanner::ScriptGoneWithinTwoSeconds => "script, one link, gone within 1.5 s",
            Scanner::ScriptStaysAndFollowsNothing => {
                "an automated browser: script, one link, stays 2.5 s, follows nothing"
            }
        }
    }
}

/// What the rule made of the replay.
#[derive(Debug, Default)]
pub struct Outcome {
    /// People who stayed at least 2 s or touched the page, and how many of them counted.
    pub people_stayed: usize,
    pub people_counted: usize,
    /// Counted people whose counted score is not the one they gave.
    pub wrong_scores: usize,
    /// People who left within 2 s untouched, and how many of them counted anyway.
    pub people_left: usize,
    pub left_counted: usize,
    /// Per scanner kind: (replayed, counted).
    pub scanners: std::collections::BTreeMap<Scanner, (usize, usize)>,
}

impl Outcome {
    pub fn person_share(&self) -> f64 {
        self.people_counted as f64 / self.people_stayed.max(1) as f64
    }

    /// Scanner answers counted among the kinds the rule must stop.
    pub fn scanners_counted(&self) -> usize {
        self.scanners.iter().filter(|(k, _)| k.must_not_count()).map(|(_, (_, c))| c).sum()
    }

    pub fn print(&self, seed: u64) {
        println!("one-click replay (seed {seed}):");
        println!(
            "  people who stayed >= 2 s or touched the page: {} of {} counted = {:.1}% (target >= 99%), {} with a wrong score",
            self.people_counted,
            self.people_stayed,
            100.0 * self.person_share(),
            self.wrong_scores
        );
        println!("  people who left within 2 s untouched: {} of {} counted", self.left_counted, self.people_left);
        println!("  scanner answers counted: {} (target 0)", self.scanners_counted());
        for (kind, (n, counted)) in &self.scanners {
            println!("    {counted} of {n} counted: {}", kind.describe());
        }
    }
}

struct Inv {
    customer: String,
    page: String,
    links: Vec<String>,
}

impl Target {
    async fn get(&self, path: &str, ua: &str) {
        self.http.get(format!("{}{path}", self.base)).header("User-Agent", ua).send().await.expect("get");
    }
    async fn head(&self, path: &str, ua: &str) {
        self.http.head(format!("{}{path}", self.base)).header("User-Agent", ua).send().await.expect("head");
    }
    async fn beacon(&self, page: &str, ua: &str, kind: &str, visible_ms: Option<i64>) {
        self.beacon_from(page, ua, kind, visible_ms, false).await
    }
    /// A beacon as the page's script sends it; `automated` when the browser is driven by
    /// automation (the script reads `navigator.webdriver`).
    async fn beacon_from(&self, page: &str, ua: &str, kind: &str, visible_ms: Option<i64>, automated: bool) {
        let mut form = vec![("kind", kind.to_string())];
        if let Some(v) = visible_ms {
            form.push(("visible_ms", v.to_string()));
        }
        if automated {
            form.push(("automated", "1".into()));
        }
        let url = format!("{}{page}/beacon", self.base);
        self.http.post(url).header("User-Agent", ua).form(&form).send().await.expect("beacon");
    }
    async fn gesture(&self, page: &str, ua: &str) {
        self.http.post(format!("{}{page}/gesture", self.base)).header("User-Agent", ua).send().await.expect("gesture");
    }
}

/// Replays `people` people and `scanners` scanner visits (the kinds in turn) with `seed`.
pub async fn replay(t: &Target, people: usize, scanners: usize, seed: u64) -> Outcome {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let invitations = setup(t, people + scanners).await;
    let mut out = Outcome::default();
    // People: one tap in the email, then 1–60 s on the thank-you page; 40% touch it.
    let mut given = HashMap::new();
    let mut stayed_ids = vec![];
    for (k, inv) in invitations[..people].iter().enumerate() {
        let dwell_ms: i64 = rng.random_range(1_000..=60_000);
        let touches = rng.random_bool(0.4);
        let score = rng.random_range(1..=10usize);
        t.get(&inv.links[score - 1], PHONE).await;
        t.beacon(&inv.page, PHONE, "loaded", None).await;
        // A fifth of them meet Safe Links re-opening every link at the moment of their click.
        if k % 5 == 0 {
            for l in &inv.links {
                t.get(l, DEFENDER).await;
            }
        }
        if touches {
            t.clock.advance_ms(rng.random_range(300..dwell_ms.max(301)));
            t.gesture(&inv.page, PHONE).await;
        }
        if dwell_ms >= 2_000 {
            t.beacon(&inv.page, PHONE, "dwell", Some(2_000)).await;
        }
        t.clock.advance_ms(dwell_ms);
        t.beacon(&inv.page, PHONE, "hidden", Some(dwell_ms)).await;
        let stayed = dwell_ms >= 2_000 || touches;
        if stayed {
            stayed_ids.push(inv.customer.clone());
        }
        given.insert(inv.customer.clone(), (score as i64, stayed));
    }
    // Scanners, one kind after the other.
    let mut kind_of = HashMap::new();
    for (k, inv) in invitations[people..].iter().enumerate() {
        let kind = Scanner::ALL[k % Scanner::ALL.len()];
        scan(t, inv, kind).await;
        kind_of.insert(inv.customer.clone(), kind);
        t.clock.advance_ms(rng.random_range(100..5_000));
    }
    t.clock.advance_ms(61_000);
    // Days later a mail gateway looks at one link of every seventh person's email again.
    for (k, inv) in invitations[..people].iter().enumerate().filter(|(k, _)| k % 7 == 3) {
        t.clock.advance_ms(3 * 86_400_000 / people.max(1) as i64);
        t.get(&inv.links[k % 10], DEFENDER).await;
    }
    t.clock.advance_ms(61_000);
    let answers = answers(t).await;
    for (customer, (score, stayed)) in &given {
        let counted = answers.get(customer).filter(|(state, _)| state == "counted");
        if *stayed {
            out.people_stayed += 1;
            if let Some((_, s)) = counted {
                out.people_counted += 1;
                out.wrong_scores += usize::from(s != score);
            }
        } else {
            out.people_left += 1;
            out.left_counted += usize::from(counted.is_some());
        }
    }
    for (customer, kind) in kind_of {
        let counted = answers.get(&customer).is_some_and(|(state, _)| state == "counted");
        let entry = out.scanners.entry(kind).or_default();
        entry.0 += 1;
        entry.1 += usize::from(counted);
    }
    out
}

async fn scan(t: &Target, inv: &Inv, kind: Scanner) {
    match kind {
        Scanner::HeadEveryLink => {
            for l in &inv.links {
                t.head(l, DEFENDER).await;
            }
        }
        Scanner::EveryLinkAtOnce => {
            for l in &inv.links {
                t.get(l, DEFENDER).await;
            }
        }
        Scanner::ScriptEveryLinkAndTrap => {
            for l in &inv.links {
                t.get(l, HEADLESS).await;
            }
            t.beacon(&inv.page, HEADLESS, "loaded", None).await;
            t.beacon(&inv.page, HEADLESS, "dwell", Some(2_000)).await;
            t.get(&format!("{}/t", inv.page), HEADLESS).await;
        }
        Scanner::FirstLinkOnly => t.get(&inv.links[0], "Proofpoint URL Defense").await,
        Scanner::ScriptFirstLinkAndTrap => {
            t.get(&inv.links[0], HEADLESS).await;
            t.beacon(&inv.page, HEADLESS, "loaded", None).await;
            t.beacon(&inv.page, HEADLESS, "dwell", Some(2_500)).await;
            t.get(&format!("{}/t", inv.page), HEADLESS).await;
        }
        Scanner::SlowSweep => {
            for l in &inv.links {
                t.get(l, DESKTOP).await;
                t.clock.advance_ms(4_000);
            }
        }
        Scanner::ScriptGoneWithinTwoSeconds => {
            t.get(&inv.links[4], DESKTOP).await;
            t.beacon(&inv.page, DESKTOP, "loaded", None).await;
            t.clock.advance_ms(1_500);
            t.beacon(&inv.page, DESKTOP, "hidden", Some(1_500)).await;
        }
        Scanner::ScriptStaysAndFollowsNothing => {
            t.get(&inv.links[4], DESKTOP).await;
            t.beacon_from(&inv.page, DESKTOP, "loaded", None, true).await;
            t.clock.advance_ms(2_500);
            t.beacon_from(&inv.page, DESKTOP, "dwell", Some(2_500), true).await;
        }
    }
}

/// A survey and one invitation per visitor (customers r0, r1, …).
async fn setup(t: &Target, n: usize) -> Vec<Inv> {
    let survey = json!({"slug": "service", "scale": "grade10", "touchpoints": ["support"],
        "fatigue_survey_days": 0, "fatigue_global_days": 0, "texts": {"en": {"question": "Grade?"}}});
    let url = format!("{}/api/v1/surveys", t.base);
    t.http.post(url).bearer_auth(&t.key).json(&survey).send().await.expect("survey");
    let mut out = Vec::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let items: Vec<Value> = chunk
            .iter()
            .map(|k| json!({"id": format!("r{k}"), "touchpoint": "support", "customer": {"id": format!("r{k}"), "email": "r@example.test"}}))
            .collect();
        let r: Value = t
            .http
            .post(format!("{}/api/v1/interactions/batch", t.base))
            .bearer_auth(&t.key)
            .json(&json!({ "interactions": items }))
            .send()
            .await
            .expect("batch")
            .json()
            .await
            .expect("json");
        for (o, k) in r["results"].as_array().expect("results").iter().zip(chunk) {
            let path = |u: &str| u.splitn(4, '/').nth(3).map(|p| format!("/{p}")).expect("path");
            let inv = &o["invitation"];
            let links = inv["score_urls"].as_array().expect("links");
            out.push(Inv {
                customer: format!("r{k}"),
                page: path(inv["survey_url"].as_str().expect("url")),
                links: links.iter().map(|l| path(l["url"].as_str().expect("url"))).collect(),
            });
        }
    }
    out
}

/// Every answer's state and score by customer, through the API.
async fn answers(t: &Target) -> HashMap<String, (String, i64)> {
    let mut out = HashMap::new();
    let mut cursor = String::new();
    loop {
        let url = format!("{}/api/v1/responses?limit=1000{cursor}", t.base);
        let page: Value = t.http.get(url).bearer_auth(&t.key).send().await.expect("list").json().await.expect("json");
        for r in page["data"].as_array().expect("data") {
            out.insert(
                r["customer_id"].as_str().unwrap_or_default().to_string(),
                (r["state"].as_str().unwrap_or_default().to_string(), r["score"].as_i64().unwrap_or(-1)),
            );
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}
