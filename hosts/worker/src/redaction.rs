//! Redaction on the Worker: `ASM_REDACTION` (ASM's redaction map as JSON) turns it on for every
//! event a request writes, and each write that replaced something logs one line per session,
//! so operators see that secrets were kept out of the database without the log holding them.

use asm_core::redactor::{EventRedaction, RedactionConfig, by_session};
use asm_core::{Error, ErrorCode};
use serde_json::{Value, json};

/// Response header of a write on a Worker with redaction on: how many matches were replaced in
/// the events the request stored.
pub const REDACTIONS_HEADER: &str = "x-asm-redactions";

/// The configuration in `ASM_REDACTION`: unset or blank is off (ASM's default); a map that does
/// not mention `enabled` turns it on. Anything unreadable is `dependency_not_available` naming
/// the var, so a misconfigured Worker refuses requests with a code instead of storing secrets.
pub fn config(var: Option<&str>) -> Result<Option<RedactionConfig>, Error> {
    let Some(text) = var.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Error::new(ErrorCode::DependencyNotAvailable, format!("ASM_REDACTION is not JSON: {e}"))
    })?;
    RedactionConfig::from_json(&value, true).map(Some).map_err(|e| {
        Error::new(ErrorCode::DependencyNotAvailable, format!("ASM_REDACTION: {}", e.message()))
    })
}

/// `{"asm_redaction": {"session_id", "count", "fields"}}`, one per session of `changes`.
pub fn log_lines(changes: &[EventRedaction]) -> Vec<Value> {
    by_session(changes).iter().map(|s| json!({ "asm_redaction": s.to_json() })).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_var_is_off_on_or_refused_with_a_code() {
        assert!(config(None).unwrap().is_none());
        assert!(config(Some("  ")).unwrap().is_none());
        assert!(config(Some("{}")).unwrap().unwrap().enabled);
        assert!(!config(Some(r#"{"enabled":false}"#)).unwrap().unwrap().enabled);
        for bad in ["{not json", "[1]", r#"{"patterns":["("]}"#, r#"{"deep_scan":"yes"}"#] {
            let e = config(Some(bad)).unwrap_err();
            assert_eq!(e.code(), ErrorCode::DependencyNotAvailable, "{bad}");
            assert!(e.message().starts_with("ASM_REDACTION"), "{bad}: {}", e.message());
            assert!(crate::errors::status_of(&e) >= 500, "{bad}");
        }
    }

    #[test]
    fn one_line_per_session_with_the_sum_and_the_fields() {
        let change = |event: &str, session: &str, n: usize, fields: &[&str]| EventRedaction {
            event_id: event.into(),
            session_id: session.into(),
            redaction_count: n,
            fields_redacted: fields.iter().map(|f| (*f).to_owned()).collect(),
        };
        let lines = log_lines(&[
            change("e1", "s2", 3, &["tool_input"]),
            change("e2", "s1", 1, &["content"]),
            change("e3", "s2", 2, &["content", "tool_input"]),
        ]);
        assert_eq!(
            lines,
            vec![
                json!({"asm_redaction": {"session_id": "s1", "count": 1, "fields": ["content"]}}),
                json!({"asm_redaction": {"session_id": "s2", "count": 5,
                       "fields": ["content", "tool_input"]}}),
            ]
        );
        assert!(log_lines(&[]).is_empty());
    }
}
