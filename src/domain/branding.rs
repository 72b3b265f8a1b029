//! The company's branding as an admin sets it in the app: name, colour and logo, stored in the
//! database so every instance shows the same. Until an admin saves one, the settings'
//! `ACHT_COMPANY_*` values are the branding (they are its first values).
use super::{db, DomainError};
use crate::db::schema::branding;
use crate::db::{on_backend, DbConn};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = branding, treat_none_as_default_value = false)]
pub struct Stored {
    pub id: i32,
    pub company: String,
    pub colour: String,
    pub logo: Option<Vec<u8>>,
    pub logo_type: Option<String>,
    pub updated_at: i64,
    pub updated_by: String,
}

pub fn stored(conn: &mut DbConn) -> Result<Option<Stored>, DomainError> {
    branding::table.find(1).select(Stored::as_select()).first(conn).optional().map_err(db)
}

/// When the stored branding last changed (0: never), for an instance to see whether to reload.
pub fn version(conn: &mut DbConn) -> Result<i64, DomainError> {
    Ok(branding::table.find(1).select(branding::updated_at).first(conn).optional().map_err(db)?.unwrap_or(0))
}

/// What an admin changes; `logo` None keeps the current one.
pub struct Change {
    pub company: String,
    pub colour: String,
    pub logo: Option<Vec<u8>>,
    pub remove_logo: bool,
}

/// Checks and stores a change, recorded with who made it. Returns the branding now in force.
pub fn save(
    conn: &mut DbConn,
    base: &Branding,
    change: &Change,
    actor: &str,
    now: i64,
) -> Result<Branding, DomainError> {
    let company = change.company.trim().to_string();
    super::validate::required_text("invalid_company", "the company's name", &company, 200)?;
    let colour = change.colour.trim().to_lowercase();
    check_colour(&colour).map_err(|m| DomainError::invalid("invalid_colour", m))?;
    let current = stored(conn)?;
    let (logo, logo_type) = match (change.logo.clone(), change.remove_logo) {
        (_, true) => (None, None),
        (Some(bytes), false) => {
            if bytes.len() > MAX_LOGO_BYTES {
                return Err(DomainError::invalid("logo_too_large", "the logo is over 256 KB"));
            }
            let kind = logo_type(&bytes)
                .ok_or_else(|| DomainError::invalid("invalid_logo", "the logo must be a PNG or SVG file"))?;
            (Some(bytes), Some(kind.to_string()))
        }
        (None, false) => match current {
            Some(s) => (s.logo, s.logo_type),
            None => {
                (base.logo.as_ref().map(|l| l.bytes.to_vec()), base.logo.as_ref().map(|l| l.content_type.to_string()))
            }
        },
    };
    let row = Stored {
        id: 1,
        company,
        colour,
        logo,
        logo_type,
        updated_at: now,
        updated_by: actor.chars().take(200).collect(),
    };
    on_backend!(conn, c => diesel::insert_into(branding::table)
        .values(&row)
        .on_conflict(branding::id)
        .do_update()
        .set((
            branding::company.eq(&row.company),
            branding::colour.eq(&row.colour),
            branding::logo.eq(&row.logo),
            branding::logo_type.eq(&row.logo_type),
            branding::updated_at.eq(row.updated_at),
            branding::updated_by.eq(&row.updated_by),
        ))
        .execute(c))
    .map_err(db)?;
    Ok(apply(base, Some(&row)))
}

/// The branding in force: the stored one over the settings' (`base`).
pub fn apply(base: &Branding, stored: Option<&Stored>) -> Branding {
    let Some(s) = stored else { return base.clone() };
    let logo = match (&s.logo, s.logo_type.as_deref()) {
        (Some(bytes), Some(kind)) => {
            let content_type = if kind == "image/png" { "image/png" } else { "image/svg+xml" };
            Some(Logo { bytes: bytes.clone().into(), content_type })
        }
        _ => None,
    };
    // An address set for emails stays; else the logo this server serves, if there is one.
    let logo_url = match (&logo, &base.logo_url) {
        (None, _) => None,
        (Some(_), Some(url)) => Some(url.clone()),
        (Some(_), None) => base.served_logo_url.clone(),
    };
    Branding {
        company: s.company.clone(),
        colour: s.colour.clone(),
        logo_url,
        logo,
        served_logo_url: base.served_logo_url.clone(),
    }
}

#[derive(Debug, Clone)]
pub struct Branding {
    pub company: String,
    /// `#rrggbb`.
    pub colour: String,
    /// The logo's address for emails, if there is a logo.
    pub logo_url: Option<String>,
    /// The logo served at `/brand/logo` for the survey pages.
    pub logo: Option<Logo>,
    /// Where this server serves a logo, for emails (None without a public base URL).
    pub served_logo_url: Option<String>,
}

/// The branding every page and email uses now, shared by an instance's requests and its mail
/// sender. It starts from the settings; an admin's change in the app (stored in the database)
/// replaces it here at once and on other instances at their next beat.
#[derive(Debug, Clone)]
pub struct BrandingCell(std::sync::Arc<std::sync::RwLock<std::sync::Arc<Branding>>>);

impl BrandingCell {
    pub fn new(b: Branding) -> BrandingCell {
        BrandingCell(std::sync::Arc::new(std::sync::RwLock::new(std::sync::Arc::new(b))))
    }
    /// The branding as it is now (a cheap clone of a shared pointer).
    pub fn get(&self) -> std::sync::Arc<Branding> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
    pub fn set(&self, b: Branding) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = std::sync::Arc::new(b);
    }
}

/// Checks a colour for the score buttons: `#rrggbb` with white text on it readable (4.5:1).
pub fn check_colour(colour: &str) -> Result<(), String> {
    let Some(rgb) = parse_colour(colour) else {
        return Err(format!("'{colour}' must be a colour like #1f5fa8"));
    };
    let contrast = contrast_with_white(rgb);
    if contrast < 4.5 {
        return Err(format!(
            "'{colour}': white text on it has a contrast of {contrast:.1}:1, under the 4.5:1 people need to \
             read the score buttons; choose a darker shade"
        ));
    }
    Ok(())
}

/// What a logo file is, by its first bytes: PNG or SVG, else None.
pub fn logo_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_lowercase();
    (head.contains("<svg")).then_some("image/svg+xml")
}

/// The largest logo acht takes.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;

/// A logo file: its bytes and content type.
#[derive(Debug, Clone)]
pub struct Logo {
    pub bytes: std::sync::Arc<[u8]>,
    pub content_type: &'static str,
}

pub(crate) fn parse_colour(colour: &str) -> Option<[u8; 3]> {
    let hex = colour.strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// WCAG 2's contrast ratio of white against the colour.
pub(crate) fn contrast_with_white(rgb: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2]);
    1.05 / (l + 0.05)
}
