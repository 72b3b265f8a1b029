//! The writer's share of batch ingest: `dispatch::report` on SQLite, 1,000 new interactions
//! (new customers, fatigue decisions, invitations) per write transaction, as the API runs it.
//! Usage: cargo bench --bench ingest [-- BATCHES]
use acht::db::{self, DbConn};
use acht::domain::customers::CustomerInput;
use acht::domain::dispatch::{self, InteractionInput};
use acht::domain::scale::Scale;
use acht::domain::surveys::{self, SurveyInput};
use acht::domain::write_tx;
use std::time::Instant;

fn batch(b: usize) -> Vec<InteractionInput> {
    (0..dispatch::MAX_BATCH)
        .map(|k| InteractionInput {
            id: format!("i{b}-{k}"),
            customer: CustomerInput {
                id: format!("c{b}-{k}"),
                email: Some(format!("c{b}-{k}@example.test")),
                locale: None,
                attributes: None,
            },
            touchpoint: "support".into(),
            channel: None,
            occurred_at: None,
            attributes: None,
        })
        .collect()
}

fn main() {
    let batches: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100);
    let dir = std::env::temp_dir().join(format!("acht-ingest-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let mut conn: DbConn = db::establish(&url).expect("open");
    db::migrate(&mut conn).expect("migrate");
    let mut survey = SurveyInput::new("service", Scale::Grade10, "Cijfer?", "Grade?");
    survey.touchpoints = vec!["support".into()];
    surveys::create(&mut conn, &survey).expect("survey");
    let secret = surveys::instance_secret(&mut conn).expect("secret");

    let inputs: Vec<Vec<InteractionInput>> = (0..batches).map(batch).collect();
    let started = Instant::now();
    let mut slowest = 0f64;
    for b in &inputs {
        let t = Instant::now();
        let outcomes = write_tx(&mut conn, |c| dispatch::report(c, b, &secret, db::now_ms())).expect("report");
        assert!(outcomes.iter().all(|o| o.invitation.is_some()));
        slowest = slowest.max(t.elapsed().as_secs_f64());
    }
    let secs = started.elapsed().as_secs_f64();
    let n = batches * dispatch::MAX_BATCH;
    println!(
        "ingest (writer side): {n} interactions in {secs:.2}s = {:.0}/s; mean batch {:.1} ms, slowest {:.1} ms",
        n as f64 / secs,
        secs * 1000.0 / batches as f64,
        slowest * 1000.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}
