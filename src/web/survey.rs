//! The customer's side: `/s/{token}` and one-click score links. No login, no JavaScript needed.
use super::run;
use crate::domain::answers::{self, Answer, Invite, Signal};
use crate::domain::DomainError;
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
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
    .app_data(web::FormConfig::default().limit(16 * 1024).error_handler(|e, _| {
        actix_web::error::InternalError::from_response(e, message_page(StatusCode::BAD_REQUEST, true, Msg::BadForm))
            .into()
    }));
}

/// Words of the pages, Dutch or English by the customer's locale.
struct Words {
    lang: &'static str,
    thanks: &'static str,
    change: &'static str,
    comment_hint: &'static str,
    send: &'static str,
    saved: &'static str,
    your_score: &'static str,
}

fn words(dutch: bool) -> Words {
    if dutch {
        Words {
            lang: "nl",
            thanks: "Bedankt voor uw antwoord!",
            change: "Wilt u uw cijfer aanpassen?",
            comment_hint: "Toelichting (niet verplicht)",
            send: "Versturen",
            saved: "Uw antwoord is opgeslagen.",
            your_score: "Uw cijfer",
        }
    } else {
        Words {
            lang: "en",
            thanks: "Thank you for your answer!",
            change: "Would you like to change your score?",
            comment_hint: "Comment (optional)",
            send: "Send",
            saved: "Your answer has been saved.",
            your_score: "Your score",
        }
    }
}

#[derive(Template)]
#[template(path = "question.html")]
struct QuestionPage {
    w: Words,
    token: String,
    question: String,
    scores: Vec<i32>,
    columns: usize,
    low: &'static str,
    high: &'static str,
}

/// Buttons per row: up to seven fit a phone in one row; longer scales take two even rows.
fn columns(n: usize) -> usize {
    if n <= 7 {
        n
    } else {
        n.div_ceil(2)
    }
}

#[derive(Template)]
#[template(path = "thanks.html")]
struct ThanksPage {
    w: Words,
    token: String,
    followup: String,
    scores: Vec<i32>,
    chosen: i32,
    columns: usize,
    comment: String,
    saved: bool,
    low: &'static str,
    high: &'static str,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    lang: &'static str,
    title: &'static str,
    body: &'static str,
}

enum Msg {
    NotFound,
    Expired,
    BadForm,
    Unavailable,
}

fn message_page(status: StatusCode, dutch: bool, msg: Msg) -> HttpResponse {
    let (title, body) = match (msg, dutch) {
        (Msg::NotFound, true) => {
            ("Deze link kennen we niet", "Controleer of u de hele link uit de e-mail hebt gebruikt.")
        }
        (Msg::NotFound, false) => {
            ("We don't know this link", "Please check that you used the whole link from the email.")
        }
        (Msg::Expired, true) => ("Deze vragenlijst is gesloten", "Deze link is verlopen. Bedankt voor uw interesse!"),
        (Msg::Expired, false) => ("This survey has closed", "This link has expired. Thank you for your interest!"),
        (Msg::BadForm, true) => ("Dat ging niet goed", "Kies een cijfer en probeer het opnieuw."),
        (Msg::BadForm, false) => ("Something went wrong", "Please choose a score and try again."),
        (Msg::Unavailable, true) => ("Even geduld", "We kunnen uw antwoord nu niet opslaan. Probeer het zo nog eens."),
        (Msg::Unavailable, false) => ("One moment", "We cannot save your answer right now. Please try again shortly."),
    };
    let page = MessagePage { lang: if dutch { "nl" } else { "en" }, title, body };
    html(status, page.render())
}

fn html(status: StatusCode, body: Result<String, askama::Error>) -> HttpResponse {
    match body {
        Ok(b) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .insert_header(("Referrer-Policy", "no-referrer"))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .body(b),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError().body("Sorry, something went wrong.")
        }
    }
}

/// Maps domain errors to friendly pages with the right status.
fn error_page(e: DomainError, dutch: bool) -> HttpResponse {
    match e {
        DomainError::NotFound(_) => message_page(StatusCode::NOT_FOUND, dutch, Msg::NotFound),
        DomainError::Expired => message_page(StatusCode::GONE, dutch, Msg::Expired),
        DomainError::Invalid { .. } | DomainError::Conflict(_) => {
            message_page(StatusCode::BAD_REQUEST, dutch, Msg::BadForm)
        }
        DomainError::Db(err) => {
            tracing::error!(error = %err, "database error on the answer page");
            message_page(StatusCode::SERVICE_UNAVAILABLE, dutch, Msg::Unavailable)
        }
    }
}

/// Guess the language for error pages from the browser when we know no customer.
fn dutch_browser(req: &HttpRequest) -> bool {
    req.headers().get("Accept-Language").and_then(|h| h.to_str().ok()).is_none_or(|l| !l.trim_start().starts_with("en"))
}

fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers().get("User-Agent").and_then(|h| h.to_str().ok()).map(str::to_string)
}

/// HEAD is what scanners send: answer without side effects.
async fn head_only() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").finish()
}

async fn show(req: HttpRequest, state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    let token = token.into_inner();
    let t = token.clone();
    let invite = match run(&state.read, move |c| answers::find(c, &t)).await {
        Ok(i) => i,
        Err(e) => return error_page(e, dutch_browser(&req)),
    };
    if invite.is_expired(crate::db::now_ms()) {
        return message_page(StatusCode::GONE, invite.dutch(), Msg::Expired);
    }
    if let Some(r) = &invite.response {
        return thanks(&invite, token, r.score, r.comment.clone().unwrap_or_default(), false);
    }
    let dutch = invite.dutch();
    let (low, high) = invite.scale().anchors(dutch);
    let page = QuestionPage {
        w: words(dutch),
        token,
        question: if dutch { invite.survey.question_nl.clone() } else { invite.survey.question_en.clone() },
        scores: invite.scale().scores().collect(),
        columns: columns(invite.scale().scores().count()),
        low,
        high,
    };
    html(StatusCode::OK, page.render())
}

fn thanks(invite: &Invite, token: String, chosen: i32, comment: String, saved: bool) -> HttpResponse {
    let dutch = invite.dutch();
    let (low, high) = invite.scale().anchors(dutch);
    let page = ThanksPage {
        w: words(dutch),
        token,
        followup: if dutch { invite.survey.followup_nl.clone() } else { invite.survey.followup_en.clone() },
        scores: invite.scale().scores().collect(),
        chosen,
        columns: columns(invite.scale().scores().count()),
        comment,
        saved,
        low,
        high,
    };
    html(StatusCode::OK, page.render())
}

async fn record_and_thank(
    req: HttpRequest,
    state: &AppState,
    token: String,
    answer: Answer,
    signal: Signal,
) -> HttpResponse {
    let t = token.clone();
    let ua = user_agent(&req);
    let result =
        state.write(move |c| answers::record(c, &t, &answer, signal, ua.as_deref(), crate::db::now_ms())).await;
    match result {
        Ok(invite) => {
            let r = invite.response.clone().expect("just recorded");
            thanks(&invite, token, r.score, r.comment.unwrap_or_default(), signal == Signal::Form)
        }
        Err(DomainError::Expired) => {
            // Speak the customer's language, which we know for a real (if expired) link.
            let dutch = run(&state.read, move |c| answers::find(c, &token)).await.map_or(true, |i| i.dutch());
            message_page(StatusCode::GONE, dutch, Msg::Expired)
        }
        Err(e) => error_page(e, dutch_browser(&req)),
    }
}

/// One click from an email: stored at once, unconfirmed until a human signal.
async fn click(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>) -> HttpResponse {
    let (token, score) = path.into_inner();
    let Ok(score) = score.parse::<i32>() else {
        return message_page(StatusCode::NOT_FOUND, dutch_browser(&req), Msg::NotFound);
    };
    record_and_thank(req, &state, token, Answer { score: Some(score), comment: None }, Signal::Link).await
}

/// A score posted by a button (`POST /s/{token}/{score}`): a human action. `POST /s/{token}/gesture`
/// is the page's script reporting a real user gesture, which confirms the answer.
async fn click_post(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>) -> HttpResponse {
    let (token, score) = path.into_inner();
    if score == "gesture" {
        return gesture_inner(req, &state, token).await;
    }
    let Ok(score) = score.parse::<i32>() else {
        return message_page(StatusCode::NOT_FOUND, dutch_browser(&req), Msg::NotFound);
    };
    record_and_thank(req, &state, token, Answer { score: Some(score), comment: None }, Signal::Form).await
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
) -> HttpResponse {
    let form = form.into_inner();
    let score = match form.score.as_deref().filter(|s| !s.is_empty()).map(str::parse::<i32>) {
        Some(Ok(s)) => Some(s),
        Some(Err(_)) => return message_page(StatusCode::BAD_REQUEST, dutch_browser(&req), Msg::BadForm),
        None => None,
    };
    // Browsers send CRLF line ends; keep what the customer typed otherwise untouched.
    let comment = form.comment.map(|c| c.replace("\r\n", "\n"));
    record_and_thank(req, &state, token.into_inner(), Answer { score, comment }, Signal::Form).await
}

async fn gesture_inner(req: HttpRequest, state: &AppState, token: String) -> HttpResponse {
    let ua = user_agent(&req);
    let result = state
        .write(move |c| {
            answers::record(c, &token, &Answer::default(), Signal::Gesture, ua.as_deref(), crate::db::now_ms())
        })
        .await;
    match result {
        Ok(_) => HttpResponse::NoContent().finish(),
        Err(DomainError::NotFound(_)) => HttpResponse::NotFound().finish(),
        Err(DomainError::Expired) => HttpResponse::Gone().finish(),
        Err(DomainError::Invalid { .. }) => HttpResponse::BadRequest().finish(),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}
