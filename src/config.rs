//! The one settings struct. Every field has a flag and an environment variable (see README).
use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database URL: `sqlite://PATH` (default, embedded) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://acht.db", global = true)]
    pub database_url: String,
    /// Public base URL used in survey links.
    #[arg(long, env = "ACHT_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// Connections in the database pool.
    #[arg(long, env = "ACHT_DB_POOL_SIZE", default_value_t = 16, global = true)]
    pub db_pool_size: u32,
}
