//! Assembles the full report (`acht analyze --json` shape) from the input.

use super::cox::{cox, Cox};
use super::hinge::{hinge, Hinge};
use super::logistic::{logistic, Logistic};
use super::survival::{band, logrank, Band, Logrank, Subject};
use super::tables::{chi_square, trend, LevelCount};
use super::tests_2x2::{fisher_two_sided, holm, mde, z_test};
use super::wilson::{newcombe, wilson};
use super::{AnalysisInput, Scale, DAY};
use chrono::SecondsFormat;
use serde::Serialize;
use std::collections::HashMap;

/// How many of `n` customers stayed, with the Wilson 95% interval of the rate.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Retention {
    pub n: u64,
    pub retained: u64,
    pub rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Retention {
    /// `retained` of `n` (n > 0).
    fn of(retained: u64, n: u64) -> Retention {
        let (ci_low, ci_high) = wilson(retained, n);
        Retention { n, retained, rate: retained as f64 / n as f64, ci_low, ci_high }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct LevelRow {
    pub score: i32,
    #[serde(flatten)]
    pub retention: Retention,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ChiSquare {
    pub statistic: f64,
    pub df: u64,
    pub p_value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Trend {
    pub z: f64,
    pub p_value: f64,
}

/// Comparison of two consecutive present levels; `z`/`p_value` are null when
/// both levels have the same all-or-nothing outcome.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Step {
    pub from: i32,
    pub to: i32,
    pub diff: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub z: Option<f64>,
    pub p_value: Option<f64>,
    pub fisher_p: f64,
    pub mde: f64,
    pub holm_p: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct GoodEnoughCheck {
    pub score: i32,
    pub gain_above: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub passes: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct GoodEnough {
    pub score: Option<i32>,
    pub delta: f64,
    pub checks: Vec<GoodEnoughCheck>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct GroupRow {
    pub group: String,
    #[serde(flatten)]
    pub retention: Retention,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Survival {
    pub bands: Vec<Band>,
    pub logrank: Option<Logrank>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logrank_note: Option<String>,
    pub cox: Option<Cox>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cox_note: Option<String>,
}

/// The whole report. A part that cannot be computed is `None` (JSON null)
/// with its `*_note` saying why; notes are omitted otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct AnalysisReport {
    pub survey: String,
    pub scale: Scale,
    pub as_of: String,
    pub horizon_days: i64,
    pub delta: f64,
    pub customers: u64,
    pub levels: Vec<LevelRow>,
    pub chi_square: Option<ChiSquare>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chi_square_note: Option<String>,
    pub trend: Option<Trend>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend_note: Option<String>,
    pub steps: Vec<Step>,
    pub logistic: Option<Logistic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logistic_note: Option<String>,
    pub hinge: Option<Hinge>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hinge_note: Option<String>,
    pub good_enough: Option<GoodEnough>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub good_enough_note: Option<String>,
    /// Only for scales with NPS groups (`grade10`, `nps11`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nps_groups: Option<Vec<GroupRow>>,
    pub survival: Survival,
    /// The verdict that leads (docs/headline.md); Part A/B above stay descriptive.
    pub headline: super::headline::Headline,
}

/// Splits a part's result into (value, note) for the JSON.
fn split<T>(r: Result<T, String>) -> (Option<T>, Option<String>) {
    match r {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(e)),
    }
}

/// Per customer (index into `input.customers`): the earliest eligible
/// response (first stored wins ties) as (answered_at secs, score).
fn baselines(input: &AnalysisInput, eligible: impl Fn(i64, Option<i64>) -> bool) -> Vec<Option<(i64, i32)>> {
    let index: HashMap<&str, usize> = input.customers.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();
    let (lo, hi) = input.scale.range();
    let mut base: Vec<Option<(i64, i32)>> = vec![None; input.customers.len()];
    for r in &input.responses {
        let Some(&i) = index.get(r.customer_id.as_str()) else {
            continue;
        };
        if r.score < lo || r.score > hi {
            continue;
        }
        let t = r.answered_at.timestamp();
        let churn = input.customers[i].churned_at.map(|c| c.timestamp());
        // Only responses given while still a customer.
        if churn.is_some_and(|c| c <= t) || !eligible(t, churn) {
            continue;
        }
        if base[i].is_none_or(|(bt, _)| t < bt) {
            base[i] = Some((t, r.score));
        }
    }
    base
}

/// Retained/total counts per present score level (Part A observations).
fn level_counts(input: &AnalysisInput) -> Vec<LevelCount> {
    let as_of = input.as_of.timestamp();
    let h = input.horizon_days * DAY;
    let base = baselines(input, |t, _| t + h <= as_of);
    let (lo, hi) = input.scale.range();
    let mut counts: Vec<LevelCount> = (lo..=hi).map(|score| LevelCount { score, n: 0, x: 0 }).collect();
    for (c, b) in input.customers.iter().zip(&base) {
        let Some((t, score)) = *b else { continue };
        let churned = c.churned_at.is_some_and(|ch| ch.timestamp() <= t + h);
        let level = &mut counts[(score - lo) as usize];
        level.n += 1;
        level.x += u64::from(!churned);
    }
    counts.retain(|l| l.n > 0);
    counts
}

fn level_row(l: &LevelCount) -> LevelRow {
    LevelRow { score: l.score, retention: Retention::of(l.x, l.n) }
}

/// Consecutive present levels compared, with Holm over the Fisher p-values.
fn steps(levels: &[LevelCount]) -> Vec<Step> {
    let mut steps: Vec<Step> = levels
        .windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let (ci_low, ci_high) = newcombe(b.x, b.n, a.x, a.n);
            let zt = z_test(b.x, b.n, a.x, a.n);
            Step {
                from: a.score,
                to: b.score,
                diff: b.x as f64 / b.n as f64 - a.x as f64 / a.n as f64,
                ci_low,
                ci_high,
                z: zt.map(|t| t.0),
                p_value: zt.map(|t| t.1),
                fisher_p: fisher_two_sided(b.x, b.n - b.x, a.x, a.n - a.x),
                mde: mde(b.x, b.n, a.x, a.n),
                holm_p: 0.0,
            }
        })
        .collect();
    let adjusted = holm(&steps.iter().map(|s| s.fisher_p).collect::<Vec<_>>());
    steps.iter_mut().zip(adjusted).for_each(|(s, h)| s.holm_p = h);
    steps
}

/// Walks down from the second-highest level while everyone above s retains
/// less than δ better than s (upper Newcombe limit < δ).
fn good_enough(levels: &[LevelCount], delta: f64) -> Result<GoodEnough, String> {
    if levels.len() < 2 {
        return Err("fewer than two score levels present".into());
    }
    let mut checks = Vec::new();
    let mut score = None;
    let (mut above_x, mut above_n) = (0, 0);
    for i in (0..levels.len() - 1).rev() {
        above_x += levels[i + 1].x;
        above_n += levels[i + 1].n;
        let s = levels[i];
        let gain = above_x as f64 / above_n as f64 - s.x as f64 / s.n as f64;
        let (ci_low, ci_high) = newcombe(above_x, above_n, s.x, s.n);
        let passes = ci_high < delta;
        checks.push(GoodEnoughCheck { score: s.score, gain_above: gain, ci_low, ci_high, passes });
        if !passes {
            break;
        }
        score = Some(s.score);
    }
    Ok(GoodEnough { score, delta, checks })
}

/// Detractors (≤ 6), passives (7–8), promoters (9–10); empty groups omitted.
fn nps_groups(levels: &[LevelCount]) -> Vec<GroupRow> {
    [("detractor", i32::MIN, 6), ("passive", 7, 8), ("promoter", 9, i32::MAX)]
        .iter()
        .filter_map(|&(group, lo, hi)| {
            let inside = levels.iter().filter(|l| (lo..=hi).contains(&l.score));
            let (x, n) = inside.fold((0, 0), |(x, n), l| (x + l.x, n + l.n));
            (n > 0).then(|| GroupRow { group: group.into(), retention: Retention::of(x, n) })
        })
        .collect()
}

/// Part B: follow-up from the earliest response up to `as_of`.
fn survival(input: &AnalysisInput) -> Survival {
    let as_of = input.as_of.timestamp();
    let base = baselines(input, |t, _| t <= as_of);
    let subjects: Vec<Subject> = input
        .customers
        .iter()
        .zip(&base)
        .filter_map(|(c, b)| {
            let (t, score) = (*b)?;
            let churn = c.churned_at.map(|ch| ch.timestamp()).filter(|&ch| ch <= as_of);
            Some(Subject { secs: churn.unwrap_or(as_of) - t, event: churn.is_some(), score })
        })
        .collect();
    let grouped: Vec<(&str, Vec<Subject>)> = input
        .scale
        .bands()
        .iter()
        .map(|&(label, lo, hi)| {
            (label, subjects.iter().copied().filter(|s| (lo..=hi).contains(&s.score)).collect::<Vec<_>>())
        })
        .filter(|(_, subs)| !subs.is_empty())
        .collect();
    let bands = grouped.iter().map(|(label, subs)| band(label, subs)).collect();
    let groups: Vec<Vec<Subject>> = grouped.into_iter().map(|(_, s)| s).collect();
    let (logrank, logrank_note) = split(logrank(&groups));
    let (cox, cox_note) = if subjects.is_empty() {
        (None, Some("no customers with a response".to_string()))
    } else {
        split(cox(&subjects))
    };
    Survival { bands, logrank, logrank_note, cox, cox_note }
}

/// Runs the whole analysis. Never panics on degenerate data: parts that
/// cannot be computed are null with a note.
pub fn analyze(input: &AnalysisInput) -> AnalysisReport {
    let levels = level_counts(input);
    let (chi_square, chi_square_note) =
        split(chi_square(&levels).map(|(statistic, df, p_value)| ChiSquare { statistic, df, p_value }));
    let (trend, trend_note) = split(trend(&levels).map(|(z, p_value)| Trend { z, p_value }));
    let (logistic, logistic_note) = split(logistic(&levels));
    let (hinge, hinge_note) = split(hinge(&levels));
    let (good_enough, good_enough_note) = split(good_enough(&levels, input.delta));
    AnalysisReport {
        survey: input.survey.clone(),
        scale: input.scale,
        as_of: input.as_of.to_rfc3339_opts(SecondsFormat::Secs, true),
        horizon_days: input.horizon_days,
        delta: input.delta,
        customers: levels.iter().map(|l| l.n).sum(),
        levels: levels.iter().map(level_row).collect(),
        chi_square,
        chi_square_note,
        trend,
        trend_note,
        steps: steps(&levels),
        logistic,
        logistic_note,
        hinge,
        hinge_note,
        good_enough,
        good_enough_note,
        nps_groups: input.scale.has_nps_groups().then(|| nps_groups(&levels)),
        survival: survival(input),
        headline: super::headline::headline(input),
    }
}
