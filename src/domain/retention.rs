//! Loads what the retention analysis needs for one survey: one query per table, on either
//! backend, into plain rows (the `analysis` module works on plain data only).
use super::scale::Scale;
use super::{db, DomainError};
use crate::db::schema::{customers, responses};
use crate::db::DbConn;
use diesel::prelude::*;

/// A customer as the analysis sees one (times in UTC milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerRow {
    pub id: i64,
    pub first_seen_at: i64,
    pub churned_at: Option<i64>,
}

/// A counted answer; `id` orders answers stored at the same instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResponseRow {
    pub id: i64,
    pub customer_id: i64,
    pub score: i32,
    pub answered_at: i64,
}

#[derive(Debug, Clone)]
pub struct SurveyData {
    pub slug: String,
    pub scale: Scale,
    pub customers: Vec<CustomerRow>,
    pub responses: Vec<ResponseRow>,
}

/// Customers who answered the survey and their confirmed answers, in (customer, time, id) order.
pub fn load(conn: &mut DbConn, slug: &str) -> Result<SurveyData, DomainError> {
    let survey = super::surveys::get(conn, slug)?;
    let answered = responses::table.filter(responses::survey_id.eq(survey.id)).select(responses::customer_id);
    let customers: Vec<(i64, i64, Option<i64>)> = customers::table
        .filter(customers::id.eq_any(answered))
        .select((customers::id, customers::first_seen_at, customers::churned_at))
        .order(customers::id)
        .load(conn)
        .map_err(db)?;
    let responses: Vec<(i64, i64, i32, i64)> = responses::table
        .filter(responses::survey_id.eq(survey.id))
        .filter(responses::confirmed.eq(true))
        .select((responses::id, responses::customer_id, responses::score, responses::answered_at))
        .order((responses::customer_id, responses::answered_at, responses::id))
        .load(conn)
        .map_err(db)?;
    Ok(SurveyData {
        slug: survey.slug.clone(),
        scale: survey.scale(),
        customers: customers
            .into_iter()
            .map(|(id, first_seen_at, churned_at)| CustomerRow { id, first_seen_at, churned_at })
            .collect(),
        responses: responses
            .into_iter()
            .map(|(id, customer_id, score, answered_at)| ResponseRow { id, customer_id, score, answered_at })
            .collect(),
    })
}
