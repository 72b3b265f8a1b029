//! API keys: 256 random bits shown once; stored as SHA-256 (a fast hash is right for
//! high-entropy keys, and keeps per-request verification cheap). Revoked keys are refused.
use super::token::{random_secret, sha256_hex};
use super::{db, DomainError};
use crate::db::models::ApiKey;
use crate::db::schema::api_keys;
use crate::db::{new_id, DbConn};
use diesel::prelude::*;

pub const KEY_PREFIX: &str = "acht_";

/// Creates a key and returns its plain text, which is never stored.
pub fn create(conn: &mut DbConn, name: &str, now: i64) -> Result<String, DomainError> {
    super::validate::required_text("invalid_name", "key name", name, 200)?;
    let key = format!("{KEY_PREFIX}{}", random_secret());
    let row = ApiKey { id: new_id(), name: name.into(), key_hash: sha256_hex(&key), created_at: now, revoked_at: None };
    diesel::insert_into(api_keys::table).values(&row).execute(conn).map_err(db)?;
    Ok(key)
}

/// The key's name if the key is known and not revoked.
pub fn verify(conn: &mut DbConn, key: &str) -> Result<Option<String>, DomainError> {
    api_keys::table
        .filter(api_keys::key_hash.eq(sha256_hex(key)))
        .filter(api_keys::revoked_at.is_null())
        .select(api_keys::name)
        .first(conn)
        .optional()
        .map_err(db)
}

/// Revokes every live key with this name; returns how many.
pub fn revoke(conn: &mut DbConn, name: &str, now: i64) -> Result<usize, DomainError> {
    let n = diesel::update(api_keys::table.filter(api_keys::name.eq(name)).filter(api_keys::revoked_at.is_null()))
        .set(api_keys::revoked_at.eq(Some(now)))
        .execute(conn)
        .map_err(db)?;
    if n == 0 {
        return Err(DomainError::NotFound(format!("live API key named '{name}'")));
    }
    Ok(n)
}

/// Revokes one key (the app's button); a key revoked already stays as it was.
pub fn revoke_id(conn: &mut DbConn, id: i64, now: i64) -> Result<(), DomainError> {
    let n = diesel::update(api_keys::table.find(id).filter(api_keys::revoked_at.is_null()))
        .set(api_keys::revoked_at.eq(Some(now)))
        .execute(conn)
        .map_err(db)?;
    let exists =
        n > 0 || api_keys::table.find(id).select(api_keys::id).first::<i64>(conn).optional().map_err(db)?.is_some();
    if !exists {
        return Err(DomainError::NotFound("API key".into()));
    }
    Ok(())
}

/// All keys, oldest first (callers show names and dates; the hashes stay in storage).
pub fn list(conn: &mut DbConn) -> Result<Vec<ApiKey>, DomainError> {
    api_keys::table.order(api_keys::created_at).select(ApiKey::as_select()).load(conn).map_err(db)
}
