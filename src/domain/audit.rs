//! The audit log: who downloaded or erased a customer's data, and when. Written in the same
//! transaction as what it records, so neither happens unrecorded.
use super::{db, DomainError};
use crate::db::schema::{audit_log, customers};
use crate::db::{new_id, DbConn};
use crate::types::AuditAction;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub id: i64,
    pub at: i64,
    /// `user EMAIL`, `API key NAME` or `command line`.
    pub actor: String,
    pub action: AuditAction,
    /// acht's own number for the customer (not their id in the company's systems).
    pub customer_id: i64,
}

pub fn record(
    conn: &mut DbConn,
    actor: &str,
    action: AuditAction,
    customer_id: i64,
    now: i64,
) -> Result<(), DomainError> {
    let entry = Entry { id: new_id(), at: now, actor: actor.chars().take(200).collect(), action, customer_id };
    diesel::insert_into(audit_log::table).values(&entry).execute(conn).map_err(db)?;
    Ok(())
}

/// The newest entries first, each with the customer's id in the company's systems (for a link
/// to their page), at most `limit`.
pub fn latest(conn: &mut DbConn, limit: i64) -> Result<Vec<(Entry, String)>, DomainError> {
    audit_log::table
        .inner_join(customers::table.on(customers::id.eq(audit_log::customer_id)))
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .select((Entry::as_select(), customers::external_id))
        .load(conn)
        .map_err(db)
}

/// A customer's entries, oldest first (their export holds them).
pub fn of_customer(conn: &mut DbConn, customer_id: i64) -> Result<Vec<Entry>, DomainError> {
    audit_log::table
        .filter(audit_log::customer_id.eq(customer_id))
        .order((audit_log::at, audit_log::id))
        .select(Entry::as_select())
        .load(conn)
        .map_err(db)
}
