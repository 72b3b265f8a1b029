//! Replays 1,000 simulated people and 1,000 mail-scanner visits against the real server (SQLite,
//! in-process, a manual clock moved along each timeline) and reports how the one-click rule
//! judged them: the share of people who stayed at least 2 s (or touched the page) whose answer
//! counts (target ≥ 99%), and how many scanner answers count (target 0), per scanner kind.
//! The replay is `tests/it/replay.rs`, which CI runs smaller with a fixed seed.
//! Usage: cargo bench --bench one_click [-- SEED]
#[path = "../tests/it/replay.rs"]
mod replay;

use acht::app::Application;
use acht::clock::ManualClock;
use acht::config::Settings;
use std::net::TcpListener;

#[tokio::main]
async fn main() {
    let seed: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(8);
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
    let target = replay::Target { base, key, clock, http: reqwest::Client::new() };
    let started = std::time::Instant::now();
    let outcome = replay::replay(&target, 1_000, 1_000, seed).await;
    outcome.print(seed);
    println!("  ({:.1}s)", started.elapsed().as_secs_f64());
    let _ = std::fs::remove_dir_all(&dir);
}
