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
    /// PostgreSQL: writer connections that commit answers in groups (see README).
    #[arg(long, env = "ACHT_DB_ANSWER_WRITERS", default_value_t = 4, global = true)]
    pub db_answer_writers: u32,
    /// Background jobs on this instance: sending mail, reports, the expiry sweep, analyses.
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
    /// The mail server acht sends through, e.g. `smtp://127.0.0.1:2525`,
    /// `smtp://user:pass@mail.example.com:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@mail.example.com` (TLS). Unset: acht mails nothing.
    #[arg(long, env = "ACHT_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// The sender of acht's emails, e.g. `Acme <survey@acme.example>`.
    #[arg(long, env = "ACHT_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// The company's name in survey emails and pages; default: the display name of
    /// `ACHT_MAIL_FROM` ("Acme" of `Acme <survey@acme.example>`). Required with a mail server.
    #[arg(long, env = "ACHT_COMPANY_NAME", global = true)]
    pub company_name: Option<String>,
    /// The company's colour (`#rrggbb`) for the score buttons of survey emails and pages; white
    /// text must read on it (a contrast of at least 4.5:1).
    #[arg(long, env = "ACHT_COMPANY_COLOUR", default_value = "#1f5fa8", global = true)]
    pub company_colour: String,
    /// The company's logo for survey pages and emails: an `.svg` or `.png` file (at most 256 KB),
    /// served at `/brand/logo`. `builtin:demo` is the demo company's.
    #[arg(long, env = "ACHT_COMPANY_LOGO", global = true)]
    pub company_logo: Option<String>,
    /// An `https://` address of the logo for emails, when mail clients should load it from
    /// elsewhere than this server's `/brand/logo`.
    #[arg(long, env = "ACHT_COMPANY_LOGO_URL", global = true)]
    pub company_logo_url: Option<String>,
    /// Messages handed to the mail server at the same time, each over its own connection.
    /// lettre 0.11 leaves Nagle's algorithm on, which holds every message about 40 ms for the
    /// server's delayed ACK, so one connection carries about 25 messages a second.
    #[arg(long, env = "ACHT_MAIL_CONCURRENCY", default_value_t = 16, global = true)]
    pub mail_concurrency: usize,
    /// The first retry of a failed message comes after this many seconds, doubling after each
    /// further failure ...
    #[arg(long, env = "ACHT_MAIL_RETRY_SECONDS", default_value_t = 60, global = true)]
    pub mail_retry_seconds: i64,
    /// ... up to this many seconds between attempts ...
    #[arg(long, env = "ACHT_MAIL_RETRY_MAX_SECONDS", default_value_t = 3600, global = true)]
    pub mail_retry_max_seconds: i64,
    /// ... and giving up after this many attempts.
    #[arg(long, env = "ACHT_MAIL_MAX_ATTEMPTS", default_value_t = 12, global = true)]
    pub mail_max_attempts: i32,
    /// How often the outbox is looked at for due messages, in seconds.
    #[arg(long, env = "ACHT_MAIL_POLL_SECONDS", default_value_t = 5, global = true)]
    pub mail_poll_seconds: u64,
    /// A follow-up still open this many days after it was opened is overdue.
    #[arg(long, env = "ACHT_FOLLOWUP_OVERDUE_DAYS", default_value_t = 3, global = true)]
    pub followup_overdue_days: i64,
    /// How far ahead of this server's clock a reported time (an interaction, a churn, an
    /// answer, a first sighting) may lie, in hours: the sender's clock may run ahead; a time
    /// further ahead is refused (422 in the API, a line error in an import).
    #[arg(long, env = "ACHT_TIME_AHEAD_HOURS", default_value_t = 24, global = true)]
    pub time_ahead_hours: i64,
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
            db_answer_writers: 4,
            jobs: Switch::On,
            answer_dwell_ms: rules.dwell_ms,
            answer_quiet_seconds: rules.quiet_ms / 1000,
            answer_burst_seconds: rules.burst_ms / 1000,
            trusted_proxy: vec![],
            session_idle_minutes: 60,
            session_hours: 12,
            smtp_url: None,
            mail_from: None,
            company_name: None,
            company_colour: "#1f5fa8".into(),
            company_logo: None,
            company_logo_url: None,
            mail_concurrency: 16,
            mail_retry_seconds: 60,
            mail_retry_max_seconds: 3600,
            mail_max_attempts: 12,
            mail_poll_seconds: 5,
            time_ahead_hours: 24,
            followup_overdue_days: 3,
        }
    }

    pub fn session_rules(&self) -> crate::domain::users::SessionRules {
        crate::domain::users::SessionRules {
            idle_ms: self.session_idle_minutes.max(1) * 60_000,
            absolute_ms: self.session_hours.max(1) * 3_600_000,
        }
    }

    pub fn retry_rules(&self) -> crate::domain::queue::RetryRules {
        crate::domain::queue::RetryRules {
            base_ms: self.mail_retry_seconds.max(1) * 1000,
            cap_ms: self.mail_retry_max_seconds.max(self.mail_retry_seconds).max(1) * 1000,
            max_attempts: self.mail_max_attempts.max(1),
        }
    }

    /// How far ahead of the clock a reported time may lie, in milliseconds.
    pub fn time_ahead_ms(&self) -> i64 {
        self.time_ahead_hours.clamp(0, 24 * 366) * 3_600_000
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

/// How the company shows in its emails and on acht's pages for customers.
/// The company customers are told about: `ACHT_COMPANY_NAME`, else the display name of
/// `ACHT_MAIL_FROM`. With a mail server one of them must say it: customers are never told that
/// "acht" asked them. Without one (the company mails the links itself), the host of the public
/// address stands in, the name customers saw in the link; "acht" only on a developer's machine.
fn company_name(s: &Settings) -> Result<String, String> {
    let given = s.company_name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let from_mail = || {
        let from: lettre::message::Mailbox = s.mail_from.as_deref()?.parse().ok()?;
        from.name.filter(|n| !n.trim().is_empty()).map(|n| n.trim().to_string())
    };
    match given.map(str::to_string).or_else(from_mail) {
        Some(name) => Ok(name),
        None if s.smtp_url.is_some() => Err("ACHT_SMTP_URL is set: name the company customers know with \
             ACHT_COMPANY_NAME, or give ACHT_MAIL_FROM a display name ('Acme <survey@acme.example>')"
            .into()),
        None => Ok(s
            .base_url
            .as_deref()
            .and_then(|u| u.split("://").nth(1))
            .and_then(|rest| rest.split(['/', ':']).next())
            .filter(|host| !host.is_empty())
            .unwrap_or("acht")
            .to_string()),
    }
}

pub use crate::domain::branding::{check_colour, Branding, BrandingCell, Logo, MAX_LOGO_BYTES};

/// The value of `ACHT_COMPANY_LOGO` that names the demo company's logo.
pub const DEMO_LOGO: &str = "builtin:demo";
/// The demo company's colour.
pub const DEMO_COLOUR: &str = "#b45309";

impl Branding {
    pub fn from_settings(s: &Settings) -> Result<Branding, String> {
        let colour = s.company_colour.trim().to_string();
        check_colour(&colour).map_err(|e| format!("ACHT_COMPANY_COLOUR {e}"))?;
        if let Some(url) = &s.company_logo_url {
            if !url.starts_with("https://") {
                return Err(format!(
                    "ACHT_COMPANY_LOGO_URL '{url}' must be an https:// address (mail clients block others)"
                ));
            }
        }
        let logo = s.company_logo.as_deref().map(read_logo).transpose()?;
        let served_logo_url = s.base_url.as_deref().map(|b| format!("{}/brand/logo", b.trim_end_matches('/')));
        let logo_url = s.company_logo_url.clone().or(logo.is_some().then(|| served_logo_url.clone()).flatten());
        Ok(Branding { company: company_name(s)?, colour, logo_url, logo, served_logo_url })
    }
}

fn read_logo(path: &str) -> Result<Logo, String> {
    if path == DEMO_LOGO {
        let bytes: &[u8] = include_bytes!("../static/demo-logo.svg");
        return Ok(Logo { bytes: bytes.into(), content_type: "image/svg+xml" });
    }
    let content_type = match std::path::Path::new(path).extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("svg") => "image/svg+xml",
        Some(e) if e.eq_ignore_ascii_case("png") => "image/png",
        _ => return Err(format!("ACHT_COMPANY_LOGO '{path}' must be an .svg or .png file")),
    };
    let bytes = std::fs::read(path).map_err(|e| format!("ACHT_COMPANY_LOGO '{path}' cannot be read: {e}"))?;
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(format!("ACHT_COMPANY_LOGO '{path}' is {} KB; at most 256 KB", bytes.len() / 1024));
    }
    Ok(Logo { bytes: bytes.into(), content_type })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::branding::contrast_with_white;

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

    /// Customers are told the company's name, never "acht", wherever acht mails them.
    #[test]
    fn the_company_is_named_by_its_setting_or_its_mail_sender() {
        let mut s = Settings::for_database("sqlite://x.db");
        s.smtp_url = Some("smtp://127.0.0.1:25".into());
        s.mail_from = Some("survey@acme.example".into());
        let err = Branding::from_settings(&s).unwrap_err();
        assert!(err.contains("ACHT_COMPANY_NAME"), "{err}");
        s.mail_from = Some("Acme Energie <survey@acme.example>".into());
        assert_eq!(Branding::from_settings(&s).unwrap().company, "Acme Energie");
        s.company_name = Some(" Acme ".into());
        assert_eq!(Branding::from_settings(&s).unwrap().company, "Acme");
        // Without a mail server the company mails the links itself: its survey address names it.
        let mut s = Settings::for_database("sqlite://x.db");
        s.base_url = Some("https://survey.acme.example/".into());
        assert_eq!(Branding::from_settings(&s).unwrap().company, "survey.acme.example");
    }

    /// White score numbers must read on the company's colour: a pale one is refused at start.
    #[test]
    fn a_colour_white_text_cannot_be_read_on_is_refused() {
        let mut s = Settings::for_database("sqlite://x.db");
        for ok in ["#1f5fa8", DEMO_COLOUR, "#000000"] {
            s.company_colour = ok.into();
            assert!(Branding::from_settings(&s).is_ok(), "{ok}");
        }
        for pale in ["#f1c232", "#ffffff", "#3b82f6"] {
            s.company_colour = pale.into();
            let err = Branding::from_settings(&s).unwrap_err();
            assert!(err.contains("contrast"), "{pale}: {err}");
        }
        // The WCAG figures: black on white is 21:1.
        assert!((contrast_with_white([0, 0, 0]) - 21.0).abs() < 1e-9);
    }

    #[test]
    fn a_logo_is_an_svg_or_png_file() {
        let mut s = Settings::for_database("sqlite://x.db");
        s.company_logo = Some("logo.gif".into());
        assert!(Branding::from_settings(&s).unwrap_err().contains(".svg or .png"));
        s.company_logo = Some(DEMO_LOGO.into());
        s.base_url = Some("https://survey.example/".into());
        let b = Branding::from_settings(&s).unwrap();
        assert_eq!(b.logo.unwrap().content_type, "image/svg+xml");
        assert_eq!(b.logo_url.as_deref(), Some("https://survey.example/brand/logo"));
    }
}
