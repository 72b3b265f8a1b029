//! Wilson score interval for a binomial proportion.
//!
//! Chosen over the Wald interval because it stays inside [0, 1] and keeps its coverage at
//! rates near 0 or 1, which is where retention rates of small score levels live.

/// Wilson score interval for `x` successes out of `n` with normal quantile `z`.
///
/// Matches `statsmodels.stats.proportion.proportion_confint(x, n, method="wilson")`; the
/// bounds are clamped to [0, 1] only to remove floating-point dust at x = 0 or x = n.
/// `None` when `n` is 0 or `x > n`.
pub fn wilson_interval(x: u64, n: u64, z: f64) -> Option<(f64, f64)> {
    if n == 0 || x > n {
        return None;
    }
    let n_f = n as f64;
    let p = x as f64 / n_f;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let center = (p + z2 / (2.0 * n_f)) / denom;
    let half = z / denom * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt();
    Some(((center - half).max(0.0), (center + half).min(1.0)))
}

/// Wilson 95% interval (z = Φ⁻¹(0.975)), the one ANALYSIS.md reports for every rate.
pub fn wilson95(x: u64, n: u64) -> Option<(f64, f64)> {
    wilson_interval(x, n, super::z95())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::assert_close;

    #[test]
    fn textbook_values() {
        // statsmodels 0.15 proportion_confint(x, n, method="wilson"):
        // (0, 10) -> (0.0, 0.27753279986288926); (10, 10) -> (0.7224672001371106, 1.0);
        // (5, 10) -> (0.23659309051256394, 0.7634069094874361);
        // (3583, 4311) -> (0.8196526550915261, 0.8420170788366149)
        let cases = [
            (0, 10, 0.0, 0.27753279986288926),
            (10, 10, 0.7224672001371106, 1.0),
            (5, 10, 0.23659309051256394, 0.7634069094874361),
            (3583, 4311, 0.8196526550915261, 0.8420170788366149),
        ];
        for (x, n, lo, hi) in cases {
            let (l, h) = wilson95(x, n).unwrap();
            assert_close(l, lo, 1e-12);
            assert_close(h, hi, 1e-12);
        }
    }

    #[test]
    fn empty_or_invalid() {
        assert_eq!(wilson95(0, 0), None);
        assert_eq!(wilson95(3, 2), None);
    }
}
