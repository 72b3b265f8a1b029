//! Every page as people meet it, in a real browser at 360, 390, 768 and 1366 px: the customer's
//! survey pages (question, saved score, sent comment, unsubscribe, an unknown link), the analyst
//! app (every page, an in-app 404 and a bad filter, signed out and in, in Dutch and English)
//! and both emails as a mail program shows them. On each: nothing sticks out or scrolls
//! sideways, and axe-core finds no violation. Screenshots land in `target/screenshots/page-*`.
use crate::common::browser::{Browser, DESKTOP, DESKTOP_UA};
use crate::common::{self, path_of, TestApp};
use acht::types::Role;

const PASSWORD: &str = "correct horse battery";
const WIDTHS: [u32; 4] = [360, 390, 768, 1366];

/// axe-core's script, installed from npm by `.ci/run` (tests/browser/package.json).
fn axe_source() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) => common::skip("axe-core is not installed (npm ci --prefix tests/browser)"),
    }
}

/// Checks the page now open at every width: no overflow, no axe violation; keeps screenshots.
async fn check(b: &Browser, axe: &str, name: &str, problems: &mut Vec<String>) {
    for width in WIDTHS {
        b.client.set_window_size(width, 900).await.unwrap();
        // Let layout settle after the resize.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let over = b.overflow().await;
        if !over.is_empty() {
            problems.push(format!("{name} at {width} px overflows: {over:?}"));
        }
        if width == 390 || width == 1366 {
            b.screenshot(&format!("page-{name}-{width}")).await;
        }
    }
    let violations = b.axe(axe).await;
    if !violations.is_empty() {
        problems.push(format!("{name}: axe-core: {violations:?}"));
    }
}

async fn open(b: &Browser, url: &str, axe: &str, name: &str, problems: &mut Vec<String>) {
    b.go(url).await;
    check(b, axe, name, problems).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_fits_every_width_and_passes_axe() {
    let Some(axe) = axe_source() else { return };
    let Some(smtp) = common::smtp::SmtpServer::start() else { return };
    let Some(b) = Browser::start(DESKTOP_UA, DESKTOP).await else { return };
    let database = common::sqlite();
    common::acht_ok(&database.url, &["demo", "--customers", "3000", "--seed", "5"]);
    let smtp_url = smtp.url();
    let app = TestApp::spawn_with(database, move |s| {
        s.smtp_url = Some(smtp_url);
        s.mail_from = Some("Zonnedal Energie <enquete@zonnedal.example>".into());
        s.company_logo = Some(acht::config::DEMO_LOGO.into());
        s.company_colour = acht::config::DEMO_COLOUR.into();
        s.mail_poll_seconds = 1;
    })
    .await;
    app.user("admin@zonnedal.example", PASSWORD, Role::Admin).await;
    let mut problems = Vec::new();
    // A webhook endpoint nobody listens at: its log fills with failed deliveries.
    let now = app.clock.now();
    let hook = app
        .db
        .write(move |c| {
            acht::domain::webhooks::create(c, "http://127.0.0.1:9/hooks", &acht::domain::webhooks::KINDS, "CRM", now)
        })
        .await
        .unwrap();

    // The customer: a survey right after a contact, its email, the pages behind its links.
    app.create_survey("bezorging", "grade10", &["bezorging"]).await;
    let out = app.report("pages-1", "klant-1", "bezorging", "nl").await;
    let page = app.url(&path_of(out["invitation"]["survey_url"].as_str().unwrap()));
    let score_link = app.url(&path_of(out["invitation"]["score_urls"][7]["url"].as_str().unwrap()));
    open(&b, &page, &axe, "survey-question", &mut problems).await;
    open(&b, &score_link, &axe, "survey-saved", &mut problems).await;
    b.fill("#comment", "De bezorger was vriendelijk, maar het pakket kwam een dag later dan beloofd.").await;
    b.click("button.send").await;
    for _ in 0..50 {
        if b.count("#confirmation blockquote").await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    check(&b, &axe, "survey-comment-sent", &mut problems).await;
    open(&b, &app.url("/s/not-a-link"), &axe, "survey-unknown-link", &mut problems).await;

    // Both emails as a mail program shows them: the survey email once its hour's delay is over,
    // the report at once.
    // (An answered invitation's email is not sent any more: another customer gets this one.)
    app.report("pages-2", "klant-2", "bezorging", "nl").await;
    app.clock.advance_ms(3_600_000 + 1_000);
    let raw = smtp.wait_for(1, 30).await.pop().expect("the survey email");
    let mail = common::smtp::Mail { raw };
    let scratch = common::scratch();
    let file = scratch.0.join("survey-email.html");
    std::fs::write(&file, mail.part("text/html").unwrap()).unwrap();
    open(&b, &format!("file://{}", file.display()), &axe, "email-survey", &mut problems).await;
    if let Some(unsubscribe) = mail.header("List-Unsubscribe") {
        let link = unsubscribe.split(',').map(|l| l.trim().trim_matches(['<', '>'])).find(|l| l.starts_with("http"));
        if let Some(link) = link {
            open(&b, &app.url(&path_of(link)), &axe, "unsubscribe", &mut problems).await;
        }
    }
    let input = acht::domain::reports::NewSubscription {
        email: "manager@zonnedal.example".into(),
        frequency: acht::types::Frequency::Weekly,
        at: "08:00".into(),
        time_zone: None,
        survey: None,
        locale: Some("nl".into()),
    };
    let subscribed = app.clock.now() - 30 * 86_400_000;
    app.db.write(move |c| acht::domain::reports::subscribe(c, &input, subscribed)).await.unwrap();
    let raw = smtp.wait_for(2, 60).await.pop().expect("the report email");
    let report = common::smtp::Mail { raw };
    let mut html = report.part("text/html").unwrap();
    for part in report.parsed().parts().filter(|p| p.ctype.mimetype == "image/png") {
        use mailparse::MailHeaderMap;
        let cid = part.headers.get_first_value("Content-ID").unwrap();
        let cid = cid.trim_matches(['<', '>']);
        let name = format!("{}.png", cid.replace('@', "_"));
        std::fs::write(scratch.0.join(&name), part.get_body_raw().unwrap()).unwrap();
        html = html.replace(&format!("cid:{cid}"), &name);
    }
    let file = scratch.0.join("report-email.html");
    std::fs::write(&file, &html).unwrap();
    // Kept beside the screenshots, to open in a mail-like viewer (or a dark-mode browser).
    let keep = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots/report-email");
    std::fs::create_dir_all(&keep).unwrap();
    for entry in std::fs::read_dir(&scratch.0).unwrap().flatten() {
        let _ = std::fs::copy(entry.path(), keep.join(entry.file_name()));
    }
    open(&b, &format!("file://{}", file.display()), &axe, "email-report", &mut problems).await;

    // The analyst app, signed out, then every page signed in, in Dutch and in English.
    open(&b, &app.url("/signin"), &axe, "signin", &mut problems).await;
    b.fill("#email", "admin@zonnedal.example").await;
    b.fill("#password", PASSWORD).await;
    b.click("button.primary").await;
    b.wait_url("/app").await;
    // A demo customer with a comment, for the customer page.
    let someone: String = app
        .db
        .read(|c| {
            use acht::db::schema::{customers, responses};
            use diesel::prelude::*;
            responses::table
                .inner_join(customers::table)
                .filter(responses::comment.is_not_null())
                .select(customers::external_id)
                .order(responses::answered_at.desc())
                .first::<String>(c)
                .map_err(acht::db::DbError::from)
        })
        .await
        .unwrap();
    let customer_page = format!("/app/customers/{someone}");
    // The demo's follow-ups: one still open, one closed with its notes.
    let (open_one, closed_one): (i64, i64) = app
        .db
        .read(|c| {
            use acht::db::schema::followups;
            use diesel::prelude::*;
            let of = |c: &mut acht::db::DbConn, state: &str| {
                followups::table.filter(followups::state.eq(state.to_string())).select(followups::id).first::<i64>(c)
            };
            Ok::<_, acht::db::DbError>((of(c, "open")?, of(c, "closed")?))
        })
        .await
        .unwrap();
    let (followup_open, followup_closed) =
        (format!("/app/followups/{open_one}"), format!("/app/followups/{closed_one}"));
    let webhook_page = format!("/app/webhooks/{}", hook.id);
    let pages = [
        ("overview", "/app"),
        ("trends", "/app/trends?survey=service"),
        ("trends-effort-days", "/app/trends?survey=effort&grain=day"),
        ("retention", "/app/retention?survey=service"),
        ("retention-effort", "/app/retention?survey=effort"),
        ("answers", "/app/answers"),
        ("answers-none", "/app/answers?survey=service&score=3&q=nergens"),
        ("users", "/app/users"),
        ("audit", "/app/audit"),
        ("keys", "/app/keys"),
        ("account", "/app/account"),
        ("customers", "/app/customers"),
        ("customers-none", "/app/customers?q=nobody%40nowhere.example"),
        ("customer", customer_page.as_str()),
        ("followups", "/app/followups"),
        ("followups-closed", "/app/followups?queue=closed"),
        ("followups-mine-none", "/app/followups?queue=mine"),
        ("followup-open", followup_open.as_str()),
        ("followup-closed", followup_closed.as_str()),
        ("reports", "/app/reports"),
        ("branding", "/app/branding"),
        ("surveys", "/app/surveys"),
        ("survey-new", "/app/surveys/new"),
        ("survey-edit", "/app/surveys/service"),
        ("webhooks", "/app/webhooks"),
        ("webhook", webhook_page.as_str()),
        ("not-found", "/app/nope"),
        ("bad-filter", "/app/answers?score=abc"),
    ];
    for lang in ["nl", "en"] {
        b.go(&app.url("/app")).await;
        b.click(&format!("button[name=lang][value={lang}]")).await;
        for _ in 0..50 {
            if b.client.execute("return document.documentElement.lang", vec![]).await.unwrap() == lang {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        for (name, path) in pages {
            open(&b, &app.url(path), &axe, &format!("{name}-{lang}"), &mut problems).await;
        }
    }
    // The in-app 404 keeps the app's navigation and speaks to an analyst.
    b.go(&app.url("/app/nope")).await;
    assert!(b.count("header.top nav a").await >= 4, "the 404 inside the app has the app's navigation");
    assert!(!b.text("main").await.contains("email"), "an analyst is not told to use the link from the email");
    let _ = scratch;
    b.close().await;
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
