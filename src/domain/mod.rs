//! The domain: surveys, dispatch rules, tokens and answers. Depends on storage, never on the web.
//! Functions take the moment they act at (`now`, from the caller's clock) instead of reading the time.
pub mod answers;
pub mod apikeys;
pub mod customers;
pub mod dispatch;
pub mod error;
pub mod import;
pub mod retention;
pub mod surveys;
pub mod token;
pub mod validate;

pub use error::DomainError;

pub(crate) fn db(e: diesel::result::Error) -> DomainError {
    DomainError::Db(e.into())
}

/// Milliseconds in one day.
pub const DAY_MS: i64 = 86_400_000;
