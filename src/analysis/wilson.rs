//! Wilson score interval for one proportion and Newcombe's hybrid interval
//! for a difference of two (both as in statsmodels).

use super::Z975;

/// Wilson 95% interval for `x` successes out of `n` (`n > 0`).
pub fn wilson(x: u64, n: u64) -> (f64, f64) {
    let (x, n) = (x as f64, n as f64);
    let p = x / n;
    let z2 = Z975 * Z975;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = Z975 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ((center - half).max(0.0), (center + half).min(1.0))
}

/// Newcombe 95% interval for p1 − p2 built from the two Wilson intervals.
pub fn newcombe(x1: u64, n1: u64, x2: u64, n2: u64) -> (f64, f64) {
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let (l1, u1) = wilson(x1, n1);
    let (l2, u2) = wilson(x2, n2);
    let diff = p1 - p2;
    let d_low = ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let d_upp = ((p2 - l2).powi(2) + (u1 - p1).powi(2)).sqrt();
    (diff - d_low, diff + d_upp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_extremes() {
        // 0/10: [0, z²/(n+z²)] = [0, 0.277533]; 10/10 mirrors it.
        let (lo, hi) = wilson(0, 10);
        assert!(lo.abs() < 1e-15);
        assert!((hi - 0.277_532_799_862_889_2).abs() < 1e-12);
        let (lo, hi) = wilson(10, 10);
        assert!((lo - 0.722_467_200_137_110_8).abs() < 1e-12);
        assert!((hi - 1.0).abs() < 1e-15);
    }

    #[test]
    fn newcombe_textbook() {
        // Newcombe (1998) example: 56/70 vs 48/80 → 0.0524 to 0.3339.
        let (lo, hi) = newcombe(56, 70, 48, 80);
        assert!((lo - 0.0524).abs() < 5e-5, "{lo}");
        assert!((hi - 0.3339).abs() < 5e-5, "{hi}");
    }
}
