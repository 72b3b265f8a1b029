//! Accounts of analysts and admins, their sessions and sign-in throttling.
//!
//! Passwords are hashed with argon2id (a slow, memory-hard hash: a stolen database does not give
//! the passwords away). Sessions are random 256-bit tokens in a cookie; only their SHA-256 is
//! stored (a fast hash is right for high-entropy tokens), in the database so every instance knows
//! them. A session ends after a stretch without use (idle) and at a fixed time after sign-in
//! (absolute), whichever comes first.
use super::token::{random_secret, sha256_hex};
use super::{db, DomainError};
use crate::db::schema::{sessions, signin_failures, users};
use crate::db::{new_id, DbConn};
use crate::types::Role;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use diesel::prelude::*;

pub const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_CHARS: usize = 200;

/// Failed sign-ins after which an account is refused from that address, and after which an
/// address is refused for any account, for the rest of the window. Failures from one address
/// never lock the account for the others: a stranger who knows an email cannot lock its owner
/// out, and guessing from many addresses costs 5 tries each (and argon2's time per try).
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const FAILURE_WINDOW_MS: i64 = 15 * 60_000;
/// `last_seen_at` is written at most this often: a page view is a read, not a write.
const TOUCH_EVERY_MS: i64 = 60_000;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub locale: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    /// The IANA time zone the user reads times in.
    pub time_zone: String,
}

/// A new account's time zone, until its user picks another.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Amsterdam";

impl User {
    /// The user's time zone (the default when the stored name is not one chrono-tz knows).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Europe::Amsterdam)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionRules {
    pub idle_ms: i64,
    pub absolute_ms: i64,
}

fn hash_password(password: &str) -> Result<String, DomainError> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| DomainError::invalid("password", e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::invalid("password", e.to_string()))
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

pub fn check_password(password: &str) -> Result<(), DomainError> {
    let n = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        return Err(DomainError::invalid(
            "weak_password",
            format!("a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Creates an account. The email is stored lower-cased: sign-in ignores case.
pub fn create(
    conn: &mut DbConn,
    email: &str,
    password: &str,
    role: Role,
    locale: &str,
    now: i64,
) -> Result<User, DomainError> {
    let email = email.trim().to_lowercase();
    super::validate::email(&email)?;
    check_password(password)?;
    if find_by_email(conn, &email)?.is_some() {
        return Err(DomainError::Conflict(format!("an account for {email}")));
    }
    let user = User {
        id: new_id(),
        email,
        password_hash: hash_password(password)?,
        role,
        locale: crate::i18n::Locale::negotiate(locale).tag().to_string(),
        created_at: now,
        disabled_at: None,
        time_zone: DEFAULT_TIME_ZONE.into(),
    };
    diesel::insert_into(users::table).values(&user).execute(conn).map_err(db)?;
    Ok(user)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Option<User>, DomainError> {
    users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(User::as_select())
        .first(conn)
        .optional()
        .map_err(db)
}

pub fn list(conn: &mut DbConn) -> Result<Vec<User>, DomainError> {
    users::table.order(users::created_at).select(User::as_select()).load(conn).map_err(db)
}

/// Gives an account a new password and ends its sessions.
pub fn set_password(conn: &mut DbConn, user_id: i64, password: &str) -> Result<(), DomainError> {
    check_password(password)?;
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(hash_password(password)?))
        .execute(conn)
        .map_err(db)?;
    end_sessions(conn, user_id)
}

/// An account by email, or NotFound.
pub fn get_by_email(conn: &mut DbConn, email: &str) -> Result<User, DomainError> {
    find_by_email(conn, email)?.ok_or_else(|| DomainError::NotFound(format!("account '{}'", email.trim())))
}

/// Ends every session of an account (it signs in again, with what it may now do).
fn end_sessions(conn: &mut DbConn, user_id: i64) -> Result<(), DomainError> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn).map_err(db)?;
    Ok(())
}

/// Disables (or enables again) an account: a disabled one cannot sign in, its sessions end at
/// once and no report goes to its address. Returns the account as it is now.
pub fn set_disabled(conn: &mut DbConn, email: &str, disabled: bool, now: i64) -> Result<User, DomainError> {
    let user = get_by_email(conn, email)?;
    let at = disabled.then_some(user.disabled_at.unwrap_or(now));
    diesel::update(users::table.find(user.id)).set(users::disabled_at.eq(at)).execute(conn).map_err(db)?;
    if disabled {
        end_sessions(conn, user.id)?;
    }
    get_by_email(conn, email)
}

/// Gives an account another role; its sessions end, so no page keeps what it could do before.
pub fn set_role(conn: &mut DbConn, email: &str, role: Role) -> Result<User, DomainError> {
    let user = get_by_email(conn, email)?;
    if user.role != role {
        diesel::update(users::table.find(user.id)).set(users::role.eq(role)).execute(conn).map_err(db)?;
        end_sessions(conn, user.id)?;
    }
    get_by_email(conn, email)
}

/// Clears an account's failed sign-ins from every address (an admin's unlock).
pub fn unlock(conn: &mut DbConn, email: &str) -> Result<User, DomainError> {
    let user = get_by_email(conn, email)?;
    diesel::delete(signin_failures::table.filter(signin_failures::email.eq(&user.email))).execute(conn).map_err(db)?;
    Ok(user)
}

/// Whether an address belongs to a disabled account (reports do not go to it).
pub fn is_disabled(conn: &mut DbConn, email: &str) -> Result<bool, DomainError> {
    Ok(find_by_email(conn, email)?.is_some_and(|u| u.disabled_at.is_some()))
}

pub fn set_locale(conn: &mut DbConn, user_id: i64, locale: &str) -> Result<(), DomainError> {
    diesel::update(users::table.find(user_id)).set(users::locale.eq(locale)).execute(conn).map_err(db)?;
    Ok(())
}

/// Sets the user's time zone; refused unless it is an IANA name chrono-tz knows.
pub fn set_time_zone(conn: &mut DbConn, user_id: i64, time_zone: &str) -> Result<(), DomainError> {
    let tz: chrono_tz::Tz = time_zone
        .parse()
        .map_err(|_| DomainError::invalid("bad_time_zone", format!("unknown time zone '{time_zone}'")))?;
    diesel::update(users::table.find(user_id)).set(users::time_zone.eq(tz.name())).execute(conn).map_err(db)?;
    Ok(())
}

/// Why a sign-in did not happen. Wrong email and wrong password are one case: the page must not
/// tell which accounts exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigninRefused {
    WrongCredentials,
    Throttled,
}

/// Starts a sign-in attempt: refused (false) while this account from this address, or this
/// address, is throttled,
/// else recorded as a failure until [`start_session`] clears it. Counting and recording in one
/// write means parallel attempts cannot all slip through before any is counted.
pub fn begin_attempt(conn: &mut DbConn, email: &str, source: &str, now: i64) -> Result<bool, DomainError> {
    let email: String = email.trim().to_lowercase().chars().take(320).collect();
    let since = now - FAILURE_WINDOW_MS;
    let by_account: i64 = signin_failures::table
        .filter(signin_failures::email.eq(&email))
        .filter(signin_failures::source.eq(source))
        .filter(signin_failures::at.gt(since))
        .count()
        .get_result(conn)
        .map_err(db)?;
    let by_address: i64 = signin_failures::table
        .filter(signin_failures::source.eq(source))
        .filter(signin_failures::at.gt(since))
        .count()
        .get_result(conn)
        .map_err(db)?;
    if by_account >= MAX_FAILURES_PER_ACCOUNT || by_address >= MAX_FAILURES_PER_ADDRESS {
        return Ok(false);
    }
    diesel::insert_into(signin_failures::table)
        .values((
            signin_failures::id.eq(new_id()),
            signin_failures::email.eq(email),
            signin_failures::source.eq(source),
            signin_failures::at.eq(now),
        ))
        .execute(conn)
        .map_err(db)?;
    // Old failures say nothing any more: keep the table small.
    diesel::delete(signin_failures::table.filter(signin_failures::at.lt(now - 4 * FAILURE_WINDOW_MS)))
        .execute(conn)
        .map_err(db)?;
    Ok(true)
}

/// Whether `password` opens this account (slow on purpose, and needs no database: run it off
/// the async threads and off the connection pool). An unknown account costs the same as a
/// known one, so timing tells nothing either.
pub fn password_opens(user: Option<&User>, password: &str) -> bool {
    let Some(user) = user else {
        // A fixed hash of a password nobody has: the same work as a real check.
        const DUMMY: &str =
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0b0v0mDTz5m4Y7nS0u9N7pM2b8P8b0mQy3o2bYj0q8U";
        let _ = password_matches(password, DUMMY);
        return false;
    };
    password_matches(password, &user.password_hash) && user.disabled_at.is_none()
}

/// Starts a session for a sign-in from `source`; returns the cookie's token (never stored).
pub fn start_session(
    conn: &mut DbConn,
    user: &User,
    source: &str,
    rules: SessionRules,
    now: i64,
) -> Result<String, DomainError> {
    let token = random_secret();
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(sha256_hex(&token)),
            sessions::user_id.eq(user.id),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(now + rules.absolute_ms),
        ))
        .execute(conn)
        .map_err(db)?;
    // A successful sign-in clears the account's failures from its own address (a stranger's,
    // elsewhere, keep counting).
    diesel::delete(
        signin_failures::table
            .filter(signin_failures::email.eq(&user.email))
            .filter(signin_failures::source.eq(source)),
    )
    .execute(conn)
    .map_err(db)?;
    Ok(token)
}

/// A live session behind a cookie token.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub token_hash: String,
    pub last_seen_at: i64,
}

impl Session {
    /// Whether this view should move the idle clock (a write at most once a minute).
    pub fn needs_touch(&self, now: i64) -> bool {
        now - self.last_seen_at >= TOUCH_EVERY_MS
    }
}

/// The session behind `token` if it is live at `now` and its account enabled.
pub fn find_session(
    conn: &mut DbConn,
    token: &str,
    rules: SessionRules,
    now: i64,
) -> Result<Option<Session>, DomainError> {
    let found: Option<(String, i64, User)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(sha256_hex(token)))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - rules.idle_ms))
        .filter(users::disabled_at.is_null())
        .select((sessions::token_hash, sessions::last_seen_at, User::as_select()))
        .first(conn)
        .optional()
        .map_err(db)?;
    Ok(found.map(|(token_hash, last_seen_at, user)| Session { user, token_hash, last_seen_at }))
}

pub fn touch_session(conn: &mut DbConn, token_hash: &str, now: i64) -> Result<(), DomainError> {
    diesel::update(sessions::table.find(token_hash)).set(sessions::last_seen_at.eq(now)).execute(conn).map_err(db)?;
    Ok(())
}

pub fn end_session(conn: &mut DbConn, token: &str) -> Result<(), DomainError> {
    diesel::delete(sessions::table.find(sha256_hex(token))).execute(conn).map_err(db)?;
    Ok(())
}

/// Removes sessions that can no longer be used (run by the sweep).
pub fn purge_sessions(conn: &mut DbConn, rules: SessionRules, now: i64) -> Result<usize, DomainError> {
    diesel::delete(
        sessions::table.filter(sessions::expires_at.le(now).or(sessions::last_seen_at.le(now - rules.idle_ms))),
    )
    .execute(conn)
    .map_err(db)
}

/// A random password for an account made without one (shown once).
pub fn generate_password() -> String {
    random_secret().chars().take(20).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_hash_only() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(password_matches("correct horse battery", &h));
        assert!(!password_matches("correct horse batterY", &h));
        assert_ne!(h, hash_password("correct horse battery").unwrap(), "salted");
        assert!(!password_matches("x", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough!").is_ok());
    }
}
