//! The retention finding per survey, from the stored analysis (computed in the background by
//! `jobs`, so the page never waits for it): the sentence, retention by score with intervals and
//! the good-enough line, the steps, the hinge curve and its profile, Kaplan–Meier curves by
//! band, NPS groups, and what the data cannot tell.
use super::{render, Chrome, SignedIn};
use crate::analysis::AnalysisReport;
use crate::charts::{self, Bar, Curve};
use crate::domain::{retention, surveys, DomainError, Survey};
use crate::i18n::{arg, Locale};
use crate::view;
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct RetentionQuery {
    survey: Option<String>,
}

pub struct StepRow {
    pub from: i32,
    pub to: i32,
    pub diff: String,
    pub p: String,
    pub mde: String,
    pub clear: bool,
}

/// One score level of the headline's rate model: raw and tenure-adjusted side by side.
pub struct RateRow {
    pub score: i32,
    pub events: u64,
    pub years: String,
    pub adjusted: String,
    pub raw: String,
    pub highlight: bool,
}

pub struct GroupRow {
    pub group: String,
    pub n: u64,
    pub rate: String,
}

#[derive(Template)]
#[template(path = "app/retention.html")]
struct RetentionPage {
    c: Chrome,
    surveys: Vec<(String, String)>,
    survey: String,
    /// None while the first analysis is being computed.
    ready: Option<Ready>,
}

struct Ready {
    headline: String,
    method: String,
    verdict_svg: String,
    rates: Vec<RateRow>,
    computed_at: String,
    took_ms: i64,
    stale: bool,
    customers: u64,
    horizon_days: i64,
    good_enough: Option<i32>,
    by_score_svg: String,
    hinge_svg: String,
    profile_svg: String,
    km_svg: String,
    steps: Vec<StepRow>,
    levels: Vec<(i32, u64, String)>,
    groups: Vec<GroupRow>,
    nps_note: String,
    /// Which scores the by-score chart leaves out, and why; empty when none.
    missing_note: String,
    limits: Vec<String>,
    notes: Vec<String>,
}

pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    q: web::Query<RetentionQuery>,
) -> Result<HttpResponse, PageError> {
    let l = signed.locale.clone();
    let wanted = q.into_inner().survey.filter(|s| !s.is_empty());
    let found = state
        .db
        .read(move |c| {
            let all = surveys::list(c)?;
            let Some(survey) = all.iter().find(|s| wanted.as_deref().is_none_or(|w| w == s.slug)).cloned() else {
                return match wanted {
                    Some(w) => Err(DomainError::NotFound(format!("survey '{w}'"))),
                    None => Ok(None),
                };
            };
            let stored = retention::stored(c, survey.id)?;
            let version = retention::data_version(c, survey.id)?;
            Ok(Some((all, survey, stored, version)))
        })
        .await
        .map_err(|e| PageError::from_domain(e, l.clone()))?;
    let chrome = Chrome::new(&signed, "retention", &req);
    let Some((all, survey, stored, version)) = found else {
        return Ok(render(super::overview_empty(chrome)));
    };
    let tz = signed.user.tz();
    let ready = stored.map(|s| ready(&survey, &s.report, s.computed_at, s.took_ms, s.data_version != version, &l, tz));
    Ok(render(RetentionPage {
        c: chrome,
        surveys: all.iter().map(|s| (s.slug.clone(), s.name.clone())).collect(),
        survey: survey.slug,
        ready,
    }))
}

/// Where a retention axis starts (in %): the lowest interval end rounded down to ten points,
/// at most 90, so differences of a few points stay visible.
fn axis_floor(lows: impl Iterator<Item = f64>) -> f64 {
    let lowest = lows.fold(1.0, f64::min);
    ((lowest * 10.0).floor() / 10.0 * 100.0).clamp(0.0, 90.0)
}

/// A difference of two shares in percentage points, signed ("+3,8").
fn points(d: f64, l: &Locale) -> String {
    l.decimal(d * 100.0, 1, true)
}

fn ready(
    survey: &Survey,
    r: &AnalysisReport,
    computed_at: i64,
    took_ms: i64,
    stale: bool,
    l: &Locale,
    tz: chrono_tz::Tz,
) -> Ready {
    let ge = r.headline.score;
    let bars: Vec<Bar> = r
        .levels
        .iter()
        .map(|lv| Bar {
            label: lv.score.to_string(),
            value: lv.retention.rate * 100.0,
            low: lv.retention.ci_low * 100.0,
            high: lv.retention.ci_high * 100.0,
            n: lv.retention.n,
            highlight: Some(lv.score) == ge,
            tooltip: format!(
                "{} {}: {}, n = {}",
                l.t("ret-score"),
                lv.score,
                view::with_interval(
                    &view::pct(lv.retention.rate, l),
                    &view::pct(lv.retention.ci_low, l),
                    &view::pct(lv.retention.ci_high, l),
                    l
                ),
                l.whole(lv.retention.n)
            ),
        })
        .collect();
    let y_min = axis_floor(r.levels.iter().map(|lv| lv.retention.ci_low));
    let ge_line = ge
        .and_then(|s| r.levels.iter().find(|lv| lv.score == s))
        .map(|lv| (lv.retention.rate * 100.0, l.t_args("ret-ge-line", &[("score", arg(lv.score.to_string()))])));
    let by_score_svg = view::responsive(
        |w, h| charts::bars(&l.t("ret-by-score"), &l.t("ret-retained-pct"), y_min, 100.0, &bars, ge_line.clone(), w, h),
        900,
        340,
    );
    let observed = Curve {
        label: l.t("ret-observed"),
        points: r.levels.iter().map(|lv| (f64::from(lv.score), lv.retention.rate * 100.0)).collect(),
        low: Some(r.levels.iter().map(|lv| (f64::from(lv.score), lv.retention.ci_low * 100.0)).collect()),
        high: Some(r.levels.iter().map(|lv| (f64::from(lv.score), lv.retention.ci_high * 100.0)).collect()),
    };
    let (hinge_svg, profile_svg) = match &r.hinge {
        Some(h) => {
            let fitted = Curve {
                label: l.t("ret-hinge-fit"),
                points: r
                    .levels
                    .iter()
                    .map(|lv| {
                        let s = f64::from(lv.score);
                        let psi = f64::from(h.psi);
                        let z = h.intercept + h.slope_before * s.min(psi) + h.slope_after * (s - psi).max(0.0);
                        (s, 100.0 / (1.0 + (-z).exp()))
                    })
                    .collect(),
                low: None,
                high: None,
            };
            let bend = Some((f64::from(h.psi), l.t_args("ret-bend", &[("score", arg(h.psi.to_string()))])));
            let profile = Curve {
                label: l.t("ret-profile"),
                points: h.profile.iter().map(|p| (f64::from(p.psi), p.log_likelihood)).collect(),
                low: None,
                high: None,
            };
            let curves = [observed, fitted];
            (
                view::responsive(
                    |w, h| {
                        let (title, x, y) = (l.t("ret-hinge-title"), l.t("ret-score"), l.t("ret-retained-pct"));
                        charts::lines(&title, &x, &y, &curves, w, h, bend.clone())
                    },
                    900,
                    320,
                ),
                view::responsive(
                    |w, h| {
                        let (title, x, y) = (l.t("ret-profile-title"), l.t("ret-bend-at"), l.t("ret-loglik"));
                        charts::lines(&title, &x, &y, std::slice::from_ref(&profile), w, h, bend.clone())
                    },
                    900,
                    260,
                ),
            )
        }
        None => (String::new(), String::new()),
    };
    let km: Vec<Curve> = r
        .survival
        .bands
        .iter()
        .map(|b| {
            let mut pts = vec![(0.0, 100.0)];
            let mut low = vec![(0.0, 100.0)];
            let mut high = vec![(0.0, 100.0)];
            for p in &b.at {
                if let (Some(s), Some(lo), Some(hi)) = (p.survival, p.ci_low, p.ci_high) {
                    pts.push((p.days as f64, s * 100.0));
                    low.push((p.days as f64, lo * 100.0));
                    high.push((p.days as f64, hi * 100.0));
                }
            }
            Curve { label: format!("{} (n = {})", b.label, b.customers), points: pts, low: Some(low), high: Some(high) }
        })
        .collect();
    let km_svg = view::responsive(
        |w, h| {
            let (title, x, y) = (l.t("ret-km-title"), l.t("ret-days"), l.t("ret-still-customer"));
            // The estimates are at a few fixed days: lines with a marker at each, not steps
            // that would drop straight down where the follow-up ends.
            charts::lines(&title, &x, &y, &km, w, h, None)
        },
        900,
        340,
    );
    let steps = r
        .steps
        .iter()
        .map(|s| StepRow {
            from: s.from,
            to: s.to,
            diff: view::with_interval(&points(s.diff, l), &points(s.ci_low, l), &points(s.ci_high, l), l),
            p: l.p_value(s.holm_p),
            mde: l.decimal(s.mde * 100.0, 1, false),
            clear: s.holm_p <= 0.05,
        })
        .collect();
    let groups: Vec<GroupRow> = r
        .nps_groups
        .iter()
        .flatten()
        .map(|g| GroupRow {
            group: l.t(&format!("nps-{}", g.group)),
            n: g.retention.n,
            rate: view::with_interval(
                &view::pct(g.retention.rate, l),
                &view::pct(g.retention.ci_low, l),
                &view::pct(g.retention.ci_high, l),
                l,
            ),
        })
        .collect();
    let nps_note = nps_note(survey, r, l);
    let missing: Vec<String> =
        survey.scale.scores().filter(|s| !r.levels.iter().any(|lv| lv.score == *s)).map(|s| s.to_string()).collect();
    let missing_note = if missing.is_empty() {
        String::new()
    } else {
        l.t_args("ret-missing-levels", &[("scores", arg(missing.join(", ")))])
    };
    let (verdict_svg, rates) = rate_model(r, l);
    Ready {
        headline: retention::headline(r, l),
        method: l.t("headline-method"),
        verdict_svg,
        rates,
        computed_at: view::datetime(computed_at, l, tz),
        took_ms,
        stale,
        customers: r.customers,
        horizon_days: r.horizon_days,
        good_enough: ge,
        by_score_svg,
        hinge_svg,
        profile_svg,
        km_svg,
        steps,
        levels: r
            .levels
            .iter()
            .map(|lv| {
                (
                    lv.score,
                    lv.retention.n,
                    view::with_interval(
                        &view::pct(lv.retention.rate, l),
                        &view::pct(lv.retention.ci_low, l),
                        &view::pct(lv.retention.ci_high, l),
                        l,
                    ),
                )
            })
            .collect(),
        groups,
        nps_note,
        missing_note,
        limits: limits(r, l),
        notes: [
            &r.chi_square_note,
            &r.trend_note,
            &r.logistic_note,
            &r.hinge_note,
            &r.good_enough_note,
            &r.survival.logrank_note,
            &r.survival.cox_note,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect(),
    }
}

/// The headline's rate model as people read it: retention over the horizon by latest answer at
/// the customers' mix of tenure, and the table beside the raw figure. A level's interval is its
/// own rate's (a Poisson count of churn: se of the log rate 1/√events), not the ratio to the
/// highest level, which has none by construction.
fn rate_model(r: &AnalysisReport, l: &Locale) -> (String, Vec<RateRow>) {
    let h = &r.headline;
    if h.levels.is_empty() {
        return (String::new(), Vec::new());
    }
    // R = exp(−H·r₀·e^β): the level's retention moves with its log rate ratio.
    let at = |lv: &crate::analysis::headline::LevelRate, shift: f64| {
        let log_base = (-lv.retention.ln()).ln() - lv.adjusted.log_rate_ratio;
        (-(log_base + lv.adjusted.log_rate_ratio + shift).exp()).exp()
    };
    let bars: Vec<Bar> = h
        .levels
        .iter()
        .map(|lv| {
            let se = 1.0 / (lv.events.max(1) as f64).sqrt();
            let (low, high) = (at(lv, view::Z95 * se), at(lv, -view::Z95 * se));
            Bar {
                label: lv.score.to_string(),
                value: lv.retention * 100.0,
                low: low * 100.0,
                high: high * 100.0,
                n: lv.events,
                highlight: Some(lv.score) == h.score,
                tooltip: format!(
                    "{} {}: {}",
                    l.t("ret-score"),
                    lv.score,
                    view::with_interval(&view::pct(lv.retention, l), &view::pct(low, l), &view::pct(high, l), l)
                ),
            }
        })
        .collect();
    let y_min = axis_floor(bars.iter().map(|b| b.low / 100.0));
    let line = h
        .score
        .and_then(|s| h.levels.iter().find(|lv| lv.score == s))
        .map(|lv| (lv.retention * 100.0, l.t_args("ret-ge-line", &[("score", arg(lv.score.to_string()))])));
    let svg = view::responsive(
        |w, h| {
            charts::bars(&l.t("ret-verdict-chart"), &l.t("ret-retained-pct"), y_min, 100.0, &bars, line.clone(), w, h)
        },
        900,
        320,
    );
    let rows = h
        .levels
        .iter()
        .map(|lv| RateRow {
            score: lv.score,
            events: lv.events,
            years: l.whole(lv.exposure_years.round() as u64),
            adjusted: view::pct(lv.retention, l),
            raw: view::pct(lv.retention_raw, l),
            highlight: Some(lv.score) == h.score,
        })
        .collect();
    (svg, rows)
}

/// Where NPS and retention disagree: NPS calls a 7 or 8 "passive" even when those customers
/// stay as well as promoters.
fn nps_note(survey: &Survey, r: &AnalysisReport, l: &Locale) -> String {
    if !survey.scale.has_nps_groups() {
        return String::new();
    }
    let rate = |s: i32| r.levels.iter().find(|lv| lv.score == s).map(|lv| lv.retention.rate);
    let promoters = r.nps_groups.iter().flatten().find(|g| g.group == "promoter").map(|g| g.retention.rate);
    match (rate(8), promoters) {
        (Some(eight), Some(p)) => l.t_args(
            "ret-nps-note",
            &[
                ("eight", arg(view::pct(eight, l))),
                ("promoters", arg(view::pct(p, l))),
                ("gap", arg(points(eight - p, l))),
            ],
        ),
        _ => String::new(),
    }
}

/// What the data cannot tell: too few customers, and the smallest difference between adjacent
/// scores the data would likely have detected.
fn limits(r: &AnalysisReport, l: &Locale) -> Vec<String> {
    let mut out = Vec::new();
    if r.customers < 1000 {
        out.push(l.t_args("ret-few-customers", &[("n", arg(r.customers.to_string()))]));
    }
    let mut mdes: Vec<(i32, i32, f64)> = r.steps.iter().map(|s| (s.from, s.to, s.mde)).collect();
    mdes.sort_by(|a, b| b.2.total_cmp(&a.2));
    if let Some((from, to, mde)) = mdes.first() {
        out.push(l.t_args(
            "ret-mde",
            &[
                ("from", arg(from.to_string())),
                ("to", arg(to.to_string())),
                ("mde", arg(l.decimal(mde * 100.0, 1, false))),
            ],
        ));
    }
    let thin: Vec<String> = r.levels.iter().filter(|lv| lv.retention.n < 30).map(|lv| lv.score.to_string()).collect();
    if !thin.is_empty() {
        out.push(l.t_args("ret-thin-levels", &[("scores", arg(thin.join(", ")))]));
    }
    out
}
