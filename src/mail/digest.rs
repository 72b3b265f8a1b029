//! The follow-up digest: an assignee's open follow-ups as one morning email, overdue first, each
//! with the customer, the score, what they wrote and a link to the follow-up's page. Sent to
//! acht's own users, in their language and time zone.
use super::{AutoSubmitted, Mailer};
use crate::domain::digests::{self, Content};
use crate::i18n::{arg, Locale};
use askama::Template;
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

pub struct Item {
    pub score: i32,
    pub out_of: i32,
    pub customer: String,
    pub survey: String,
    pub touchpoint: String,
    pub comment: String,
    pub waiting: String,
    pub overdue: bool,
    pub link: String,
}

/// Everything the two parts show.
pub struct View {
    pub lang: &'static str,
    pub company: String,
    pub colour: String,
    pub subject: String,
    pub lead: String,
    pub items: Vec<Item>,
    pub overdue_word: String,
    pub open_queue: String,
    pub queue_link: String,
    pub why: String,
}

#[derive(Template)]
#[template(path = "mail/digest.html")]
struct Html<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "mail/digest.txt", escape = "none")]
struct Text<'a> {
    v: &'a View,
}

pub fn view(mailer: &Mailer, base_url: &str, c: &Content, now: i64, overdue_days: i64) -> View {
    let l = Locale::negotiate(&c.locale);
    let overdue = c.open.iter().filter(|f| f.followup.is_overdue(now, overdue_days)).count();
    let count = c.open.len();
    let subject = if overdue > 0 {
        l.t_args("mail-digest-subject-overdue", &[("count", count.into()), ("overdue", overdue.into())])
    } else {
        l.t_args("mail-digest-subject", &[("count", count.into())])
    };
    let items = c
        .open
        .iter()
        .map(|f| Item {
            score: f.followup.score,
            out_of: f.scale.range().1,
            customer: f.customer.clone(),
            survey: f.survey_name.clone(),
            touchpoint: f.touchpoint.clone().unwrap_or_default(),
            comment: f.comment.clone().unwrap_or_default().chars().take(300).collect(),
            waiting: l.t_args("mail-digest-waiting", &[("days", digests::days_open(f.followup.opened_at, now).into())]),
            overdue: f.followup.is_overdue(now, overdue_days),
            link: format!("{base_url}/app/followups/{}", f.followup.id),
        })
        .collect();
    let brand = mailer.branding.get();
    let company = brand.company.clone();
    View {
        lang: l.tag(),
        colour: brand.colour.clone(),
        lead: l.t_args("mail-digest-lead", &[("days", overdue_days.into())]),
        items,
        overdue_word: l.t("followup-overdue"),
        open_queue: l.t("mail-digest-open-queue"),
        queue_link: format!("{base_url}/app/followups?queue=mine"),
        why: l.t_args("mail-digest-why", &[("company", arg(&company))]),
        subject,
        company,
    }
}

/// The whole message to `to`, with its stable `Message-ID`.
pub fn compose(mailer: &Mailer, v: &View, to: &str, message_id: String) -> Result<Message, String> {
    let to: Mailbox = to.parse().map_err(|e| format!("the address is not usable: {e}"))?;
    let html = Html { v }.render().map_err(|e| e.to_string())?;
    let text = Text { v }.render().map_err(|e| e.to_string())?;
    Message::builder()
        .from(mailer.from().clone())
        .to(to)
        .subject(&v.subject)
        .message_id(Some(message_id))
        .header(AutoSubmitted)
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| e.to_string())
}
