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
            acht_ok(
                &url,
                &["survey", "create", "--slug", slug, "--scale", scale, "--question-nl", "?", "--question-en", "?"],
            );
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
