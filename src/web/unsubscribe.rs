//! Unsubscribing from survey emails, by the link in the email's footer (`GET /u/{token}`: a
//! page that asks, since mail scanners follow links) or by the mail program's own button
//! (RFC 8058: `POST /u/{token}` with `List-Unsubscribe=One-Click`, no page, no cookie). The
//! invitation's token is the proof: whoever holds the email may unsubscribe its recipient.
//! A report's stop link (`/r/{token}`) works the same way for its subscriber.
use super::error::{html, PageError};
use super::extract::BrowserLocale;
use super::AppState;
use crate::domain::answers;
use crate::domain::customers::{self, UnsubscribeWay};
use crate::i18n::{arg, Locale};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/u/{token}")
            .route(web::get().to(ask))
            // Link checkers ask with HEAD; it changes nothing and says nothing.
            .route(web::head().to(HttpResponse::Ok))
            .route(web::post().to(unsubscribe)),
    )
    .service(web::resource("/u/{token}/undo").route(web::post().to(undo)))
    .service(
        web::resource("/r/{token}")
            .route(web::get().to(ask_report))
            .route(web::head().to(HttpResponse::Ok))
            .route(web::post().to(stop_report)),
    );
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct Page {
    brand: std::sync::Arc<crate::config::Branding>,
    lang: &'static str,
    title: String,
    body: String,
    /// The form's target and button, if the page has one.
    action: Option<(String, String)>,
}

/// The customer and their language, from the token (an expired invitation still unsubscribes).
async fn customer_of(state: &AppState, token: String, browser: &Locale) -> Result<(i64, Locale), PageError> {
    let (id, locale, _) = invite_of(state, token, browser).await?;
    Ok((id, locale))
}

/// The customer, their language and whether the link has expired.
async fn invite_of(state: &AppState, token: String, browser: &Locale) -> Result<(i64, Locale, bool), PageError> {
    let invite = state
        .db
        .read(move |c| answers::find(c, &token))
        .await
        .map_err(|e| PageError::from_domain(e, browser.clone()))?;
    let expired = invite.is_expired(state.now_ms());
    Ok((invite.customer.id, Locale::negotiate(&invite.customer.locale), expired))
}

fn company(state: &AppState) -> (&'static str, fluent_templates::fluent_bundle::FluentValue<'static>) {
    ("company", arg(&state.branding.get().company))
}

async fn ask(
    state: web::Data<AppState>,
    token: web::Path<String>,
    browser: BrowserLocale,
) -> Result<HttpResponse, PageError> {
    let token = token.into_inner();
    let (_, l) = customer_of(&state, token.clone(), &browser.0).await?;
    let page = Page {
        brand: state.branding.get(),
        lang: l.tag(),
        title: l.t_args("unsub-title", &[company(&state)]),
        body: l.t_args("unsub-body", &[company(&state)]),
        action: Some((format!("/u/{token}"), l.t("unsub-button"))),
    };
    Ok(html(StatusCode::OK, page.render()))
}

async fn unsubscribe(
    state: web::Data<AppState>,
    token: web::Path<String>,
    browser: BrowserLocale,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let token = token.into_inner();
    let (customer, l) = customer_of(&state, token.clone(), &browser.0).await?;
    // RFC 8058's body, `List-Unsubscribe=One-Click`, comes form- or multipart-encoded; our own
    // page's button sends nothing. Either way the customer is unsubscribed; the way is kept.
    let one_click = body.windows(9).any(|w| w == b"One-Click");
    let way = if one_click { UnsubscribeWay::OneClick } else { UnsubscribeWay::Link };
    let now = state.now_ms();
    state
        .db
        .write(move |c| customers::unsubscribe(c, customer, way, now))
        .await
        .map_err(|e| PageError::from_domain(e, l.clone()))?;
    tracing::info!(customer, one_click, "customer unsubscribed from survey emails");
    let page = Page {
        brand: state.branding.get(),
        lang: l.tag(),
        title: l.t("unsub-done-title"),
        body: l.t_args("unsub-done-body", &[company(&state)]),
        action: Some((format!("/u/{token}/undo"), l.t("unsub-undo"))),
    };
    Ok(html(StatusCode::OK, page.render()))
}

async fn undo(
    state: web::Data<AppState>,
    token: web::Path<String>,
    browser: BrowserLocale,
) -> Result<HttpResponse, PageError> {
    let (customer, l, expired) = invite_of(&state, token.into_inner(), &browser.0).await?;
    let now = state.now_ms();
    // Only a link that still works undoes (an expired one, in an old or forwarded email, not).
    let undone = if expired {
        customers::Resubscribed::TooLate
    } else {
        state
            .db
            .write(move |c| customers::resubscribe(c, customer, now))
            .await
            .map_err(|e| PageError::from_domain(e, l.clone()))?
    };
    // An unsubscribe the company recorded is theirs to undo, not a link's.
    let page = if undone == customers::Resubscribed::Yes {
        Page {
            brand: state.branding.get(),
            lang: l.tag(),
            title: l.t("resub-done-title"),
            body: l.t_args("resub-done-body", &[company(&state)]),
            action: None,
        }
    } else {
        Page {
            brand: state.branding.get(),
            lang: l.tag(),
            title: l.t("unsub-done-title"),
            body: l.t_args(
                if undone == customers::Resubscribed::TooLate { "resub-too-late-body" } else { "resub-refused-body" },
                &[company(&state)],
            ),
            action: None,
        }
    };
    Ok(html(StatusCode::OK, page.render()))
}

/// The subscription a report's stop link names, with the report's language.
async fn subscription_of(state: &AppState, token: &str, browser: &Locale) -> Result<(i64, Locale, bool), PageError> {
    let id = crate::domain::token::report_subscription_id(&state.secret, token)
        .ok_or_else(|| PageError::not_found(browser.clone()))?;
    let sub = state
        .db
        .read(move |c| crate::domain::reports::get(c, id))
        .await
        .map_err(|e| PageError::from_domain(e, browser.clone()))?;
    Ok((id, Locale::negotiate(&sub.locale), sub.disabled_at.is_some()))
}

async fn ask_report(
    state: web::Data<AppState>,
    token: web::Path<String>,
    browser: BrowserLocale,
) -> Result<HttpResponse, PageError> {
    let token = token.into_inner();
    let (_, l, ended) = subscription_of(&state, &token, &browser.0).await?;
    if ended {
        return Ok(stopped_page(&state, &l));
    }
    let page = Page {
        brand: state.branding.get(),
        lang: l.tag(),
        title: l.t("report-stop-title"),
        body: l.t("report-stop-body"),
        action: Some((format!("/r/{token}"), l.t("report-stop-button"))),
    };
    Ok(html(StatusCode::OK, page.render()))
}

/// Ends the subscription: the page's button, or the mail program's one-click POST.
async fn stop_report(
    state: web::Data<AppState>,
    token: web::Path<String>,
    browser: BrowserLocale,
) -> Result<HttpResponse, PageError> {
    let (id, l, _) = subscription_of(&state, &token.into_inner(), &browser.0).await?;
    let now = state.now_ms();
    state
        .db
        .write(move |c| crate::domain::reports::unsubscribe(c, id, now))
        .await
        .map_err(|e| PageError::from_domain(e, l.clone()))?;
    tracing::info!(subscription = id, "report subscription ended by its stop link");
    Ok(stopped_page(&state, &l))
}

fn stopped_page(state: &AppState, l: &Locale) -> HttpResponse {
    let page = Page {
        brand: state.branding.get(),
        lang: l.tag(),
        title: l.t("report-stopped-title"),
        body: l.t("report-stopped-body"),
        action: None,
    };
    html(StatusCode::OK, page.render())
}
