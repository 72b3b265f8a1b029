//! Degenerate inputs: never a panic, never NaN; parts that cannot be
//! computed are null with a `*_note`.

use acht::analysis::{analyze, AnalysisInput, AnalysisReport, CustomerRecord, ResponseRecord, Scale};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

/// One customer per (score, churn after N days or never) pair, answering on
/// day `i` (so every response is older than the horizon).
fn world(scale: Scale, rows: &[(i32, Option<i64>)]) -> AnalysisInput {
    let mut customers = Vec::new();
    let mut responses = Vec::new();
    for (i, &(score, churn_days)) in rows.iter().enumerate() {
        let answered = t0() + Duration::days(i as i64 % 7);
        customers.push(CustomerRecord {
            id: format!("C{i}"),
            first_seen_at: answered,
            churned_at: churn_days.map(|d| answered + Duration::days(d)),
            committed_until: None,
        });
        responses.push(ResponseRecord { customer_id: format!("C{i}"), score, answered_at: answered });
    }
    AnalysisInput {
        survey: "edge".into(),
        scale,
        customers,
        responses,
        as_of: Utc.with_ymd_and_hms(2026, 6, 30, 0, 0, 0).unwrap(),
        horizon_days: 365,
        delta: 0.02,
    }
}

/// Every null part of Part A/B has a note, no number is NaN/infinite (the headline's included),
/// and the headline has a verdict (its null parts are explained by the verdict, not by notes).
fn check(report: &AnalysisReport) -> Value {
    let mut v = serde_json::to_value(report).unwrap();
    let headline = v.as_object_mut().unwrap().remove("headline").expect("a headline");
    assert!(headline["verdict"].is_string(), "{headline}");
    fn walk(v: &Value, parts: &[&str]) {
        match v {
            Value::Object(m) => {
                for part in parts {
                    if m.get(*part) == Some(&Value::Null) {
                        assert!(m.contains_key(&format!("{part}_note")), "{part} null without note");
                    }
                }
                m.values().for_each(|x| walk(x, parts));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, parts)),
            Value::Number(n) => assert!(n.as_f64().unwrap().is_finite()),
            _ => {}
        }
    }
    let parts = ["chi_square", "trend", "logistic", "hinge", "good_enough", "logrank", "cox"];
    walk(&v, &parts);
    walk(&headline, &[]);
    v
}

#[test]
fn empty_world() {
    let v = check(&analyze(&world(Scale::Grade10, &[])));
    assert_eq!(v["customers"], 0);
    assert!(v["chi_square"].is_null() && v["survival"]["cox"].is_null());
    assert_eq!(v["nps_groups"], serde_json::json!([]));
}

#[test]
fn one_level_only() {
    let rows: Vec<_> = (0..20).map(|i| (8, (i % 3 == 0).then_some(100))).collect();
    let v = check(&analyze(&world(Scale::Grade10, &rows)));
    assert_eq!(v["levels"].as_array().unwrap().len(), 1);
    for part in ["chi_square", "trend", "logistic", "hinge", "good_enough"] {
        assert!(v[part].is_null(), "{part}");
    }
    assert!(v["survival"]["cox"].is_null());
    assert!(v["survival"]["logrank"].is_null());
}

#[test]
fn everyone_retained_no_churn() {
    let rows: Vec<_> = (0..40).map(|i| (1 + i % 7, None)).collect();
    let v = check(&analyze(&world(Scale::Ces7, &rows)));
    assert!(v["chi_square"].is_null() && v["logistic"].is_null() && v["hinge"].is_null());
    assert!(v["steps"][0]["z"].is_null());
    assert_eq!(v["steps"][0]["fisher_p"], 1.0);
    // No gain anywhere, but ~6 customers per level cannot rule out 2 points.
    assert!(v["good_enough"]["score"].is_null());
    assert_eq!(v["good_enough"]["checks"].as_array().unwrap().len(), 1);
    assert!(v["survival"]["cox"].is_null() && v["survival"]["logrank"].is_null());
    assert!(v.get("nps_groups").is_none());
}

#[test]
fn perfect_separation() {
    // Low scores all churn within the horizon, high scores never do.
    let rows: Vec<_> = (0..30).map(|i| if i % 2 == 0 { (2, Some(10)) } else { (9, None) }).collect();
    let v = check(&analyze(&world(Scale::Grade10, &rows)));
    assert!(v["logistic"].is_null());
    assert!(v["chi_square"].is_object());
    assert!(v["survival"]["logrank"].is_object());
    assert!(v["survival"]["cox"].is_null());
}

#[test]
fn tiny_samples_and_ties() {
    let rows = [(1, Some(30)), (5, None), (5, Some(30)), (10, Some(30)), (10, None)];
    let v = check(&analyze(&world(Scale::Grade10, &rows)));
    assert_eq!(v["customers"], 5);
    assert!(v["good_enough"].is_object());
}

#[test]
fn earliest_response_wins_and_post_churn_is_ignored() {
    let mut input = world(Scale::Csat5, &[(2, Some(500))]);
    let first = input.responses[0].answered_at;
    // A later response and one after churn must not change the baseline.
    input.responses.push(ResponseRecord { customer_id: "C0".into(), score: 5, answered_at: first + Duration::days(3) });
    input.responses.push(ResponseRecord {
        customer_id: "C0".into(),
        score: 4,
        answered_at: first + Duration::days(600),
    });
    let v = check(&analyze(&input));
    assert_eq!(v["levels"][0]["score"], 2);
    assert_eq!(v["levels"][0]["retained"], 1);
    assert_eq!(v["survival"]["bands"][0]["label"], "1-2");
    assert_eq!(v["survival"]["bands"][0]["events"], 1);
}
