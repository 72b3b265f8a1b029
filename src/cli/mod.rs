//! The `acht` command line.
mod demo;
mod import;

use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::domain::scale::Scale;
use crate::domain::surveys::{self, SurveyInput};
use crate::domain::{apikeys, retention};
use crate::startup::Application;
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
pub enum ApikeyAction {
    /// Create a key; it is printed once and stored only as a hash.
    Create { name: String },
}

#[derive(Debug, Subcommand)]
pub enum SurveyAction {
    /// Define a survey.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        scale: Scale,
        #[arg(long)]
        question_nl: String,
        #[arg(long)]
        question_en: String,
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
        clap::builder::ValueParser::new(|s: &str| s.parse::<Scale>())
    }
}

pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("ACHT_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
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

fn connect(settings: &Settings) -> Result<DbConn, Box<dyn std::error::Error + Send + Sync>> {
    let mut conn = db::establish(&settings.database_url)?;
    db::migrate(&mut conn)?;
    Ok(conn)
}

fn run(cli: Cli) -> CliResult {
    let settings = cli.settings;
    match cli.command {
        Command::Serve { bind, demo } => serve(&settings, &bind, demo),
        Command::Migrate => {
            connect(&settings)?;
            println!("database is up to date");
            Ok(())
        }
        Command::Apikey { action: ApikeyAction::Create { name } } => {
            let key = apikeys::create(&mut connect(&settings)?, &name)?;
            println!("{key}");
            eprintln!("Store this key now: acht keeps only its hash.");
            Ok(())
        }
        Command::Survey { action } => survey(&settings, action),
        Command::Import { what } => {
            let mut conn = connect(&settings)?;
            match what {
                ImportWhat::Customers { file } => import::customers(&mut conn, &file),
                ImportWhat::Responses { file } => import::responses(&mut conn, &file),
            }
        }
        Command::Analyze { survey, as_of, horizon_days, delta, json } => {
            let options =
                retention::AnalysisOptions { as_of: as_of.unwrap_or_else(chrono::Utc::now), horizon_days, delta };
            let report = retention::analyze(&mut connect(&settings)?, &survey, options)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_summary(&report);
            }
            Ok(())
        }
        Command::Demo { customers, seed } => {
            let summary = demo::generate(&mut connect(&settings)?, customers, seed)?;
            println!("{summary}");
            Ok(())
        }
    }
}

fn survey(settings: &Settings, action: SurveyAction) -> CliResult {
    let mut conn = connect(settings)?;
    match action {
        SurveyAction::Create { slug, scale, question_nl, question_en, name, touchpoint } => {
            let mut input = SurveyInput::new(&slug, scale, &question_nl, &question_en);
            input.name = name;
            input.touchpoints = touchpoint;
            let s = surveys::create(&mut conn, &input)?;
            println!("created survey '{}' ({})", s.slug, s.scale);
        }
        SurveyAction::List => {
            for s in surveys::list(&mut conn)? {
                println!("{}\t{}\t{}", s.slug, s.scale, s.question_en);
            }
        }
    }
    Ok(())
}

fn serve(settings: &Settings, bind: &str, demo: bool) -> CliResult {
    let mut conn = connect(settings)?;
    if demo {
        if surveys::list(&mut conn)?.is_empty() {
            eprintln!("Generating the demo world…");
            println!("{}", demo::generate(&mut conn, DEMO_CUSTOMERS, 8)?);
        }
        let key = apikeys::create(&mut conn, "demo")?;
        println!("API key (shown once): {key}");
        let base = settings.base_url.clone().unwrap_or_else(|| format!("http://{bind}"));
        println!("Answer a survey as a customer would: {}", demo::try_link(&mut conn, &base)?);
    }
    drop(conn);
    let listener = TcpListener::bind(bind)?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings, listener)?;
        println!(
            "acht is listening on http://{bind}/  (health: http://{bind}/healthz, API: http://{bind}/api/openapi.json)"
        );
        app.run().await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })
}

fn print_summary(report: &crate::analysis::AnalysisReport) {
    println!("{}", retention::headline(report));
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
    if let Some(h) = &report.hinge {
        println!(
            "\nThe curve bends at {} (slope after the bend: {:+.3}, p = {:.2e}).",
            h.psi, h.slope_after, h.p_slope_after
        );
    }
}
