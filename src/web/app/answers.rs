//! The answers: a filtered list, newest first, a page at a time, and the whole filtered list
//! as a CSV download that streams (memory stays flat however many rows it writes).
use super::{render, Chrome, SignedIn};
use crate::domain::answers::{self, BrowseFilter, BrowsedAnswer};
use crate::domain::{surveys, DomainError};
use crate::types::{AnswerState, TextEnum};
use crate::view;
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use std::pin::Pin;
use std::task::{Context, Poll};

const PAGE_SIZE: i64 = 50;
/// Matches are counted up to this many; beyond it the page says "more than".
const COUNT_CAP: u64 = 10_000;
/// Rows read per query while exporting; a few chunks are in flight at most.
const EXPORT_CHUNK: i64 = 2_000;

#[derive(Debug, Clone, Deserialize, Default)]
pub struct AnswersQuery {
    pub survey: Option<String>,
    pub touchpoint: Option<String>,
    pub channel: Option<String>,
    pub score: Option<String>,
    pub state: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: Option<String>,
    /// `answered_at:id` of the last row of the previous page.
    pub before: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// The domain filter for a query; unknown values are refused rather than ignored (a list that
/// silently shows everything would mislead).
fn filter(q: &AnswersQuery, survey_id: Option<i64>, now: i64) -> Result<BrowseFilter, DomainError> {
    let bad = |what: &str| DomainError::invalid("bad_filter", format!("unknown {what}"));
    let score = match non_empty(&q.score) {
        Some(s) => Some(s.parse::<i32>().map_err(|_| bad("score"))?),
        None => None,
    };
    let state = match non_empty(&q.state) {
        Some(s) => Some(AnswerState::parse(&s).map_err(|_| bad("state"))?),
        None => None,
    };
    let before = match non_empty(&q.before) {
        Some(b) => {
            let (t, id) = b.split_once(':').ok_or_else(|| bad("page"))?;
            Some((t.parse().map_err(|_| bad("page"))?, id.parse().map_err(|_| bad("page"))?))
        }
        None => None,
    };
    let day_ms = crate::domain::DAY_MS;
    Ok(BrowseFilter {
        survey_id,
        touchpoint: non_empty(&q.touchpoint),
        channel: non_empty(&q.channel),
        score,
        state,
        since: view::parse_day(q.from.as_deref()).map(|d| d * day_ms),
        until: view::parse_day(q.to.as_deref()).map(|d| (d + 1) * day_ms),
        search: non_empty(&q.q).map(|s| s.chars().take(200).collect()),
        now,
        before,
        limit: PAGE_SIZE,
    })
}

/// The filter of a query, its survey looked up by slug.
fn filter_for(c: &mut crate::db::DbConn, q: &AnswersQuery, now: i64) -> Result<BrowseFilter, DomainError> {
    let survey_id = match non_empty(&q.survey) {
        Some(s) => Some(surveys::get(c, &s)?.id),
        None => None,
    };
    filter(q, survey_id, now)
}

pub struct Line {
    pub answered_at: String,
    pub survey: String,
    pub score: i32,
    /// The scale's top ("of 10"), so a 4 of 7 is not read as a 4 of 10.
    pub out_of: i32,
    pub state: &'static str,
    pub state_reason: String,
    pub comment: String,
    pub customer: String,
    /// The customer's page in the app.
    pub customer_link: String,
    pub interaction: String,
    pub touchpoint: String,
    pub channel: String,
    pub invited_at: String,
}

fn line(a: &BrowsedAnswer, now: i64, l: &crate::i18n::Locale, tz: chrono_tz::Tz, out_of: i32) -> Line {
    Line {
        out_of,
        answered_at: view::datetime(a.response.answered_at, l, tz),
        survey: a.survey_slug.clone(),
        score: a.response.score,
        state: crate::domain::evidence::effective_state(&a.response, now).as_str(),
        state_reason: a.response.state_reason.clone(),
        comment: a.response.comment.clone().unwrap_or_default(),
        customer: a.customer_external_id.clone(),
        customer_link: super::customer_link(&a.customer_external_id),
        interaction: a.interaction_external_id.clone().unwrap_or_default(),
        touchpoint: a.touchpoint.clone().unwrap_or_default(),
        channel: a.channel.clone().unwrap_or_default(),
        invited_at: a.invitation_sent_at.map(|t| view::datetime(t, l, tz)).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "app/answers.html")]
struct AnswersPage {
    c: Chrome,
    q: AnswersQuery,
    surveys: Vec<(String, String)>,
    states: Vec<&'static str>,
    touchpoints: Vec<String>,
    channels: Vec<String>,
    /// The matches, counted up to [`COUNT_CAP`].
    matches: answers::MatchCount,
    /// Whether any filter is set (the empty list then says "no answers match", else "none yet").
    filtered: bool,
    lines: Vec<Line>,
    next: Option<String>,
    first_page: String,
    csv_link: String,
}

pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    q: web::Query<AnswersQuery>,
) -> Result<HttpResponse, PageError> {
    let l = signed.locale.clone();
    let q = q.into_inner();
    let now = state.now_ms();
    let qc = q.clone();
    let (all, rows, matches, values) = state
        .db
        .read(move |c| {
            let f = filter_for(c, &qc, now)?;
            let all = surveys::list(c)?;
            // The touchpoints and channels to choose from: the chosen survey's, or every survey's.
            let mut values = crate::domain::figures::FilterValues::default();
            for s in all.iter().filter(|s| f.survey_id.is_none_or(|id| id == s.id)) {
                let v = crate::domain::figures::filter_values(c, s.id)?;
                values.touchpoints.extend(v.touchpoints);
                values.channels.extend(v.channels);
            }
            values.touchpoints.sort();
            values.touchpoints.dedup();
            values.channels.sort();
            values.channels.dedup();
            let (rows, matches) = answers::browse_counted(c, &f, COUNT_CAP)?;
            Ok::<_, DomainError>((all, rows, matches, values))
        })
        .await
        .map_err(|e| PageError::from_domain(e, l.clone()))?;
    let out_of = |slug: &str| all.iter().find(|s| s.slug == slug).map_or(10, |s| s.scale.range().1);
    let next = (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last().map(|a| format!("{}:{}", a.response.answered_at, a.response.id)))
        .flatten()
        .map(|b| with_param(req.query_string(), "before", &b));
    let page = AnswersPage {
        c: Chrome::new(&signed, "answers", &req),
        surveys: all.iter().map(|s| (s.slug.clone(), s.name.clone())).collect(),
        states: AnswerState::ALL.iter().map(|s| s.as_str()).collect(),
        lines: rows
            .iter()
            .map(|a| {
                let mut ln = line(a, now, &signed.locale, signed.user.tz(), out_of(&a.survey_slug));
                // The survey by the name analysts know it by (the slug is for the API).
                if let Some(s) = all.iter().find(|s| s.slug == a.survey_slug) {
                    ln.survey = s.name.clone();
                }
                ln
            })
            .collect(),
        touchpoints: values.touchpoints,
        channels: values.channels,
        matches,
        filtered: [&q.survey, &q.touchpoint, &q.channel, &q.score, &q.state, &q.from, &q.to, &q.q]
            .iter()
            .any(|v| non_empty(v).is_some()),
        next,
        first_page: with_param(req.query_string(), "before", ""),
        csv_link: format!("/app/answers.csv?{}", with_param(req.query_string(), "before", "").trim_start_matches('?')),
        q,
    };
    Ok(render(page))
}

/// The query string with one parameter set (or removed when `value` is empty), as `?…`.
fn with_param(query: &str, name: &str, value: &str) -> String {
    let mut parts: Vec<String> =
        query.split('&').filter(|p| !p.is_empty() && p.split('=').next() != Some(name)).map(str::to_string).collect();
    if !value.is_empty() {
        parts.push(format!("{name}={}", super::encode_component(value)));
    }
    format!("?{}", parts.join("&"))
}

/// The filtered list as CSV, every matching row, newest first. Rows are read a chunk at a time
/// by keyset and sent through a small bounded channel: a slow download holds the reader back
/// instead of piling rows up in memory.
pub async fn csv(
    state: web::Data<AppState>,
    signed: SignedIn,
    q: web::Query<AnswersQuery>,
) -> Result<HttpResponse, PageError> {
    let l = signed.locale.clone();
    let q = q.into_inner();
    let now = state.now_ms();
    // The filter is checked before the response starts, so a bad one is an error page.
    let mut f =
        state.db.read(move |c| filter_for(c, &q, now)).await.map_err(|e| PageError::from_domain(e, l.clone()))?;
    f.limit = EXPORT_CHUNK;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let db = state.db.clone();
    tokio::spawn(async move {
        let header =
            "answered_at,survey,score,state,state_reason,comment,customer,interaction,touchpoint,channel,invited_at\n";
        if tx.send(Ok(Bytes::from_static(header.as_bytes()))).await.is_err() {
            return;
        }
        loop {
            let fc = f.clone();
            let rows = match db.read(move |c| answers::browse(c, &fc)).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "answer export stopped");
                    let _ = tx.send(Err(std::io::Error::other("export stopped"))).await;
                    return;
                }
            };
            let Some(last) = rows.last() else { return };
            f.before = Some((last.response.answered_at, last.response.id));
            let full = rows.len() as i64 == f.limit;
            if tx.send(Ok(csv_rows(&rows, now))).await.is_err() || !full {
                return; // the client went away, or this was the last chunk
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"acht-answers.csv\""))
        .streaming(ReceiverStream(rx)))
}

fn csv_rows(rows: &[BrowsedAnswer], now: i64) -> Bytes {
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::with_capacity(rows.len() * 120));
    for a in rows {
        // Files carry times as RFC 3339 in UTC, whatever the reader's language.
        let ln = line(a, now, &crate::i18n::Locale::default_locale(), chrono_tz::UTC, 0);
        let time = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).map(|t| t.to_rfc3339()).unwrap_or_default();
        let _ = w.write_record([
            time(a.response.answered_at),
            cell(ln.survey),
            ln.score.to_string(),
            ln.state.to_string(),
            cell(ln.state_reason),
            cell(ln.comment),
            cell(ln.customer),
            cell(ln.interaction),
            cell(ln.touchpoint),
            cell(ln.channel),
            a.invitation_sent_at.map(time).unwrap_or_default(),
        ]);
    }
    Bytes::from(w.into_inner().unwrap_or_default())
}

/// A text cell as a spreadsheet will not run it: one starting with = + - @ (or a tab or carriage
/// return, which some spreadsheets skip before looking) gets a leading quote.
fn cell(s: String) -> String {
    // OWASP's CSV-injection advice: spreadsheets skip leading blanks (any Unicode space, control
    // and zero-width characters) before they look, and read the full-width forms as the ASCII ones.
    let invisible =
        |c: char| c.is_whitespace() || c.is_control() || matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}');
    let first = s.chars().find(|c| !invisible(*c));
    let formula = matches!(first, Some('=' | '+' | '-' | '@' | '\u{ff1d}' | '\u{ff0b}' | '\u{ff0d}' | '\u{ff20}'));
    if formula || s.starts_with(['\t', '\r', '\n']) {
        format!("'{s}")
    } else {
        s
    }
}

/// A tokio channel as the byte stream actix-web sends.
struct ReceiverStream(tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>);

impl futures_core::Stream for ReceiverStream {
    type Item = Result<Bytes, std::io::Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_that_a_spreadsheet_would_run_are_quoted() {
        for bad in [
            "=HYPERLINK(\"x\")",
            "+1",
            "-2",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "\n=1",
            "\r\n=1",
            "\u{a0}=1",
            " =1",
            "\u{3000}=1",
            "\u{200b}=1",
            "\u{ff1d}1+1",
            "\u{ff0b}1",
            "\u{ff20}SUM(A1)",
            "\nhello",
        ] {
            assert!(super::cell(bad.into()).starts_with('\''), "{bad:?}");
        }
        assert_eq!(super::cell("Snel geholpen".into()), "Snel geholpen");
    }
}
