//! Surveys made and changed by an admin in the app: the invitation email and the survey page a
//! customer then gets are exactly the previews the form showed (links aside), and an archived
//! survey asks nobody. On both backends, through a real SMTP server.
use crate::common;
use crate::common::smtp::{Mail, SmtpServer};
use crate::common::TestApp;
use acht::config::{Settings, Switch};
use acht::types::{Role, TextEnum};
use serde_json::Value;

const PASSWORD: &str = "a long password 1";

fn mail_settings(s: &mut Settings, smtp_url: &str) {
    s.smtp_url = Some(smtp_url.to_string());
    s.mail_from = Some("Zonnedal <enquete@zonnedal.example>".into());
    s.company_colour = "#8a3b12".into();
    s.jobs = Switch::Off;
}

fn fields(question_nl: &str) -> Vec<(&'static str, String)> {
    [
        ("name", "Levering"),
        ("slug", "levering"),
        ("scale", "grade10"),
        ("question_nl", question_nl),
        ("followup_nl", "Wat kan beter?"),
        ("question_en", "How did the delivery go?"),
        ("followup_en", ""),
        ("touchpoints", "levering, montage"),
        ("delay_minutes", "0"),
        ("expiry_days", "7"),
        ("sample_percent", "100"),
        ("fatigue_survey_days", "0"),
        ("fatigue_global_days", "0"),
        ("followup_at_most", "5"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

#[tokio::test]
async fn an_admin_makes_a_survey_whose_email_and_page_are_its_preview() {
    for database in common::databases() {
        let Some(smtp) = SmtpServer::start() else { return };
        let url = smtp.url();
        let app = TestApp::spawn_with(database, |s| mail_settings(s, &url)).await;
        let mut settings = Settings::for_database(&app.database_url);
        mail_settings(&mut settings, &smtp.url());
        let delivery = acht::jobs::worker::Delivery::new(
            &app.state,
            acht::mail::Mailer::from_settings(&settings).unwrap(),
            &settings,
        );
        scenario(&app, &delivery, &smtp).await;
    }
}

async fn post(
    client: &reqwest::Client,
    url: String,
    csrf: &str,
    action: &str,
    f: &[(&str, String)],
) -> reqwest::Response {
    let mut form: Vec<(&str, String)> = f.to_vec();
    form.push(("csrf", csrf.to_string()));
    form.push(("action", action.to_string()));
    client.post(url).form(&form).send().await.unwrap()
}

async fn scenario(app: &TestApp, delivery: &acht::jobs::worker::Delivery, smtp: &SmtpServer) {
    app.user("admin@zonnedal.example", PASSWORD, Role::Admin).await;
    app.user("ana@zonnedal.example", PASSWORD, Role::Analyst).await;
    let analyst = app.signed_in("ana@zonnedal.example", PASSWORD).await;
    assert_eq!(analyst.get(app.url("/app/surveys")).send().await.unwrap().status(), 403, "admins only");
    let admin = app.signed_in("admin@zonnedal.example", PASSWORD).await;
    let page = admin.get(app.url("/app/surveys/new")).send().await.unwrap().text().await.unwrap();
    let csrf = common::csrf_of(&page);

    // A form the rules refuse comes back as typed, saying why.
    let mut bad = fields("");
    bad.iter_mut().find(|(k, _)| *k == "question_en").unwrap().1 = String::new();
    let r = post(&admin, app.url("/app/surveys"), &csrf, "save", &bad).await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("id=\"form-error\"") && body.contains("value=\"levering, montage\""), "{body}");

    // The previews, from the unsaved form.
    let f = fields("Hoe ging de levering?");
    let preview_email = post(&admin, app.url("/app/surveys"), &csrf, "preview-email-nl", &f).await;
    assert!(preview_email.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
    let preview_email = preview_email.text().await.unwrap();
    let preview_page = post(&admin, app.url("/app/surveys"), &csrf, "preview-page-nl", &f).await.text().await.unwrap();
    assert!(preview_email.contains("Hoe ging de levering?") && preview_page.contains("Hoe ging de levering?"));
    let r = post(&admin, app.url("/app/surveys"), &csrf, "save", &f).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/app/surveys/levering?saved=1");

    let survey: Value = app.get_json("/api/v1/surveys/levering").await.json().await.unwrap();
    assert_eq!(survey["touchpoints"], serde_json::json!(["levering", "montage"]));
    assert_eq!((survey["delay_minutes"].as_i64(), survey["followup_at_most"].as_i64()), (Some(0), Some(5)));
    assert_eq!(survey["texts"]["nl"]["followup"], "Wat kan beter?");

    // A customer gets exactly the previews, their own links aside.
    let out = app.report("lev-1", "k1", "montage", "nl").await;
    assert_eq!(out["decision"], "invited", "{out}");
    let survey_url = out["invitation"]["survey_url"].as_str().unwrap().to_string();
    let token = common::path_of(&survey_url).rsplit('/').next().unwrap().to_string();
    assert_eq!(delivery.deliver_due().await.sent, 1);
    let mail = Mail { raw: smtp.messages().pop().unwrap() };
    // Mail has CRLF line ends (RFC 5322); the page its own.
    let sent = mail.part("text/html").unwrap().replace(&token, "preview").replace("\r\n", "\n");
    assert_eq!(sent, preview_email, "the email is its preview");
    let shown = app.client.get(&survey_url).send().await.unwrap().text().await.unwrap().replace(&token, "preview");
    assert_eq!(shown, preview_page, "the page is its preview");

    // Changed, then archived: it asks nobody; brought back, it asks again.
    let edit = admin.get(app.url("/app/surveys/levering")).send().await.unwrap().text().await.unwrap();
    assert!(edit.contains("Hoe ging de levering?") && edit.contains("readonly"), "the edit form holds the survey");
    let r = post(&admin, app.url("/app/surveys/levering"), &csrf, "save", &fields("Hoe ging het bezorgen?")).await;
    assert_eq!(r.status(), 303);
    let survey: Value = app.get_json("/api/v1/surveys/levering").await.json().await.unwrap();
    assert_eq!(survey["texts"]["nl"]["question"], "Hoe ging het bezorgen?");
    let r = post(&admin, app.url("/app/surveys/levering"), &csrf, "archive", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.report("lev-2", "k2", "levering", "nl").await["decision"], "no_matching_survey");
    post(&admin, app.url("/app/surveys/levering"), &csrf, "restore", &[]).await;
    assert_eq!(app.report("lev-3", "k3", "levering", "nl").await["decision"], "invited");
    let list = admin.get(app.url("/app/surveys")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Levering") && list.contains("/app/surveys/levering"));
}

/// An admin subscribes a manager to reports in the app, sends one now (it arrives), changes it,
/// and pauses it (nothing falls due while paused) and resumes it.
#[tokio::test]
async fn an_admin_manages_report_emails_in_the_app() {
    let Some(smtp) = SmtpServer::start() else { return };
    let url = smtp.url();
    let app = TestApp::spawn_with(common::sqlite(), |s| mail_settings(s, &url)).await;
    let mut settings = Settings::for_database(&app.database_url);
    mail_settings(&mut settings, &smtp.url());
    let delivery =
        acht::jobs::worker::Delivery::new(&app.state, acht::mail::Mailer::from_settings(&settings).unwrap(), &settings);
    app.create_survey("service", "grade10", &["support"]).await;
    app.user("admin@zonnedal.example", PASSWORD, Role::Admin).await;
    let admin = app.signed_in("admin@zonnedal.example", PASSWORD).await;
    let page = admin.get(app.url("/app/reports")).send().await.unwrap().text().await.unwrap();
    let csrf = common::csrf_of(&page);
    let form = |action: &str, extra: &[(&str, &str)]| {
        let mut f: Vec<(String, String)> = vec![("csrf".into(), csrf.clone()), ("action".into(), action.into())];
        f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        f
    };
    let bad = admin
        .post(app.url("/app/reports"))
        .form(&form("add", &[("email", "not an address"), ("frequency", "weekly"), ("at", "08:00")]))
        .send()
        .await
        .unwrap();
    assert!(bad.text().await.unwrap().contains("id=\"form-error\""), "a bad address is refused, saying why");
    let fields = [
        ("email", "Manager@Zonnedal.example"),
        ("frequency", "weekly"),
        ("at", "08:00"),
        ("time_zone", "UTC"),
        ("locale", "en"),
    ];
    let r = admin.post(app.url("/app/reports")).form(&form("add", &fields)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let subs = app.db.read(acht::domain::reports::list).await.unwrap();
    assert_eq!(subs.len(), 1);
    let id = subs[0].0.id.to_string();
    assert_eq!(subs[0].0.email, "manager@zonnedal.example");

    let r = admin.post(app.url("/app/reports")).form(&form("send", &[("id", &id)])).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/app/reports?done=sent");
    assert_eq!(delivery.deliver_due().await.sent, 1);
    let mail = Mail { raw: smtp.messages().pop().unwrap() };
    assert_eq!(mail.header("To").as_deref(), Some("manager@zonnedal.example"));

    let changed = [
        ("id", id.as_str()),
        ("email", "manager@zonnedal.example"),
        ("frequency", "daily"),
        ("at", "07:30"),
        ("time_zone", "Europe/Amsterdam"),
        ("survey", "service"),
        ("locale", "nl"),
    ];
    let r = admin.post(app.url("/app/reports")).form(&form("change", &changed)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let s = app.db.read(acht::domain::reports::list).await.unwrap().remove(0);
    assert_eq!((s.0.frequency.as_str(), s.0.send_minute, s.1.as_deref()), ("daily", 450, Some("service")));

    admin.post(app.url("/app/reports")).form(&form("pause", &[("id", &id)])).send().await.unwrap();
    let later = app.clock.now() + 3 * 86_400_000;
    assert!(
        app.db.read(move |c| acht::domain::reports::due(c, later)).await.unwrap().is_empty(),
        "nothing due while paused"
    );
    admin.post(app.url("/app/reports")).form(&form("resume", &[("id", &id)])).send().await.unwrap();
    assert_eq!(
        app.db.read(move |c| acht::domain::reports::due(c, later)).await.unwrap().len(),
        1,
        "due again once resumed"
    );
    let page = admin.get(app.url("/app/reports")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("manager@zonnedal.example") && page.contains("07:30"));
}

/// An admin sets the company's name, colour and logo in the app: survey pages, the logo and the
/// colour stylesheet show it at once, another instance on the same PostgreSQL database at its
/// next beat, and a colour white text cannot be read on is refused. On both backends (SQLite has
/// one instance per file).
#[tokio::test]
async fn an_admin_changes_the_branding_and_every_instance_shows_it() {
    for database in common::databases() {
        let second = (database.backend == acht::db::Backend::Postgres).then(|| database.second_instance());
        let app = TestApp::spawn_with(database, |s| s.jobs = Switch::Off).await;
        let other = match second {
            Some(second) => Some(TestApp::spawn_with(second, |s| s.jobs = Switch::Off).await),
            None => None,
        };
        app.create_survey("service", "grade10", &["support"]).await;
        app.user("admin@zonnedal.example", PASSWORD, Role::Admin).await;
        let admin = app.signed_in("admin@zonnedal.example", PASSWORD).await;
        let page = admin.get(app.url("/app/branding")).send().await.unwrap().text().await.unwrap();
        let csrf = common::csrf_of(&page);
        let png: Vec<u8> = [&b"\x89PNG\r\n\x1a\n"[..], &[0u8; 64][..]].concat();
        let send = |company: &str, colour: &str, logo: Option<Vec<u8>>| {
            let mut form = reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .text("company", company.to_string())
                .text("colour", colour.to_string());
            if let Some(bytes) = logo {
                form = form.part("logo", reqwest::multipart::Part::bytes(bytes).file_name("logo.png"));
            }
            admin.post(app.url("/app/branding")).multipart(form).send()
        };
        let r = send("Zonnedal", "#ffee00", None).await.unwrap();
        assert!(r.text().await.unwrap().contains("contrast"), "a colour too light is refused, saying why");
        let r = send("Zonnedal Energie", "#1a5c2e", Some(png.clone())).await.unwrap();
        assert_eq!(r.status(), 303);

        let logo = app.client.get(app.url("/brand/logo")).send().await.unwrap();
        assert_eq!(logo.headers()["content-type"], "image/png");
        assert_eq!(logo.bytes().await.unwrap().to_vec(), png);
        let css = app.client.get(app.url("/brand.css")).send().await.unwrap().text().await.unwrap();
        assert!(css.contains("#1a5c2e"), "{css}");
        let out = app.report("b1", "k1", "support", "nl").await;
        let survey_page = app.client.get(out["invitation"]["survey_url"].as_str().unwrap()).send().await.unwrap();
        assert!(survey_page.text().await.unwrap().contains("alt=\"Zonnedal Energie\""), "the page shows the logo");

        // The other instance takes it up at its beat (every few seconds; here, at once).
        let Some(other) = other else { continue };
        acht::jobs::refresh_branding(&other.state).await;
        let css = other.client.get(other.url("/brand.css")).send().await.unwrap().text().await.unwrap();
        assert!(css.contains("#1a5c2e"), "after its beat: {css}");
        assert_eq!(other.state.branding.get().company, "Zonnedal Energie");
    }
}
