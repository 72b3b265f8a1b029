//! acht: micro-surveys right after an interaction, and the analysis that finds the score
//! beyond which retention stops improving.
pub mod analysis;
pub mod app;
pub mod charts;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod types;
pub mod view;
pub mod web;

/// mimalloc instead of glibc's malloc: the writer thread allocates rows that request threads
/// free, which glibc serves with arena locks and consolidation (24% less CPU on batch ingest,
/// `cargo bench --bench ingest`). Here so the server, the CLI, tests and benches all use it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
