//! Comparing JSON documents number by number.
use serde_json::Value;

/// Collects every mismatch between `got` and `want` (1e-6 relative, 1e-9
/// absolute near zero; everything else exact).
pub fn compare(path: &str, got: &Value, want: &Value, errors: &mut Vec<String>) {
    compare_rel(path, got, want, 1e-6, errors)
}

pub fn compare_rel(path: &str, got: &Value, want: &Value, rel: f64, errors: &mut Vec<String>) {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            let ok = (g - w).abs() <= 1e-9 || (g - w).abs() <= rel * w.abs().max(g.abs());
            if !ok {
                errors.push(format!("{path}: got {g:e}, want {w:e}"));
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
                    (Some(a), Some(b)) => compare_rel(&format!("{path}.{key}"), a, b, rel, errors),
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
                compare_rel(&format!("{path}[{i}]"), a, b, rel, errors);
            }
        }
        _ if got == want => {}
        _ => errors.push(format!("{path}: got {got}, want {want}")),
    }
}
