//! Bulk loading of customers and responses (CSV import and the demo world).
//! All or nothing: callers validate every record first, then everything goes in one transaction.
use super::{db, rollups, DomainError};
use crate::db::models::{Customer, Interaction, Response};
use crate::db::schema::{customers, interactions, responses, surveys};
use crate::db::{insert_rows, new_id, write_tx, DbConn};
use crate::types::{Json, Provenance, Scale};
use diesel::prelude::*;
use std::collections::HashMap;

/// A customer as in `customers.csv`.
#[derive(Debug, Clone)]
pub struct CustomerRecord {
    pub external_id: String,
    pub email: Option<String>,
    pub locale: String,
    pub first_seen_at: i64,
    pub churned_at: Option<i64>,
    pub committed_until: Option<i64>,
}

/// A response as in `responses.csv`.
#[derive(Debug, Clone)]
pub struct ResponseRecord {
    pub customer_external_id: String,
    pub survey_slug: String,
    pub score: i32,
    pub answered_at: i64,
    pub comment: Option<String>,
}

/// Rows between progress reports; a multiple of the rows per INSERT statement.
const CHUNK: usize = 16 * crate::db::INSERT_CHUNK;

/// Inserts new customers and updates known ones; returns (inserted, updated).
pub fn customers(
    conn: &mut DbConn,
    records: &[CustomerRecord],
    progress: &dyn Fn(u64),
) -> Result<(usize, usize), DomainError> {
    write_tx(conn, |conn| {
        let known = customer_ids(conn)?;
        let mut fresh = Vec::new();
        let mut updated = 0;
        // In external-id order, the later line of a customer named twice winning: the order in
        // which every transaction takes customers (see `customers::upsert_many`).
        let by_id: std::collections::BTreeMap<&str, &CustomerRecord> =
            records.iter().map(|r| (r.external_id.as_str(), r)).collect();
        progress((records.len() - by_id.len()) as u64);
        for r in by_id.into_values() {
            match known.get(&r.external_id) {
                Some(&id) => {
                    diesel::update(customers::table.find(id))
                        .set((
                            customers::email.eq(&r.email),
                            customers::locale.eq(&r.locale),
                            customers::first_seen_at.eq(r.first_seen_at),
                            customers::churned_at.eq(r.churned_at),
                            customers::committed_until.eq(r.committed_until),
                        ))
                        .execute(conn)
                        .map_err(db)?;
                    updated += 1;
                    progress(1);
                }
                None => fresh.push(Customer {
                    id: new_id(),
                    external_id: r.external_id.clone(),
                    email: r.email.clone(),
                    locale: r.locale.clone(),
                    attributes: Json::default(),
                    first_seen_at: r.first_seen_at,
                    churned_at: r.churned_at,
                    unsubscribed_at: None,
                    erased_at: None,
                    unsubscribe_reason: None,
                    committed_until: r.committed_until,
                }),
            }
        }
        for chunk in fresh.chunks(CHUNK) {
            insert_rows!(conn, customers::table, chunk).map_err(db)?;
            progress(chunk.len() as u64);
        }
        rollups::bump_version(conn, rollups::CHURN_VERSION)?;
        Ok((fresh.len(), updated))
    })
}

/// Every customer's internal id by external id: one query.
pub fn customer_ids(conn: &mut DbConn) -> Result<HashMap<String, i64>, DomainError> {
    let rows: Vec<(String, i64)> =
        customers::table.select((customers::external_id, customers::id)).load(conn).map_err(db)?;
    Ok(rows.into_iter().collect())
}

pub fn survey_ids(conn: &mut DbConn) -> Result<HashMap<String, (i64, Scale)>, DomainError> {
    let rows: Vec<(String, i64, Scale)> =
        surveys::table.select((surveys::slug, surveys::id, surveys::scale)).load(conn).map_err(db)?;
    Ok(rows.into_iter().map(|(slug, id, scale)| (slug, (id, scale))).collect())
}

/// Inserts responses whose customer and survey ids were already resolved, and adds them to the
/// rollups (imported answers count as given; they have no touchpoint or channel).
pub fn responses(conn: &mut DbConn, rows: &[Response], progress: &dyn Fn(u64)) -> Result<usize, DomainError> {
    write_tx(conn, |conn| {
        let segments = segments_of(conn, rows)?;
        let mut changes = rollups::Changes::default();
        for r in rows {
            let attributes = segments.get(&r.customer_id).cloned().unwrap_or_default();
            let dims = rollups::Dims {
                survey_id: r.survey_id,
                touchpoint: String::new(),
                channel: String::new(),
                segments: attributes,
            };
            changes.answer(&dims, r.answered_at, None, None, r.rolled_score);
        }
        for chunk in rows.chunks(CHUNK) {
            insert_rows!(conn, responses::table, chunk).map_err(db)?;
            progress(chunk.len() as u64);
        }
        changes.write(conn)?;
        Ok(rows.len())
    })
}

/// The rollup segments of the customers who gave `rows`.
fn segments_of(conn: &mut DbConn, rows: &[Response]) -> Result<HashMap<i64, Vec<String>>, DomainError> {
    let ids: std::collections::BTreeSet<i64> = rows.iter().map(|r| r.customer_id).collect();
    let ids: Vec<i64> = ids.into_iter().collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(900) {
        let found: Vec<(i64, Json<crate::db::models::Attributes>)> = customers::table
            .filter(customers::id.eq_any(chunk))
            .select((customers::id, customers::attributes))
            .load(conn)
            .map_err(db)?;
        out.extend(found.into_iter().map(|(id, a)| (id, rollups::segments_of(a.get()))).filter(|(_, s)| !s.is_empty()));
    }
    Ok(out)
}

/// An imported answer: no invitation, counted as given.
pub fn response_row(survey_id: i64, customer_id: i64, r: &ResponseRecord) -> Response {
    Response {
        id: new_id(),
        invitation_id: None,
        survey_id,
        customer_id,
        score: r.score,
        comment: r.comment.clone(),
        provenance: Provenance::Import,
        state: crate::types::AnswerState::Counted,
        state_reason: "imported".into(),
        counts_from: Some(r.answered_at),
        answered_at: r.answered_at,
        updated_at: r.answered_at,
        rolled_score: Some(r.score),
        touchpoint: None,
        channel: None,
    }
}

/// Inserts interactions whose customer ids were already resolved (the demo's history).
pub fn interactions(conn: &mut DbConn, rows: &[Interaction]) -> Result<usize, DomainError> {
    write_tx(conn, |conn| {
        insert_rows!(conn, interactions::table, rows).map_err(db)?;
        Ok(rows.len())
    })
}

/// Inserts a generated world (the demo): customers, interactions, invitations and answers whose
/// ids are all set, in one transaction. The caller keeps the rollups.
pub fn world(
    conn: &mut DbConn,
    customers: &[Customer],
    interactions: &[Interaction],
    invitations: &[crate::db::models::Invitation],
    responses: &[Response],
) -> Result<(), DomainError> {
    use crate::db::schema::invitations as inv;
    write_tx(conn, |conn| {
        for chunk in customers.chunks(CHUNK) {
            insert_rows!(conn, customers::table, chunk).map_err(db)?;
        }
        for chunk in interactions.chunks(CHUNK) {
            insert_rows!(conn, interactions::table, chunk).map_err(db)?;
        }
        for chunk in invitations.chunks(CHUNK) {
            insert_rows!(conn, inv::table, chunk).map_err(db)?;
        }
        for chunk in responses.chunks(CHUNK) {
            insert_rows!(conn, responses::table, chunk).map_err(db)?;
        }
        Ok(())
    })
}

/// How many interactions occurred in the `window` (ms) up to the latest one, and when that
/// was: a world's pace.
pub fn recent_contacts(conn: &mut DbConn, window: i64) -> Result<Option<(i64, i64)>, DomainError> {
    use crate::db::schema::interactions::dsl::*;
    let latest: Option<i64> = interactions.select(diesel::dsl::max(occurred_at)).first(conn).map_err(db)?;
    let Some(latest) = latest else { return Ok(None) };
    let n: i64 = interactions.filter(occurred_at.gt(latest - window)).count().get_result(conn).map_err(db)?;
    Ok(Some((n, latest)))
}
