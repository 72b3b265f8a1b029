//! Piecewise-linear ("hinge") logistic fit: where does the retention curve
//! bend? Profile likelihood over integer break points ψ.

use super::dist::normal_two_sided;
use super::logistic::{fit_logit, Group};
use super::tables::LevelCount;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ProfilePoint {
    pub psi: i32,
    pub log_likelihood: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Hinge {
    pub psi: i32,
    pub intercept: f64,
    pub slope_before: f64,
    pub slope_after: f64,
    pub se_slope_before: f64,
    pub se_slope_after: f64,
    pub p_slope_after: f64,
    pub log_likelihood: f64,
    pub profile: Vec<ProfilePoint>,
}

/// Fits logit P = β0 + β1·min(s, ψ) + β2·max(s − ψ, 0) for every integer ψ
/// strictly inside the present range and keeps the most likely ψ (lowest on
/// ties). Break points whose fit fails are left out of the profile.
pub fn hinge(levels: &[LevelCount]) -> Result<Hinge, String> {
    if levels.len() < 3 {
        return Err("fewer than three score levels present".into());
    }
    let (lo, hi) = (levels[0].score, levels[levels.len() - 1].score);
    let mut best: Option<(i32, super::logistic::LogitFit)> = None;
    let mut profile = Vec::new();
    let mut last_err = String::new();
    for psi in lo + 1..hi {
        let groups: Vec<Group> = levels
            .iter()
            .map(|l| {
                let s = l.score as f64;
                let p = psi as f64;
                Group { x: vec![1.0, s.min(p), (s - p).max(0.0)], successes: l.x as f64, trials: l.n as f64 }
            })
            .collect();
        match fit_logit(&groups) {
            Ok(fit) => {
                profile.push(ProfilePoint { psi, log_likelihood: fit.log_likelihood });
                if best.as_ref().is_none_or(|(_, b)| fit.log_likelihood > b.log_likelihood) {
                    best = Some((psi, fit));
                }
            }
            Err(e) => last_err = e,
        }
    }
    let (psi, fit) = best.ok_or(last_err)?;
    let (se1, se2) = (fit.cov[1][1].sqrt(), fit.cov[2][2].sqrt());
    Ok(Hinge {
        psi,
        intercept: fit.beta[0],
        slope_before: fit.beta[1],
        slope_after: fit.beta[2],
        se_slope_before: se1,
        se_slope_after: se2,
        p_slope_after: normal_two_sided(fit.beta[2] / se2),
        log_likelihood: fit.log_likelihood,
        profile,
    })
}
