//! The score scales of ANALYSIS.md and the groupings defined on them (survival bands, NPS
//! groups), kept here so the CLI and the API cannot disagree about a band's edges.

use super::retention::Level;
use super::wilson::wilson95;
use serde::Serialize;

/// A survey's answer scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Dutch school grade 1–10.
    Grade10,
    /// CES 2.0, 1–7, higher = easier.
    Ces7,
    /// NPS 0–10.
    Nps11,
    /// CSAT 1–5.
    Csat5,
}

/// A contiguous range of scores analysed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    pub label: &'static str,
    pub low: i64,
    pub high: i64,
}

const fn band(label: &'static str, low: i64, high: i64) -> Band {
    Band { label, low, high }
}

impl Scale {
    /// The name used in the JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scale::Grade10 => "grade10",
            Scale::Ces7 => "ces7",
            Scale::Nps11 => "nps11",
            Scale::Csat5 => "csat5",
        }
    }

    /// Inverse of [`Scale::name`].
    pub fn from_name(name: &str) -> Option<Scale> {
        [Scale::Grade10, Scale::Ces7, Scale::Nps11, Scale::Csat5].into_iter().find(|s| s.name() == name)
    }

    /// Lowest and highest valid score.
    pub fn range(self) -> (i64, i64) {
        match self {
            Scale::Grade10 => (1, 10),
            Scale::Ces7 => (1, 7),
            Scale::Nps11 => (0, 10),
            Scale::Csat5 => (1, 5),
        }
    }

    /// Survival bands: sparse extremes are merged so every curve has enough customers.
    pub fn survival_bands(self) -> &'static [Band] {
        const GRADE10: [Band; 5] =
            [band("1-5", 1, 5), band("6", 6, 6), band("7", 7, 7), band("8", 8, 8), band("9-10", 9, 10)];
        const CES7: [Band; 4] = [band("1-3", 1, 3), band("4", 4, 4), band("5", 5, 5), band("6-7", 6, 7)];
        const NPS11: [Band; 3] = [band("0-6", 0, 6), band("7-8", 7, 8), band("9-10", 9, 10)];
        const CSAT5: [Band; 4] = [band("1-2", 1, 2), band("3", 3, 3), band("4", 4, 4), band("5", 5, 5)];
        match self {
            Scale::Grade10 => &GRADE10,
            Scale::Ces7 => &CES7,
            Scale::Nps11 => &NPS11,
            Scale::Csat5 => &CSAT5,
        }
    }

    /// Index into `survival_bands` of a score; `None` for a score outside the scale.
    pub fn band_of(self, score: i64) -> Option<usize> {
        self.survival_bands().iter().position(|b| (b.low..=b.high).contains(&score))
    }

    /// NPS groups (detractor ≤ 6, passive 7–8, promoter 9–10); only for scales NPS is asked on.
    pub fn nps_groups(self) -> Option<[Band; 3]> {
        match self {
            Scale::Grade10 | Scale::Nps11 => {
                Some([band("detractor", self.range().0, 6), band("passive", 7, 8), band("promoter", 9, 10)])
            }
            Scale::Ces7 | Scale::Csat5 => None,
        }
    }
}

/// Retention of one NPS group with its Wilson 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GroupRate {
    pub group: &'static str,
    pub n: u64,
    pub retained: u64,
    pub rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Retention per NPS group, to show where NPS calls an 8 "passive" while retention says
/// otherwise. Empty groups are omitted; `None` for scales without NPS groups.
pub fn nps_group_rates(scale: Scale, levels: &[Level]) -> Option<Vec<GroupRate>> {
    let groups = scale.nps_groups()?;
    Some(
        groups
            .iter()
            .filter_map(|g| {
                let members = levels.iter().filter(|l| (g.low..=g.high).contains(&l.score));
                let (n, retained) = members.fold((0, 0), |(n, x), l| (n + l.n, x + l.retained));
                let (ci_low, ci_high) = wilson95(retained, n)?;
                Some(GroupRate { group: g.label, n, retained, rate: retained as f64 / n as f64, ci_low, ci_high })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::assert_close;

    #[test]
    fn bands_cover_each_scale_exactly_once() {
        for scale in [Scale::Grade10, Scale::Ces7, Scale::Nps11, Scale::Csat5] {
            let (lo, hi) = scale.range();
            let bands = scale.survival_bands();
            assert_eq!(bands.first().unwrap().low, lo);
            assert_eq!(bands.last().unwrap().high, hi);
            for w in bands.windows(2) {
                assert_eq!(w[0].high + 1, w[1].low);
            }
            assert_eq!(scale.band_of(lo - 1), None);
            assert_eq!(scale.band_of(hi + 1), None);
        }
        assert_eq!(Scale::Grade10.band_of(8), Some(3));
        assert_eq!(Scale::Grade10.band_of(3), Some(0));
    }

    #[test]
    fn nps_groups_pool_levels() {
        let lv = |score, n, retained| Level { score, n, retained };
        let levels = [lv(3, 10, 4), lv(6, 10, 5), lv(7, 20, 15), lv(8, 30, 26)];
        let g = nps_group_rates(Scale::Grade10, &levels).unwrap();
        // Promoters are empty and omitted.
        assert_eq!(g.len(), 2);
        assert_eq!((g[0].group, g[0].n, g[0].retained), ("detractor", 20, 9));
        assert_eq!((g[1].group, g[1].n, g[1].retained), ("passive", 50, 41));
        // statsmodels proportion_confint(41, 50, method="wilson")
        //   -> (0.692039463256992, 0.902298073297658)
        assert_close(g[1].ci_low, 0.692039463256992, 1e-10);
        assert_close(g[1].ci_high, 0.902298073297658, 1e-10);
        assert_eq!(nps_group_rates(Scale::Ces7, &levels), None);
    }
}
