//! Statistics behind the trend pages and reports: a metric with its 95%
//! interval per bucket, and tests between buckets, all from score histograms
//! (what the rollups store). Checked against scipy/statsmodels: see
//! `scripts/reference_trends.py` and `tests/fixtures/trends.json`.

use serde::Serialize;
use statrs::distribution::{Continuous, ContinuousCDF, StudentsT};

use super::dist::normal_two_sided;
use super::tests_2x2::{holm, z_test};
use super::wilson::wilson;
use super::Z975;
use crate::types::Scale;

/// Answers per score in a bucket: `counts[i]` = answers with score `lo + i`
/// for the scale's range `(lo, hi)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    pub scale: Scale,
    pub counts: Vec<u64>,
}

impl Histogram {
    /// An empty histogram with one slot per score of the scale.
    pub fn new(scale: Scale) -> Self {
        let (lo, hi) = scale.range();
        Histogram { scale, counts: vec![0; (hi - lo + 1) as usize] }
    }

    /// Counts `n` more answers with `score`. Panics when the score is not on
    /// the scale: answers are validated on the way in, so that is a bug.
    pub fn add(&mut self, score: i32, n: u64) {
        assert!(self.scale.contains(score), "score {score} is not on the {} scale", self.scale.as_str());
        self.counts[(score - self.scale.range().0) as usize] += n;
    }

    /// Number of answers.
    pub fn n(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Adds `other`'s answers (e.g. days into a week). Panics if the scales differ.
    pub fn merge(&mut self, other: &Histogram) {
        assert_eq!(self.scale, other.scale, "merging histograms of different scales");
        for (c, o) in self.counts.iter_mut().zip(&other.counts) {
            *c += o;
        }
    }

    /// (score, count) pairs.
    fn scores(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        let lo = self.scale.range().0;
        self.counts.iter().enumerate().map(move |(i, &c)| (lo + i as i32, c))
    }

    /// Answers with a score in `from..=to`.
    fn count_in(&self, from: i32, to: i32) -> u64 {
        self.scores().filter(|(s, _)| (from..=to).contains(s)).map(|(_, c)| c).sum()
    }
}

/// Which headline number a scale reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MetricKind {
    /// Mean score (grade10, ces7): the scores are an interval scale there.
    Mean,
    /// Net Promoter Score (nps11): % promoters (9–10) − % detractors (0–6),
    /// in points from −100 to 100.
    Nps,
    /// CSAT (csat5): % of answers that are 4 or 5.
    Csat,
}

pub fn metric_kind(scale: Scale) -> MetricKind {
    match scale {
        Scale::Grade10 | Scale::Ces7 => MetricKind::Mean,
        Scale::Nps11 => MetricKind::Nps,
        Scale::Csat5 => MetricKind::Csat,
    }
}

/// A value from `n` answers with its 95% interval `low..=high`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub n: u64,
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// A change between two buckets: `diff` = current − previous, in the
/// metric's units (score points, NPS points, CSAT percentage points; for
/// shares a proportion), and the two-sided p-value of `test`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    pub diff: f64,
    pub p_value: f64,
    pub test: &'static str,
}

const WELCH: &str = "Welch's t-test";
const NPS_Z: &str = "z-test on the NPS difference";
const TWO_PROPORTION_Z: &str = "two-proportion z-test";

/// Fewest answers on each side for a comparison: a mean needs two for a
/// sample variance, and the other kinds follow the same rule so a page never
/// shows a test for one kind of scale that it would hide for another.
const MIN_COMPARE_N: u64 = 2;

/// The scale's metric for one bucket; `None` without answers.
///
/// * Mean: Student-t interval (sample sd, df = n − 1), clipped to the scale
///   because the true mean cannot leave it (tiny buckets otherwise show
///   e.g. −40..50 on a 1–10 scale). With one answer there is no sd, so the
///   interval is the whole scale: honestly "could be anywhere".
/// * Nps: normal interval with the per-answer variance
///   p_pro + p_det − (p_pro − p_det)², clipped to [−100, 100].
/// * Csat: Wilson interval, which stays inside 0..100 and keeps its coverage
///   near 0% and 100% where the normal interval collapses.
pub fn metric(h: &Histogram) -> Option<Estimate> {
    let n = h.n();
    if n == 0 {
        return None;
    }
    Some(match metric_kind(h.scale) {
        MetricKind::Mean => {
            let (lo, hi) = h.scale.range();
            let (lo, hi) = (lo as f64, hi as f64);
            let (_, mean, var) = summary(h);
            let (low, high) = if n == 1 {
                (lo, hi)
            } else {
                let half = t975((n - 1) as f64) * (var / n as f64).sqrt();
                ((mean - half).max(lo), (mean + half).min(hi))
            };
            Estimate { n, value: mean, low, high }
        }
        MetricKind::Nps => {
            let (_, nps, var) = nps_summary(h);
            let half = 100.0 * Z975 * (var / n as f64).sqrt();
            Estimate { n, value: nps, low: (nps - half).max(-100.0), high: (nps + half).min(100.0) }
        }
        MetricKind::Csat => {
            let e = proportion(h.count_in(4, 5), n)?;
            Estimate { n, value: 100.0 * e.value, low: 100.0 * e.low, high: 100.0 * e.high }
        }
    })
}

/// Share (0..1) of answers scoring `threshold` or more, with its Wilson
/// interval; `None` without answers.
pub fn share_at_or_above(h: &Histogram, threshold: i32) -> Option<Estimate> {
    proportion(h.count_in(threshold, i32::MAX), h.n())
}

/// Tests whether the metric changed from `prev` to `cur`. `None` when the
/// scales differ, either side has fewer than 2 answers, or the statistic is
/// undefined (no variance on either side; for CSAT: all answers on both
/// sides satisfied, or none).
///
/// * Mean: Welch's t-test. Buckets differ in size and spread (a quiet week
///   vs a campaign week), and Student's pooled test is miscalibrated exactly
///   then; Welch costs almost nothing when the variances are equal.
/// * Nps: z-test on the difference with the unpooled per-bucket variances
///   of [`metric`]: NPS is a difference of two proportions from one
///   multinomial, so a pooled two-proportion test does not apply.
/// * Csat: pooled two-proportion z-test (statsmodels `proportions_ztest`'s
///   default): under "no change" both buckets share one rate.
pub fn compare_metric(prev: &Histogram, cur: &Histogram) -> Option<Comparison> {
    if prev.scale != cur.scale || prev.n() < MIN_COMPARE_N || cur.n() < MIN_COMPARE_N {
        return None;
    }
    match metric_kind(cur.scale) {
        MetricKind::Mean => welch(prev, cur),
        MetricKind::Nps => {
            let (n1, nps1, var1) = nps_summary(prev);
            let (n2, nps2, var2) = nps_summary(cur);
            let se = 100.0 * (var1 / n1 + var2 / n2).sqrt();
            if se <= 0.0 {
                return None;
            }
            let diff = nps2 - nps1;
            Some(Comparison { diff, p_value: normal_two_sided(diff / se), test: NPS_Z })
        }
        MetricKind::Csat => {
            let c = two_proportions(prev, cur, 4)?;
            Some(Comparison { diff: 100.0 * c.diff, ..c })
        }
    }
}

/// Pooled two-proportion z-test on the share scoring `threshold` or more;
/// `None` under the same conditions as [`compare_metric`].
pub fn compare_share(prev: &Histogram, cur: &Histogram, threshold: i32) -> Option<Comparison> {
    if prev.scale != cur.scale || prev.n() < MIN_COMPARE_N || cur.n() < MIN_COMPARE_N {
        return None;
    }
    two_proportions(prev, cur, threshold)
}

/// Which comparisons of a series (e.g. each week against the one before) are
/// clear changes: Holm-adjusted p ≤ `alpha` across the series, so a page of
/// 52 weekly changes does not light up by chance. `None` entries are
/// comparisons not made (a `compare_*` returned `None`, or a side has fewer
/// answers than the page's minimum — callers pass `None` for those): they
/// are not clear and are not counted in the Holm family. `≤` as in
/// statsmodels' `multipletests`.
pub fn clear_changes(p_values: &[Option<f64>], alpha: f64) -> Vec<bool> {
    let tested: Vec<f64> = p_values.iter().flatten().copied().collect();
    let mut adjusted = holm(&tested).into_iter();
    p_values.iter().map(|p| p.is_some() && adjusted.next().is_some_and(|a| a <= alpha)).collect()
}

/// Share (0..1) of invited customers who answered, with its Wilson interval;
/// `None` when nobody was invited or `responded > invited`.
pub fn response_rate(responded: u64, invited: u64) -> Option<Estimate> {
    proportion(responded, invited)
}

fn proportion(x: u64, n: u64) -> Option<Estimate> {
    if n == 0 || x > n {
        return None;
    }
    let (low, high) = wilson(x, n);
    Some(Estimate { n, value: x as f64 / n as f64, low, high })
}

fn two_proportions(prev: &Histogram, cur: &Histogram, threshold: i32) -> Option<Comparison> {
    let (x1, n1) = (prev.count_in(threshold, i32::MAX), prev.n());
    let (x2, n2) = (cur.count_in(threshold, i32::MAX), cur.n());
    let (_, p_value) = z_test(x2, n2, x1, n1)?;
    let diff = x2 as f64 / n2 as f64 - x1 as f64 / n1 as f64;
    Some(Comparison { diff, p_value, test: TWO_PROPORTION_Z })
}

/// (n, mean, sample variance with n − 1 denominator; 0 for n = 1). Two
/// passes: Σx² − n·mean² cancels badly for large, concentrated buckets.
fn summary(h: &Histogram) -> (f64, f64, f64) {
    let n = h.n() as f64;
    let mean = h.scores().map(|(s, c)| s as f64 * c as f64).sum::<f64>() / n;
    let ss: f64 = h.scores().map(|(s, c)| c as f64 * (s as f64 - mean).powi(2)).sum();
    (n, mean, if n > 1.0 { ss / (n - 1.0) } else { 0.0 })
}

/// (n, NPS in points, per-answer variance p_pro + p_det − (p_pro − p_det)²):
/// each answer counts +1 (promoter), 0 (passive) or −1 (detractor), NPS is
/// 100 × their mean and this is their (population) variance.
fn nps_summary(h: &Histogram) -> (f64, f64, f64) {
    let n = h.n() as f64;
    let pro = h.count_in(9, 10) as f64 / n;
    let det = h.count_in(0, 6) as f64 / n;
    (n, 100.0 * (pro - det), pro + det - (pro - det).powi(2))
}

fn welch(prev: &Histogram, cur: &Histogram) -> Option<Comparison> {
    let (n1, mean1, var1) = summary(prev);
    let (n2, mean2, var2) = summary(cur);
    let (a, b) = (var1 / n1, var2 / n2);
    if a + b <= 0.0 {
        return None;
    }
    let t = (mean2 - mean1) / (a + b).sqrt();
    // Welch–Satterthwaite degrees of freedom.
    let df = (a + b).powi(2) / (a * a / (n1 - 1.0) + b * b / (n2 - 1.0));
    let p_value = (2.0 * StudentsT::new(0.0, 1.0, df).ok()?.sf(t.abs())).min(1.0);
    Some(Comparison { diff: mean2 - mean1, p_value, test: WELCH })
}

/// Student-t 97.5% quantile. statrs' `inverse_cdf` stops early for large df
/// (relative error 3e-6 at df = 1e5 against scipy), so a few Newton steps on
/// its survival function, which stays accurate to ~1e-10 there, polish it.
fn t975(df: f64) -> f64 {
    let t = StudentsT::new(0.0, 1.0, df).expect("df > 0");
    let mut q = t.inverse_cdf(0.975);
    for _ in 0..4 {
        let step = (t.sf(q) - 0.025) / t.pdf(q);
        q += step;
        if step.abs() <= 1e-15 * q {
            break;
        }
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn hist(scale: Scale, counts: &[u64]) -> Histogram {
        Histogram { scale, counts: counts.to_vec() }
    }

    fn from_json(case: &Value, key: &str) -> Histogram {
        let scale: Scale = serde_json::from_value(case["scale"].clone()).unwrap();
        let counts: Vec<u64> = serde_json::from_value(case[key].clone()).unwrap();
        assert_eq!(counts.len(), Histogram::new(scale).counts.len(), "{}", case["name"]);
        Histogram { scale, counts }
    }

    /// Relative 1e-9; values that are 0 in exact arithmetic (an NPS of 0, a
    /// Wilson bound at 0 successes) come out as ±1e-17, hence the 1e-12 floor.
    fn close(got: f64, want: f64, what: &str) {
        let tol = 1e-9 * want.abs().max(got.abs()) + 1e-12;
        assert!((got - want).abs() <= tol, "{what}: got {got:e}, want {want:e}");
    }

    /// p-values: relative 1e-6 down to 1e-300; below that both must be tiny.
    fn close_p(got: f64, want: f64, what: &str) {
        if want < 1e-300 {
            assert!(got < 1e-290, "{what}: got {got:e}, want {want:e}");
        } else {
            assert!((got - want).abs() <= 1e-6 * want, "{what}: got {got:e}, want {want:e}");
        }
    }

    fn check_estimate(got: Option<Estimate>, want: &Value, what: &str) {
        match (got, want.is_null()) {
            (None, true) => {}
            (Some(e), false) => {
                assert_eq!(e.n, want["n"].as_u64().unwrap(), "{what}: n");
                close(e.value, want["value"].as_f64().unwrap(), &format!("{what}: value"));
                close(e.low, want["low"].as_f64().unwrap(), &format!("{what}: low"));
                close(e.high, want["high"].as_f64().unwrap(), &format!("{what}: high"));
            }
            (got, _) => panic!("{what}: got {got:?}, want {want}"),
        }
    }

    fn check_comparison(got: Option<Comparison>, want: &Value, what: &str) {
        match (got, want.is_null()) {
            (None, true) => {}
            (Some(c), false) => {
                close(c.diff, want["diff"].as_f64().unwrap(), &format!("{what}: diff"));
                close_p(c.p_value, want["p_value"].as_f64().unwrap(), &format!("{what}: p"));
                assert_eq!(c.test, want["test"].as_str().unwrap(), "{what}: test");
            }
            (got, _) => panic!("{what}: got {got:?}, want {want}"),
        }
    }

    #[test]
    fn matches_scipy_statsmodels_reference() {
        let fx: Value = serde_json::from_str(include_str!("../../tests/fixtures/trends.json")).unwrap();
        let cases = |k: &str| fx[k].as_array().unwrap().clone();
        let name = |c: &Value| c["name"].as_str().unwrap().to_string();

        for c in cases("metric") {
            check_estimate(metric(&from_json(&c, "counts")), &c["expected"], &name(&c));
        }
        for c in cases("share") {
            let t = c["threshold"].as_i64().unwrap() as i32;
            check_estimate(share_at_or_above(&from_json(&c, "counts"), t), &c["expected"], &name(&c));
        }
        for c in cases("compare_metric") {
            let got = compare_metric(&from_json(&c, "prev"), &from_json(&c, "cur"));
            check_comparison(got, &c["expected"], &name(&c));
        }
        for c in cases("compare_share") {
            let t = c["threshold"].as_i64().unwrap() as i32;
            let got = compare_share(&from_json(&c, "prev"), &from_json(&c, "cur"), t);
            check_comparison(got, &c["expected"], &name(&c));
        }
        for c in cases("response_rate") {
            let got = response_rate(c["responded"].as_u64().unwrap(), c["invited"].as_u64().unwrap());
            check_estimate(got, &c["expected"], &name(&c));
        }
        for c in cases("clear_changes") {
            let p: Vec<Option<f64>> = serde_json::from_value(c["p_values"].clone()).unwrap();
            let want: Vec<bool> = serde_json::from_value(c["clear"].clone()).unwrap();
            assert_eq!(clear_changes(&p, c["alpha"].as_f64().unwrap()), want, "{}", name(&c));
            let tested: Vec<f64> = p.iter().flatten().copied().collect();
            let adjusted: Vec<f64> = serde_json::from_value(c["adjusted"].clone()).unwrap();
            for (g, w) in holm(&tested).iter().zip(&adjusted) {
                close(*g, *w, &format!("{}: holm", name(&c)));
            }
        }
        // Guard against an empty or truncated fixture silently passing.
        for k in ["metric", "share", "compare_metric", "compare_share", "response_rate", "clear_changes"] {
            assert!(cases(k).len() >= 8, "{k}");
        }
    }

    #[test]
    fn no_answers_is_none() {
        for scale in [Scale::Grade10, Scale::Ces7, Scale::Nps11, Scale::Csat5] {
            let empty = Histogram::new(scale);
            let mut one = Histogram::new(scale);
            one.add(scale.range().1, 1);
            let mut two = one.clone();
            two.merge(&one);
            assert_eq!(two.n(), 2);
            assert!(metric(&empty).is_none());
            assert!(share_at_or_above(&empty, 0).is_none());
            assert!(compare_metric(&empty, &two).is_none());
            assert!(compare_metric(&one, &two).is_none(), "one answer is too few");
            assert!(compare_share(&two, &empty, 0).is_none());
        }
        assert!(response_rate(0, 0).is_none());
        assert!(response_rate(3, 2).is_none());
    }

    #[test]
    fn nps_bounds() {
        // All promoters: NPS 100 with no spread; the interval must not pass 100.
        let pro = metric(&hist(Scale::Nps11, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 2])).unwrap();
        assert_eq!((pro.value, pro.low, pro.high), (100.0, 100.0, 100.0));
        // 2 promoters, 1 detractor: NPS 33.3, var = 1 − 1/9, half-width
        // 196·√(8/27) = 106.7 → clipped above only.
        let e = metric(&hist(Scale::Nps11, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])).unwrap();
        assert!((e.value - 100.0 / 3.0).abs() < 1e-12);
        assert!((e.low - (100.0 / 3.0 - 100.0 * Z975 * (8.0f64 / 27.0).sqrt())).abs() < 1e-12);
        assert_eq!(e.high, 100.0);
        // 1 promoter, 1 detractor: 0 ± 138.6 → clipped both ways.
        let e = metric(&hist(Scale::Nps11, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])).unwrap();
        assert_eq!((e.value, e.low, e.high), (0.0, -100.0, 100.0));
        // All detractors vs all promoters: both sides have zero variance.
        let det = hist(Scale::Nps11, &[5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let pro = hist(Scale::Nps11, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
        assert!(compare_metric(&det, &pro).is_none());
        // Passives (7–8) count for neither side: 4 promoters, 4 detractors, 2 passives → 0.
        let mixed = hist(Scale::Nps11, &[1, 1, 1, 0, 0, 0, 1, 1, 1, 2, 2]);
        assert!(metric(&mixed).unwrap().value.abs() < 1e-12);
        let c = compare_metric(&det, &mixed).unwrap();
        assert!((c.diff - 100.0).abs() < 1e-12 && c.test == NPS_Z);
    }

    #[test]
    fn mean_interval_stays_on_the_scale() {
        let one = metric(&hist(Scale::Ces7, &[0, 0, 0, 1, 0, 0, 0])).unwrap();
        assert_eq!((one.value, one.low, one.high), (4.0, 1.0, 7.0));
        // 1 and 10: mean 5.5 ± 12.706·4.5 → the whole scale.
        let ends = metric(&hist(Scale::Grade10, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 1])).unwrap();
        assert_eq!((ends.value, ends.low, ends.high), (5.5, 1.0, 10.0));
    }

    #[test]
    fn t975_matches_scipy_at_large_df() {
        // scipy.stats.t.ppf(0.975, df); statrs alone is off by 3e-6 at 1e5.
        for (df, want) in [(1.0, 12.706_204_736_174_694), (1e5, 1.959_987_707_534_609_5), (1e6, 1.959_966_356_814_107)]
        {
            close(t975(df), want, &format!("df {df}"));
        }
    }

    #[test]
    fn holm_known_vector() {
        // Adjusted: 0.01·4 = 0.04, 0.02·3 = 0.06, 0.03·2 = 0.06, 0.2 → 0.04, 0.06, 0.06, 0.2.
        let p = [Some(0.03), None, Some(0.01), Some(0.2), Some(0.02)];
        assert_eq!(clear_changes(&p, 0.05), [false, false, true, false, false]);
        // Without Holm, 0.02 and 0.03 would both pass 0.05. At 0.06 they sit
        // exactly on the boundary (3·0.02 == 0.06 in f64): ≤ counts them.
        assert_eq!(clear_changes(&p, 0.06), [true, false, true, false, true]);
        assert!(clear_changes(&[None, None], 0.05).iter().all(|c| !c));
        assert!(clear_changes(&[], 0.05).is_empty());
    }

    #[test]
    fn test_names() {
        let g = hist(Scale::Grade10, &[0, 0, 0, 0, 1, 2, 3, 2, 1, 0]);
        let g2 = hist(Scale::Grade10, &[0, 0, 0, 0, 0, 1, 2, 3, 2, 1]);
        assert_eq!(compare_metric(&g, &g2).unwrap().test, "Welch's t-test");
        let c = hist(Scale::Csat5, &[1, 1, 2, 3, 3]);
        let c2 = hist(Scale::Csat5, &[0, 1, 1, 3, 5]);
        let cmp = compare_metric(&c, &c2).unwrap();
        assert_eq!(cmp.test, "two-proportion z-test");
        // CSAT diff is in percentage points: 80% − 60%.
        assert!((cmp.diff - 20.0).abs() < 1e-12);
        assert_eq!(metric_kind(Scale::Ces7), MetricKind::Mean);
    }
}
