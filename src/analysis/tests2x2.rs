//! Comparisons of proportions: the per-step tests and the across-level tests of Part A.

use super::wilson::wilson_interval;
use super::{norm_quantile, two_sided_normal_p};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// A z statistic with its two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ZTest {
    pub z: f64,
    pub p_value: f64,
}

/// A chi-square statistic with its degrees of freedom and p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChiSquareTest {
    pub statistic: f64,
    pub df: u64,
    pub p_value: f64,
}

/// Pooled two-proportion z-test of p1 = x1/n1 against p2 = x2/n2, two-sided; z > 0 when p1 > p2.
///
/// Matches `statsmodels.stats.proportion.proportions_ztest([x1, x2], [n1, n2])`. `None` when a
/// group is empty or the pooled rate is 0 or 1 (zero variance: the test says nothing).
pub fn two_proportion_ztest(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<ZTest> {
    if n1 == 0 || n2 == 0 || x1 > n1 || x2 > n2 {
        return None;
    }
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1f + n2f);
    let var = pooled * (1.0 - pooled) * (1.0 / n1f + 1.0 / n2f);
    if var <= 0.0 {
        return None;
    }
    let z = (x1 as f64 / n1f - x2 as f64 / n2f) / var.sqrt();
    Some(ZTest { z, p_value: two_sided_normal_p(z) })
}

/// Newcombe's hybrid score interval for p1 − p2 (his method 10), built from the two Wilson
/// intervals; unlike the Wald interval it behaves at rates of 0 or 1 and small n.
///
/// Matches `statsmodels.stats.proportion.confint_proportions_2indep(x1, n1, x2, n2,
/// method="newcomb")`. Returns `(diff, low, high)`; `None` when a group is empty.
pub fn newcombe_diff_interval(x1: u64, n1: u64, x2: u64, n2: u64, z: f64) -> Option<(f64, f64, f64)> {
    let (l1, u1) = wilson_interval(x1, n1, z)?;
    let (l2, u2) = wilson_interval(x2, n2, z)?;
    let p1 = x1 as f64 / n1 as f64;
    let p2 = x2 as f64 / n2 as f64;
    let diff = p1 - p2;
    let d_low = ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let d_high = ((p2 - l2).powi(2) + (u1 - p1).powi(2)).sqrt();
    Some((diff, diff - d_low, diff + d_high))
}

/// Holm step-down adjustment of a family of p-values, returned in the input order.
///
/// Controls the family-wise error rate over all steps without assuming independence; matches
/// `statsmodels.stats.multitest.multipletests(p, method="holm")[1]`.
pub fn holm_adjust(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut adjusted = vec![0.0; m];
    let mut running = 0.0_f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max((m - rank) as f64 * p[i]);
        adjusted[i] = running.min(1.0);
    }
    adjusted
}

/// Pearson chi-square test of independence on the K×2 table of (retained, not retained) counts,
/// no continuity correction; `groups` are `(n, retained)` pairs.
///
/// Matches `scipy.stats.chi2_contingency(table, correction=False)`. `None` with fewer than two
/// non-empty groups or when every customer (or none) was retained: expected counts of zero.
pub fn chi_square_2xk(groups: &[(u64, u64)]) -> Option<ChiSquareTest> {
    let groups: Vec<(u64, u64)> = groups.iter().copied().filter(|&(n, _)| n > 0).collect();
    if groups.len() < 2 || groups.iter().any(|&(n, x)| x > n) {
        return None;
    }
    let total: u64 = groups.iter().map(|g| g.0).sum();
    let retained: u64 = groups.iter().map(|g| g.1).sum();
    if retained == 0 || retained == total {
        return None;
    }
    let p = retained as f64 / total as f64;
    let statistic: f64 = groups
        .iter()
        .map(|&(n, x)| {
            let (e1, e0) = (n as f64 * p, n as f64 * (1.0 - p));
            let (o1, o0) = (x as f64, (n - x) as f64);
            (o1 - e1).powi(2) / e1 + (o0 - e0).powi(2) / e0
        })
        .sum();
    let df = groups.len() as u64 - 1;
    let p_value = ChiSquared::new(df as f64).ok()?.sf(statistic);
    Some(ChiSquareTest { statistic, df, p_value })
}

/// Cochran–Armitage test for a linear trend in retention over the score values, two-sided;
/// `groups` are `(score, n, retained)`.
///
/// Uses the N (not N−1) variance of ANALYSIS.md; statsmodels' `test_ordinal_association` uses
/// N−1, so z here = z_sm·√(N/(N−1)). `None` without variance (one level, or all/none retained).
pub fn cochran_armitage(groups: &[(f64, u64, u64)]) -> Option<ZTest> {
    let n_total: u64 = groups.iter().map(|g| g.1).sum();
    let x_total: u64 = groups.iter().map(|g| g.2).sum();
    if n_total == 0 || groups.iter().any(|&(_, n, x)| x > n) {
        return None;
    }
    let big_n = n_total as f64;
    let p_bar = x_total as f64 / big_n;
    let t: f64 = groups.iter().map(|&(s, n, x)| s * (x as f64 - n as f64 * p_bar)).sum();
    let sum_s2n: f64 = groups.iter().map(|&(s, n, _)| s * s * n as f64).sum();
    let sum_sn: f64 = groups.iter().map(|&(s, n, _)| s * n as f64).sum();
    let var = p_bar * (1.0 - p_bar) * (sum_s2n - sum_sn * sum_sn / big_n);
    // Relative guard: the bracket cancels to rounding noise when only one level is present.
    if var.is_nan() || var <= 1e-12 * p_bar * (1.0 - p_bar) * sum_s2n {
        return None;
    }
    let z = t / var.sqrt();
    Some(ZTest { z, p_value: two_sided_normal_p(z) })
}

/// Minimum detectable difference between two levels at α = 0.05 two-sided and 80% power:
/// (Φ⁻¹(0.975) + Φ⁻¹(0.8))·√(p̄(1−p̄)(1/n_a + 1/n_b)) with p̄ pooled over both levels.
///
/// Shown next to every step so "not significant" is never read as "no difference".
pub fn minimum_detectable_effect(x_a: u64, n_a: u64, x_b: u64, n_b: u64) -> Option<f64> {
    if n_a == 0 || n_b == 0 {
        return None;
    }
    let pooled = (x_a + x_b) as f64 / (n_a + n_b) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n_a as f64 + 1.0 / n_b as f64)).sqrt();
    Some((norm_quantile(0.975) + norm_quantile(0.8)) * se)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{assert_close, z95};

    #[test]
    fn ztest_matches_statsmodels() {
        // statsmodels 0.15 proportions_ztest([3583, 1500], [4311, 1900])
        //   -> (3.92382265675929, 8.715490337778756e-05)
        let t = two_proportion_ztest(3583, 4311, 1500, 1900).unwrap();
        assert_close(t.z, 3.92382265675929, 1e-12);
        assert_close(t.p_value, 8.715490337778756e-05, 1e-9);
        // proportions_ztest([15, 9], [20, 21]) -> (2.0881946084331022, 0.036780283472176066)
        let t = two_proportion_ztest(15, 20, 9, 21).unwrap();
        assert_close(t.z, 2.0881946084331022, 1e-12);
        assert_close(t.p_value, 0.036780283472176066, 1e-9);
    }

    #[test]
    fn newcombe_matches_statsmodels() {
        // statsmodels 0.15 confint_proportions_2indep(x1, n1, x2, n2, method="newcomb")
        let cases = [
            ((3583, 4311, 1500, 1900), (0.020528762867894776, 0.06347294719548098)),
            ((15, 20, 9, 21), (0.02101079122043359, 0.5514090185489512)),
            ((10, 10, 0, 5), (0.48444256653230444, 1.0)),
            ((0, 12, 3, 9), (-0.6457978644196039, -0.010741176928919072)),
        ];
        for ((x1, n1, x2, n2), (lo, hi)) in cases {
            let (diff, l, h) = newcombe_diff_interval(x1, n1, x2, n2, z95()).unwrap();
            assert_close(diff, x1 as f64 / n1 as f64 - x2 as f64 / n2 as f64, 1e-15);
            assert_close(l, lo, 1e-10);
            assert_close(h, hi, 1e-10);
        }
    }

    #[test]
    fn holm_matches_statsmodels() {
        // multipletests([0.01, 0.04, 0.03, 0.005, 0.5], method="holm")[1]
        //   -> [0.04, 0.09, 0.09, 0.025, 0.5]
        let adj = holm_adjust(&[0.01, 0.04, 0.03, 0.005, 0.5]);
        for (a, e) in adj.iter().zip([0.04, 0.09, 0.09, 0.025, 0.5]) {
            assert_close(*a, e, 1e-12);
        }
        assert_eq!(holm_adjust(&[0.6, 0.9]), vec![1.0, 1.0]);
    }

    #[test]
    fn chi_square_matches_scipy() {
        // scipy 1.17.1 chi2_contingency([[30,20],[45,15],[80,20],[60,10]], correction=False)
        //   -> statistic 11.720930232558139, p 0.008402917754026061, dof 3
        let t = chi_square_2xk(&[(50, 30), (60, 45), (100, 80), (70, 60)]).unwrap();
        assert_close(t.statistic, 11.720930232558139, 1e-12);
        assert_eq!(t.df, 3);
        assert_close(t.p_value, 0.008402917754026061, 1e-9);
    }

    #[test]
    fn cochran_armitage_matches_statsmodels_rescaled() {
        // statsmodels Table(tab).test_ordinal_association(row_scores=[6,7,8,9], col_scores=[1,0])
        //   .zscore = 3.2848548122334416; ×√(N/(N−1)), N = 280 -> 3.2907363833035115,
        //   two-sided p 0.0009992550746322866
        let t = cochran_armitage(&[(6.0, 50, 30), (7.0, 60, 45), (8.0, 100, 80), (9.0, 70, 60)]).unwrap();
        assert_close(t.z, 3.2907363833035115, 1e-12);
        assert_close(t.p_value, 0.0009992550746322866, 1e-9);
    }

    #[test]
    fn mde_reference() {
        // (norm.ppf(0.975) + norm.ppf(0.8)) * sqrt(p(1-p)(1/60 + 1/100)), p = 125/160
        //   -> 0.18912861815711016
        assert_close(minimum_detectable_effect(45, 60, 80, 100).unwrap(), 0.18912861815711016, 1e-12);
    }

    #[test]
    fn undefined_cases_are_none() {
        assert_eq!(two_proportion_ztest(5, 5, 7, 7), None);
        assert_eq!(two_proportion_ztest(0, 0, 7, 7), None);
        assert_eq!(newcombe_diff_interval(1, 0, 1, 2, z95()), None);
        assert_eq!(chi_square_2xk(&[(10, 10), (5, 5)]), None);
        assert_eq!(chi_square_2xk(&[(10, 3)]), None);
        assert_eq!(cochran_armitage(&[(8.0, 10, 3)]), None);
        assert_eq!(cochran_armitage(&[(7.0, 10, 10), (8.0, 4, 4)]), None);
        assert!(holm_adjust(&[]).is_empty());
    }
}
