//! How figures read for people: the metric's name and format per scale, percentages, intervals,
//! dates. One place, so the app's pages and the report emails say the same.
use crate::analysis::trends::{metric_kind, Estimate, MetricKind};
use crate::charts::{Change, Point, SeriesChart};
use crate::domain::figures::{self, Bucket};
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

/// The metric's value as the reader's language writes it: a mean with two decimals ("7,35"),
/// an NPS signed ("+12"), a CSAT as a percentage ("84%").
pub fn fmt_metric(scale: Scale, v: f64, l: &Locale) -> String {
    match metric_kind(scale) {
        MetricKind::Mean => l.decimal(v, 2, false),
        MetricKind::Nps => l.decimal(v, 0, true),
        MetricKind::Csat => l.percent(v / 100.0, 0),
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

/// Width of a chart's narrow drawing: a phone's width less the page's margins, so its 11 px
/// text stays 11 px on a 390 px screen.
pub const NARROW_CHART: u32 = 340;

/// A chart drawn twice, at `width` for screens and at [`NARROW_CHART`] for phones (`draw(width,
/// height)`); the stylesheet shows the one that fits (`.chart .wide`, `.chart .narrow`). An SVG
/// scaled down instead would shrink its text below reading size.
pub fn responsive(draw: impl Fn(u32, u32) -> String, width: u32, height: u32) -> String {
    let narrow_height = (height * 4 / 5).max(220);
    format!(
        r#"<div class="wide">{}</div><div class="narrow">{}</div>"#,
        draw(width, height),
        draw(NARROW_CHART, narrow_height)
    )
}

/// Φ⁻¹(0.975).
pub const Z95: f64 = crate::analysis::Z975;

/// A share (0–1) as a whole percentage ("88%").
pub fn pct(p: f64, l: &Locale) -> String {
    l.percent(p, 0)
}

/// "7,35 (7,32 tot 7,39)": the estimate and its 95% interval, in the one notation of every page.
pub fn metric_with_interval(scale: Scale, e: &Option<Estimate>, l: &Locale) -> String {
    match e {
        Some(e) => with_interval(
            &fmt_metric(scale, e.value, l),
            &fmt_metric(scale, e.low, l),
            &fmt_metric(scale, e.high, l),
            l,
        ),
        None => "–".into(),
    }
}

pub fn share_with_interval(e: &Option<Estimate>, l: &Locale) -> String {
    match e {
        Some(e) => with_interval(&pct(e.value, l), &pct(e.low, l), &pct(e.high, l), l),
        None => "–".into(),
    }
}

/// A formatted value with its formatted interval.
pub fn with_interval(value: &str, low: &str, high: &str, l: &Locale) -> String {
    format!("{value} ({})", l.interval(low, high))
}

/// A UTC day (as days since 1970) as the reader's language writes a date.
pub fn date(day: i64, l: &Locale) -> String {
    l.date(figures::date(day))
}

/// A moment in the reader's time zone, which it names ("6 dec. 2026 08:42 CET").
pub fn datetime(ms: i64, l: &Locale, tz: chrono_tz::Tz) -> String {
    l.datetime(ms, tz)
}

/// A moment in UTC for logs and the command line, e.g. `2026-11-25 22:30 UTC`.
pub fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

/// A day for forms and files: `2026-12-06`.
pub fn iso_date(day: i64) -> String {
    figures::date(day).format("%Y-%m-%d").to_string()
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

/// The metric's trend chart of a survey: per bucket with its interval, clear changes marked.
pub fn metric_chart(buckets: &[Bucket], scale: Scale, survey_name: &str, l: &Locale) -> SeriesChart {
    let metric_name = metric_name(scale, l);
    let (y_min, y_max) = metric_axis(scale);
    let n_label = l.t("fig-answers");
    let points = points(
        buckets,
        |b| b.metric,
        1.0,
        |b| (b.metric_clear, b.metric_change),
        |b| {
            format!(
                "{} · {metric_name}: {} · {n_label}: {}",
                b.label,
                metric_with_interval(scale, &b.metric, l),
                b.counts.answers()
            )
        },
    );
    SeriesChart {
        title: format!("{metric_name} · {survey_name}"),
        y_label: metric_name.clone(),
        y_min,
        y_max,
        reference: None,
        points,
        show_volume: true,
        format: metric_formatter(scale, l),
    }
}

/// The trend chart of the share of answers at or above the good-enough score.
pub fn share_chart(buckets: &[Bucket], good_enough: i32, l: &Locale) -> SeriesChart {
    let share_name = share_name(good_enough, l);
    let n_label = l.t("fig-answers");
    let points = points(
        buckets,
        |b| b.share,
        100.0,
        |b| (b.share_clear, b.share_change),
        |b| {
            format!(
                "{} · {share_name}: {} · {n_label}: {}",
                b.label,
                share_with_interval(&b.share, l),
                b.counts.answers()
            )
        },
    );
    SeriesChart {
        title: share_name.clone(),
        y_label: "%".into(),
        y_min: 0.0,
        y_max: 100.0,
        reference: None,
        points,
        show_volume: false,
        format: percent_axis(l),
    }
}

/// Axis and tooltip values of a chart in percent (0–100).
pub fn percent_axis(l: &Locale) -> crate::charts::Format {
    let l = l.clone();
    crate::charts::Format::new(move |v| l.percent(v / 100.0, 0))
}

/// "Share 8+": the name of the share at or above the good-enough score.
pub fn share_name(good_enough: i32, l: &Locale) -> String {
    format!("{} {}+", l.t("fig-share"), good_enough)
}

/// One chart point per bucket: an estimate (scaled, e.g. shares to %), its change mark and tooltip.
pub fn points(
    buckets: &[Bucket],
    estimate: impl Fn(&Bucket) -> Option<crate::analysis::trends::Estimate>,
    scale: f64,
    changed: impl Fn(&Bucket) -> (bool, Option<crate::analysis::trends::Comparison>),
    tooltip: impl Fn(&Bucket) -> String,
) -> Vec<Point> {
    buckets
        .iter()
        .map(|b| {
            let e = estimate(b);
            let (clear, comparison) = changed(b);
            Point {
                label: b.label.clone(),
                value: e.map(|e| e.value * scale),
                low: e.map(|e| e.low * scale),
                high: e.map(|e| e.high * scale),
                count: b.counts.answers(),
                thin: b.thin,
                change: change(clear, comparison.map(|c| c.diff)),
                tooltip: tooltip(b),
            }
        })
        .collect()
}

pub fn change(clear: bool, diff: Option<f64>) -> Option<Change> {
    match direction(clear, diff) {
        "up" => Some(Change::Up),
        "down" => Some(Change::Down),
        _ => None,
    }
}

pub fn metric_formatter(scale: crate::types::Scale, l: &Locale) -> crate::charts::Format {
    let l = l.clone();
    match metric_kind(scale) {
        MetricKind::Mean => crate::charts::Format::new(move |v| l.decimal(v, 1, false)),
        MetricKind::Nps => crate::charts::Format::new(move |v| l.decimal(v, 0, true)),
        MetricKind::Csat => crate::charts::Format::new(move |v| l.percent(v / 100.0, 0)),
    }
}

/// A figure and its interval, apart so a narrow column can break between them.
pub struct Fig {
    pub value: String,
    /// "(4.63–4.90)", or empty when there is no figure.
    pub ci: String,
}

impl Fig {
    /// From the app's one formatting ("4.77 (4.63–4.90)", or "–").
    pub fn of(formatted: String) -> Fig {
        match formatted.split_once(" (") {
            Some((value, ci)) => Fig { value: value.to_string(), ci: format!("({ci}") },
            None => Fig { value: formatted, ci: String::new() },
        }
    }
}

impl std::fmt::Display for Fig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.ci.is_empty() {
            f.write_str(&self.value)
        } else {
            write!(f, "{} {}", self.value, self.ci)
        }
    }
}
