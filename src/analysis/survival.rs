//! Time to churn: Kaplan–Meier curves, the multi-group log-rank test and a one-covariate Cox
//! model (Efron ties), as lifelines computes them.
//!
//! Survival analysis uses every customer, including those still active (censored at `as_of`),
//! where Part A has to drop customers without a full horizon of follow-up.

use super::linalg::{cholesky, cholesky_solve};
use super::{two_sided_normal_p, z95};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// One customer's follow-up: `duration` in days and whether it ended in churn (`event`) or is
/// censored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub duration: f64,
    pub event: bool,
}

/// Kaplan–Meier estimate at one step: the value just after the events at `time`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KmStep {
    pub time: f64,
    pub at_risk: u64,
    pub events: u64,
    pub survival: f64,
    /// Greenwood sum Σ d/(n(n−d)) up to and including this time.
    pub greenwood: f64,
}

/// A Kaplan–Meier curve: one step per distinct event time, plus the longest follow-up.
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    pub steps: Vec<KmStep>,
    pub max_duration: f64,
}

/// Survival with its log(−log) Greenwood 95% interval at one time point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurvivalAt {
    pub survival: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Distinct event times with the number at risk and the events there; a customer censored
/// at an event time still counts as at risk (events happen first), as in lifelines.
fn risk_table(obs: &[Observation]) -> Vec<(f64, u64, u64)> {
    let mut sorted: Vec<Observation> = obs.to_vec();
    sorted.sort_by(|a, b| a.duration.total_cmp(&b.duration));
    let mut at_risk = sorted.len() as u64;
    let mut table = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let t = sorted[i].duration;
        let mut j = i;
        let mut events = 0;
        while j < sorted.len() && sorted[j].duration == t {
            events += u64::from(sorted[j].event);
            j += 1;
        }
        if events > 0 {
            table.push((t, at_risk, events));
        }
        at_risk -= (j - i) as u64;
        i = j;
    }
    table
}

impl KaplanMeier {
    /// Fits the product-limit estimator. `None` for an empty sample.
    pub fn fit(obs: &[Observation]) -> Option<KaplanMeier> {
        let max_duration = obs.iter().map(|o| o.duration).reduce(f64::max)?;
        let mut survival = 1.0;
        let mut greenwood = 0.0;
        let steps = risk_table(obs)
            .into_iter()
            .map(|(time, n, d)| {
                survival *= 1.0 - d as f64 / n as f64;
                if n > d {
                    greenwood += d as f64 / (n as f64 * (n - d) as f64);
                }
                KmStep { time, at_risk: n, events: d, survival, greenwood }
            })
            .collect();
        Some(KaplanMeier { steps, max_duration })
    }

    /// Estimate just after the last event at or before `t` with its log(−log) 95% interval
    /// (lifelines' default); `None` past the longest follow-up, where the curve is unknown.
    ///
    /// Before the first event S = 1 with interval [1, 1]; once S reaches 0 the interval is
    /// [0, 0] (the transform is undefined there).
    pub fn at(&self, t: f64) -> Option<SurvivalAt> {
        if t > self.max_duration {
            return None;
        }
        let Some(step) = self.steps.iter().take_while(|s| s.time <= t).last() else {
            return Some(SurvivalAt { survival: 1.0, ci_low: 1.0, ci_high: 1.0 });
        };
        let s = step.survival;
        if s <= 0.0 {
            return Some(SurvivalAt { survival: 0.0, ci_low: 0.0, ci_high: 0.0 });
        }
        // θ = log(−log S) is closer to normal than S; its delta-method se is √G / |log S|.
        let log_s = s.ln();
        let theta = (-log_s).ln();
        let half = z95() * step.greenwood.sqrt() / log_s.abs();
        Some(SurvivalAt { survival: s, ci_low: (-(theta + half).exp()).exp(), ci_high: (-(theta - half).exp()).exp() })
    }

    /// First time at which S ≤ 0.5; `None` if the curve never gets there.
    pub fn median(&self) -> Option<f64> {
        self.steps.iter().find(|s| s.survival <= 0.5).map(|s| s.time)
    }
}

/// Multi-group log-rank statistic with `df` = groups − 1 and its χ² p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LogRank {
    pub statistic: f64,
    pub df: u64,
    pub p_value: f64,
}

/// Log-rank test that all groups share one survival curve, matching
/// `lifelines.statistics.multivariate_logrank_test`. Empty groups are ignored; `None` with
/// fewer than two groups, no events, or a singular covariance.
pub fn logrank(groups: &[Vec<Observation>]) -> Option<LogRank> {
    let groups: Vec<&Vec<Observation>> = groups.iter().filter(|g| !g.is_empty()).collect();
    let k = groups.len();
    if k < 2 {
        return None;
    }
    let mut all: Vec<(f64, bool, usize)> =
        groups.iter().enumerate().flat_map(|(gi, g)| g.iter().map(move |o| (o.duration, o.event, gi))).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut at_risk: Vec<f64> = groups.iter().map(|g| g.len() as f64).collect();
    let mut o_minus_e = vec![0.0; k];
    let mut var = vec![vec![0.0; k]; k];
    let mut i = 0;
    while i < all.len() {
        let t = all[i].0;
        let mut j = i;
        let mut d_g = vec![0.0; k];
        let mut leaving = vec![0.0; k];
        while j < all.len() && all[j].0 == t {
            d_g[all[j].2] += f64::from(u8::from(all[j].1));
            leaving[all[j].2] += 1.0;
            j += 1;
        }
        let d: f64 = d_g.iter().sum();
        let n: f64 = at_risk.iter().sum();
        if d > 0.0 {
            for g in 0..k {
                o_minus_e[g] += d_g[g] - d * at_risk[g] / n;
            }
            if n > 1.0 {
                let c = d * (n - d) / (n - 1.0);
                for a in 0..k {
                    for b in 0..k {
                        let delta = if a == b { 1.0 } else { 0.0 };
                        var[a][b] += c * at_risk[a] / n * (delta - at_risk[b] / n);
                    }
                }
            }
        }
        for g in 0..k {
            at_risk[g] -= leaving[g];
        }
        i = j;
    }
    // The k deviations sum to zero; drop the last to get a non-singular covariance.
    let reduced: Vec<Vec<f64>> = var[..k - 1].iter().map(|row| row[..k - 1].to_vec()).collect();
    let l = cholesky(&reduced)?;
    let u = &o_minus_e[..k - 1];
    let statistic: f64 = cholesky_solve(&l, u).iter().zip(u).map(|(a, b)| a * b).sum();
    let df = (k - 1) as u64;
    Some(LogRank { statistic, df, p_value: ChiSquared::new(df as f64).ok()?.sf(statistic) })
}

/// Cox proportional-hazards fit with one numeric covariate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cox {
    pub coef: f64,
    pub se: f64,
    pub hazard_ratio: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    pub log_partial_likelihood: f64,
}

/// Efron partial log-likelihood, score and information at β (covariate already centred, which
/// leaves all three unchanged but keeps exp(βx) in range).
fn efron(sorted: &[(f64, bool, f64)], beta: f64) -> (f64, f64, f64) {
    let (mut ll, mut score, mut info) = (0.0, 0.0, 0.0);
    // Risk-set sums, built from the longest durations backwards.
    let (mut r0, mut r1, mut r2) = (0.0, 0.0, 0.0);
    let mut j = sorted.len();
    while j > 0 {
        let t = sorted[j - 1].0;
        let mut i = j;
        let (mut t0, mut t1, mut t2, mut d, mut sx) = (0.0, 0.0, 0.0, 0.0, 0.0);
        while i > 0 && sorted[i - 1].0 == t {
            let (_, event, x) = sorted[i - 1];
            let w = (beta * x).exp();
            r0 += w;
            r1 += w * x;
            r2 += w * x * x;
            if event {
                t0 += w;
                t1 += w * x;
                t2 += w * x * x;
                d += 1.0;
                sx += x;
            }
            i -= 1;
        }
        if d > 0.0 {
            ll += beta * sx;
            score += sx;
            let mut l = 0.0;
            while l < d {
                let f = l / d;
                let (a0, a1, a2) = (r0 - f * t0, r1 - f * t1, r2 - f * t2);
                ll -= a0.ln();
                score -= a1 / a0;
                info += a2 / a0 - (a1 / a0).powi(2);
                l += 1.0;
            }
        }
        j = i;
    }
    (ll, score, info)
}

/// Cox model with Efron's tie handling, fitted by Newton–Raphson with step halving; matches
/// `lifelines.CoxPHFitter()` (no penalizer) on the unscaled covariate. `covariate[i]` belongs to
/// `obs[i]`. `None` without events, without covariate variation, or without convergence
/// (monotone likelihood).
pub fn cox_one_covariate(obs: &[Observation], covariate: &[f64]) -> Option<Cox> {
    if obs.len() != covariate.len() || !obs.iter().any(|o| o.event) {
        return None;
    }
    let mean = covariate.iter().sum::<f64>() / covariate.len() as f64;
    let mut sorted: Vec<(f64, bool, f64)> =
        obs.iter().zip(covariate).map(|(o, &x)| (o.duration, o.event, x - mean)).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut beta = 0.0;
    let (mut ll, mut score, mut info) = efron(&sorted, beta);
    for _ in 0..100 {
        if info.is_nan() || info <= 0.0 {
            return None;
        }
        let mut step = score / info;
        let mut next = efron(&sorted, beta + step);
        // Halve steps that overshoot; the Efron likelihood is concave, so this terminates.
        while next.0 < ll - 1e-12 * ll.abs() && step.abs() > 1e-14 {
            step /= 2.0;
            next = efron(&sorted, beta + step);
        }
        beta += step;
        (ll, score, info) = next;
        if !beta.is_finite() || beta.abs() > 50.0 {
            return None;
        }
        if step.abs() <= 1e-10 * beta.abs().max(1.0) {
            if info.is_nan() || info <= 0.0 {
                return None;
            }
            let se = 1.0 / info.sqrt();
            let z = z95();
            return Some(Cox {
                coef: beta,
                se,
                hazard_ratio: beta.exp(),
                ci_low: (beta - z * se).exp(),
                ci_high: (beta + z * se).exp(),
                p_value: two_sided_normal_p(beta / se),
                log_partial_likelihood: ll,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::assert_close;

    // Small sample with tied event times, censoring tied with events, three groups.
    const T: [f64; 20] =
        [5., 8., 8., 12., 12., 12., 20., 25., 30., 30., 41., 45., 50., 60., 60., 75., 80., 90., 100., 120.];
    const E: [u8; 20] = [1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 0];
    const G: [usize; 20] = [0, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1];
    const X: [f64; 20] = [3., 5., 4., 8., 6., 2., 9., 7., 3., 10., 6., 4., 8., 7., 1., 9., 5., 6., 7., 8.];

    fn sample() -> Vec<Observation> {
        T.iter().zip(E).map(|(&duration, e)| Observation { duration, event: e == 1 }).collect()
    }

    #[test]
    fn kaplan_meier_matches_lifelines() {
        // lifelines 0.30.3 KaplanMeierFitter().fit(T, E): survival_function_at_times(t) and the
        // last confidence_interval_ row at or before t (log(-log) Greenwood, 95%)
        let cases = [
            (4.0, 1.0, 1.0, 1.0),
            (12.0, 0.7941176470588234, 0.5396804824809386, 0.9174480771402711),
            (30.0, 0.6144957983193279, 0.3533846472770461, 0.7961562327658446),
            (60.0, 0.4096638655462185, 0.17697771951262453, 0.6313514696778317),
            (100.0, 0.21848739495798317, 0.04465055958537567, 0.4751313220895374),
            (120.0, 0.21848739495798317, 0.04465055958537567, 0.4751313220895374),
        ];
        let km = KaplanMeier::fit(&sample()).unwrap();
        for (t, s, lo, hi) in cases {
            let at = km.at(t).unwrap();
            assert_close(at.survival, s, 1e-12);
            assert_close(at.ci_low, lo, 1e-9);
            assert_close(at.ci_high, hi, 1e-9);
        }
        assert_eq!(km.at(121.0), None);
        // kmf.median_survival_time_ -> 50.0
        assert_eq!(km.median(), Some(50.0));
    }

    #[test]
    fn logrank_matches_lifelines() {
        // multivariate_logrank_test(T, G, E) -> statistic 2.0521938007184244,
        // p 0.35840311720549434, df 2
        let mut groups = vec![Vec::new(); 3];
        for (o, g) in sample().into_iter().zip(G) {
            groups[g].push(o);
        }
        let r = logrank(&groups).unwrap();
        assert_close(r.statistic, 2.0521938007184244, 1e-10);
        assert_eq!(r.df, 2);
        assert_close(r.p_value, 0.35840311720549434, 1e-9);
    }

    #[test]
    fn cox_matches_lifelines() {
        // lifelines 0.30.3 CoxPHFitter().fit(DataFrame(T, E, x), "T", "E",
        //   fit_options={"precision": 1e-14, "max_steps": 500}):
        // coef -0.058638432940934064, se 0.1227664218625749, exp(coef) 95% CI
        // 0.7413694475081617 to 1.1995894010144281, p 0.632904836877632,
        // log_likelihood_ -27.887379339378302. With lifelines' default precision (1e-7 on the
        // step) it stops early at coef -0.0586170608190051 (4e-4 relative off the MLE).
        let c = cox_one_covariate(&sample(), &X).unwrap();
        assert_close(c.coef, -0.058638432940934064, 1e-7);
        assert_close(c.se, 0.1227664218625749, 1e-7);
        assert_close(c.hazard_ratio, (-0.058638432940934064_f64).exp(), 1e-9);
        assert_close(c.ci_low, 0.7413694475081617, 1e-8);
        assert_close(c.ci_high, 1.1995894010144281, 1e-8);
        assert_close(c.p_value, 0.632904836877632, 1e-7);
        assert_close(c.log_partial_likelihood, -27.887379339378302, 1e-11);
    }

    fn obs(t: &[f64], e: &[u8]) -> Vec<Observation> {
        t.iter().zip(e).map(|(&duration, &e)| Observation { duration, event: e == 1 }).collect()
    }

    #[test]
    fn curve_reaching_zero_and_an_event_free_group() {
        // lifelines KaplanMeierFitter().fit([2, 3, 3, 5, 8], [1, 0, 1, 1, 1]): survival
        // [1, 0.8, 0.6, 0.3, 0], confidence_interval_ rows [1, 1], [0.20380926326763904,
        // 0.9691797888667427], [0.1257301829944313, 0.8817564073935323], [0.012301529425416074,
        // 0.719218020810415], [0, 0]
        let group = obs(&[2., 3., 3., 5., 8.], &[1, 0, 1, 1, 1]);
        let km = KaplanMeier::fit(&group).unwrap();
        let cases = [
            (1.0, 1.0, 1.0, 1.0),
            (2.0, 0.8, 0.20380926326763904, 0.9691797888667427),
            (4.0, 0.6, 0.1257301829944313, 0.8817564073935323),
            (7.9, 0.3, 0.012301529425416074, 0.719218020810415),
            (8.0, 0.0, 0.0, 0.0),
        ];
        for (t, s, lo, hi) in cases {
            let at = km.at(t).unwrap();
            assert_close(at.survival, s, 1e-12);
            assert_close(at.ci_low, lo, 1e-9);
            assert_close(at.ci_high, hi, 1e-9);
        }
        assert_eq!(km.median(), Some(5.0));
        // multivariate_logrank_test(T, G, E) with a second, event-free group [4, 6, 9]
        //   -> statistic 3.3217193096711184, p 0.06837029324558366
        let r = logrank(&[group, obs(&[4., 6., 9.], &[0, 0, 0])]).unwrap();
        assert_close(r.statistic, 3.3217193096711184, 1e-10);
        assert_close(r.p_value, 0.06837029324558366, 1e-9);
    }

    #[test]
    fn edge_cases() {
        assert_eq!(KaplanMeier::fit(&[]), None);
        let censored = [Observation { duration: 10.0, event: false }];
        let km = KaplanMeier::fit(&censored).unwrap();
        assert_eq!(km.at(5.0).unwrap().ci_low, 1.0);
        assert_eq!(km.at(11.0), None);
        assert_eq!(km.median(), None);
        assert_eq!(logrank(&[censored.to_vec()]), None);
        assert_eq!(cox_one_covariate(&censored, &[3.0]), None);
        // No covariate variation: the coefficient is not identified.
        assert_eq!(cox_one_covariate(&obs(&[1., 2., 3.], &[1, 1, 0]), &[4.0, 4.0, 4.0]), None);
        assert_eq!(cox_one_covariate(&obs(&[1., 2.], &[1, 0]), &[4.0]), None);
    }
}
