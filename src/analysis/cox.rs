//! Cox proportional hazards with one numeric covariate (the baseline score),
//! Efron's handling of tied event times, fitted by Newton–Raphson.

use super::dist::normal_two_sided;
use super::survival::Subject;
use super::Z975;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Cox {
    pub coef: f64,
    pub se: f64,
    pub hazard_ratio: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    pub log_partial_likelihood: f64,
}

/// Efron log partial likelihood, score and information at β, for the
/// covariate already centred (the likelihood is shift invariant).
fn efron(times: &[(i64, bool, f64)], beta: f64) -> (f64, f64, f64) {
    let (mut ll, mut u, mut info) = (0.0, 0.0, 0.0);
    // Risk-set sums Σe^{βx}, Σx·e^{βx}, Σx²·e^{βx}; walk from the latest time.
    let (mut r0, mut r1, mut r2) = (0.0, 0.0, 0.0);
    let mut i = times.len();
    while i > 0 {
        let t = times[i - 1].0;
        let (mut d0, mut d1, mut d2, mut dx, mut d) = (0.0, 0.0, 0.0, 0.0, 0usize);
        while i > 0 && times[i - 1].0 == t {
            let (_, event, x) = times[i - 1];
            let w = (beta * x).exp();
            r0 += w;
            r1 += w * x;
            r2 += w * x * x;
            if event {
                d0 += w;
                d1 += w * x;
                d2 += w * x * x;
                dx += x;
                d += 1;
            }
            i -= 1;
        }
        if d == 0 {
            continue;
        }
        ll += beta * dx;
        u += dx;
        for l in 0..d {
            let f = l as f64 / d as f64;
            let (p0, p1, p2) = (r0 - f * d0, r1 - f * d1, r2 - f * d2);
            ll -= p0.ln();
            u -= p1 / p0;
            info += p2 / p0 - (p1 / p0).powi(2);
        }
    }
    (ll, u, info)
}

/// Fits the model; an error note when there are no events, the score does
/// not vary, or the fit does not converge.
pub fn cox(subjects: &[Subject]) -> Result<Cox, String> {
    if !subjects.iter().any(|s| s.event) {
        return Err("no churn events".into());
    }
    let mean = subjects.iter().map(|s| s.score as f64).sum::<f64>() / subjects.len() as f64;
    if subjects.iter().all(|s| s.score as f64 == mean) {
        return Err("all customers gave the same score".into());
    }
    let mut times: Vec<(i64, bool, f64)> = subjects.iter().map(|s| (s.secs, s.event, s.score as f64 - mean)).collect();
    times.sort_by_key(|t| t.0);
    let mut beta = 0.0;
    let (mut ll, mut u, mut info) = efron(&times, beta);
    for _ in 0..100 {
        if info.is_nan() || info <= 0.0 {
            break;
        }
        let mut step = u / info;
        // Step halving keeps the (concave) likelihood increasing.
        let mut next = efron(&times, beta + step);
        while next.0 < ll - 1e-12 * ll.abs() && step.abs() > 1e-15 {
            step /= 2.0;
            next = efron(&times, beta + step);
        }
        beta += step;
        (ll, u, info) = next;
        if step.abs() <= 1e-12 * (1.0 + beta.abs()) {
            if info.is_nan() || info <= 0.0 || !beta.is_finite() {
                break;
            }
            let se = 1.0 / info.sqrt();
            return Ok(Cox {
                coef: beta,
                se,
                hazard_ratio: beta.exp(),
                ci_low: (beta - Z975 * se).exp(),
                ci_high: (beta + Z975 * se).exp(),
                p_value: normal_two_sided(beta / se),
                log_partial_likelihood: ll,
            });
        }
    }
    Err("Cox fit did not converge (churn is perfectly ordered by score)".into())
}
