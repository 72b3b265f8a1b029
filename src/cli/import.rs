//! `acht import`: parse and check every line first, report all bad lines with their numbers,
//! and write only when the whole file is good (in one transaction).
use crate::db::Db;
use crate::domain::customers::normalize_locale;
use crate::domain::import::{self, CustomerRecord, ResponseRecord};
use chrono::DateTime;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

type CliResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Bad lines shown before "and N more".
const MAX_REPORTED: usize = 20;

#[derive(Debug)]
pub struct ImportError {
    pub errors: Vec<String>,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} bad line(s); nothing was imported:", self.errors.len())?;
        for e in self.errors.iter().take(MAX_REPORTED) {
            writeln!(f, "  {e}")?;
        }
        if self.errors.len() > MAX_REPORTED {
            writeln!(f, "  … and {} more", self.errors.len() - MAX_REPORTED)?;
        }
        Ok(())
    }
}
impl std::error::Error for ImportError {}

/// A moment something happened: RFC 3339, between 2000-01-01 and `ahead_ms` from now.
fn time(s: &str, field: &str, ahead_ms: i64) -> Result<i64, String> {
    let ms = any_time(s, field)?;
    crate::domain::validate::moment("invalid_time", field, ms, crate::clock::system_now_ms(), ahead_ms)
        .map_err(|e| e.to_string())?;
    Ok(ms)
}

/// An RFC 3339 time in any year (a contract's end may lie years ahead).
fn any_time(s: &str, field: &str) -> Result<i64, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|_| format!("{field} '{s}' is not an RFC 3339 time"))
}

fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// Opens a CSV file whose header is `expected`, optionally followed by the `optional` columns
/// in order; returns the reader and the number of columns.
fn reader(
    file: &Path,
    expected: &[&str],
    optional: &[&str],
) -> Result<(csv::Reader<std::fs::File>, usize), Box<dyn std::error::Error + Send + Sync>> {
    let mut rdr =
        csv::ReaderBuilder::new().flexible(true).from_path(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let headers: Vec<String> = rdr.headers()?.iter().map(|h| h.trim().to_string()).collect();
    let allowed = (0..=optional.len())
        .any(|k| headers.iter().map(String::as_str).eq(expected.iter().chain(&optional[..k]).copied()));
    if !allowed {
        return Err(format!(
            "{}: line 1: expected header '{}{}', found '{}'",
            file.display(),
            expected.join(","),
            optional.iter().map(|o| format!("[,{o}]")).collect::<String>(),
            headers.join(",")
        )
        .into());
    }
    let columns = headers.len();
    Ok((rdr, columns))
}

/// The file line a record starts on: a quoted field may span several lines, so records are not
/// lines and counting them would name the wrong line after a multi-line comment.
fn line_of(row: &Result<csv::StringRecord, csv::Error>) -> u64 {
    let position = match row {
        Ok(record) => record.position(),
        Err(e) => e.position(),
    };
    position.map_or(0, csv::Position::line)
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec})")
            .expect("template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// Imports `customers.csv`; a time may lie up to `ahead_ms` from now.
pub fn customers(db: &Db, file: &Path, ahead_ms: i64) -> CliResult {
    let started = Instant::now();
    let (mut rdr, columns) =
        reader(file, &["customer_id", "email", "locale", "first_seen_at", "churned_at"], &["committed_until"])?;
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for row in rdr.records() {
        let line = line_of(&row);
        match row.map_err(|e| e.to_string()).and_then(|r| parse_customer(&r, columns, ahead_ms)) {
            Ok(c) => records.push(c),
            Err(e) => errors.push(format!("line {line}: {e}")),
        }
    }
    if !errors.is_empty() {
        return Err(Box::new(ImportError { errors }));
    }
    let pb = bar(records.len() as u64, "customers");
    let (records, progress) = (Arc::new(records), pb.clone());
    let (inserted, updated) = db.write_blocking(move |c| import::customers(c, &records, &|n| progress.inc(n)))?;
    pb.finish_and_clear();
    println!("imported {inserted} new and {updated} updated customers in {:.2}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// One line of `customers.csv`; `columns` is 5, or 6 with `committed_until`.
pub fn parse_customer(r: &csv::StringRecord, columns: usize, ahead_ms: i64) -> Result<CustomerRecord, String> {
    if r.len() != columns {
        return Err(format!("expected {columns} fields, found {}", r.len()));
    }
    let id = r[0].trim();
    if id.is_empty() {
        return Err("customer_id is empty".into());
    }
    let locale = opt(&r[2]);
    if let Some(l) = locale {
        if crate::i18n::Locale::exact(l.split(['-', '_']).next().unwrap_or("")).is_none() {
            let known: Vec<&str> = crate::i18n::Locale::all().iter().map(|l| l.tag()).collect();
            return Err(format!("locale '{l}' is not one of acht's languages ({})", known.join(", ")));
        }
    }
    // The same parser as the API's and the sender's: an address acht cannot mail is refused here.
    let email = opt(&r[1]).map(|e| crate::domain::validate::email(e).map_err(|e| e.to_string())).transpose()?;
    let first_seen_at = time(&r[3], "first_seen_at", ahead_ms)?;
    let churned_at = opt(&r[4]).map(|s| time(s, "churned_at", ahead_ms)).transpose()?;
    if churned_at.is_some_and(|c| c < first_seen_at) {
        return Err("churned_at is before first_seen_at".into());
    }
    let committed_until = r.get(5).and_then(opt).map(|s| any_time(s, "committed_until")).transpose()?;
    Ok(CustomerRecord {
        external_id: id.into(),
        email,
        locale: normalize_locale(locale),
        first_seen_at,
        churned_at,
        committed_until,
    })
}

/// Imports `responses.csv`; a time may lie up to `ahead_ms` from now.
pub fn responses(db: &Db, file: &Path, ahead_ms: i64) -> CliResult {
    let started = Instant::now();
    let surveys = db.read_blocking(import::survey_ids)?;
    let customers = db.read_blocking(import::customer_ids)?;
    let (mut rdr, _) = reader(file, &["customer_id", "survey", "score", "answered_at", "comment"], &[])?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for row in rdr.records() {
        let line = line_of(&row);
        match row {
            Ok(record) => match parse_response(&record, ahead_ms) {
                Ok(r) => {
                    let survey = surveys.get(&r.survey_slug);
                    let customer = customers.get(&r.customer_external_id);
                    match (survey, customer) {
                        (None, _) => errors
                            .push(format!("line {line}: survey '{}' does not exist (create it first)", r.survey_slug)),
                        (_, None) => errors.push(format!(
                            "line {line}: customer '{}' is unknown (import customers first)",
                            r.customer_external_id
                        )),
                        (Some(&(sid, scale)), Some(&cid)) => {
                            if scale.contains(r.score) {
                                rows.push(import::response_row(sid, cid, &r));
                            } else {
                                let (lo, hi) = scale.range();
                                errors.push(format!(
                                    "line {line}: score {} is outside {lo}–{hi} of survey '{}'",
                                    r.score, r.survey_slug
                                ));
                            }
                        }
                    }
                }
                Err(e) => errors.push(format!("line {line}: {e}")),
            },
            Err(e) => errors.push(format!("line {line}: {e}")),
        }
    }
    if !errors.is_empty() {
        return Err(Box::new(ImportError { errors }));
    }
    let pb = bar(rows.len() as u64, "responses");
    let (rows, progress) = (Arc::new(rows), pb.clone());
    let n = db.write_blocking(move |c| import::responses(c, &rows, &|k| progress.inc(k)))?;
    pb.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!("imported {n} responses in {secs:.2}s ({:.0}/s)", n as f64 / secs.max(1e-9));
    Ok(())
}

fn parse_response(r: &csv::StringRecord, ahead_ms: i64) -> Result<ResponseRecord, String> {
    if r.len() != 5 {
        return Err(format!("expected 5 fields, found {}", r.len()));
    }
    let score: i32 = r[2].trim().parse().map_err(|_| format!("score '{}' is not a whole number", &r[2]))?;
    let comment = opt(&r[4]).map(str::to_string);
    if comment.as_ref().is_some_and(|c| c.chars().count() > crate::domain::answers::MAX_COMMENT_CHARS) {
        return Err("comment is longer than 2,000 characters".into());
    }
    if comment.as_ref().is_some_and(|c| c.contains('\0')) {
        return Err("comment contains a NUL character".into());
    }
    Ok(ResponseRecord {
        customer_external_id: r[0].trim().to_string(),
        survey_slug: r[1].trim().to_string(),
        score,
        answered_at: time(&r[3], "answered_at", ahead_ms)?,
        comment,
    })
}

/// The retention analysis of a customers file and a responses file (the import formats) for
/// one survey, without a database: every line is checked as the import checks it.
pub fn analyze_files(
    customers: &Path,
    responses: &Path,
    survey: &str,
    scale: crate::types::Scale,
    options: crate::domain::retention::AnalysisOptions,
    ahead_ms: i64,
) -> Result<crate::analysis::AnalysisReport, Box<dyn std::error::Error + Send + Sync>> {
    use crate::analysis::{AnalysisInput, CustomerRecord as Customer, ResponseRecord as Response};
    options.validate()?;
    let time = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
    let (mut rdr, columns) =
        reader(customers, &["customer_id", "email", "locale", "first_seen_at", "churned_at"], &["committed_until"])?;
    let mut errors = Vec::new();
    let mut people = Vec::new();
    for row in rdr.records() {
        let line = line_of(&row);
        match row.map_err(|e| e.to_string()).and_then(|r| parse_customer(&r, columns, ahead_ms)) {
            Ok(c) => people.push(Customer {
                id: c.external_id,
                first_seen_at: time(c.first_seen_at),
                churned_at: c.churned_at.map(time),
                committed_until: c.committed_until.map(time),
            }),
            Err(e) => errors.push(format!("{}: line {line}: {e}", customers.display())),
        }
    }
    let (mut rdr, _) = reader(responses, &["customer_id", "survey", "score", "answered_at", "comment"], &[])?;
    let mut answers = Vec::new();
    for row in rdr.records() {
        let line = line_of(&row);
        match row.map_err(|e| e.to_string()).and_then(|r| parse_response(&r, ahead_ms)) {
            Ok(r) if r.survey_slug == survey => answers.push(Response {
                customer_id: r.customer_external_id,
                score: r.score,
                answered_at: time(r.answered_at),
            }),
            Ok(_) => {}
            Err(e) => errors.push(format!("{}: line {line}: {e}", responses.display())),
        }
    }
    if !errors.is_empty() {
        return Err(Box::new(ImportError { errors }));
    }
    let input = AnalysisInput {
        survey: survey.to_string(),
        scale,
        customers: people,
        responses: answers,
        as_of: options.as_of,
        horizon_days: options.horizon_days,
        delta: options.delta,
    };
    Ok(crate::analysis::analyze(&input))
}
