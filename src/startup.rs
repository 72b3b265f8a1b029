//! Building the application: pools, migrations and the HTTP server on a given listener.
use crate::config::Settings;
use crate::db::writer::GroupWriter;
use crate::db::{self, Backend, DbConn, DbPool};
use crate::domain::DomainError;
use crate::web;
use actix_web::dev::Server;
use actix_web::{web::Data, App, HttpServer};
use std::net::TcpListener;

/// Shared state of every request.
#[derive(Clone)]
pub struct AppState {
    /// For reads (and for all work on PostgreSQL).
    pub read: DbPool,
    /// For writes on PostgreSQL.
    pub write_pool: DbPool,
    /// For writes on SQLite: one connection, group commit (see [`GroupWriter`]); writers
    /// queue instead of spinning on SQLite's busy handler.
    pub writer: Option<GroupWriter>,
    pub base_url: String,
    pub secret: Vec<u8>,
}

impl AppState {
    /// The one way to write from a handler: `f` runs atomically, in one transaction. It may
    /// run more than once (see [`GroupWriter`]), so it is `Fn`.
    pub async fn write<T, F>(&self, f: F) -> Result<T, DomainError>
    where
        F: Fn(&mut DbConn) -> Result<T, DomainError> + Send + 'static,
        T: Send + 'static,
    {
        match &self.writer {
            Some(w) => w.run(f).await,
            None => crate::web::run(&self.write_pool, move |c| crate::domain::write_tx(c, f)).await,
        }
    }
}

pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    /// Migrates the database, then binds the server to `listener` (port 0 in tests).
    pub fn build(settings: &Settings, listener: TcpListener) -> anyhow_like::Result<Application> {
        let state = prepare_state(settings, listener.local_addr()?.port())?;
        let port = listener.local_addr()?.port();
        let data = Data::new(state);
        let server =
            HttpServer::new(move || App::new().app_data(data.clone()).configure(web::routes)).listen(listener)?.run();
        Ok(Application { server, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }
}

pub fn prepare_state(settings: &Settings, port: u16) -> anyhow_like::Result<AppState> {
    let mut conn = db::establish(&settings.database_url)?;
    db::migrate(&mut conn)?;
    let secret = crate::domain::surveys::instance_secret(&mut conn)?;
    let read = db::pool(&settings.database_url, settings.db_pool_size)?;
    let writer = match Backend::from_url(&settings.database_url) {
        Backend::Sqlite => {
            let mut conn = db::establish(&settings.database_url)?;
            db::configure(&mut conn)?;
            Some(GroupWriter::start(conn))
        }
        Backend::Postgres => None,
    };
    let base_url = settings.base_url.clone().unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
    Ok(AppState {
        write_pool: read.clone(),
        read,
        writer,
        base_url: base_url.trim_end_matches('/').to_string(),
        secret,
    })
}

/// A boxed error for start-up, where we only report and exit.
pub mod anyhow_like {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}
