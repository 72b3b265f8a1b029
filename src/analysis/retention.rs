//! Part A of ANALYSIS.md assembled from the building blocks: per-level rates, consecutive
//! steps, and the "good enough" walk.

use super::fisher::fisher_exact_two_sided;
use super::tests2x2::{holm_adjust, minimum_detectable_effect, newcombe_diff_interval, two_proportion_ztest};
use super::wilson::wilson95;
use super::z95;
use serde::Serialize;

/// Customers observed at one score level: `n` with a baseline response, `retained` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub score: i64,
    pub n: u64,
    pub retained: u64,
}

/// Retention rate of one level with its Wilson 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LevelRate {
    pub score: i64,
    pub n: u64,
    pub retained: u64,
    pub rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// The present levels (n > 0) sorted by score; levels without customers are omitted
/// everywhere, so every function below works on this view.
pub fn present_levels(levels: &[Level]) -> Vec<Level> {
    let mut present: Vec<Level> = levels.iter().copied().filter(|l| l.n > 0 && l.retained <= l.n).collect();
    present.sort_by_key(|l| l.score);
    present
}

/// Rate and Wilson interval per present level.
pub fn level_rates(levels: &[Level]) -> Vec<LevelRate> {
    present_levels(levels)
        .into_iter()
        .filter_map(|l| {
            let (ci_low, ci_high) = wilson95(l.retained, l.n)?;
            Some(LevelRate {
                score: l.score,
                n: l.n,
                retained: l.retained,
                rate: l.retained as f64 / l.n as f64,
                ci_low,
                ci_high,
            })
        })
        .collect()
}

/// The comparison of two consecutive present levels `from` < `to`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Step {
    pub from: i64,
    pub to: i64,
    /// p_to − p_from.
    pub diff: f64,
    /// Newcombe 95% interval of `diff`.
    pub ci_low: f64,
    pub ci_high: f64,
    /// Pooled z-test; `None` when both levels retain all or none (zero variance).
    pub z: Option<f64>,
    pub p_value: Option<f64>,
    pub fisher_p: f64,
    /// `fisher_p` Holm-adjusted over all steps.
    pub holm_p: f64,
    /// Minimum detectable difference at 80% power, to read "not significant" against.
    pub mde: f64,
}

/// One step per pair of consecutive present levels.
pub fn steps(levels: &[Level]) -> Vec<Step> {
    let present = present_levels(levels);
    let mut out: Vec<Step> = present
        .windows(2)
        .filter_map(|w| {
            let (a, b) = (w[0], w[1]);
            let (diff, ci_low, ci_high) = newcombe_diff_interval(b.retained, b.n, a.retained, a.n, z95())?;
            let z = two_proportion_ztest(b.retained, b.n, a.retained, a.n);
            Some(Step {
                from: a.score,
                to: b.score,
                diff,
                ci_low,
                ci_high,
                z: z.map(|t| t.z),
                p_value: z.map(|t| t.p_value),
                fisher_p: fisher_exact_two_sided(b.retained, b.n - b.retained, a.retained, a.n - a.retained),
                holm_p: 0.0,
                mde: minimum_detectable_effect(a.retained, a.n, b.retained, b.n)?,
            })
        })
        .collect();
    let adjusted = holm_adjust(&out.iter().map(|s| s.fisher_p).collect::<Vec<_>>());
    out.iter_mut().zip(adjusted).for_each(|(s, h)| s.holm_p = h);
    out
}

/// One check of the good-enough walk: customers above `score` (pooled) against those at it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GoodEnoughCheck {
    pub score: i64,
    /// p_{>score} − p_score.
    pub gain_above: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The Newcombe upper limit is below δ: scoring higher gains less than δ.
    pub passes: bool,
}

/// Result of the walk: the lowest score beyond which retention provably gains less than δ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoodEnough {
    /// `None` when the level just below the top already fails.
    pub score: Option<i64>,
    pub delta: f64,
    pub checks: Vec<GoodEnoughCheck>,
}

/// Walks down from the second-highest present level and stops at the first failing check.
///
/// A non-superiority test with margin δ rather than "no significant difference", so a lack of
/// data reads as "cannot say", never as a plateau.
pub fn good_enough(levels: &[Level], delta: f64) -> GoodEnough {
    let present = present_levels(levels);
    let mut checks = Vec::new();
    let mut score = None;
    let (mut n_above, mut x_above) = (0_u64, 0_u64);
    for i in (0..present.len().saturating_sub(1)).rev() {
        let top = present[i + 1];
        n_above += top.n;
        x_above += top.retained;
        let at = present[i];
        let Some((gain_above, ci_low, ci_high)) = newcombe_diff_interval(x_above, n_above, at.retained, at.n, z95())
        else {
            break;
        };
        let passes = ci_high < delta;
        checks.push(GoodEnoughCheck { score: at.score, gain_above, ci_low, ci_high, passes });
        if !passes {
            break;
        }
        score = Some(at.score);
    }
    GoodEnough { score, delta, checks }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::assert_close;

    fn lv(score: i64, n: u64, retained: u64) -> Level {
        Level { score, n, retained }
    }

    const LEVELS: [(i64, u64, u64); 5] =
        [(6, 400, 250), (7, 900, 650), (8, 1500, 1245), (9, 1200, 1000), (10, 800, 668)];

    fn levels(rows: &[(i64, u64, u64)]) -> Vec<Level> {
        rows.iter().map(|&(s, n, x)| lv(s, n, x)).collect()
    }

    #[test]
    fn steps_match_statsmodels_and_scipy() {
        // Per step a -> b: confint_proportions_2indep(x_b, n_b, x_a, n_a, method="newcomb"),
        // proportions_ztest([x_b, x_a], [n_b, n_a]), scipy fisher_exact([[x_b, n_b-x_b],
        // [x_a, n_a-x_a]]).pvalue, (ppf(.975)+ppf(.8))*sqrt(p(1-p)(1/n_a+1/n_b));
        // holm = multipletests(fisher_p, method="holm")[1] (statsmodels 0.15, scipy 1.17.1)
        let expected = [
            (
                6,
                7,
                0.09722222222222221,
                0.0421806541048032,
                0.15329220453625902,
                3.505397073367767,
                0.0004559267500065199,
                0.0005526919132076012,
                0.07770199351144824,
                0.0016580757396228037,
            ),
            (
                7,
                8,
                0.10777777777777775,
                0.07323591338589179,
                0.14298340557477057,
                6.271211296110001,
                3.582500626370671e-10,
                6.395662080811771e-10,
                0.048148374342064294,
                2.5582648323247084e-09,
            ),
            (
                8,
                9,
                0.0033333333333334103,
                -0.025304264229637274,
                0.03152030374263175,
                0.22992331313911163,
                0.8181513603166037,
                0.8361682800182192,
                0.0406162266288322,
                1.0,
            ),
            (
                9,
                10,
                0.0016666666666665941,
                -0.03219287053864084,
                0.034400708709072324,
                0.09813689182584112,
                0.9218235934596355,
                0.9511259463123696,
                0.04757954536751729,
                1.0,
            ),
        ];
        // Unsorted input with an empty level: both must be handled.
        let mut input = levels(&LEVELS);
        input.reverse();
        input.push(lv(5, 0, 0));
        let got = steps(&input);
        assert_eq!(got.len(), expected.len());
        for (s, e) in got.iter().zip(expected) {
            assert_eq!((s.from, s.to), (e.0, e.1));
            assert_close(s.diff, e.2, 1e-9);
            assert_close(s.ci_low, e.3, 1e-9);
            assert_close(s.ci_high, e.4, 1e-9);
            assert_close(s.z.unwrap(), e.5, 1e-9);
            assert_close(s.p_value.unwrap(), e.6, 1e-8);
            assert_close(s.fisher_p, e.7, 1e-8);
            assert_close(s.mde, e.8, 1e-9);
            assert_close(s.holm_p, e.9, 1e-8);
        }
    }

    #[test]
    fn good_enough_fails_at_the_top_without_enough_data() {
        // confint_proportions_2indep(x_above, n_above, x_s, n_s, method="newcomb") at s = 9:
        // (-0.03219287053864084, 0.034400708709072324): upper limit above δ = 0.02.
        let g = good_enough(&levels(&LEVELS), 0.02);
        assert_eq!(g.score, None);
        assert_eq!(g.checks.len(), 1);
        assert_eq!(g.checks[0].score, 9);
        assert!(!g.checks[0].passes);
        assert_close(g.checks[0].ci_high, 0.034400708709072324, 1e-9);
    }

    #[test]
    fn good_enough_finds_the_plateau() {
        // Same as above with levels (8, 15000, 12450), (9, 12000, 9970), (10, 8000, 6640):
        // s=9 gain -0.0008333333333333526, CI (-0.011508503327285993, 0.009730059967647227);
        // s=8 gain 0.000500000000000056, CI (-0.007426256428246264, 0.008471010175049176);
        // s=7 gain 0.10806349206349208, CI (0.07951524997258584, 0.13847410519001047) fails.
        let rows = [(6, 400, 250), (7, 900, 650), (8, 15000, 12450), (9, 12000, 9970), (10, 8000, 6640)];
        let g = good_enough(&levels(&rows), 0.02);
        assert_eq!(g.score, Some(8));
        let expected = [
            (9, -0.0008333333333333526, -0.011508503327285993, 0.009730059967647227, true),
            (8, 0.000500000000000056, -0.007426256428246264, 0.008471010175049176, true),
            (7, 0.10806349206349208, 0.07951524997258584, 0.13847410519001047, false),
        ];
        assert_eq!(g.checks.len(), expected.len());
        for (c, e) in g.checks.iter().zip(expected) {
            assert_eq!((c.score, c.passes), (e.0, e.4));
            assert_close(c.gain_above, e.1, 1e-9);
            assert_close(c.ci_low, e.2, 1e-9);
            assert_close(c.ci_high, e.3, 1e-9);
        }
    }

    #[test]
    fn edge_cases() {
        assert!(steps(&[lv(8, 10, 7)]).is_empty());
        let g = good_enough(&[lv(8, 10, 7)], 0.02);
        assert_eq!(g.score, None);
        assert!(g.checks.is_empty());
        // All retained: the z-test is undefined, Fisher says p = 1, nothing crashes.
        let s = steps(&[lv(7, 5, 5), lv(8, 3, 3), lv(6, 0, 0)]);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].from, s[0].to, s[0].z, s[0].fisher_p), (7, 8, None, 1.0));
        assert_eq!(level_rates(&[lv(6, 0, 0), lv(7, 4, 1)]).len(), 1);
    }
}
