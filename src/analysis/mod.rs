//! Retention analysis of one survey (see ANALYSIS.md): pure functions over
//! plain customer/response records, producing the `acht analyze --json` shape.

pub mod cox;
pub mod dist;
pub mod headline;
pub mod hinge;
pub mod logistic;
pub mod report;
pub mod survival;
pub mod tables;
pub mod tests_2x2;
pub mod trends;
pub mod wilson;

use chrono::{DateTime, Utc};

pub use report::{analyze, AnalysisReport};

pub use crate::types::Scale;

/// One customer; `churned_at` is `None` while active.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRecord {
    pub id: String,
    pub first_seen_at: DateTime<Utc>,
    pub churned_at: Option<DateTime<Utc>>,
    /// Until when the customer cannot leave (a contract), where the company says so.
    pub committed_until: Option<DateTime<Utc>>,
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
