//! The worlds the golden tests analyse, all from this repository: small edge-case worlds kept
//! as CSV under `tests/fixtures`, and the large world (30,000 customers, like the demo world)
//! that `scripts/make_worlds.py` regenerates here on every run. Their expected JSON was made by
//! `scripts/reference_analysis.py` (scipy, statsmodels, lifelines) and is kept beside them.
use super::TempDir;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A world's CSV files (`customers.csv`, `responses.csv`) and its expected analyses.
pub struct World {
    /// Where the CSV files are.
    pub data: PathBuf,
    /// Where `expected-*.json` are.
    pub expected: PathBuf,
    _scratch: Option<TempDir>,
}

impl World {
    pub fn customers(&self) -> String {
        self.data.join("customers.csv").display().to_string()
    }

    pub fn responses(&self) -> String {
        self.data.join("responses.csv").display().to_string()
    }

    pub fn expected(&self, survey: &str) -> serde_json::Value {
        let file = self.expected.join(format!("expected-{survey}.json"));
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
    }
}

/// A small world kept in the repository (`noplateau`, `nochurn`, `ties`, `small`).
pub fn kept(name: &str) -> World {
    let dir = fixtures().join(name);
    World { data: dir.clone(), expected: dir, _scratch: None }
}

/// The large world, generated now by `scripts/make_worlds.py --only large --csv-only` (Python's
/// standard library only), and checked against the SHA-256 its expected files were made from.
/// None (skip) without python3.
pub fn large() -> Option<World> {
    let scratch = super::scratch();
    let script = fixtures().join("../../scripts/make_worlds.py");
    let out = match std::process::Command::new("python3")
        .arg(&script)
        .arg(&scratch.0)
        .args(["--only", "large", "--csv-only"])
        .output()
    {
        Ok(out) => out,
        Err(e) => return super::skip(&format!("python3 cannot run, so the large world cannot be made: {e}")),
    };
    assert!(out.status.success(), "make_worlds.py: {}", String::from_utf8_lossy(&out.stderr));
    let data = scratch.0.join("large");
    let expected = fixtures().join("large");
    assert_made_from(&data, &expected, "python3 scripts/make_worlds.py --only large");
    Some(World { data, expected, _scratch: Some(scratch) })
}

/// The CSV files in `data` are the ones `expected/world.sha256` names: the generator still makes
/// the world the expected files were computed from (else `remake` does it again).
pub fn assert_made_from(data: &Path, expected: &Path, remake: &str) {
    let hashes = std::fs::read_to_string(expected.join("world.sha256")).unwrap();
    for line in hashes.lines() {
        let (want, file) = line.split_once("  ").unwrap();
        assert_eq!(
            sha256(&data.join(file)),
            want,
            "the generator no longer makes the world {} was computed from: rerun `{remake}`",
            expected.display()
        );
    }
}

/// A world of `scripts/simulate_headline.py` with a known truth, written to a scratch directory:
/// (the directory, the truth it printed). None (skip) without python3.
pub fn simulated(kind: &str, customers: usize, seed: u64) -> Option<(TempDir, serde_json::Value)> {
    let scratch = super::scratch();
    let made = std::process::Command::new("python3")
        .arg(fixtures().join("../../scripts/simulate_headline.py"))
        .arg("write")
        .arg(&scratch.0)
        .args(["--type", kind, "--customers", &customers.to_string(), "--seed", &seed.to_string()])
        .output();
    let out = match made {
        Ok(out) => out,
        Err(e) => return super::skip(&format!("python3 cannot run the simulator: {e}")),
    };
    assert!(out.status.success(), "simulate_headline.py: {}", String::from_utf8_lossy(&out.stderr));
    Some((scratch, serde_json::from_slice(&out.stdout).expect("the truth as JSON")))
}

fn sha256(file: &Path) -> String {
    let bytes = std::fs::read(file).unwrap();
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The shared demo world beside this checkout (`../shared/data`, or `$ACHT_ANALYSIS_DATA`): an
/// extra check where it exists; nothing depends on it.
pub fn shared() -> Option<World> {
    let dir = std::env::var_os("ACHT_ANALYSIS_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if !dir.join("responses.csv").exists() {
        eprintln!("no shared demo world at {}: the optional extra check is left out", dir.display());
        return None;
    }
    Some(World { data: dir.clone(), expected: dir, _scratch: None })
}
