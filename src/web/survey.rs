//! The customer's side: `/s/{token}` and one-click score links. No login, no JavaScript needed.
//! Pages speak the customer's language (the survey's text in it, the catalogue's words around it).
use super::error::{html, PageError};
use super::extract::BrowserLocale;
use super::AppState;
use crate::domain::answers::{self, Answer, Invite, Sender};
use crate::domain::DomainError;
use crate::i18n::Locale;
use crate::types::{AnswerState, Scale, Signal};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::domain::evidence::TRAP;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/s/{token}/beacon").route(web::post().to(beacon)))
        .service(
            web::resource("/s/{token}")
                .route(web::get().to(show))
                .route(web::head().to(head_only))
                .route(web::post().to(submit)),
        )
        .service(
            web::resource("/s/{token}/{score}")
                .route(web::get().to(click))
                .route(web::head().to(head_only))
                .route(web::post().to(click_post)),
        )
        .app_data(
            web::FormConfig::default()
                .limit(16 * 1024)
                .error_handler(|_, req| PageError::bad_form(super::extract::browser_locale(req)).into()),
        );
}

/// The catalogue's words of the answer pages in one language.
struct Words {
    lang: &'static str,
    thanks: String,
    change: String,
    comment_hint: String,
    send: String,
    saved: String,
    comment_thanks: String,
    comment_saved: String,
    edit: String,
    your_score: String,
    low: String,
    high: String,
}

impl Words {
    /// The words for a language and scale, looked up in the catalogue once per process: a page
    /// answered in one click should not format ten catalogue messages each time.
    fn get(locale: &Locale, scale: Scale) -> &'static Words {
        static ALL: std::sync::OnceLock<Vec<(&'static str, Scale, Words)>> = std::sync::OnceLock::new();
        let all = ALL.get_or_init(|| {
            let mut v = Vec::new();
            for l in Locale::all() {
                for &s in <Scale as crate::types::TextEnum>::ALL {
                    v.push((l.tag(), s, Words::new(l, s)));
                }
            }
            v
        });
        &all.iter().find(|(tag, s, _)| *tag == locale.tag() && *s == scale).expect("every language and scale").2
    }

    fn new(locale: &Locale, scale: Scale) -> Words {
        let (low, high) = locale.anchors(scale);
        Words {
            lang: locale.tag(),
            thanks: locale.t("survey-thanks"),
            change: locale.t("survey-change"),
            comment_hint: locale.t("survey-comment-hint"),
            send: locale.t("survey-send"),
            saved: locale.t("survey-saved"),
            comment_thanks: locale.t("survey-comment-thanks"),
            comment_saved: locale.t("survey-comment-saved"),
            edit: locale.t("survey-edit"),
            your_score: locale.t("survey-your-score"),
            low,
            high,
        }
    }
}

#[derive(Template)]
#[template(path = "question.html")]
struct QuestionPage<'a> {
    w: &'static Words,
    /// Who asks: the customer answers the company, not acht.
    brand: &'a crate::config::Branding,
    token: String,
    question: String,
    scores: Vec<i32>,
    columns: usize,
}

#[derive(Template)]
#[template(path = "thanks.html")]
struct ThanksPage<'a> {
    w: &'static Words,
    brand: &'a crate::config::Branding,
    token: String,
    followup: String,
    scores: Vec<i32>,
    chosen: i32,
    columns: usize,
    comment: String,
    confirm: Confirm,
    /// The dwell time the page's script waits for before it reports one.
    dwell_ms: i64,
}

/// What the thank-you page confirms: nothing new (a return visit), a saved score (from the
/// email's link or a button), or a sent comment, which the page then leads with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirm {
    Nothing,
    Score,
    Comment,
}

/// The scale in one row, as in the email, so its anchors stay at its ends on every width.
fn columns(n: usize) -> usize {
    n
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers().get(name).and_then(|h| h.to_str().ok()).map(str::to_string)
}

/// The evidence a request carries about its sender. The address is the peer's, or, when the
/// peer is a trusted proxy, the last address its `X-Forwarded-For` names (a client can write
/// anything into that header, so only a proxy we trust is believed).
fn sender(req: &HttpRequest, trusted: &[std::net::IpAddr]) -> Sender {
    let fetch: Vec<String> = ["Site", "Mode", "Dest", "User"]
        .iter()
        .filter_map(|k| header(req, &format!("Sec-Fetch-{k}")).map(|v| format!("{}={v}", k.to_lowercase())))
        .collect();
    Sender {
        address: client_address(req, trusted),
        user_agent: header(req, "User-Agent"),
        fetch_meta: (!fetch.is_empty()).then(|| fetch.join(" ")),
        accept_language: req.headers().contains_key("Accept-Language"),
    }
}

/// The client's address: the peer's, or the one a trusted proxy forwarded for.
pub(crate) fn client_address(req: &HttpRequest, trusted: &[std::net::IpAddr]) -> Option<String> {
    let peer = req.peer_addr().map(|a| a.ip().to_canonical());
    // Every X-Forwarded-For line, read from the right: the first address that is not one of our
    // trusted proxies is the client's (what lies left of it, the client could have written).
    let forwarded = || {
        let hops: Vec<std::net::IpAddr> = req
            .headers()
            .get_all("X-Forwarded-For")
            .filter_map(|h| h.to_str().ok())
            .flat_map(|h| h.split(','))
            .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
            .map(|ip| ip.to_canonical())
            .collect();
        hops.into_iter().rev().find(|ip| !trusted.contains(ip))
    };
    match peer {
        Some(ip) if trusted.contains(&ip) => Some(forwarded().unwrap_or(ip).to_string()),
        Some(ip) => Some(ip.to_string()),
        None => None,
    }
}

/// Records one event for the invitation behind `token` with the request's evidence, in the
/// next batch of its writer ([`answers::record_batch`]).
async fn record(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
    answer: Answer,
    signal: Signal,
    visible_ms: Option<i64>,
) -> Result<answers::Invite, DomainError> {
    let item = answers::Signalled {
        token: token.to_string(),
        answer,
        signal,
        sender: sender(req, &state.trusted_proxies),
        visible_ms,
        now: state.now_ms(),
        rules: state.answer_rules,
    };
    state.answers.submit(item.key(), item).await
}

/// HEAD is what scanners send: answer without side effects.
async fn head_only() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").finish()
}

/// Finds the invitation behind a token, or the friendly page for an unknown one.
async fn find(state: &AppState, token: &str, locale: &Locale) -> Result<Invite, PageError> {
    let t = token.to_string();
    state.db.read(move |c| answers::find(c, &t)).await.map_err(|e| PageError::new(e, locale.clone()))
}

async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    BrowserLocale(browser): BrowserLocale,
) -> Result<HttpResponse, PageError> {
    let token = token.into_inner();
    // The visit is evidence too (no score yet).
    let viewed = record(&req, &state, &token, Answer::default(), Signal::View, None).await;
    let invite = match viewed {
        Ok(invite) => invite,
        // Expired, or a link with too many visits: show what is there without recording.
        Err(DomainError::Expired | DomainError::Invalid { .. }) => find(&state, &token, &browser).await?,
        Err(e) => return Err(PageError::new(e, browser)),
    };
    let text = invite.text();
    if invite.is_expired(state.now_ms()) {
        return Err(PageError::new(DomainError::Expired, text.locale));
    }
    // A stored answer that no person stood behind (a scanner's sweep, a bare request) is not
    // shown as theirs: the question comes again, with nothing chosen.
    let theirs = invite.response.as_ref().filter(|r| {
        matches!(
            crate::domain::evidence::effective_state(r, state.now_ms()),
            AnswerState::Counted | AnswerState::Provisional
        )
    });
    if let Some(r) = theirs {
        return Ok(thanks(&state, &invite, token, r.score, r.comment.clone().unwrap_or_default(), Confirm::Nothing));
    }
    Ok(question_page(&state, &invite.survey, &invite.customer.locale, &token))
}

/// The question page of `survey` as a customer speaking `locale` sees it, with `token` in its
/// form: an admin's preview of an unsaved survey (with a stand-in token) is the page itself.
pub(crate) fn question_page(
    state: &AppState,
    survey: &crate::db::models::Survey,
    locale: &str,
    token: &str,
) -> HttpResponse {
    let text = survey.text_for(locale);
    let scale = survey.scale;
    let brand = state.branding.get();
    let page = QuestionPage {
        w: Words::get(&text.locale, scale),
        brand: &brand,
        token: token.to_string(),
        question: text.question,
        scores: scale.scores().collect(),
        columns: columns(scale.scores().count()),
    };
    html(StatusCode::OK, page.render())
}

fn thanks(
    state: &AppState,
    invite: &Invite,
    token: String,
    chosen: i32,
    comment: String,
    confirm: Confirm,
) -> HttpResponse {
    let text = invite.text();
    let scale = invite.scale();
    let dwell_ms = state.answer_rules.dwell_ms;
    let brand = state.branding.get();
    let page = ThanksPage {
        w: Words::get(&text.locale, scale),
        brand: &brand,
        token,
        followup: text.followup,
        scores: scale.scores().collect(),
        chosen,
        columns: columns(scale.scores().count()),
        comment,
        confirm,
        dwell_ms,
    };
    html(StatusCode::OK, page.render())
}

async fn record_and_thank(
    req: &HttpRequest,
    state: &AppState,
    token: String,
    answer: Answer,
    signal: Signal,
    browser: Locale,
) -> Result<HttpResponse, PageError> {
    let clicked = answer.score;
    let commented = answer.comment.as_deref().is_some_and(|c| !c.trim().is_empty());
    match record(req, state, &token, answer, signal, None).await {
        Ok(invite) => {
            let r = invite.response.clone().expect("a score event stores an answer");
            // The page shows what this person chose, whatever another source sent meanwhile.
            let chosen = clicked.unwrap_or(r.score);
            let confirm = if commented { Confirm::Comment } else { Confirm::Score };
            Ok(thanks(state, &invite, token, chosen, r.comment.unwrap_or_default(), confirm))
        }
        Err(DomainError::Expired) => {
            // Speak the customer's language, which we know for a real (if expired) link.
            let locale = find(state, &token, &browser).await.map_or(browser, |i| i.text().locale);
            Err(PageError::new(DomainError::Expired, locale))
        }
        Err(e) => Err(PageError::new(e, browser)),
    }
}

/// A score in a path: a whole number, else the link is not one of ours.
fn parse_score(score: &str, locale: &Locale) -> Result<i32, PageError> {
    score.parse::<i32>().map_err(|_| PageError::new(DomainError::NotFound("survey link".into()), locale.clone()))
}

/// One click from an email: stored at once, unconfirmed until a human signal.
async fn click(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    BrowserLocale(browser): BrowserLocale,
) -> Result<HttpResponse, PageError> {
    let (token, score) = path.into_inner();
    if score == TRAP {
        signal(&req, &state, token, Signal::Trap, None, browser).await?;
        return Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(""));
    }
    let score = parse_score(&score, &browser)?;
    record_and_thank(&req, &state, token, Answer { score: Some(score), comment: None }, Signal::Link, browser).await
}

/// A score posted by a button (`POST /s/{token}/{score}`): a human action. `POST /s/{token}/gesture`
/// is the page's script reporting a real user gesture, which confirms the answer.
async fn click_post(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    BrowserLocale(browser): BrowserLocale,
) -> Result<HttpResponse, PageError> {
    let (token, score) = path.into_inner();
    if score == "gesture" {
        return signal(&req, &state, token, Signal::Gesture, None, browser).await;
    }
    let score = parse_score(&score, &browser)?;
    record_and_thank(&req, &state, token, Answer { score: Some(score), comment: None }, Signal::Form, browser).await
}

#[derive(Debug, Deserialize)]
struct AnswerForm {
    score: Option<String>,
    comment: Option<String>,
}

/// The page's own form: score buttons, a changed score, a comment.
async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: web::Form<AnswerForm>,
    BrowserLocale(browser): BrowserLocale,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let score = match form.score.as_deref().filter(|s| !s.is_empty()).map(str::parse::<i32>) {
        Some(Ok(s)) => Some(s),
        Some(Err(_)) => return Err(PageError::bad_form(browser)),
        None => None,
    };
    // Browsers send CRLF line ends; keep what the customer typed otherwise untouched.
    let comment = form.comment.map(|c| c.replace("\r\n", "\n"));
    record_and_thank(&req, &state, token.into_inner(), Answer { score, comment }, Signal::Form, browser).await
}

/// A signal from the page's script (gesture, loaded, dwell, hidden) or the trap: stored as
/// evidence; no page, just a status.
async fn signal(
    req: &HttpRequest,
    state: &AppState,
    token: String,
    kind: Signal,
    visible_ms: Option<i64>,
    browser: Locale,
) -> Result<HttpResponse, PageError> {
    record(req, state, &token, Answer::default(), kind, visible_ms).await.map_err(|e| PageError::new(e, browser))?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
struct BeaconForm {
    kind: String,
    visible_ms: Option<i64>,
    /// "1" when the page's script found the browser driven by automation (`navigator.webdriver`).
    automated: Option<String>,
}

/// `POST /s/{token}/beacon` (`navigator.sendBeacon`): the page loaded, stayed in view for the
/// dwell time, or was hidden or closed after `visible_ms` in view.
async fn beacon(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: web::Form<BeaconForm>,
    BrowserLocale(browser): BrowserLocale,
) -> Result<HttpResponse, PageError> {
    let kind = match form.kind.as_str() {
        "loaded" => Signal::Loaded,
        "dwell" => Signal::Dwell,
        "hidden" => Signal::Hidden,
        _ => return Err(PageError::bad_form(browser)),
    };
    // An automated browser (a scanner rendering the page, however long it stays) shows only
    // that the page was loaded: its time on the page is no evidence of a person.
    if form.automated.as_deref() == Some("1") {
        return signal(&req, &state, token.into_inner(), Signal::Loaded, None, browser).await;
    }
    signal(&req, &state, token.into_inner(), kind, form.visible_ms, browser).await
}
