//! Spawns the real app on a random port over a fresh SQLite file or PostgreSQL database.
#![allow(dead_code)]
pub mod browser;
pub mod hooks;
pub mod json;
pub mod server;
pub mod smtp;
pub mod worlds;
use acht::app::Application;
use acht::clock::ManualClock;
use acht::config::Settings;
use acht::db::{self, Backend, Db};
use diesel::RunQueryDsl;
use std::net::TcpListener;
use std::sync::Arc;

pub struct TestApp {
    pub base: String,
    pub api_key: String,
    pub database_url: String,
    pub client: reqwest::Client,
    /// The server's clock: tests move time instead of sleeping.
    pub clock: Arc<ManualClock>,
    /// The server's own database handle.
    pub db: Db,
    /// The server's state, for running its jobs by hand.
    pub state: acht::web::AppState,
    /// Last, so the database goes after the app's handles.
    _database: Database,
}

/// A directory removed on drop.
pub struct TempDir(pub std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh scratch directory under one root (`$TMPDIR/acht-tests`), removed when dropped.
pub fn scratch() -> TempDir {
    let dir = std::env::temp_dir().join("acht-tests").join(unique());
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

pub fn strict() -> bool {
    std::env::var("ACHT_TEST_STRICT").is_ok_and(|v| v == "1")
}

/// Skips the rest of a test for a missing tool or service (returns None), or fails it under
/// `ACHT_TEST_STRICT=1`. The reason is also noted for this run, and the last test of the run
/// (`skipped.rs`) sums the notes up in lines that nextest shows at the end.
pub fn skip<T>(why: &str) -> Option<T> {
    if strict() {
        panic!("ACHT_TEST_STRICT=1 but {why}");
    }
    eprintln!("SKIPPED: {why}");
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(skip_log()) {
        use std::io::Write;
        let test = std::thread::current().name().unwrap_or("?").to_string();
        let _ = writeln!(f, "{test}\t{}", why.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    None
}

/// Where this run's skips are noted: one file per nextest run (`NEXTEST_RUN_ID`).
pub fn skip_log() -> std::path::PathBuf {
    let run = std::env::var("NEXTEST_RUN_ID").unwrap_or_else(|_| format!("pid-{}", std::process::id()));
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("acht-skipped-{run}"))
}

fn unique() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// A fresh, empty database of one backend, removed when dropped: a SQLite file in a scratch
/// directory, or a PostgreSQL database (`DROP DATABASE … WITH (FORCE)`). A failing test keeps
/// its PostgreSQL database and names it, to look at.
pub struct Database {
    pub backend: Backend,
    pub url: String,
    _dir: Option<TempDir>,
    postgres_name: Option<String>,
}

impl Drop for Database {
    fn drop(&mut self) {
        let Some(name) = &self.postgres_name else { return };
        if std::thread::panicking() {
            eprintln!("kept the failing test's database {name}");
            return;
        }
        if let Ok(mut conn) = db::establish(&postgres_admin_url()) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
        }
    }
}

impl Database {
    /// The same database for a second instance; the first keeps it (and removes it).
    pub fn second_instance(&self) -> Database {
        Database { backend: self.backend, url: self.url.clone(), _dir: None, postgres_name: None }
    }
}

/// A fresh SQLite database.
pub fn sqlite() -> Database {
    let dir = scratch();
    let url = format!("sqlite://{}", dir.0.join("acht.db").display());
    Database { backend: Backend::Sqlite, url, _dir: Some(dir), postgres_name: None }
}

fn postgres_admin_url() -> String {
    std::env::var("ACHT_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh PostgreSQL database, or None (skip) when no server is reachable and not strict.
pub fn postgres() -> Option<Database> {
    let admin = postgres_admin_url();
    let mut conn = match db::establish(&admin) {
        Ok(c) => c,
        Err(e) => return skip(&format!("PostgreSQL is unreachable at {admin} (set ACHT_TEST_PG_URL): {e}")),
    };
    let name = format!("acht_test_{}", unique());
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).expect("create test database");
    let url = db::with_database(&admin, &name);
    Some(Database { backend: Backend::Postgres, url, _dir: None, postgres_name: Some(name) })
}

/// The one way over backends: a fresh database on each available one (SQLite, then
/// PostgreSQL when reachable).
pub fn databases() -> Vec<Database> {
    let mut out = vec![sqlite()];
    out.extend(postgres());
    out
}

/// Runs a scenario `async fn(&TestApp)` on every available backend, each with a fresh app.
#[allow(unused_macros)]
macro_rules! on_every_backend {
    ($scenario:ident) => {
        for database in common::databases() {
            eprintln!("running {} on {:?}", stringify!($scenario), database.backend);
            let app = common::TestApp::spawn(database).await;
            $scenario(&app).await;
        }
    };
}

/// [`on_every_backend`] with the settings changed by `tune` first.
#[allow(unused_macros)]
macro_rules! on_every_backend_with {
    ($scenario:ident, $tune:expr) => {
        for database in common::databases() {
            eprintln!("running {} on {:?}", stringify!($scenario), database.backend);
            let app = common::TestApp::spawn_with(database, $tune).await;
            $scenario(&app).await;
        }
    };
}

impl TestApp {
    /// The app in this process (its clock and jobs in the test's hands) over `database`.
    pub async fn spawn(database: Database) -> TestApp {
        Self::spawn_with(database, |_| {}).await
    }

    /// [`TestApp::spawn`] with settings changed by `tune` first.
    pub async fn spawn_with(database: Database, tune: impl FnOnce(&mut Settings)) -> TestApp {
        let database_url = database.url.clone();
        let mut settings = Settings::for_database(&database_url);
        settings.db_pool_size = 4;
        tune(&mut settings);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let clock = ManualClock::at_system_now();
        let app = Application::build_with_clock(&settings, listener, clock.clone()).expect("app builds");
        let state = app.state().clone();
        let db = state.db.clone();
        tokio::spawn(app.run());
        let now = clock.now();
        let api_key = db.write(move |c| acht::domain::apikeys::create(c, "test", now)).await.unwrap();
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            api_key,
            database_url,
            client,
            clock,
            db,
            state,
            _database: database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client.post(self.url(path)).bearer_auth(&self.api_key).json(body).send().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).bearer_auth(&self.api_key).send().await.unwrap()
    }

    pub async fn create_survey(&self, slug: &str, scale: &str, touchpoints: &[&str]) -> serde_json::Value {
        let r = self
            .post_json(
                "/api/v1/surveys",
                &serde_json::json!({
                    "slug": slug, "scale": scale,
                    "texts": {"nl": {"question": "Welk cijfer geeft u ons?"}, "en": {"question": "What grade would you give us?"}},
                    "touchpoints": touchpoints
                }),
            )
            .await;
        assert_eq!(r.status(), 201, "survey created");
        r.json().await.unwrap()
    }

    /// Reports one interaction and returns the API's answer.
    pub async fn report(&self, id: &str, customer: &str, touchpoint: &str, locale: &str) -> serde_json::Value {
        let r = self
            .post_json(
                "/api/v1/interactions",
                &serde_json::json!({
                    "id": id, "touchpoint": touchpoint,
                    "customer": {"id": customer, "email": format!("{customer}@example.test"), "locale": locale}
                }),
            )
            .await;
        assert!(r.status().is_success(), "interaction reported: {}", r.status());
        r.json().await.unwrap()
    }

    /// A survey that asks every time (no delay, no fatigue), so one customer can answer it
    /// again and again.
    pub async fn create_eager_survey(&self, slug: &str, scale: &str, touchpoints: &[&str]) {
        let r = self
            .post_json(
                "/api/v1/surveys",
                &serde_json::json!({
                    "slug": slug, "scale": scale, "delay_minutes": 0,
                    "fatigue_survey_days": 0, "fatigue_global_days": 0,
                    "texts": {"nl": {"question": "Welk cijfer geeft u ons?"}, "en": {"question": "What grade would you give us?"}},
                    "touchpoints": touchpoints
                }),
            )
            .await;
        assert_eq!(r.status(), 201, "survey created");
    }

    /// `customer` answers `score` (with `comment`) on the survey page after interaction `id`:
    /// the form post, counted at once. The score must be on the survey's scale.
    pub async fn answer(&self, id: &str, customer: &str, touchpoint: &str, score: i32, comment: &str) {
        let out = self.report(id, customer, touchpoint, "nl").await;
        assert_eq!(out["decision"], "invited", "{id}: {out}");
        let link = out["invitation"]["score_urls"][0]["url"].as_str().unwrap();
        let form = path_of(link).rsplit_once('/').unwrap().0.to_string();
        let r = self
            .client
            .post(self.url(&form))
            .form(&[("score", score.to_string()), ("comment", comment.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{customer} answers {score}");
    }

    /// Creates an account straight in the database.
    pub async fn user(&self, email: &str, password: &str, role: acht::types::Role) {
        let (e, p, now) = (email.to_string(), password.to_string(), self.clock.now());
        self.db.write(move |c| acht::domain::users::create(c, &e, &p, role, "en", now)).await.unwrap();
    }

    /// A cookie-keeping client signed in as `email` through the sign-in form.
    pub async fn signed_in(&self, email: &str, password: &str) -> reqwest::Client {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = self.sign_in(&client, email, password).await;
        assert_eq!(r.status(), 303, "signed in as {email}");
        client
    }

    /// Opens the sign-in form (for its CSRF token and cookie) and posts it.
    pub async fn sign_in(&self, client: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
        let page = client.get(self.url("/signin")).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_of(&page);
        client
            .post(self.url("/signin"))
            .form(&[("email", email), ("password", password), ("csrf", &csrf), ("next", "/app")])
            .send()
            .await
            .unwrap()
    }

    pub async fn responses(&self, query: &str) -> serde_json::Value {
        let r = self.get_json(&format!("/api/v1/responses{query}")).await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }
}

/// Strips the base URL so tests can follow links the API returns.
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_string()
}

/// Runs the real `acht` binary against `url`.
pub fn acht_cli(url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_acht")).env("DATABASE_URL", url).args(args).output().unwrap()
}

/// Runs `acht` and returns its stdout, failing the test if it failed.
pub fn acht_ok(url: &str, args: &[&str]) -> String {
    let out = acht_cli(url, args);
    assert!(out.status.success(), "acht {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Defines a survey through the CLI, triggered by the `support` touchpoint.
pub fn cli_survey(url: &str, slug: &str, scale: &str) {
    let args =
        ["survey", "create", "--slug", slug, "--scale", scale, "--question-nl", "Cijfer?", "--question-en", "Grade?"];
    acht_ok(url, &[&args[..], &["--touchpoint", "support"]].concat());
}

/// Defines the `service` survey (grade10, triggered by `support`) through the CLI.
pub fn cli_service_survey(url: &str) {
    cli_survey(url, "service", "grade10");
}

/// Waits until `url` answers at all (a started process is listening), for at most 20 s.
pub async fn wait_until_up(client: &reqwest::Client, url: &str) {
    for _ in 0..200 {
        if client.get(url).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{url} did not come up within 20 s");
}

/// The CSRF token in a page's first form.
pub fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
    page[at..].split('"').next().unwrap().to_string()
}

/// Every figure of the app's database equals a rebuild from its answers and invitations
/// (`acht rollups check`): the rollups with their unfolded changes lost and doubled nothing.
pub async fn assert_rollups_rebuild_equal(app: &TestApp) {
    let differences = app.db.read(acht::domain::rollups::check).await.expect("rollups check");
    assert!(differences.is_empty(), "rollups differ from a rebuild:\n{}", differences.join("\n"));
}
