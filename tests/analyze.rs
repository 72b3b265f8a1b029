//! `acht analyze` and the analysis API on the shared demo world, on SQLite and PostgreSQL:
//! import it, analyze it, and compare every number with the reference JSON.
mod common;

use common::{acht_cli, acht_ok, json::compare};
use serde_json::Value;
use std::path::PathBuf;

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("ACHT_ANALYSIS_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if dir.join("responses.csv").exists() {
        Some(dir)
    } else if common::strict() {
        panic!("ACHT_TEST_STRICT=1 but the shared demo world is not at {}", dir.display());
    } else {
        eprintln!("skipping: no shared demo world at {}", dir.display());
        None
    }
}

fn assert_matches(got: &Value, expected: &std::path::Path) {
    let want: Value = serde_json::from_str(&std::fs::read_to_string(expected).unwrap()).unwrap();
    let mut errors = vec![];
    compare("$", got, &want, &mut errors);
    assert!(errors.is_empty(), "{} mismatches against {}:\n{}", errors.len(), expected.display(), errors.join("\n"));
}

#[tokio::test]
async fn imported_demo_world_reproduces_the_reference_analysis() {
    let Some(data) = data_dir() else { return };
    for (backend, url, dir) in common::backends() {
        eprintln!("analysis on {backend:?}");
        for (slug, scale) in [("service", "grade10"), ("effort", "ces7")] {
            common::cli_survey(&url, slug, scale);
        }
        acht_ok(&url, &["import", "customers", data.join("customers.csv").to_str().unwrap()]);
        acht_ok(&url, &["import", "responses", data.join("responses.csv").to_str().unwrap()]);
        for slug in ["service", "effort"] {
            let out = acht_ok(&url, &["analyze", "--survey", slug, "--as-of", "2026-06-30T00:00:00Z", "--json"]);
            let got: Value = serde_json::from_str(&out).unwrap();
            assert_matches(&got, &data.join(format!("expected-{slug}.json")));
        }
        let summary = acht_ok(&url, &["analyze", "--survey", "service", "--as-of", "2026-06-30T00:00:00Z"]);
        assert!(summary.starts_with("Customers who give an 8 stay as often as those who give more"), "{summary}");
        assert!(summary.contains("95% CI"), "{summary}");

        // The same JSON through the API.
        let app = common::TestApp::spawn(url.clone(), dir).await;
        let r = app
            .get_json("/api/v1/surveys/effort/analysis?as_of=2026-06-30T00:00:00Z&horizon_days=365&delta=0.02")
            .await;
        assert_eq!(r.status(), 200);
        assert_matches(&r.json().await.unwrap(), &data.join("expected-effort.json"));
        assert_eq!(app.get_json("/api/v1/surveys/nosuch/analysis").await.status(), 404);
        assert_eq!(app.get_json("/api/v1/surveys/service/analysis?delta=2").await.status(), 422);
        assert_eq!(app.get_json("/api/v1/surveys/service/analysis?horizon_days=x").await.status(), 400);
    }
}

#[test]
fn the_generated_demo_world_shows_a_good_enough_score() {
    let (url, _dir) = common::sqlite_url();
    acht_ok(&url, &["demo"]);
    let out = acht_ok(&url, &["analyze", "--survey", "service", "--as-of", "2026-06-30T00:00:00Z", "--json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let score = report["good_enough"]["score"].as_i64();
    assert!(matches!(score, Some(7..=9)), "the demo's plateau from 8 is found: {}", report["good_enough"]);
    assert!(report["hinge"]["psi"].as_i64().is_some_and(|p| (7..=9).contains(&p)), "{}", report["hinge"]);
    let unknown = acht_cli(&url, &["analyze", "--survey", "nosuch"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("survey 'nosuch' not found"));
}

/// Every golden fixture world, imported through the CLI into each backend and analyzed there.
/// The survey's scale and the analysis parameters are read from the expected JSON.
#[test]
fn golden_fixture_worlds_through_the_database() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let cases = [
        ("noplateau", "expected-service.json"),
        ("nochurn", "expected-service.json"),
        ("ties", "expected-service.json"),
        ("small", "expected-service-grade10-h180-d005.json"),
        ("small", "expected-service-nps11-2024.json"),
    ];
    let mut backends = vec![acht::db::Backend::Sqlite];
    if common::postgres_reachable() {
        backends.push(acht::db::Backend::Postgres);
    }
    for backend in backends {
        for (world, expected) in cases {
            let (url, _dir) = match backend {
                acht::db::Backend::Sqlite => {
                    let (u, d) = common::sqlite_url();
                    (u, Some(d))
                }
                acht::db::Backend::Postgres => (common::postgres_url().expect("reachable"), None),
            };
            let dir = fixtures.join(world);
            let want: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(expected)).unwrap()).unwrap();
            let scale = want["scale"].as_str().unwrap();
            common::cli_survey(&url, "service", scale);
            acht_ok(&url, &["import", "customers", dir.join("customers.csv").to_str().unwrap()]);
            let responses = service_only(&dir, &scratch_dir());
            acht_ok(&url, &["import", "responses", &responses]);
            let horizon = want["horizon_days"].to_string();
            let delta = want["delta"].to_string();
            let args = [
                "analyze",
                "--survey",
                "service",
                "--as-of",
                want["as_of"].as_str().unwrap(),
                "--horizon-days",
                &horizon,
                "--delta",
                &delta,
                "--json",
            ];
            let got: Value = serde_json::from_str(&acht_ok(&url, &args)).unwrap();
            let mut errors = vec![];
            compare("$", &got, &want, &mut errors);
            // On tiny worlds lifelines stops its Cox fit early (see tests/golden.rs).
            errors.retain(|e| !(world == "small" && e.starts_with("$.survival.cox")));
            assert!(errors.is_empty(), "{world}/{expected} on {backend:?}:\n{}", errors.join("\n"));
        }
    }
}

/// A scratch folder for a filtered copy of a fixture.
fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join(format!("acht-fixture-{:016x}", rand::random::<u64>()))
}

/// The fixture's responses of the `service` survey only (the small world also holds `effort`).
fn service_only(dir: &std::path::Path, tmp: &std::path::Path) -> String {
    std::fs::create_dir_all(tmp).unwrap();
    let text = std::fs::read_to_string(dir.join("responses.csv")).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || l.split(',').nth(1) == Some("service"))
        .map(|(_, l)| l)
        .collect();
    let out = tmp.join("responses.csv");
    std::fs::write(&out, kept.join("\n") + "\n").unwrap();
    out.display().to_string()
}
