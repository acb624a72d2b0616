//! EventValidator (`persistence/event_validator.ex`, docs/asm-v0.8/domain.md §6.2): a strict structural check
//! that rejects an event, and an advisory shape check that only warns.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::event::{Event, EventType};
use crate::json::{self, JsonMap};
use crate::run::Run;
use crate::session::Session;

/// ASM's `validate_structural/1` on the wire form of an event, where a missing type, a `null`
/// data or a foreign type name can occur. Checks, in order: type present, session_id present
/// (an empty string passes), timestamp present, type known, data a map or `null`.
///
/// A value that is not an object at all is `validation_error "Invalid event map"`.
pub fn validate_structural(event: &Value) -> Result<()> {
    let map = event.as_object().ok_or_else(|| Error::validation("Invalid event map"))?;
    let present = |key: &str| map.get(key).filter(|v| !v.is_null());
    let event_type = present("type").ok_or_else(|| Error::validation("type is required"))?;
    if present("session_id").is_none() {
        return Err(Error::validation("session_id is required"));
    }
    if present("timestamp").is_none() {
        return Err(Error::validation("timestamp is required"));
    }
    match event_type {
        Value::String(name) => {
            EventType::from_name(name)?;
        }
        other => return Err(Error::validation(format!("type must be an atom, got: {other}"))),
    }
    match map.get("data") {
        None | Some(Value::Null | Value::Object(_)) => Ok(()),
        Some(other) => Err(Error::validation(format!("data must be a map, got: {other}"))),
    }
}

/// The store's required-field check (Ecto's `validate_required`: an empty string is blank).
fn required(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        Err(Error::validation(format!("{field} can't be blank")))
    } else {
        Ok(())
    }
}

/// The first and last instants a store accepts: years 1 to 9999, what ISO-8601 text with a
/// four-digit year, Elixir's Ecto types and both databases all carry.
const FIRST_INSTANT: i64 = -62_135_596_800_000_000;
const LAST_INSTANT: i64 = 253_402_300_799_999_999;

/// A timestamp field must fall in years 1..=9999.
fn in_range(field: &str, at: Option<crate::time::Timestamp>) -> Result<()> {
    match at {
        Some(t) if !(FIRST_INSTANT..=LAST_INSTANT).contains(&t.as_micros()) => {
            Err(Error::validation(format!("{field} is out of range (years 1 to 9999)")))
        }
        _ => Ok(()),
    }
}

/// The structural check for a typed event, which stores run before writing: the type,
/// timestamp and data map are guaranteed by the type, so what is left is that `id` and
/// `session_id` are not blank.
pub fn validate_event(event: &Event) -> Result<()> {
    required("id", &event.id)?;
    required("session_id", &event.session_id)?;
    in_range("timestamp", Some(event.timestamp))?;
    json::check_map_depth("data", &event.data)?;
    json::check_map_depth("metadata", &event.metadata)
}

/// What stores check of a session before writing it: `id` and `agent_id` are not blank, its
/// times are in range, and its JSON fields are readable back
/// (nested at most [`json::MAX_DEPTH`] levels).
pub fn validate_session(session: &Session) -> Result<()> {
    required("id", &session.id)?;
    required("agent_id", &session.agent_id)?;
    in_range("created_at", Some(session.created_at))?;
    in_range("updated_at", Some(session.updated_at))?;
    in_range("deleted_at", session.deleted_at)?;
    json::check_map_depth("metadata", &session.metadata)?;
    json::check_map_depth("context", &session.context)
}

/// What stores check of a run before writing it: `id` and `session_id` are not blank, its
/// times are in range, and its JSON fields are readable back.
pub fn validate_run(run: &Run) -> Result<()> {
    required("id", &run.id)?;
    required("session_id", &run.session_id)?;
    in_range("started_at", Some(run.started_at))?;
    in_range("ended_at", run.ended_at)?;
    for (field, value) in [("input", &run.input), ("output", &run.output), ("error", &run.error)] {
        if let Some(v) = value {
            json::check_depth(field, v)?;
        }
    }
    json::check_map_depth("metadata", &run.metadata)?;
    json::check_map_depth("token_usage", &run.token_usage)?;
    json::check_map_depth("provider_metadata", &run.provider_metadata)
}

/// A field type the shape rules ask for.
#[derive(Clone, Copy)]
enum Kind {
    String,
    Integer,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Integer => "integer",
        }
    }

    fn accepts(self, value: &Value) -> bool {
        match self {
            Kind::String => value.is_string(),
            Kind::Integer => value.is_i64() || value.is_u64(),
        }
    }
}

/// The shape rules: required payload fields per type, in ASM's order.
fn rules(event_type: EventType) -> &'static [(&'static str, Kind)] {
    use EventType as T;
    match event_type {
        T::MessageReceived => &[("content", Kind::String), ("role", Kind::String)],
        T::MessageStreamed => &[("content", Kind::String)],
        T::ToolCallStarted | T::ToolCallCompleted | T::ToolCallFailed => {
            &[("tool_name", Kind::String)]
        }
        T::TokenUsageUpdated => {
            &[("input_tokens", Kind::Integer), ("output_tokens", Kind::Integer)]
        }
        T::RunCompleted => &[("stop_reason", Kind::String)],
        T::ErrorOccurred => &[("error_message", Kind::String)],
        T::PolicyViolation => &[("policy", Kind::String), ("kind", Kind::String)],
        T::ToolApprovalRequested => &[("tool_name", Kind::String), ("policy_name", Kind::String)],
        T::ToolApprovalGranted | T::ToolApprovalDenied => &[("tool_name", Kind::String)],
        _ => &[],
    }
}

/// ASM's `validate_shape/1`: one warning per required field that is missing, `null`, or of the
/// wrong JSON type, in rule order; empty when the payload fits (or the type has no rules).
pub fn validate_shape(event_type: EventType, data: &JsonMap) -> Vec<String> {
    rules(event_type)
        .iter()
        .filter_map(|(field, kind)| match data.get(*field) {
            None | Some(Value::Null) => {
                Some(format!("missing required field '{field}' for shape validation"))
            }
            Some(v) if !kind.accepts(v) => {
                Some(format!("field '{field}' expected {}, got {v}", kind.name()))
            }
            Some(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::id::{Env, SeededIds};
    use crate::session::NewSession;
    use crate::time::{SteppingClock, Timestamp};

    fn session() -> Session {
        let env = Env::new(
            Arc::new(SteppingClock::new(Timestamp::from_micros(0), 1)),
            Arc::new(SeededIds::new(1)),
        );
        Session::new(NewSession::for_agent("a"), &env).expect("session")
    }

    #[test]
    fn stores_refuse_blank_ids_and_times_outside_years_1_to_9999() {
        assert!(validate_session(&session()).is_ok());
        let blank = Session { id: String::new(), ..session() };
        assert_eq!(validate_session(&blank).unwrap_err().message(), "id can't be blank");
        let no_agent = Session { agent_id: String::new(), ..session() };
        assert_eq!(validate_session(&no_agent).unwrap_err().message(), "agent_id can't be blank");
        for micros in [i64::MIN, FIRST_INSTANT - 1, LAST_INSTANT + 1, i64::MAX] {
            let odd = Session { created_at: Timestamp::from_micros(micros), ..session() };
            assert_eq!(
                validate_session(&odd).unwrap_err().code(),
                crate::ErrorCode::ValidationError
            );
        }
        let edge = Session { created_at: Timestamp::from_micros(LAST_INSTANT), ..session() };
        assert!(validate_session(&edge).is_ok());
    }
}
