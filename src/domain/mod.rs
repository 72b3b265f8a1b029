//! The domain: surveys, dispatch rules, tokens and answers. Depends on storage, never on the web.
pub mod answers;
pub mod apikeys;
pub mod customers;
pub mod dispatch;
pub mod error;
pub mod import;
pub mod retention;
pub mod scale;
pub mod surveys;
pub mod token;

pub use error::DomainError;

use crate::db::{self as storage, DbConn};

/// Runs `f` in a write transaction (see [`storage::begin_write`]). Inside a transaction already
/// (the group writer's), `f` joins it: the enclosing one owns atomicity, and no savepoint is
/// paid for.
pub fn write_tx<T, F>(conn: &mut DbConn, f: F) -> Result<T, DomainError>
where
    F: FnOnce(&mut DbConn) -> Result<T, DomainError>,
{
    if storage::in_transaction(conn) {
        return f(conn);
    }
    storage::begin_write(conn).map_err(db)?;
    match f(conn) {
        Ok(v) => {
            storage::commit(conn).map_err(db)?;
            Ok(v)
        }
        Err(e) => {
            storage::rollback(conn);
            Err(e)
        }
    }
}

pub(crate) fn db(e: diesel::result::Error) -> DomainError {
    DomainError::Db(e.into())
}

/// Milliseconds in one day.
pub const DAY_MS: i64 = 86_400_000;
