//! acht's integration tests, in one binary (one link step instead of one per file; nextest still
//! runs every test in its own process). Every test starts the real app over a real SQLite file
//! and, when reachable, a real PostgreSQL database (`common::TestApp`), a real SMTP server and a
//! real headless Chromium; without one of those a test skips (or fails under
//! `ACHT_TEST_STRICT=1`, as in `.ci/run`).
#[macro_use]
mod common;

mod analyst_app;
mod analyst_browser;
mod analyze;
mod api_contract;
mod browser;
mod cli;
mod contention;
mod crash;
mod delivery;
mod edge_cases;
mod followups;
mod foundation;
mod golden;
mod headline;
mod one_click;
mod pages;
mod privacy;
mod replay;
mod skipped;
mod survey_admin;
mod survey_loop;
mod webhooks;
