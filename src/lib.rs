//! acht: micro-surveys right after an interaction, and the analysis that finds the score
//! beyond which retention stops improving.
pub mod analysis;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod startup;
pub mod web;
