//! The report email: per survey, the period against the one before, overall and per
//! touchpoint, with the trend pages' figures and clear-change rule, the good-enough finding,
//! the lowest-scored answers with their comments, and charts as inline PNG (drawn from the
//! same chart code as the app's SVG). A plain-text part tells the same without the charts.
use super::{AutoSubmitted, ListUnsubscribe, ListUnsubscribePost, Mailer};
use crate::charts;
use crate::domain::figures::{Bucket, PeriodComparison};
use crate::domain::reports::{ReportData, SurveySection};
use crate::i18n::{arg, Locale};
use crate::types::Frequency;
use crate::view::{self, direction};
use askama::Template;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;

/// Chart size in the email (CSS pixels); drawn at twice that for sharp screens.
const CHART_W: u32 = 560;
const CHART_H: u32 = 240;

/// One line of figures: a period against the one before.
pub struct Line {
    pub label: String,
    pub answers: String,
    pub answers_before: String,
    pub response_rate: String,
    pub metric: view::Fig,
    pub metric_before: view::Fig,
    pub metric_change: String,
    pub share: view::Fig,
    pub share_before: view::Fig,
    pub share_change: String,
    pub thin: bool,
}

pub struct QuoteView {
    pub score: i32,
    pub when: String,
    pub touchpoint: String,
    pub comment: String,
}

pub struct Chart {
    pub cid: String,
    pub alt: String,
    pub png: Vec<u8>,
}

pub struct Section {
    pub name: String,
    pub metric_name: String,
    pub share_name: String,
    pub overall: Line,
    pub touchpoints: Vec<Line>,
    pub finding: String,
    pub charts: Vec<Chart>,
    pub lowest: Vec<QuoteView>,
    pub link: String,
}

impl Section {
    /// The overall line, then one per touchpoint.
    pub fn lines(&self) -> Vec<&Line> {
        std::iter::once(&self.overall).chain(&self.touchpoints).collect()
    }
}

/// The catalogue's words the report uses, looked up once.
pub struct Words {
    pub lang: &'static str,
    pub title: String,
    pub lead: String,
    pub answers: String,
    pub response_rate: String,
    pub now: String,
    pub before: String,
    pub touchpoints: String,
    pub overall: String,
    pub lowest: String,
    pub no_comments: String,
    pub open: String,
    pub thin: String,
    pub no_surveys: String,
    pub footer: String,
    pub stop: String,
    /// The subscription's stop link.
    pub stop_url: String,
}

#[derive(Template)]
#[template(path = "mail/report.html")]
struct Html<'a> {
    w: &'a Words,
    sections: &'a [Section],
}

#[derive(Template)]
#[template(path = "mail/report.txt", escape = "none")]
struct Text<'a> {
    w: &'a Words,
    sections: &'a [Section],
}

fn period_text(first_day: i64, end_day: i64, l: &Locale) -> String {
    if end_day - first_day == 1 {
        view::date(first_day, l)
    } else {
        format!("{} – {}", view::date(first_day, l), view::date(end_day - 1, l))
    }
}

/// "clear rise (p = 0.003)", "clear fall …", or "" when the change is not clear.
fn change_text(clear: bool, diff: Option<f64>, p: Option<f64>, l: &Locale) -> String {
    match direction(clear, diff) {
        "up" => format!("▲ {} ({})", l.t("change-up"), l.p_value(p.unwrap_or(0.0))),
        "down" => format!("▼ {} ({})", l.t("change-down"), l.p_value(p.unwrap_or(0.0))),
        _ => String::new(),
    }
}

fn line(label: String, cmp: &PeriodComparison, scale: crate::types::Scale, l: &Locale) -> Line {
    let (cur, prev) = (&cmp.current, &cmp.previous);
    Line {
        label,
        answers: l.whole(cur.counts.answers()),
        answers_before: l.whole(prev.counts.answers()),
        response_rate: view::share_with_interval(&cur.response_rate, l),
        metric: view::Fig::of(view::metric_with_interval(scale, &cur.metric, l)),
        metric_before: view::Fig::of(view::metric_with_interval(scale, &prev.metric, l)),
        metric_change: change_text(
            cur.metric_clear,
            cur.metric_change.map(|c| c.diff),
            cur.metric_change.map(|c| c.p_value),
            l,
        ),
        share: view::Fig::of(view::share_with_interval(&cur.share, l)),
        share_before: view::Fig::of(view::share_with_interval(&prev.share, l)),
        share_change: change_text(
            cur.share_clear,
            cur.share_change.map(|c| c.diff),
            cur.share_change.map(|c| c.p_value),
            l,
        ),
        thin: cur.thin,
    }
}

fn charts_of(i: usize, s: &SurveySection, l: &Locale) -> Result<Vec<Chart>, String> {
    let trend: &[Bucket] = &s.trend;
    let metric = view::metric_chart(trend, s.survey.scale, &s.survey.name, l);
    let share = view::share_chart(trend, s.good_enough, l);
    Ok(vec![
        Chart {
            cid: format!("metric-{i}@acht"),
            alt: metric.title.clone(),
            png: charts::png(&charts::series(&metric, CHART_W, CHART_H), 2.0)?,
        },
        Chart {
            cid: format!("share-{i}@acht"),
            alt: share.title.clone(),
            png: charts::png(&charts::series(&share, CHART_W, CHART_H - 40), 2.0)?,
        },
    ])
}

fn section(i: usize, s: &SurveySection, data: &ReportData, base_url: &str, l: &Locale) -> Result<Section, String> {
    let scale = s.survey.scale;
    let finding = match (&s.finding, s.good_enough_found) {
        (Some(f), true) => f.clone(),
        _ => l.t("overview-ge-default"),
    };
    Ok(Section {
        name: s.survey.name.clone(),
        metric_name: view::metric_name(scale, l),
        share_name: view::share_name(s.good_enough, l),
        overall: line(l.t("report-overall"), &s.overall, scale, l),
        touchpoints: s.touchpoints.iter().map(|(tp, cmp)| line(tp.clone(), cmp, scale, l)).collect(),
        finding,
        charts: charts_of(i, s, l)?,
        lowest: s
            .lowest
            .iter()
            .map(|q| QuoteView {
                score: q.score,
                when: view::datetime(
                    q.answered_at,
                    l,
                    data.subscription.time_zone.parse().unwrap_or(chrono_tz::Europe::Amsterdam),
                ),
                touchpoint: q.touchpoint.clone().unwrap_or_default(),
                comment: q.comment.clone(),
            })
            .collect(),
        link: format!(
            "{base_url}/app/trends?survey={}&from={}&to={}",
            s.survey.slug,
            view::iso_date(data.run.first_day),
            view::iso_date(data.run.end_day - 1)
        ),
    })
}

fn words(data: &ReportData, company: &str, stop_url: String, l: &Locale) -> Words {
    let run = &data.run;
    let frequency = match data.subscription.frequency {
        Frequency::Daily => l.t("freq-daily"),
        Frequency::Weekly => l.t("freq-weekly"),
        Frequency::Monthly => l.t("freq-monthly"),
    };
    Words {
        lang: l.tag(),
        title: l.t_args(
            "report-title",
            &[("company", arg(company)), ("period", arg(period_text(run.first_day, run.end_day, l)))],
        ),
        lead: l.t_args(
            "report-lead",
            &[(
                "previous",
                arg(period_text(
                    crate::domain::reports::previous_first_day(data.subscription.frequency, run),
                    run.first_day,
                    l,
                )),
            )],
        ),
        answers: l.t("fig-answers"),
        response_rate: l.t("fig-response-rate"),
        now: l.t("overview-now"),
        before: l.t("overview-before"),
        touchpoints: l.t("report-touchpoints"),
        overall: l.t("report-overall"),
        lowest: l.t("report-lowest"),
        no_comments: l.t("report-no-comments"),
        open: l.t("report-open"),
        thin: l.t("fig-thin"),
        no_surveys: l.t("overview-empty"),
        footer: l.t_args("report-footer", &[("email", arg(&data.subscription.email)), ("frequency", arg(frequency))]),
        stop: l.t("report-stop-link"),
        stop_url,
    }
}

/// The report's message to its subscriber, with its stable `Message-ID`.
pub fn compose(
    mailer: &Mailer,
    base_url: &str,
    secret: &[u8],
    data: &ReportData,
    l: &Locale,
    message_id: String,
) -> Result<Message, String> {
    let stop_url = format!("{base_url}/r/{}", crate::domain::token::report_token(secret, data.subscription.id));
    let w = words(data, &mailer.branding.get().company, stop_url, l);
    let sections: Vec<Section> =
        data.sections.iter().enumerate().map(|(i, s)| section(i, s, data, base_url, l)).collect::<Result<_, _>>()?;
    let html = Html { w: &w, sections: &sections }.render().map_err(|e| e.to_string())?;
    let text = Text { w: &w, sections: &sections }.render().map_err(|e| e.to_string())?;
    let to: Mailbox =
        data.subscription.email.parse().map_err(|e| format!("the subscriber's address is not usable: {e}"))?;
    let png = ContentType::parse("image/png").expect("a valid content type");
    let mut related = MultiPart::related().singlepart(SinglePart::html(html));
    for chart in sections.iter().flat_map(|s| &s.charts) {
        related = related.singlepart(Attachment::new_inline(chart.cid.clone()).body(chart.png.clone(), png.clone()));
    }
    Message::builder()
        .from(mailer.from().clone())
        .to(to)
        .subject(w.title.clone())
        .message_id(Some(message_id))
        .header(ListUnsubscribe(format!("<{}>", w.stop_url)))
        .header(ListUnsubscribePost)
        .header(AutoSubmitted)
        .multipart(MultiPart::alternative().singlepart(SinglePart::plain(text)).multipart(related))
        .map_err(|e| e.to_string())
}
