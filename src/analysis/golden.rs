//! End-to-end golden test: the demo world in `../shared/data` against the expected JSON
//! computed with scipy/statsmodels/lifelines (see ANALYSIS.md). Skipped when the shared data
//! is not checked out next to the crate.

use super::cohort::{retention_levels, survival_observations, Customer, Response};
use super::logistic::{hinge, logistic_by_score};
use super::report::{analyze, Params};
use super::retention::{good_enough, level_rates, steps};
use super::scales::{nps_group_rates, Scale};
use super::survival::{cox_one_covariate, logrank, KaplanMeier, Observation};
use super::tests2x2::{chi_square_2xk, cochran_armitage};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");
const REL: f64 = 1e-6;

fn ts(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
}

fn close(actual: f64, expected: &Value, what: &str) {
    let e = expected.as_f64().unwrap_or_else(|| panic!("{what}: expected a number, got {expected}"));
    let tol = REL * e.abs();
    assert!((actual - e).abs() <= tol || (actual - e).abs() < 1e-12, "{what}: actual {actual:e} vs expected {e:e}");
}

fn load(survey: &str) -> (Vec<Customer>, Vec<Response>) {
    let mut ids: HashMap<String, i64> = HashMap::new();
    let mut customers = Vec::new();
    let mut rdr = csv::Reader::from_path(format!("{DATA}/customers.csv")).unwrap();
    for row in rdr.records() {
        let row = row.unwrap();
        let id = ids.len() as i64;
        ids.insert(row[0].to_string(), id);
        let churned_at = (!row[4].is_empty()).then(|| ts(&row[4]));
        customers.push(Customer { id, churned_at });
    }
    let mut responses = Vec::new();
    let mut rdr = csv::Reader::from_path(format!("{DATA}/responses.csv")).unwrap();
    for row in rdr.records() {
        let row = row.unwrap();
        if &row[1] != survey {
            continue;
        }
        responses.push(Response {
            customer_id: ids[&row[0]],
            score: row[2].parse().unwrap(),
            answered_at: ts(&row[3]),
        });
    }
    (customers, responses)
}

fn check(survey: &str, scale: Scale) {
    if !Path::new(DATA).join("customers.csv").exists() {
        eprintln!("skipping golden test: {DATA} not present");
        return;
    }
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{DATA}/expected-{survey}.json")).unwrap()).unwrap();
    let (customers, responses) = load(survey);
    let as_of = ts(expected["as_of"].as_str().unwrap());
    let horizon = expected["horizon_days"].as_i64().unwrap();
    let delta = expected["delta"].as_f64().unwrap();

    // Part A
    let levels = retention_levels(&customers, &responses, as_of, horizon);
    let total: u64 = levels.iter().map(|l| l.n).sum();
    assert_eq!(total, expected["customers"].as_u64().unwrap());
    let rates = level_rates(&levels);
    let exp_levels = expected["levels"].as_array().unwrap();
    assert_eq!(rates.len(), exp_levels.len());
    for (r, e) in rates.iter().zip(exp_levels) {
        assert_eq!(
            (r.score, r.n, r.retained),
            (e["score"].as_i64().unwrap(), e["n"].as_u64().unwrap(), e["retained"].as_u64().unwrap())
        );
        close(r.rate, &e["rate"], "rate");
        close(r.ci_low, &e["ci_low"], "level ci_low");
        close(r.ci_high, &e["ci_high"], "level ci_high");
    }
    let chi = chi_square_2xk(&levels.iter().map(|l| (l.n, l.retained)).collect::<Vec<_>>()).unwrap();
    close(chi.statistic, &expected["chi_square"]["statistic"], "chi statistic");
    assert_eq!(chi.df, expected["chi_square"]["df"].as_u64().unwrap());
    close(chi.p_value, &expected["chi_square"]["p_value"], "chi p");
    let grouped: Vec<(f64, u64, u64)> = levels.iter().map(|l| (l.score as f64, l.n, l.retained)).collect();
    let trend = cochran_armitage(&grouped).unwrap();
    close(trend.z, &expected["trend"]["z"], "trend z");
    close(trend.p_value, &expected["trend"]["p_value"], "trend p");
    let got_steps = steps(&levels);
    let exp_steps = expected["steps"].as_array().unwrap();
    assert_eq!(got_steps.len(), exp_steps.len());
    for (s, e) in got_steps.iter().zip(exp_steps) {
        assert_eq!((s.from, s.to), (e["from"].as_i64().unwrap(), e["to"].as_i64().unwrap()));
        close(s.diff, &e["diff"], "step diff");
        close(s.ci_low, &e["ci_low"], "step ci_low");
        close(s.ci_high, &e["ci_high"], "step ci_high");
        close(s.z.unwrap(), &e["z"], "step z");
        close(s.p_value.unwrap(), &e["p_value"], "step p");
        close(s.fisher_p, &e["fisher_p"], "step fisher_p");
        close(s.holm_p, &e["holm_p"], "step holm_p");
        close(s.mde, &e["mde"], "step mde");
    }
    let lg = logistic_by_score(&grouped).unwrap();
    let el = &expected["logistic"];
    for (v, k) in [
        (lg.intercept, "intercept"),
        (lg.slope, "slope"),
        (lg.se_intercept, "se_intercept"),
        (lg.se_slope, "se_slope"),
        (lg.z_slope, "z_slope"),
        (lg.p_slope, "p_slope"),
        (lg.odds_ratio, "odds_ratio"),
        (lg.log_likelihood, "log_likelihood"),
        (lg.lr_statistic, "lr_statistic"),
        (lg.lr_p_value, "lr_p_value"),
    ] {
        close(v, &el[k], k);
    }
    let h = hinge(&levels.iter().map(|l| (l.score, l.n, l.retained)).collect::<Vec<_>>()).unwrap();
    let eh = &expected["hinge"];
    assert_eq!(h.psi, eh["psi"].as_i64().unwrap());
    for (v, k) in [
        (h.intercept, "intercept"),
        (h.slope_before, "slope_before"),
        (h.slope_after, "slope_after"),
        (h.se_slope_before, "se_slope_before"),
        (h.se_slope_after, "se_slope_after"),
        (h.p_slope_after, "p_slope_after"),
        (h.log_likelihood, "log_likelihood"),
    ] {
        close(v, &eh[k], k);
    }
    let profile = eh["profile"].as_array().unwrap();
    assert_eq!(h.profile.len(), profile.len());
    for (p, e) in h.profile.iter().zip(profile) {
        assert_eq!(p.psi, e["psi"].as_i64().unwrap());
        close(p.log_likelihood, &e["log_likelihood"], "profile ll");
    }
    let ge = good_enough(&levels, delta);
    let eg = &expected["good_enough"];
    assert_eq!(ge.score, eg["score"].as_i64());
    let checks = eg["checks"].as_array().unwrap();
    assert_eq!(ge.checks.len(), checks.len());
    for (c, e) in ge.checks.iter().zip(checks) {
        assert_eq!((c.score, c.passes), (e["score"].as_i64().unwrap(), e["passes"].as_bool().unwrap()));
        close(c.gain_above, &e["gain_above"], "gain_above");
        close(c.ci_low, &e["ci_low"], "gain ci_low");
        close(c.ci_high, &e["ci_high"], "gain ci_high");
    }
    match nps_group_rates(scale, &levels) {
        Some(groups) => {
            let eg = expected["nps_groups"].as_array().unwrap();
            assert_eq!(groups.len(), eg.len());
            for (g, e) in groups.iter().zip(eg) {
                assert_eq!(g.group, e["group"].as_str().unwrap());
                assert_eq!((g.n, g.retained), (e["n"].as_u64().unwrap(), e["retained"].as_u64().unwrap()));
                close(g.ci_low, &e["ci_low"], "nps ci_low");
                close(g.ci_high, &e["ci_high"], "nps ci_high");
            }
        }
        None => assert!(expected.get("nps_groups").is_none_or(Value::is_null)),
    }

    // Part B
    let obs = survival_observations(&customers, &responses, as_of);
    let bands = scale.survival_bands();
    let mut by_band: Vec<Vec<Observation>> = vec![Vec::new(); bands.len()];
    for (score, o) in &obs {
        by_band[scale.band_of(*score).unwrap()].push(*o);
    }
    let present: Vec<(usize, &Vec<Observation>)> = by_band.iter().enumerate().filter(|(_, b)| !b.is_empty()).collect();
    let eb = expected["survival"]["bands"].as_array().unwrap();
    assert_eq!(present.len(), eb.len());
    for ((i, group), e) in present.iter().zip(eb) {
        assert_eq!(bands[*i].label, e["label"].as_str().unwrap());
        assert_eq!(group.len() as u64, e["customers"].as_u64().unwrap());
        assert_eq!(group.iter().filter(|o| o.event).count() as u64, e["events"].as_u64().unwrap());
        let km = KaplanMeier::fit(group).unwrap();
        match km.median() {
            Some(m) => close(m, &e["median_days"], "median"),
            None => assert!(e["median_days"].is_null()),
        }
        for at in e["at"].as_array().unwrap() {
            match km.at(at["days"].as_f64().unwrap()) {
                Some(s) => {
                    close(s.survival, &at["survival"], "km survival");
                    close(s.ci_low, &at["ci_low"], "km ci_low");
                    close(s.ci_high, &at["ci_high"], "km ci_high");
                }
                None => assert!(at["survival"].is_null(), "km past follow-up"),
            }
        }
    }
    let lr = logrank(&by_band).unwrap();
    let elr = &expected["survival"]["logrank"];
    close(lr.statistic, &elr["statistic"], "logrank statistic");
    assert_eq!(lr.df, elr["df"].as_u64().unwrap());
    close(lr.p_value, &elr["p_value"], "logrank p");
    let (scores, observations): (Vec<f64>, Vec<Observation>) = obs.iter().map(|(s, o)| (*s as f64, *o)).unzip();
    let cox = cox_one_covariate(&observations, &scores).unwrap();
    let ec = &expected["survival"]["cox"];
    for (v, k) in [
        (cox.coef, "coef"),
        (cox.se, "se"),
        (cox.hazard_ratio, "hazard_ratio"),
        (cox.ci_low, "ci_low"),
        (cox.ci_high, "ci_high"),
        (cox.p_value, "p_value"),
        (cox.log_partial_likelihood, "log_partial_likelihood"),
    ] {
        close(v, &ec[k], k);
    }
}

/// Recursively compares JSON documents: same keys and array lengths, equal strings, booleans
/// and nulls, numbers within `REL`.
fn same_json(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let mut ak: Vec<&String> = a.keys().collect();
            let mut ek: Vec<&String> = e.keys().collect();
            ak.sort();
            ek.sort();
            assert_eq!(ak, ek, "keys at {path}");
            for (k, v) in e {
                same_json(&a[k], v, &format!("{path}.{k}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "length at {path}");
            for (i, (x, y)) in a.iter().zip(e).enumerate() {
                same_json(x, y, &format!("{path}[{i}]"));
            }
        }
        (Value::Number(a), Value::Number(_)) => close(a.as_f64().unwrap(), expected, path),
        _ => assert_eq!(actual, expected, "at {path}"),
    }
}

fn check_document(survey: &str) {
    if !Path::new(DATA).join("customers.csv").exists() {
        eprintln!("skipping golden test: {DATA} not present");
        return;
    }
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{DATA}/expected-{survey}.json")).unwrap()).unwrap();
    let (customers, responses) = load(survey);
    let as_of_label = expected["as_of"].as_str().unwrap().to_string();
    let params = Params {
        survey: survey.to_string(),
        scale: Scale::from_name(expected["scale"].as_str().unwrap()).unwrap(),
        as_of: ts(&as_of_label),
        as_of_label,
        horizon_days: expected["horizon_days"].as_i64().unwrap(),
        delta: expected["delta"].as_f64().unwrap(),
    };
    let actual = serde_json::to_value(analyze(&params, &customers, &responses)).unwrap();
    same_json(&actual, &expected, "$");
}

#[test]
fn demo_documents_match_expected_json() {
    check_document("service");
    check_document("effort");
}

#[test]
fn demo_service_grade10() {
    check("service", Scale::Grade10);
}

#[test]
fn demo_effort_ces7() {
    check("effort", Scale::Ces7);
}
