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
    /// A page visible and focused this long shows a person (one-click answers).
    #[arg(long, env = "ACHT_ANSWER_DWELL_MS", default_value_t = 2_000, global = true)]
    pub answer_dwell_ms: i64,
    /// A dwell counts once its source has not been caught as a scanner for this long.
    #[arg(long, env = "ACHT_ANSWER_QUIET_SECONDS", default_value_t = 60, global = true)]
    pub answer_quiet_seconds: i64,
    /// Three different scores by links from one source within this window: a scanner.
    #[arg(long, env = "ACHT_ANSWER_BURST_SECONDS", default_value_t = 10, global = true)]
    pub answer_burst_seconds: i64,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed (comma-separated).
    #[arg(long, env = "ACHT_TRUSTED_PROXY", value_delimiter = ',', global = true)]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// A signed-in session ends after this many minutes without use.
    #[arg(long, env = "ACHT_SESSION_IDLE_MINUTES", default_value_t = 60, global = true)]
    pub session_idle_minutes: i64,
    /// ... and this many hours after sign-in, whatever happens.
    #[arg(long, env = "ACHT_SESSION_HOURS", default_value_t = 12, global = true)]
    pub session_hours: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

impl Settings {
    /// Settings for a database URL with every other setting at its default.
    pub fn for_database(database_url: &str) -> Settings {
        let rules = crate::domain::evidence::Rules::default();
        Settings {
            database_url: database_url.into(),
            base_url: None,
            db_pool_size: 16,
            jobs: Switch::On,
            answer_dwell_ms: rules.dwell_ms,
            answer_quiet_seconds: rules.quiet_ms / 1000,
            answer_burst_seconds: rules.burst_ms / 1000,
            trusted_proxy: vec![],
            session_idle_minutes: 60,
            session_hours: 12,
        }
    }

    pub fn session_rules(&self) -> crate::domain::users::SessionRules {
        crate::domain::users::SessionRules {
            idle_ms: self.session_idle_minutes.max(1) * 60_000,
            absolute_ms: self.session_hours.max(1) * 3_600_000,
        }
    }

    /// The windows of the one-click rule.
    pub fn answer_rules(&self) -> crate::domain::evidence::Rules {
        crate::domain::evidence::Rules {
            dwell_ms: self.answer_dwell_ms.max(0),
            quiet_ms: self.answer_quiet_seconds.max(0) * 1000,
            burst_ms: self.answer_burst_seconds.max(0) * 1000,
        }
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
