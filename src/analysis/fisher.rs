//! Fisher's exact test on a 2×2 table.
//!
//! Implemented here rather than taken from statrs: statrs' two-sided test underflows its
//! hypergeometric pmf on large tables. Everything is done with log-probabilities and the
//! two-sided p sums the tables no more probable than the observed one, with a relative
//! tolerance of 1e-7 so tables of numerically equal probability count as "as extreme".

use statrs::function::factorial::ln_binomial;

/// Relative tolerance for "no more probable than the observed table" (as R's fisher.test).
const REL_TOL: f64 = 1e-7;

/// Two-sided p-value of Fisher's exact test for the table [[a, b], [c, d]].
///
/// Conditions on all margins; the statistic is the upper-left cell, hypergeometric with
/// population a+b+c+d, a+b successes and a+c draws. Matches `scipy.stats.fisher_exact`.
/// Returns 1 for tables with an empty margin (no information).
pub fn fisher_exact_two_sided(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let row1 = a + b;
    let col1 = a + c;
    let total = a + b + c + d;
    let lo = col1.saturating_sub(total - row1);
    let hi = row1.min(col1);
    if lo == hi {
        return 1.0;
    }
    let ln_norm = ln_binomial(total, col1);
    let ln_pmf = |k: u64| ln_binomial(row1, k) + ln_binomial(total - row1, col1 - k) - ln_norm;
    let ln_obs = ln_pmf(a);
    let threshold = ln_obs + REL_TOL.ln_1p();
    // Sum relative to the observed probability so that a tiny observed p does not underflow
    // before the final scaling.
    let rel_sum: f64 = (lo..=hi).map(ln_pmf).filter(|&lp| lp <= threshold).map(|lp| (lp - ln_obs).exp()).sum();
    (rel_sum.ln() + ln_obs).exp().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::assert_close;

    #[test]
    fn tea_tasting() {
        // scipy.stats.fisher_exact([[3, 1], [1, 3]]) -> pvalue 0.4857142857142857
        assert_close(fisher_exact_two_sided(3, 1, 1, 3), 0.4857142857142857, 1e-12);
    }

    #[test]
    fn matches_scipy() {
        // scipy 1.17.1 stats.fisher_exact(table).pvalue
        let cases = [
            ([120, 80, 95, 130], 0.0003151616686679846),
            ([3583, 728, 2961, 640], 0.3101723829258407),
            ([500, 10, 400, 90], 9.498849741189538e-20),
            ([0, 50, 40, 10], 1.4945588822428827e-18),
            ([7, 12, 0, 5], 0.272068511198946),
        ];
        for ([a, b, c, d], p) in cases {
            assert_close(fisher_exact_two_sided(a, b, c, d), p, 1e-9);
        }
    }

    #[test]
    fn symmetric_in_rows_and_columns() {
        let p = fisher_exact_two_sided(120, 80, 95, 130);
        assert_close(fisher_exact_two_sided(95, 130, 120, 80), p, 1e-12);
        assert_close(fisher_exact_two_sided(120, 95, 80, 130), p, 1e-12);
    }

    #[test]
    fn degenerate_margins() {
        assert_eq!(fisher_exact_two_sided(0, 0, 5, 7), 1.0);
        assert_eq!(fisher_exact_two_sided(0, 0, 0, 0), 1.0);
        assert_eq!(fisher_exact_two_sided(4, 0, 6, 0), 1.0);
    }
}
