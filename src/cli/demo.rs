//! A deterministic demo world: two surveys and years of answers in which churn falls with the
//! service grade up to 8 and is flat from 8 up (acht's headline finding), and falls with effort ease.
use crate::clock::{Clock, SystemClock};
use crate::db::models::Interaction;
use crate::db::Db;
use crate::domain::import::{self, CustomerRecord, ResponseRecord};
use crate::domain::surveys::{self, SurveyInput, Touchpoint};
use crate::domain::DomainError;
use crate::types::{Decision, Json, Scale};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;

const DAY: i64 = 86_400_000;
/// The world ends here, so a seed always gives the same world.
const WORLD_END_MS: i64 = 1_782_777_600_000; // 2026-06-30T00:00:00Z
const YEARS: i64 = 4;

/// Yearly churn probability after a service grade: falls to grade 8, then flat.
fn yearly_churn(grade: i32) -> f64 {
    0.12 + 0.07 * f64::from((8 - grade).max(0))
}

pub fn generate(db: &Db, n_customers: usize, seed: u64) -> Result<String, DomainError> {
    ensure_surveys(db)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let start = WORLD_END_MS - YEARS * 365 * DAY;
    let mut customers = Vec::with_capacity(n_customers);
    let mut responses = Vec::with_capacity(n_customers * 8);
    for i in 0..n_customers {
        let id = format!("D{seed:02}{i:07}");
        let first_seen_at = start + rng.random_range(0..(YEARS * 365 - 30) * DAY);
        let mood: f64 = rng.random_range(-1.5..1.5);
        let mut t = first_seen_at + rng.random_range(1..60) * DAY;
        let mut churned_at = None;
        let mut first_grade: Option<i32> = None;
        while t < WORLD_END_MS {
            let grade = (7.3 + mood + rng.random_range(-1.6..1.6f64)).round().clamp(1.0, 10.0) as i32;
            let ease = (0.6 * f64::from(grade) + 0.3 + rng.random_range(-1.0..1.0f64)).round().clamp(1.0, 7.0) as i32;
            let comment = (rng.random_bool(0.08)).then(|| demo_comment(grade).to_string());
            responses.push(ResponseRecord {
                customer_external_id: id.clone(),
                survey_slug: "service".into(),
                score: grade,
                answered_at: t,
                comment,
            });
            responses.push(ResponseRecord {
                customer_external_id: id.clone(),
                survey_slug: "effort".into(),
                score: ease,
                answered_at: t + 60_000,
                comment: None,
            });
            let gap = rng.random_range(60..200) * DAY;
            // Churn follows the customer's first service grade, and no further than 8; effort
            // relates to churn through its correlation with the grade.
            let first = *first_grade.get_or_insert(grade);
            let p_year = yearly_churn(first);
            let p_gap = 1.0 - (1.0 - p_year.min(0.95)).powf(gap as f64 / (365.0 * DAY as f64));
            if rng.random_bool(p_gap) {
                let at = t + rng.random_range(1..gap / DAY) * DAY;
                if at < WORLD_END_MS {
                    churned_at = Some(at);
                }
                break;
            }
            t += gap;
        }
        let locale = if rng.random_bool(0.8) { "nl" } else { "en" };
        customers.push(CustomerRecord {
            external_id: id.clone(),
            email: Some(format!("{}@example.test", id.to_lowercase())),
            locale: locale.into(),
            first_seen_at,
            churned_at,
        });
    }
    let n_customers = customers.len();
    let customers = Arc::new(customers);
    db.write_blocking(move |c| import::customers(c, &customers, &|_| {}))?;
    let ids = db.read_blocking(import::customer_ids)?;
    let surveys = db.read_blocking(import::survey_ids)?;
    let rows: Arc<Vec<_>> = Arc::new(
        responses
            .iter()
            .map(|r| import::response_row(surveys[&r.survey_slug].0, ids[&r.customer_external_id], r))
            .collect(),
    );
    let n_rows = rows.len();
    db.write_blocking(move |c| import::responses(c, &rows, &|_| {}))?;
    // Each service answer followed an interaction: record those too, as the API would have.
    let history: Vec<Interaction> = responses
        .iter()
        .filter(|r| r.survey_slug == "service")
        .enumerate()
        .map(|(k, r)| Interaction {
            id: crate::db::new_id(),
            external_id: format!("demo-{seed}-{k}"),
            customer_id: ids[&r.customer_external_id],
            touchpoint: if k % 3 == 0 { "delivery" } else { "support" }.into(),
            channel: Some(if k % 2 == 0 { "phone" } else { "email" }.into()),
            occurred_at: r.answered_at - 2 * 3_600_000,
            attributes: Json::default(),
            decision: Decision::Invited,
            decision_detail: Some("demo history".into()),
            created_at: r.answered_at,
        })
        .collect();
    let n_history = history.len();
    let history = Arc::new(history);
    db.write_blocking(move |c| import::interactions(c, &history))?;
    Ok(format!(
        "demo world: {n_customers} customers, {n_history} interactions, {n_rows} responses (surveys 'service' and 'effort')"
    ))
}

fn demo_comment(grade: i32) -> &'static str {
    match grade {
        1..=5 => "Het duurde veel te lang voordat ik geholpen werd.",
        6..=7 => "Prima, maar ik moest twee keer bellen.",
        _ => "Snel en vriendelijk geholpen, dank je!",
    }
}

fn ensure_surveys(db: &Db) -> Result<(), DomainError> {
    let wanted = [
        (
            "service",
            Scale::Grade10,
            "Welk cijfer geeft u ons voor de hulp die u kreeg?",
            "What grade would you give us for the help you got?",
            vec!["support", "delivery"],
        ),
        (
            "effort",
            Scale::Ces7,
            "Het was makkelijk om mijn vraag geregeld te krijgen.",
            "It was easy to get my issue handled.",
            vec!["support"],
        ),
    ];
    for (slug, scale, nl, en, touchpoints) in wanted {
        if db.read_blocking(|c| surveys::find(c, slug))?.is_none() {
            let mut input = SurveyInput::new(slug, scale, nl, en);
            input.touchpoints = touchpoints.into_iter().map(|t| Touchpoint(t.into())).collect();
            let now = SystemClock.now_ms();
            db.write_blocking(move |c| surveys::create(c, &input, now))?;
        }
    }
    Ok(())
}

/// A fresh invitation for a demo visitor, so someone trying acht can answer one at once.
pub fn try_link(db: &Db, base_url: &str) -> Result<String, DomainError> {
    use crate::domain::customers::CustomerInput;
    use crate::domain::dispatch::{self, InteractionInput};
    let secret = db.write_blocking(surveys::instance_secret)?;
    let visit = InteractionInput {
        id: format!("demo-visit-{}", crate::db::new_id()),
        customer: CustomerInput {
            id: format!("visitor-{}", crate::db::new_id()),
            email: Some("visitor@example.test".into()),
            locale: Some("nl".into()),
            attributes: None,
        },
        touchpoint: "delivery".into(),
        channel: Some("email".into()),
        occurred_at: None,
        attributes: None,
    };
    let visit = dispatch::prepare(vec![visit], &secret, SystemClock.now_ms())?;
    let outcome = db.write_blocking(move |c| dispatch::report(c, &visit))?;
    let token = outcome
        .into_iter()
        .next()
        .and_then(|o| o.token(&secret))
        .ok_or_else(|| DomainError::NotFound("demo invitation".into()))?;
    Ok(format!("{}/s/{token}", base_url.trim_end_matches('/')))
}
