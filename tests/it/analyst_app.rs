//! The analyst app over HTTP, as a browser without JavaScript uses it, on SQLite and
//! PostgreSQL: who may see what, CSRF, sessions that end, throttled sign-in, escaped comments,
//! and figures that match the answers they come from.
use crate::common;

use crate::common::{csrf_of, path_of, TestApp};
use acht::types::Role;
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";
const PAGES: [&str; 7] =
    ["/app", "/app/trends", "/app/trends.csv", "/app/retention", "/app/answers", "/app/answers.csv", "/app/users"];

/// An invitation answered with a form post (a person: counted at once), with a comment.
async fn answered(app: &TestApp, id: &str, customer: &str, score: i32, comment: &str) {
    let out = app.report(id, customer, "support", "nl").await;
    let link = out["invitation"]["survey_url"].as_str().unwrap_or_else(|| panic!("invited: {out}"));
    let r = app
        .client
        .post(app.url(&path_of(link)))
        .form(&[("score", score.to_string()), ("comment", comment.to_string())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "answer posted: {}", r.status());
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_visitors_reach_nothing_but_sign_in() {
    on_every_backend!(anonymous_visitors_reach_nothing_but_sign_in_on);
}
async fn anonymous_visitors_reach_nothing_but_sign_in_on(app: &TestApp) {
    let home = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 303);
    assert_eq!(home.headers()["location"], "/app");
    for page in PAGES {
        let r = app.client.get(app.url(page)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{page}");
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("/signin?next=/app"), "{page} → {to}");
        assert!(r.headers().get("set-cookie").is_none());
    }
    for form in ["/app/users", "/app/language", "/app/signout"] {
        let r =
            app.client.post(app.url(form)).form(&[("csrf", "x"), ("email", "evil@x.example")]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{form}");
        assert_eq!(r.headers()["location"], "/signin");
    }
    let signin = app.client.get(app.url("/signin")).send().await.unwrap();
    assert_eq!(signin.status(), 200);
    let body = signin.text().await.unwrap();
    assert!(body.contains("type=\"password\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_gives_a_safe_session_and_signing_out_ends_it() {
    on_every_backend!(signing_in_gives_a_safe_session_and_signing_out_ends_it_on);
}
async fn signing_in_gives_a_safe_session_and_signing_out_ends_it_on(app: &TestApp) {
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = app.sign_in(&client, "Ana@Acme.example", PASSWORD).await;
    assert_eq!(r.status(), 303, "email case does not matter");
    assert_eq!(r.headers()["location"], "/app");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|h| h.to_str().unwrap().to_string())
        .find(|c| c.starts_with("acht_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: not Secure (the browser would drop it): {cookie}");
    let page = client.get(app.url("/app")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.headers().contains_key("content-security-policy"));
    let html = page.text().await.unwrap();
    assert!(html.contains("ana@acme.example"));
    // Sign out needs the form's token; without it nothing happens.
    let r = client.post(app.url("/app/signout")).form(&[("csrf", "forged")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(client.get(app.url("/app")).send().await.unwrap().status(), 200, "still signed in");
    let r = client.post(app.url("/app/signout")).form(&[("csrf", csrf_of(&html))]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(client.get(app.url("/app")).send().await.unwrap().status(), 303, "signed out");
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_end_when_idle_and_at_their_absolute_limit() {
    on_every_backend!(sessions_end_when_idle_and_at_their_absolute_limit_on);
}
async fn sessions_end_when_idle_and_at_their_absolute_limit_on(app: &TestApp) {
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let client = app.signed_in("ana@acme.example", PASSWORD).await;
    app.clock.advance_ms(59 * 60_000);
    assert_eq!(client.get(app.url("/app")).send().await.unwrap().status(), 200, "59 minutes idle: still live");
    app.clock.advance_ms(59 * 60_000);
    assert_eq!(client.get(app.url("/app")).send().await.unwrap().status(), 200, "used meanwhile: idle clock restarted");
    app.clock.advance_ms(61 * 60_000);
    assert_eq!(client.get(app.url("/app")).send().await.unwrap().status(), 303, "61 minutes idle: ended");
    let client = app.signed_in("ana@acme.example", PASSWORD).await;
    for _ in 0..14 {
        app.clock.advance_ms(55 * 60_000);
        let _ = client.get(app.url("/app")).send().await.unwrap();
    }
    assert_eq!(client.get(app.url("/app")).send().await.unwrap().status(), 303, "used all along, but 12 hours passed");
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_is_throttled_per_account_and_needs_its_form_token() {
    on_every_backend!(sign_in_is_throttled_per_account_and_needs_its_form_token_on);
}
async fn sign_in_is_throttled_per_account_and_needs_its_form_token_on(app: &TestApp) {
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    // A form posted without the token of a form we served (another site's form) is refused.
    let r = client
        .post(app.url("/signin"))
        .form(&[("email", "ana@acme.example"), ("password", PASSWORD), ("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    for _ in 0..5 {
        let r = app.sign_in(&client, "ana@acme.example", "wrong password!").await;
        assert_eq!(r.status(), 401);
        assert!(
            r.text().await.unwrap().contains("horen niet bij een account"),
            "one message for wrong email or password"
        );
    }
    let r = app.sign_in(&client, "ana@acme.example", PASSWORD).await;
    assert_eq!(r.status(), 429, "the right password is refused while throttled");
    app.clock.advance_ms(16 * 60_000);
    let r = app.sign_in(&client, "ana@acme.example", PASSWORD).await;
    assert_eq!(r.status(), 303, "a quarter of an hour later it works");
    let stranger =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = app.sign_in(&stranger, "nobody@acme.example", PASSWORD).await;
    assert_eq!(r.status(), 401, "an unknown account reads like a wrong password");
}

#[tokio::test(flavor = "multi_thread")]
async fn analysts_cannot_do_admin_things_and_admins_need_the_token() {
    on_every_backend!(analysts_cannot_do_admin_things_and_admins_need_the_token_on);
}
async fn analysts_cannot_do_admin_things_and_admins_need_the_token_on(app: &TestApp) {
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    app.user("root@acme.example", PASSWORD, Role::Admin).await;
    let analyst = app.signed_in("ana@acme.example", PASSWORD).await;
    let page = analyst.get(app.url("/app")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("/app/users"), "no admin link for an analyst");
    assert_eq!(analyst.get(app.url("/app/users")).send().await.unwrap().status(), 403);
    let r = analyst
        .post(app.url("/app/users"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("email", "eve@acme.example"),
            ("role", "admin"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let admin = app.signed_in("root@acme.example", PASSWORD).await;
    let page = admin.get(app.url("/app/users")).send().await.unwrap().text().await.unwrap();
    let form = |csrf: String| {
        vec![
            ("csrf", csrf),
            ("email", "bo@acme.example".into()),
            ("role", "analyst".into()),
            ("password", PASSWORD.into()),
        ]
    };
    let r = admin.post(app.url("/app/users")).form(&form("forged".into())).send().await.unwrap();
    assert_eq!(r.status(), 403, "no token, no account");
    let r = admin.post(app.url("/app/users")).form(&form(csrf_of(&page))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let users = app.db.read(acht::domain::users::list).await.unwrap();
    let emails: Vec<&str> = users.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(emails, ["ana@acme.example", "root@acme.example", "bo@acme.example"], "eve was never created");
    app.signed_in("bo@acme.example", PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_with_markup_show_as_text_and_search_finds_them() {
    on_every_backend!(comments_with_markup_show_as_text_and_search_finds_them_on);
}
async fn comments_with_markup_show_as_text_and_search_finds_them_on(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    answered(app, "i1", "c1", 4, "<script>alert('x')</script> te laat & 100% fout").await;
    answered(app, "i2", "c2", 9, "Snel geholpen").await;
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let client = app.signed_in("ana@acme.example", PASSWORD).await;
    let all = client.get(app.url("/app/answers")).send().await.unwrap().text().await.unwrap();
    assert!(!all.contains("<script>alert"), "markup is never sent as markup");
    assert!(
        all.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; te laat &#38; 100% fout"),
        "shown as text, escaped: {all}"
    );
    let found = client.get(app.url("/app/answers?q=100%25")).send().await.unwrap().text().await.unwrap();
    assert!(found.contains("te laat") && !found.contains("Snel geholpen"), "search matches the literal %");
    let none = client.get(app.url("/app/answers?q=snel&score=4")).send().await.unwrap().text().await.unwrap();
    assert!(!none.contains("Snel geholpen") && !none.contains("te laat"));
    let csv = client.get(app.url("/app/answers.csv?survey=service")).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "header and two answers: {csv}");
    assert!(
        csv.contains(",<script>alert('x')</script> te laat & 100% fout,"),
        "comments are exported as written: {csv}"
    );
    let bad = client.get(app.url("/app/answers?state=maybe")).send().await.unwrap();
    assert_eq!(bad.status(), 422, "an unknown filter value is an error, not everything");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_language_is_the_users_choice() {
    on_every_backend!(the_language_is_the_users_choice_on);
}
async fn the_language_is_the_users_choice_on(app: &TestApp) {
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let client = app.signed_in("ana@acme.example", PASSWORD).await;
    let page = client.get(app.url("/app")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<html lang=\"en\"") && page.contains("Overview"));
    let r = client
        .post(app.url("/app/language"))
        .form(&[("csrf", csrf_of(&page).as_str()), ("lang", "nl"), ("back", "/app/trends")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/app/trends");
    let page = client.get(app.url("/app")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<html lang=\"nl\"") && page.contains("Overzicht"));
    let r = client
        .post(app.url("/app/language"))
        .form(&[("csrf", csrf_of(&page).as_str()), ("lang", "nl"), ("back", "https://evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/app", "never sent to another site");
}

/// The language form changes nothing without this session's own token: not with none, not
/// with a made-up one, not with another signed-in user's valid token.
#[tokio::test(flavor = "multi_thread")]
async fn the_language_form_refuses_a_forged_or_another_sessions_token() {
    let app = TestApp::spawn(common::sqlite()).await;
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    app.user("bob@acme.example", PASSWORD, Role::Analyst).await;
    let ana = app.signed_in("ana@acme.example", PASSWORD).await;
    let bob = app.signed_in("bob@acme.example", PASSWORD).await;
    let bobs_page = bob.get(app.url("/app")).send().await.unwrap().text().await.unwrap();
    let anas_page = ana.get(app.url("/app")).send().await.unwrap().text().await.unwrap();
    let (bobs_token, anas_token) = (csrf_of(&bobs_page), csrf_of(&anas_page));
    assert_ne!(bobs_token, anas_token, "a token per session");
    let mut forged = anas_token.clone().into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    for token in [None, Some(""), Some("x"), Some(forged.as_str()), Some(bobs_token.as_str())] {
        let mut form = vec![("lang", "nl"), ("back", "/app")];
        form.extend(token.map(|t| ("csrf", t)));
        let r = ana.post(app.url("/app/language")).form(&form).send().await.unwrap();
        let refused = if token.is_none() { [400, 403].as_slice() } else { &[403] };
        assert!(refused.contains(&r.status().as_u16()), "token {token:?}: {}", r.status());
        let page = ana.get(app.url("/app")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("<html lang=\"en\""), "token {token:?} changed the language");
    }
    // Her own token works.
    let form = [("csrf", anas_token.as_str()), ("lang", "nl"), ("back", "/app")];
    assert_eq!(ana.post(app.url("/app/language")).form(&form).send().await.unwrap().status(), 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn trend_figures_count_what_counts_and_match_a_rebuild() {
    on_every_backend!(trend_figures_count_what_counts_and_match_a_rebuild_on);
}
async fn trend_figures_count_what_counts_and_match_a_rebuild_on(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    // Four people answer with a form (counted); one link click stays unverified.
    for (k, score) in [8, 9, 6, 8].into_iter().enumerate() {
        answered(app, &format!("i{k}"), &format!("c{k}"), score, "").await;
    }
    let out = app.report("i9", "c9", "support", "nl").await;
    let link = out["invitation"]["score_urls"][2]["url"].as_str().unwrap().to_string();
    let r = app.client.get(&link).send().await.unwrap();
    assert!(r.status().is_success());
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let client = app.signed_in("ana@acme.example", PASSWORD).await;
    // Invitations count on the day they are sent (after the survey's delay, maybe tomorrow):
    // a period from yesterday to the day after tomorrow holds them all.
    let today = acht::domain::rollups::day_of(app.clock.now());
    let day = |d: i64| acht::domain::figures::date(d).format("%Y-%m-%d").to_string();
    let query = format!("/app/trends.csv?grain=day&from={}&to={}", day(today - 1), day(today + 2));
    let csv = client.get(app.url(&query)).send().await.unwrap().text().await.unwrap();
    let rows: Vec<Vec<String>> = csv.lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect();
    assert_eq!(rows.len(), 4, "four days: {csv}");
    let sum = |col: usize| rows.iter().map(|r| r[col].parse::<u64>().unwrap()).sum::<u64>();
    assert_eq!(sum(2), 4, "four counted answers, not the unverified one: {csv}");
    let today_row = &rows[1];
    assert_eq!(today_row[4], "7.750000", "mean of 8, 9, 6, 8: {csv}");
    assert_eq!(sum(15), 5, "five invited: {csv}");
    assert_eq!(sum(16), 4, "four of them answered: {csv}");
    // The kept rollups equal the ones rebuilt from the answers.
    let survey_id = app.db.read(|c| acht::domain::surveys::get(c, "service")).await.unwrap().id;
    let filter = acht::domain::figures::Filter { from_day: 0, to_day: i64::MAX / 2, ..Default::default() };
    let f = filter.clone();
    let kept = app.db.read(move |c| acht::domain::figures::days(c, survey_id, &f)).await.unwrap();
    let now = app.clock.now();
    app.db.write(move |c| acht::domain::rollups::rebuild(c, now, &|_| {})).await.unwrap();
    let rebuilt = app.db.read(move |c| acht::domain::figures::days(c, survey_id, &filter)).await.unwrap();
    assert_eq!(kept, rebuilt);
    let page = client.get(app.url("/app/trends?grain=day")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("7.75"), "chart and table show the figures");
}

#[tokio::test(flavor = "multi_thread")]
async fn over_https_the_session_cookie_is_secure() {
    let database = common::sqlite();
    let app = TestApp::spawn_with(database, |s| s.base_url = Some("https://acht.example".into())).await;
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = client.get(app.url("/signin")).send().await.unwrap();
    let form_cookie = form.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(form_cookie.contains("Secure") && form_cookie.contains("HttpOnly"), "{form_cookie}");
    let page = form.text().await.unwrap();
    let r = client
        .post(app.url("/signin"))
        .header("Cookie", form_cookie.split(';').next().unwrap())
        .form(&[("email", "ana@acme.example"), ("password", PASSWORD), ("csrf", &csrf_of(&page)), ("next", "/app")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|h| h.to_str().unwrap().to_string())
        .find(|c| c.starts_with("acht_session="))
        .unwrap();
    assert!(
        session.contains("Secure") && session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(r.headers().contains_key("strict-transport-security"));
}

/// Counted answers of the survey in the rollups, summed over all days.
async fn rolled_up(app: &TestApp, slug: &str) -> u64 {
    let slug = slug.to_string();
    app.db
        .read(move |c| {
            let id = acht::domain::surveys::get(c, &slug)?.id;
            let f = acht::domain::figures::Filter { from_day: 0, to_day: 1 << 40, ..Default::default() };
            Ok::<_, acht::domain::DomainError>(
                acht::domain::figures::days(c, id, &f)?.values().map(|d| d.answers()).sum::<u64>(),
            )
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dwell_enters_the_rollups_once_its_quiet_window_passes() {
    on_every_backend!(a_dwell_enters_the_rollups_once_its_quiet_window_passes_on);
}
async fn a_dwell_enters_the_rollups_once_its_quiet_window_passes_on(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let out = app.report("i1", "c1", "support", "nl").await;
    let link = out["invitation"]["score_urls"][6]["url"].as_str().unwrap().to_string();
    assert!(app.client.get(&link).send().await.unwrap().status().is_success());
    let page = path_of(out["invitation"]["survey_url"].as_str().unwrap());
    for (kind, visible) in [("loaded", None), ("dwell", Some("2100"))] {
        let mut form = vec![("kind", kind)];
        if let Some(v) = visible {
            form.push(("visible_ms", v));
        }
        let r = app.client.post(app.url(&format!("{page}/beacon"))).form(&form).send().await.unwrap();
        assert!(r.status().is_success());
    }
    acht::jobs::sweep(&app.state).await;
    assert_eq!(rolled_up(app, "service").await, 0, "provisional: not yet");
    app.clock.advance_ms(61_000);
    acht::jobs::sweep(&app.state).await;
    assert_eq!(rolled_up(app, "service").await, 1, "the quiet window passed: counted, and rolled up by the sweep");
    acht::jobs::sweep(&app.state).await;
    assert_eq!(rolled_up(app, "service").await, 1, "once");
}

/// Two app instances on one PostgreSQL database, each with its own pool and transactions (in
/// this test's process, so their clocks can be moved; the two-process tests are in delivery.rs
/// and foundation.rs), run their sweeps at the same moments (settling provisional answers, then
/// expiring lapsed invitations): every answer is counted once, and the rollups they kept equal a
/// rebuild from the answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_sweeping_at_once_count_every_answer_once() {
    let Some(database) = common::postgres() else { return };
    let second = database.second_instance();
    let off = |s: &mut acht::config::Settings| s.jobs = acht::config::Switch::Off;
    let a = TestApp::spawn_with(database, off).await;
    let b = TestApp::spawn_with(second, off).await;
    a.create_survey("service", "grade10", &["support"]).await;
    const ANSWERED: usize = 120;
    for k in 0..ANSWERED + 30 {
        let out = a.report(&format!("i{k}"), &format!("c{k}"), "support", "nl").await;
        if k >= ANSWERED {
            continue; // never answered: these expire
        }
        let link = out["invitation"]["score_urls"][k % 10]["url"].as_str().unwrap().to_string();
        let app = if k % 2 == 0 { &a } else { &b };
        assert!(app.client.get(app.url(&path_of(&link))).send().await.unwrap().status().is_success());
        let page = path_of(out["invitation"]["survey_url"].as_str().unwrap());
        for (kind, visible) in [("loaded", None), ("dwell", Some("2100"))] {
            let mut form = vec![("kind", kind)];
            form.extend(visible.map(|v| ("visible_ms", v)));
            app.client.post(app.url(&format!("{page}/beacon"))).form(&form).send().await.unwrap();
        }
    }
    let survey_id = a.db.read(|c| acht::domain::surveys::get(c, "service")).await.unwrap().id;
    let filter = acht::domain::figures::Filter { from_day: 0, to_day: i64::MAX / 2, ..Default::default() };
    for wait_ms in [61_000, 15 * 86_400_000] {
        a.clock.advance_ms(wait_ms);
        b.clock.advance_ms(wait_ms);
        for _ in 0..3 {
            tokio::join!(acht::jobs::sweep(&a.state), acht::jobs::sweep(&b.state));
        }
        let f = filter.clone();
        let kept = a.db.read(move |c| acht::domain::figures::days(c, survey_id, &f)).await.unwrap();
        let answers: u64 = kept.values().map(|d| d.answers()).sum();
        assert_eq!(answers, ANSWERED as u64, "every provisional answer counted once");
        let now = a.clock.now();
        a.db.write(move |c| acht::domain::rollups::rebuild(c, now, &|_| {})).await.unwrap();
        let f = filter.clone();
        let rebuilt = a.db.read(move |c| acht::domain::figures::days(c, survey_id, &f)).await.unwrap();
        assert_eq!(kept, rebuilt, "after sweeps {wait_ms} ms on");
    }
    let counted = a.responses("?state=counted&limit=500").await["data"].as_array().unwrap().len();
    assert_eq!(counted, ANSWERED);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stored_analysis_follows_new_answers_in_the_background() {
    // The jobs are run by hand here: the server's own would race the steps.
    for database in common::databases() {
        let app = TestApp::spawn_with(database, |s| s.jobs = acht::config::Switch::Off).await;
        the_stored_analysis_follows_new_answers_in_the_background_on(&app).await;
    }
}
async fn the_stored_analysis_follows_new_answers_in_the_background_on(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    answered(app, "i1", "c1", 8, "").await;
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let client = app.signed_in("ana@acme.example", PASSWORD).await;
    acht::jobs::refresh_analyses(&app.state).await;
    let stored = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            db.read(|c| {
                let s = acht::domain::surveys::get(c, "service")?;
                acht::domain::retention::stored(c, s.id)
            })
            .await
            .unwrap()
            .expect("stored")
        }
    };
    let first = stored(app).await;
    let page = client.get(app.url("/app/retention")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"finding\"") && !page.contains("new answers or churn since"), "fresh");
    answered(app, "i2", "c2", 9, "").await;
    let page = client.get(app.url("/app/retention")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("new answers or churn since"), "the page says a newer analysis is coming");
    acht::jobs::refresh_analyses(&app.state).await;
    assert_eq!(stored(app).await.computed_at, first.computed_at, "not more often than every 5 minutes");
    app.clock.advance_ms(5 * 60_000);
    acht::jobs::refresh_analyses(&app.state).await;
    let second = stored(app).await;
    assert!(second.data_version > first.data_version, "computed from the data with the new answer");
    assert!(second.computed_at > first.computed_at);
    let page = client.get(app.url("/app/retention")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("new answers or churn since"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_counts_in_the_segment_its_invitation_was_made_in() {
    on_every_backend!(an_answer_counts_in_the_segment_its_invitation_was_made_in_on);
}
async fn an_answer_counts_in_the_segment_its_invitation_was_made_in_on(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let report = |id: &str, plan: &str| {
        serde_json::json!({"id": id, "touchpoint": "support", "channel": "phone",
            "customer": {"id": "c1", "email": "c1@example.test", "attributes": {"plan": plan}}})
    };
    let first = app.post_json("/api/v1/interactions", &report("i1", "basic")).await;
    let first: serde_json::Value = first.json().await.unwrap();
    // The customer moves to another plan before answering the first invitation.
    let r = app.post_json("/api/v1/interactions", &report("i2", "pro")).await;
    assert!(r.status().is_success());
    let page = path_of(first["invitation"]["survey_url"].as_str().unwrap());
    let r = app.client.post(app.url(&page)).form(&[("score", "7")]).send().await.unwrap();
    assert!(r.status().is_success());
    let r = app.client.post(app.url(&page)).form(&[("score", "9")]).send().await.unwrap();
    assert!(r.status().is_success(), "a changed score moves within the same segment");
    let counts = |segment: &'static str| {
        let db = app.db.clone();
        async move {
            db.read(move |c| {
                let id = acht::domain::surveys::get(c, "service")?.id;
                let f = acht::domain::figures::Filter {
                    segment: Some(segment.to_string()),
                    from_day: 0,
                    to_day: 1 << 40,
                    ..Default::default()
                };
                let days = acht::domain::figures::days(c, id, &f)?;
                let (mut answers, mut nines, mut responded) = (0, 0, 0);
                for d in days.values() {
                    answers += d.answers();
                    nines += d.scores[9];
                    responded += d.responded;
                }
                Ok::<_, acht::domain::DomainError>((answers, nines, responded))
            })
            .await
            .unwrap()
        }
    };
    assert_eq!(counts("plan=basic").await, (1, 1, 1), "answer and response where the invitation was counted");
    assert_eq!(counts("plan=pro").await, (0, 0, 0), "nothing under the plan the customer moved to");
    let now = app.clock.now();
    app.db.write(move |c| acht::domain::rollups::rebuild(c, now, &|_| {})).await.unwrap();
    assert_eq!(counts("plan=basic").await, (1, 1, 1), "a rebuild agrees");
    assert_eq!(counts("plan=pro").await, (0, 0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn dates_beyond_the_calendar_are_ignored_not_looped_over() {
    let database = common::sqlite();
    let app = TestApp::spawn(database).await;
    app.create_survey("service", "grade10", &["support"]).await;
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let client = app.signed_in("ana@acme.example", PASSWORD).await;
    for q in ["grain=month&to=%2B262142-12-31", "grain=day&from=0001-01-01&to=9999-12-31", "grain=week&from=banana"] {
        let r = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            client.get(app.url(&format!("/app/trends?{q}"))).send(),
        )
        .await
        .expect("answers in time")
        .unwrap();
        assert_eq!(r.status(), 200, "{q}");
    }
}

/// Every filter combination of the answer list is served by an index that leads with its
/// filters and ends in the list's order (SQLite's EXPLAIN QUERY PLAN of the very query the page
/// runs, captured through diesel's instrumentation): no scan of the whole table, and no sort of
/// everything it matched, except for a comment search, whose matches (at most a few thousand)
/// come from the full-text index by id and are sorted.
#[tokio::test(flavor = "multi_thread")]
async fn every_answer_filter_has_an_index_in_the_lists_order() {
    use acht::domain::answers::{browse, BrowseFilter};
    use diesel::connection::{Connection, InstrumentationEvent};
    use diesel::RunQueryDsl;
    let app = TestApp::spawn(common::sqlite()).await;
    app.create_survey("service", "grade10", &["support"]).await;
    answered(&app, "i1", "c1", 4, "Het pakket kwam te laat").await;
    let survey_id = app.db.read(|c| acht::domain::surveys::get(c, "service")).await.unwrap().id;
    let mut conn = acht::db::DbConn::establish(&app.database_url).unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    conn.set_instrumentation(move |e: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = e {
            log.lock().unwrap().push(query.to_string());
        }
    });
    #[derive(diesel::QueryableByName)]
    struct Step {
        #[diesel(sql_type = diesel::sql_types::Text)]
        detail: String,
    }
    let mut problems = Vec::new();
    let now = app.clock.now();
    for mask in 0..128u32 {
        let on = |bit: u32| mask & (1 << bit) != 0;
        let f = BrowseFilter {
            survey_id: on(0).then_some(survey_id),
            touchpoint: on(1).then(|| "support".to_string()),
            channel: on(2).then(|| "email".to_string()),
            score: on(3).then_some(3),
            state: on(4).then_some(acht::types::AnswerState::Scanner),
            since: on(5).then_some(now - 30 * 86_400_000),
            until: None,
            search: on(6).then(|| "pakket".to_string()),
            now,
            before: Some((now, i64::MAX)),
            limit: 50,
        };
        seen.lock().unwrap().clear();
        browse(&mut conn, &f).unwrap();
        let page_query =
            seen.lock().unwrap().iter().find(|q| q.contains("ORDER BY")).cloned().expect("the page's query");
        let plan: Vec<Step> =
            diesel::sql_query(format!("EXPLAIN QUERY PLAN {}", inline_binds(&page_query))).load(&mut conn).unwrap();
        let plan: Vec<String> = plan.into_iter().map(|s| s.detail).collect();
        let full_scan = plan.iter().any(|d| d == "SCAN responses");
        let sorts = plan.iter().any(|d| d.contains("TEMP B-TREE FOR ORDER BY"));
        let indexed =
            plan.iter().any(|d| d.starts_with("SEARCH responses USING") || d.starts_with("SCAN responses USING"));
        if full_scan || !indexed || (sorts && !on(6)) {
            problems.push(format!("filters {mask:07b}: {plan:?}"));
        }
        // With equality filters, the index used must lead with them (a SEARCH, not a walk over
        // every answer in time order).
        if (on(0) || on(1) || on(2) || on(3) || on(4))
            && !on(6)
            && !plan.iter().any(|d| d.starts_with("SEARCH responses USING"))
        {
            problems.push(format!("filters {mask:07b} walk the whole list: {plan:?}"));
        }
    }
    assert!(problems.is_empty(), "{} combinations without a fitting index:\n{}", problems.len(), problems.join("\n"));
}

/// A captured SQLite query ("SELECT … -- binds: [3, \"support\", Scanner]") with its binds
/// written in as literals, for EXPLAIN: numbers as they are, strings quoted, enum names (how
/// their Debug prints) as their stored lower-case text.
fn inline_binds(captured: &str) -> String {
    let (sql, binds) = captured.split_once(" -- binds: ").unwrap_or((captured, "[]"));
    let mut values = Vec::new();
    let mut chars = binds.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            let mut s = String::from("'");
            while let Some(c) = chars.next() {
                match c {
                    '\\' => s.extend(chars.next()),
                    '"' => break,
                    '\'' => s.push_str("''"),
                    c => s.push(c),
                }
            }
            values.push(s + "'");
        } else if c.is_ascii_digit() || c == '-' || c.is_alphabetic() {
            let mut s = c.to_string();
            while let Some(&n) = chars.peek().filter(|n| n.is_alphanumeric() || **n == '_') {
                s.push(n);
                chars.next();
            }
            values.push(if c.is_alphabetic() { format!("'{}'", s.to_lowercase()) } else { s });
        }
    }
    let mut values = values.into_iter();
    sql.chars().map(|c| if c == '?' { values.next().unwrap_or_else(|| "NULL".into()) } else { c.to_string() }).collect()
}

/// Times are shown in the user's own time zone, which they choose on their account page (and
/// which names itself on every time); an unknown zone is refused.
#[tokio::test(flavor = "multi_thread")]
async fn times_show_in_the_users_time_zone() {
    let app = TestApp::spawn(common::sqlite()).await;
    app.create_survey("service", "grade10", &["support"]).await;
    answered(&app, "i1", "c1", 8, "Prima").await;
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let client = app.signed_in("ana@acme.example", PASSWORD).await;
    let page = client.get(app.url("/app/answers")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(" CET") || page.contains(" CEST"), "Amsterdam by default, named");
    let account = client.get(app.url("/app/account")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&account);
    let r = client
        .post(app.url("/app/account/time-zone"))
        .form(&[("csrf", csrf.as_str()), ("time_zone", "America/New_York")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = client.get(app.url("/app/answers")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(" EST") || page.contains(" EDT"), "now in New York time");
    let r = client
        .post(app.url("/app/account/time-zone"))
        .form(&[("csrf", csrf.as_str()), ("time_zone", "Mars/Olympus_Mons")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "an unknown zone is refused");
}

/// A CR, LF or other control character in a `next` or `back` address cannot split or break the
/// Location header: the user lands on the overview, signed in, the language saved.
#[tokio::test(flavor = "multi_thread")]
async fn control_characters_in_next_and_back_fall_back_to_the_overview() {
    on_every_backend!(control_characters_in_next_and_back_fall_back_to_the_overview_on);
}
async fn control_characters_in_next_and_back_fall_back_to_the_overview_on(app: &TestApp) {
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let mut client = reqwest::Client::new();
    for next in ["/app\r\nSet-Cookie: evil=1", "/app/trends\n", "/app\u{7}"] {
        client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = client.get(app.url("/signin")).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_of(&page);
        let r = client
            .post(app.url("/signin"))
            .form(&[("email", "ana@acme.example"), ("password", PASSWORD), ("csrf", &csrf), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(r.headers()["location"], "/app", "{next:?}");
        assert!(r.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().contains("evil")));
    }
    let overview = client.get(app.url("/app")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&overview);
    let r = client
        .post(app.url("/app/language"))
        .form(&[("csrf", csrf.as_str()), ("lang", "nl"), ("back", "/app/answers\r\nX-Evil: 1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/app");
    assert!(client.get(app.url("/app")).send().await.unwrap().text().await.unwrap().contains("lang=\"nl\""));
}

/// Five wrong passwords from a stranger's address throttle that address for the account, not
/// the account: its owner, elsewhere, signs in at once.
#[tokio::test(flavor = "multi_thread")]
async fn a_stranger_cannot_lock_an_account() {
    on_every_backend_with!(a_stranger_cannot_lock_an_account_on, |s| s.trusted_proxy =
        vec!["127.0.0.1".parse().unwrap()]);
}
async fn a_stranger_cannot_lock_an_account_on(app: &TestApp) {
    app.user("ana@acme.example", PASSWORD, Role::Admin).await;
    let attempt = |from: &'static str, password: &'static str| async move {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = client.get(app.url("/signin")).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_of(&page);
        client
            .post(app.url("/signin"))
            .header("X-Forwarded-For", from)
            .form(&[("email", "ana@acme.example"), ("password", password), ("csrf", &csrf)])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    for _ in 0..5 {
        assert_eq!(attempt("203.0.113.66", "wrong password!").await, 401);
    }
    assert_eq!(attempt("203.0.113.66", PASSWORD).await, 429, "the stranger's address is throttled");
    assert_eq!(attempt("198.51.100.7", PASSWORD).await, 303, "the owner, elsewhere, is not");
    assert_eq!(attempt("203.0.113.66", PASSWORD).await, 429, "and the owner's sign-in does not free the stranger");
    // An admin can unlock: the account's failed sign-ins are forgotten everywhere.
    common::acht_ok(&app.database_url, &["user", "unlock", "ana@acme.example"]);
    assert_eq!(attempt("203.0.113.66", PASSWORD).await, 303, "unlocked");
}

/// An admin disables and enables an account, changes its role and gives it a new password on
/// the Users page; each ends the account's sessions, a disabled account cannot sign in, and an
/// admin cannot disable or demote themselves.
#[tokio::test(flavor = "multi_thread")]
async fn admins_disable_reassign_and_reset_accounts_and_their_sessions_end() {
    on_every_backend!(admins_manage_accounts);
}
async fn admins_manage_accounts(app: &TestApp) {
    app.user("boss@acme.example", PASSWORD, Role::Admin).await;
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let boss = app.signed_in("boss@acme.example", PASSWORD).await;
    let act = |action: &'static str, email: &'static str| {
        let boss = boss.clone();
        async move {
            let page = boss.get(app.url("/app/users")).send().await.unwrap().text().await.unwrap();
            let csrf = csrf_of(&page);
            let r = boss
                .post(app.url("/app/users/action"))
                .form(&[("csrf", csrf.as_str()), ("email", email), ("action", action)])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{action} {email}");
            r.text().await.unwrap()
        }
    };
    let signed_in = |client: reqwest::Client| async move { client.get(app.url("/app")).send().await.unwrap().status() };
    let ana = app.signed_in("ana@acme.example", PASSWORD).await;
    assert_eq!(signed_in(ana.clone()).await, 200);
    act("disable", "ana@acme.example").await;
    assert_eq!(signed_in(ana.clone()).await, 303, "a disabled account's session ended");
    let fresh =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(app.sign_in(&fresh, "ana@acme.example", PASSWORD).await.status(), 401, "and it cannot sign in");
    act("enable", "ana@acme.example").await;
    let ana = app.signed_in("ana@acme.example", PASSWORD).await;
    assert_eq!(ana.get(app.url("/app/users")).send().await.unwrap().status(), 403, "an analyst");
    act("role-admin", "ana@acme.example").await;
    assert_eq!(signed_in(ana.clone()).await, 303, "a role change ends the sessions");
    let ana = app.signed_in("ana@acme.example", PASSWORD).await;
    assert_eq!(ana.get(app.url("/app/users")).send().await.unwrap().status(), 200, "now an admin");
    let page = act("reset-password", "ana@acme.example").await;
    let at = page.find("(shown once): ").or_else(|| page.find("(eenmalig getoond): ")).expect("the new password");
    let new_password: String = page[at..].split(": ").nth(1).unwrap().split(' ').next().unwrap().to_string();
    assert_eq!(signed_in(ana.clone()).await, 303, "a new password ends the sessions");
    let fresh =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(app.sign_in(&fresh, "ana@acme.example", PASSWORD).await.status(), 401, "the old password is gone");
    assert_eq!(app.sign_in(&fresh, "ana@acme.example", &new_password).await.status(), 303, "the new one works");
    let page = act("disable", "boss@acme.example").await;
    assert!(page.contains("another admin") || page.contains("andere beheerder"), "not oneself");
    assert_eq!(signed_in(boss.clone()).await, 200, "the admin is still in");
}

/// The answers' CSV never hands a spreadsheet a formula: a comment that starts with one after
/// blanks a spreadsheet skips (a no-break space, a line feed) or in full-width form is quoted.
#[tokio::test(flavor = "multi_thread")]
async fn comments_that_a_spreadsheet_would_run_are_quoted_in_the_export() {
    on_every_backend!(formula_guard);
}
async fn formula_guard(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    let risky = ["\u{a0}=1+1", "\u{ff1d}SUM(A1)", "\n=cmd", "\u{3000}@SUM(A1)"];
    for (k, comment) in risky.iter().enumerate() {
        answered(app, &format!("f{k}"), &format!("cf{k}"), 5, comment).await;
    }
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let client = app.signed_in("ana@acme.example", PASSWORD).await;
    let csv = client.get(app.url("/app/answers.csv")).send().await.unwrap().text().await.unwrap();
    let mut rows = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let comments: Vec<String> = rows.records().map(|r| r.unwrap()[5].to_string()).collect();
    assert_eq!(comments.len(), risky.len(), "{csv}");
    for c in &comments {
        assert!(c.starts_with('\''), "quoted: {c:?}");
    }
}

/// A comment search with filters gives the answers both select, on every backend (on SQLite the
/// full-text index answers the survey, score, touchpoint and channel itself, and follows a
/// changed score).
#[tokio::test(flavor = "multi_thread")]
async fn a_search_with_filters_finds_what_both_select() {
    on_every_backend!(search_with_filters);
}
async fn search_with_filters(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    app.create_survey("effort", "ces7", &["billing"]).await;
    answered(app, "s1", "c1", 4, "Het pakket kwam laat").await;
    let out = app.report("e1", "ce1", "billing", "nl").await;
    let effort_page = path_of(out["invitation"]["survey_url"].as_str().unwrap());
    let form = |score: i32, comment: &str| vec![("score", score.to_string()), ("comment", comment.to_string())];
    let r = app.client.post(app.url(&effort_page)).form(&form(4, "Pakket kwijt")).send().await.unwrap();
    assert!(r.status().is_success());
    answered(app, "s2", "c2", 9, "Snel geholpen").await;
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let client = app.signed_in("ana@acme.example", PASSWORD).await;
    let count = |query: &'static str| {
        let client = client.clone();
        async move {
            let page =
                client.get(app.url(&format!("/app/answers?{query}"))).send().await.unwrap().text().await.unwrap();
            let at = page.find("Matching answers: ").expect("a count") + "Matching answers: ".len();
            page[at..].split('<').next().unwrap().trim().parse::<u64>().unwrap()
        }
    };
    assert_eq!(count("q=pakket").await, 2);
    assert_eq!(count("q=pakket&survey=service").await, 1);
    assert_eq!(count("q=pakket&survey=effort").await, 1);
    assert_eq!(count("q=pakket&score=4").await, 2);
    assert_eq!(count("q=pakket&score=9").await, 0);
    assert_eq!(count("q=pakket&touchpoint=billing").await, 1);
    assert_eq!(count("q=pakket&touchpoint=delivery").await, 0);
    assert_eq!(count("q=geholpen&survey=service&score=9").await, 1);
    // The customer changes the effort answer's score: the search follows.
    let r = app.client.post(app.url(&effort_page)).form(&form(6, "Pakket kwijt")).send().await.unwrap();
    assert!(r.status().is_success());
    assert_eq!(count("q=pakket&score=6").await, 1);
    assert_eq!(count("q=pakket&score=4").await, 1);
}

/// A word in more comments than are read by id is read a month at a time, newest first (SQLite;
/// PostgreSQL searches its GIN index in one query): for every combination of survey, score,
/// state, time and page boundary, that way lists the same answers in the same order, with the
/// same count, as reading every match by id. The threshold between the two ways is lowered to
/// three matches so that a small world takes both.
#[tokio::test(flavor = "multi_thread")]
async fn a_common_word_read_month_by_month_lists_what_reading_every_match_lists() {
    on_every_backend!(month_by_month_on);
}

async fn month_by_month_on(app: &TestApp) {
    use acht::domain::answers::{browse_counted_with, BrowseFilter};
    common::cli_service_survey(&app.database_url);
    let dir = common::scratch();
    let now = app.clock.now();
    let day = 86_400_000i64;
    let mut customers = String::from("customer_id,email,locale,first_seen_at,churned_at\n");
    let mut responses = String::from("customer_id,survey,score,answered_at,comment\n");
    for k in 0..150i64 {
        customers.push_str(&format!("c{k},c{k}@example.com,nl,2024-01-01T00:00:00Z,\n"));
        // Spread over about nine months, several answers on some moments (ties in time).
        let at = chrono::DateTime::from_timestamp_millis(now - (k * 37 % 270) * day - (k % 3) * 1000).unwrap();
        let comment = if k % 4 == 0 {
            "Het pakket kwam laat"
        } else if k % 4 == 1 {
            "pakketje prima"
        } else {
            "snel"
        };
        responses.push_str(&format!("c{k},service,{},{},{comment}\n", 1 + k % 10, at.to_rfc3339()));
    }
    let (cs, rs) = (dir.0.join("customers.csv"), dir.0.join("responses.csv"));
    std::fs::write(&cs, customers).unwrap();
    std::fs::write(&rs, responses).unwrap();
    common::acht_ok(&app.database_url, &["import", "customers", cs.to_str().unwrap()]);
    common::acht_ok(&app.database_url, &["import", "responses", rs.to_str().unwrap()]);
    // A few live answers this month, with the word: counted (a form) and one still unanswered.
    answered(app, "live-1", "live-c1", 7, "pakket beschadigd").await;
    answered(app, "live-2", "live-c2", 3, "geen pakket ontvangen").await;
    let survey_id = app.db.read(|c| acht::domain::surveys::get(c, "service")).await.unwrap().id;
    let states = [None, Some(acht::types::AnswerState::Counted), Some(acht::types::AnswerState::Unverified)];
    let mut compared = 0;
    for mask in 0..16u32 {
        for state in states {
            let on = |bit: u32| mask & (1 << bit) != 0;
            let f = BrowseFilter {
                survey_id: on(0).then_some(survey_id),
                score: on(1).then_some(1),
                since: on(2).then_some(now - 200 * day),
                until: on(3).then_some(now - 20 * day),
                state,
                search: Some("pakket".into()),
                now,
                limit: 7,
                ..Default::default()
            };
            let mut by_id_cursor: Option<(i64, i64)> = None;
            for page in 0..3 {
                let mut f = f.clone();
                f.before = by_id_cursor;
                let g = f.clone();
                let (by_months, n1) = app.db.read(move |c| browse_counted_with(c, &g, 10_000, 3)).await.unwrap();
                let g = f.clone();
                let (by_ids, n2) = app.db.read(move |c| browse_counted_with(c, &g, 10_000, 1 << 40)).await.unwrap();
                let ids =
                    |v: &[acht::domain::answers::BrowsedAnswer]| v.iter().map(|b| b.response.id).collect::<Vec<_>>();
                assert_eq!(ids(&by_months), ids(&by_ids), "filters {mask:04b} {state:?}, page {page}");
                assert_eq!(n1, n2, "filters {mask:04b} {state:?}, page {page}: the count");
                compared += by_ids.len();
                let Some(last) = by_ids.last() else { break };
                by_id_cursor = Some((last.response.answered_at, last.response.id));
            }
        }
    }
    assert!(compared > 200, "the filters found answers to compare: {compared}");
}

/// The customer page: found by id or by address in any case, it shows the customer's answers
/// with their comments, every interaction with what was decided, and their churn; an answer in
/// the list links to it. Only an admin downloads their data or erases it, and only after typing
/// the customer's id again; afterwards the page says so and the comment is gone.
#[tokio::test(flavor = "multi_thread")]
async fn the_customer_page_shows_one_customer_and_admins_erase_there() {
    on_every_backend!(the_customer_page_on);
}
async fn the_customer_page_on(app: &TestApp) {
    app.create_survey("service", "grade10", &["support"]).await;
    answered(app, "i1", "K-7", 3, "Pakket kwam <b>niet</b>").await;
    answered(app, "i2", "K-8", 9, "prima").await;
    let r = app.post_json("/api/v1/customers/K-7/events", &json!({"kind": "churn"})).await;
    assert!(r.status().is_success());
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    app.user("bea@acme.example", PASSWORD, Role::Admin).await;
    let ana = app.signed_in("ana@acme.example", PASSWORD).await;

    let found = ana.get(app.url("/app/customers?q=K-7@Example.test")).send().await.unwrap();
    assert_eq!(found.status(), 303, "found by address, whatever its case");
    assert_eq!(found.headers()["location"], "/app/customers/K-7");
    let by_id = ana.get(app.url("/app/customers?q=K-7")).send().await.unwrap();
    assert_eq!(by_id.headers()["location"], "/app/customers/K-7");
    let none = ana.get(app.url("/app/customers?q=nobody")).send().await.unwrap();
    assert_eq!(none.status(), 200);
    assert!(none.text().await.unwrap().contains("nobody"), "says whom it did not find");

    let page = ana.get(app.url("/app/customers/K-7")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Pakket kwam ") && !html.contains("<b>niet</b>"), "the comment, escaped");
    assert!(!html.contains("prima"), "nothing of another customer");
    assert!(html.contains("K-7@example.test"));
    assert!(html.contains(">3<span class=\"of\"> / 10</span>"), "the score with its scale");
    assert!(html.contains("uitgenodigd") || html.contains("invited"), "the interaction's decision");
    assert!(!html.contains("/erase"), "no erase form for an analyst");
    let list = ana.get(app.url("/app/answers")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("href=\"/app/customers/K-7\""), "answers link to their customer");
    let unknown = ana.get(app.url("/app/customers/nobody")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(ana.get(app.url("/app/customers/K%2D7/export")).send().await.unwrap().status(), 403);
    let csrf = common::csrf_of(&html);
    let erase = [("csrf", csrf.as_str()), ("confirm", "K-7")];
    let refused = ana.post(app.url("/app/customers/K%2D7/erase")).form(&erase).send().await.unwrap();
    assert_eq!(refused.status(), 403, "an analyst erases nothing");

    let bea = app.signed_in("bea@acme.example", PASSWORD).await;
    let html = bea.get(app.url("/app/customers/K-7")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("/app/customers/K-7/erase"), "an admin has the erase form");
    let export = bea.get(app.url("/app/customers/K%2D7/export")).send().await.unwrap();
    assert_eq!(export.status(), 200);
    assert!(export.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let export: Value = export.json().await.unwrap();
    assert_eq!(export["answers"][0]["comment"], "Pakket kwam <b>niet</b>");
    let csrf = common::csrf_of(&html);
    let wrong = [("csrf", csrf.as_str()), ("confirm", "K-8")];
    let r = bea.post(app.url("/app/customers/K%2D7/erase")).form(&wrong).send().await.unwrap();
    assert_eq!(r.status(), 400, "the wrong id typed: nothing erased");
    let right = [("csrf", csrf.as_str()), ("confirm", "K-7")];
    let r = bea.post(app.url("/app/customers/K%2D7/erase")).form(&right).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let html = bea.get(app.url("/app/customers/K%2D7?erased=1")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("Pakket"), "the comment is gone");
    assert!(!html.contains("K-7@example.test"), "the address is gone");
    assert!(!html.contains("/erase\""), "nothing left to erase");
    // Both are in the audit log, for admins only, without the customer's address.
    let log = bea.get(app.url("/app/audit")).send().await.unwrap().text().await.unwrap();
    assert_eq!(log.matches("user bea@acme.example").count(), 2, "the download and the erasure: {log}");
    assert!(log.contains("href=\"/app/customers/K-7\""));
    assert_eq!(ana.get(app.url("/app/audit")).send().await.unwrap().status(), 403);
}

/// An admin makes an API key in the app: it is shown once (never cached), works for the API as
/// copied from the page, is listed by name afterwards without itself, and is refused once
/// revoked there. An analyst reaches none of it.
#[tokio::test(flavor = "multi_thread")]
async fn an_api_key_made_in_the_app_works_until_revoked_there() {
    on_every_backend!(api_keys_in_the_app_on);
}
async fn api_keys_in_the_app_on(app: &TestApp) {
    app.user("bea@acme.example", PASSWORD, Role::Admin).await;
    app.user("ana@acme.example", PASSWORD, Role::Analyst).await;
    let ana = app.signed_in("ana@acme.example", PASSWORD).await;
    assert_eq!(ana.get(app.url("/app/keys")).send().await.unwrap().status(), 403);
    let bea = app.signed_in("bea@acme.example", PASSWORD).await;
    let page = bea.get(app.url("/app/keys")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    let made = bea.post(app.url("/app/keys")).form(&[("csrf", csrf.as_str()), ("name", "CRM")]).send().await.unwrap();
    assert_eq!(made.status(), 200);
    assert_eq!(made.headers()["cache-control"], "no-store");
    let html = made.text().await.unwrap();
    let start = html.find("id=\"new-key\">").expect("the new key on the page") + "id=\"new-key\">".len();
    let key = html[start..].split('<').next().unwrap().to_string();
    assert!(key.starts_with("acht_") && key.len() > 40, "{key}");
    let api = |key: String| {
        let (client, url) = (app.client.clone(), app.url("/api/v1/surveys"));
        async move { client.get(url).bearer_auth(key).send().await.unwrap().status() }
    };
    assert_eq!(api(key.clone()).await, 200, "the copied key works");
    let later = bea.get(app.url("/app/keys")).send().await.unwrap().text().await.unwrap();
    assert!(later.contains("CRM") && !later.contains(&key), "listed by name, never shown again");
    let id =
        later.split("name=\"id\" value=\"").nth(1).expect("a revoke button").split('"').next().unwrap().to_string();
    let ids: Vec<String> =
        later.split("name=\"id\" value=\"").skip(1).map(|s| s.split('"').next().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 2, "the test's own key and CRM: {ids:?}");
    // The newest first: CRM's button comes first.
    let r = bea
        .post(app.url("/app/keys/revoke"))
        .form(&[("csrf", csrf.as_str()), ("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(api(key).await, 401, "a revoked key is refused");
    assert_eq!(api(app.api_key.clone()).await, 200, "the other key still works");
    let forged = ana.post(app.url("/app/keys/revoke")).form(&[("csrf", "x"), ("id", "1")]).send().await.unwrap();
    assert_eq!(forged.status(), 403);
}
