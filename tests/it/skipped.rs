//! The last test of a run (`.config/nextest.toml` gives it the lowest priority and every test
//! thread, so it starts when all others have ended): one line per skipped group, so a run
//! without PostgreSQL, Chromium or aiosmtpd says so at its end instead of passing quietly.
//! Under `ACHT_TEST_STRICT=1` nothing skips: those tests fail instead.
use crate::common;
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn zz_skipped_tests_are_summed_up_at_the_end() {
    let log = common::skip_log();
    let Ok(text) = std::fs::read_to_string(&log) else { return };
    let _ = std::fs::remove_file(&log);
    let mut groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for line in text.lines() {
        let (test, why) = line.split_once('\t').unwrap_or(("?", line));
        groups.entry(why).or_default().insert(test);
    }
    for (why, tests) in groups {
        let names: Vec<&str> = tests.into_iter().collect();
        println!("SKIPPED {} test(s): {why} ({})", names.len(), names.join(", "));
    }
}
