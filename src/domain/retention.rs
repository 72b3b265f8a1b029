//! Loads what the retention analysis needs for one survey: one query per table, on either
//! backend, into plain rows (the `analysis` module works on plain data only).
use super::{db, DomainError};
use crate::db::schema::{customers, responses};
use crate::db::DbConn;
use crate::i18n::{arg, Locale};
use crate::types::Scale;
use diesel::prelude::*;

/// A customer as the analysis sees one (times in UTC milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerRow {
    pub id: i64,
    pub first_seen_at: i64,
    pub churned_at: Option<i64>,
}

/// A counted answer; `id` orders answers stored at the same instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResponseRow {
    pub id: i64,
    pub customer_id: i64,
    pub score: i32,
    pub answered_at: i64,
}

#[derive(Debug, Clone)]
pub struct SurveyData {
    pub slug: String,
    pub scale: Scale,
    pub customers: Vec<CustomerRow>,
    pub responses: Vec<ResponseRow>,
}

/// Customers who answered the survey and their answers that counted by `as_of` (see
/// [`super::evidence`]), in (customer, time, id) order.
pub fn load(conn: &mut DbConn, slug: &str, as_of: i64) -> Result<SurveyData, DomainError> {
    let survey = super::surveys::get(conn, slug)?;
    let answered = responses::table.filter(responses::survey_id.eq(survey.id)).select(responses::customer_id);
    let customers: Vec<(i64, i64, Option<i64>)> = customers::table
        .filter(customers::id.eq_any(answered))
        .select((customers::id, customers::first_seen_at, customers::churned_at))
        .order(customers::id)
        .load(conn)
        .map_err(db)?;
    let responses: Vec<(i64, i64, i32, i64)> = responses::table
        .filter(responses::survey_id.eq(survey.id))
        .filter(responses::counts_from.le(as_of))
        .select((responses::id, responses::customer_id, responses::score, responses::answered_at))
        .order((responses::customer_id, responses::answered_at, responses::id))
        .load(conn)
        .map_err(db)?;
    Ok(SurveyData {
        slug: survey.slug.clone(),
        scale: survey.scale,
        customers: customers
            .into_iter()
            .map(|(id, first_seen_at, churned_at)| CustomerRow { id, first_seen_at, churned_at })
            .collect(),
        responses: responses
            .into_iter()
            .map(|(id, customer_id, score, answered_at)| ResponseRow { id, customer_id, score, answered_at })
            .collect(),
    })
}

/// Options of one analysis run.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisOptions {
    pub as_of: chrono::DateTime<chrono::Utc>,
    pub horizon_days: i64,
    pub delta: f64,
}

impl AnalysisOptions {
    pub fn validate(&self) -> Result<(), DomainError> {
        if !(1..=3650).contains(&self.horizon_days) {
            return Err(DomainError::invalid("invalid_horizon", "horizon_days must be between 1 and 3650"));
        }
        if !(self.delta > 0.0 && self.delta < 1.0) {
            return Err(DomainError::invalid(
                "invalid_delta",
                "delta must be between 0 and 1 (e.g. 0.02 for 2 points)",
            ));
        }
        Ok(())
    }
}

/// Loads the survey's data and runs the retention analysis of ANALYSIS.md on it.
pub fn analyze(
    conn: &mut DbConn,
    slug: &str,
    options: AnalysisOptions,
) -> Result<crate::analysis::AnalysisReport, DomainError> {
    options.validate()?;
    let data = load(conn, slug, options.as_of.timestamp_millis())?;
    Ok(crate::analysis::analyze(&to_input(&data, options)))
}

fn to_input(data: &SurveyData, o: AnalysisOptions) -> crate::analysis::AnalysisInput {
    use crate::analysis::{AnalysisInput, CustomerRecord, ResponseRecord};
    let time = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
    AnalysisInput {
        survey: data.slug.clone(),
        scale: data.scale,
        customers: data
            .customers
            .iter()
            .map(|c| CustomerRecord {
                id: c.id.to_string(),
                first_seen_at: time(c.first_seen_at),
                churned_at: c.churned_at.map(time),
            })
            .collect(),
        // Both baselines of ANALYSIS.md are a customer's earliest answer (ties: first stored) when
        // it qualifies, and no later answer can qualify when it does not (later answers are
        // further past churn and the horizon). Rows come in (customer, time, id) order, so
        // passing only each customer's first answer gives the same result with less work.
        responses: data
            .responses
            .iter()
            .enumerate()
            .filter(|(i, r)| *i == 0 || data.responses[i - 1].customer_id != r.customer_id)
            .map(|(_, r)| ResponseRecord {
                customer_id: r.customer_id.to_string(),
                score: r.score,
                answered_at: time(r.answered_at),
            })
            .collect(),
        as_of: o.as_of,
        horizon_days: o.horizon_days,
        delta: o.delta,
    }
}

/// The finding in one sentence in `locale`, e.g. "Customers who give an 8 stay as often as
/// those who give more: …" (words from the message catalogue).
pub fn headline(report: &crate::analysis::AnalysisReport, locale: &Locale) -> String {
    let pct = |p: f64| arg(format!("{:.1}%", p * 100.0));
    let points = |d: f64| arg(format!("{:+.1}", d * 100.0));
    let margin = arg(format!("{}", report_margin(report)));
    let Some(ge) = &report.good_enough else {
        let reason = report.good_enough_note.clone().unwrap_or_else(|| locale.t("analysis-too-little-data"));
        return locale.t_args("analysis-not-computed", &[("reason", arg(reason))]);
    };
    let Some(score) = ge.score else {
        return locale.t_args("analysis-no-score", &[("margin", margin)]);
    };
    // English needs "an 8", "an 11", "an 18"; the article is ignored by languages without one.
    let article = arg(if matches!(score, 8 | 11 | 18) { "an" } else { "a" });
    let check = ge.checks.iter().find(|c| c.score == score);
    let at = report.levels.iter().find(|l| l.score == score);
    match (check, at) {
        (Some(c), Some(l)) => locale.t_args(
            "analysis-good-enough",
            &[
                ("article", article),
                ("score", arg(score.to_string())),
                ("rate", pct(l.retention.rate)),
                ("rate_above", pct(l.retention.rate + c.gain_above)),
                ("gain", points(c.gain_above)),
                ("ci_low", points(c.ci_low)),
                ("ci_high", points(c.ci_high)),
                ("margin", margin),
            ],
        ),
        _ => locale.t_args("analysis-good-enough-short", &[("score", arg(score.to_string()))]),
    }
}

fn report_margin(report: &crate::analysis::AnalysisReport) -> f64 {
    report.good_enough.as_ref().map_or(report.delta, |g| g.delta) * 100.0
}

/// A retention analysis as stored for the page: the report, when it was computed, and the data
/// version it saw (see [`refresh_if_stale`]).
#[derive(Debug, Clone)]
pub struct StoredAnalysis {
    pub report: crate::analysis::AnalysisReport,
    pub computed_at: i64,
    pub took_ms: i64,
    pub data_version: i64,
}

/// The data version an analysis of this survey depends on: its counted answers and churn.
pub fn data_version(conn: &mut DbConn, survey_id: i64) -> Result<i64, DomainError> {
    use super::rollups::{answers_version, versions_sum, CHURN_VERSION};
    versions_sum(conn, &[answers_version(survey_id), CHURN_VERSION.to_string()])
}

pub fn stored(conn: &mut DbConn, survey_id: i64) -> Result<Option<StoredAnalysis>, DomainError> {
    use crate::db::schema::analysis_results as a;
    let row: Option<(i64, i64, i64, String)> = a::table
        .find(survey_id)
        .select((a::data_version, a::computed_at, a::took_ms, a::report))
        .first(conn)
        .optional()
        .map_err(db)?;
    let Some((data_version, computed_at, took_ms, json)) = row else { return Ok(None) };
    match serde_json::from_str(&json) {
        Ok(report) => Ok(Some(StoredAnalysis { report, computed_at, took_ms, data_version })),
        Err(e) => {
            // Written by another version of acht: computed again by the next refresh.
            tracing::warn!(error = %e, survey_id, "stored analysis unreadable; it will be computed again");
            Ok(None)
        }
    }
}

pub fn store(conn: &mut DbConn, survey_id: i64, a: &StoredAnalysis) -> Result<(), DomainError> {
    use crate::db::schema::analysis_results as t;
    let json = serde_json::to_string(&a.report).map_err(|e| DomainError::invalid("report", e.to_string()))?;
    let values = (
        t::survey_id.eq(survey_id),
        t::data_version.eq(a.data_version),
        t::computed_at.eq(a.computed_at),
        t::took_ms.eq(a.took_ms),
        t::report.eq(&json),
    );
    crate::db::on_backend!(conn, c => diesel::insert_into(t::table)
        .values(values)
        .on_conflict(t::survey_id)
        .do_update()
        .set((t::data_version.eq(a.data_version), t::computed_at.eq(a.computed_at), t::took_ms.eq(a.took_ms), t::report.eq(&json)))
        .execute(c))
    .map_err(db)?;
    Ok(())
}

/// The options the stored analyses use: ANALYSIS.md's defaults, as of the moment of computing.
pub fn page_options(now: i64) -> AnalysisOptions {
    AnalysisOptions {
        as_of: chrono::DateTime::from_timestamp_millis(now).unwrap_or_default(),
        horizon_days: 365,
        delta: 0.02,
    }
}

/// The good-enough score of a survey: the stored analysis's finding (true), else the scale's
/// usual one (false).
pub fn good_enough(conn: &mut DbConn, survey: &crate::db::models::Survey) -> Result<(i32, bool), DomainError> {
    let found = stored(conn, survey.id)?.and_then(|a| a.report.good_enough.and_then(|g| g.score));
    Ok(match found {
        Some(s) => (s, true),
        None => (super::figures::default_good_enough(survey.scale), false),
    })
}
