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

/// The most characters a stored text column holds: ASM's PostgreSQL columns are `varchar(255)`
/// (ids, agent ids, tags, providers, correlation ids, statuses, type names, artifact keys, …),
/// counted in characters (Unicode scalar values), as PostgreSQL counts them. SQLite and D1 have
/// no such limit, so every store refuses a longer value alike. Not in ASM v0.8.
pub const MAX_TEXT_CHARS: usize = 255;

/// What every stored text column needs on every backend: no NUL character (PostgreSQL stores
/// none) and at most [`MAX_TEXT_CHARS`] characters; `validation_error` naming the field else.
pub fn check_text(field: &str, value: &str) -> Result<()> {
    json::check_no_nul(field, value)?;
    if value.chars().count() > MAX_TEXT_CHARS {
        let message = format!("{field} must be at most {MAX_TEXT_CHARS} characters");
        return Err(Error::validation(message));
    }
    Ok(())
}

/// [`check_text`] for an optional column (absent is fine).
pub fn check_opt_text(field: &str, value: Option<&str>) -> Result<()> {
    value.map_or(Ok(()), |v| check_text(field, v))
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
/// `session_id` are not blank, its texts fit every backend ([`check_text`]), its timestamp is in
/// range and its JSON is storable (depth, no NUL).
pub fn validate_event(event: &Event) -> Result<()> {
    required("id", &event.id)?;
    required("session_id", &event.session_id)?;
    check_text("id", &event.id)?;
    check_text("session_id", &event.session_id)?;
    check_opt_text("run_id", event.run_id.as_deref())?;
    check_opt_text("provider", event.provider.as_deref())?;
    check_opt_text("correlation_id", event.correlation_id.as_deref())?;
    in_range("timestamp", Some(event.timestamp))?;
    json::check_map_depth("data", &event.data)?;
    json::check_map_depth("metadata", &event.metadata)
}

/// What stores check of a session before writing it: `id` and `agent_id` are not blank, its
/// texts and tags fit every backend ([`check_text`]), its times are in range, and its JSON
/// fields are readable back (nested at most [`json::MAX_DEPTH`] levels, no NUL).
pub fn validate_session(session: &Session) -> Result<()> {
    required("id", &session.id)?;
    required("agent_id", &session.agent_id)?;
    check_text("id", &session.id)?;
    check_text("agent_id", &session.agent_id)?;
    check_opt_text("parent_session_id", session.parent_session_id.as_deref())?;
    for tag in &session.tags {
        check_text("tags", tag)?;
    }
    in_range("created_at", Some(session.created_at))?;
    in_range("updated_at", Some(session.updated_at))?;
    in_range("deleted_at", session.deleted_at)?;
    json::check_map_depth("metadata", &session.metadata)?;
    json::check_map_depth("context", &session.context)
}

/// What stores check of a run before writing it: `id` and `session_id` are not blank, its
/// texts fit every backend ([`check_text`]), its times are in range, and its JSON fields are
/// readable back.
pub fn validate_run(run: &Run) -> Result<()> {
    required("id", &run.id)?;
    required("session_id", &run.session_id)?;
    check_text("id", &run.id)?;
    check_text("session_id", &run.session_id)?;
    check_opt_text("provider", run.provider.as_deref())?;
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

    /// A field name and how to put a text into it.
    type Setter<T> = (&'static str, fn(&mut T, String));

    fn env() -> Env {
        Env::new(
            Arc::new(SteppingClock::new(Timestamp::from_micros(0), 1)),
            Arc::new(SeededIds::new(1)),
        )
    }

    /// The texts every field family is tried with: (value, the error message or `None` for ok).
    fn texts(field: &str) -> Vec<(String, Option<String>)> {
        let long = format!("{field} must be at most 255 characters");
        let nul = format!("{field} must not contain NUL characters");
        vec![
            ("x".repeat(255), None),
            // 255 characters of two bytes each: PostgreSQL counts characters, not bytes.
            ("é".repeat(255), None),
            ("x".repeat(256), Some(long.clone())),
            ("é".repeat(256), Some(long)),
            ("a\0b".to_owned(), Some(nul)),
        ]
    }

    fn expect(result: Result<()>, want: Option<String>, what: &str) {
        match (result, want) {
            (Ok(()), None) => {}
            (Err(e), Some(message)) => {
                assert_eq!(e.code(), crate::ErrorCode::ValidationError, "{what}");
                assert_eq!(e.message(), message, "{what}");
            }
            (got, want) => panic!("{what}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn event_texts_fit_every_backend() {
        let base = Event::new(crate::event::NewEvent::of(EventType::SessionCreated, "s"), &env())
            .expect("event");
        let setters: [Setter<Event>; 5] = [
            ("id", |e, v| e.id = v),
            ("session_id", |e, v| e.session_id = v),
            ("run_id", |e, v| e.run_id = Some(v)),
            ("provider", |e, v| e.provider = Some(v)),
            ("correlation_id", |e, v| e.correlation_id = Some(v)),
        ];
        for (field, set) in setters {
            for (value, want) in texts(field) {
                let mut e = base.clone();
                set(&mut e, value);
                expect(validate_event(&e), want, field);
            }
        }
        let mut e = base.clone();
        e.data.insert("k".into(), Value::String("\0".into()));
        expect(validate_event(&e), Some("data must not contain NUL characters".into()), "data");
        let mut e = base;
        e.metadata.insert("\0".into(), Value::Null);
        let want = Some("metadata must not contain NUL characters".into());
        expect(validate_event(&e), want, "metadata");
    }

    #[test]
    fn session_texts_and_tags_fit_every_backend() {
        let setters: [Setter<Session>; 4] = [
            ("id", |s, v| s.id = v),
            ("agent_id", |s, v| s.agent_id = v),
            ("parent_session_id", |s, v| s.parent_session_id = Some(v)),
            ("tags", |s, v| s.tags = vec!["ok".into(), v]),
        ];
        for (field, set) in setters {
            for (value, want) in texts(field) {
                let mut s = session();
                set(&mut s, value);
                expect(validate_session(&s), want, field);
            }
        }
        let mut s = session();
        s.context.insert("k".into(), serde_json::json!([{"deep": "\0"}]));
        let want = Some("context must not contain NUL characters".into());
        expect(validate_session(&s), want, "context");
    }

    #[test]
    fn run_texts_and_json_fit_every_backend() {
        let base = Run::new(crate::run::NewRun::for_session("s"), &env()).expect("run");
        let setters: [Setter<Run>; 3] = [
            ("id", |r, v| r.id = v),
            ("session_id", |r, v| r.session_id = v),
            ("provider", |r, v| r.provider = Some(v)),
        ];
        for (field, set) in setters {
            for (value, want) in texts(field) {
                let mut r = base.clone();
                set(&mut r, value);
                expect(validate_run(&r), want, field);
            }
        }
        for field in ["input", "output", "error"] {
            let mut r = base.clone();
            let v = Some(serde_json::json!({"text": "a\u{0}"}));
            match field {
                "input" => r.input = v,
                "output" => r.output = v,
                _ => r.error = v,
            }
            let want = Some(format!("{field} must not contain NUL characters"));
            expect(validate_run(&r), want, field);
        }
        let mut r = base;
        r.token_usage.insert("\0".into(), serde_json::json!(1));
        let want = Some("token_usage must not contain NUL characters".into());
        expect(validate_run(&r), want, "token_usage");
    }

    #[test]
    fn artifact_texts_fit_every_backend() {
        use crate::artifact::{Artifact, NewArtifact};
        let base = NewArtifact {
            key: Some("k".into()),
            byte_size: Some(1),
            checksum_sha256: Some("c".into()),
            storage_backend: Some("s3".into()),
            storage_ref: Some("s3://b/k".into()),
            ..NewArtifact::default()
        };
        let setters: [Setter<NewArtifact>; 8] = [
            ("id", |a, v| a.id = Some(v)),
            ("session_id", |a, v| a.session_id = Some(v)),
            ("run_id", |a, v| a.run_id = Some(v)),
            ("key", |a, v| a.key = Some(v)),
            ("content_type", |a, v| a.content_type = Some(v)),
            ("checksum_sha256", |a, v| a.checksum_sha256 = Some(v)),
            ("storage_backend", |a, v| a.storage_backend = Some(v)),
            ("storage_ref", |a, v| a.storage_ref = Some(v)),
        ];
        for (field, set) in setters {
            for (value, want) in texts(field) {
                let mut a = base.clone();
                set(&mut a, value);
                expect(Artifact::new(a, &env()).map(drop), want, field);
            }
        }
        let mut a = base;
        a.metadata.insert("k".into(), serde_json::json!(["\0"]));
        let want = Some("metadata must not contain NUL characters".into());
        expect(Artifact::new(a, &env()).map(drop), want, "metadata");
    }
}
