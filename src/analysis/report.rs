//! The whole retention analysis of one survey, shaped exactly like the JSON of ANALYSIS.md.
//!
//! Parts that cannot be computed are `null` with a sibling `<part>_note` saying why, so the
//! output never holds NaN and a thin data set never crashes the command or the API.

use super::cohort::{retention_levels, survival_observations, Customer, Response};
use super::logistic::{hinge, logistic_by_score, Hinge, ScoreLogistic};
use super::retention::{good_enough, level_rates, steps, GoodEnough, LevelRate, Step};
use super::scales::{nps_group_rates, GroupRate, Scale};
use super::survival::{cox_one_covariate, logrank, Cox, KaplanMeier, LogRank, Observation};
use super::tests2x2::{chi_square_2xk, cochran_armitage, ChiSquareTest, ZTest};
use serde::Serialize;

/// Days at which each band's survival curve is reported.
pub const SURVIVAL_DAYS: [u32; 4] = [90, 180, 365, 730];

/// Parameters of one analysis run; times in Unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub survey: String,
    pub scale: Scale,
    /// `as_of` as it should appear in the output (RFC 3339, UTC).
    pub as_of_label: String,
    pub as_of: i64,
    pub horizon_days: i64,
    pub delta: f64,
}

/// Survival with its interval at one day; all `None` past the longest follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SurvivalPoint {
    pub days: u32,
    pub survival: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

/// One survival band's Kaplan–Meier summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandSurvival {
    pub label: &'static str,
    pub customers: u64,
    pub events: u64,
    pub median_days: Option<f64>,
    pub at: Vec<SurvivalPoint>,
}

/// Part B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Survival {
    pub bands: Vec<BandSurvival>,
    pub logrank: Option<LogRank>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logrank_note: Option<String>,
    pub cox: Option<Cox>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cox_note: Option<String>,
}

/// The full analysis document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub survey: String,
    pub scale: &'static str,
    pub as_of: String,
    pub horizon_days: i64,
    pub delta: f64,
    pub customers: u64,
    pub levels: Vec<LevelRate>,
    pub chi_square: Option<ChiSquareTest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chi_square_note: Option<String>,
    pub trend: Option<ZTest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend_note: Option<String>,
    pub steps: Vec<Step>,
    pub logistic: Option<ScoreLogistic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logistic_note: Option<String>,
    pub hinge: Option<Hinge>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hinge_note: Option<String>,
    pub good_enough: GoodEnough,
    /// Absent for scales without NPS groups (CES, CSAT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nps_groups: Option<Vec<GroupRate>>,
    pub survival: Survival,
}

/// A part with its explanation when it is missing.
fn with_note<T>(value: Option<T>, why: &str) -> (Option<T>, Option<String>) {
    let note = value.is_none().then(|| why.to_string());
    (value, note)
}

/// Runs Part A and Part B on one survey's responses.
pub fn analyze(params: &Params, customers: &[Customer], responses: &[Response]) -> Analysis {
    let levels = retention_levels(customers, responses, params.as_of, params.horizon_days);
    let grouped: Vec<(f64, u64, u64)> = levels.iter().map(|l| (l.score as f64, l.n, l.retained)).collect();
    let few_levels = "fewer than two score levels, or every customer (or none) retained";
    let (chi_square, chi_square_note) =
        with_note(chi_square_2xk(&levels.iter().map(|l| (l.n, l.retained)).collect::<Vec<_>>()), few_levels);
    let (trend, trend_note) = with_note(cochran_armitage(&grouped), few_levels);
    let (logistic, logistic_note) = with_note(
        logistic_by_score(&grouped),
        "the logistic fit does not exist (fewer than two levels or retention separates perfectly by score)",
    );
    let (hinge, hinge_note) = with_note(
        hinge(&levels.iter().map(|l| (l.score, l.n, l.retained)).collect::<Vec<_>>()),
        "fewer than three score levels, or no break point gives a converged fit",
    );

    let obs = survival_observations(customers, responses, params.as_of);
    let bands = params.scale.survival_bands();
    let mut by_band: Vec<Vec<Observation>> = vec![Vec::new(); bands.len()];
    for (score, o) in &obs {
        if let Some(i) = params.scale.band_of(*score) {
            by_band[i].push(*o);
        }
    }
    let band_survival = bands
        .iter()
        .zip(&by_band)
        .filter_map(|(band, group)| {
            let km = KaplanMeier::fit(group)?;
            let at = SURVIVAL_DAYS
                .iter()
                .map(|&days| {
                    let s = km.at(f64::from(days));
                    SurvivalPoint {
                        days,
                        survival: s.map(|s| s.survival),
                        ci_low: s.map(|s| s.ci_low),
                        ci_high: s.map(|s| s.ci_high),
                    }
                })
                .collect();
            Some(BandSurvival {
                label: band.label,
                customers: group.len() as u64,
                events: group.iter().filter(|o| o.event).count() as u64,
                median_days: km.median(),
                at,
            })
        })
        .collect();
    let (logrank, logrank_note) = with_note(logrank(&by_band), "fewer than two bands with customers, or no churn");
    let (scores, observations): (Vec<f64>, Vec<Observation>) = obs.iter().map(|(s, o)| (*s as f64, *o)).unzip();
    let (cox, cox_note) = with_note(
        cox_one_covariate(&observations, &scores),
        "the Cox fit does not exist (no churn, one score only, or no convergence)",
    );

    Analysis {
        survey: params.survey.clone(),
        scale: params.scale.name(),
        as_of: params.as_of_label.clone(),
        horizon_days: params.horizon_days,
        delta: params.delta,
        customers: levels.iter().map(|l| l.n).sum(),
        levels: level_rates(&levels),
        chi_square,
        chi_square_note,
        trend,
        trend_note,
        steps: steps(&levels),
        logistic,
        logistic_note,
        hinge,
        hinge_note,
        good_enough: good_enough(&levels, params.delta),
        nps_groups: nps_group_rates(params.scale, &levels),
        survival: Survival { bands: band_survival, logrank, logrank_note, cox, cox_note },
    }
}

#[cfg(test)]
mod tests {
    use super::super::cohort::DAY;
    use super::*;
    use serde_json::Value;

    #[test]
    fn empty_survey_gives_notes_not_nan() {
        let params = Params {
            survey: "support".into(),
            scale: Scale::Csat5,
            as_of_label: "2026-06-30T00:00:00Z".into(),
            as_of: 1_782_777_600,
            horizon_days: 365,
            delta: 0.02,
        };
        let a = analyze(&params, &[], &[]);
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["customers"], 0);
        assert!(json["chi_square"].is_null());
        assert!(json["chi_square_note"].is_string());
        assert!(json["hinge_note"].is_string());
        assert!(json["survival"]["cox_note"].is_string());
        assert!(json.get("nps_groups").is_none());
        assert_eq!(json["good_enough"]["score"], serde_json::Value::Null);
        assert!(!serde_json::to_string(&a).unwrap().contains("NaN"));
    }

    fn params(scale: Scale) -> Params {
        Params { survey: "s".into(), scale, as_of_label: "x".into(), as_of: 2000 * DAY, horizon_days: 365, delta: 0.02 }
    }

    /// Customer i answers `score` on day 10 + i and churns on `churn(i)`.
    fn world(scores: &[i64], churn: impl Fn(usize) -> Option<i64>) -> (Vec<Customer>, Vec<Response>) {
        let customers =
            (0..scores.len()).map(|i| Customer { id: i as i64, churned_at: churn(i).map(|d| d * DAY) }).collect();
        let responses = scores
            .iter()
            .enumerate()
            .map(|(i, &score)| Response { customer_id: i as i64, score, answered_at: (10 + i as i64) * DAY })
            .collect();
        (customers, responses)
    }

    fn no_nan(a: &Analysis) -> Value {
        let text = serde_json::to_string(a).unwrap();
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn one_level_only() {
        let scores = [8; 20];
        let (c, r) = world(&scores, |i| (i % 3 == 0).then_some(100 + i as i64));
        let json = no_nan(&analyze(&params(Scale::Grade10), &c, &r));
        assert_eq!(json["levels"].as_array().unwrap().len(), 1);
        assert!(json["steps"].as_array().unwrap().is_empty());
        for part in ["chi_square", "trend", "logistic", "hinge"] {
            assert!(json[part].is_null() && json[format!("{part}_note")].is_string(), "{part}");
        }
        assert!(json["survival"]["logrank"].is_null());
        assert!(json["survival"]["cox"].is_null());
        assert_eq!(json["survival"]["bands"][0]["label"], "8");
    }

    #[test]
    fn everyone_retained_and_no_churn() {
        let scores: Vec<i64> = (0..60).map(|i| 1 + i % 7).collect();
        let (c, r) = world(&scores, |_| None);
        let json = no_nan(&analyze(&params(Scale::Ces7), &c, &r));
        assert_eq!(json["levels"].as_array().unwrap().len(), 7);
        for part in ["chi_square", "trend", "logistic", "hinge"] {
            assert!(json[part].is_null() && json[format!("{part}_note")].is_string(), "{part}");
        }
        // Fisher still answers (p = 1); the z-test has no variance.
        assert_eq!(json["steps"][0]["fisher_p"], 1.0);
        assert!(json["steps"][0]["z"].is_null());
        assert!(json["survival"]["logrank_note"].is_string());
        assert!(json["survival"]["cox_note"].is_string());
        assert_eq!(json["survival"]["bands"][0]["at"][0]["survival"], 1.0);
    }

    #[test]
    fn tiny_sample_with_ties() {
        let scores = [3, 3, 4, 5, 5];
        let (c, r) = world(&scores, |i| [Some(200), None, Some(200), Some(900), None][i]);
        let json = no_nan(&analyze(&params(Scale::Csat5), &c, &r));
        assert_eq!(json["customers"], 5);
        assert!(json["good_enough"]["score"].is_null());
        assert!(json["good_enough"]["checks"][0]["passes"] == false);
    }
}
