//! Comparing JSON documents number by number, as the README promises: every number to 1e-6
//! relative, however small, and an absolute floor only where the expected value is exactly 0.
//! P-values are compared on the log scale: a p-value inherits the error of its statistic
//! multiplied by about 2·|ln p| (for a normal tail, d ln p / d ln z ≈ z² ≈ 2·|ln p|), so a
//! statistic that agrees to 1e-8 gives a p of 1e-97 that agrees only to 1e-5. Holding
//! |ln got − ln want| to 1e-6·max(1, |ln want|) asks of a p-value exactly what the statistic
//! behind it is held to; above about e^-1 that is 1e-6 relative again.
use serde_json::Value;

/// The relative tolerance of every golden comparison (ANALYSIS.md: "reproduces it to 1e-6
/// relative").
pub const REL: f64 = 1e-6;

/// A part of a document checked more loosely than [`REL`], and why.
pub struct Exemption {
    /// The JSONPath-like prefix it covers, e.g. `$.survival.cox.coef`.
    pub path: &'static str,
    pub rel: f64,
    pub why: &'static str,
}

/// Collects every mismatch between `got` and `want` at [`REL`].
pub fn compare(path: &str, got: &Value, want: &Value, errors: &mut Vec<String>) {
    compare_except(path, got, want, &[], errors)
}

/// [`compare`], with the given parts held to their own tolerance.
pub fn compare_except(path: &str, got: &Value, want: &Value, exemptions: &[Exemption], errors: &mut Vec<String>) {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            let rel = exemptions.iter().find(|e| path.starts_with(e.path)).map_or(REL, |e| e.rel);
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            if !numbers_agree(g, w, rel, is_p_value(path)) {
                errors.push(format!("{path}: got {g:e}, want {w:e} (relative difference {:e})", rel_diff(g, w)));
            }
        }
        (Value::Object(g), Value::Object(w)) => {
            let keys: std::collections::BTreeSet<&String> = g.keys().chain(w.keys()).collect();
            for key in keys {
                match (g.get(key), w.get(key)) {
                    // Notes are prose: the reference's wording differs, their presence must not.
                    (Some(a), Some(b)) if key.ends_with("_note") => {
                        if !(a.is_string() && b.is_string()) {
                            errors.push(format!("{path}.{key}: got {a}, want a note like {b}"));
                        }
                    }
                    (Some(a), Some(b)) => compare_except(&format!("{path}.{key}"), a, b, exemptions, errors),
                    (None, _) => errors.push(format!("{path}.{key}: missing")),
                    (_, None) => errors.push(format!("{path}.{key}: unexpected")),
                }
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            if g.len() != w.len() {
                errors.push(format!("{path}: length {} vs {}", g.len(), w.len()));
            }
            for (i, (a, b)) in g.iter().zip(w).enumerate() {
                compare_except(&format!("{path}[{i}]"), a, b, exemptions, errors);
            }
        }
        _ if got == want => {}
        _ => errors.push(format!("{path}: got {got}, want {want}")),
    }
}

/// Whether the number at `path` is a p-value (`p_value`, `lr_p_value`, `fisher_p`, `holm_p`,
/// `p_slope`, …).
fn is_p_value(path: &str) -> bool {
    let key = path.rsplit('.').next().unwrap_or(path);
    key == "p_value" || key.ends_with("_p_value") || key.ends_with("_p") || key.starts_with("p_")
}

/// `got` agrees with `want` to `rel` relative. An expected 0 has nothing to be relative to:
/// a p-value the reference underflowed to 0 must be below 1e-300 (what f64 can still hold
/// with some digits), any other expected 0 within 1e-12 (rounding of a difference of equals).
fn numbers_agree(got: f64, want: f64, rel: f64, p_value: bool) -> bool {
    if want == 0.0 {
        return got.abs() <= if p_value { 1e-300 } else { 1e-12 };
    }
    if p_value && got > 0.0 && want > 0.0 {
        return (got.ln() - want.ln()).abs() <= rel * want.ln().abs().max(1.0);
    }
    rel_diff(got, want) <= rel
}

fn rel_diff(got: f64, want: f64) -> f64 {
    if got == want {
        0.0
    } else {
        (got - want).abs() / want.abs()
    }
}

#[test]
fn compare_catches_what_an_absolute_floor_let_through() {
    let want = serde_json::json!({
        "a": [1.0, {"b": null}], "c": "x",
        "chi_square": {"p_value": 1.8e-215}, "steps": [{"fisher_p": 1.6e-8, "diff": 2e-10}],
        "logrank": {"p_value": 0.0}, "zero": 0.0,
    });
    let mut errors = Vec::new();
    compare("$", &want, &want, &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    let got = serde_json::json!({
        "a": [1.000002, {"b": 0}], "c": "y", "e": 1,
        // Each within 1e-9 absolute of its expected value: the old comparator passed them.
        "chi_square": {"p_value": 1.9e-215}, "steps": [{"fisher_p": 1.6001e-8, "diff": 1e-10}],
        "logrank": {"p_value": 1e-250}, "zero": 1e-10,
    });
    compare("$", &got, &want, &mut errors);
    let paths: Vec<&str> = errors.iter().map(|e| e.split(':').next().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "$.a[0]",
            "$.a[1].b",
            "$.c",
            "$.chi_square.p_value",
            "$.e",
            "$.logrank.p_value",
            "$.steps[0].diff",
            "$.steps[0].fisher_p",
            "$.zero"
        ],
        "{errors:#?}"
    );
    // Within 1e-6 relative passes, however small the number; an exemption loosens only its path.
    let mut errors = Vec::new();
    let near =
        serde_json::json!({"p_value": 1.0005e-300, "p": 0.5000004, "cox": {"coef": 1.000005}, "other": 1.000005});
    let want = serde_json::json!({"p_value": 1e-300, "p": 0.5, "cox": {"coef": 1.0}, "other": 1.0});
    let loose = [Exemption { path: "$.cox", rel: 1e-5, why: "test" }];
    compare_except("$", &near, &want, &loose, &mut errors);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("$.other"), "{errors:?}");
}
