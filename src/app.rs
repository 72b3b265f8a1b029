//! Building the application: the database handle, the HTTP server on a given listener (port 0
//! in tests) with its middleware, and the background jobs this instance runs.
use crate::clock::{self, SharedClock};
use crate::config::{Branding, Settings, Switch};
use crate::db::{Db, ServerLock};
use crate::domain::{rollups, surveys};
use crate::jobs;
use crate::mail::Mailer;
use crate::web::{self, middleware, AppState};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web::Data, App, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;

/// A boxed error for start-up, where we only report and exit.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

pub struct Application {
    server: Server,
    port: u16,
    state: AppState,
    _lock: Option<ServerLock>,
}

/// How long a stopping instance waits for emails in flight, and then for HTTP requests.
pub const SHUTDOWN_GRACE_SECS: u64 = 20;

/// SIGTERM (an orchestrator's stop) or Ctrl-C.
async fn stop_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C still stops gracefully");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

impl Application {
    /// Opens the database (migrations, id lease), then binds the server to `listener`.
    pub fn build(settings: &Settings, listener: TcpListener) -> Result<Application, StartError> {
        Self::build_with_clock(settings, listener, clock::system())
    }

    /// [`Application::build`] with a given clock, so tests can move time.
    pub fn build_with_clock(
        settings: &Settings,
        listener: TcpListener,
        clock: SharedClock,
    ) -> Result<Application, StartError> {
        let lock = ServerLock::acquire(&settings.database_url)?;
        Self::build_locked(settings, listener, clock, lock)
    }

    /// For a caller that took the SQLite server lock already (`serve --demo` fills the database
    /// first, under the same lock).
    pub fn build_locked(
        settings: &Settings,
        listener: TcpListener,
        clock: SharedClock,
        lock: Option<ServerLock>,
    ) -> Result<Application, StartError> {
        let addr = listener.local_addr()?;
        let base_url = settings.public_base_url(addr)?;
        let db = Db::open_with(&settings.database_url, settings.db_pool_size, settings.db_answer_writers as usize)?;
        let secret = db.write_blocking(surveys::instance_secret)?;
        let now = clock.now_ms();
        if db.write_blocking(move |c| rollups::ensure_built(c, now))? {
            tracing::info!("rollups built from the answers stored before they were kept");
        }
        // The branding: the settings' values, under what an admin stored in the app.
        let brand_base = Branding::from_settings(settings)?;
        let stored = db.read_blocking(crate::domain::branding::stored)?;
        let brand_version = stored.as_ref().map_or(0, |s| s.updated_at);
        let branding = crate::domain::branding::apply(&brand_base, stored.as_ref());
        let state = AppState {
            answers: db.batcher(crate::domain::answers::record_batch),
            db,
            clock,
            base_url,
            secret: Arc::new(secret),
            answer_rules: settings.answer_rules(),
            time_ahead_ms: settings.time_ahead_ms(),
            trusted_proxies: Arc::new(settings.trusted_proxy.clone()),
            session_rules: settings.session_rules(),
            branding: crate::config::BrandingCell::new(branding),
            brand_base: Arc::new(brand_base),
            brand_version: Arc::new(std::sync::atomic::AtomicI64::new(brand_version)),
            stopping: Arc::default(),
            jobs_busy: Arc::default(),
            followup_overdue_days: settings.followup_overdue_days.clamp(1, 365),
        };
        // Delivery::new gives the mailer the instance's branding cell.
        let mailer = Mailer::from_settings(settings)?;
        match &mailer {
            Some(m) => {
                tracing::info!(from = %m.from(), "survey emails and reports go out through the configured mail server")
            }
            None => tracing::info!("no mail server configured (ACHT_SMTP_URL): acht sends no email"),
        }
        if settings.jobs == Switch::Off {
            jobs::spawn_branding_refresh(state.clone(), settings.mail_poll_seconds);
        }
        if settings.jobs == Switch::On {
            jobs::spawn(
                state.clone(),
                jobs::worker::Delivery::new(&state, mailer, settings),
                settings.mail_poll_seconds,
            );
        }
        let https = state.base_url.starts_with("https://");
        let data = Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .wrap(middleware::security_headers(https))
                .wrap(from_fn(middleware::request_id_and_log))
                .configure(web::routes)
                .default_service(actix_web::web::to(web::not_found))
        })
        .listen(listener)?
        // acht handles SIGTERM and Ctrl-C itself (`run`): email first, then HTTP.
        .disable_signals()
        .shutdown_timeout(SHUTDOWN_GRACE_SECS)
        .run();
        Ok(Application { server, port: addr.port(), state, _lock: lock })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The state the server runs with (its database handle and clock), for tests and tools.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or Ctrl-C, then stops gracefully: readiness turns 503 and no new
    /// email is claimed at once; emails being sent get [`SHUTDOWN_GRACE_SECS`] to finish and be
    /// recorded (a restart in the middle of a backlog leaves no claim to wait out); then HTTP
    /// stops, letting requests in flight finish.
    pub async fn run(self) -> std::io::Result<()> {
        let _lock = self._lock;
        let handle = self.server.handle();
        let state = self.state.clone();
        tokio::spawn(async move {
            stop_signal().await;
            state.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
            tracing::info!("stopping: no new email is claimed; emails in flight get {SHUTDOWN_GRACE_SECS} s");
            let grace = std::time::Duration::from_secs(SHUTDOWN_GRACE_SECS);
            if tokio::time::timeout(grace, state.jobs_busy.lock()).await.is_err() {
                tracing::warn!("emails still in flight at the deadline keep their claim (their outcome is unknown)");
            }
            handle.stop(true).await;
        });
        self.server.await
    }
}
