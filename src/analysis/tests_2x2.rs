//! Two-proportion comparisons: pooled z-test, Fisher's exact test, Holm
//! adjustment and the minimum detectable effect.

use super::dist::normal_two_sided;
use super::{Z80, Z975};
use statrs::function::gamma::ln_gamma;

/// Pooled two-proportion z-test of p1 − p2; `None` when the pooled rate is 0
/// or 1 (no variance, the statistic is undefined).
pub fn z_test(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<(f64, f64)> {
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1 + n2) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return None;
    }
    let z = (p1 - p2) / se;
    Some((z, normal_two_sided(z)))
}

/// Minimum detectable difference at α = 0.05 two-sided and 80% power.
pub fn mde(x1: u64, n1: u64, x2: u64, n2: u64) -> f64 {
    let pooled = (x1 + x2) as f64 / (n1 + n2) as f64;
    (Z975 + Z80) * (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt()
}

fn ln_choose(n: u64, k: u64) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// Two-sided Fisher exact p for [[a, b], [c, d]]: the total probability of
/// tables with the same margins that are no more probable than the observed
/// one (relative tolerance 1e-7). Summed in log space because the
/// hypergeometric pmf underflows for large tables.
pub fn fisher_two_sided(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (row1, col1, n) = (a + b, a + c, a + b + c + d);
    let lo = (row1 + col1).saturating_sub(n);
    let hi = row1.min(col1);
    let denom = ln_choose(n, col1);
    let ln_pmf = |k: u64| ln_choose(row1, k) + ln_choose(n - row1, col1 - k) - denom;
    let cutoff = ln_pmf(a) + (1e-7f64).ln_1p();
    let p: f64 = (lo..=hi).map(ln_pmf).filter(|&l| l <= cutoff).map(f64::exp).sum();
    p.min(1.0)
}

/// Holm step-down adjustment (as statsmodels `multipletests(method="holm")`).
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut adjusted = vec![0.0; m];
    let mut running = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fisher_tea_tasting() {
        let p = fisher_two_sided(3, 1, 1, 3);
        assert!((p - 0.485_714_285_714_285_7).abs() < 1e-12, "{p}");
        // Symmetric in orientation.
        assert!((fisher_two_sided(1, 3, 3, 1) - p).abs() < 1e-12);
    }

    #[test]
    fn fisher_large_table_does_not_underflow() {
        let p = fisher_two_sided(5755, 1266, 2873, 856);
        assert!(p > 0.0 && p < 1e-8, "{p}");
    }

    #[test]
    fn holm_textbook() {
        let adj = holm(&[0.01, 0.04, 0.03]);
        let want = [0.03, 0.06, 0.06];
        for (a, w) in adj.iter().zip(want) {
            assert!((a - w).abs() < 1e-12);
        }
    }

    #[test]
    fn z_test_degenerate_is_none() {
        assert!(z_test(5, 5, 7, 7).is_none());
        let (z, p) = z_test(60, 100, 50, 100).unwrap();
        assert!((z - 1.421_338_109_037_403_3).abs() < 1e-9);
        assert!((p - 0.155_218_489_161_532_55).abs() < 1e-9);
    }
}
