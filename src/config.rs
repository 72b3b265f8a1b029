//! The one settings struct. Every field has a flag and an environment variable (see README).
use clap::{Args, ValueEnum};
use std::net::SocketAddr;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database URL: `sqlite://PATH` (default, embedded) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://acht.db", global = true)]
    pub database_url: String,
    /// Public base URL used in survey links; required when listening on anything but loopback.
    #[arg(long, env = "ACHT_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// Connections in the database pool.
    #[arg(long, env = "ACHT_DB_POOL_SIZE", default_value_t = 16, global = true)]
    pub db_pool_size: u32,
    /// Background jobs (the expiry sweep; later mail and reports) on this instance.
    #[arg(long, env = "ACHT_JOBS", value_enum, default_value_t = Switch::On, global = true)]
    pub jobs: Switch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

impl Settings {
    /// Settings for a database URL with every other setting at its default.
    pub fn for_database(database_url: &str) -> Settings {
        Settings { database_url: database_url.into(), base_url: None, db_pool_size: 16, jobs: Switch::On }
    }

    /// The public base URL for links when serving on `addr`. Links must reach customers, so on
    /// anything but loopback the operator has to say where acht is reachable.
    pub fn public_base_url(&self, addr: SocketAddr) -> Result<String, String> {
        match &self.base_url {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Ok(url.trim_end_matches('/').to_string())
            }
            Some(url) => Err(format!("ACHT_BASE_URL '{url}' must start with http:// or https://")),
            None if addr.ip().is_loopback() => Ok(format!("http://{addr}")),
            None => Err(format!(
                "acht listens on {addr}, beyond this machine: set ACHT_BASE_URL (or --base-url) to the public \
                 address customers reach it at, e.g. https://survey.example.com"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_address_needs_a_base_url() {
        let mut s = Settings::for_database("sqlite://x.db");
        assert_eq!(s.public_base_url("127.0.0.1:8080".parse().unwrap()).unwrap(), "http://127.0.0.1:8080");
        assert!(s.public_base_url("0.0.0.0:8080".parse().unwrap()).is_err());
        s.base_url = Some("https://survey.example.com/".into());
        assert_eq!(s.public_base_url("0.0.0.0:8080".parse().unwrap()).unwrap(), "https://survey.example.com");
        s.base_url = Some("survey.example.com".into());
        assert!(s.public_base_url("0.0.0.0:8080".parse().unwrap()).is_err());
    }
}
