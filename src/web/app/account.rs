//! The signed-in user's own settings: the time zone every time in the app is shown in (the
//! language is switched in the header on every page).
use super::{render, Chrome, SignedIn};
use crate::domain::users as accounts;
use crate::types::TextEnum;
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "app/account.html")]
struct AccountPage {
    c: Chrome,
    role: &'static str,
    zones: Vec<&'static str>,
    current: String,
    saved: bool,
}

#[derive(Deserialize)]
pub struct AccountQuery {
    saved: Option<String>,
}

pub async fn page(req: HttpRequest, signed: SignedIn, q: web::Query<AccountQuery>) -> HttpResponse {
    render(AccountPage {
        c: Chrome::new(&signed, "account", &req),
        role: signed.user.role.as_str(),
        zones: chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).filter(|n| n.contains('/') || *n == "UTC").collect(),
        current: signed.user.tz().name().to_string(),
        saved: q.saved.is_some(),
    })
}

#[derive(Deserialize)]
pub struct TimeZoneForm {
    csrf: String,
    time_zone: String,
}

pub async fn set_time_zone(
    state: web::Data<AppState>,
    signed: SignedIn,
    form: web::Form<TimeZoneForm>,
) -> Result<HttpResponse, PageError> {
    signed.check_csrf(&form.csrf)?;
    let (id, tz) = (signed.user.id, form.into_inner().time_zone);
    let l = signed.locale.clone();
    state.db.write(move |c| accounts::set_time_zone(c, id, &tz)).await.map_err(|e| PageError::from_domain(e, l))?;
    Ok(HttpResponse::SeeOther().insert_header(("Location", "/app/account?saved=1")).finish())
}
