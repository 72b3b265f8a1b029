//! Background jobs of a server instance: small, idempotent sweeps that every instance may run
//! (two instances doing the same sweep write the same result). `ACHT_JOBS=off` keeps an
//! instance from running them.
use crate::domain::{answers, retention, rollups, surveys, users};
use crate::web::AppState;
use std::time::Duration;

/// How often the sweeps run.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// Provisional answers settled per transaction batch: the writer is never held long.
const SETTLE_BATCH: i64 = 500;
/// A stale analysis is computed again at most this often (one run takes about a second per
/// million answers; under a steady stream of answers it would otherwise never rest).
const ANALYSIS_MIN_AGE_MS: i64 = 5 * 60_000;
/// An analysis is computed again after this long even without new data: it looks from the
/// moment it is computed, so customers reach the horizon as days pass.
const ANALYSIS_MAX_AGE_MS: i64 = 24 * 3_600_000;

pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        loop {
            tick.tick().await;
            sweep(&state).await;
            refresh_analyses(&state).await;
        }
    });
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
