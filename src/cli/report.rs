//! `acht report …` (subscriptions to scheduled reports) and `acht mail status`.
use super::{now, CliResult};
use crate::config::Settings;
use crate::db::Db;
use crate::domain::queue;
use crate::domain::reports::{self, NewSubscription};
use crate::jobs::worker::Delivery;
use crate::mail::Mailer;
use crate::types::{Frequency, JobState, TextEnum};
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum ReportAction {
    /// Subscribe an email address to a report.
    Subscribe {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["daily", "weekly", "monthly"], default_value = "weekly")]
        frequency: String,
        /// Local time of day it goes out, HH:MM.
        #[arg(long, default_value = "08:00")]
        at: String,
        /// IANA time zone of that time.
        #[arg(long, default_value = reports::DEFAULT_TIME_ZONE)]
        time_zone: String,
        /// One survey's slug; without it, every survey.
        #[arg(long)]
        survey: Option<String>,
        /// The report's language (nl or en).
        #[arg(long, default_value = "nl")]
        lang: String,
    },
    /// List subscriptions: id, email, rhythm, time, survey, state.
    List,
    /// Send a subscription's report of its latest complete period now (also when it went out
    /// already), through the configured mail server.
    SendNow { id: i64 },
    /// End a subscription.
    Unsubscribe { id: i64 },
}

pub fn report(settings: &Settings, db: &Db, action: ReportAction) -> CliResult {
    match action {
        ReportAction::Subscribe { email, frequency, at, time_zone, survey, lang } => {
            let input = NewSubscription {
                email,
                frequency: Frequency::parse(&frequency)?,
                at,
                time_zone: Some(time_zone),
                survey,
                locale: Some(lang),
            };
            let now = now();
            let (sub, survey) = db.write_blocking(move |c| reports::subscribe(c, &input, now))?;
            let what = survey.map_or_else(|| "every survey".to_string(), |s| format!("survey '{}'", s.slug));
            println!(
                "subscription {}: {} report of {what} to {} at {} {}",
                sub.id,
                sub.frequency,
                sub.email,
                hh_mm(sub.send_minute),
                sub.time_zone
            );
        }
        ReportAction::List => {
            for (s, slug) in db.read_blocking(reports::list)? {
                let state = if s.disabled_at.is_some() { "ended" } else { "active" };
                let what = slug.unwrap_or_else(|| "all surveys".into());
                println!(
                    "{}\t{}\t{}\t{} {}\t{what}\t{}\t{state}",
                    s.id,
                    s.email,
                    s.frequency,
                    hh_mm(s.send_minute),
                    s.time_zone,
                    s.locale
                );
            }
        }
        ReportAction::SendNow { id } => send_now(settings, db, id)?,
        ReportAction::Unsubscribe { id } => {
            let now = now();
            let s = db.write_blocking(move |c| reports::unsubscribe(c, id, now))?;
            println!("subscription {} of {} ended", s.id, s.email);
        }
    }
    Ok(())
}

fn hh_mm(minute: i32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Queues the report and sends that one message from this process, at once. The report's
/// links lead into the analyst app, so its public address must be known.
fn send_now(settings: &Settings, db: &Db, id: i64) -> CliResult {
    let base_url = settings.base_url.clone().filter(|u| u.starts_with("http://") || u.starts_with("https://")).ok_or(
        "set ACHT_BASE_URL (or --base-url) to the analyst app's public http(s):// address: the report links to it",
    )?;
    let now = now();
    // A database filled by `acht demo` or an import gets its rollups when a server starts; the
    // report reads them, so they are built here if no server did yet.
    db.write_blocking(move |c| crate::domain::rollups::ensure_built(c, now))?;
    let (run, row) = db.write_blocking(move |c| reports::send_now(c, id, now))?;
    println!("report of {} – {} queued", crate::view::iso_date(run.first_day), crate::view::iso_date(run.end_day - 1));
    let secret = db.write_blocking(crate::domain::surveys::instance_secret)?;
    let stored = db.read_blocking(crate::domain::branding::stored)?;
    let settings = settings.clone();
    let db = db.clone();
    actix_web::rt::System::new().block_on(async move {
        // lettre's pool starts a task, so the mailer is made inside the runtime.
        let Some(mut mailer) = Mailer::from_settings(&settings)? else {
            // Queued is what was asked for: a running server with a mail server sends it.
            println!(
                "not sent from here (this command has no mail server: set ACHT_SMTP_URL to send it at once); \
                 a running acht server with a mail server sends it within seconds; see acht mail status"
            );
            return Ok(());
        };
        // The branding an admin stored in the app, as a server would send it.
        let base = crate::config::Branding::from_settings(&settings)?;
        mailer.branding = crate::config::BrandingCell::new(crate::domain::branding::apply(&base, stored.as_ref()));
        let delivery = Delivery {
            db,
            clock: crate::clock::system(),
            base_url: base_url.trim_end_matches('/').to_string(),
            secret: std::sync::Arc::new(secret),
            mailer: Some(mailer),
            rules: settings.retry_rules(),
            concurrency: 1,
            holder: format!("cli-pid-{}", std::process::id()),
            stopping: Default::default(),
            http: crate::jobs::webhook::client(),
            overdue_days: settings.followup_overdue_days,
        };
        match delivery.deliver_row(row.id).await? {
            Some(JobState::Sent) => println!("sent"),
            Some(JobState::Queued) => {
                println!("not sent now: a running server tries again after a backoff; see acht mail status")
            }
            Some(state) => println!("not sent ({state}); see acht mail status for why"),
            None => println!("a running server took it and sends it"),
        }
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })
}

/// `acht mail status`: the outbox per kind and state, and messages that may have gone twice.
pub fn status(db: &Db) -> CliResult {
    let s = db.read_blocking(queue::status)?;
    if s.by_state.is_empty() {
        println!("the outbox is empty");
    }
    for (kind, state, n) in &s.by_state {
        println!("{kind}\t{state}\t{n}");
    }
    println!(
        "possibly sent twice: {} (a lost reply retried: {}; taken over from a sender whose lease ran out: {})",
        s.possibly_twice,
        s.possibly_twice - s.taken_over,
        s.taken_over
    );
    let troubles = db.read_blocking(|c| queue::troubles(c, 20))?;
    if !troubles.is_empty() {
        println!("\nrecent trouble, newest first (id, kind, state, attempts, last change, detail):");
    }
    for r in troubles {
        let when = crate::view::utc(r.updated_at);
        let detail = r.detail.unwrap_or_default();
        println!("{}\t{}\t{}\t{}\t{when}\t{detail}", r.id, r.kind, r.state, r.attempts);
    }
    Ok(())
}
