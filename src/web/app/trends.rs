//! Trends per survey and touchpoint: the scale's metric with its 95% interval as a band, the
//! share at or above the good-enough score, the response rate and the volume, by day, week or
//! month; thin buckets marked, clear changes marked. Charts are SVG with a table beside them,
//! and the same figures download as CSV.
use super::{render, Chrome, SignedIn};
use crate::charts::{self, SeriesChart};
use crate::domain::figures::{self, Bucket, Filter, FilterValues, Grain};
use crate::domain::{retention, surveys, DomainError, Survey};
use crate::i18n::Locale;
use crate::view::{self, direction};
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// At most this many buckets on one chart: a longer period is cut at its start.
const MAX_BUCKETS: i64 = 370;

#[derive(Debug, Clone, Deserialize, Default)]
pub struct TrendQuery {
    pub survey: Option<String>,
    pub touchpoint: Option<String>,
    pub channel: Option<String>,
    pub segment: Option<String>,
    pub grain: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Everything a trend needs, read in one go.
struct TrendData {
    surveys: Vec<Survey>,
    survey: Survey,
    values: FilterValues,
    filter: Filter,
    grain: Grain,
    good_enough: i32,
    good_enough_found: bool,
    buckets: Vec<Bucket>,
}

async fn load(state: &AppState, q: TrendQuery, l: &Locale) -> Result<Option<TrendData>, PageError> {
    let now = state.now_ms();
    state
        .db
        .read(move |c| {
            let all = surveys::list(c)?;
            let wanted = non_empty(&q.survey);
            let Some(survey) = all.iter().find(|s| wanted.as_deref().is_none_or(|w| w == s.slug)).cloned() else {
                return match wanted {
                    Some(w) => Err(DomainError::NotFound(format!("survey '{w}'"))),
                    None => Ok(None),
                };
            };
            let grain = q.grain.as_deref().and_then(Grain::parse).unwrap_or(Grain::Week);
            // By default the trend runs up to today (its last bucket so far, and said so) and
            // starts where the survey's answers start, at most half a year (by day: two months;
            // by month: two years) back.
            let today = crate::domain::rollups::day_of(now);
            let data = figures::data_days(c, survey.id)?;
            let to_day = view::parse_day(q.to.as_deref()).map_or(today + 1, |d| d + 1);
            let default_from = match grain {
                Grain::Day => to_day - 60,
                Grain::Week => grain.start_of(to_day - 26 * 7),
                Grain::Month => grain.start_of(to_day - 730),
            };
            let default_from = data.map_or(to_day - 1, |(first, _)| default_from.max(first).min(to_day - 1));
            let longest = match grain {
                Grain::Day => MAX_BUCKETS,
                Grain::Week => MAX_BUCKETS * 7,
                Grain::Month => MAX_BUCKETS * 31,
            };
            // Whole buckets only: a month that starts on the 29th would look like a collapse.
            let asked = view::parse_day(q.from.as_deref()).unwrap_or(default_from);
            let from_day = grain.start_of(asked.clamp(to_day - longest, to_day - 1));
            let filter = Filter {
                touchpoint: non_empty(&q.touchpoint),
                channel: non_empty(&q.channel),
                segment: non_empty(&q.segment),
                from_day,
                to_day,
            };
            let (ge, found) = retention::good_enough(c, &survey)?;
            let days = figures::days(c, survey.id, &filter)?;
            let buckets = figures::trend(&days, survey.scale, grain, from_day, to_day, ge);
            let values = figures::filter_values(c, survey.id)?;
            Ok(Some(TrendData {
                surveys: all,
                survey,
                values,
                filter,
                grain,
                good_enough: ge,
                good_enough_found: found,
                buckets,
            }))
        })
        .await
        .map_err(|e| PageError::from_domain(e, l.clone()))
}

/// One row of the table beside the charts.
pub struct Row {
    pub label: String,
    pub answers: u64,
    pub thin: bool,
    pub metric: String,
    pub metric_dir: &'static str,
    pub share: String,
    pub share_dir: &'static str,
    pub response_rate: String,
    pub invited: u64,
}

#[derive(Template)]
#[template(path = "app/trends.html")]
struct TrendsPage {
    c: Chrome,
    surveys: Vec<(String, String)>,
    survey: String,
    values: FilterValues,
    q: TrendQuery,
    grain: &'static str,
    from: String,
    to: String,
    metric_name: String,
    good_enough: i32,
    good_enough_found: bool,
    metric_svg: String,
    share_svg: String,
    rate_svg: String,
    rows: Vec<Row>,
    csv_link: String,
    empty: bool,
}

pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    q: web::Query<TrendQuery>,
) -> Result<HttpResponse, PageError> {
    let l = signed.locale.clone();
    let chrome = Chrome::new(&signed, "trends", &req);
    let q = q.into_inner();
    let Some(d) = load(&state, q.clone(), &l).await? else {
        return Ok(render(super::overview_empty(chrome)));
    };
    let scale = d.survey.scale;
    let metric_name = view::metric_name(scale, &l);
    let rate_name = l.t("fig-response-rate");
    let invited = l.t("fig-invited");
    let mut rate_points = view::points(
        &d.buckets,
        |b| b.response_rate,
        100.0,
        |_| (false, None),
        |b| {
            let rate = view::share_with_interval(&b.response_rate, &l);
            format!("{} · {rate_name}: {rate} · {invited}: {}", b.label, b.counts.invited)
        },
    );
    // The response rate's volume is the invitations, and it has no thin buckets of its own.
    for (p, b) in rate_points.iter_mut().zip(&d.buckets) {
        p.count = b.counts.invited;
        p.thin = false;
    }
    let metric = view::metric_chart(&d.buckets, scale, &d.survey.name, &l);
    let metric_svg = view::responsive(|w, h| charts::series(&metric, w, h), 900, 360);
    let share = view::share_chart(&d.buckets, d.good_enough, &l);
    let share_svg = view::responsive(|w, h| charts::series(&share, w, h), 900, 260);
    let rate = SeriesChart {
        title: rate_name.clone(),
        y_label: "%".into(),
        y_min: 0.0,
        y_max: 100.0,
        reference: None,
        points: rate_points,
        show_volume: false,
        format: view::percent_axis(&l),
    };
    let rate_svg = view::responsive(|w, h| charts::series(&rate, w, h), 900, 220);
    let rows = d
        .buckets
        .iter()
        .map(|b| Row {
            label: if b.partial { format!("{} ({})", b.label, l.t("trends-so-far")) } else { b.label.clone() },
            answers: b.counts.answers(),
            thin: b.thin,
            metric: view::metric_with_interval(scale, &b.metric, &l),
            metric_dir: direction(b.metric_clear, b.metric_change.map(|c| c.diff)),
            share: view::share_with_interval(&b.share, &l),
            share_dir: direction(b.share_clear, b.share_change.map(|c| c.diff)),
            response_rate: view::share_with_interval(&b.response_rate, &l),
            invited: b.counts.invited,
        })
        .collect();
    let query = req.query_string();
    let page = TrendsPage {
        c: chrome,
        surveys: d.surveys.iter().map(|s| (s.slug.clone(), s.name.clone())).collect(),
        survey: d.survey.slug.clone(),
        values: d.values,
        grain: d.grain.as_str(),
        from: view::iso_date(d.filter.from_day),
        to: view::iso_date(d.filter.to_day - 1),
        metric_name,
        good_enough: d.good_enough,
        good_enough_found: d.good_enough_found,
        metric_svg,
        share_svg,
        rate_svg,
        empty: d.buckets.iter().all(|b| b.counts.answers() == 0),
        rows,
        csv_link: if query.is_empty() { "/app/trends.csv".into() } else { format!("/app/trends.csv?{query}") },
        q,
    };
    Ok(render(page))
}

/// The chart's figures as CSV: one row per bucket, every number with its interval.
pub async fn csv(
    state: web::Data<AppState>,
    signed: SignedIn,
    q: web::Query<TrendQuery>,
) -> Result<HttpResponse, PageError> {
    let l = signed.locale.clone();
    let Some(d) = load(&state, q.into_inner(), &l).await? else {
        return Err(PageError::not_found(l));
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "bucket_start",
        "bucket",
        "answers",
        "thin",
        "metric",
        "metric_low",
        "metric_high",
        "metric_change_p",
        "metric_change_clear",
        "good_enough",
        "share_good_enough",
        "share_low",
        "share_high",
        "share_change_p",
        "share_change_clear",
        "invited",
        "responded",
        "response_rate",
        "response_rate_low",
        "response_rate_high",
    ];
    let bad = |_| PageError::not_found(l.clone());
    w.write_record(header).map_err(bad)?;
    let num = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
    for b in &d.buckets {
        w.write_record([
            view::iso_date(b.start_day),
            b.label.clone(),
            b.counts.answers().to_string(),
            b.thin.to_string(),
            num(b.metric.map(|e| e.value)),
            num(b.metric.map(|e| e.low)),
            num(b.metric.map(|e| e.high)),
            num(b.metric_change.map(|c| c.p_value)),
            b.metric_clear.to_string(),
            d.good_enough.to_string(),
            num(b.share.map(|e| e.value)),
            num(b.share.map(|e| e.low)),
            num(b.share.map(|e| e.high)),
            num(b.share_change.map(|c| c.p_value)),
            b.share_clear.to_string(),
            b.counts.invited.to_string(),
            b.counts.responded.to_string(),
            num(b.response_rate.map(|e| e.value)),
            num(b.response_rate.map(|e| e.low)),
            num(b.response_rate.map(|e| e.high)),
        ])
        .map_err(bad)?;
    }
    let body = w.into_inner().map_err(|_| PageError::not_found(l.clone()))?;
    let name = format!("acht-trend-{}-{}.csv", d.survey.slug, d.grain.as_str());
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}\"")))
        .body(body))
}
