//! The writer's share of batch ingest on SQLite: `dispatch::report` through the same group
//! writer the server uses, 1,000 new interactions per batch, `IN_FLIGHT` batches queued at
//! once as concurrent API clients would. Customers come from a pool of 200,000, so later
//! batches meet known customers and fatigue throttles some of them. No HTTP: the JSON work
//! happens on the other core in the server, so this is the ceiling of the batch API.
//! Usage: cargo bench --bench ingest [-- BATCHES]
use acht::db::Db;
use acht::domain::customers::CustomerInput;
use acht::domain::dispatch::{self, InteractionInput};
use acht::domain::surveys::{self, SurveyInput, Touchpoint};
use acht::domain::DomainError;
use acht::types::Scale;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::Instant;

const IN_FLIGHT: usize = 4;
const CUSTOMERS: u32 = 200_000;

fn batch(b: usize, rng: &mut impl Rng) -> Vec<InteractionInput> {
    (0..dispatch::MAX_BATCH)
        .map(|k| (k, rng.random_range(0..CUSTOMERS)))
        .map(|(k, c)| InteractionInput {
            id: format!("i{b}-{k}"),
            customer: CustomerInput {
                id: format!("c{c}"),
                email: Some(format!("c{c}@example.test")),
                locale: None,
                attributes: None,
                committed_until: None,
            },
            touchpoint: "support".into(),
            channel: None,
            occurred_at: None,
            attributes: None,
        })
        .collect()
}

/// CPU time of the thread named acht-writer, from /proc (Linux only).
fn writer_cpu_seconds() -> Option<f64> {
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let path = task.ok()?.path();
        if std::fs::read_to_string(path.join("comm")).ok()?.trim() != "acht-writer" {
            continue;
        }
        let stat = std::fs::read_to_string(path.join("stat")).ok()?;
        // Fields after the parenthesised name: state is field 3, utime 14 and stime 15.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        return Some(ticks / 100.0);
    }
    None
}

fn main() {
    let batches: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(200);
    let dir = std::env::temp_dir().join(format!("acht-ingest-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    // The one database handle, as the server uses it: writes go through its group writer.
    let writer = Db::open(&url, 4).expect("open");
    let mut survey = SurveyInput::new("service", Scale::Grade10, "Cijfer?", "Grade?");
    survey.touchpoints = vec![Touchpoint("support".into())];
    let now = acht::clock::system_now_ms();
    writer.write_blocking(move |c| surveys::create(c, &survey, now)).expect("survey");
    let secret: Arc<[u8]> = writer.write_blocking(surveys::instance_secret).expect("secret").into();

    let mut rng = rand::rngs::StdRng::seed_from_u64(8);
    let mut inputs: Vec<Vec<InteractionInput>> = (0..batches).map(|b| batch(b, &mut rng)).collect();
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let started = Instant::now();
    let (invited, slowest) = runtime.block_on(async {
        let mut running = tokio::task::JoinSet::new();
        let (mut invited, mut slowest) = (0usize, 0f64);
        loop {
            while running.len() < IN_FLIGHT {
                let Some(b) = inputs.pop() else { break };
                let writer = writer.clone();
                // Prepared here, as the API does before queueing for the writer.
                let b = dispatch::prepare(b, &secret, acht::clock::system_now_ms(), acht::domain::validate::AHEAD_MS)
                    .expect("valid batch");
                running.spawn(async move {
                    let t = Instant::now();
                    let outcomes = writer
                        .write(move |c| dispatch::report(c, &b))
                        .await
                        .map_err(|e: DomainError| e.to_string())
                        .expect("report");
                    assert!(outcomes.iter().all(|o| o.created));
                    (outcomes.iter().filter(|o| o.invitation.is_some()).count(), t.elapsed().as_secs_f64())
                });
            }
            let Some(done) = running.join_next().await else { break };
            let (n, secs) = done.expect("task");
            invited += n;
            slowest = slowest.max(secs);
        }
        (invited, slowest)
    });
    let secs = started.elapsed().as_secs_f64();
    let n = batches * dispatch::MAX_BATCH;
    println!(
        "ingest (writer side): {n} interactions ({invited} invited) in {secs:.2}s = {:.0}/s; slowest batch {:.0} ms",
        n as f64 / secs,
        slowest * 1000.0
    );
    if let Some(cpu) = writer_cpu_seconds() {
        // Less noisy than wall time on a shared machine: what the one writer thread can do.
        println!("writer thread: {cpu:.2} CPU s = {:.0} interactions per writer CPU second", n as f64 / cpu);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
