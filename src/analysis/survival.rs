//! Kaplan–Meier curves per score band and the multi-group log-rank test
//! (as lifelines `KaplanMeierFitter` / `multivariate_logrank_test`).

use super::dist::chi2_sf;
use super::logistic::invert;
use super::{DAY, Z975};
use serde::Serialize;

/// One customer's follow-up from the baseline response, in whole seconds
/// (exact ties stay ties).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Subject {
    pub secs: i64,
    pub event: bool,
    pub score: i32,
}

/// Days at which curves are reported.
pub const REPORT_DAYS: [i64; 4] = [90, 180, 365, 730];

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct KmPoint {
    pub days: i64,
    pub survival: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Band {
    pub label: String,
    pub customers: usize,
    pub events: usize,
    pub median_days: Option<f64>,
    pub at: Vec<KmPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Logrank {
    pub statistic: f64,
    pub df: usize,
    pub p_value: f64,
}

/// Kaplan–Meier estimate just after an event time, with the Greenwood sum.
struct KmStep {
    secs: i64,
    survival: f64,
    greenwood: f64,
}

/// Distinct times ascending with (deaths, leaving) counts.
fn time_table(subjects: &[Subject]) -> Vec<(i64, u64, u64)> {
    let mut sorted: Vec<&Subject> = subjects.iter().collect();
    sorted.sort_by_key(|s| s.secs);
    let mut table: Vec<(i64, u64, u64)> = Vec::new();
    for s in sorted {
        match table.last_mut() {
            Some(last) if last.0 == s.secs => {
                last.1 += s.event as u64;
                last.2 += 1;
            }
            _ => table.push((s.secs, s.event as u64, 1)),
        }
    }
    table
}

fn km_steps(subjects: &[Subject]) -> Vec<KmStep> {
    let mut at_risk = subjects.len() as u64;
    let (mut survival, mut greenwood) = (1.0, 0.0);
    let mut steps = Vec::new();
    for (secs, deaths, leaving) in time_table(subjects) {
        if deaths > 0 {
            let (n, d) = (at_risk as f64, deaths as f64);
            survival *= 1.0 - d / n;
            // lifelines replaces the infinite term (everyone dies) with 0.
            if at_risk > deaths {
                greenwood += d / (n * (n - d));
            }
            steps.push(KmStep { secs, survival, greenwood });
        }
        at_risk -= leaving;
    }
    steps
}

/// log(−log) interval around S with Greenwood variance; [1, 1] before the
/// first event and [0, 0] once S reaches 0.
fn loglog_ci(survival: f64, greenwood: f64) -> (f64, f64) {
    if survival >= 1.0 {
        return (1.0, 1.0);
    }
    if survival <= 0.0 {
        return (0.0, 0.0);
    }
    let v = survival.ln();
    let w = Z975 * greenwood.sqrt() / v;
    let low = (-((-v).ln() - w).exp()).exp();
    let high = (-((-v).ln() + w).exp()).exp();
    (low, high)
}

/// Kaplan–Meier summary of one band.
pub fn band(label: &str, subjects: &[Subject]) -> Band {
    let steps = km_steps(subjects);
    let longest = subjects.iter().map(|s| s.secs).max().unwrap_or(0);
    let at = REPORT_DAYS
        .iter()
        .map(|&days| {
            if days * DAY > longest {
                return KmPoint { days, survival: None, ci_low: None, ci_high: None };
            }
            let (s, g) = steps
                .iter()
                .take_while(|st| st.secs <= days * DAY)
                .last()
                .map_or((1.0, 0.0), |st| (st.survival, st.greenwood));
            let (lo, hi) = loglog_ci(s, g);
            KmPoint { days, survival: Some(s), ci_low: Some(lo), ci_high: Some(hi) }
        })
        .collect();
    let median_days = steps.iter().find(|st| st.survival <= 0.5).map(|st| st.secs as f64 / DAY as f64);
    Band {
        label: label.to_string(),
        customers: subjects.len(),
        events: subjects.iter().filter(|s| s.event).count(),
        median_days,
        at,
    }
}

/// Log-rank test across groups: (O − E)ᵀ V⁻¹ (O − E) on all groups but the
/// last, hypergeometric variance at each event time.
pub fn logrank(groups: &[Vec<Subject>]) -> Result<Logrank, String> {
    let g = groups.len();
    if g < 2 {
        return Err("fewer than two survival bands present".into());
    }
    let mut all: Vec<(i64, bool, usize)> =
        groups.iter().enumerate().flat_map(|(k, subs)| subs.iter().map(move |s| (s.secs, s.event, k))).collect();
    if !all.iter().any(|a| a.1) {
        return Err("no churn events".into());
    }
    all.sort_by_key(|a| a.0);
    let mut at_risk: Vec<f64> = groups.iter().map(|s| s.len() as f64).collect();
    let mut o_minus_e = vec![0.0; g];
    let mut var = vec![vec![0.0; g]; g];
    let mut i = 0;
    while i < all.len() {
        let t = all[i].0;
        let mut deaths = vec![0.0; g];
        let mut leaving = vec![0.0; g];
        while i < all.len() && all[i].0 == t {
            leaving[all[i].2] += 1.0;
            if all[i].1 {
                deaths[all[i].2] += 1.0;
            }
            i += 1;
        }
        let d: f64 = deaths.iter().sum();
        let n: f64 = at_risk.iter().sum();
        if d > 0.0 {
            for a in 0..g {
                o_minus_e[a] += deaths[a] - d * at_risk[a] / n;
                if n > 1.0 {
                    let f = d * (n - d) / (n - 1.0);
                    for b in 0..g {
                        let kron = if a == b { 1.0 } else { 0.0 };
                        var[a][b] += f * at_risk[a] / n * (kron - at_risk[b] / n);
                    }
                }
            }
        }
        at_risk.iter_mut().zip(&leaving).for_each(|(r, l)| *r -= l);
    }
    let k = g - 1;
    let sub: Vec<Vec<f64>> = var[..k].iter().map(|r| r[..k].to_vec()).collect();
    let inv = invert(&sub).ok_or("singular log-rank covariance")?;
    let statistic: f64 = (0..k).map(|a| (0..k).map(|b| o_minus_e[a] * inv[a][b] * o_minus_e[b]).sum::<f64>()).sum();
    Ok(Logrank { statistic, df: k, p_value: chi2_sf(statistic, k as f64) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subj(days: i64, event: bool) -> Subject {
        Subject { secs: days * DAY, event, score: 1 }
    }

    #[test]
    fn km_textbook() {
        // Times 1,2+,3,3,4 → S(1)=0.8, S(3)=0.8·(1−2/3)=0.2667.
        let subs = [subj(1, true), subj(2, false), subj(3, true), subj(3, true), subj(4, false)];
        let steps = km_steps(&subs);
        assert_eq!(steps.len(), 2);
        assert!((steps[0].survival - 0.8).abs() < 1e-12);
        assert!((steps[1].survival - 0.8 / 3.0).abs() < 1e-12);
    }
}
