//! A deterministic demo world: two surveys, customers in segments, their contacts, invitations
//! and years of answers in which churn falls with the
//! service grade up to 8 and is flat from 8 up (acht's headline finding), and falls with effort ease.
use crate::clock::{Clock, SystemClock};
use crate::db::models::{Customer, Interaction, Invitation, Response};
use crate::db::Db;
use crate::domain::followups::{self, Change, ListFilter, Queue};
use crate::domain::surveys::{self, SurveyInput, Touchpoint};
use crate::domain::{events, fanout, import, rollups, DomainError};
use crate::types::{AnswerState, Decision, FollowupOutcome, InvitationStatus, Json, Provenance, Scale};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
const YEARS: i64 = 4;

/// Yearly churn probability after a service grade: falls to grade 8, then flat.
fn yearly_churn(grade: i32) -> f64 {
    0.12 + 0.07 * f64::from((8 - grade).max(0))
}

/// Customers generated and written per transaction: memory stays flat for any world size, and
/// each write is short enough that the id-tag lease is renewed between them.
const CHUNK_CUSTOMERS: usize = 5_000;

/// The demo world: customers with a plan and a region, their contacts (support or delivery, by
/// phone, email or chat), an invitation per contact for the `service` survey and per support
/// contact for `effort`, and the answers of those who answered (about half). The rollups are
/// summed while generating and written once at the end. The history ends at `end` (now, for a
/// demo that looks alive; a seed gives the same world relative to it).
pub fn generate(db: &Db, n_customers: usize, seed: u64, end: i64) -> Result<String, DomainError> {
    ensure_surveys(db)?;
    // The world's rollups are summed while generating: they must be complete beforehand (a
    // fresh database's are; one from before rollups existed is rebuilt first).
    let now = SystemClock.now_ms();
    db.write_blocking(move |c| rollups::ensure_built(c, now))?;
    let surveys = db.read_blocking(import::survey_ids)?;
    let (service, effort) = (surveys["service"].0, surveys["effort"].0);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut totals = (0usize, 0usize, 0usize, 0usize);
    let mut rollup = rollups::Changes::default();
    let progress = (n_customers > 100_000).then(|| indicatif::ProgressBar::new(n_customers as u64));
    let mut first = 0;
    while first < n_customers {
        let n = CHUNK_CUSTOMERS.min(n_customers - first);
        let world = chunk(&mut rng, seed, first, n, (service, effort), end, &mut rollup);
        totals.0 += world.customers.len();
        totals.1 += world.interactions.len();
        totals.2 += world.invitations.len();
        totals.3 += world.responses.len();
        let world = Arc::new(world);
        db.write_blocking(move |c| {
            import::world(c, &world.customers, &world.interactions, &world.invitations, &world.responses)
        })?;
        // A world of millions takes many minutes of writes: renew the id-tag lease between them
        // (its own thread may not get a turn at the writer while a chunk is being written).
        db.renew_lease()?;
        first += n;
        if let Some(p) = &progress {
            p.inc(n as u64);
        }
    }
    db.write_blocking(move |c| {
        rollup.write(c)?;
        rollups::fold_all(c)?;
        rollups::bump_version(c, rollups::CHURN_VERSION)
    })?;
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    let opened = db.write_blocking(move |c| demo_followups(c, end, seed))?;
    db.analyze()?;
    let (c, i, v, r) = totals;
    Ok(format!(
        "demo world: {c} customers, {i} interactions, {v} invitations, {r} responses (surveys 'service' and 'effort'), \
         {opened} follow-ups"
    ))
}

/// Days of the demo's history whose answers are told as events, so its follow-ups look lived in.
const FOLLOWUP_DAYS: i64 = 21;

/// The last weeks' answers open their follow-ups as live ones would have; most of those older
/// than two days were called back and closed since, the newest wait. Returns how many opened.
fn demo_followups(c: &mut crate::db::DbConn, end: i64, seed: u64) -> Result<usize, DomainError> {
    let started = std::time::Instant::now();
    let told = events::of_answers_since(c, end - FOLLOWUP_DAYS * DAY)?;
    events::emit(c, &told)?;
    while fanout::run(c, 1_000, end)? > 0 {}
    let all = ListFilter {
        queue: Queue::Open,
        user_id: None,
        survey_id: None,
        touchpoint: None,
        now: end,
        overdue_days: 0,
        limit: i64::MAX,
    };
    let open = followups::list(c, &all)?;
    let mut rng = StdRng::seed_from_u64(seed ^ 0x00f0_110f);
    for f in open.iter().map(|l| &l.followup) {
        if f.opened_at > end - 2 * DAY || !rng.random_bool(0.85) {
            continue;
        }
        let (outcome, note) = match rng.random_range(0..20) {
            0..=9 => (FollowupOutcome::Reached, "Gebeld: excuses gemaakt, uitgelegd wat er misging."),
            10..=14 => (FollowupOutcome::Resolved, "Gebeld en het probleem direct opgelost."),
            15..=17 => (FollowupOutcome::NotReached, "Twee keer gebeld, geen gehoor; mail gestuurd."),
            _ => (FollowupOutcome::NoAction, "Al opgelost door de monteur."),
        };
        let at = (f.opened_at + rng.random_range(2 * HOUR..3 * DAY)).min(end);
        let change = Change { note: Some(note.into()), outcome: Some(outcome), ..Change::default() };
        followups::change(c, f.id, &change, "acht demo", at)?;
    }
    while fanout::run(c, 1_000, end)? > 0 {}
    tracing::debug!(
        answers = told.len(),
        opened = open.len(),
        took_ms = started.elapsed().as_millis() as u64,
        "demo follow-ups"
    );
    Ok(open.len())
}

struct World {
    customers: Vec<Customer>,
    interactions: Vec<Interaction>,
    invitations: Vec<Invitation>,
    responses: Vec<Response>,
}

const PLANS: [(&str, f64, f64); 3] = [("basic", 0.5, -0.3), ("plus", 0.35, 0.1), ("business", 0.15, 0.5)];
const REGIONS: [&str; 3] = ["noord", "midden", "zuid"];
const CHANNELS: [&str; 3] = ["phone", "email", "chat"];
/// Share of invitations answered.
const ANSWER_RATE: f64 = 0.55;

/// The demo's two surveys' ids: (service, effort).
type Surveys = (i64, i64);

fn chunk(
    rng: &mut StdRng,
    seed: u64,
    first: usize,
    n: usize,
    surveys: Surveys,
    end: i64,
    rollup: &mut rollups::Changes,
) -> World {
    let start = end - YEARS * 365 * DAY;
    let mut w =
        World { customers: Vec::with_capacity(n), interactions: vec![], invitations: vec![], responses: vec![] };
    for i in first..first + n {
        let first_seen_at = start + rng.random_range(0..(YEARS * 365 - 30) * DAY);
        let first_contact = first_seen_at + rng.random_range(1..60) * DAY;
        let id = format!("D{seed:02}{i:07}");
        customer(rng, &id, first_seen_at, first_contact, end, surveys, rollup, &mut w, true);
    }
    w
}

/// One customer of the demo: a plan and a region, contacts from `first_contact` until they churn
/// or `end` (only the first when not `lifetime`), each with its invitations and the answers of
/// those who answered before `end`.
#[allow(clippy::too_many_arguments)]
fn customer(
    rng: &mut StdRng,
    id: &str,
    first_seen_at: i64,
    first_contact: i64,
    end: i64,
    (service, effort): Surveys,
    rollup: &mut rollups::Changes,
    w: &mut World,
    lifetime: bool,
) {
    let pick: f64 = rng.random();
    let (plan, _, lift) = *PLANS
        .iter()
        .scan(0.0, |acc, p| {
            *acc += p.1;
            Some((p, *acc))
        })
        .find(|(_, acc)| pick < *acc)
        .map(|(p, _)| p)
        .unwrap_or(&PLANS[0]);
    let region = REGIONS[rng.random_range(0..REGIONS.len())];
    let mut attributes = crate::db::models::Attributes::new();
    attributes.insert("plan".into(), plan.into());
    attributes.insert("region".into(), region.into());
    let customer_id = crate::db::new_id();
    let segments = rollups::segments_of(&attributes);
    let mood: f64 = rng.random_range(-1.5..1.5) + lift;
    let mut t = first_contact;
    let mut churned_at = None;
    // Business customers sign for a year: they cannot leave before it ends, and acht knows.
    let committed_until = (plan == "business").then_some(first_seen_at + 365 * DAY);
    let mut k = 0;
    // The grade the customer last told the company: what their churn follows.
    let mut told = None;
    while t < end {
        let grade = (7.3 + mood + rng.random_range(-1.6..1.6f64)).round().clamp(1.0, 10.0) as i32;
        let ease = (0.6 * f64::from(grade) + 0.3 + rng.random_range(-1.0..1.0f64)).round().clamp(1.0, 7.0) as i32;
        let support = rng.random_bool(0.6);
        let touchpoint = if support { "support" } else { "delivery" };
        let channel = CHANNELS[rng.random_range(0..CHANNELS.len())];
        let interaction = Interaction {
            id: crate::db::new_id(),
            external_id: format!("demo-{id}-{k}"),
            customer_id,
            touchpoint: touchpoint.into(),
            channel: Some(channel.into()),
            occurred_at: t - 2 * HOUR,
            attributes: Json::default(),
            decision: Decision::Invited,
            decision_detail: Some("demo history".into()),
            created_at: t - 2 * HOUR,
        };
        k += 1;
        let mut asked = vec![(service, grade, true)];
        if support {
            asked.push((effort, ease, false));
        }
        for (survey_id, score, with_comment) in asked {
            let dims = rollups::Dims {
                survey_id,
                touchpoint: touchpoint.into(),
                channel: channel.into(),
                segments: segments.clone(),
            };
            let send_at = t - HOUR;
            // An answer comes within a day and a half; one that would come after `end` has not
            // come yet, and its invitation is still open. A contact of the running demo is
            // answered (or not) before the minute it arrived in ends, so answers keep coming.
            let within = if lifetime { 36 * HOUR } else { (end - t).max(1) };
            let answered_at = t + rng.random_range(0..within);
            let answered = rng.random_bool(ANSWER_RATE) && answered_at <= end;
            let expires_at = send_at + 14 * DAY;
            let status = match (answered, expires_at <= end) {
                (true, _) => InvitationStatus::Answered,
                (false, true) => InvitationStatus::Expired,
                (false, false) => InvitationStatus::Pending,
            };
            let invitation = Invitation {
                id: crate::db::new_id(),
                token_hash: format!("demo (no link): {id}-{k}-{survey_id}"),
                survey_id,
                customer_id,
                interaction_id: Some(interaction.id),
                status,
                send_at,
                expires_at,
                created_at: interaction.created_at,
                segments: Json::new(segments.clone()),
            };
            rollup.invited(&dims, send_at);
            if answered {
                if survey_id == service {
                    told = Some(score);
                }
                let comment = (with_comment && rng.random_bool(0.08)).then(|| demo_comment(score).to_string());
                rollup.answer(&dims, answered_at, Some(send_at), None, Some(score));
                w.responses.push(Response {
                    id: crate::db::new_id(),
                    invitation_id: Some(invitation.id),
                    survey_id,
                    customer_id,
                    score,
                    comment,
                    provenance: if rng.random_bool(0.7) { Provenance::Link } else { Provenance::Form },
                    state: AnswerState::Counted,
                    state_reason: "demo: a person touched the page".into(),
                    counts_from: Some(answered_at),
                    answered_at,
                    updated_at: answered_at,
                    rolled_score: Some(score),
                    touchpoint: Some(touchpoint.into()),
                    channel: Some(channel.into()),
                });
            }
            w.invitations.push(invitation);
        }
        w.interactions.push(interaction);
        if !lifetime {
            break;
        }
        let gap = rng.random_range(60..200) * DAY;
        // Churn follows the grade the customer last gave (their latest answer: what they told
        // the company is how they feel), and no further than 8; before a first answer, this
        // contact's grade. Effort relates to churn through its correlation with the grade. A
        // customer under contract cannot leave until it ends.
        let p_year = yearly_churn(told.unwrap_or(grade));
        let p_gap = 1.0 - (1.0 - p_year.min(0.95)).powf(gap as f64 / (365.0 * DAY as f64));
        let bound = committed_until.is_some_and(|u| t + gap <= u);
        if !bound && rng.random_bool(p_gap) {
            let at = t + rng.random_range(1..gap / DAY) * DAY;
            if at < end {
                churned_at = Some(at);
            }
            break;
        }
        t += gap;
    }
    let locale = if rng.random_bool(0.8) { "nl" } else { "en" };
    w.customers.push(Customer {
        id: customer_id,
        external_id: id.to_string(),
        email: Some(format!("{}@example.test", id.to_lowercase())),
        locale: locale.into(),
        attributes: Json::new(attributes),
        first_seen_at,
        churned_at,
        unsubscribed_at: None,
        erased_at: None,
        unsubscribe_reason: None,
        committed_until,
    });
}

/// New customers and their first contacts between `from` and `to`, at `per_day` contacts a
/// day, each answered (or not) before `to`: what keeps a running demo alive. Returns how many.
pub async fn trickle(db: &Db, from: i64, to: i64, per_day: f64) -> Result<usize, DomainError> {
    if to <= from {
        return Ok(0);
    }
    let surveys = db.read(import::survey_ids).await?;
    let (Some(service), Some(effort)) = (surveys.get("service"), surveys.get("effort")) else {
        return Ok(0);
    };
    let mut rng = StdRng::seed_from_u64(to as u64);
    let expected = per_day * (to - from) as f64 / DAY as f64;
    let n = expected.floor() as usize + usize::from(rng.random_bool(expected.fract()));
    let mut rollup = rollups::Changes::default();
    let mut w = World { customers: vec![], interactions: vec![], invitations: vec![], responses: vec![] };
    for j in 0..n {
        let at = rng.random_range(from..to);
        let id = format!("N{}{j:03}", to / 1000);
        customer(&mut rng, &id, at, at, to, (service.0, effort.0), &mut rollup, &mut w, false);
    }
    let (w, rollup) = (Arc::new(w), Arc::new(rollup));
    db.write(move |c| {
        import::world(c, &w.customers, &w.interactions, &w.invitations, &w.responses)?;
        // Told as live answers are: their follow-ups open on the running demo's next beat.
        let told: Vec<events::Event> =
            w.responses.iter().filter_map(|r| events::of_answer(r, None, r.rolled_score, r.answered_at)).collect();
        events::emit(c, &told)?;
        rollup.write(c)
    })
    .await?;
    Ok(n)
}

/// The demo's pace: contacts a day over the last four weeks of its data, and when its latest
/// contact happened.
pub fn pace(db: &Db) -> Result<Option<(f64, i64)>, DomainError> {
    let recent = db.read_blocking(|c| import::recent_contacts(c, 28 * DAY))?;
    Ok(recent.map(|(n, latest)| (n as f64 / 28.0, latest)))
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
            "Klantcontact",
            Scale::Grade10,
            "Welk cijfer geeft u ons voor de hulp die u kreeg?",
            "What grade would you give us for the help you got?",
            vec!["support", "delivery"],
        ),
        (
            "effort",
            "Gemak",
            Scale::Ces7,
            "Het was makkelijk om mijn vraag geregeld te krijgen.",
            "It was easy to get my issue handled.",
            vec!["support"],
        ),
    ];
    for (slug, name, scale, nl, en, touchpoints) in wanted {
        if db.read_blocking(|c| surveys::find(c, slug))?.is_none() {
            let mut input = SurveyInput::new(slug, scale, nl, en);
            input.name = Some(name.into());
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
            committed_until: None,
        },
        touchpoint: "delivery".into(),
        channel: Some("email".into()),
        occurred_at: None,
        attributes: None,
    };
    let visit = dispatch::prepare(vec![visit], &secret, SystemClock.now_ms(), crate::domain::validate::AHEAD_MS)?;
    let outcome = db.write_blocking(move |c| dispatch::report(c, &visit))?;
    let token = outcome
        .into_iter()
        .next()
        .and_then(|o| o.token(&secret))
        .ok_or_else(|| DomainError::NotFound("demo invitation".into()))?;
    Ok(format!("{}/s/{token}", base_url.trim_end_matches('/')))
}
