//! The `acht` command line.
pub mod demo;
pub mod import;
mod report;

use crate::app::Application;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::db::Db;
use crate::domain::surveys::{self, SurveyInput};
use crate::domain::{apikeys, customers, privacy, retention, users};
use crate::i18n::Locale;
use crate::types::Scale;
use clap::{Parser, Subcommand};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "acht",
    version,
    about = "Micro-surveys right after an interaction, and what their scores say about retention"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (survey pages and the JSON API).
    Serve {
        #[arg(long, env = "ACHT_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Fill an empty database with a demo world and print an API key.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Manage API keys.
    Apikey {
        #[command(subcommand)]
        action: ApikeyAction,
    },
    /// Manage surveys.
    Survey {
        #[command(subcommand)]
        action: SurveyAction,
    },
    /// Import customers or responses from CSV (all or nothing).
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Relate a survey's scores to retention and find the good-enough score (see ANALYSIS.md).
    Analyze {
        #[arg(long)]
        survey: String,
        /// The moment the analysis looks from (RFC 3339); default now.
        #[arg(long)]
        as_of: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long, default_value_t = 365)]
        horizon_days: i64,
        /// Margin for "good enough", as a fraction (0.02 = 2 points of retention).
        #[arg(long, default_value_t = 0.02)]
        delta: f64,
        /// Print the full JSON instead of a summary.
        #[arg(long)]
        json: bool,
        /// Language of the summary (a language of the message catalogue).
        #[arg(long, default_value = "en")]
        lang: String,
        /// Analyse CSV files instead of the database (with --responses-csv and --scale): the
        /// formats of `acht import`, nothing stored.
        #[arg(long, requires_all = ["responses_csv", "scale"])]
        customers_csv: Option<PathBuf>,
        #[arg(long, requires = "customers_csv")]
        responses_csv: Option<PathBuf>,
        /// The survey's scale, for --customers-csv.
        #[arg(long)]
        scale: Option<Scale>,
    },
    /// Manage the accounts of the analyst app.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Rebuild the rollups behind the trend pages from the stored answers (after a bulk change
    /// made outside acht, or to repair).
    Rollups {
        #[command(subcommand)]
        action: RollupsAction,
    },
    /// Scheduled report emails: subscribe, list, send now, unsubscribe.
    Report {
        #[command(subcommand)]
        action: report::ReportAction,
    },
    /// acht's outgoing email.
    Mail {
        #[command(subcommand)]
        action: MailAction,
    },
    /// One customer's data: export everything acht holds about them, or erase it.
    Customer {
        #[command(subcommand)]
        action: CustomerAction,
    },
    /// Generate a demo world: surveys, customers, interactions and years of answers.
    Demo {
        #[arg(long, default_value_t = DEMO_CUSTOMERS)]
        customers: usize,
        #[arg(long, default_value_t = 8)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum CustomerAction {
    /// Print everything acht holds about the customer (their id in your systems) as JSON.
    Export { id: String },
    /// Erase the customer's personal data (address, attributes, comments, browsers); scores
    /// and dates stay for the figures. Asks first unless --yes.
    Erase {
        id: String,
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApikeyAction {
    /// Create a key; it is printed once and stored only as a hash.
    Create { name: String },
    /// Revoke the live keys with this name; requests with them are refused from now on.
    Revoke { name: String },
    /// List keys: name, created, revoked.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create an account. Without --password a random one is made and printed once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["admin", "analyst"])]
        role: String,
        /// At least 10 characters (or set ACHT_USER_PASSWORD).
        #[arg(long, env = "ACHT_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// The app's language for this user.
        #[arg(long, default_value = "nl")]
        lang: String,
    },
    /// List accounts: email, role, created, and whether disabled.
    List,
    /// Disable an account: it cannot sign in, its sessions end and it gets no reports.
    Disable { email: String },
    /// Enable a disabled account again.
    Enable { email: String },
    /// Clear an account's failed sign-ins from every address.
    Unlock { email: String },
    /// Give an account another role (its sessions end).
    SetRole {
        email: String,
        #[arg(value_parser = ["admin", "analyst"])]
        role: String,
    },
    /// Give an account a new password (its sessions end). Without --password a random one is
    /// made and printed once.
    ResetPassword {
        email: String,
        #[arg(long, env = "ACHT_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailAction {
    /// The outbox per kind and state, and how many messages may have gone twice.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum RollupsAction {
    /// Compute every rollup again from the answers and invitations.
    Rebuild,
    /// Check that every figure equals a rebuild (the rollups and their unfolded changes against
    /// a count of the answers and invitations); exits 1 and lists the rows that differ if not.
    /// For a database nothing writes to meanwhile.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum SurveyAction {
    /// Define a survey.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        scale: Scale,
        /// The question in Dutch (short for `--question nl=…`).
        #[arg(long)]
        question_nl: Option<String>,
        /// The question in English (short for `--question en=…`).
        #[arg(long)]
        question_en: Option<String>,
        /// The question in any language of the catalogue, as LANG=TEXT (repeat per language).
        #[arg(long, value_parser = parse_lang_text)]
        question: Vec<(String, String)>,
        #[arg(long)]
        name: Option<String>,
        /// Touchpoints that trigger it (repeat or comma-separate).
        #[arg(long, value_delimiter = ',')]
        touchpoint: Vec<String>,
    },
    /// List surveys.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ImportWhat {
    /// customers.csv: customer_id,email,locale,first_seen_at,churned_at
    Customers { file: PathBuf },
    /// responses.csv: customer_id,survey,score,answered_at,comment
    Responses { file: PathBuf },
}

impl clap::builder::ValueParserFactory for Scale {
    type Parser = clap::builder::ValueParser;
    fn value_parser() -> Self::Parser {
        clap::builder::ValueParser::new(|s: &str| s.parse::<Scale>().map_err(|e| e.to_string()))
    }
}

fn parse_lang_text(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(l, t)| (l.trim().to_string(), t.to_string()))
        .ok_or_else(|| format!("'{s}' is not LANG=TEXT"))
}

/// The log filter without `ACHT_LOG`: acht's own lines at info; the scheduler's chatter about
/// creating its jobs only when something goes wrong.
const DEFAULT_LOG: &str = "info,tokio_cron_scheduler=warn";

pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("ACHT_LOG").unwrap_or_else(|_| DEFAULT_LOG.into()))
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // Output piped into `head` ends quietly when the reader goes (the shell sees 141), as other
    // Unix tools do, instead of a panic about a broken pipe. The server keeps Rust's default: a
    // peer that went away is an error on that connection, not the end of the process.
    if !matches!(cli.command, Command::Serve { .. }) {
        // SAFETY: setting a signal's disposition to the default before any thread is started.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Enough customers for the demo's analysis to show its plateau with tight intervals.
const DEMO_CUSTOMERS: usize = 60_000;

type CliResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The command line acts at wall-clock time.
fn now() -> i64 {
    SystemClock.now_ms()
}

fn run(cli: Cli) -> CliResult {
    let settings = cli.settings;
    if let Command::Serve { bind, demo } = cli.command {
        return serve(&settings, &bind, demo);
    }
    if let Command::Analyze { customers_csv: Some(_), .. } = &cli.command {
        // Files only: no database is opened (or made).
        return run_without_database(cli.command, &settings);
    }
    let db = Db::open(&settings.database_url, 2)?;
    match cli.command {
        Command::Serve { .. } => unreachable!("handled above"),
        Command::Migrate => println!("database is up to date"),
        Command::Apikey { action } => apikey(&db, action)?,
        Command::Survey { action } => survey(&db, action)?,
        Command::Import { what } => {
            match what {
                ImportWhat::Customers { file } => import::customers(&db, &file, settings.time_ahead_ms())?,
                ImportWhat::Responses { file } => import::responses(&db, &file, settings.time_ahead_ms())?,
            }
            db.analyze()?;
        }
        Command::Analyze { survey, as_of, horizon_days, delta, json, lang, .. } => {
            let options =
                retention::AnalysisOptions { as_of: as_of.unwrap_or_else(chrono::Utc::now), horizon_days, delta };
            let mut report = db.read_blocking(|c| retention::analyze(c, &survey, options))?;
            retention::localize(&mut report, &Locale::negotiate(&lang));
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_summary(&report, &Locale::negotiate(&lang));
            }
        }
        Command::Customer { action } => customer(&db, action)?,
        Command::Demo { customers, seed } => println!("{}", demo::generate(&db, customers, seed, now())?),
        Command::User { action } => user(&db, action)?,
        Command::Report { action } => report::report(&settings, &db, action)?,
        Command::Mail { action: MailAction::Status } => report::status(&db)?,
        Command::Rollups { action: RollupsAction::Rebuild } => {
            let now = now();
            db.write_blocking(move |c| crate::domain::rollups::rebuild(c, now, &|_| {}))?;
            println!("rollups rebuilt");
        }
        Command::Rollups { action: RollupsAction::Check } => {
            let differences = db.read_blocking(crate::domain::rollups::check)?;
            if !differences.is_empty() {
                for d in &differences {
                    eprintln!("{d}");
                }
                return Err(format!("{} rollup rows differ from a count of the answers", differences.len()).into());
            }
            println!("rollups check: every figure equals a rebuild");
        }
    }
    Ok(())
}

fn apikey(db: &Db, action: ApikeyAction) -> CliResult {
    match action {
        ApikeyAction::Create { name } => {
            let now = now();
            let key = db.write_blocking(move |c| apikeys::create(c, &name, now))?;
            println!("{key}");
            eprintln!("Store this key now: acht keeps only its hash.");
        }
        ApikeyAction::Revoke { name } => {
            let now = now();
            let n = db.write_blocking(move |c| apikeys::revoke(c, &name, now))?;
            println!("revoked {n} key(s)");
        }
        ApikeyAction::List => {
            let time = |ms: i64| crate::web::api::time(ms).format("%Y-%m-%d %H:%M").to_string();
            for k in db.read_blocking(apikeys::list)? {
                let revoked = k.revoked_at.map_or_else(|| "live".to_string(), |t| format!("revoked {}", time(t)));
                println!("{}\tcreated {}\t{revoked}", k.name, time(k.created_at));
            }
        }
    }
    Ok(())
}

/// The actor the audit log names for the command line (whoever has a shell on the server).
const COMMAND_LINE: &str = "command line";

fn customer(db: &Db, action: CustomerAction) -> CliResult {
    match action {
        CustomerAction::Export { id } => {
            let now = now();
            let export = db.write_blocking(move |c| privacy::export(c, &id, COMMAND_LINE, now))?;
            println!("{}", serde_json::to_string_pretty(&export)?);
        }
        CustomerAction::Erase { id, yes } => {
            let found = db.read_blocking({
                let id = id.clone();
                move |c| customers::get(c, &id)
            })?;
            if found.erased_at.is_some() {
                println!("customer {id} was erased already");
                return Ok(());
            }
            if !yes {
                eprint!(
                    "Erase the personal data of customer {id} ({})? This cannot be undone. Type yes: ",
                    found.email.as_deref().unwrap_or("no address")
                );
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if answer.trim() != "yes" {
                    return Err("nothing erased".into());
                }
            }
            let now = now();
            db.write_blocking(move |c| customers::erase(c, &id, COMMAND_LINE, now))?;
            println!("erased: address, attributes, comments and browsers are gone; scores and dates stay");
        }
    }
    Ok(())
}

fn user(db: &Db, action: UserAction) -> CliResult {
    match action {
        UserAction::Create { email, role, password, lang } => {
            let role: crate::types::Role = role.parse()?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(users::generate_password);
            let now = now();
            let pw = password.clone();
            let u = db.write_blocking(move |c| users::create(c, &email, &pw, role, &lang, now))?;
            println!("created {} ({})", u.email, u.role);
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UserAction::List => {
            let time = |ms: i64| crate::web::api::time(ms).format("%Y-%m-%d %H:%M").to_string();
            for u in db.read_blocking(users::list)? {
                let state = if u.disabled_at.is_some() { "\tdisabled" } else { "" };
                println!("{}\t{}\tcreated {}{state}", u.email, u.role, time(u.created_at));
            }
        }
        UserAction::Disable { email } => {
            let now = now();
            let u = db.write_blocking(move |c| users::set_disabled(c, &email, true, now))?;
            println!("disabled {}: its sessions ended; it cannot sign in and gets no reports", u.email);
        }
        UserAction::Enable { email } => {
            let now = now();
            let u = db.write_blocking(move |c| users::set_disabled(c, &email, false, now))?;
            println!("enabled {}", u.email);
        }
        UserAction::Unlock { email } => {
            let u = db.write_blocking(move |c| users::unlock(c, &email))?;
            println!("unlocked {}: its failed sign-ins are forgotten", u.email);
        }
        UserAction::SetRole { email, role } => {
            let role: crate::types::Role = role.parse()?;
            let u = db.write_blocking(move |c| users::set_role(c, &email, role))?;
            println!("{} is now {} (its sessions ended)", u.email, u.role);
        }
        UserAction::ResetPassword { email, password } => {
            let generated = password.is_none();
            let password = password.unwrap_or_else(users::generate_password);
            let pw = password.clone();
            let u = db.write_blocking(move |c| {
                let u = users::get_by_email(c, &email)?;
                users::set_password(c, u.id, &pw)?;
                Ok::<_, crate::domain::DomainError>(u)
            })?;
            println!("new password for {} (its sessions ended)", u.email);
            if generated {
                println!("password (shown once): {password}");
            }
        }
    }
    Ok(())
}

/// The demo's analyst account, with a fresh password each start (only its hash is kept, so the
/// previous one cannot be shown again).
fn demo_analyst(db: &Db) -> Result<(String, String), crate::domain::DomainError> {
    const EMAIL: &str = "analyst@demo.acht.example";
    let password = users::generate_password();
    let pw = password.clone();
    let now = now();
    db.write_blocking(move |c| match users::find_by_email(c, EMAIL)? {
        Some(u) => users::set_password(c, u.id, &pw),
        None => users::create(c, EMAIL, &pw, crate::types::Role::Analyst, "nl", now).map(|_| ()),
    })?;
    Ok((EMAIL.to_string(), password))
}

fn survey(db: &Db, action: SurveyAction) -> CliResult {
    match action {
        SurveyAction::Create { slug, scale, question_nl, question_en, question, name, touchpoint } => {
            let mut input = SurveyInput::new(&slug, scale, "", "");
            let given = [("nl".to_string(), question_nl), ("en".to_string(), question_en)];
            let texts = given.into_iter().filter_map(|(l, q)| q.map(|q| (l, q))).chain(question);
            input.texts = texts.map(|(l, q)| (l, crate::types::SurveyText { question: q, followup: None })).collect();
            input.name = name;
            input.touchpoints = touchpoint.into_iter().map(surveys::Touchpoint).collect();
            let now = now();
            let s = db.write_blocking(move |c| surveys::create(c, &input, now))?;
            println!("created survey '{}' ({})", s.slug, s.scale);
        }
        SurveyAction::List => {
            for s in db.read_blocking(surveys::list)? {
                println!("{}\t{}\t{}", s.slug, s.scale, s.text_for("en").question);
            }
        }
    }
    Ok(())
}

/// The demo's company, for the survey pages and emails of `serve --demo`.
const DEMO_COMPANY: &str = "Zonnedal Energie";

fn serve(settings: &Settings, bind: &str, demo: bool) -> CliResult {
    let mut settings = settings.clone();
    // The demo company's name, logo and colour, unless the visitor set their own.
    if demo && settings.company_name.is_none() {
        settings.company_name = Some(DEMO_COMPANY.into());
        if settings.company_logo.is_none() {
            settings.company_logo = Some(crate::config::DEMO_LOGO.into());
        }
        if settings.company_colour == Settings::for_database("").company_colour {
            settings.company_colour = crate::config::DEMO_COLOUR.into();
        }
    }
    let settings = &settings;
    let listener = TcpListener::bind(bind)?;
    let addr = listener.local_addr()?;
    let base = settings.public_base_url(addr)?;
    let lock = crate::db::ServerLock::acquire(&settings.database_url)?;
    if demo {
        let db = Db::open(&settings.database_url, 2)?;
        if db.read_blocking(surveys::list)?.is_empty() {
            eprintln!("Generating the demo world…");
            println!("{}", demo::generate(&db, DEMO_CUSTOMERS, 8, now())?);
        }
        let now = now();
        let key = db.write_blocking(move |c| apikeys::create(c, "demo", now))?;
        println!("API key (shown once): {key}");
        println!("Answer a survey as a customer would: {}", demo::try_link(&db, &base)?);
        let (email, password) = demo_analyst(&db)?;
        println!("Analyst app: {base}/  (sign in as {email} with password {password})");
    }
    if !demo {
        first_run_guidance(settings, &base)?;
    }
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build_locked(settings, listener, crate::clock::system(), lock)?;
        if demo {
            keep_demo_alive(app.state().db.clone());
        }
        println!(
            "acht is listening on {base}/  (health: {base}/healthz, readiness: {base}/readyz, API: {base}/api/openapi.json)"
        );
        app.run().await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })
}

/// On a database nobody can sign in to yet, says how to make the first account and where to
/// sign in; without surveys, how to make one.
fn first_run_guidance(settings: &Settings, base: &str) -> CliResult {
    let db = Db::open(&settings.database_url, 1)?;
    let nobody = db.read_blocking(crate::domain::users::list)?.is_empty();
    let no_surveys = db.read_blocking(surveys::list)?.is_empty();
    drop(db);
    if nobody {
        println!(
            "No one can sign in yet. Create the first administrator (a password is made and shown once):\n  \
             acht user create --email you@your-company.example --role admin\nthen sign in at {base}/signin"
        );
    }
    if no_surveys {
        println!(
            "There are no surveys yet. Create one, e.g.:\n  acht survey create --slug service --scale grade10 \
             --question-nl 'Welk cijfer geeft u ons?' --question-en 'What grade would you give us?'\n\
             or try everything with demo data: acht serve --demo (on a fresh database)"
        );
    }
    Ok(())
}

/// A running demo goes on living: the days since it last ran are filled in at once (up to ten
/// weeks), then every minute brings new customers' contacts and answers at the world's own pace,
/// and at least one a minute so that someone watching sees the answers move.
fn keep_demo_alive(db: Db) {
    actix_web::rt::spawn(async move {
        let Ok(Some((pace, latest))) = demo::pace(&db) else { return };
        let mut from = latest.max(now() - 70 * 86_400_000);
        let mut per_day = pace;
        loop {
            let to = now();
            match demo::trickle(&db, from, to, per_day).await {
                Ok(_) => from = to,
                Err(e) => tracing::warn!(error = %e, "the demo's new contacts could not be written"),
            }
            per_day = pace.max(24.0 * 60.0);
            actix_web::rt::time::sleep(std::time::Duration::from_secs(60)).await;
        }
    });
}

/// `acht analyze --customers-csv …`: the analysis of two files, without a database.
fn run_without_database(command: Command, settings: &Settings) -> CliResult {
    let Command::Analyze { survey, as_of, horizon_days, delta, json, lang, customers_csv, responses_csv, scale } =
        command
    else {
        unreachable!("only analyze runs without a database")
    };
    let (Some(customers), Some(responses), Some(scale)) = (customers_csv, responses_csv, scale) else {
        return Err("--customers-csv needs --responses-csv and --scale".into());
    };
    let options = retention::AnalysisOptions { as_of: as_of.unwrap_or_else(chrono::Utc::now), horizon_days, delta };
    let mut report = import::analyze_files(&customers, &responses, &survey, scale, options, settings.time_ahead_ms())?;
    let locale = Locale::negotiate(&lang);
    retention::localize(&mut report, &locale);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_summary(&report, &locale);
    }
    Ok(())
}

fn print_summary(report: &crate::analysis::AnalysisReport, locale: &Locale) {
    println!("{}", retention::headline(report, locale));
    println!();
    println!(
        "survey '{}' ({}), as of {}, horizon {} days: {} customers",
        report.survey,
        report.scale.as_str(),
        report.as_of,
        report.horizon_days,
        report.customers
    );
    println!("{:>5} {:>7} {:>9} {:>8}  95% CI", "score", "n", "retained", "rate");
    for l in &report.levels {
        println!(
            "{:>5} {:>7} {:>9} {:>7.1}%  {:.1}–{:.1}%",
            l.score,
            l.retention.n,
            l.retention.retained,
            l.retention.rate * 100.0,
            l.retention.ci_low * 100.0,
            l.retention.ci_high * 100.0
        );
    }
    // The hinge is descriptive: its Wald p-value after a chosen bend is biased (it is "significant"
    // in most worlds with a true plateau), so it is not printed as evidence.
    if let Some(h) = &report.hinge {
        println!("\nThe first answers' curve fits best with a bend at {} (descriptive).", h.psi);
    }
}
