//! K×2 tables over score levels: Pearson χ² and the Cochran–Armitage trend.

use super::dist::{chi2_sf, normal_two_sided};

/// One present score level: `x` retained of `n` customers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelCount {
    pub score: i32,
    pub n: u64,
    pub x: u64,
}

/// Pearson χ² without continuity correction: (statistic, df, p).
pub fn chi_square(levels: &[LevelCount]) -> Result<(f64, u64, f64), String> {
    if levels.len() < 2 {
        return Err("fewer than two score levels present".into());
    }
    let total: u64 = levels.iter().map(|l| l.n).sum();
    let retained: u64 = levels.iter().map(|l| l.x).sum();
    if retained == 0 || retained == total {
        return Err("all customers have the same outcome".into());
    }
    let pr = retained as f64 / total as f64;
    let stat: f64 = levels
        .iter()
        .map(|l| {
            let (e1, e0) = (l.n as f64 * pr, l.n as f64 * (1.0 - pr));
            let (o1, o0) = (l.x as f64, (l.n - l.x) as f64);
            (o1 - e1).powi(2) / e1 + (o0 - e0).powi(2) / e0
        })
        .sum();
    let df = levels.len() as u64 - 1;
    Ok((stat, df, chi2_sf(stat, df as f64)))
}

/// Cochran–Armitage trend test with the scores as weights (N, not N − 1).
pub fn trend(levels: &[LevelCount]) -> Result<(f64, f64), String> {
    if levels.len() < 2 {
        return Err("fewer than two score levels present".into());
    }
    let total: f64 = levels.iter().map(|l| l.n as f64).sum();
    let pbar = levels.iter().map(|l| l.x as f64).sum::<f64>() / total;
    let t: f64 = levels.iter().map(|l| l.score as f64 * (l.x as f64 - l.n as f64 * pbar)).sum();
    let s2n: f64 = levels.iter().map(|l| (l.score as f64).powi(2) * l.n as f64).sum();
    let sn: f64 = levels.iter().map(|l| l.score as f64 * l.n as f64).sum();
    let var = pbar * (1.0 - pbar) * (s2n - sn * sn / total);
    if var <= 0.0 || !var.is_finite() {
        return Err("all customers have the same outcome".into());
    }
    let z = t / var.sqrt();
    Ok((z, normal_two_sided(z)))
}
