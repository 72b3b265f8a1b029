//! Accounts, for admins only: the list and a form for a new one.
use super::{render, Chrome, SignedIn};
use crate::domain::users as accounts;
use crate::types::{Role, TextEnum};
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "app/users.html")]
struct UsersPage {
    c: Chrome,
    users: Vec<Row>,
    message: Option<String>,
    error: Option<String>,
}

/// One account on the page.
struct Row {
    email: String,
    role: &'static str,
    since: String,
    disabled: bool,
    /// The signed-in admin's own account: no buttons that could lock them out.
    own: bool,
}

async fn show(
    req: &HttpRequest,
    state: &AppState,
    signed: &SignedIn,
    message: Option<String>,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let l = signed.locale.clone();
    let users = state.db.read(accounts::list).await.map_err(|e| PageError::from_domain(e, l.clone()))?;
    Ok(render(UsersPage {
        c: Chrome::new(signed, "users", req),
        users: users
            .into_iter()
            .map(|u| Row {
                own: u.id == signed.user.id,
                disabled: u.disabled_at.is_some(),
                since: crate::view::datetime(u.created_at, &l, signed.user.tz()),
                role: u.role.as_str(),
                email: u.email,
            })
            .collect(),
        message,
        error,
    }))
}

pub async fn page(req: HttpRequest, state: web::Data<AppState>, signed: SignedIn) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    show(&req, &state, &signed, None, None).await
}

#[derive(Deserialize)]
pub struct NewUser {
    csrf: String,
    email: String,
    role: String,
    password: String,
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    form: web::Form<NewUser>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    signed.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let Ok(role) = Role::parse(&form.role) else { return Err(PageError::bad_form(signed.locale.clone())) };
    let now = state.now_ms();
    let locale = signed.locale.tag();
    let email = form.email.clone();
    let made = state.db.write(move |c| accounts::create(c, &form.email, &form.password, role, locale, now)).await;
    match made {
        Ok(u) => {
            let msg = signed.locale.t_args("users-created", &[("email", crate::i18n::arg(u.email))]);
            show(&req, &state, &signed, Some(msg), None).await
        }
        Err(e @ (crate::domain::DomainError::Invalid { .. } | crate::domain::DomainError::Conflict(_))) => {
            tracing::info!(error = %e, email, "account not created");
            // Said in the admin's language, from the catalogue: what to do, not what failed.
            let l = &signed.locale;
            let words = match &e {
                crate::domain::DomainError::Conflict(_) => {
                    l.t_args("users-error-exists", &[("email", crate::i18n::arg(email))])
                }
                crate::domain::DomainError::Invalid { code: "weak_password", .. } => {
                    l.t_args("users-error-password", &[("min", crate::domain::users::MIN_PASSWORD_CHARS.into())])
                }
                _ => l.t("users-error-email"),
            };
            show(&req, &state, &signed, None, Some(words)).await
        }
        Err(e) => Err(PageError::from_domain(e, signed.locale.clone())),
    }
}

#[derive(Deserialize)]
pub struct UserAction {
    csrf: String,
    email: String,
    action: String,
}

/// An admin disables or enables an account, changes its role or gives it a new password (shown
/// once). Each ends the account's sessions; an admin cannot do the first two to themselves.
pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    form: web::Form<UserAction>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    signed.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let l = signed.locale.clone();
    let own = form.email.trim().eq_ignore_ascii_case(&signed.user.email);
    if own && !matches!(form.action.as_str(), "reset-password" | "unlock") {
        return show(&req, &state, &signed, None, Some(l.t("users-error-own"))).await;
    }
    let now = state.now_ms();
    let email = form.email.clone();
    let password = accounts::generate_password();
    let pw = password.clone();
    let action = form.action.clone();
    let done = state
        .db
        .write(move |c| match action.as_str() {
            "disable" => accounts::set_disabled(c, &email, true, now).map(|_| ()),
            "enable" => accounts::set_disabled(c, &email, false, now).map(|_| ()),
            "role-admin" => accounts::set_role(c, &email, Role::Admin).map(|_| ()),
            "role-analyst" => accounts::set_role(c, &email, Role::Analyst).map(|_| ()),
            "unlock" => accounts::unlock(c, &email).map(|_| ()),
            "reset-password" => {
                let u = accounts::get_by_email(c, &email)?;
                accounts::set_password(c, u.id, &pw)
            }
            _ => Err(crate::domain::DomainError::invalid("bad_action", "unknown action")),
        })
        .await;
    let who = crate::i18n::arg(form.email.trim().to_lowercase());
    match done {
        Ok(()) => {
            let msg = match form.action.as_str() {
                "reset-password" => {
                    l.t_args("users-password-reset", &[("email", who), ("password", crate::i18n::arg(password))])
                }
                "disable" => l.t_args("users-disabled", &[("email", who)]),
                "enable" => l.t_args("users-enabled", &[("email", who)]),
                "unlock" => l.t_args("users-unlocked", &[("email", who)]),
                _ => l.t_args("users-role-changed", &[("email", who)]),
            };
            show(&req, &state, &signed, Some(msg), None).await
        }
        Err(e) => Err(PageError::from_domain(e, l)),
    }
}
