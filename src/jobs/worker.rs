//! The worker: claim due jobs, do each (src/jobs/ has one file per kind), settle each with its
//! outcome. Several workers (tasks here, instances elsewhere) work side by side; the claim in
//! src/domain/queue.rs keeps them off each other's rows.
use crate::clock::SharedClock;
use crate::db::Db;
use crate::domain::queue::{self, Claimed, Outcome, RetryRules};
use crate::domain::DomainError;
use crate::mail::Mailer;
use crate::types::{JobKind, JobState};
use std::sync::Arc;

/// A claimed row stays with its sender this long. A sender claims no more rows than it sends at
/// once, and gives one message at most [`SEND_DEADLINE`], so a lease only runs out when its
/// holder died (or stalled for minutes).
pub const LEASE_MS: i64 = 5 * 60_000;
/// The most one message may take, composing and SMTP together; then it counts as a transient
/// failure (the server may have taken it: the same ambiguity as a dropped connection).
const SEND_DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);

/// What sending needs: the database, the clock, where links point, the secret links are made
/// with, the mail server (None: no mail server configured) and the retry rules.
#[derive(Clone)]
pub struct Delivery {
    pub db: Db,
    pub clock: SharedClock,
    pub base_url: String,
    pub secret: Arc<Vec<u8>>,
    pub mailer: Option<Mailer>,
    pub rules: RetryRules,
    pub concurrency: usize,
    /// This sender's name on its leases and attempts.
    pub holder: String,
    /// The instance is stopping: claim nothing more.
    pub stopping: Arc<std::sync::atomic::AtomicBool>,
    /// Posts webhook deliveries (one client: its connections are reused).
    pub http: reqwest::Client,
    /// A follow-up open longer than this many days is overdue (the digest says so).
    pub overdue_days: i64,
}

/// What one outbox run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub sent: usize,
    pub retrying: usize,
    pub ended: usize,
}

impl Delivery {
    /// The delivery of a server instance, named after its id tag and process.
    pub fn new(
        state: &crate::web::AppState,
        mut mailer: Option<Mailer>,
        settings: &crate::config::Settings,
    ) -> Delivery {
        // Emails wear the branding the pages wear, as an admin changes it.
        if let Some(m) = &mut mailer {
            m.branding = state.branding.clone();
        }
        Delivery {
            db: state.db.clone(),
            clock: state.clock.clone(),
            base_url: state.base_url.clone(),
            secret: state.secret.clone(),
            mailer,
            rules: settings.retry_rules(),
            concurrency: settings.mail_concurrency.max(1),
            holder: format!("instance-{}-pid-{}", state.db.id_tag(), std::process::id()),
            stopping: state.stopping.clone(),
            http: super::webhook::client(),
            overdue_days: state.followup_overdue_days,
        }
    }

    /// Sends everything due now, in claimed batches, `concurrency` messages at a time.
    pub async fn deliver_due(&self) -> Tally {
        let mut tally = Tally::default();
        loop {
            // A stopping instance claims nothing more; what it holds it finishes.
            if self.stopping.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            let (holder, now, limit) = (self.holder.clone(), self.clock.now_ms(), self.concurrency.max(1) as i64);
            let claimed = match self.db.write(move |c| queue::claim(c, &holder, now, LEASE_MS, limit)).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming due emails failed; will retry");
                    break;
                }
            };
            if claimed.is_empty() {
                break;
            }
            let batch = self.deliver_batch(claimed).await;
            tally.sent += batch.sent;
            tally.retrying += batch.retrying;
            tally.ended += batch.ended;
        }
        if tally != Tally::default() {
            tracing::info!(sent = tally.sent, retrying = tally.retrying, ended = tally.ended, "outbox run");
        }
        tally
    }

    /// Sends one queued row now, if no other sender took it (`acht report send-now`).
    pub async fn deliver_row(&self, id: i64) -> Result<Option<JobState>, DomainError> {
        let (holder, now) = (self.holder.clone(), self.clock.now_ms());
        match self.db.write(move |c| queue::claim_row(c, id, &holder, now, LEASE_MS)).await? {
            Some(claimed) => Ok(Some(self.deliver_one(claimed).await?)),
            None => Ok(None),
        }
    }

    /// Sends a claimed batch, every message at once (a claim is no larger than the concurrency).
    async fn deliver_batch(&self, claimed: Vec<Claimed>) -> Tally {
        let mut sending = tokio::task::JoinSet::new();
        for item in claimed {
            let me = self.clone();
            sending.spawn(async move { me.deliver_one(item).await });
        }
        let mut tally = Tally::default();
        while let Some(done) = sending.join_next().await {
            match done {
                Ok(Ok(JobState::Sent)) => tally.sent += 1,
                Ok(Ok(JobState::Queued)) => tally.retrying += 1,
                Ok(Ok(JobState::Sending)) => {} // taken over by another sender
                Ok(Ok(_)) => tally.ended += 1,
                // The row keeps its lease and is taken again when it runs out.
                Ok(Err(e)) => tracing::warn!(error = %e, "settling an email failed; it will be retried"),
                Err(e) => tracing::error!(error = %e, "an email's task failed; its lease runs out and it is retried"),
            }
        }
        tally
    }

    /// Composes and sends one claimed email and settles its row. A failure before the message
    /// went (a read, composing) is settled as a transient failure, so it is retried with backoff
    /// and never mistaken for a message the server may have taken.
    async fn deliver_one(&self, claimed: Claimed) -> Result<JobState, DomainError> {
        let started = self.clock.now_ms();
        let row = claimed.row;
        if let Some(previous) = &claimed.retaken {
            tracing::warn!(
                outbox = row.id,
                previous,
                "email taken over from a sender whose lease ran out: it may arrive twice"
            );
        }
        let attempt = async {
            match row.kind {
                JobKind::Invitation => self.invitation(row.id, &row.message_id()).await,
                JobKind::Report => Ok((self.report(row.id, &row.message_id()).await?, None)),
                JobKind::Digest => Ok((self.digest(row.id, &row.message_id()).await?, None)),
                JobKind::Webhook => {
                    Ok((super::webhook::deliver(&self.db, &self.http, row.id, self.clock.now_ms()).await?, None))
                }
            }
        };
        let (outcome, expires_at) = match tokio::time::timeout(SEND_DEADLINE, attempt).await {
            Ok(Ok(done)) => done,
            Ok(Err(e)) => (transient(format!("could not prepare the message: {e}")), None),
            Err(_) => (transient(format!("no result within {} s", SEND_DEADLINE.as_secs())), None),
        };
        self.settle(row, started, outcome, expires_at).await
    }

    /// Records the attempt. A settle that fails after the server took the message is tried
    /// again a few times: giving up leaves the row to its lease, and a second send.
    async fn settle(
        &self,
        row: queue::JobRow,
        started: i64,
        outcome: Outcome,
        expires_at: Option<i64>,
    ) -> Result<JobState, DomainError> {
        let mut tries = 0;
        loop {
            let (row, outcome) = (row.clone(), outcome.clone());
            let (holder, rules, now, jitter) =
                (self.holder.clone(), self.rules, self.clock.now_ms(), rand::random::<f64>());
            let settled = self
                .db
                .write(move |c| queue::settle(c, &row, &holder, started, &outcome, rules, expires_at, now, jitter))
                .await;
            match settled {
                Err(e) if tries < 3 => {
                    tries += 1;
                    tracing::warn!(error = %e, tries, "recording an email's attempt failed; trying again");
                    tokio::time::sleep(std::time::Duration::from_millis(200 << tries)).await;
                }
                other => return other,
            }
        }
    }
}

/// A failure before anything went to the mail server (the message never left).
pub(super) fn transient(detail: String) -> Outcome {
    Outcome::Failed { permanent: false, code: None, detail, may_have_reached: false }
}

pub(super) fn no_mail_server() -> Outcome {
    Outcome::Stopped {
        state: JobState::NotSent,
        detail: "no mail server is configured (ACHT_SMTP_URL): acht did not send it".into(),
    }
}

pub(super) async fn send(mailer: &Mailer, message: lettre::Message) -> Outcome {
    match mailer.send(message).await {
        Ok(()) => Outcome::Sent,
        Err(f) => Outcome::Failed {
            permanent: f.permanent,
            code: f.code,
            detail: f.detail,
            may_have_reached: f.may_have_reached,
        },
    }
}
