//! Survey emails out of the outbox: N due invitations (default 10,000) delivered to a real SMTP
//! server on loopback (aiosmtpd, tests/smtp/server.py, counting without storing), against a bare
//! lettre send loop to the same server in the same run: the same pool, the same concurrency,
//! messages of the same size built beforehand. The ratio is acht's claims, reads, composing and
//! settling per message on top of SMTP itself. The bare loop runs before and after acht's run
//! and the two are averaged, as the machine's load drifts.
//! Usage: cargo bench --bench mail [-- N]   (DATABASE_URL=postgres://… for PostgreSQL)
use acht::config::Settings;
use acht::db::Db;
use acht::domain::customers::CustomerInput;
use acht::domain::dispatch::{self, InteractionInput};
use acht::domain::queue;
use acht::domain::surveys::{self, SurveyInput, Touchpoint};
use acht::jobs::worker::Delivery;
use acht::mail::{invitation, Mailer};
use acht::types::Scale;
use lettre::AsyncTransport;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let dir = std::env::temp_dir().join(format!("acht-mail-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").display()));

    // The SMTP server, counting messages without writing them.
    let mut server = Command::new("python3")
        .args([concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/server.py"), "--discard", "--port", "0", "--dir"])
        .arg(dir.join("mail"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 with aiosmtpd (pip install aiosmtpd)");
    let mut ready = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut ready).unwrap();
    let port: u16 = ready.trim().strip_prefix("READY ").and_then(|p| p.parse().ok()).expect("SMTP server up");

    let mut settings = Settings::for_database(&url);
    settings.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    settings.mail_from = Some("Acme <survey@acme.example>".into());
    // acht's default concurrency, for both acht and the bare loop.
    let concurrency = settings.mail_concurrency;

    // The server's default pool: the outbox run holds one connection per message in flight.
    let db = Db::open(&url, settings.db_pool_size).expect("open");
    let now = acht::clock::system_now_ms();
    let mut survey = SurveyInput::new("service", Scale::Grade10, "Welk cijfer geeft u ons?", "What grade?");
    survey.touchpoints = vec![Touchpoint("support".into())];
    survey.delay_minutes = 0;
    db.write_blocking(move |c| surveys::create(c, &survey, now)).expect("survey");
    let secret = db.write_blocking(surveys::instance_secret).expect("secret");
    for b in 0..n.div_ceil(dispatch::MAX_BATCH) {
        let inputs: Vec<InteractionInput> = (b * dispatch::MAX_BATCH..((b + 1) * dispatch::MAX_BATCH).min(n))
            .map(|i| InteractionInput {
                id: format!("i{i}"),
                customer: CustomerInput {
                    id: format!("c{i}"),
                    email: Some(format!("c{i}@example.test")),
                    locale: None,
                    attributes: None,
                    committed_until: None,
                },
                touchpoint: "support".into(),
                channel: None,
                occurred_at: None,
                attributes: None,
            })
            .collect();
        let batch = dispatch::prepare(inputs, &secret, now, acht::domain::validate::AHEAD_MS).expect("valid batch");
        db.write_blocking(move |c| dispatch::report(c, &batch)).expect("report");
    }

    // Actix's runtime, one thread, as in the server.
    actix_web::rt::System::new().block_on(async move {
        let mailer = Mailer::from_settings(&settings).unwrap().expect("mailer");
        // The bare loop's messages: a real invitation email, built once and cloned.
        let sample = db.read_blocking(first_invitation).expect("an invitation");
        let view = invitation::view(&mailer, "http://127.0.0.1:8080", &secret, &sample);
        let template = invitation::compose(&mailer, &view, "c0@example.test", "<bench@acme.example>".into()).unwrap();
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(settings.smtp_url.as_ref().unwrap())
            .unwrap()
            .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(concurrency as u32))
            .build();
        let bare_before = bare_loop(&transport, &template, n, concurrency).await;

        let delivery = Delivery {
            db: db.clone(),
            clock: acht::clock::system(),
            base_url: "http://127.0.0.1:8080".into(),
            secret: Arc::new(secret.clone()),
            mailer: Some(mailer),
            rules: settings.retry_rules(),
            concurrency,
            holder: "bench".into(),
            stopping: Default::default(),
            http: acht::jobs::webhook::client(),
            overdue_days: 3,
        };
        let t = Instant::now();
        let tally = delivery.deliver_due().await;
        let acht_secs = t.elapsed().as_secs_f64();
        assert_eq!(tally.sent, n, "every due invitation sent: {tally:?}");
        let status = db.read_blocking(queue::status).unwrap();
        assert_eq!(status.by_state.iter().map(|s| s.2).sum::<i64>(), n as i64);

        let bare_after = bare_loop(&transport, &template, n, concurrency).await;
        let bare = (bare_before + bare_after) / 2.0;
        let backend = if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
        println!("mail ({backend}, {concurrency} at a time, {} bytes per message):", template.formatted().len());
        println!("  acht job queue:   {n} due invitations in {acht_secs:.2} s = {:.0} msgs/s", n as f64 / acht_secs);
        println!(
            "  bare lettre loop: {n} messages in {bare:.2} s = {:.0} msgs/s (before {bare_before:.2} s, after {bare_after:.2} s)",
            n as f64 / bare
        );
        println!("  acht / bare lettre throughput: {:.2}", bare / acht_secs);
    });
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

fn first_invitation(c: &mut acht::db::DbConn) -> Result<queue::InvitationMail, acht::domain::DomainError> {
    use diesel::prelude::*;
    let id: i64 = acht::db::schema::invitations::table
        .select(acht::db::schema::invitations::id)
        .first(c)
        .map_err(|e| acht::domain::DomainError::Db(e.into()))?;
    queue::invitation_mail(c, id)
}

/// Sends `n` copies of `message`, `concurrency` at a time over one pool; seconds taken.
async fn bare_loop(
    transport: &lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    message: &lettre::Message,
    n: usize,
    concurrency: usize,
) -> f64 {
    let t = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (transport, message, next) = (transport.clone(), message.clone(), next.clone());
        tasks.spawn(async move {
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < n {
                transport.send(message.clone()).await.expect("sent");
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    t.elapsed().as_secs_f64()
}
