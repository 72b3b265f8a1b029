//! Statistical building blocks of the retention analysis (see ANALYSIS.md).
//!
//! Pure functions over plain numbers: no database, no web types, so every result can be checked
//! against scipy/statsmodels golden values in unit tests. Functions return `None` where the
//! statistic is undefined (empty groups, zero variance, no convergence) so callers can report a
//! `<part>_note` instead of emitting NaN.
//!
//! Entry point: [`report::analyze`] turns customers and responses (plain structs, Unix seconds)
//! into the serializable [`report::Analysis`] document; golden tests compare it with the
//! expected JSON of the demo world in `../shared/data`.
pub mod cohort;
pub mod fisher;
#[cfg(test)]
mod golden;
pub mod linalg;
pub mod logistic;
pub mod report;
pub mod retention;
pub mod scales;
pub mod survival;
pub mod tests2x2;
pub mod wilson;

use statrs::distribution::{ContinuousCDF, Normal};

/// Φ⁻¹(p) of the standard normal.
pub fn norm_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// Two-sided p-value of a standard-normal statistic, via the survival function so tiny
/// p-values keep their precision.
pub fn two_sided_normal_p(z: f64) -> f64 {
    (2.0 * Normal::standard().sf(z.abs())).min(1.0)
}

/// The z of a two-sided 95% interval, Φ⁻¹(0.975) ≈ 1.959964.
pub fn z95() -> f64 {
    norm_quantile(0.975)
}

#[cfg(test)]
pub(crate) fn assert_close(actual: f64, expected: f64, rel: f64) {
    let tol = rel * expected.abs().max(1e-300);
    assert!(
        (actual - expected).abs() <= tol || (actual - expected).abs() < 1e-15,
        "actual {actual:e} vs expected {expected:e} (rel tol {rel:e})"
    );
}
