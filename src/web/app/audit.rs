//! The audit log, for admins: who downloaded or erased which customer's data, and when.
use super::{render, Chrome, SignedIn};
use crate::domain::audit;
use crate::types::TextEnum;
use crate::view;
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

/// Entries on the page, newest first.
const SHOWN: i64 = 500;

struct Line {
    at: String,
    actor: String,
    action: &'static str,
    customer: String,
    link: String,
}

#[derive(Template)]
#[template(path = "app/audit.html")]
struct AuditPage {
    c: Chrome,
    lines: Vec<Line>,
}

pub async fn page(req: HttpRequest, state: web::Data<AppState>, signed: SignedIn) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    let (l, tz) = (signed.locale.clone(), signed.user.tz());
    let entries = state.db.read(|c| audit::latest(c, SHOWN)).await.map_err(|e| PageError::from_domain(e, l.clone()))?;
    let lines = entries
        .into_iter()
        .map(|(e, customer)| Line {
            at: view::datetime(e.at, &l, tz),
            actor: e.actor,
            action: e.action.as_str(),
            link: super::customer_link(&customer),
            customer,
        })
        .collect();
    Ok(render(AuditPage { c: Chrome::new(&signed, "users", &req), lines }))
}
