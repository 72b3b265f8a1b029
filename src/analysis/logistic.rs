//! Logistic regression on grouped binomial counts by Newton–Raphson (the
//! same maximum likelihood fit as per-customer Bernoulli rows).

use super::dist::{chi2_sf, normal_two_sided};
use super::tables::LevelCount;

/// Covariate row `x` (intercept included) with `successes` of `trials`.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub x: Vec<f64>,
    pub successes: f64,
    pub trials: f64,
}

/// Fitted coefficients, their covariance (inverse Fisher information) and
/// the Bernoulli log-likelihood.
#[derive(Debug, Clone, PartialEq)]
pub struct LogitFit {
    pub beta: Vec<f64>,
    pub cov: Vec<Vec<f64>>,
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

/// Σ x·ln p + (n − x)·ln(1 − p) with p = logistic(η); zero counts add 0.
fn log_likelihood(groups: &[Group], beta: &[f64]) -> f64 {
    groups
        .iter()
        .map(|g| {
            let eta = dot(&g.x, beta);
            let fail = g.trials - g.successes;
            let mut l = 0.0;
            if g.successes > 0.0 {
                l -= g.successes * softplus(-eta);
            }
            if fail > 0.0 {
                l -= fail * softplus(eta);
            }
            l
        })
        .sum()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Inverse of a small symmetric positive definite matrix by Gauss–Jordan
/// with partial pivoting; `None` when (numerically) singular.
pub fn invert(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let k = m.len();
    let scale = m.iter().flatten().fold(0.0f64, |a, v| a.max(v.abs()));
    let mut a: Vec<Vec<f64>> = m
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..k).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for col in 0..k {
        let piv = (col..k).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() <= scale * 1e-13 {
            return None;
        }
        a.swap(col, piv);
        let d = a[col][col];
        a[col].iter_mut().for_each(|v| *v /= d);
        for r in 0..k {
            if r != col {
                let f = a[r][col];
                if f != 0.0 {
                    let pivot_row = a[col].clone();
                    a[r].iter_mut().zip(&pivot_row).for_each(|(v, p)| *v -= f * p);
                }
            }
        }
    }
    Some(a.into_iter().map(|r| r[k..].to_vec()).collect())
}

/// Score vector and Fisher information of the grouped likelihood at β.
fn score_and_information(groups: &[Group], beta: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let k = beta.len();
    let mut grad = vec![0.0; k];
    let mut info = vec![vec![0.0; k]; k];
    for g in groups {
        let p = 1.0 / (1.0 + (-dot(&g.x, beta)).exp());
        let w = g.trials * p * (1.0 - p);
        let resid = g.successes - g.trials * p;
        for ((gi, row), xi) in grad.iter_mut().zip(info.iter_mut()).zip(&g.x) {
            *gi += xi * resid;
            for (cell, xj) in row.iter_mut().zip(&g.x) {
                *cell += w * xi * xj;
            }
        }
    }
    (grad, info)
}

/// Maximum likelihood fit; an error note when the data separate perfectly,
/// the design is singular, or Newton–Raphson does not converge.
pub fn fit_logit(groups: &[Group]) -> Result<LogitFit, String> {
    let k = groups.first().map_or(0, |g| g.x.len());
    let successes: f64 = groups.iter().map(|g| g.successes).sum();
    let trials: f64 = groups.iter().map(|g| g.trials).sum();
    if successes == 0.0 || successes == trials {
        return Err("all customers have the same outcome".into());
    }
    let mut beta = vec![0.0; k];
    for _ in 0..100 {
        let (grad, info) = score_and_information(groups, &beta);
        let inv = invert(&info).ok_or("singular information matrix (separation or too few levels)")?;
        let step: Vec<f64> = inv.iter().map(|row| dot(row, &grad)).collect();
        beta.iter_mut().zip(&step).for_each(|(b, s)| *b += s);
        if beta.iter().any(|b| !b.is_finite()) {
            break;
        }
        let done = step.iter().zip(&beta).all(|(s, b)| s.abs() <= 1e-10 * (1.0 + b.abs()));
        if done {
            return finish(groups, beta);
        }
    }
    Err("logistic fit did not converge (the outcome is perfectly separated by score)".into())
}

/// Covariance and log-likelihood at the converged coefficients.
fn finish(groups: &[Group], beta: Vec<f64>) -> Result<LogitFit, String> {
    let (_, info) = score_and_information(groups, &beta);
    let cov = invert(&info).ok_or("singular information matrix at the fit")?;
    let bad_variance = |v: f64| v.is_nan() || v <= 0.0 || v.is_infinite();
    if cov.iter().enumerate().any(|(i, r)| bad_variance(r[i])) {
        return Err("logistic fit has no finite standard errors".into());
    }
    let log_likelihood = log_likelihood(groups, &beta);
    Ok(LogitFit { beta, cov, log_likelihood })
}

/// The `logistic` part of the report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Logistic {
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

/// logit P(retained) = β0 + β1·score, with Wald and likelihood-ratio tests.
pub fn logistic(levels: &[LevelCount]) -> Result<Logistic, String> {
    if levels.len() < 2 {
        return Err("fewer than two score levels present".into());
    }
    let groups: Vec<Group> = levels
        .iter()
        .map(|l| Group { x: vec![1.0, l.score as f64], successes: l.x as f64, trials: l.n as f64 })
        .collect();
    let fit = fit_logit(&groups)?;
    let (se0, se1) = (fit.cov[0][0].sqrt(), fit.cov[1][1].sqrt());
    let z = fit.beta[1] / se1;
    // Null model: one common rate.
    let x: f64 = groups.iter().map(|g| g.successes).sum();
    let n: f64 = groups.iter().map(|g| g.trials).sum();
    let pbar = x / n;
    let ll0 = x * pbar.ln() + (n - x) * (1.0 - pbar).ln();
    let lr = (2.0 * (fit.log_likelihood - ll0)).max(0.0);
    Ok(Logistic {
        intercept: fit.beta[0],
        slope: fit.beta[1],
        se_intercept: se0,
        se_slope: se1,
        z_slope: z,
        p_slope: normal_two_sided(z),
        odds_ratio: fit.beta[1].exp(),
        log_likelihood: fit.log_likelihood,
        lr_statistic: lr,
        lr_p_value: chi2_sf(lr, 1.0),
    })
}
