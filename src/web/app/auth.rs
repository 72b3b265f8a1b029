//! Signing in and out, and the user's language.
use super::{cookie, csrf_token, render, SignedIn, FORM_COOKIE, SESSION_COOKIE};
use crate::domain::users as accounts;
use crate::i18n::Locale;
use crate::web::error::PageError;
use crate::web::extract::{browser_locale, BrowserLocale};
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// `/`: the overview for a signed-in visitor, sign-in for anyone else (the overview's guard
/// decides, so there is one place that knows what a live session is).
pub async fn home() -> HttpResponse {
    HttpResponse::SeeOther().insert_header(("Location", "/app")).finish()
}

#[derive(Template)]
#[template(path = "app/signin.html")]
struct SigninPage {
    l: Locale,
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path inside the app: never another site (`//evil.example`, `https://…`).
fn safe_next(next: Option<&str>) -> String {
    match next {
        // A place inside the app, and a valid header value: a CR, LF or other control character
        // (which would split or break the Location header) sends the user to the overview.
        Some(n)
            if n.starts_with("/app")
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/app".to_string(),
    }
}

pub async fn signin_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<NextQuery>,
    BrowserLocale(l): BrowserLocale,
) -> HttpResponse {
    // Someone already signed in goes straight on.
    if let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) {
        if let Ok(Some(_)) = super::find_session(&state, token).await {
            return HttpResponse::SeeOther().insert_header(("Location", safe_next(q.next.as_deref()))).finish();
        }
    }
    let form_id = req
        .cookie(FORM_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64)
        .unwrap_or_else(crate::domain::token::random_secret);
    let page = SigninPage {
        csrf: csrf_token(&state.secret, "signin", &form_id),
        next: safe_next(q.next.as_deref()),
        email: String::new(),
        error: None,
        l,
    };
    let mut res = render(page);
    let _ = res.add_cookie(&cookie(&state, FORM_COOKIE, form_id, None));
    res
}

#[derive(Deserialize)]
pub struct SigninForm {
    email: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

pub async fn signin(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<SigninForm>,
) -> Result<HttpResponse, PageError> {
    let l = browser_locale(&req);
    let form = form.into_inner();
    let form_id = req.cookie(FORM_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    let expected = csrf_token(&state.secret, "signin", &form_id);
    if form_id.is_empty() || !super::constant_time_eq(form.csrf.as_bytes(), expected.as_bytes()) {
        return Err(PageError::forbidden(l));
    }
    let source = crate::web::survey::client_address(&req, &state.trusted_proxies).unwrap_or_else(|| "?".into());
    let now = state.now_ms();
    let again = |error_key: &str, status: StatusCode| {
        let page = SigninPage {
            csrf: expected.clone(),
            next: safe_next(form.next.as_deref()),
            email: form.email.clone(),
            error: Some(l.t(error_key)),
            l: l.clone(),
        };
        crate::web::error::html(status, page.render())
    };
    let (email, src) = (form.email.clone(), source.clone());
    let allowed = state
        .db
        .write(move |c| accounts::begin_attempt(c, &email, &src, now))
        .await
        .map_err(|e| PageError::from_domain(e, l.clone()))?;
    if !allowed {
        return Ok(again("signin-throttled", StatusCode::TOO_MANY_REQUESTS));
    }
    let email = form.email.clone();
    let user = state
        .db
        .read(move |c| accounts::find_by_email(c, &email))
        .await
        .map_err(|e| PageError::from_domain(e, l.clone()))?;
    let password = form.password.clone();
    let checked = user.clone();
    let opens = web::block(move || accounts::password_opens(checked.as_ref(), &password)).await.unwrap_or(false);
    let Some(user) = user.filter(|_| opens) else {
        return Ok(again("signin-wrong", StatusCode::UNAUTHORIZED));
    };
    let rules = state.session_rules;
    let token = state
        .db
        .write(move |c| accounts::start_session(c, &user, &source, rules, now))
        .await
        .map_err(|e| PageError::from_domain(e, l.clone()))?;
    let mut res = HttpResponse::SeeOther().insert_header(("Location", safe_next(form.next.as_deref()))).finish();
    let _ = res.add_cookie(&cookie(&state, SESSION_COOKIE, token, Some(rules.absolute_ms / 1000)));
    let _ = res.add_removal_cookie(&cookie(&state, FORM_COOKIE, String::new(), None));
    Ok(res)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn signout(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    signed.check_csrf(&form.csrf)?;
    if let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) {
        let l = signed.locale.clone();
        state.db.write(move |c| accounts::end_session(c, &token)).await.map_err(|e| PageError::from_domain(e, l))?;
    }
    let mut res = HttpResponse::SeeOther().insert_header(("Location", "/signin")).finish();
    let _ = res.add_removal_cookie(&cookie(&state, SESSION_COOKIE, String::new(), None));
    Ok(res)
}

#[derive(Deserialize)]
pub struct LanguageForm {
    csrf: String,
    lang: String,
    back: Option<String>,
}

/// The user's language for the whole app, kept with the account.
pub async fn language(
    state: web::Data<AppState>,
    signed: SignedIn,
    form: web::Form<LanguageForm>,
) -> Result<HttpResponse, PageError> {
    signed.check_csrf(&form.csrf)?;
    let Some(locale) = Locale::exact(&form.lang) else { return Err(PageError::bad_form(signed.locale)) };
    let (id, tag) = (signed.user.id, locale.tag());
    state.db.write(move |c| accounts::set_locale(c, id, tag)).await.map_err(|e| PageError::from_domain(e, locale))?;
    Ok(HttpResponse::SeeOther().insert_header(("Location", safe_next(form.back.as_deref()))).finish())
}
