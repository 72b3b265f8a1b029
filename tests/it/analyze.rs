//! `acht analyze` and the analysis API on the large world (made by `scripts/make_worlds.py`),
//! on SQLite and PostgreSQL: import it through the CLI, analyze it, and compare every number
//! with the reference JSON.
use crate::common;

use crate::common::json::{compare, compare_except};
use crate::common::{acht_cli, acht_ok};
use serde_json::Value;

fn assert_matches(got: &Value, want: &Value, what: &str) {
    let mut errors = vec![];
    compare("$", got, want, &mut errors);
    assert!(errors.is_empty(), "{} mismatches against {what}:\n{}", errors.len(), errors.join("\n"));
}

#[tokio::test]
async fn the_imported_large_world_reproduces_the_reference_analysis() {
    let Some(world) = common::worlds::large() else { return };
    for database in common::databases() {
        let backend = database.backend;
        let url = database.url.clone();
        eprintln!("analysis on {backend:?}");
        for (slug, scale) in [("service", "grade10"), ("effort", "ces7")] {
            common::cli_survey(&url, slug, scale);
        }
        acht_ok(&url, &["import", "customers", &world.customers()]);
        acht_ok(&url, &["import", "responses", &world.responses()]);
        for slug in ["service", "effort"] {
            let out = acht_ok(&url, &["analyze", "--survey", slug, "--as-of", "2026-06-30T00:00:00Z", "--json"]);
            let got = crate::golden::part_ab(serde_json::from_str(&out).unwrap());
            assert_matches(&got, &world.expected(slug), &format!("{slug} on {backend:?}"));
        }
        let summary = acht_ok(&url, &["analyze", "--survey", "service", "--as-of", "2026-06-30T00:00:00Z"]);
        // The large world's churn follows the latest grade and stops falling at 8.
        let lead = "An 8 is good enough: customers who give 9 or 10 stay at most";
        assert!(summary.starts_with(lead), "{summary}");

        // The same JSON through the API.
        let app = common::TestApp::spawn(database).await;
        let r = app
            .get_json("/api/v1/surveys/effort/analysis?as_of=2026-06-30T00:00:00Z&horizon_days=365&delta=0.02")
            .await;
        assert_eq!(r.status(), 200);
        let got = crate::golden::part_ab(r.json().await.unwrap());
        assert_matches(&got, &world.expected("effort"), "the API's effort analysis");
        assert_eq!(app.get_json("/api/v1/surveys/nosuch/analysis").await.status(), 404);
        assert_eq!(app.get_json("/api/v1/surveys/service/analysis?delta=2").await.status(), 422);
        assert_eq!(app.get_json("/api/v1/surveys/service/analysis?horizon_days=x").await.status(), 400);
    }
}

#[test]
fn the_generated_demo_world_says_an_8_is_good_enough() {
    let database = common::sqlite();
    let url = database.url.clone();
    acht_ok(&url, &["demo"]);
    // The world ends now (when it was made), and is analysed as of now.
    let out = acht_ok(&url, &["analyze", "--survey", "service", "--json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    // The demo's seed is fixed (8), so is its world: churn follows the latest answer and stops
    // falling at 8, and the headline must say exactly that.
    let headline = &report["headline"];
    assert_eq!((headline["verdict"].as_str(), headline["score"].as_i64()), (Some("threshold"), Some(8)), "{headline}");
    assert!(headline["sentence"].as_str().unwrap().starts_with("An 8 is good enough"), "{headline}");
    let unknown = acht_cli(&url, &["analyze", "--survey", "nosuch"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("survey 'nosuch' not found"));
}

/// Every golden fixture world, imported through the CLI into each backend and analyzed there.
/// The survey's scale and the analysis parameters are read from the expected JSON.
#[test]
fn golden_fixture_worlds_through_the_database() {
    let cases = [
        ("noplateau", "expected-service.json"),
        ("nochurn", "expected-service.json"),
        ("ties", "expected-service.json"),
        ("small", "expected-service-grade10-h180-d005.json"),
        ("small", "expected-service-nps11-2024.json"),
    ];
    for (world, expected) in cases {
        let dir = common::worlds::fixtures().join(world);
        let want: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(expected)).unwrap()).unwrap();
        let scratch = common::scratch();
        let responses = service_only(&dir, &scratch.0);
        for database in common::databases() {
            let url = &database.url;
            common::cli_survey(url, "service", want["scale"].as_str().unwrap());
            acht_ok(url, &["import", "customers", dir.join("customers.csv").to_str().unwrap()]);
            acht_ok(url, &["import", "responses", &responses]);
            let horizon = want["horizon_days"].to_string();
            let delta = want["delta"].to_string();
            let as_of = want["as_of"].as_str().unwrap();
            let args = [
                "analyze",
                "--survey",
                "service",
                "--as-of",
                as_of,
                "--horizon-days",
                &horizon,
                "--delta",
                &delta,
                "--json",
            ];
            let got = crate::golden::part_ab(serde_json::from_str(&acht_ok(url, &args)).unwrap());
            let mut errors = vec![];
            let exemptions: &[_] = if expected.contains("2024") { &crate::golden::TINY_COX } else { &[] };
            compare_except("$", &got, &want, exemptions, &mut errors);
            assert!(errors.is_empty(), "{world}/{expected} on {:?}:\n{}", database.backend, errors.join("\n"));
        }
    }
}

/// The fixture's responses of the `service` survey only (the small world also holds `effort`).
fn service_only(dir: &std::path::Path, tmp: &std::path::Path) -> String {
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
