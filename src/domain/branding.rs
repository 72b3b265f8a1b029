//! The company's branding as an admin sets it in the app: name, colour and logo, stored in the
//! database so every instance shows the same. Until an admin saves one, the settings'
//! `ACHT_COMPANY_*` values are the branding (they are its first values).
use super::{db, DomainError};
use crate::config::{self, Branding, Logo};
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
    config::check_colour(&colour).map_err(|m| DomainError::invalid("invalid_colour", m))?;
    let current = stored(conn)?;
    let (logo, logo_type) = match (change.logo.clone(), change.remove_logo) {
        (_, true) => (None, None),
        (Some(bytes), false) => {
            if bytes.len() > config::MAX_LOGO_BYTES {
                return Err(DomainError::invalid("logo_too_large", "the logo is over 256 KB"));
            }
            let kind = config::logo_type(&bytes)
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
