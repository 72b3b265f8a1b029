//! The company's branding, for admins: its name, the colour of the score buttons and its logo,
//! as customers see them on survey pages and in emails. Stored in the database (the settings'
//! values are the first ones), taken up by this instance at once and by others at their next
//! beat. The logo comes as a file upload (multipart/form-data), at most 256 KB of PNG or SVG.
use super::{render, Chrome, SignedIn};
use crate::domain::branding::{self, Change};
use crate::web::error::PageError;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use std::pin::Pin;
use std::task::{Context, Poll};

#[derive(Template)]
#[template(path = "app/branding.html")]
struct BrandingPage {
    c: Chrome,
    company: String,
    colour: String,
    has_logo: bool,
    saved: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    saved: Option<String>,
}

fn show(req: &HttpRequest, state: &AppState, signed: &SignedIn, saved: bool, error: Option<String>) -> HttpResponse {
    let b = state.branding.get();
    render(BrandingPage {
        c: Chrome::new(signed, "users", req),
        company: b.company.clone(),
        colour: b.colour.clone(),
        has_logo: b.logo.is_some(),
        saved,
        error,
    })
}

/// `GET /app/branding`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    Ok(show(&req, &state, &signed, q.saved.is_some(), None))
}

/// The form's fields.
#[derive(Default)]
struct Form {
    csrf: String,
    company: String,
    colour: String,
    logo: Option<Vec<u8>>,
    remove_logo: bool,
}

/// The whole body as one chunk, for multer (which wants a `Send` stream; actix's payload is not).
struct OneChunk(Option<web::Bytes>);

impl futures_core::Stream for OneChunk {
    type Item = Result<web::Bytes, std::convert::Infallible>;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().map(Ok))
    }
}

/// Reads the multipart form; None when it is not one.
async fn read_form(req: &HttpRequest, body: web::Bytes) -> Option<Form> {
    let content_type = req.headers().get("Content-Type")?.to_str().ok()?;
    let boundary = multer::parse_boundary(content_type).ok()?;
    let mut parts = multer::Multipart::new(OneChunk(Some(body)), boundary);
    let mut form = Form::default();
    while let Ok(Some(field)) = parts.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.ok()?;
        let text = || String::from_utf8_lossy(&bytes).to_string();
        match name.as_str() {
            "csrf" => form.csrf = text(),
            "company" => form.company = text(),
            "colour" => form.colour = text(),
            "remove_logo" => form.remove_logo = true,
            "logo" if !bytes.is_empty() => form.logo = Some(bytes.to_vec()),
            _ => {}
        }
    }
    Some(form)
}

/// `POST /app/branding` (multipart/form-data).
pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed: SignedIn,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    signed.require_admin()?;
    let form = read_form(&req, body).await.ok_or_else(|| PageError::bad_form(signed.locale.clone()))?;
    signed.check_csrf(&form.csrf)?;
    let (now, actor, base) = (state.now_ms(), format!("user {}", signed.user.email), state.brand_base.clone());
    let change = Change { company: form.company, colour: form.colour, logo: form.logo, remove_logo: form.remove_logo };
    let saved = state.db.write(move |c| branding::save(c, &base, &change, &actor, now)).await;
    match saved {
        Ok(now_in_force) => {
            state.branding.set(now_in_force);
            state.brand_version.store(now, std::sync::atomic::Ordering::SeqCst);
            Ok(HttpResponse::SeeOther().insert_header(("Location", "/app/branding?saved=1")).finish())
        }
        Err(e @ crate::domain::DomainError::Invalid { .. }) => {
            Ok(show(&req, &state, &signed, false, Some(e.to_string())))
        }
        Err(e) => Err(PageError::from_domain(e, signed.locale.clone())),
    }
}
