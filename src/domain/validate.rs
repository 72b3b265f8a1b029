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

/// An email address as OpenAPI's `format: email` checkers read it: something with an `@`,
/// at most 320 characters, no whitespace or NUL.
pub fn email(s: &str) -> Result<(), DomainError> {
    let ok = s.contains('@') && s.chars().count() <= 320 && !s.chars().any(|c| c.is_whitespace() || c == '\0');
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid("invalid_email", "email must be an email address (at most 320 characters)"))
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
        assert!(email("a@b.example").is_ok());
        assert!(email("a b@c").is_err());
        assert!(email("nobody").is_err());
    }
}
