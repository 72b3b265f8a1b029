use crate::db::DbError;

/// The one error type of the domain layer; the web layer maps it to HTTP in one place.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("{0} already exists")]
    Conflict(String),
    /// Another transaction wrote a row with the same key at the same moment (PostgreSQL): the
    /// write is run again (see [`crate::db::Contended`]), and answered 409 only if it still
    /// lost after that.
    #[error("another request wrote the same record at the same moment; retry")]
    Raced,
    #[error("this survey link has expired")]
    Expired,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl crate::db::Contended for DomainError {
    fn contended(&self) -> bool {
        match self {
            DomainError::Raced => true,
            DomainError::Db(e) => e.contended(),
            _ => false,
        }
    }
}

impl DomainError {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Invalid { code, message: message.into() }
    }
}

impl From<diesel::result::Error> for DomainError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => DomainError::NotFound("record".into()),
            other => DomainError::Db(other.into()),
        }
    }
}
