//! From customers and responses to the observations of Part A (retention) and Part B
//! (survival): one baseline response per customer.
//!
//! Times are Unix seconds (UTC) so this stays free of database and date types; the caller
//! converts. One observation per customer keeps observations independent, and the baseline is
//! chosen by time alone, never by the outcome.

use super::retention::Level;
use super::survival::Observation;
use std::collections::HashMap;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// A customer: when they churned, if they did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Customer {
    pub id: i64,
    pub churned_at: Option<i64>,
}

/// A response of the survey. Slice order is storage order, which breaks ties on `answered_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    pub customer_id: i64,
    pub score: i64,
    pub answered_at: i64,
}

/// Per customer, the earliest eligible response (ties: stored first).
fn baselines<'a>(
    customers: &[Customer],
    responses: &'a [Response],
    eligible: impl Fn(&Response) -> bool,
) -> Vec<(Customer, &'a Response)> {
    let churn: HashMap<i64, Customer> = customers.iter().map(|c| (c.id, *c)).collect();
    let mut first: HashMap<i64, &Response> = HashMap::new();
    for r in responses {
        let Some(c) = churn.get(&r.customer_id) else { continue };
        // Answers given after churning say nothing about staying.
        if c.churned_at.is_some_and(|t| t <= r.answered_at) || !eligible(r) {
            continue;
        }
        first
            .entry(r.customer_id)
            .and_modify(|b| {
                if r.answered_at < b.answered_at {
                    *b = r;
                }
            })
            .or_insert(r);
    }
    // Deterministic order (by customer id) so results do not depend on hashing.
    let mut out: Vec<(Customer, &Response)> = first.into_iter().map(|(id, r)| (churn[&id], r)).collect();
    out.sort_by_key(|(c, _)| c.id);
    out
}

/// Part A: per score level, customers whose baseline response has a full horizon of follow-up
/// (`answered_at + H ≤ as_of`) and how many of them had not churned within H days of it.
/// Sorted by score; only levels with customers appear.
pub fn retention_levels(customers: &[Customer], responses: &[Response], as_of: i64, horizon_days: i64) -> Vec<Level> {
    let horizon = horizon_days * DAY;
    let mut by_score: HashMap<i64, Level> = HashMap::new();
    for (c, r) in baselines(customers, responses, |r| r.answered_at + horizon <= as_of) {
        let retained = c.churned_at.is_none_or(|t| t > r.answered_at + horizon);
        let level = by_score.entry(r.score).or_insert(Level { score: r.score, n: 0, retained: 0 });
        level.n += 1;
        level.retained += u64::from(retained);
    }
    let mut levels: Vec<Level> = by_score.into_values().collect();
    levels.sort_by_key(|l| l.score);
    levels
}

/// Part B: per customer with a baseline answered by `as_of`, its score and follow-up in
/// (fractional) days, churn being the event and `as_of` the censoring time.
pub fn survival_observations(customers: &[Customer], responses: &[Response], as_of: i64) -> Vec<(i64, Observation)> {
    baselines(customers, responses, |r| r.answered_at <= as_of)
        .into_iter()
        .map(|(c, r)| {
            let end = c.churned_at.map_or(as_of, |t| t.min(as_of));
            let observation = Observation {
                duration: (end - r.answered_at) as f64 / DAY as f64,
                event: c.churned_at.is_some_and(|t| t <= as_of),
            };
            (r.score, observation)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(customer_id: i64, score: i64, day: i64) -> Response {
        Response { customer_id, score, answered_at: day * DAY }
    }

    fn cust(id: i64, churn_day: Option<i64>) -> Customer {
        Customer { id, churned_at: churn_day.map(|d| d * DAY) }
    }

    #[test]
    fn baseline_and_outcome_follow_the_contract() {
        let as_of = 1000 * DAY;
        let customers = [
            cust(1, None),      // active: retained
            cust(2, Some(300)), // churns 200 days after its baseline at day 100: not retained
            cust(3, Some(600)), // churns 500 days after baseline: retained at H = 365
            cust(4, Some(50)),  // only answered after churning: left out
            cust(5, None),      // only answered too recently: left out of Part A
            cust(6, Some(465)), // churn exactly at answered_at + H counts as churned
        ];
        let responses = [
            resp(1, 9, 200),
            resp(1, 3, 100), // earlier: the baseline, although stored later
            resp(2, 8, 100),
            resp(2, 8, 100), // tie, stored second
            resp(3, 8, 100),
            resp(4, 2, 60),
            resp(5, 7, 700),
            resp(6, 7, 100),
            resp(99, 1, 10), // unknown customer
        ];
        let levels = retention_levels(&customers, &responses, as_of, 365);
        let as_tuples: Vec<(i64, u64, u64)> = levels.iter().map(|l| (l.score, l.n, l.retained)).collect();
        assert_eq!(as_tuples, vec![(3, 1, 1), (7, 1, 0), (8, 2, 1)]);

        let obs = survival_observations(&customers, &responses, as_of);
        let summary: Vec<(i64, f64, bool)> = obs.iter().map(|(s, o)| (*s, o.duration, o.event)).collect();
        assert_eq!(
            summary,
            vec![(3, 900.0, false), (8, 200.0, true), (8, 500.0, true), (7, 300.0, false), (7, 365.0, true),]
        );
    }

    #[test]
    fn churn_after_as_of_is_censored_and_fractional_days() {
        let customers = [cust(1, Some(2000))];
        let responses = [Response { customer_id: 1, score: 8, answered_at: 10 * DAY + DAY / 2 }];
        let obs = survival_observations(&customers, &responses, 1000 * DAY);
        assert_eq!(obs.len(), 1);
        assert_eq!(obs[0].1.duration, 989.5);
        assert!(!obs[0].1.event);
        // Churned long after the horizon: retained in Part A.
        let levels = retention_levels(&customers, &responses, 1000 * DAY, 365);
        assert_eq!(levels, vec![Level { score: 8, n: 1, retained: 1 }]);
    }
}
