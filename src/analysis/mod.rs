//! Retention analysis of one survey (see ANALYSIS.md): pure functions over
//! plain customer/response records, producing the `acht analyze --json` shape.

pub mod cox;
pub mod dist;
pub mod hinge;
pub mod logistic;
pub mod report;
pub mod survival;
pub mod tables;
pub mod tests_2x2;
pub mod wilson;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use report::{analyze, AnalysisReport};

/// Answer scale of a survey; fixes the levels, survival bands and NPS groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    Grade10,
    Ces7,
    Nps11,
    Csat5,
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
        match self {
            Scale::Grade10 => "grade10",
            Scale::Ces7 => "ces7",
            Scale::Nps11 => "nps11",
            Scale::Csat5 => "csat5",
        }
    }
}

/// One customer; `churned_at` is `None` while active.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRecord {
    pub id: String,
    pub first_seen_at: DateTime<Utc>,
    pub churned_at: Option<DateTime<Utc>>,
}

/// One response of the analysed survey, in storage order (ties go to the
/// first stored).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseRecord {
    pub customer_id: String,
    pub score: i32,
    pub answered_at: DateTime<Utc>,
}

/// Everything the analysis needs; responses must all belong to `survey`.
#[derive(Debug, Clone)]
pub struct AnalysisInput {
    pub survey: String,
    pub scale: Scale,
    pub customers: Vec<CustomerRecord>,
    pub responses: Vec<ResponseRecord>,
    pub as_of: DateTime<Utc>,
    pub horizon_days: i64,
    pub delta: f64,
}

/// Φ⁻¹(0.975): the 95% two-sided normal critical value.
pub const Z975: f64 = 1.959_963_984_540_054;
/// Φ⁻¹(0.8): 80% power.
pub const Z80: f64 = 0.841_621_233_572_914_3;
/// Seconds in a day.
pub const DAY: i64 = 86_400;
