//! Logistic regression of retention on the score, by Newton–Raphson on grouped counts.
//!
//! Grouped (score, n, retained) counts give the same maximum-likelihood fit as one row per
//! customer, so the fit costs O(levels), not O(customers). The linear algebra is a tiny
//! Cholesky solve (see `linalg`): the models have at most three parameters.

use super::linalg::{cholesky, cholesky_solve};
use super::two_sided_normal_p;
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

const MAX_ITER: usize = 100;
const STEP_TOL: f64 = 1e-10;

/// One covariate pattern: design row `x` (including the intercept column), `n` customers of
/// whom `successes` were retained.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedRow {
    pub x: Vec<f64>,
    pub n: u64,
    pub successes: u64,
}

/// A converged maximum-likelihood fit.
#[derive(Debug, Clone, PartialEq)]
pub struct LogitFit {
    pub coef: Vec<f64>,
    /// Standard errors from the inverse Fisher information at the estimate.
    pub se: Vec<f64>,
    /// Bernoulli log-likelihood summed per customer (no binomial coefficients), as statsmodels.
    pub log_likelihood: f64,
}

/// ln(1 + e^t) without overflow.
fn softplus(t: f64) -> f64 {
    if t > 0.0 {
        t + (-t).exp().ln_1p()
    } else {
        t.exp().ln_1p()
    }
}

fn sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        let e = t.exp();
        e / (1.0 + e)
    }
}

fn log_likelihood(rows: &[GroupedRow], beta: &[f64]) -> f64 {
    rows.iter()
        .map(|r| {
            let eta: f64 = r.x.iter().zip(beta).map(|(a, b)| a * b).sum();
            let fails = (r.n - r.successes) as f64;
            -(r.successes as f64) * softplus(-eta) - fails * softplus(eta)
        })
        .sum()
}

/// Score vector and Fisher information at `beta`.
fn gradient_information(rows: &[GroupedRow], beta: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let p = beta.len();
    let mut g = vec![0.0; p];
    let mut info = vec![vec![0.0; p]; p];
    for r in rows {
        let eta: f64 = r.x.iter().zip(beta).map(|(a, b)| a * b).sum();
        let mu = sigmoid(eta);
        let resid = r.successes as f64 - r.n as f64 * mu;
        let w = r.n as f64 * mu * (1.0 - mu);
        for ((gi, row), &xi) in g.iter_mut().zip(info.iter_mut()).zip(&r.x) {
            *gi += xi * resid;
            for (cell, &xj) in row.iter_mut().zip(&r.x) {
                *cell += w * xi * xj;
            }
        }
    }
    (g, info)
}

/// Maximum-likelihood logistic fit by Newton–Raphson from β = 0.
///
/// `None` when the rows are inconsistent, the design is singular, or Newton does not converge:
/// with complete separation (e.g. every customer retained) the MLE does not exist, and
/// reporting a huge coefficient would be a lie.
pub fn fit_logit(rows: &[GroupedRow]) -> Option<LogitFit> {
    let p = rows.first()?.x.len();
    if p == 0 || rows.iter().any(|r| r.x.len() != p || r.successes > r.n) {
        return None;
    }
    let rows: Vec<GroupedRow> = rows.iter().filter(|r| r.n > 0).cloned().collect();
    let mut beta = vec![0.0; p];
    for _ in 0..MAX_ITER {
        let (g, info) = gradient_information(&rows, &beta);
        let l = cholesky(&info)?;
        let step = cholesky_solve(&l, &g);
        beta.iter_mut().zip(&step).for_each(|(b, s)| *b += s);
        if beta.iter().any(|b| !b.is_finite()) {
            return None;
        }
        let scale = beta.iter().fold(1.0_f64, |m, b| m.max(b.abs()));
        if step.iter().all(|s| s.abs() <= STEP_TOL * scale) {
            let (_, info) = gradient_information(&rows, &beta);
            let l = cholesky(&info)?;
            let se = (0..p)
                .map(|i| {
                    let mut e = vec![0.0; p];
                    e[i] = 1.0;
                    cholesky_solve(&l, &e)[i].sqrt()
                })
                .collect();
            return Some(LogitFit { log_likelihood: log_likelihood(&rows, &beta), coef: beta, se });
        }
    }
    None
}

/// `logit P(retained) = β0 + β1·s` with the Wald test of the slope and the likelihood-ratio
/// test against the intercept-only model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoreLogistic {
    pub intercept: f64,
    pub slope: f64,
    pub se_intercept: f64,
    pub se_slope: f64,
    pub z_slope: f64,
    pub p_slope: f64,
    pub odds_ratio: f64,
    pub log_likelihood: f64,
    pub lr_statistic: f64,
    pub lr_p_value: f64,
}

/// Fits the linear logistic model on `(score, n, retained)` levels; matches
/// `statsmodels.api.Logit(y, X).fit(method="newton")` on the per-customer data.
pub fn logistic_by_score(groups: &[(f64, u64, u64)]) -> Option<ScoreLogistic> {
    let rows: Vec<GroupedRow> =
        groups.iter().map(|&(s, n, x)| GroupedRow { x: vec![1.0, s], n, successes: x }).collect();
    let fit = fit_logit(&rows)?;
    let n_total: u64 = groups.iter().map(|g| g.1).sum();
    let x_total: u64 = groups.iter().map(|g| g.2).sum();
    let p_bar = x_total as f64 / n_total as f64;
    // The full fit converged, so 0 < p̄ < 1 and both logs are finite.
    let ll_null = x_total as f64 * p_bar.ln() + (n_total - x_total) as f64 * (-p_bar).ln_1p();
    let lr_statistic = (2.0 * (fit.log_likelihood - ll_null)).max(0.0);
    let z_slope = fit.coef[1] / fit.se[1];
    Some(ScoreLogistic {
        intercept: fit.coef[0],
        slope: fit.coef[1],
        se_intercept: fit.se[0],
        se_slope: fit.se[1],
        z_slope,
        p_slope: two_sided_normal_p(z_slope),
        odds_ratio: fit.coef[1].exp(),
        log_likelihood: fit.log_likelihood,
        lr_statistic,
        lr_p_value: ChiSquared::new(1.0).ok()?.sf(lr_statistic),
    })
}

/// Log-likelihood of the hinge model at one break point ψ.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HingeProfilePoint {
    pub psi: i64,
    pub log_likelihood: f64,
}

/// The best-fitting hinge `logit P = β0 + β1·min(s, ψ) + β2·max(s − ψ, 0)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hinge {
    pub psi: i64,
    pub intercept: f64,
    pub slope_before: f64,
    pub slope_after: f64,
    pub se_slope_before: f64,
    pub se_slope_after: f64,
    pub p_slope_after: f64,
    pub log_likelihood: f64,
    /// Every ψ whose fit converged, ascending.
    pub profile: Vec<HingeProfilePoint>,
}

/// Profiles the hinge over every integer ψ strictly between the lowest and highest present
/// level and keeps the ψ with the highest log-likelihood (ties: the lowest ψ).
///
/// A slope after the bend near zero is what a plateau looks like. `None` with fewer than
/// three present levels or when no ψ gives a converged fit; ψ values whose fit does not
/// converge are left out of the profile.
pub fn hinge(groups: &[(i64, u64, u64)]) -> Option<Hinge> {
    let present: Vec<(i64, u64, u64)> = groups.iter().copied().filter(|g| g.1 > 0).collect();
    if present.len() < 3 {
        return None;
    }
    let lo = present.iter().map(|g| g.0).min()?;
    let hi = present.iter().map(|g| g.0).max()?;
    let mut best: Option<(i64, LogitFit)> = None;
    let mut profile = Vec::new();
    for psi in lo + 1..hi {
        let rows: Vec<GroupedRow> = present
            .iter()
            .map(|&(s, n, x)| GroupedRow { x: vec![1.0, s.min(psi) as f64, (s - psi).max(0) as f64], n, successes: x })
            .collect();
        let Some(fit) = fit_logit(&rows) else { continue };
        profile.push(HingeProfilePoint { psi, log_likelihood: fit.log_likelihood });
        if best.as_ref().is_none_or(|(_, b)| fit.log_likelihood > b.log_likelihood) {
            best = Some((psi, fit));
        }
    }
    let (psi, fit) = best?;
    Some(Hinge {
        psi,
        intercept: fit.coef[0],
        slope_before: fit.coef[1],
        slope_after: fit.coef[2],
        se_slope_before: fit.se[1],
        se_slope_after: fit.se[2],
        p_slope_after: two_sided_normal_p(fit.coef[2] / fit.se[2]),
        log_likelihood: fit.log_likelihood,
        profile,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::assert_close;

    const LEVELS: [(i64, u64, u64); 6] =
        [(5, 40, 22), (6, 50, 31), (7, 60, 44), (8, 80, 66), (9, 70, 59), (10, 50, 42)];

    #[test]
    fn linear_matches_statsmodels() {
        // statsmodels 0.15 Logit(y, add_constant(s)).fit(method="newton", tol=1e-12) on the
        // per-customer expansion of LEVELS: params [-1.48114695, 0.34815624] (printed
        // -1.48114695, 0.34815624), bse [0.61865158, 0.08319027], llf -185.9024923481398,
        // llr 18.499362060177532, llr_pvalue 1.6996117860905536e-05, p_slope 2.85091078e-05
        let groups: Vec<(f64, u64, u64)> = LEVELS.iter().map(|&(s, n, x)| (s as f64, n, x)).collect();
        let f = logistic_by_score(&groups).unwrap();
        assert_close(f.intercept, -1.48114695, 1e-7);
        assert_close(f.slope, 0.34815624, 1e-7);
        assert_close(f.se_intercept, 0.61865158, 1e-7);
        assert_close(f.se_slope, 0.08319027, 1e-7);
        assert_close(f.log_likelihood, -185.9024923481398, 1e-11);
        assert_close(f.lr_statistic, 18.499362060177532, 1e-8);
        assert_close(f.lr_p_value, 1.6996117860905536e-05, 1e-7);
        assert_close(f.p_slope, 2.85091078e-05, 1e-7);
        assert_close(f.odds_ratio, 0.34815624_f64.exp(), 1e-7);
    }

    #[test]
    fn hinge_matches_statsmodels() {
        // statsmodels Logit(y, [1, min(s, ψ), max(s − ψ, 0)]).fit(method="newton") per ψ:
        //   ψ=6 llf -185.86715809736077; ψ=7 -185.59988267397353; ψ=8 -185.17947038620406;
        //   ψ=9 -185.31506390665845. At ψ=8: params [-2.23300101, 0.46918289, 0.09271745],
        //   bse [0.8806871, 0.13126852, 0.22370035], p(slope_after) 0.6785287486791931
        let h = hinge(&LEVELS).unwrap();
        let expected =
            [(6, -185.86715809736077), (7, -185.59988267397353), (8, -185.17947038620406), (9, -185.31506390665845)];
        assert_eq!(h.profile.len(), expected.len());
        for (pt, (psi, ll)) in h.profile.iter().zip(expected) {
            assert_eq!(pt.psi, psi);
            assert_close(pt.log_likelihood, ll, 1e-11);
        }
        assert_eq!(h.psi, 8);
        assert_close(h.intercept, -2.23300101, 1e-7);
        assert_close(h.slope_before, 0.46918289, 1e-7);
        assert_close(h.slope_after, 0.09271745, 1e-6);
        assert_close(h.se_slope_before, 0.13126852, 1e-7);
        assert_close(h.se_slope_after, 0.22370035, 1e-7);
        assert_close(h.p_slope_after, 0.6785287486791931, 1e-7);
        assert_close(h.log_likelihood, -185.17947038620406, 1e-11);
    }

    #[test]
    fn hinge_skips_quasi_separated_break_points() {
        // Level 1 retains nobody, so for ψ = 2, 3 the MLE does not exist: statsmodels Logit
        // .fit(method="newton", tol=1e-12, maxiter=100) reports converged=False there (with a
        // spuriously higher llf -91.4236). Converged fits: ψ=4 llf -92.20125885114032,
        // ψ=5 -92.3446961022158, ψ=6 -91.95536339775613, ψ=7 -91.60450078644678,
        // ψ=8 -91.57569948203744 (params [-2.71589041, 0.61950005, -0.02724447],
        // bse [0.75342248, 0.13493032, 0.40765652]), ψ=9 -91.89175477596254.
        // The linear fit exists: params [-2.17149208, 0.50740633], llf -92.38342261914576.
        let levels = [(1, 5, 0), (3, 20, 8), (5, 30, 15), (6, 40, 30), (7, 40, 34), (9, 30, 27), (10, 20, 18)];
        let h = hinge(&levels).unwrap();
        let psis: Vec<i64> = h.profile.iter().map(|p| p.psi).collect();
        assert_eq!(psis, vec![4, 5, 6, 7, 8, 9]);
        let expected = [
            -92.20125885114032,
            -92.3446961022158,
            -91.95536339775613,
            -91.60450078644678,
            -91.57569948203744,
            -91.89175477596254,
        ];
        for (p, ll) in h.profile.iter().zip(expected) {
            assert_close(p.log_likelihood, ll, 1e-10);
        }
        assert_eq!(h.psi, 8);
        assert_close(h.slope_before, 0.61950005, 1e-7);
        assert_close(h.slope_after, -0.02724447, 1e-6);
        assert_close(h.se_slope_after, 0.40765652, 1e-7);
        let groups: Vec<(f64, u64, u64)> = levels.iter().map(|&(s, n, x)| (s as f64, n, x)).collect();
        let f = logistic_by_score(&groups).unwrap();
        assert_close(f.slope, 0.50740633, 1e-7);
        assert_close(f.log_likelihood, -92.38342261914576, 1e-11);
    }

    #[test]
    fn separation_is_none() {
        assert_eq!(logistic_by_score(&[(7.0, 10, 10), (8.0, 12, 12)]), None);
        assert_eq!(logistic_by_score(&[(7.0, 10, 0), (8.0, 12, 12)]), None);
        assert_eq!(hinge(&[(7, 10, 3), (8, 12, 5)]), None);
    }
}
