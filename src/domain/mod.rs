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

use crate::db::DbConn;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

/// Runs `f` in a write transaction. On SQLite it takes the write lock up front (BEGIN IMMEDIATE),
/// so a transaction that reads first never fails later on lock upgrade. Inside a transaction
/// already (the group writer's), `f` joins it: the enclosing one owns atomicity, and no
/// savepoint is paid for.
pub fn write_tx<T, F>(conn: &mut DbConn, f: F) -> Result<T, DomainError>
where
    F: FnOnce(&mut DbConn) -> Result<T, DomainError>,
{
    if in_transaction(conn) {
        return f(conn);
    }
    match conn {
        DbConn::Sqlite(c) => {
            // Tell diesel's transaction manager, so nested diesel work becomes savepoints.
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE").map_err(db)?;
            match f(conn) {
                Ok(v) => {
                    commit(conn)?;
                    Ok(v)
                }
                Err(e) => {
                    if let DbConn::Sqlite(c) = conn {
                        let _ = AnsiTransactionManager::rollback_transaction(c);
                    }
                    Err(e)
                }
            }
        }
        DbConn::Pg(_) => conn.transaction(f),
    }
}

fn in_transaction(conn: &mut DbConn) -> bool {
    let status = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
        DbConn::Pg(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
    };
    status.transaction_depth().ok().flatten().is_some()
}

fn commit(conn: &mut DbConn) -> Result<(), DomainError> {
    if let DbConn::Sqlite(c) = conn {
        AnsiTransactionManager::commit_transaction(c).map_err(db)?;
    }
    Ok(())
}

pub(crate) fn db(e: diesel::result::Error) -> DomainError {
    DomainError::Db(e.into())
}

/// Milliseconds in one day.
pub const DAY_MS: i64 = 86_400_000;
