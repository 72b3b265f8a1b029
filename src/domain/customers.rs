use super::{db, DomainError};
use crate::db::models::{Customer, CustomerEvent};
use crate::db::schema::{customer_events, customers};
use crate::db::{insert_rows, new_id, now_ms, DbConn};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A customer as the company's systems describe it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    /// The company's own id for the customer.
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    /// "nl" or "en"; defaults to "nl".
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

pub fn normalize_locale(locale: Option<&str>) -> String {
    match locale.map(|l| l.to_ascii_lowercase()) {
        Some(l) if l.starts_with("en") => "en".into(),
        _ => "nl".into(),
    }
}

impl CustomerInput {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.id.trim().is_empty() || self.id.len() > 200 {
            return Err(DomainError::invalid("invalid_customer_id", "customer id must be 1–200 characters"));
        }
        if let Some(email) = &self.email {
            if !email.contains('@') || email.len() > 320 {
                return Err(DomainError::invalid("invalid_email", format!("'{email}' is not an email address")));
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
    let mut fresh: Vec<Customer> = Vec::new();
    for input in inputs {
        match known.get_mut(&input.id) {
            Some(existing) => {
                // Only given fields that differ cause a write: systems resend the same customer
                // with every interaction, and an UPDATE per row would sit on the ingest path.
                let email = input.email.clone().filter(|e| existing.email.as_ref() != Some(e));
                let locale =
                    input.locale.as_deref().map(|l| normalize_locale(Some(l))).filter(|l| *l != existing.locale);
                let attributes = input
                    .attributes
                    .as_ref()
                    .map(|a| serde_json::to_string(a).expect("json map serializes"))
                    .filter(|a| *a != existing.attributes);
                let changed = email.is_some() || locale.is_some() || attributes.is_some();
                if let Some(email) = email {
                    existing.email = Some(email);
                }
                if let Some(locale) = locale {
                    existing.locale = locale;
                }
                if let Some(attributes) = attributes {
                    existing.attributes = attributes;
                }
                if changed {
                    diesel::update(customers::table.find(existing.id))
                        .set((
                            customers::email.eq(&existing.email),
                            customers::locale.eq(&existing.locale),
                            customers::attributes.eq(&existing.attributes),
                        ))
                        .execute(conn)
                        .map_err(db)?;
                }
            }
            None => {
                let c = Customer {
                    id: new_id(),
                    external_id: input.id.clone(),
                    email: input.email.clone(),
                    locale: normalize_locale(input.locale.as_deref()),
                    attributes: input
                        .attributes
                        .as_ref()
                        .map_or("{}".into(), |a| serde_json::to_string(a).expect("json")),
                    first_seen_at: now,
                    churned_at: None,
                    unsubscribed_at: None,
                    erased_at: None,
                    last_invited_at: None,
                };
                known.insert(c.external_id.clone(), c.clone());
                fresh.push(c);
            }
        }
    }
    insert_rows!(conn, customers::table, &fresh).map_err(db)?;
    Ok(known)
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LifecycleEvent {
    Churn,
    Renewal,
}

/// Records churn or renewal; the customer's churn date follows the latest event.
pub fn record_event(
    conn: &mut DbConn,
    external_id: &str,
    kind: LifecycleEvent,
    at: i64,
) -> Result<CustomerEvent, DomainError> {
    let customer = get(conn, external_id)?;
    let event = CustomerEvent {
        id: new_id(),
        customer_id: customer.id,
        kind: match kind {
            LifecycleEvent::Churn => "churn".into(),
            LifecycleEvent::Renewal => "renewal".into(),
        },
        occurred_at: at,
        created_at: now_ms(),
    };
    diesel::insert_into(customer_events::table).values(&event).execute(conn).map_err(db)?;
    let churned_at = match kind {
        LifecycleEvent::Churn => Some(at),
        LifecycleEvent::Renewal => None,
    };
    diesel::update(customers::table.find(customer.id))
        .set(customers::churned_at.eq(churned_at))
        .execute(conn)
        .map_err(db)?;
    Ok(event)
}
