//! Background jobs of a server instance, on tokio-cron-scheduler: due reports, the event fan-out
//! and the job queue (survey emails, reports, webhooks) every few seconds, the sweeps every minute. The scheduler fires
//! on every instance and keeps no lock, so every job is safe to run anywhere at once: sweeps
//! write the same result whoever runs them, outbox rows are claimed before they are sent, and a
//! report is claimed by a unique row (src/domain/reports.rs). A run still busy when its next
//! firing comes is not started twice. `ACHT_JOBS=off` keeps an instance from running them.
pub mod digest;
pub mod invitation;
pub mod report;
pub mod webhook;
pub mod worker;

use crate::domain::{answers, digests, events, fanout, reports, retention, rollups, surveys, users};
use crate::web::AppState;
use std::future::Future;
use std::sync::Arc;
use tokio_cron_scheduler::{Job, JobScheduler};

/// Provisional answers settled per transaction batch: the writer is never held long.
const SETTLE_BATCH: i64 = 500;
/// A stale analysis is computed again at most this often (one run takes about a second per
/// million answers; under a steady stream of answers it would otherwise never rest).
const ANALYSIS_MIN_AGE_MS: i64 = 5 * 60_000;
/// An analysis is computed again after this long even without new data: it looks from the
/// moment it is computed, so customers reach the horizon as days pass.
const ANALYSIS_MAX_AGE_MS: i64 = 24 * 3_600_000;

/// Starts this instance's scheduler with every job. It runs until the process ends.
pub fn spawn(state: AppState, delivery: worker::Delivery, poll_seconds: u64) {
    tokio::spawn(async move {
        if let Err(e) = start(state, delivery, poll_seconds).await {
            tracing::error!(error = %e, "the job scheduler did not start: no mail, reports or sweeps on this instance");
        }
    });
}

async fn start(
    state: AppState,
    delivery: worker::Delivery,
    poll_seconds: u64,
) -> Result<(), tokio_cron_scheduler::JobSchedulerError> {
    let scheduler = JobScheduler::new().await?;
    let every = format!("*/{} * * * * *", poll_seconds.clamp(1, 59));
    // Due reports and due email are two jobs on the same beat, so a long outbox run (a slow
    // mail server) never holds a report's claim back.
    let s = state.clone();
    scheduler
        .add(job(&every, Busy::default(), move || {
            let s = s.clone();
            async move {
                refresh_branding(&s).await;
                claim_reports(&s).await;
                claim_digests(&s).await;
            }
        })?)
        .await?;
    // Rollup changes are folded on the same beat, so the deltas every page adds stay few.
    let s = state.clone();
    scheduler
        .add(job(&every, Busy::default(), move || {
            let s = s.clone();
            async move { fold_rollups(&s).await }
        })?)
        .await?;
    // Events go to their subscribers (follow-ups, webhook deliveries) on the same beat.
    let s = state.clone();
    scheduler
        .add(job(&every, Busy::default(), move || {
            let s = s.clone();
            async move {
                fan_out(&s).await;
            }
        })?)
        .await?;
    let delivery = Arc::new(delivery);
    // The outbox run holds the state's lock while it sends, so a stopping instance can wait
    // for its emails in flight.
    scheduler
        .add(job(&every, state.jobs_busy.clone(), move || {
            let d = delivery.clone();
            async move {
                d.deliver_due().await;
            }
        })?)
        .await?;
    // The sweeps also run once right away: a fresh server shows its analyses without waiting
    // for the first full minute.
    let sweeps = Busy::default();
    let s = state.clone();
    let first = sweeps.clone();
    tokio::spawn(async move {
        let _held = first.lock().await;
        sweep(&s).await;
        refresh_analyses(&s).await;
    });
    let s = state.clone();
    scheduler
        .add(job("0 * * * * *", sweeps, move || {
            let s = s.clone();
            async move {
                sweep(&s).await;
                refresh_analyses(&s).await;
            }
        })?)
        .await?;
    scheduler.start().await?;
    tracing::info!(
        every = poll_seconds.clamp(1, 59),
        "jobs scheduled: reports and outbox every few seconds, sweeps every minute"
    );
    Ok(())
}

/// On an instance without jobs (`ACHT_JOBS=off`, a web-only one) the branding is still taken up
/// when an admin changes it elsewhere: one read every `poll_seconds`.
pub fn spawn_branding_refresh(state: AppState, poll_seconds: u64) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(poll_seconds.clamp(1, 59)));
        loop {
            every.tick().await;
            refresh_branding(&state).await;
        }
    });
}

/// Held while a job runs: a firing that finds it taken is skipped.
type Busy = Arc<tokio::sync::Mutex<()>>;

/// A cron job that skips a firing while its previous run (or another holder of `busy`) is busy.
fn job<F, Fut>(cron: &str, busy: Busy, run: F) -> Result<Job, tokio_cron_scheduler::JobSchedulerError>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let run = Arc::new(run);
    Job::new_async(cron, move |_, _| {
        let (busy, run) = (busy.clone(), run.clone());
        Box::pin(async move {
            let Ok(_held) = busy.try_lock() else { return };
            run().await;
        })
    })
}

/// Claims the reports that fell due; their emails go with the outbox run that follows. Looking
/// is a read; only a report found due costs a write (its claim).
pub async fn claim_reports(state: &AppState) {
    let now = state.now_ms();
    let due = match state.db.read(move |c| reports::due(c, now)).await {
        Ok(due) => due,
        Err(e) => return tracing::warn!(error = %e, "looking for due reports failed; will retry"),
    };
    for (sub, period) in due {
        let id = sub.id;
        match state.db.write(move |c| reports::claim(c, &sub, period, now)).await {
            Ok(Some(_)) => tracing::info!(subscription = id, first_day = period.first_day, "report due: queued"),
            Ok(None) => {} // another instance claimed it first
            Err(e) => tracing::warn!(error = %e, subscription = id, "claiming a due report failed; will retry"),
        }
    }
}

/// Takes up a branding an admin changed on another instance (a read of one number per beat).
pub async fn refresh_branding(state: &AppState) {
    use std::sync::atomic::Ordering;
    let version = match state.db.read(crate::domain::branding::version).await {
        Ok(v) => v,
        Err(e) => return tracing::warn!(error = %e, "reading the branding's version failed; will retry"),
    };
    if version == state.brand_version.load(Ordering::SeqCst) {
        return;
    }
    match state.db.read(crate::domain::branding::stored).await {
        Ok(stored) => {
            state.branding.set(crate::domain::branding::apply(&state.brand_base, stored.as_ref()));
            state.brand_version.store(version, Ordering::SeqCst);
            tracing::info!("branding changed in the app: taken up");
        }
        Err(e) => tracing::warn!(error = %e, "reading the branding failed; will retry"),
    }
}

/// Claims the follow-up digests whose morning came; their emails go with the job run that
/// follows. Looking is a read; only a digest found due costs a write (its claim).
pub async fn claim_digests(state: &AppState) {
    let now = state.now_ms();
    let due = match state.db.read(move |c| digests::due(c, now)).await {
        Ok(due) => due,
        Err(e) => return tracing::warn!(error = %e, "looking for due digests failed; will retry"),
    };
    for (user, day) in due {
        match state.db.write(move |c| digests::claim(c, user, day, now)).await {
            Ok(Some(_)) => tracing::info!(user, day, "follow-up digest due: queued"),
            Ok(None) => {} // another instance claimed it first
            Err(e) => tracing::warn!(error = %e, user, "claiming a digest failed; will retry"),
        }
    }
}

/// Hands undispatched events to their subscribers, a batch per transaction, while there are
/// any. Looking is a read, so an idle instance writes nothing; after a full batch there are
/// likely more, so the next is taken without looking first.
pub async fn fan_out(state: &AppState) -> usize {
    let mut done = 0;
    let mut full = false;
    loop {
        if !full {
            match state.db.read(events::any_undispatched).await {
                Ok(true) => {}
                Ok(false) => return done,
                Err(e) => {
                    tracing::warn!(error = %e, "looking for undispatched events failed; will retry");
                    return done;
                }
            }
        }
        let now = state.now_ms();
        match state.db.write(move |c| fanout::run(c, fanout::BATCH, now)).await {
            Ok(0) => return done,
            Ok(n) => {
                done += n;
                full = n as i64 == fanout::BATCH;
            }
            Err(e) => {
                tracing::warn!(error = %e, "handing events to their subscribers failed; will retry");
                return done;
            }
        }
    }
}

/// Folds the rollup changes that answers and invitations appended into the rollups, a batch
/// per transaction, while there are any. Looking is a read; on PostgreSQL one instance folds at
/// a time, the others find the lock taken and return.
pub async fn fold_rollups(state: &AppState) {
    loop {
        match state.db.read(rollups::has_deltas).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => return tracing::warn!(error = %e, "looking for rollup changes failed; will retry"),
        }
        match state.db.write(|c| rollups::fold(c, rollups::FOLD_BATCH, false)).await {
            Ok(n) if n as i64 == rollups::FOLD_BATCH => continue,
            Ok(_) => return,
            Err(e) => return tracing::warn!(error = %e, "folding rollup changes failed; will retry"),
        }
    }
}

/// Marks lapsed invitations expired, brings provisional answers whose quiet window passed into
/// the rollups, and removes dead sessions.
pub async fn sweep(state: &AppState) {
    let now = state.now_ms();
    match state.db.write(move |c| answers::expire_due(c, now)).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(expired = n, "invitations past their window marked expired"),
        Err(e) => tracing::warn!(error = %e, "expiry sweep failed; will retry"),
    }
    loop {
        match state.db.write(move |c| rollups::settle_due(c, now, SETTLE_BATCH)).await {
            Ok(n) if n as i64 == SETTLE_BATCH => continue,
            Ok(0) => break,
            Ok(n) => {
                tracing::info!(settled = n, "provisional answers now counted");
                break;
            }
            Err(e) => {
                tracing::warn!(error = %e, "settling provisional answers failed; will retry");
                break;
            }
        }
    }
    let rules = state.session_rules;
    if let Err(e) = state.db.write(move |c| users::purge_sessions(c, rules, now)).await {
        tracing::warn!(error = %e, "session purge failed; will retry");
    }
}

/// Computes again each survey's stored retention analysis whose answers or churn changed (and
/// is not younger than [`ANALYSIS_MIN_AGE_MS`]) or is older than [`ANALYSIS_MAX_AGE_MS`], so the
/// retention page never waits for one.
pub async fn refresh_analyses(state: &AppState) {
    let all = match state.db.read(surveys::list).await {
        Ok(all) => all,
        Err(e) => return tracing::warn!(error = %e, "analysis refresh: cannot list surveys"),
    };
    for survey in all {
        let now = state.now_ms();
        let id = survey.id;
        let status = state
            .db
            .read(move |c| {
                Ok::<_, crate::domain::DomainError>((retention::data_version(c, id)?, retention::stored(c, id)?))
            })
            .await;
        let (version, stored) = match status {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, survey = survey.slug, "analysis refresh: cannot read status");
                continue;
            }
        };
        let fresh = stored.as_ref().is_some_and(|s| {
            let age = now - s.computed_at;
            (s.data_version == version && age < ANALYSIS_MAX_AGE_MS) || age < ANALYSIS_MIN_AGE_MS
        });
        if fresh {
            continue;
        }
        if let Err(e) = refresh_one(state, &survey.slug, id, version, now).await {
            tracing::warn!(error = %e, survey = survey.slug, "analysis refresh failed; will retry");
        }
    }
}

/// Computes and stores one survey's analysis.
pub async fn refresh_one(
    state: &AppState,
    slug: &str,
    survey_id: i64,
    version: i64,
    now: i64,
) -> Result<(), crate::domain::DomainError> {
    let started = std::time::Instant::now();
    let slug_owned = slug.to_string();
    let report = state.db.read(move |c| retention::analyze(c, &slug_owned, retention::page_options(now))).await?;
    let stored = retention::StoredAnalysis {
        report,
        computed_at: now,
        took_ms: started.elapsed().as_millis() as i64,
        data_version: version,
    };
    tracing::info!(survey = slug, took_ms = stored.took_ms, "retention analysis refreshed");
    state.db.write(move |c| retention::store(c, survey_id, &stored)).await
}
