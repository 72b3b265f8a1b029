//! The overview: per survey, the last 30 days against the 30 before, with only the clear
//! changes called out.
use super::{render, Chrome, SignedIn};
use crate::domain::figures::{self, Filter, PeriodComparison};
use crate::domain::{retention, surveys, DomainError, Survey};
use crate::view::{self, direction};
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

/// The overview compares periods of this many days.
pub const PERIOD_DAYS: i64 = 30;

/// One survey's card.
pub struct Card {
    pub slug: String,
    pub name: String,
    pub metric_name: String,
    pub period: String,
    pub previous_period: String,
    pub answers: u64,
    pub answers_before: u64,
    pub response_rate: String,
    pub response_rate_before: String,
    pub metric: String,
    pub metric_before: String,
    pub metric_dir: &'static str,
    pub metric_p: String,
    pub metric_test: String,
    pub share: String,
    pub share_before: String,
    pub share_dir: &'static str,
    pub share_p: String,
    pub good_enough: i32,
    pub good_enough_found: bool,
    pub thin: bool,
    /// The headline's sentence, once the survey's analysis is computed.
    pub finding: Option<String>,
}

#[derive(Template)]
#[template(path = "app/overview.html")]
struct OverviewPage {
    c: Chrome,
    cards: Vec<Card>,
}

pub async fn page(req: HttpRequest, state: web::Data<AppState>, signed: SignedIn) -> Result<HttpResponse, PageError> {
    let now = state.now_ms();
    let l = signed.locale.clone();
    let lc = l.clone();
    let cards = state
        .db
        .read(move |c| {
            let mut cards = Vec::new();
            for survey in surveys::list(c)? {
                let (ge, found) = retention::good_enough(c, &survey)?;
                let to_day = figures::period_end(c, survey.id, now)?;
                let f = Filter { from_day: to_day - PERIOD_DAYS, to_day, ..Filter::default() };
                let cmp = figures::compare_periods(c, survey.id, survey.scale, &f, ge)?;
                let mut card = card(&survey, &cmp, &f, ge, found, &lc);
                card.finding = retention::stored(c, survey.id)?.map(|a| retention::headline(&a.report, &lc));
                cards.push(card);
            }
            Ok::<_, DomainError>(cards)
        })
        .await
        .map_err(|e| PageError::from_domain(e, l))?;
    Ok(render(OverviewPage { c: Chrome::new(&signed, "overview", &req), cards }))
}

fn card(s: &Survey, cmp: &PeriodComparison, f: &Filter, ge: i32, found: bool, l: &crate::i18n::Locale) -> Card {
    let (cur, prev) = (&cmp.current, &cmp.previous);
    let len = f.to_day - f.from_day;
    let rate = |b: &figures::Bucket| b.response_rate.map(|e| view::pct(e.value)).unwrap_or_else(|| "–".into());
    let p =
        |c: &Option<crate::analysis::trends::Comparison>| c.map(|c| format!("{:.3}", c.p_value)).unwrap_or_default();
    Card {
        slug: s.slug.clone(),
        name: s.name.clone(),
        metric_name: view::metric_name(s.scale, l),
        period: format!("{} – {}", view::date(f.from_day), view::date(f.to_day - 1)),
        previous_period: format!("{} – {}", view::date(f.from_day - len), view::date(f.from_day - 1)),
        answers: cur.counts.answers(),
        answers_before: prev.counts.answers(),
        response_rate: rate(cur),
        response_rate_before: rate(prev),
        metric: view::metric_with_interval(s.scale, &cur.metric),
        metric_before: view::metric_with_interval(s.scale, &prev.metric),
        metric_dir: direction(cur.metric_clear, cur.metric_change.map(|c| c.diff)),
        metric_p: p(&cur.metric_change),
        metric_test: cur.metric_change.map(|c| c.test.to_string()).unwrap_or_default(),
        share: view::share_with_interval(&cur.share),
        share_before: view::share_with_interval(&prev.share),
        share_dir: direction(cur.share_clear, cur.share_change.map(|c| c.diff)),
        share_p: p(&cur.share_change),
        good_enough: ge,
        good_enough_found: found,
        thin: cur.thin,
        finding: None,
    }
}
