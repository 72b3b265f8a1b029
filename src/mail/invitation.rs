//! The survey email: the question with one-click score links, in the customer's language.
//!
//! Built for the mail programs people use: a table layout with inline styles (Outlook's Word
//! engine ignores most CSS), score buttons as coloured table cells with white text (readable
//! whether or not a dark mode inverts the page), a plain-text part with every link, and the
//! headers mail programs use for their own unsubscribe button (RFC 2369 and RFC 8058).
use super::{AutoSubmitted, ListUnsubscribe, ListUnsubscribePost, Mailer};
use crate::config::Branding;
use crate::db::models::Survey;
use crate::domain::queue::InvitationMail;
use crate::domain::token::invitation_token;
use crate::i18n::{arg, Locale};
use askama::Template;
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

/// One score button: its number and link.
pub struct Button {
    pub score: i32,
    pub href: String,
}

#[derive(Template)]
#[template(path = "mail/invitation.html")]
struct Html<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "mail/invitation.txt", escape = "none")]
struct Text<'a> {
    v: &'a View,
}

/// Everything the two parts show.
pub struct View {
    pub lang: &'static str,
    pub company: String,
    pub colour: String,
    pub logo_url: Option<String>,
    pub question: String,
    pub lead: String,
    pub buttons: Vec<Button>,
    pub low: String,
    pub high: String,
    pub page: String,
    pub open_in_browser: String,
    pub trap: String,
    pub why: String,
    pub unsubscribe: String,
    pub unsubscribe_text: String,
    pub scores_text: String,
}

/// The view of an invitation's email: links carry the invitation's token, made again from
/// the instance secret (it is never stored).
pub fn view(mailer: &Mailer, base_url: &str, secret: &[u8], m: &InvitationMail) -> View {
    let token = invitation_token(secret, m.invitation.id);
    view_of(&mailer.branding.get(), base_url, &token, &m.survey, &m.locale)
}

/// The email of `survey` as a customer speaking `locale` gets it, with links carrying `token`:
/// what is sent, and (with a stand-in token) the admin's preview of it.
pub fn view_of(branding: &Branding, base_url: &str, token: &str, survey: &Survey, locale: &str) -> View {
    let shown = survey.text_for(locale);
    let l: &Locale = &shown.locale;
    let (low, high) = l.anchors(survey.scale);
    let company = branding.company.clone();
    let days = survey.fatigue_global_days.max(survey.fatigue_survey_days);
    let why = if days > 0 {
        l.t_args("mail-invitation-why", &[("company", arg(&company)), ("days", days.into())])
    } else {
        l.t_args("mail-invitation-why-plain", &[("company", arg(&company))])
    };
    View {
        lang: l.tag(),
        colour: branding.colour.clone(),
        logo_url: branding.logo_url.clone(),
        question: shown.question,
        lead: l.t("mail-invitation-lead"),
        buttons: survey
            .scale
            .scores()
            .map(|score| Button { score, href: format!("{base_url}/s/{token}/{score}") })
            .collect(),
        low,
        high,
        page: format!("{base_url}/s/{token}"),
        open_in_browser: l.t("mail-invitation-open"),
        trap: format!("{base_url}/s/{token}/{}", crate::domain::evidence::TRAP),
        why,
        unsubscribe: format!("{base_url}/u/{token}"),
        unsubscribe_text: l.t("mail-unsubscribe"),
        scores_text: l.t("mail-text-scores"),
        company,
    }
}

/// The email's HTML part.
pub fn html(v: &View) -> Result<String, String> {
    Html { v }.render().map_err(|e| e.to_string())
}

/// The whole message to `to`, with its stable `Message-ID`.
pub fn compose(mailer: &Mailer, v: &View, to: &str, message_id: String) -> Result<Message, String> {
    // The error names no address: it is kept in the outbox, which outlives an erasure's reach.
    let to: Mailbox = to.parse().map_err(|e| format!("the customer's address is not usable: {e}"))?;
    let html = html(v)?;
    let text = Text { v }.render().map_err(|e| e.to_string())?;
    Message::builder()
        .from(mailer.from().clone())
        .to(to)
        .subject(&v.question)
        .message_id(Some(message_id))
        .header(ListUnsubscribe(format!("<{}>", v.unsubscribe)))
        .header(ListUnsubscribePost)
        .header(AutoSubmitted)
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| e.to_string())
}
