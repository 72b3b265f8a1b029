//! acht mails its survey invitations and reports itself: to a real SMTP server on loopback
//! (aiosmtpd), on both backends, through failures of that server, and from two instances.
use crate::common;

use crate::common::server::Server;
use crate::common::smtp::{hrefs, Mail, SmtpServer};
use crate::common::TestApp;
use acht::config::{Settings, Switch};
use acht::domain::{answers, queue, reports};
use acht::jobs::worker::{Delivery, Tally};
use acht::mail::Mailer;
use acht::types::{AttemptOutcome, Frequency, JobKind, JobState};
use std::collections::HashMap;

const HOUR_MS: i64 = 3_600_000;

fn mail_settings(s: &mut Settings, smtp_url: &str) {
    s.smtp_url = Some(smtp_url.to_string());
    s.mail_from = Some("Acme Support <survey@acme.example>".into());
    s.company_name = Some("Acme".into());
    s.company_colour = "#aa3300".into();
    // The test runs the outbox by hand, at moments of its choosing.
    s.jobs = Switch::Off;
}

/// An app that mails to `smtp_url`, and its outbox sender.
async fn app_mailing_to(database: common::Database, smtp_url: &str) -> (TestApp, Delivery) {
    let app = TestApp::spawn_with(database, |s| mail_settings(s, smtp_url)).await;
    let mut settings = Settings::for_database(&app.database_url);
    mail_settings(&mut settings, smtp_url);
    let delivery = Delivery::new(&app.state, Mailer::from_settings(&settings).unwrap(), &settings);
    (app, delivery)
}

/// An app on SQLite mailing to `smtp_url`, with one invitation (customer `c1`) due now.
async fn one_due_invitation(smtp_url: &str) -> (TestApp, Delivery) {
    let database = common::sqlite();
    let (app, delivery) = app_mailing_to(database, smtp_url).await;
    app.create_survey("service", "grade10", &["support"]).await;
    app.report("i1", "c1", "support", "nl").await;
    app.clock.advance_ms(HOUR_MS + 1000);
    (app, delivery)
}

fn message_id(m: &Mail) -> String {
    m.header("Message-ID").expect("a Message-ID")
}

/// The token of a survey link (`…/s/{token}/{score}` or `…/u/{token}`).
fn token_of(url: &str) -> String {
    let path = common::path_of(url);
    path.split('/').nth(2).unwrap().to_string()
}

async fn survey_email_works(app: &TestApp, delivery: &Delivery, smtp: &SmtpServer) {
    app.create_survey("service", "grade10", &["support"]).await;
    let nl = app.report("i-nl", "c-nl", "support", "nl").await;
    app.report("i-en", "c-en", "support", "en-GB").await;
    assert_eq!(nl["decision"], "invited");
    // Nothing goes before the survey's delay (60 minutes) has passed.
    assert_eq!(delivery.deliver_due().await, Tally::default());
    app.clock.advance_ms(HOUR_MS + 1000);
    assert_eq!(delivery.deliver_due().await.sent, 2);
    let mails: Vec<Mail> = smtp.wait_for(2, 10).await.into_iter().map(|raw| Mail { raw }).collect();
    assert_eq!(mails.len(), 2, "exactly two messages");
    let by_to: HashMap<String, &Mail> = mails.iter().map(|m| (m.header("To").unwrap(), m)).collect();
    let dutch = by_to["c-nl@example.test"];
    let english = by_to["c-en@example.test"];

    // Headers: sender, the question as subject in the customer's language, a stable Message-ID in
    // the sender's domain, and RFC 8058's one-click unsubscribe.
    assert_eq!(dutch.header("From").unwrap(), "\"Acme Support\" <survey@acme.example>");
    assert_eq!(dutch.header("Subject").unwrap(), "Welk cijfer geeft u ons?");
    assert_eq!(english.header("Subject").unwrap(), "What grade would you give us?");
    let nl_token = token_of(nl["invitation"]["survey_url"].as_str().unwrap());
    let invitation_id = i64::from_str_radix(&nl_token[..16], 16).unwrap();
    assert_eq!(message_id(dutch), format!("<acht.invitation.{invitation_id}@acme.example>"));
    let unsubscribe = dutch.header("List-Unsubscribe").unwrap();
    assert_eq!(unsubscribe, format!("<{}/u/{nl_token}>", app.base));
    assert_eq!(dutch.header("List-Unsubscribe-Post").unwrap(), "List-Unsubscribe=One-Click");

    // Parts: text and HTML; in both, one link per score, the customer's words, the footer.
    assert_eq!(dutch.mimetypes(), ["multipart/alternative", "text/plain", "text/html"]);
    let html = dutch.part("text/html").unwrap();
    let text = dutch.part("text/plain").unwrap();
    let links = hrefs(&html);
    let score_links: Vec<&String> = links.iter().filter(|h| h.contains(&format!("/s/{nl_token}/"))).collect();
    let expected: Vec<String> = (1..=10).map(|s| format!("{}/s/{nl_token}/{s}", app.base)).collect();
    assert_eq!(score_links[..10].iter().map(|s| s.as_str()).collect::<Vec<_>>(), expected);
    assert!(links.contains(&format!("{}/s/{nl_token}/t", app.base)), "the invisible trap link");
    assert!(links.contains(&format!("{}/u/{nl_token}", app.base)), "the unsubscribe link");
    assert!(html.contains("background:#aa3300"), "buttons in the company's colour");
    assert!(html.contains("Eén klik op een cijfer is genoeg") && html.contains("contact had met Acme"));
    for e in &expected {
        assert!(text.contains(e.as_str()), "the text part has every score link");
    }
    assert!(english.part("text/html").unwrap().contains("One click on a score is all it takes"));

    // Following the score link from the received email stores the answer.
    let eight = &expected[7];
    let r = reqwest::get(eight).await.unwrap();
    assert_eq!(r.status(), 200);
    let token = nl_token.clone();
    let invite = app.db.read(move |c| answers::find(c, &token)).await.unwrap();
    assert_eq!(invite.response.map(|r| r.score), Some(8), "the link's score is stored");

    // The mail program's one-click unsubscribe (RFC 8058): a POST with its fixed body.
    let r = reqwest::Client::new()
        .post(unsubscribe.trim_matches(['<', '>']))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // From then on the customer gets no invitation, and the decision says why.
    let later = app.report("i-nl-2", "c-nl", "support", "nl").await;
    assert_eq!(later["decision"], "unsubscribed");
    let reason = later["reason"].as_str().unwrap();
    assert!(reason.contains("one-click unsubscribe in their mail program"), "{reason}");
    // The footer's link asks first (scanners follow links), and the undo brings them back.
    let page = reqwest::get(format!("{}/u/{nl_token}", app.base)).await.unwrap().text().await.unwrap();
    assert!(page.contains("Geen vragen meer van Acme?") && page.contains("method=\"post\""), "{page}");
    let undo = reqwest::Client::new().post(format!("{}/u/{nl_token}/undo", app.base)).send().await.unwrap();
    assert_eq!(undo.status(), 200);
    assert_eq!(app.report("i-nl-3", "c-nl", "support", "nl").await["decision"], "throttled");
}

#[tokio::test]
async fn a_survey_email_arrives_in_the_customers_language_and_its_links_answer_and_unsubscribe() {
    for database in common::databases() {
        let backend = database.backend;
        eprintln!("on {backend:?}");
        let Some(smtp) = SmtpServer::start() else { return };
        let (app, delivery) = app_mailing_to(database, &smtp.url()).await;
        survey_email_works(&app, &delivery, &smtp).await;
    }
}

async fn flaky_server_scenario(app: &TestApp, delivery: &Delivery, smtp: &SmtpServer) {
    app.create_survey("service", "grade10", &["support"]).await;
    for i in 0..4 {
        app.report(&format!("i{i}"), &format!("c{i}"), "support", "nl").await;
    }
    app.clock.advance_ms(HOUR_MS + 1000);
    // Five attempts fail, each its own way (4xx, a connection dropped after the message and one
    // dropped in its middle, 5xx, 4xx to the recipient), then the server takes everything.
    smtp.fail_next("451,drop,dropmid,554,rcpt451");
    let mut rounds = 0;
    loop {
        let t = delivery.deliver_due().await;
        rounds += 1;
        if smtp.messages().len() >= 4 || rounds > 12 {
            break;
        }
        assert_eq!(t.ended, 0, "nothing is given up on");
        // The next attempt is due after the backoff: move past its cap.
        app.clock.advance_ms(2 * HOUR_MS);
    }
    let mails: Vec<Mail> = smtp.messages().into_iter().map(|raw| Mail { raw }).collect();
    let mut ids: Vec<String> = mails.iter().map(message_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((mails.len(), ids.len()), (4, 4), "every message arrived exactly once");
    // Nothing more goes out, however often the outbox runs.
    app.clock.advance_ms(10 * HOUR_MS);
    assert_eq!(delivery.deliver_due().await, Tally::default());
    assert_eq!(smtp.messages().len(), 4);
    // Every attempt is on record with how it went.
    let attempts = app
        .db
        .read(|c| {
            use acht::db::schema::job_attempts::dsl::*;
            use diesel::prelude::*;
            job_attempts
                .select((outcome, code))
                .load::<(AttemptOutcome, Option<i32>)>(c)
                .map_err(|e| acht::domain::DomainError::Db(e.into()))
        })
        .await
        .unwrap();
    let count = |o: AttemptOutcome| attempts.iter().filter(|a| a.0 == o).count();
    assert_eq!(count(AttemptOutcome::Sent), 4);
    assert!(attempts.contains(&(AttemptOutcome::Transient, Some(451))), "{attempts:?}");
    assert!(attempts.contains(&(AttemptOutcome::Permanent, Some(554))), "{attempts:?}");
    let dropped = attempts.iter().filter(|a| a.0 == AttemptOutcome::Transient && a.1.is_none()).count();
    assert_eq!(dropped, 2, "the two dropped connections: {attempts:?}");
    assert_eq!(attempts.len(), 9, "{attempts:?}");
}

#[tokio::test]
async fn a_flaky_mail_server_gets_every_message_exactly_once() {
    for database in common::databases() {
        let backend = database.backend;
        eprintln!("on {backend:?}");
        let Some(smtp) = SmtpServer::start() else { return };
        let (app, delivery) = app_mailing_to(database, &smtp.url()).await;
        flaky_server_scenario(&app, &delivery, &smtp).await;
    }
}

#[tokio::test]
async fn a_refused_connection_is_retried_until_the_server_is_there() {
    // A port bound but not listening refuses connections, and stays ours while the test runs.
    let refusing = tokio::net::TcpSocket::new_v4().unwrap();
    refusing.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = refusing.local_addr().unwrap().port();
    let (app, delivery) = one_due_invitation(&format!("smtp://127.0.0.1:{port}")).await;
    // Nobody listens: the attempt fails, the message waits.
    assert_eq!(delivery.deliver_due().await.retrying, 1);
    let row = app.db.read(queue::status).await.unwrap();
    assert_eq!(row.by_state, [(acht::types::JobKind::Invitation, JobState::Queued, 1)]);
    // Not before its backoff (a minute, give or take a fifth) …
    app.clock.advance_ms(30_000);
    assert_eq!(delivery.deliver_due().await, Tally::default());
    // … and once a server answers (the mail server's address changed), it goes.
    let Some(smtp) = SmtpServer::start() else { return };
    let mut settings = Settings::for_database(&app.database_url);
    mail_settings(&mut settings, &smtp.url());
    let delivery = Delivery::new(&app.state, Mailer::from_settings(&settings).unwrap(), &settings);
    app.clock.advance_ms(60_000);
    assert_eq!(delivery.deliver_due().await.sent, 1);
    assert_eq!(smtp.wait_for(1, 10).await.len(), 1);
}

#[tokio::test]
async fn a_dead_senders_message_goes_again_after_its_lease_and_is_on_record() {
    let Some(smtp) = SmtpServer::start() else { return };
    let (app, delivery) = one_due_invitation(&smtp.url()).await;
    // Another sender claims it and dies before it records anything.
    let now = app.clock.now();
    let claimed = app.db.write(move |c| queue::claim(c, "dead-instance", now, 300_000, 10)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    // While its lease holds, nobody else sends it (a restart of this instance would not either).
    assert_eq!(delivery.deliver_due().await, Tally::default());
    app.clock.advance_ms(301_000);
    assert_eq!(delivery.deliver_due().await.sent, 1);
    assert_eq!(smtp.wait_for(1, 10).await.len(), 1);
    // The possible duplicate is on record, for `acht mail status`, which names the message.
    let status = app.db.read(queue::status).await.unwrap();
    assert_eq!((status.possibly_twice, status.taken_over), (1, 1));
    let out = common::acht_ok(&app.database_url, &["mail", "status"]);
    assert!(out.contains("invitation\tsent\t1") && out.contains("possibly sent twice: 1 ("), "{out}");
    assert!(out.contains("recent trouble") && out.contains("\tinvitation\tsent\t2\t"), "{out}");
}

#[tokio::test]
async fn expired_unsubscribed_and_answered_invitations_are_not_sent() {
    let Some(smtp) = SmtpServer::start() else { return };
    let database = common::sqlite();
    let (app, delivery) = app_mailing_to(database, &smtp.url()).await;
    app.create_survey("service", "grade10", &["support"]).await;
    let answered = app.report("answered", "c-answered", "support", "nl").await;
    app.report("unsub", "c-unsub", "support", "nl").await;
    // The company's system reports the unsubscribe: queued emails stop.
    let r = app.post_json("/api/v1/customers/c-unsub/events", &serde_json::json!({"kind": "unsubscribe"})).await;
    assert!(r.status().is_success(), "{}", r.status());
    // The company's unsubscribe is not the customer's to undo through an old link.
    let unsub = app.db.read(|c| acht::domain::customers::get(c, "c-unsub")).await.unwrap();
    assert!(unsub.unsubscribed_at.is_some());
    let token = acht::domain::token::invitation_token(&app.state.secret, invitation_of(&app, unsub.id).await);
    let page = reqwest::Client::new().post(app.url(&format!("/u/{token}/undo"))).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("heeft dit adres zelf afgemeld"));
    let still = app.db.read(|c| acht::domain::customers::get(c, "c-unsub")).await.unwrap();
    assert!(still.unsubscribed_at.is_some(), "the company's unsubscribe stays");
    // The customer answered through a link the company mailed itself.
    let link = answered["invitation"]["score_urls"][6]["url"].as_str().unwrap();
    assert_eq!(reqwest::get(link).await.unwrap().status(), 200);
    app.clock.advance_ms(HOUR_MS + 1000);
    let t = delivery.deliver_due().await;
    assert_eq!((t.sent, t.ended), (0, 1), "{t:?}");
    // An invitation whose window closed before it could go is expired, not sent.
    app.report("late", "c-late", "support", "nl").await;
    app.clock.advance_ms(15 * 24 * HOUR_MS);
    let t = delivery.deliver_due().await;
    assert_eq!((t.sent, t.ended), (0, 1), "{t:?}");
    let status = app.db.read(queue::status).await.unwrap();
    let kinds: Vec<(JobState, i64)> = status.by_state.iter().map(|(_, s, n)| (*s, *n)).collect();
    assert_eq!(kinds, [(JobState::Expired, 1), (JobState::Suppressed, 2)]);
    assert!(smtp.messages().is_empty());
}

/// The invitation of a customer (the only one).
async fn invitation_of(app: &TestApp, customer: i64) -> i64 {
    app.db
        .read(move |c| {
            use acht::db::schema::invitations::dsl::*;
            use diesel::prelude::*;
            invitations
                .filter(customer_id.eq(customer))
                .select(id)
                .first::<i64>(c)
                .map_err(|e| acht::domain::DomainError::Db(e.into()))
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn erasure_removes_what_mail_servers_said_about_the_customer() {
    let Some(smtp) = SmtpServer::start() else { return };
    let (app, delivery) = one_due_invitation(&smtp.url()).await;
    smtp.fail_next("554");
    assert_eq!(delivery.deliver_due().await.retrying, 1);
    let customer = app.db.read(|c| acht::domain::customers::get(c, "c1")).await.unwrap();
    let inv = invitation_of(&app, customer.id).await;
    let row = app.db.read(move |c| queue::of_invitation(c, inv)).await.unwrap().unwrap();
    let before = app.db.read(move |c| queue::attempts(c, row.id)).await.unwrap();
    assert!(before[0].detail.contains("554"), "{:?}", before[0].detail);
    let r = app.client.delete(app.url("/api/v1/customers/c1")).bearer_auth(&app.api_key).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let after = app.db.read(move |c| queue::attempts(c, row.id)).await.unwrap();
    assert_eq!(after[0].detail, "(erased)");
    assert_eq!(after[0].code, Some(554), "the outcome stays");
    let row = app.db.read(move |c| queue::of_invitation(c, inv)).await.unwrap().unwrap();
    assert_eq!(row.state, JobState::Suppressed);
    app.clock.advance_ms(2 * HOUR_MS);
    assert_eq!(delivery.deliver_due().await, Tally::default());
    assert!(smtp.messages().is_empty());
}

#[tokio::test]
async fn without_a_mail_server_nothing_is_sent_and_the_outbox_says_so() {
    let database = common::sqlite();
    let url = database.url.clone();
    let app = TestApp::spawn_with(database, |s| s.jobs = Switch::Off).await;
    let settings = Settings::for_database(&url);
    let delivery = Delivery::new(&app.state, None, &settings);
    app.create_survey("service", "grade10", &["support"]).await;
    app.report("i1", "c1", "support", "nl").await;
    app.clock.advance_ms(HOUR_MS + 1000);
    assert_eq!(delivery.deliver_due().await.ended, 1);
    let status = app.db.read(queue::status).await.unwrap();
    assert_eq!(status.by_state, [(acht::types::JobKind::Invitation, JobState::NotSent, 1)]);
}

#[tokio::test]
async fn a_weekly_report_arrives_once_with_figures_charts_and_a_text_part() {
    let Some(smtp) = SmtpServer::start() else { return };
    let database = common::sqlite();
    let (app, delivery) = app_mailing_to(database, &smtp.url()).await;
    app.create_survey("service", "grade10", &["support"]).await;
    // Monday 2026-11-23 .. Sunday 2026-11-29, and the week before.
    let week = acht::domain::figures::day_number(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    let mut this_week: Vec<(i32, Option<&str>)> = (0..60).map(|i| (9 + (i % 2), None)).collect();
    this_week.push((2, Some("Niemand nam de telefoon op")));
    this_week.push((3, Some("Pakket <b>kwijt</b>")));
    import_answers(&app, week, &this_week, 0);
    let before: Vec<(i32, Option<&str>)> = (0..61).map(|i| (5 + (i % 3), None)).collect();
    import_answers(&app, week - 7, &before, 1000);
    app.db.write(move |c| acht::domain::rollups::rebuild(c, 0, &|_| {})).await.unwrap();

    // Subscribed on Tuesday the 24th; the weekly report is due Monday 30 Nov at 08:00 Amsterdam.
    let tz: chrono_tz::Tz = "Europe/Amsterdam".parse().unwrap();
    use chrono::TimeZone;
    let friday = tz.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap().timestamp_millis();
    app.clock.set(friday);
    let input = reports::NewSubscription {
        email: "Manager@Acme.example".into(),
        frequency: Frequency::Weekly,
        at: "08:00".into(),
        time_zone: None,
        survey: None,
        locale: Some("en".into()),
    };
    let (sub, _) = app.db.write(move |c| reports::subscribe(c, &input, friday)).await.unwrap();
    let due = tz.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap().timestamp_millis();
    app.clock.set(due - 60_000);
    acht::jobs::claim_reports(&app.state).await;
    assert_eq!(delivery.deliver_due().await, Tally::default(), "not before its moment");
    app.clock.set(due + 5_000);
    // Every instance's scheduler fires; the first claim wins, the others find it taken.
    acht::jobs::claim_reports(&app.state).await;
    acht::jobs::claim_reports(&app.state).await;
    assert_eq!(delivery.deliver_due().await.sent, 1);
    // An instance that read the report as due before the claim landed finds the key taken.
    let period = reports::latest_period(Frequency::Weekly, 8 * 60, tz, due + 5_000);
    let claimed_sub = sub.clone();
    let late = app.db.write(move |c| reports::claim(c, &claimed_sub, period, due + 6_000)).await.unwrap();
    assert!(late.is_none(), "claimed once");
    app.clock.set(due + 3 * HOUR_MS);
    acht::jobs::claim_reports(&app.state).await;
    assert_eq!(delivery.deliver_due().await, Tally::default(), "sent once");
    let mails = smtp.wait_for(1, 10).await;
    assert_eq!(mails.len(), 1);
    let m = Mail { raw: mails[0].clone() };
    assert_eq!(m.header("To").unwrap(), "manager@acme.example");
    assert_eq!(m.header("Subject").unwrap(), "Acme: how customers rated you, 23 Nov 2026 – 29 Nov 2026");
    assert_eq!(
        m.mimetypes(),
        ["multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png", "image/png"]
    );
    let text = m.part("text/plain").unwrap();
    let html = m.part("text/html").unwrap();
    // 62 answers this week against 61, the mean with its interval, and a clear rise.
    assert!(text.contains("Answers: 62 (Before: 61)"), "{text}");
    assert!(text.contains("clear rise"), "{text}");
    // The lowest scores with their comments, lowest first, escaped in the HTML.
    let two = text.find("- 2 ·").expect("the 2 is quoted");
    let three = text.find("- 3 ·").expect("the 3 is quoted");
    assert!(two < three && text.contains("Niemand nam de telefoon op"));
    assert!(html.contains("Pakket &#60;b&#62;kwijt&#60;/b&#62;"), "comments are escaped");
    let link = format!("{}/app/trends?survey=service&from=2026-11-23&to=2026-11-29", app.base);
    assert!(hrefs(&html).contains(&link), "a link into the app's trends of the period");
    // The subscriber can stop it: the mail program's one-click unsubscribe (RFC 8058) ends the
    // subscription, and the next week's report does not come.
    assert_eq!(m.header("List-Unsubscribe-Post").unwrap(), "List-Unsubscribe=One-Click");
    let stop = m.header("List-Unsubscribe").unwrap();
    let stop = stop.trim_matches(['<', '>']);
    assert!(text.contains(stop) && hrefs(&html).contains(&stop.to_string()), "the stop link is in both parts");
    let page = reqwest::get(stop).await.unwrap().text().await.unwrap();
    assert!(page.contains("Stop this report?") && page.contains("method=\"post\""), "GET only asks");
    let forged = format!("{}0", &stop[..stop.len() - 1]);
    let forged = if forged == stop { format!("{}1", &stop[..stop.len() - 1]) } else { forged };
    assert_eq!(
        reqwest::Client::new().post(&forged).body("List-Unsubscribe=One-Click").send().await.unwrap().status(),
        404
    );
    let r = reqwest::Client::new().post(stop).body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let again = reqwest::get(stop).await.unwrap().text().await.unwrap();
    assert!(again.contains("The report is stopped") && !again.contains("<form"), "an ended report asks nothing");
    let id = sub.id.to_string();
    let out = common::acht_cli(&app.database_url, &["--base-url", &app.base, "report", "send-now", &id]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("has ended"), "{out:?}");
    app.clock.set(due + 7 * 24 * HOUR_MS);
    acht::jobs::claim_reports(&app.state).await;
    assert_eq!(delivery.deliver_due().await, Tally::default(), "no report after the stop");
    // The charts: PNG images the HTML references by Content-ID.
    let parsed = m.parsed();
    let images: Vec<_> = parsed.parts().filter(|p| p.ctype.mimetype == "image/png").collect();
    for img in &images {
        use mailparse::MailHeaderMap;
        let cid = img.headers.get_first_value("Content-ID").unwrap();
        assert!(html.contains(&format!("cid:{}", cid.trim_matches(['<', '>']))), "{cid} is shown");
        let png = img.get_body_raw().unwrap();
        assert_eq!(&png[1..4], b"PNG");
        // 2× the 560 px the email shows it at.
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 1120);
    }
}

/// Answers spread over the seven days from `first_day`, by customers `c{offset}…`, imported
/// through the CLI as a company would.
fn import_answers(app: &TestApp, first_day: i64, scores: &[(i32, Option<&str>)], offset: usize) {
    let mut csv = String::from("customer_id,survey,score,answered_at,comment\n");
    let mut customers = String::from("customer_id,email,locale,first_seen_at,churned_at\n");
    for (i, (score, comment)) in scores.iter().enumerate() {
        let at = chrono::DateTime::from_timestamp((first_day * 86_400) + 3600 + (i as i64 % 7) * 86_400, 0).unwrap();
        let id = i + offset;
        csv.push_str(&format!("c{id},service,{score},{},{}\n", at.to_rfc3339(), comment.unwrap_or("")));
        customers.push_str(&format!("c{id},c{id}@example.test,nl,2025-01-01T00:00:00Z,\n"));
    }
    let scratch = common::scratch();
    let dir = &scratch.0;
    std::fs::write(dir.join("c.csv"), customers).unwrap();
    std::fs::write(dir.join("r.csv"), csv).unwrap();
    common::acht_ok(&app.database_url, &["import", "customers", dir.join("c.csv").to_str().unwrap()]);
    common::acht_ok(&app.database_url, &["import", "responses", dir.join("r.csv").to_str().unwrap()]);
}

/// Two real `acht serve` processes on one PostgreSQL database, both running their schedulers
/// (every second) against one mail server: every invitation and the due report go out exactly
/// once. "Once" is read when the outbox has settled (every row sent, none claimed): no sender
/// holds anything back then that could arrive later as a duplicate.
#[tokio::test(flavor = "multi_thread")]
async fn two_instances_on_one_postgres_send_every_invitation_and_report_once() {
    let Some(database) = common::postgres() else { return };
    let Some(smtp) = SmtpServer::start() else { return };
    let url = database.url.clone();
    common::acht_ok(&url, &["migrate"]);
    let key = common::acht_ok(&url, &["apikey", "create", "two"]).trim().to_string();
    // A report due now: subscribed to two days ago.
    let mut conn = acht::db::establish(&url).unwrap();
    let input = reports::NewSubscription {
        email: "manager@acme.example".into(),
        frequency: Frequency::Daily,
        at: "00:00".into(),
        time_zone: Some("UTC".into()),
        survey: None,
        locale: None,
    };
    let two_days_ago = chrono::Utc::now().timestamp_millis() - 48 * HOUR_MS;
    reports::subscribe(&mut conn, &input, two_days_ago).unwrap();
    let smtp_url = smtp.url();
    let env = [
        ("ACHT_SMTP_URL", smtp_url.as_str()),
        ("ACHT_MAIL_FROM", "Acme <survey@acme.example>"),
        ("ACHT_MAIL_POLL_SECONDS", "1"),
    ];
    let servers = [Server::start(&url, &env), Server::start(&url, &env)];
    let client = reqwest::Client::new();
    let r = client
        .post(servers[0].url("/api/v1/surveys"))
        .bearer_auth(&key)
        .json(&serde_json::json!({"slug": "service", "scale": "grade10", "delay_minutes": 0,
            "texts": {"nl": {"question": "Cijfer?"}}, "touchpoints": ["support"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Interactions reach both instances, in batches at the same moments.
    const N: usize = 200;
    let mut posts = vec![];
    for (n, server) in servers.iter().enumerate() {
        for part in 0..4 {
            let batch: Vec<serde_json::Value> = (0..N / 8)
                .map(|k| {
                    let i = format!("{n}-{part}-{k}");
                    serde_json::json!({"id": format!("i{i}"), "touchpoint": "support",
                        "customer": {"id": format!("c{i}"), "email": format!("c{i}@example.test")}})
                })
                .collect();
            let post = client.post(server.url("/api/v1/interactions/batch")).bearer_auth(&key);
            posts.push(tokio::spawn(post.json(&serde_json::json!({ "interactions": batch })).send()));
        }
    }
    for post in posts {
        assert!(post.await.unwrap().unwrap().status().is_success());
    }
    let settled = wait_until_outbox_settled(&mut conn, N + 1, 120).await;
    assert_eq!(settled, [(JobKind::Invitation, JobState::Sent, N as i64), (JobKind::Report, JobState::Sent, 1)]);
    let mails: Vec<Mail> = smtp.messages().into_iter().map(|raw| Mail { raw }).collect();
    let mut ids: Vec<String> = mails.iter().map(message_id).collect();
    ids.sort();
    let total = ids.len();
    ids.dedup();
    assert_eq!((total, ids.len()), (N + 1, N + 1), "every message exactly once");
    assert_eq!(ids.iter().filter(|i| i.starts_with("<acht.report.")).count(), 1);
    // Each row was sent by one attempt of one instance, and both instances took part.
    use acht::db::schema::job_attempts::dsl::*;
    use diesel::prelude::*;
    let attempts: Vec<(AttemptOutcome, String)> = job_attempts.select((outcome, holder)).load(&mut conn).unwrap();
    assert_eq!(attempts.len(), N + 1, "one attempt per message: {attempts:?}");
    assert!(attempts.iter().all(|a| a.0 == AttemptOutcome::Sent));
    let instances: std::collections::BTreeSet<&str> = attempts.iter().map(|a| a.1.as_str()).collect();
    assert_eq!(instances.len(), 2, "both instances sent: {instances:?}");
}

/// Polls the outbox until `n` rows are in a final state (at most `secs`): neither queued nor
/// being sent, so no sender holds one.
async fn wait_until_outbox_settled(conn: &mut acht::db::DbConn, n: usize, secs: u64) -> Vec<(JobKind, JobState, i64)> {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let status = queue::status(conn).unwrap();
        let in_flight = [JobState::Queued, JobState::Sending];
        let done: i64 = status.by_state.iter().filter(|(_, s, _)| !in_flight.contains(s)).map(|r| r.2).sum();
        if done as usize >= n {
            return status.by_state;
        }
        assert!(std::time::Instant::now() < until, "the outbox did not settle: {:?}", status.by_state);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Erasure leaves nothing of the customer's personal data anywhere: every text column of every
/// table, on both backends, is searched for their email address, attribute values, comment,
/// network address, user agent and what a mail server said about them.
#[tokio::test]
async fn erasure_leaves_no_trace_of_the_customer_in_any_column() {
    for database in common::databases() {
        let backend = database.backend;
        let Some(smtp) = SmtpServer::start() else { return };
        let app = TestApp::spawn_with(database, |s| {
            mail_settings(s, &smtp.url());
            s.trusted_proxy = vec!["127.0.0.1".parse().unwrap()];
        })
        .await;
        let mut settings = Settings::for_database(&app.database_url);
        mail_settings(&mut settings, &smtp.url());
        let delivery = Delivery::new(&app.state, Mailer::from_settings(&settings).unwrap(), &settings);
        app.create_survey("service", "grade10", &["support"]).await;
        let secrets = ["erase.me.4711@example.test", "plan-4711-secret", "comment-4711 Jan", "203.0.113.47", "UA-4711"];
        let r = app
            .post_json(
                "/api/v1/interactions",
                &serde_json::json!({"id": "e1", "touchpoint": "support", "channel": "phone",
                    "customer": {"id": "erase-me", "email": secrets[0], "locale": "nl",
                                 "attributes": {"plan": secrets[1]}}}),
            )
            .await;
        let invited: serde_json::Value = r.json().await.unwrap();
        // The mail server refuses once, naming the address (as real ones do), then accepts.
        smtp.fail_next("554");
        app.clock.advance_ms(HOUR_MS + 1000);
        assert_eq!(delivery.deliver_due().await.retrying, 1);
        app.clock.advance_ms(2 * HOUR_MS);
        assert_eq!(delivery.deliver_due().await.sent, 1);
        // The customer answers from their phone through a proxy, and comments.
        let link = invited["invitation"]["score_urls"][7]["url"].as_str().unwrap();
        let page = common::path_of(invited["invitation"]["survey_url"].as_str().unwrap());
        let as_customer = |rb: reqwest::RequestBuilder| {
            rb.header("User-Agent", format!("Mozilla/5.0 {}", secrets[4])).header("X-Forwarded-For", secrets[3])
        };
        assert!(as_customer(app.client.get(link)).send().await.unwrap().status().is_success());
        let comment = [("score", "8"), ("comment", secrets[2])];
        assert!(as_customer(app.client.post(app.url(&page)).form(&comment))
            .send()
            .await
            .unwrap()
            .status()
            .is_success());
        let before = every_text_value(&app.database_url);
        for secret in secrets {
            assert!(before.iter().any(|v| v.contains(secret)), "{backend:?}: '{secret}' is stored before erasure");
        }
        let r =
            app.client.delete(app.url("/api/v1/customers/erase-me")).bearer_auth(&app.api_key).send().await.unwrap();
        assert_eq!(r.status(), 200);
        for value in every_text_value(&app.database_url) {
            for secret in secrets {
                assert!(!value.contains(secret), "{backend:?}: '{secret}' is still stored after erasure: {value}");
            }
        }
    }
}

/// Every value of every column of every table, as text (`table.column: value`).
fn every_text_value(url: &str) -> Vec<String> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table_name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        column_name: String,
    }
    #[derive(QueryableByName)]
    struct Cell {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        v: Option<String>,
    }
    let mut conn = acht::db::establish(url).unwrap();
    let columns_sql = match acht::db::Backend::from_url(url) {
        acht::db::Backend::Sqlite => {
            // The comment search's FTS5 tables are an index (binary segments) over
            // responses.comment, which is scanned itself; README, Storage, says what an index
            // keeps of an erased comment.
            "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'responses_fts%'"
        }
        acht::db::Backend::Postgres => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = 'public'"
        }
    };
    let columns: Vec<Column> = diesel::sql_query(columns_sql).load(&mut conn).unwrap();
    assert!(columns.len() > 50, "every table's columns: {}", columns.len());
    let mut values = vec![];
    for c in columns {
        let sql = format!("SELECT CAST(\"{}\" AS TEXT) AS v FROM \"{}\"", c.column_name, c.table_name);
        let cells: Vec<Cell> = diesel::sql_query(sql).load(&mut conn).unwrap();
        values
            .extend(cells.into_iter().filter_map(|c| c.v).map(|v| format!("{}.{}: {v}", c.table_name, c.column_name)));
    }
    values
}

/// A self-signed certificate for 127.0.0.1 (the openssl command line), or None (skip).
fn test_certificate(dir: &std::path::Path) -> Option<(String, String)> {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    match made {
        Ok(out) if out.status.success() => Some((cert.display().to_string(), key.display().to_string())),
        Ok(out) => common::skip(&format!("openssl made no certificate: {}", String::from_utf8_lossy(&out.stderr))),
        Err(e) => common::skip(&format!("the openssl command is missing: {e}")),
    }
}

/// The mail server settings a company uses: STARTTLS (`?tls=required`) and implicit TLS
/// (`smtps://`), each with AUTH, and a login and password holding the characters a URL must
/// percent-encode. The server refuses mail before TLS and before AUTH, so a delivered message
/// shows both worked; a wrong password is refused as the permanent failure it is.
#[tokio::test]
async fn starttls_smtps_and_auth_with_percent_encoded_credentials_deliver() {
    let scratch = common::scratch();
    let Some((cert, key)) = test_certificate(&scratch.0) else { return };
    // OpenSSL's default trust store reads this file: the test's certificate is trusted, as a
    // company's mail server's certificate is through the system's store. (nextest runs each
    // test in its own process; the guard puts the variable back for runs that share one.)
    let _trust = EnvGuard::set("SSL_CERT_FILE", &cert);
    let (login, password) = ("survey@acme.example", "p@ss:w/rd% ?#");
    let encoded = "survey%40acme.example:p%40ss%3Aw%2Frd%25%20%3F%23";
    let auth = format!("{login}:{password}");
    for (mode, scheme, query) in [("starttls", "smtp", "?tls=required"), ("smtps", "smtps", "")] {
        let args = ["--tls", mode, "--cert", &cert, "--key", &key, "--auth", &auth];
        let Some(smtp) = SmtpServer::start_with(&args) else { return };
        let url = format!("{scheme}://{encoded}@127.0.0.1:{}{query}", smtp.port);
        let (app, delivery) = one_due_invitation(&url).await;
        let tally = delivery.deliver_due().await;
        let attempts = all_attempts(&app).await;
        assert_eq!(tally.sent, 1, "{mode}: {tally:?} {attempts:?}");
        assert_eq!(smtp.wait_for(1, 10).await.len(), 1, "{mode}");

        let url = format!("{scheme}://survey%40acme.example:wrong@127.0.0.1:{}{query}", smtp.port);
        let (app, delivery) = one_due_invitation(&url).await;
        assert_eq!(delivery.deliver_due().await.sent, 0);
        let attempts = all_attempts(&app).await;
        assert_eq!(attempts.len(), 1);
        assert_eq!((attempts[0].0, attempts[0].1), (AttemptOutcome::Permanent, Some(535)), "{mode}: {attempts:?}");
    }
}

/// Every recorded send attempt: outcome, SMTP code, the server's words.
async fn all_attempts(app: &TestApp) -> Vec<(AttemptOutcome, Option<i32>, String)> {
    app.db
        .read(|c| {
            use acht::db::schema::job_attempts::dsl::*;
            use diesel::prelude::*;
            job_attempts.select((outcome, code, detail)).load(c).map_err(|e| acht::domain::DomainError::Db(e.into()))
        })
        .await
        .unwrap()
}

/// Sets an environment variable and puts back what was there when dropped.
struct EnvGuard(&'static str, Option<std::ffi::OsString>);

impl EnvGuard {
    fn set(name: &'static str, value: &str) -> EnvGuard {
        let before = std::env::var_os(name);
        std::env::set_var(name, value);
        EnvGuard(name, before)
    }
}

impl Drop for EnvGuard {
    fn drop(&mut self) {
        match &self.1 {
            Some(v) => std::env::set_var(self.0, v),
            None => std::env::remove_var(self.0),
        }
    }
}

/// `acht report send-now` without a mail server in its own settings queues the report, says
/// that a running server sends it, and succeeds: it did what it said.
#[tokio::test]
async fn send_now_without_a_mail_server_here_queues_and_says_so() {
    let database = common::sqlite();
    let url = database.url.clone();
    common::cli_service_survey(&url);
    let out = common::acht_ok(&url, &["report", "subscribe", "--email", "m@acme.example", "--frequency", "daily"]);
    let id = out.split_whitespace().nth(1).unwrap().trim_end_matches(':').to_string();
    let out = common::acht_cli(&url, &["--base-url", "https://acht.acme.example", "report", "send-now", &id]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains("queued") && stdout.contains("a running acht server"), "{stdout}");
    let status = common::acht_ok(&url, &["mail", "status"]);
    assert!(status.contains("report\tqueued\t1"), "{status}");
    drop(database);
}

/// The undo on the unsubscribe page works from a link that still works and for a recent
/// unsubscribe: an old or forwarded email cannot subscribe someone again.
#[tokio::test(flavor = "multi_thread")]
async fn an_unsubscribe_is_undone_only_from_a_valid_link_soon_after() {
    on_every_backend!(undo_window);
}
async fn undo_window(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let client = reqwest::Client::new();
    for (customer, wait_days, undone) in [("c-soon", 1, true), ("c-late", 15, false)] {
        let out = app.report(&format!("i-{customer}"), customer, "support", "en").await;
        let url = out["invitation"]["survey_url"].as_str().unwrap();
        let token = url.rsplit('/').next().unwrap().to_string();
        let r = client.post(app.url(&format!("/u/{token}"))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        app.clock.advance_ms(wait_days * 24 * HOUR_MS);
        let page = client.post(app.url(&format!("/u/{token}/undo"))).send().await.unwrap().text().await.unwrap();
        let c = customer.to_string();
        let now = app.db.read(move |conn| acht::domain::customers::get(conn, &c)).await.unwrap();
        assert_eq!(now.unsubscribed_at.is_none(), undone, "{customer} after {wait_days} days: {page}");
        if !undone {
            assert!(page.contains("can no longer undo"), "says why: {page}");
        }
    }
}

/// A report due on the minute is claimed before a backlog of survey emails that were due
/// earlier: a manager's report never waits behind the morning's invitations.
#[tokio::test(flavor = "multi_thread")]
async fn a_due_report_goes_before_a_backlog_of_invitations() {
    on_every_backend_with!(reports_first, |s| s.jobs = Switch::Off);
}
async fn reports_first(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    for k in 0..30 {
        app.report(&format!("b-{k}"), &format!("cb-{k}"), "support", "nl").await;
    }
    app.clock.advance_ms(2 * HOUR_MS);
    let now = app.clock.now();
    let at = chrono::DateTime::from_timestamp_millis(now - 60_000).unwrap().format("%H:%M").to_string();
    let input = reports::NewSubscription {
        email: "manager@acme.example".into(),
        frequency: acht::types::Frequency::Daily,
        at,
        time_zone: Some("UTC".into()),
        survey: None,
        locale: Some("en".into()),
    };
    app.db.write(move |c| reports::subscribe(c, &input, now - 2 * 24 * HOUR_MS)).await.unwrap();
    acht::jobs::claim_reports(&app.state).await;
    let claimed = app.db.write(move |c| queue::claim(c, "test", now, 60_000, 5)).await.unwrap();
    assert_eq!(claimed.len(), 5, "a batch of the backlog");
    assert_eq!(claimed[0].row.kind, acht::types::JobKind::Report, "the report first: {:?}", claimed[0].row);
    assert!(claimed[1..].iter().all(|c| c.row.kind == acht::types::JobKind::Invitation));
}

/// SIGTERM in the middle of a backlog: readiness turns 503, no new email is claimed, the ones in
/// flight are finished and recorded, and the process ends. Nothing is left claimed, so the
/// restarted server sends the rest at once (not after a lease), each exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_backlog_leaves_no_claim_behind() {
    let Some(smtp) = SmtpServer::start() else { return };
    let database = common::sqlite();
    let url = database.url.clone();
    common::acht_ok(&url, &["migrate"]);
    let key = common::acht_ok(&url, &["apikey", "create", "term"]).trim().to_string();
    let smtp_url = smtp.url();
    let env = [
        ("ACHT_SMTP_URL", smtp_url.as_str()),
        ("ACHT_MAIL_FROM", "Acme <survey@acme.example>"),
        ("ACHT_MAIL_POLL_SECONDS", "1"),
    ];
    let mut server = Server::start(&url, &env);
    let client = reqwest::Client::new();
    let r = client
        .post(server.url("/api/v1/surveys"))
        .bearer_auth(&key)
        .json(&serde_json::json!({"slug": "service", "scale": "grade10", "delay_minutes": 0,
            "texts": {"nl": {"question": "Cijfer?"}}, "touchpoints": ["support"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    const N: usize = 1000;
    for part in 0..2 {
        let batch: Vec<serde_json::Value> = (0..N / 2)
            .map(|k| {
                serde_json::json!({"id": format!("t{part}-{k}"), "touchpoint": "support",
                    "customer": {"id": format!("ct{part}-{k}"), "email": format!("ct{part}-{k}@example.test")}})
            })
            .collect();
        let r = client
            .post(server.url("/api/v1/interactions/batch"))
            .bearer_auth(&key)
            .json(&serde_json::json!({ "interactions": batch }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    smtp.wait_for(40, 60).await;
    let status = server.terminate(30);
    assert!(status.success(), "a clean exit: {status:?}");
    let mut conn = acht::db::establish(&url).unwrap();
    let after = queue::status(&mut conn).unwrap().by_state;
    let count = |state: JobState| after.iter().filter(|r| r.1 == state).map(|r| r.2).sum::<i64>();
    assert_eq!(count(JobState::Sending), 0, "no claim left behind: {after:?}");
    assert!(count(JobState::Queued) > 0, "stopped in the middle of the backlog: {after:?}");
    // The restarted server sends the rest at once: no lease to wait out.
    let _again = Server::start(&url, &env);
    let settled = wait_until_outbox_settled(&mut conn, N, 60).await;
    assert_eq!(settled, [(JobKind::Invitation, JobState::Sent, N as i64)]);
    let mails: Vec<Mail> = smtp.messages().into_iter().map(|raw| Mail { raw }).collect();
    let mut ids: Vec<String> = mails.iter().map(message_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((mails.len(), ids.len()), (N, N), "every invitation exactly once");
    assert_eq!(queue::status(&mut conn).unwrap().possibly_twice, 0, "nothing possibly sent twice");
}

/// A mail server that stores a message but whose reply is lost (the connection drops after the
/// data): acht cannot know it arrived, retries, and a second copy arrives. `acht mail status`
/// counts exactly the messages that arrived twice; a refusal (a reply) counts as nothing.
#[tokio::test(flavor = "multi_thread")]
async fn lost_replies_are_counted_as_the_duplicates_they_make() {
    let Some(smtp) = SmtpServer::start() else { return };
    smtp.fail_next("droplost,451,droplost,ok,droplost");
    let database = common::sqlite();
    let (app, delivery) = app_mailing_to(database, &smtp.url()).await;
    app.create_survey("service", "grade10", &["support"]).await;
    for k in 0..5 {
        app.report(&format!("i{k}"), &format!("c{k}"), "support", "nl").await;
    }
    app.clock.advance_ms(HOUR_MS + 1000);
    let first = delivery.deliver_due().await;
    assert_eq!(first.sent, 1, "{first:?}");
    app.clock.advance_ms(30 * 60_000);
    delivery.deliver_due().await;
    let mails: Vec<Mail> = smtp.wait_for(8, 20).await.into_iter().map(|raw| Mail { raw }).collect();
    let mut copies: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for m in &mails {
        *copies.entry(message_id(m)).or_default() += 1;
    }
    let twice = copies.values().filter(|n| **n == 2).count() as i64;
    assert_eq!((copies.len(), twice), (5, 3), "five messages, three of them twice: {copies:?}");
    let status = app.db.read(queue::status).await.unwrap();
    assert_eq!(status.possibly_twice, twice, "status counts exactly the copies that arrived twice");
    assert_eq!(status.taken_over, 0);
    let out = common::acht_ok(&app.database_url, &["mail", "status"]);
    assert!(out.contains("possibly sent twice: 3 (a lost reply retried: 3; taken over"), "{out}");
}

/// An address whose acht account is disabled gets no report: the run is suppressed, nothing is
/// mailed, and enabling the account lets the next one go.
#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_account_gets_no_reports() {
    let Some(smtp) = SmtpServer::start() else { return };
    let (app, delivery) = app_mailing_to(common::sqlite(), &smtp.url()).await;
    app.user("manager@acme.example", "correct horse battery", acht::types::Role::Analyst).await;
    let now = app.clock.now();
    app.db.write(move |c| acht::domain::users::set_disabled(c, "manager@acme.example", true, now)).await.unwrap();
    let input = reports::NewSubscription {
        email: "manager@acme.example".into(),
        frequency: Frequency::Daily,
        at: "00:00".into(),
        time_zone: Some("UTC".into()),
        survey: None,
        locale: Some("en".into()),
    };
    app.db.write(move |c| reports::subscribe(c, &input, now - 48 * HOUR_MS)).await.unwrap();
    acht::jobs::claim_reports(&app.state).await;
    let t = delivery.deliver_due().await;
    assert_eq!(t.sent, 0, "{t:?}");
    let status = app.db.read(queue::status).await.unwrap();
    assert!(status.by_state.contains(&(JobKind::Report, JobState::Suppressed, 1)), "suppressed: {:?}", status.by_state);
    assert!(smtp.messages().is_empty(), "nothing mailed");
}
