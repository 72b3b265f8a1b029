//! How figures read on the pages: the metric's name and format per scale, percentages,
//! intervals, dates. One place, so the overview, trends and retention pages say the same.
use crate::analysis::trends::{metric_kind, Estimate, MetricKind};
use crate::domain::figures;
use crate::i18n::Locale;
use crate::types::Scale;

/// The scale's own metric: "mean grade", "NPS", "CSAT", "mean effort score".
pub fn metric_name(scale: Scale, l: &Locale) -> String {
    l.t(match scale {
        Scale::Grade10 => "metric-grade10",
        Scale::Ces7 => "metric-ces7",
        Scale::Nps11 => "metric-nps11",
        Scale::Csat5 => "metric-csat5",
    })
}

pub fn fmt_metric(scale: Scale, v: f64) -> String {
    match metric_kind(scale) {
        MetricKind::Mean => format!("{v:.2}"),
        MetricKind::Nps => format!("{v:+.0}"),
        MetricKind::Csat => format!("{v:.0}%"),
    }
}

/// The range the metric's axis spans.
pub fn metric_axis(scale: Scale) -> (f64, f64) {
    match metric_kind(scale) {
        MetricKind::Mean => {
            let (lo, hi) = scale.range();
            (f64::from(lo), f64::from(hi))
        }
        MetricKind::Nps => (-100.0, 100.0),
        MetricKind::Csat => (0.0, 100.0),
    }
}

pub fn pct(p: f64) -> String {
    format!("{:.0}%", p * 100.0)
}

pub fn metric_with_interval(scale: Scale, e: &Option<Estimate>) -> String {
    match e {
        Some(e) => {
            format!("{} ({}–{})", fmt_metric(scale, e.value), fmt_metric(scale, e.low), fmt_metric(scale, e.high))
        }
        None => "–".into(),
    }
}

pub fn share_with_interval(e: &Option<Estimate>) -> String {
    match e {
        Some(e) => format!("{} ({}–{})", pct(e.value), pct(e.low), pct(e.high)),
        None => "–".into(),
    }
}

pub fn date(day: i64) -> String {
    figures::date(day).format("%Y-%m-%d").to_string()
}

/// A moment as a UTC date and time, e.g. `2026-11-25 22:30 UTC`.
pub fn datetime(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

/// Whether a change is worth calling out, and which way: "up", "down" or "".
pub fn direction(clear: bool, diff: Option<f64>) -> &'static str {
    match (clear, diff) {
        (true, Some(d)) if d > 0.0 => "up",
        (true, Some(d)) if d < 0.0 => "down",
        _ => "",
    }
}

/// A `YYYY-MM-DD` date from a form, as a day number.
pub fn parse_day(s: Option<&str>) -> Option<i64> {
    use chrono::Datelike;
    let s = s?.trim();
    // Only plain four-digit years: chrono also reads "+262142", where the calendar ends.
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().filter(|d| (1970..=9999).contains(&d.year()))?;
    Some(figures::day_number(d))
}
