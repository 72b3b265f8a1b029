//! The answer scales: which scores exist, and how the analysis bands and groups them.
use super::TextEnum;
use serde::{Deserialize, Serialize};

/// Answer scale of a survey; fixes the levels, survival bands and NPS groups.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// 1–10, the Dutch school grade.
    Grade10,
    /// 1–7, Customer Effort Score 2.0 (higher = easier).
    Ces7,
    /// 0–10, likelihood to recommend.
    Nps11,
    /// 1–5, satisfaction.
    Csat5,
}

impl TextEnum for Scale {
    const ALL: &'static [Self] = &[Scale::Grade10, Scale::Ces7, Scale::Nps11, Scale::Csat5];
    fn as_str(self) -> &'static str {
        match self {
            Scale::Grade10 => "grade10",
            Scale::Ces7 => "ces7",
            Scale::Nps11 => "nps11",
            Scale::Csat5 => "csat5",
        }
    }
}

impl Scale {
    /// Inclusive (lowest, highest) score of the scale.
    pub fn range(self) -> (i32, i32) {
        match self {
            Scale::Grade10 => (1, 10),
            Scale::Ces7 => (1, 7),
            Scale::Nps11 => (0, 10),
            Scale::Csat5 => (1, 5),
        }
    }

    pub fn contains(self, score: i32) -> bool {
        let (lo, hi) = self.range();
        (lo..=hi).contains(&score)
    }

    pub fn scores(self) -> impl Iterator<Item = i32> {
        let (lo, hi) = self.range();
        lo..=hi
    }

    /// Survival bands as (label, lowest, highest) score, inclusive.
    pub fn bands(self) -> &'static [(&'static str, i32, i32)] {
        match self {
            Scale::Grade10 => &[("1-5", 1, 5), ("6", 6, 6), ("7", 7, 7), ("8", 8, 8), ("9-10", 9, 10)],
            Scale::Ces7 => &[("1-3", 1, 3), ("4", 4, 4), ("5", 5, 5), ("6-7", 6, 7)],
            Scale::Nps11 => &[("0-6", 0, 6), ("7-8", 7, 8), ("9-10", 9, 10)],
            Scale::Csat5 => &[("1-2", 1, 2), ("3", 3, 3), ("4", 4, 4), ("5", 5, 5)],
        }
    }

    /// Whether NPS groups (detractor/passive/promoter) make sense on this scale.
    pub fn has_nps_groups(self) -> bool {
        matches!(self, Scale::Grade10 | Scale::Nps11)
    }

    pub fn as_str(self) -> &'static str {
        TextEnum::as_str(self)
    }
}
