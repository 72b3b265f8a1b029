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
    pub committed_until: Option<i64>,
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
    let customers: Vec<(i64, i64, Option<i64>, Option<i64>)> = customers::table
        .filter(customers::id.eq_any(answered))
        .select((customers::id, customers::first_seen_at, customers::churned_at, customers::committed_until))
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
            .map(|(id, first_seen_at, churned_at, committed_until)| CustomerRow {
                id,
                first_seen_at,
                churned_at,
                committed_until,
            })
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
                committed_until: c.committed_until.map(time),
            })
            .collect(),
        // Every answer: Part A/B take each customer's earliest, the headline all of them. Rows
        // come in (customer, time, id) order, so ties keep the order they were stored in.
        responses: data
            .responses
            .iter()
            .map(|r| ResponseRecord {
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

/// The headline (docs/headline.md) in one sentence in `locale`: the verdict with its bound in
/// retention points, e.g. "An 8 is good enough: customers who give 9 or 10 stay at most 1.8
/// points more often than those who give an 8 (95%), …".
pub fn headline(report: &crate::analysis::AnalysisReport, locale: &Locale) -> String {
    use crate::analysis::headline::Verdict;
    let h = &report.headline;
    let pts = |x: f64| arg(locale.decimal(x * 100.0, 1, true));
    let plain = |x: f64| arg(locale.decimal(x * 100.0, 1, false));
    let scores_above = |k: i32| -> String {
        let above: Vec<String> = h.levels.iter().filter(|l| l.score > k).map(|l| l.score.to_string()).collect();
        match above.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} {} {last}", rest.join(", "), locale.t("headline-or")),
            Some((last, _)) => last.clone(),
            None => String::new(),
        }
    };
    let article = |k: i32| if matches!(k, 8 | 11 | 18) { "an" } else { "a" };
    match (h.verdict, h.score, &h.above, &h.below) {
        (Verdict::Threshold, Some(k), Some(above), Some(below)) => {
            let prev = h.levels.iter().filter(|l| l.score < k).map(|l| l.score).max().unwrap_or(k);
            locale.t_args(
                "headline-threshold",
                &[
                    ("article_cap", arg(if article(k) == "an" { "An" } else { "A" })),
                    ("article", arg(article(k))),
                    ("score", arg(k.to_string())),
                    ("above", arg(scores_above(k))),
                    ("above_high", plain(above.ci_high.max(0.0))),
                    ("prev", arg(prev.to_string())),
                    ("below", plain(below.gain)),
                    ("below_low", pts(below.ci_low)),
                    ("below_high", pts(below.ci_high)),
                ],
            )
        }
        (Verdict::StillRising, _, Some(above), _) => {
            let t = h.top.as_ref().map_or(0, |t| t.score);
            locale.t_args(
                "headline-still-rising",
                &[
                    ("article", arg(article(t))),
                    ("score", arg(t.to_string())),
                    ("above", arg(scores_above(t))),
                    ("gain", plain(above.gain)),
                    ("low", pts(above.ci_low)),
                    ("high", pts(above.ci_high)),
                ],
            )
        }
        (Verdict::NoRelation, _, _, _) if h.trend.is_some() => {
            let trend = h.trend.as_ref().expect("checked");
            let lowest = h.levels.first().map_or(0, |l| l.score);
            let highest = h.levels.last().map_or(0, |l| l.score);
            locale.t_args(
                "headline-no-relation",
                &[
                    ("lowest", arg(lowest.to_string())),
                    ("highest", arg(highest.to_string())),
                    ("gain", pts(trend.range_gain)),
                    ("low", pts(trend.ci_low)),
                    ("high", pts(trend.ci_high)),
                    ("margin", arg(margin_points(report.delta, locale))),
                ],
            )
        }
        _ => match h.customers_needed {
            Some(needed) => locale.t_args(
                "headline-not-enough-needed",
                &[("needed", arg(locale.whole(needed))), ("customers", arg(locale.whole(h.customers)))],
            ),
            None => locale.t_args("headline-not-enough", &[("customers", arg(locale.whole(h.customers)))]),
        },
    }
}

/// The margin in points: "2", or "0.5" where it is not whole.
fn margin_points(delta: f64, locale: &Locale) -> String {
    let points = delta * 100.0;
    let digits = if (points - points.round()).abs() < 1e-9 { 0 } else { 1 };
    locale.decimal(points, digits, false)
}

/// Fills the headline's words (`sentence`, `method`) in `locale`, for JSON that people read.
pub fn localize(report: &mut crate::analysis::AnalysisReport, locale: &Locale) {
    report.headline.sentence = headline(report, locale);
    report.headline.method = locale.t("headline-method");
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
    super::rollups::survey_data_version(conn, survey_id)
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
    let found = stored(conn, survey.id)?.and_then(|a| a.report.headline.score);
    Ok(match found {
        Some(s) => (s, true),
        None => (super::figures::default_good_enough(survey.scale), false),
    })
}
