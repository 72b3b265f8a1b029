//! The figures analysts see (overview, trends, reports), read from the rollups: per bucket of
//! days, the answers by score, invitations and responses, with the scale's metric, the share at
//! or above the good-enough score and the response rate, each with its 95% interval, and which
//! changes are statistically clear (`analysis::trends`).
use super::{db, DomainError};
use crate::analysis::trends::{self, Comparison, Estimate, Histogram};
use crate::db::schema::rollup_keys;
use crate::db::DbConn;
use crate::types::Scale;
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use std::collections::BTreeMap;

/// Buckets with fewer answers than this are marked thin: their interval is wide and a change
/// from or to them is rarely clear.
pub const THIN_BELOW: u64 = 30;
/// A change is called clear when its Holm-adjusted p-value, across the changes shown
/// together, is at most this.
pub const ALPHA: f64 = 0.05;

/// What to count: one survey, optionally one touchpoint, channel and customer segment, and the
/// UTC days `from_day..to_day`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub touchpoint: Option<String>,
    pub channel: Option<String>,
    /// `key=value` of a customer attribute.
    pub segment: Option<String>,
    pub from_day: i64,
    pub to_day: i64,
}

/// The counts of one day (or, summed, of any stretch of days).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub scores: [u64; super::rollups::SCORES],
    pub invited: u64,
    pub responded: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        for (a, b) in self.scores.iter_mut().zip(o.scores) {
            *a += b;
        }
        self.invited += o.invited;
        self.responded += o.responded;
    }

    pub fn histogram(&self, scale: Scale) -> Histogram {
        let mut h = Histogram::new(scale);
        for s in scale.scores() {
            h.add(s, self.scores[s as usize]);
        }
        h
    }

    pub fn answers(&self) -> u64 {
        self.scores.iter().sum()
    }
}

/// Counts per day for a survey and filter, summed per day by the database from a few rows per
/// day (one per touchpoint and channel). The rows read grow with days and filter values, never
/// with answers.
pub fn days(conn: &mut DbConn, survey: i64, f: &Filter) -> Result<BTreeMap<i64, Counts>, DomainError> {
    let segment = f.segment.clone().unwrap_or_default();
    let (touchpoint, channel) = (f.touchpoint.as_deref(), f.channel.as_deref());
    let rows = super::rollups::day_counts(conn, survey, &segment, (f.from_day, f.to_day), touchpoint, channel)?;
    // A count can only go below zero through a repair in progress; never show it.
    let out = rows
        .into_iter()
        .map(|row| {
            let counts = Counts {
                scores: row.sums.scores().map(|n| n.max(0) as u64),
                invited: row.sums.invited().max(0) as u64,
                responded: row.sums.responded().max(0) as u64,
            };
            (row.day, counts)
        })
        .collect();
    Ok(out)
}

/// The values the filters offer for a survey.
#[derive(Debug, Clone, Default)]
pub struct FilterValues {
    pub touchpoints: Vec<String>,
    pub channels: Vec<String>,
    pub segments: Vec<String>,
}

pub fn filter_values(conn: &mut DbConn, survey_id: i64) -> Result<FilterValues, DomainError> {
    let rows: Vec<(String, String)> = rollup_keys::table
        .filter(rollup_keys::survey_id.eq(survey_id))
        .select((rollup_keys::kind, rollup_keys::value))
        .order((rollup_keys::kind, rollup_keys::value))
        .load(conn)
        .map_err(db)?;
    let mut v = FilterValues::default();
    for (kind, value) in rows {
        match kind.as_str() {
            "touchpoint" => v.touchpoints.push(value),
            "channel" => v.channels.push(value),
            _ => v.segments.push(value),
        }
    }
    Ok(v)
}

/// How days are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    Day,
    Week,
    Month,
}

impl Grain {
    pub fn parse(s: &str) -> Option<Grain> {
        match s {
            "day" => Some(Grain::Day),
            "week" => Some(Grain::Week),
            "month" => Some(Grain::Month),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
        }
    }

    /// The first day of the bucket holding `day` (weeks start on Monday, as ISO weeks do).
    pub fn start_of(self, day: i64) -> i64 {
        match self {
            Grain::Day => day,
            // 1970-01-01 was a Thursday: day 4 was a Monday.
            Grain::Week => day - (day - 4).rem_euclid(7),
            Grain::Month => {
                let d = date(day);
                day_number(NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d))
            }
        }
    }

    /// The first day of the next bucket after the one starting at `start`.
    pub fn next(self, start: i64) -> i64 {
        match self {
            Grain::Day => start + 1,
            Grain::Week => start + 7,
            Grain::Month => {
                let d = date(start);
                let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
                day_number(NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d))
            }
        }
    }

    /// A bucket's label: `2026-03-14`, `2026-W11`, `2026-03`.
    pub fn label(self, start: i64) -> String {
        let d = date(start);
        match self {
            Grain::Day => d.format("%Y-%m-%d").to_string(),
            Grain::Week => {
                let w = d.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Grain::Month => d.format("%Y-%m").to_string(),
        }
    }
}

pub fn date(day: i64) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt((day + 719_163) as i32).unwrap_or_default()
}

pub fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) - 719_163
}

/// One bucket of a trend with its figures.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub start_day: i64,
    pub label: String,
    pub counts: Counts,
    pub metric: Option<Estimate>,
    pub share: Option<Estimate>,
    pub response_rate: Option<Estimate>,
    pub thin: bool,
    /// The range ends inside this bucket (the running week, say): its figures are so far.
    pub partial: bool,
    /// Against the bucket before, when both have answers.
    pub metric_change: Option<Comparison>,
    pub share_change: Option<Comparison>,
    /// Whether that change is statistically clear (Holm across the trend's changes).
    pub metric_clear: bool,
    pub share_clear: bool,
}

/// Groups days into buckets covering `from_day..to_day` (every bucket, also empty ones, so
/// gaps show) and computes their figures; `good_enough` is the score the share counts from.
pub fn trend(
    days: &BTreeMap<i64, Counts>,
    scale: Scale,
    grain: Grain,
    from_day: i64,
    to_day: i64,
    good_enough: i32,
) -> Vec<Bucket> {
    let mut buckets = Vec::new();
    let mut start = grain.start_of(from_day);
    while start < to_day {
        // `next` always moves forward inside the calendar; past its end, stop rather than spin.
        let end = grain.next(start);
        if end <= start {
            break;
        }
        let mut c = Counts::default();
        for (_, d) in days.range(start.max(from_day)..end.min(to_day)) {
            c.add(d);
        }
        let mut bucket = figures_of(start, grain.label(start), c, scale, good_enough);
        bucket.partial = end > to_day;
        buckets.push(bucket);
        start = end;
    }
    mark_changes(&mut buckets, scale, good_enough);
    buckets
}

fn figures_of(start_day: i64, label: String, counts: Counts, scale: Scale, good_enough: i32) -> Bucket {
    let h = counts.histogram(scale);
    Bucket {
        start_day,
        label,
        metric: trends::metric(&h),
        share: trends::share_at_or_above(&h, good_enough),
        response_rate: trends::response_rate(counts.responded, counts.invited),
        thin: h.n() < THIN_BELOW,
        partial: false,
        counts,
        metric_change: None,
        share_change: None,
        metric_clear: false,
        share_clear: false,
    }
}

/// Compares each bucket with the one before; a change is clear when Holm's correction across
/// all of the trend's comparisons keeps it at or below [`ALPHA`]. Thin buckets take part in
/// the tests (their p-values are honest), they just rarely pass.
fn mark_changes(buckets: &mut [Bucket], scale: Scale, good_enough: i32) {
    for i in 1..buckets.len() {
        let prev = buckets[i - 1].counts.histogram(scale);
        let cur = buckets[i].counts.histogram(scale);
        buckets[i].metric_change = trends::compare_metric(&prev, &cur);
        buckets[i].share_change = trends::compare_share(&prev, &cur, good_enough);
    }
    let p: Vec<Option<f64>> =
        buckets.iter().flat_map(|b| [b.metric_change.map(|c| c.p_value), b.share_change.map(|c| c.p_value)]).collect();
    let clear = trends::clear_changes(&p, ALPHA);
    for (i, b) in buckets.iter_mut().enumerate() {
        b.metric_clear = clear[2 * i];
        b.share_clear = clear[2 * i + 1];
    }
}

/// A period against the one before it, of the same length.
#[derive(Debug, Clone)]
pub struct PeriodComparison {
    pub current: Bucket,
    pub previous: Bucket,
}

/// The figures of `from_day..to_day` and of the same number of days before; the changes are
/// marked clear by Holm across the two comparisons (metric and share).
pub fn compare_periods(
    conn: &mut DbConn,
    survey_id: i64,
    scale: Scale,
    f: &Filter,
    good_enough: i32,
) -> Result<PeriodComparison, DomainError> {
    compare_with(conn, survey_id, scale, f, f.from_day - (f.to_day - f.from_day), good_enough)
}

/// [`compare_periods`] against the days `previous_from..f.from_day` (a calendar month before a
/// month, whatever their lengths).
pub fn compare_with(
    conn: &mut DbConn,
    survey_id: i64,
    scale: Scale,
    f: &Filter,
    previous_from: i64,
    good_enough: i32,
) -> Result<PeriodComparison, DomainError> {
    let wide = Filter { from_day: previous_from, ..f.clone() };
    let days = days(conn, survey_id, &wide)?;
    let sum = |from: i64, to: i64| {
        let mut c = Counts::default();
        for (_, d) in days.range(from..to) {
            c.add(d);
        }
        c
    };
    let mut b = vec![
        figures_of(previous_from, String::new(), sum(previous_from, f.from_day), scale, good_enough),
        figures_of(f.from_day, String::new(), sum(f.from_day, f.to_day), scale, good_enough),
    ];
    mark_changes(&mut b, scale, good_enough);
    let current = b.pop().expect("two buckets");
    let previous = b.pop().expect("two buckets");
    Ok(PeriodComparison { current, previous })
}

/// The weeks the overview compares: the last this many complete weeks against as many before.
pub const OVERVIEW_WEEKS: i64 = 4;

/// acht's one reporting clock for the overview: the last [`OVERVIEW_WEEKS`] complete weeks
/// (Monday to Sunday, UTC days) before `now`, as `from_day..to_day`. The same period on every
/// card, whatever each survey's latest answer; whole weeks so that a weekday's mix never moves a
/// figure, and complete ones so that a Monday morning's few answers never stand in for a month.
pub fn overview_period(now: i64) -> (i64, i64) {
    let to_day = Grain::Week.start_of(super::rollups::day_of(now));
    (to_day - 7 * OVERVIEW_WEEKS, to_day)
}

/// The first and the last day with a counted answer for the survey, if any.
pub fn data_days(conn: &mut DbConn, survey_id: i64) -> Result<Option<(i64, i64)>, DomainError> {
    super::rollups::answer_days(conn, survey_id)
}

/// The score from which an answer is good enough when no analysis has found one yet: the
/// research's 8 on the school grade, and the usual top of the other scales.
pub fn default_good_enough(scale: Scale) -> i32 {
    match scale {
        Scale::Grade10 => 8,
        Scale::Ces7 => 5,
        Scale::Nps11 => 9,
        Scale::Csat5 => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_calendar() {
        let d = day_number(NaiveDate::from_ymd_opt(2026, 3, 18).unwrap()); // a Wednesday
        assert_eq!(date(Grain::Week.start_of(d)), NaiveDate::from_ymd_opt(2026, 3, 16).unwrap());
        assert_eq!(Grain::Week.label(Grain::Week.start_of(d)), "2026-W12");
        assert_eq!(date(Grain::Month.start_of(d)), NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert_eq!(date(Grain::Month.next(Grain::Month.start_of(d))), NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
        let dec = day_number(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
        assert_eq!(Grain::Month.label(Grain::Month.next(Grain::Month.start_of(dec))), "2026-01");
        assert_eq!(day_number(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()), 0);
    }

    #[test]
    fn a_clear_jump_is_marked_and_noise_is_not() {
        let mut days = BTreeMap::new();
        // Four weeks: 60 answers a week around 7, then a week around 9.
        for w in 0..4i64 {
            for k in 0..60u64 {
                let score = if w == 3 { 9 } else { 6 + (k % 3) as usize };
                let c: &mut Counts = days.entry(4 + w * 7 + (k % 7) as i64).or_default();
                c.scores[score] += 1;
            }
        }
        let t = trend(&days, Scale::Grade10, Grain::Week, 4, 4 + 28, 8);
        assert_eq!(t.len(), 4);
        assert!(!t[1].metric_clear && !t[2].metric_clear, "same distribution: no change");
        assert!(t[3].metric_clear, "6-8 to all 9s is clear");
        assert!(t.iter().all(|b| !b.thin));
    }
}
