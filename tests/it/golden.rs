//! Golden tests: the analysis of each world reproduces the reference JSON
//! (scipy/statsmodels/lifelines, `scripts/reference_analysis.py`) to 1e-6 relative.
use crate::common;

use crate::common::json::{compare_except, Exemption};
use acht::analysis::{analyze, AnalysisInput, CustomerRecord, ResponseRecord, Scale};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The report without its headline: Part A/B, whose reference is ANALYSIS.md's (the headline has
/// golden files of its own, `tests/it/headline.rs`).
pub fn part_ab(mut report: Value) -> Value {
    report.as_object_mut().expect("a report").remove("headline").expect("a headline");
    report
}

fn time(s: &str) -> Option<DateTime<Utc>> {
    (!s.is_empty()).then(|| DateTime::parse_from_rfc3339(s).expect("RFC3339").with_timezone(&Utc))
}

/// Small subset world (the first 400 customers of the demo world of `../shared`).
fn small_dir() -> PathBuf {
    common::worlds::fixtures().join("small")
}

/// The one case held to less than 1e-6 (to 2e-6): on the tiny 2024 world lifelines' Cox fit stops at its
/// own convergence rule (relative log-likelihood change < 1e-9), a few 1e-6 short of the maximum
/// that acht iterates to; every other Cox fit, and every other number there, is held to 1e-6.
pub const TINY_COX: [Exemption; 1] = [Exemption {
    path: "$.survival.cox",
    rel: 2e-6,
    why: "lifelines stops its Cox fit early on 400 customers in 2024",
}];

fn load(dir: &Path, survey: &str, scale: Scale) -> AnalysisInput {
    let mut customers = Vec::new();
    let mut rdr = csv::Reader::from_path(dir.join("customers.csv")).expect("customers.csv");
    for row in rdr.records() {
        let row = row.unwrap();
        customers.push(CustomerRecord {
            id: row[0].to_string(),
            first_seen_at: time(&row[3]).expect("first_seen_at"),
            churned_at: time(&row[4]),
            committed_until: None,
        });
    }
    let mut responses = Vec::new();
    let mut rdr = csv::Reader::from_path(dir.join("responses.csv")).expect("responses.csv");
    for row in rdr.records() {
        let row = row.unwrap();
        if &row[1] == survey {
            responses.push(ResponseRecord {
                customer_id: row[0].to_string(),
                score: row[2].parse().unwrap(),
                answered_at: time(&row[3]).expect("answered_at"),
            });
        }
    }
    AnalysisInput {
        survey: survey.to_string(),
        scale,
        customers,
        responses,
        as_of: Utc.with_ymd_and_hms(2026, 6, 30, 0, 0, 0).unwrap(),
        horizon_days: 365,
        delta: 0.02,
    }
}

/// Runs `input` and compares with the JSON file `expected`.
fn check_against(input: &AnalysisInput, expected: &Path) {
    check_except(input, expected, &[]);
}

fn check_except(input: &AnalysisInput, expected: &Path, exemptions: &[Exemption]) {
    let got = part_ab(serde_json::to_value(analyze(input)).unwrap());
    let text = std::fs::read_to_string(expected).unwrap();
    let want: Value = serde_json::from_str(&text).unwrap();
    let mut errors = Vec::new();
    compare_except("$", &got, &want, exemptions, &mut errors);
    assert!(errors.is_empty(), "{} mismatches:\n{}", errors.len(), errors.join("\n"));
}

fn golden(world: &common::worlds::World, survey: &str, scale: Scale) {
    let input = load(&world.data, survey, scale);
    check_against(&input, &world.expected.join(format!("expected-{survey}.json")));
}

#[test]
fn large_world_service_grade10() {
    let Some(world) = common::worlds::large() else { return };
    golden(&world, "service", Scale::Grade10);
}

#[test]
fn large_world_effort_ces7() {
    let Some(world) = common::worlds::large() else { return };
    golden(&world, "effort", Scale::Ces7);
}

/// The demo world of `../shared`, where it exists beside the checkout (an extra check).
#[test]
fn shared_demo_world_when_present() {
    let Some(world) = common::worlds::shared() else { return };
    golden(&world, "service", Scale::Grade10);
    golden(&world, "effort", Scale::Ces7);
}

#[test]
fn small_service_grade10_horizon180_delta005() {
    let mut input = load(&small_dir(), "service", Scale::Grade10);
    input.horizon_days = 180;
    input.delta = 0.05;
    check_against(&input, &small_dir().join("expected-service-grade10-h180-d005.json"));
}

#[test]
fn small_effort_as_csat5_drops_out_of_range_scores() {
    let input = load(&small_dir(), "effort", Scale::Csat5);
    check_against(&input, &small_dir().join("expected-effort-csat5.json"));
}

#[test]
fn small_service_nps11_early_as_of() {
    let mut input = load(&small_dir(), "service", Scale::Nps11);
    input.as_of = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let file = small_dir().join("expected-service-nps11-2024.json");
    check_except(&input, &file, &TINY_COX);
}

/// Edge-case worlds made by `scripts/make_worlds.py`: no plateau, nobody churns, tied times.
fn edge_world(name: &str) {
    let dir = common::worlds::fixtures().join(name);
    check_against(&load(&dir, "service", Scale::Grade10), &dir.join("expected-service.json"));
}

#[test]
fn world_without_a_plateau() {
    edge_world("noplateau");
}

#[test]
fn world_where_nobody_churns() {
    edge_world("nochurn");
}

#[test]
fn world_with_tied_times() {
    edge_world("ties");
}
