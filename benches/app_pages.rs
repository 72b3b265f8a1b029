//! Render times of the analyst app's pages on a large world, through the real server (SQLite,
//! in-process, a signed-in HTTP client): the overview, the trend page with every filter
//! combination and grain, the trend CSV, the retention page and the answer list, each requested
//! sequentially; p50 and p95 per page, with `/healthz` and the stylesheet as baselines measured
//! in the same run. Run it at two world sizes to see whether times grow with the answers:
//!
//!   ACHT_BENCH_CUSTOMERS=235000  cargo bench --bench app_pages    # ≈ 1M answers
//!   ACHT_BENCH_CUSTOMERS=2350000 cargo bench --bench app_pages    # ≈ 10M answers
//!
//! The world is generated once (`acht demo`) into `target/bench-worlds/` and reused.
use acht::app::Application;
use acht::config::Settings;
use acht::db::Db;
use std::net::TcpListener;
use std::time::{Duration, Instant};

const RUNS: usize = 40;
const PASSWORD: &str = "bench password 123";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn measure(client: &reqwest::Client, url: &str) -> (Duration, Duration, usize) {
    let mut times = Vec::with_capacity(RUNS);
    let mut bytes = 0;
    for k in 0..RUNS + 3 {
        let t = Instant::now();
        let r = client.get(url).send().await.expect("request");
        assert!(r.status().is_success(), "{url}: {}", r.status());
        bytes = r.bytes().await.expect("body").len();
        if k >= 3 {
            times.push(t.elapsed());
        }
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.95), bytes)
}

/// This process's resident memory in KiB (the server runs in it).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Downloads every answer as CSV, reading the stream as it comes, while a thread samples the
/// resident memory: the export must hold memory flat, whatever its size.
async fn export_all(client: &reqwest::Client, base: &str) {
    let before = rss_kib();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_kib());
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        })
    };
    let started = Instant::now();
    let mut r = client.get(format!("{base}/app/answers.csv")).send().await.expect("export");
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = r.chunk().await.expect("chunk") {
        bytes += chunk.len();
        lines += chunk.iter().filter(|&&b| b == b'\n').count();
    }
    let took = started.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    println!(
        "answers CSV export: {} rows, {:.0} MiB in {took:.1} s ({:.0} rows/s); resident memory {:.0} MiB before, peak {:.0} MiB during (+{:.1} MiB)",
        lines - 1,
        bytes as f64 / 1048576.0,
        (lines - 1) as f64 / took,
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
        peak.saturating_sub(before) as f64 / 1024.0
    );
}

fn world(customers: usize) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-worlds");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("demo-{customers}.db"));
    let url = format!("sqlite://{}", path.display());
    // A marker, written once the world is complete: an interrupted generation starts again.
    let done = dir.join(format!("demo-{customers}.done"));
    if !done.exists() {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let started = Instant::now();
        let db = Db::open(&url, 2).expect("open");
        let summary = acht::cli::demo::generate(&db, customers, 8, acht::clock::system_now_ms()).expect("demo world");
        drop(db);
        eprintln!("{summary}: generated in {:.0} s", started.elapsed().as_secs_f64());
        std::fs::write(&done, summary).unwrap();
    }
    url
}

fn main() {
    let customers: usize = std::env::var("ACHT_BENCH_CUSTOMERS").ok().and_then(|v| v.parse().ok()).unwrap_or(235_000);
    let url = world(customers);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    rt.block_on(async move {
        let settings = Settings::for_database(&url);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = Application::build(&settings, listener).expect("app");
        let state = app.state().clone();
        let answers: i64 = state
            .db
            .read(|c| {
                use diesel::prelude::*;
                acht::db::schema::responses::table.count().get_result(c).map_err(acht::domain::DomainError::from)
            })
            .await
            .unwrap();
        let now = state.now_ms();
        let _ = state
            .db
            .write(move |c| acht::domain::users::create(c, "bench@acme.example", PASSWORD, acht::types::Role::Analyst, "en", now))
            .await;
        tokio::spawn(app.run());
        // The retention page shows a stored analysis: wait for the job's first one.
        let started = Instant::now();
        loop {
            let done = state
                .db
                .read(|c| {
                    let all = acht::domain::surveys::list(c)?;
                    let mut n = 0;
                    for s in &all {
                        n += acht::domain::retention::stored(c, s.id)?.is_some() as usize;
                    }
                    Ok::<_, acht::domain::DomainError>(n == all.len())
                })
                .await
                .unwrap();
            if done {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        eprintln!("stored analyses ready after {:.1} s", started.elapsed().as_secs_f64());
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let form = client.get(format!("{base}/signin")).send().await.unwrap().text().await.unwrap();
        let at = form.find("name=\"csrf\" value=\"").unwrap() + 19;
        let csrf = form[at..].split('"').next().unwrap().to_string();
        let r = client
            .post(format!("{base}/signin"))
            .form(&[("email", "bench@acme.example"), ("password", PASSWORD), ("csrf", &csrf)])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "signed in");

        let mut pages: Vec<(String, String)> = vec![
            ("baseline: /healthz".into(), "/healthz".into()),
            ("baseline: /static/app.css".into(), "/static/app.css".into()),
            ("overview".into(), "/app".into()),
        ];
        // The world ends now: periods count back from today.
        let today = acht::domain::rollups::day_of(acht::clock::system_now_ms());
        let since = |days: i64| acht::view::iso_date(today - days);
        let until = acht::view::iso_date(today);
        for grain in ["day", "week", "month"] {
            let period = match grain {
                "day" => format!("&from={}&to={until}", since(180)),
                "week" => format!("&from={}&to={until}", since(365)),
                _ => format!("&from={}&to={until}", since(4 * 365)),
            };
            for tp in ["", "&touchpoint=support"] {
                for ch in ["", "&channel=phone"] {
                    for seg in ["", "&segment=plan%3Dbusiness"] {
                        let name = format!("trends {grain}{tp}{ch}{seg}");
                        pages.push((name, format!("/app/trends?survey=service&grain={grain}{period}{tp}{ch}{seg}")));
                    }
                }
            }
        }
        pages.push((
            "trends CSV month, all filters".into(),
            format!(
                "/app/trends.csv?survey=effort&grain=month&from={}&to={until}&touchpoint=support&channel=phone&segment=region%3Dnoord",
                since(4 * 365)
            ),
        ));
        pages.push(("retention (stored analysis)".into(), "/app/retention?survey=service".into()));
        // The answer list with common, rare and empty filters: scores nobody or few gave, a
        // touchpoint a survey never asks at, a state no demo answer is in, comment words that
        // are everywhere, rare or nowhere, and page 2 of a filtered list.
        for (name, query) in [
            ("no filter", ""),
            ("service", "survey=service"),
            ("service, score 8 (common)", "survey=service&score=8"),
            ("service, score 1 (rare)", "survey=service&score=1"),
            ("service, score 11 (nobody)", "survey=service&score=11"),
            ("effort, delivery (matches nothing)", "survey=effort&touchpoint=delivery"),
            ("support, phone, score 3", "survey=service&touchpoint=support&channel=phone&score=3"),
            ("state scanner (none)", "state=scanner"),
            ("service, state unverified (none)", "survey=service&state=unverified"),
            ("last 7 days", &format!("from={}", since(7))),
            ("comment 'twee keer' (common)", "q=twee%20keer"),
            ("comment 'geholpen' (common)", "q=geholpen"),
            ("comment 'pakket' (nowhere)", "q=pakket"),
            ("effort, comment 'geholpen' (nowhere)", "survey=effort&q=geholpen"),
            ("score 3, comment 'lang' (rare)", "score=3&q=lang"),
            ("page 2 of service, score 1", "survey=service&score=1&before=1700000000000:0"),
        ] {
            pages.push((format!("answers: {name}"), format!("/app/answers?{query}")));
        }

        println!("world: {customers} customers, {answers} answers (SQLite); {RUNS} sequential requests per page");
        println!("{:<72} {:>9} {:>9} {:>9}", "page", "p50 ms", "p95 ms", "KiB");
        let mut worst_trend = Duration::ZERO;
        let mut worst_answers = Duration::ZERO;
        let mut health = Duration::ZERO;
        for (name, path) in &pages {
            let (p50, p95, bytes) = measure(&client, &format!("{base}{path}")).await;
            if name.starts_with("baseline: /healthz") {
                health = p50;
            }
            if name.starts_with("trends") || name == "overview" {
                worst_trend = worst_trend.max(p95);
            }
            if name.starts_with("answers") {
                worst_answers = worst_answers.max(p95);
            }
            println!("{name:<72} {:>9.2} {:>9.2} {:>9.1}", p50.as_secs_f64() * 1e3, p95.as_secs_f64() * 1e3, bytes as f64 / 1024.0);
        }
        println!(
            "worst p95 of overview and trend pages: {:.1} ms ({:.0}× the /healthz p50 of this run)",
            worst_trend.as_secs_f64() * 1e3,
            worst_trend.as_secs_f64() / health.as_secs_f64()
        );
        println!(
            "worst p95 of the answer list's filters: {:.1} ms ({:.0}× the /healthz p50 of this run)",
            worst_answers.as_secs_f64() * 1e3,
            worst_answers.as_secs_f64() / health.as_secs_f64()
        );
        export_all(&client, &base).await;
    });
}
