//! Checks on text from outside, the same rules the OpenAPI document states as patterns and
//! lengths (a request valid by the schema is accepted, one invalid by it is refused).
//!
//! Patterns used in the schema for these rules:
//! - required text: `^[^\u0000]*[^\u0000 \t\n\r][^\u0000]*$` (something besides spaces, tabs and
//!   line breaks; no NUL, which PostgreSQL cannot store in text). Blank is spelled out instead
//!   of `\s`, whose meaning differs between regex engines and Rust.
//! - optional text: `^[^\u0000]*$`
use super::DomainError;

/// At least one character that is not blank (space, tab, line break), no NUL, at most `max` characters.
pub fn required_text(code: &'static str, field: &str, s: &str, max: usize) -> Result<(), DomainError> {
    if !s.chars().any(|c| !matches!(c, '\0' | ' ' | '\t' | '\n' | '\r')) {
        return Err(DomainError::invalid(code, format!("{field} must not be empty")));
    }
    optional_text(code, field, s, max)
}

/// No NUL, at most `max` characters (Unicode scalar values, as JSON Schema counts them).
pub fn optional_text(code: &'static str, field: &str, s: &str, max: usize) -> Result<(), DomainError> {
    if s.contains('\0') {
        return Err(DomainError::invalid(code, format!("{field} must not contain NUL characters")));
    }
    if s.chars().count() > max {
        return Err(DomainError::invalid(code, format!("{field} has at most {max} characters")));
    }
    Ok(())
}

/// An address acht can mail, as the sender will read it: one `local@domain` (lettre's parser,
/// the one the sender uses), without a display name or angle brackets, a local part without
/// empty dot-separated pieces, a domain of at least two labels, none empty, at most 254
/// characters. Returns it as stored: trimmed, the domain lower-cased (the local part is the
/// receiving server's to interpret, so its case stays).
pub fn email(s: &str) -> Result<String, DomainError> {
    let s = s.trim();
    let shown: String = s.chars().take(80).collect();
    let bad = || {
        DomainError::invalid(
            "invalid_email",
            format!("'{shown}' is not an email address acht can send to: give one address, like name@company.example"),
        )
    };
    if s.chars().count() > 254 {
        return Err(bad());
    }
    let address: lettre::Address = s.parse().map_err(|_| bad())?;
    let (user, domain) = (address.user(), address.domain());
    let user_ok = !user.starts_with('.') && !user.ends_with('.') && !user.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok =
        labels.len() >= 2 && labels.iter().all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
    if !user_ok || !domain_ok {
        return Err(bad());
    }
    Ok(format!("{user}@{}", domain.to_lowercase()))
}

/// The earliest moment acht takes from outside: the first whose date, as its sender wrote it,
/// can be 2000-01-01 (earlier is a typo or a placeholder such as 0001-01-01, and would stretch
/// every chart back to it). An RFC 3339 offset is less than a day, so `2000-01-01T00:00+05:00`
/// (1999-12-31 in UTC) is in: 1999-12-31T00:00:00Z, as the API schema's pattern (`20..-`) says.
pub const EARLIEST_MS: i64 = 946_684_800_000 - 86_400_000;
/// How far ahead of acht's clock a reported moment may lie by default (the sender's clock may
/// be ahead); `ACHT_TIME_AHEAD_HOURS` sets it.
pub const AHEAD_MS: i64 = 86_400_000;

/// A moment something happened (an interaction, a first sighting, a churn, an answer): between
/// [`EARLIEST_MS`] and `ahead_ms` after `now`. A moment further ahead would be counted in a
/// period nobody has reached yet (and answered, for an interaction), so it is refused.
pub fn moment(code: &'static str, field: &str, ms: i64, now: i64, ahead_ms: i64) -> Result<(), DomainError> {
    if (EARLIEST_MS..=now.saturating_add(ahead_ms)).contains(&ms) {
        Ok(())
    } else {
        let hours = ahead_ms / 3_600_000;
        let ahead = if hours == 1 { "an hour".to_string() } else { format!("{hours} hours") };
        Err(DomainError::invalid(code, format!("{field} must lie between 2000-01-01 and {ahead} from now")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert!(required_text("c", "f", " x ", 3).is_ok());
        assert!(required_text("c", "f", " \t", 10).is_err());
        assert!(required_text("c", "f", "a\0", 10).is_err());
        assert!(required_text("c", "f", "ééé", 3).is_ok(), "characters, not bytes");
        assert!(required_text("c", "f", "éééé", 3).is_err());
        let now = 1_796_515_200_000; // 2026-12-06
        assert!(moment("c", "f", now, now, AHEAD_MS).is_ok() && moment("c", "f", EARLIEST_MS, now, AHEAD_MS).is_ok());
        assert!(moment("c", "f", now + AHEAD_MS, now, AHEAD_MS).is_ok());
        assert!(moment("c", "f", now + AHEAD_MS + 1, now, AHEAD_MS).is_err());
        assert!(moment("c", "f", EARLIEST_MS - 1, now, AHEAD_MS).is_err());
        assert!(moment("c", "f", now + 3_600_001, now, 3_600_000).is_err(), "the tolerance is a setting");
        assert!(moment("c", "f", i64::MAX, i64::MAX, AHEAD_MS).is_ok(), "no overflow");
        assert_eq!(email(" Jan.Jansen@Example.COM ").unwrap(), "Jan.Jansen@example.com");
        assert!(email("a@b.example").is_ok());
        assert!(email("jan+tag@sub.example.nl").is_ok());
        for bad in [
            "a b@c.example",
            "nobody",
            "a@@example.com",
            "@example.com",
            "user@",
            "x@y@z.example",
            "jan@example.com.",
            "jan..dots@example.com",
            ".jan@example.com",
            "<jan@example.com>",
            "Jan <jan@example.com>",
            "a@example.com, b@example.com",
            "jan@localhost",
            "jan@-example.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }
}
