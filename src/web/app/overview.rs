//! The overview: per survey, the last four complete weeks against the four before (one period
//! for every card), with only the clear changes called out.
use super::{render, Chrome, SignedIn};
use crate::domain::figures::{self, Filter, PeriodComparison};
use crate::domain::{retention, surveys, DomainError, Survey};
use crate::view::{self, direction};
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

/// One period's figures on a card. A period with fewer answers than [`figures::THIN_BELOW`]
/// shows its count and says in words why it shows no figure: one answer's mean of 6 with an
/// interval from 1 to 10 tells an analyst nothing.
pub struct Column {
    pub answers: u64,
    pub response_rate: String,
    pub metric: view::Fig,
    pub share: view::Fig,
    /// Too few answers for figures ("3 answers: too few for a figure").
    pub too_few: bool,
}

/// One survey's card.
pub struct Card {
    pub slug: String,
    pub name: String,
    pub metric_name: String,
    pub now: Column,
    pub before: Column,
    pub metric_dir: &'static str,
    pub metric_p: String,
    pub metric_test: String,
    pub share_dir: &'static str,
    pub share_p: String,
    pub good_enough: i32,
    pub good_enough_found: bool,
    /// When the period holds no answer: the day of the survey's last answer, if any.
    pub last_answer: Option<String>,
    /// Answers in the running week, which the compared weeks do not hold yet.
    pub this_week: u64,
    /// The headline's sentence, once the survey's analysis is computed.
    pub finding: Option<String>,
}

#[derive(Template)]
#[template(path = "app/overview.html")]
struct OverviewPage {
    c: Chrome,
    cards: Vec<Card>,
    /// The compared periods, the same for every card.
    period: String,
    previous_period: String,
    followups: crate::domain::followups::Counts,
    /// The median time to close, formatted (None: nothing closed lately).
    median_close: Option<String>,
}

pub async fn page(req: HttpRequest, state: web::Data<AppState>, signed: SignedIn) -> Result<HttpResponse, PageError> {
    let now = state.now_ms();
    let l = signed.locale.clone();
    let lc = l.clone();
    let (from_day, to_day) = figures::overview_period(now);
    let today = crate::domain::rollups::day_of(now);
    let overdue_days = state.followup_overdue_days;
    let (cards, followups) = state
        .db
        .read(move |c| {
            let mut cards = Vec::new();
            for survey in surveys::list(c)? {
                let (ge, found) = retention::good_enough(c, &survey)?;
                let f = Filter { from_day, to_day, ..Filter::default() };
                let cmp = figures::compare_periods(c, survey.id, survey.scale, &f, ge)?;
                let mut card = card(&survey, &cmp, ge, found, &lc);
                let running = Filter { from_day: to_day, to_day: today + 1, ..Filter::default() };
                card.this_week = figures::days(c, survey.id, &running)?.values().map(|d| d.answers()).sum();
                if card.now.answers == 0 {
                    card.last_answer = figures::data_days(c, survey.id)?
                        .filter(|(_, last)| *last < from_day)
                        .map(|(_, last)| view::date(last, &lc));
                }
                card.finding = retention::stored(c, survey.id)?.map(|a| retention::headline(&a.report, &lc));
                cards.push(card);
            }
            Ok::<_, DomainError>((cards, crate::domain::followups::counts(c, now, overdue_days)?))
        })
        .await
        .map_err(|e| PageError::from_domain(e, l))?;
    let len = to_day - from_day;
    let median_close = followups.median_hours_to_close.map(|h| signed.locale.decimal(h, 1, false));
    Ok(render(OverviewPage {
        followups,
        median_close,
        c: Chrome::new(&signed, "overview", &req),
        cards,
        period: format!("{} – {}", view::date(from_day, &signed.locale), view::date(to_day - 1, &signed.locale)),
        previous_period: format!(
            "{} – {}",
            view::date(from_day - len, &signed.locale),
            view::date(from_day - 1, &signed.locale)
        ),
    }))
}

fn column(s: &Survey, b: &figures::Bucket, l: &crate::i18n::Locale) -> Column {
    let too_few = b.thin;
    let or_dash = |x: String| if too_few { "–".to_string() } else { x };
    Column {
        answers: b.counts.answers(),
        response_rate: or_dash(b.response_rate.map(|e| view::pct(e.value, l)).unwrap_or_else(|| "–".into())),
        metric: view::Fig::of(or_dash(view::metric_with_interval(s.scale, &b.metric, l))),
        share: view::Fig::of(or_dash(view::share_with_interval(&b.share, l))),
        too_few,
    }
}

fn card(s: &Survey, cmp: &PeriodComparison, ge: i32, found: bool, l: &crate::i18n::Locale) -> Card {
    let cur = &cmp.current;
    // A change from or to a period too thin for figures is not shown as one.
    let comparable = !cur.thin && !cmp.previous.thin;
    let dir = |clear: bool, c: &Option<crate::analysis::trends::Comparison>| {
        if comparable {
            direction(clear, c.map(|c| c.diff))
        } else {
            ""
        }
    };
    let p = |c: &Option<crate::analysis::trends::Comparison>| c.map(|c| l.p_value(c.p_value)).unwrap_or_default();
    Card {
        slug: s.slug.clone(),
        name: s.name.clone(),
        metric_name: view::metric_name(s.scale, l),
        now: column(s, cur, l),
        before: column(s, &cmp.previous, l),
        metric_dir: dir(cur.metric_clear, &cur.metric_change),
        metric_p: p(&cur.metric_change),
        metric_test: cur.metric_change.map(|c| c.test.to_string()).unwrap_or_default(),
        share_dir: dir(cur.share_clear, &cur.share_change),
        share_p: p(&cur.share_change),
        good_enough: ge,
        good_enough_found: found,
        last_answer: None,
        this_week: 0,
        finding: None,
    }
}
