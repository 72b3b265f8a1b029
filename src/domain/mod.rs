//! The domain: surveys, dispatch rules, tokens and answers. Depends on storage, never on the web.
//! Functions take the moment they act at (`now`, from the caller's clock) instead of reading the time.
pub mod answers;
pub mod apikeys;
pub mod audit;
pub mod branding;
pub mod customers;
pub mod digests;
pub mod dispatch;
pub mod error;
pub mod events;
pub mod evidence;
pub mod fanout;
pub mod figures;
pub mod followups;
pub mod import;
pub mod privacy;
pub mod queue;
pub mod reports;
pub mod retention;
pub mod rollups;
pub mod surveys;
pub mod token;
pub mod users;
pub mod validate;
pub mod webhooks;

/// Stored rows the domain hands to its callers as they are (the web layer turns them into
/// views); callers reach them through the domain, never through storage.
pub use crate::db::models::{AnswerEvent, ApiKey, Attributes, Customer, Survey};
pub use error::DomainError;

/// A storage error as the domain tells it: a unique key taken meanwhile (two requests creating
/// the same customer or interaction at once on PostgreSQL) is a race the database handle runs
/// the write again for, not an outage. Domain code that means "already exists" checks first and
/// says [`DomainError::Conflict`] itself.
pub(crate) fn db(e: diesel::result::Error) -> DomainError {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => DomainError::Raced,
        other => DomainError::Db(other.into()),
    }
}

/// Milliseconds in one day.
pub const DAY_MS: i64 = 86_400_000;
