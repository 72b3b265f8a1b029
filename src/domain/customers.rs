//! Customers as the company's systems describe them, their lifecycle events (churn, renewal,
//! unsubscribe) and erasure.
use super::{db, validate, DomainError};
use crate::db::models::{Attributes, Customer, CustomerEvent};
use crate::db::schema::{answer_events, customer_events, customers, interactions, invitations, responses};
use crate::db::{new_id, unnest_insert, DbConn};
use crate::i18n::Locale;
use crate::types::{CustomerEventKind, EventKind, Json};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const MAX_ID_CHARS: usize = 200;

/// A customer as the company's systems describe them.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    /// The company's own id for the customer.
    #[schema(min_length = 1, max_length = 200, pattern = r"^[^\u0000]*[^\u0000 \t\n\r][^\u0000]*$")]
    pub id: String,
    #[serde(default)]
    /// One address acht can mail (what the server checks, with lettre's parser): a dot-atom
    /// local part, `@`, a domain of two or more labels. No display name or angle brackets.
    #[schema(
        format = Email,
        max_length = 254,
        pattern = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$"
    )]
    pub email: Option<String>,
    /// Language tag, e.g. "nl", "en" or "en-GB"; a language acht does not speak becomes its
    /// default language ("nl").
    #[serde(default)]
    #[schema(min_length = 1, max_length = 35, pattern = "^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$", example = "nl")]
    pub locale: Option<String>,
    /// The company's own fields, e.g. `{"segment": "business"}`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<Attributes>,
    /// Until when the customer cannot leave (the end of a contract's fixed term): the retention
    /// analysis counts their time at risk from then on. Absent: unknown or none; a later
    /// report with it changes it.
    #[serde(default)]
    pub committed_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// The stored form of a language tag: the catalogue language it negotiates to.
pub fn normalize_locale(locale: Option<&str>) -> String {
    locale.map_or_else(Locale::default_locale, Locale::negotiate).tag().to_string()
}

fn locale_tag_ok(l: &str) -> bool {
    let mut parts = l.split(['-', '_']);
    let first_ok =
        parts.next().is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && l.len() <= 35
}

impl CustomerInput {
    pub fn validate(&self) -> Result<(), DomainError> {
        validate::required_text("invalid_customer_id", "customer id", &self.id, MAX_ID_CHARS)?;
        if let Some(email) = &self.email {
            validate::email(email)?;
        }
        if let Some(l) = &self.locale {
            if !locale_tag_ok(l) {
                return Err(DomainError::invalid(
                    "invalid_locale",
                    format!("'{l}' is not a language tag such as nl or en-GB"),
                ));
            }
        }
        Ok(())
    }
}

/// Inserts new customers and updates given fields of known ones, in bulk; returns all by external id.
pub fn upsert_many(
    conn: &mut DbConn,
    inputs: &[&CustomerInput],
    now: i64,
) -> Result<HashMap<String, Customer>, DomainError> {
    let ids: Vec<&str> = inputs.iter().map(|c| c.id.as_str()).collect();
    let mut known = load_by_external_ids(conn, &ids)?;
    // Every input is merged first (a customer named twice in a batch is written once); then the
    // new customers are inserted and the changed ones updated, each in external-id order.
    let mut changed: BTreeSet<String> = BTreeSet::new();
    let mut fresh: BTreeMap<String, Customer> = BTreeMap::new();
    for input in inputs {
        if let Some(c) = fresh.get_mut(&input.id) {
            merge_given_fields(c, input);
        } else if let Some(existing) = known.get_mut(&input.id) {
            if merge_given_fields(existing, input) {
                changed.insert(input.id.clone());
            }
        } else {
            fresh.insert(input.id.clone(), new_customer(input, now));
        }
    }
    let mut fresh: Vec<Customer> = fresh.into_values().collect();
    let taken = insert_new(conn, &fresh)?;
    if !taken.is_empty() {
        // Inserted meanwhile by a concurrent batch (committed, or this insert would still wait):
        // read as they are now and given this batch's fields like any known customer.
        fresh.retain(|c| !taken.contains(&c.external_id));
        let ids: Vec<&str> = taken.iter().map(String::as_str).collect();
        for (id, mut theirs) in load_by_external_ids(conn, &ids)? {
            let mut differs = false;
            for input in inputs.iter().filter(|i| i.id == id) {
                differs |= merge_given_fields(&mut theirs, input);
            }
            if differs {
                changed.insert(id.clone());
            }
            known.insert(id, theirs);
        }
    }
    for id in &changed {
        write_given_fields(conn, &known[id])?;
    }
    known.extend(fresh.into_iter().map(|c| (c.external_id.clone(), c)));
    Ok(known)
}

/// Inserts customers new to this batch, in external-id order; returns the external ids another
/// transaction inserted first. On PostgreSQL two batches naming the same new customer would
/// otherwise make the second fail on the unique key (and be run again, and collide again under
/// a steady load); `ON CONFLICT DO NOTHING` waits for the first to commit and skips its rows.
/// Inserting before updating, each in one order, leaves no circle of waits: a transaction only
/// waits at its inserts for another's uncommitted inserts, and only updates committed rows.
fn insert_new(conn: &mut DbConn, fresh: &[Customer]) -> Result<BTreeSet<String>, DomainError> {
    let inserted: BTreeSet<String> = insert_unless_taken(conn, fresh).map_err(db)?.into_iter().collect();
    Ok(fresh.iter().filter(|r| !inserted.contains(&r.external_id)).map(|r| r.external_id.clone()).collect())
}

unnest_insert!(
    /// The customers' insert of [`insert_new`]: one statement on PostgreSQL, whatever their number.
    fn insert_unless_taken(Customer => customers {
    id: i64, external_id: String, email: Option<String>, locale: String, attributes: Json<Attributes>,
    first_seen_at: i64, churned_at: Option<i64>, unsubscribed_at: Option<i64>, erased_at: Option<i64>,
    unsubscribe_reason: Option<String>, committed_until: Option<i64>,
}) on_conflict_do_nothing_returning(external_id: String));

fn new_customer(input: &CustomerInput, now: i64) -> Customer {
    Customer {
        id: new_id(),
        external_id: input.id.clone(),
        email: input.email.as_deref().and_then(|e| validate::email(e).ok()),
        locale: normalize_locale(input.locale.as_deref()),
        attributes: Json::new(input.attributes.clone().unwrap_or_default()),
        first_seen_at: now,
        churned_at: None,
        unsubscribed_at: None,
        erased_at: None,
        unsubscribe_reason: None,
        committed_until: input.committed_until.map(|t| t.timestamp_millis()),
    }
}

/// Only given fields that differ cause a write: systems resend the same customer with every
/// interaction, and an UPDATE per row would sit on the ingest path. An erased customer keeps
/// no personal data, so nothing personal is stored for them again.
fn write_given_fields(conn: &mut DbConn, c: &Customer) -> Result<(), DomainError> {
    diesel::update(customers::table.find(c.id))
        .set((
            customers::email.eq(&c.email),
            customers::locale.eq(&c.locale),
            customers::attributes.eq(&c.attributes),
            customers::committed_until.eq(c.committed_until),
        ))
        .execute(conn)
        .map_err(db)?;
    Ok(())
}

/// Takes the fields `input` gives into `existing`; true when one of them differed.
fn merge_given_fields(existing: &mut Customer, input: &CustomerInput) -> bool {
    if existing.erased_at.is_some() {
        return false;
    }
    let email =
        input.email.as_deref().and_then(|e| validate::email(e).ok()).filter(|e| existing.email.as_ref() != Some(e));
    let locale = input.locale.as_deref().map(|l| normalize_locale(Some(l))).filter(|l| *l != existing.locale);
    let attributes = input.attributes.clone().map(Json::new).filter(|a| *a != existing.attributes);
    let committed =
        input.committed_until.map(|t| t.timestamp_millis()).filter(|t| existing.committed_until != Some(*t));
    let changed = email.is_some() || locale.is_some() || attributes.is_some() || committed.is_some();
    if committed.is_some() {
        existing.committed_until = committed;
    }
    if let Some(email) = email {
        existing.email = Some(email);
    }
    if let Some(locale) = locale {
        existing.locale = locale;
    }
    if let Some(attributes) = attributes {
        existing.attributes = attributes;
    }
    changed
}

pub fn load_by_external_ids(conn: &mut DbConn, ids: &[&str]) -> Result<HashMap<String, Customer>, DomainError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(900) {
        let rows: Vec<Customer> = customers::table
            .filter(customers::external_id.eq_any(chunk))
            .select(Customer::as_select())
            .load(conn)
            .map_err(db)?;
        out.extend(rows.into_iter().map(|c| (c.external_id.clone(), c)));
    }
    Ok(out)
}

pub fn get(conn: &mut DbConn, external_id: &str) -> Result<Customer, DomainError> {
    customers::table
        .filter(customers::external_id.eq(external_id))
        .select(Customer::as_select())
        .first(conn)
        .optional()
        .map_err(db)?
        .ok_or_else(|| DomainError::NotFound(format!("customer '{external_id}'")))
}

/// The customer a person typed: their id in the company's systems, or their address (in any
/// case); None when neither names one. An id wins over an address.
pub fn find(conn: &mut DbConn, typed: &str) -> Result<Option<String>, DomainError> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let by_id: Option<String> = customers::table
        .filter(customers::external_id.eq(typed))
        .select(customers::external_id)
        .first(conn)
        .optional()
        .map_err(db)?;
    if by_id.is_some() {
        return Ok(by_id);
    }
    customers::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(email) = ")
                .bind::<diesel::sql_types::Text, _>(typed.to_lowercase()),
        )
        .select(customers::external_id)
        .order(customers::id)
        .first(conn)
        .optional()
        .map_err(db)
}

/// Records an event the company's systems reported (see [`apply_event`]).
pub fn record_event(
    conn: &mut DbConn,
    external_id: &str,
    kind: CustomerEventKind,
    at: i64,
    now: i64,
) -> Result<CustomerEvent, DomainError> {
    let customer = get(conn, external_id)?;
    apply_event(conn, customer.id, kind, at, now, REPORTED_BY_API)
}

/// Stores an event and what it changes: churn sets the churn date and renewal clears it (the
/// latest event wins, and the stored analyses are due again); an unsubscribe stops the
/// customer's queued survey emails and keeps `reason` until a resubscribe.
fn apply_event(
    conn: &mut DbConn,
    customer_id: i64,
    kind: CustomerEventKind,
    at: i64,
    now: i64,
    reason: &str,
) -> Result<CustomerEvent, DomainError> {
    let event = CustomerEvent { id: new_id(), customer_id, kind, occurred_at: at, created_at: now };
    diesel::insert_into(customer_events::table).values(&event).execute(conn).map_err(db)?;
    let row = customers::table.find(customer_id);
    match kind {
        CustomerEventKind::Churn => diesel::update(row).set(customers::churned_at.eq(Some(at))).execute(conn),
        CustomerEventKind::Renewal => diesel::update(row).set(customers::churned_at.eq(None::<i64>)).execute(conn),
        CustomerEventKind::Unsubscribe => {
            super::queue::suppress_customer(conn, customer_id, "the customer unsubscribed", now)?;
            // Told once: a repeated report of the same unsubscribe is no news.
            let already: Option<i64> = row.select(customers::unsubscribed_at).first(conn).map_err(db)?;
            if already.is_none() {
                let told = super::events::Event::new(EventKind::CustomerUnsubscribed, customer_id, customer_id, now);
                super::events::emit(conn, &[told])?;
            }
            diesel::update(row)
                .set((customers::unsubscribed_at.eq(Some(at)), customers::unsubscribe_reason.eq(reason)))
                .execute(conn)
        }
        CustomerEventKind::Resubscribe => diesel::update(row)
            .set((customers::unsubscribed_at.eq(None::<i64>), customers::unsubscribe_reason.eq(None::<String>)))
            .execute(conn),
    }
    .map_err(db)?;
    if matches!(kind, CustomerEventKind::Churn | CustomerEventKind::Renewal) {
        super::rollups::bump_version(conn, super::rollups::CHURN_VERSION)?;
    }
    Ok(event)
}

/// The reason kept for an unsubscribe the company's systems reported.
pub const REPORTED_BY_API: &str = "reported by the company's systems";

/// How a customer unsubscribed themselves from a survey email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsubscribeWay {
    /// Their mail program's unsubscribe button (RFC 8058 one-click POST).
    OneClick,
    /// The link in the email's footer, confirmed on acht's page.
    Link,
}

/// A customer unsubscribes through a survey email: from now on no survey email goes to them
/// (queued ones are stopped) and their interactions get the decision `unsubscribed` with how
/// and when. Unsubscribing again changes nothing.
pub fn unsubscribe(conn: &mut DbConn, customer_id: i64, way: UnsubscribeWay, now: i64) -> Result<bool, DomainError> {
    let already: Option<i64> =
        customers::table.find(customer_id).select(customers::unsubscribed_at).first(conn).map_err(db)?;
    if already.is_some() {
        return Ok(false);
    }
    let how = match way {
        UnsubscribeWay::OneClick => "one-click unsubscribe in their mail program",
        UnsubscribeWay::Link => "unsubscribe link in a survey email",
    };
    let day =
        chrono::DateTime::from_timestamp_millis(now).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default();
    let reason = format!("{how}, {day}");
    apply_event(conn, customer_id, CustomerEventKind::Unsubscribe, now, now, &reason)?;
    Ok(true)
}

/// How long after an unsubscribe its undo button still works.
pub const UNDO_DAYS: i64 = 30;

/// What an undo of an unsubscribe did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resubscribed {
    /// Subscribed again (or never unsubscribed).
    Yes,
    /// The company's systems reported the unsubscribe: theirs to undo, not a link's.
    ByCompany,
    /// The unsubscribe is older than [`UNDO_DAYS`]: a forwarded or old email cannot undo it.
    TooLate,
}

/// Undoes [`unsubscribe`] at the customer's own request (the undo button on acht's page), for
/// an unsubscribe made through a survey email in the last [`UNDO_DAYS`] days.
pub fn resubscribe(conn: &mut DbConn, customer_id: i64, now: i64) -> Result<Resubscribed, DomainError> {
    let (at, reason): (Option<i64>, Option<String>) = customers::table
        .find(customer_id)
        .select((customers::unsubscribed_at, customers::unsubscribe_reason))
        .first(conn)
        .map_err(db)?;
    let Some(at) = at else { return Ok(Resubscribed::Yes) };
    if reason.as_deref().is_none_or(|r| r == REPORTED_BY_API) {
        return Ok(Resubscribed::ByCompany);
    }
    if now - at > UNDO_DAYS * super::DAY_MS {
        return Ok(Resubscribed::TooLate);
    }
    apply_event(conn, customer_id, CustomerEventKind::Resubscribe, now, now, "")?;
    Ok(Resubscribed::Yes)
}

/// Erases a customer's personal data: email, attributes, their comments, the user agents of
/// their clicks and the attributes of their interactions. Scores, times and churn stay (they
/// carry the figures, not the person); from now on their interactions get the decision `erased`.
pub fn erase(conn: &mut DbConn, external_id: &str, actor: &str, now: i64) -> Result<Customer, DomainError> {
    let customer = get(conn, external_id)?;
    super::audit::record(conn, actor, crate::types::AuditAction::CustomerErased, customer.id, now)?;
    // First, while the attributes are still there to say which segments they made.
    super::rollups::forget_segments(conn, customer.id)?;
    let empty = Json::new(Attributes::new());
    diesel::update(customers::table.find(customer.id))
        .set((
            customers::email.eq(None::<String>),
            customers::attributes.eq(&empty),
            customers::erased_at.eq(Some(now)),
        ))
        .execute(conn)
        .map_err(db)?;
    diesel::update(responses::table.filter(responses::customer_id.eq(customer.id)))
        .set(responses::comment.eq(None::<String>))
        .execute(conn)
        .map_err(db)?;
    diesel::update(interactions::table.filter(interactions::customer_id.eq(customer.id)))
        .set(interactions::attributes.eq(&empty))
        .execute(conn)
        .map_err(db)?;
    let their_invitations = invitations::table.filter(invitations::customer_id.eq(customer.id)).select(invitations::id);
    diesel::update(answer_events::table.filter(answer_events::invitation_id.eq_any(their_invitations)))
        .set((answer_events::user_agent.eq(None::<String>), answer_events::source.eq(None::<String>)))
        .execute(conn)
        .map_err(db)?;
    super::queue::suppress_customer(conn, customer.id, "the customer's data was erased", now)?;
    super::queue::forget_customer(conn, customer.id)?;
    super::followups::forget_customer(conn, customer.id, now)?;
    if customer.erased_at.is_none() {
        let told = super::events::Event::new(EventKind::CustomerErased, customer.id, customer.id, now);
        super::events::emit(conn, &[told])?;
    }
    // Their links close now: with addresses and user agents gone, a new visit could not be
    // judged against the old ones (every source would look the same).
    diesel::update(invitations::table.filter(invitations::customer_id.eq(customer.id)))
        .set(invitations::expires_at.eq(now))
        .execute(conn)
        .map_err(db)?;
    get(conn, external_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{prepared_statements, ScratchPg};

    fn customer(external_id: &str) -> Customer {
        let input: CustomerInput = serde_json::from_value(serde_json::json!({ "id": external_id })).unwrap();
        new_customer(&input, 1_000)
    }

    fn stored(conn: &mut DbConn) -> Vec<(i64, String)> {
        customers::table
            .order(customers::external_id)
            .select((customers::id, customers::external_id))
            .load(conn)
            .unwrap()
    }

    /// New customers go in as one statement, kept prepared; one another transaction stored
    /// first is skipped, keeps its row and is named as taken (on SQLite, one writer, every
    /// customer of a batch is new by then).
    #[test]
    fn new_customers_are_one_insert_and_a_taken_one_is_named() {
        let mut sqlite = crate::db::establish("sqlite://:memory:").unwrap();
        crate::db::migrate(&mut sqlite).unwrap();
        let first = [customer("a"), customer("c")];
        assert!(insert_new(&mut sqlite, &first).unwrap().is_empty());
        assert_eq!(stored(&mut sqlite), vec![(first[0].id, "a".into()), (first[1].id, "c".into())]);

        let Some(scratch) = ScratchPg::create("customers") else { return };
        let mut conn = crate::db::establish(&scratch.url).unwrap();
        crate::db::migrate(&mut conn).unwrap();
        assert!(insert_new(&mut conn, &first).unwrap().is_empty());
        assert!(insert_new(&mut conn, &[]).unwrap().is_empty());
        let again = [customer("a"), customer("b"), customer("c"), customer("d")];
        let taken = insert_new(&mut conn, &again).unwrap();
        assert_eq!(taken.into_iter().collect::<Vec<_>>(), vec!["a".to_string(), "c".to_string()]);
        assert_eq!(
            stored(&mut conn),
            vec![
                (first[0].id, "a".into()),
                (again[1].id, "b".into()),
                (first[1].id, "c".into()),
                (again[3].id, "d".into())
            ]
        );
        let prepared = prepared_statements(&mut conn, "INSERT INTO customers");
        assert_eq!(prepared.len(), 1, "{prepared:?}");
        assert!(prepared[0].ends_with("ON CONFLICT (external_id) DO NOTHING RETURNING external_id"), "{prepared:?}");
    }

    /// A customer another transaction is inserting is waited for, then skipped (its row stays
    /// theirs) and named as taken; the batch's other customers go in.
    #[test]
    fn a_customer_inserted_meanwhile_is_waited_for_and_named_taken() {
        use diesel::connection::SimpleConnection;
        let Some(scratch) = ScratchPg::create("customers_wait") else { return };
        let mut other = crate::db::establish(&scratch.url).unwrap();
        crate::db::migrate(&mut other).unwrap();
        let DbConn::Pg(pg) = &mut other else { unreachable!() };
        pg.batch_execute("BEGIN").unwrap();
        let theirs = customer("b");
        assert!(insert_new(&mut other, std::slice::from_ref(&theirs)).unwrap().is_empty());

        let url = scratch.url.clone();
        let batch = [customer("a"), customer("b"), customer("c")];
        let ours = batch.clone();
        let insert = std::thread::spawn(move || {
            let mut conn = crate::db::establish(&url).unwrap();
            insert_new(&mut conn, &ours).unwrap()
        });
        // It cannot finish while "b" is uncommitted elsewhere: it waits at that key.
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(!insert.is_finished(), "the insert did not wait for the other transaction's customer");
        let DbConn::Pg(pg) = &mut other else { unreachable!() };
        pg.batch_execute("COMMIT").unwrap();
        let taken = insert.join().unwrap();
        assert_eq!(taken.into_iter().collect::<Vec<_>>(), vec!["b".to_string()]);
        assert_eq!(
            stored(&mut other),
            vec![(batch[0].id, "a".into()), (theirs.id, "b".into()), (batch[2].id, "c".into())]
        );
    }
}
