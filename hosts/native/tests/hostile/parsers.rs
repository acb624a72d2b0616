//! Wrong types, malformed values and forged cursors at every parser of the wire format: each
//! gets an ASM error (or, for the lenient option parsers ASM also has, a defined value), never a
//! panic.

use asm_core::ports::{
    CostQuery, EventFilter, EventSearch, FlushPayload, ListRuns, ListSessions, RunSearch,
    SessionOrder, SessionSearch, UsageQuery,
};
use asm_core::redactor::{RedactionConfig, redact_map};
use asm_core::{Artifact, Error, Event, RetentionPolicy, Run, Session};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::{Outcome, dismantle, nested};

/// Values of the wrong type or shape for any of the parsers.
fn wrong_values() -> Vec<(&'static str, Value)> {
    vec![
        ("null", Value::Null),
        ("number", json!(42)),
        ("string", json!("{\"id\": \"ses_1\"}")),
        ("array", json!([{"id": "ses_1"}])),
        ("empty object", json!({})),
        ("id as number", json!({"id": 5, "agent_id": 7, "session_id": 8, "type": 9})),
        (
            "maps as strings",
            json!({"id": "x", "agent_id": "a", "session_id": "s", "metadata": "m", "data": "d", "context": "c"}),
        ),
        (
            "huge numbers",
            json!({"id": "x", "session_id": "s", "sequence_number": 1e308, "turn_count": u64::MAX, "limit": -1}),
        ),
        (
            "bad timestamps",
            json!({"id": "x", "agent_id": "a", "created_at": "yesterday", "timestamp": 12, "since": "2025-13-45T99:99:99Z"}),
        ),
        (
            "bad enums",
            json!({"id": "x", "agent_id": "a", "status": "exploded", "type": "drop_table", "order_by": "id; --"}),
        ),
        (
            "sql everywhere",
            json!({"id": "'; DROP TABLE asm_events; --", "agent_id": "' OR 1=1", "status": "'--"}),
        ),
        ("nested 100", json!({"id": "x", "agent_id": "a", "metadata": {"deep": nested(100)}})),
    ]
}

/// Runs `f` on `v`; `Ok` when it returned (any value or error), with a panic caught and reported.
fn no_panic<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> Result<T, String> {
    std::panic::catch_unwind(f).map_err(|_| "panicked".to_owned())
}

/// A named parser under test and what it answers for one input.
type Parser<T> = (&'static str, fn(&Value) -> T);

/// Every `from_map` must reject these with an ASM error.
fn entity_parsers() -> Vec<Parser<Option<String>>> {
    vec![
        ("Session::from_map", |v| Session::from_map(v).err().map(|e| e.code().as_str().to_owned())),
        ("Run::from_map", |v| Run::from_map(v).err().map(|e| e.code().as_str().to_owned())),
        ("Event::from_map", |v| Event::from_map(v).err().map(|e| e.code().as_str().to_owned())),
        ("Artifact::from_map", |v| {
            Artifact::from_map(v).err().map(|e| e.code().as_str().to_owned())
        }),
    ]
}

/// The option parsers: each returns whether it answered with an error.
fn option_parsers() -> Vec<Parser<bool>> {
    vec![
        ("ListSessions", |v| ListSessions::from_json(v).is_err()),
        ("ListRuns", |v| ListRuns::from_json(v).is_err()),
        ("EventFilter", |v| EventFilter::from_json(v).is_err()),
        ("FlushPayload", |v| FlushPayload::from_json(v).is_err()),
        ("SessionSearch", |v| SessionSearch::from_json(v).is_err()),
        ("RunSearch", |v| RunSearch::from_json(v).is_err()),
        ("EventSearch", |v| EventSearch::from_json(v).is_err()),
        ("UsageQuery", |v| UsageQuery::from_json(v).is_err()),
        ("CostQuery", |v| CostQuery::from_json(v).is_err()),
        ("RetentionPolicy", |v| RetentionPolicy::from_json(v).is_err()),
        ("RedactionConfig", |v| RedactionConfig::from_json(v, true).is_err()),
        ("Error", |v| Error::from_map(v).is_err()),
    ]
}

/// Cursors no search may accept: each must be `invalid_cursor`.
pub fn forged_cursors() -> Vec<(&'static str, String)> {
    let b = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    vec![
        ("empty", String::new()),
        ("not base64", "!!!not base64!!!".into()),
        ("not JSON", URL_SAFE_NO_PAD.encode("not json")),
        ("array", b(json!([]))),
        (
            "wrong kind",
            b(json!({"k": "run", "o": "started_at_desc", "v": "2025-01-01T00:00:00Z", "id": "x"})),
        ),
        (
            "huge int",
            URL_SAFE_NO_PAD.encode(
                r#"{"k":"session","o":"created_at_desc","v":99999999999999999999999999,"id":"x"}"#,
            ),
        ),
        (
            "int for a time",
            b(json!({"k": "session", "o": "created_at_desc", "v": i64::MAX, "id": "x"})),
        ),
        ("wrong types", b(json!({"k": 1, "o": 2, "v": 3, "id": 4}))),
        (
            "extra key",
            b(
                json!({"k": "event", "o": "sequence_asc", "v": 1, "id": "x", "sql": "'; DROP TABLE asm_events; --"}),
            ),
        ),
        (
            "order of another kind",
            b(json!({"k": "session", "o": "sequence_asc", "v": 1, "id": "x"})),
        ),
        ("10k-deep JSON", URL_SAFE_NO_PAD.encode(deep)),
        ("1 MiB", URL_SAFE_NO_PAD.encode("x".repeat(1 << 20))),
    ]
}

/// Every parser against every wrong value, forged cursors at the decoder, the redactor on
/// hostile maps.
pub fn parsers(out: &mut Outcome) {
    for (what, value) in wrong_values() {
        for (name, parse) in entity_parsers() {
            let v = value.clone();
            let r = no_panic(move || parse(&v)).and_then(|code| match (what, code) {
                (_, Some(_)) => Ok(()),
                (w, None) => Err(format!("accepted {w}")),
            });
            out.check(&format!("{name} rejects {what}"), r);
        }
        for (name, parse) in option_parsers() {
            let v = value.clone();
            out.check(&format!("{name} on {what}"), no_panic(move || parse(&v)).map(drop));
        }
    }
    for (name, cursor) in forged_cursors() {
        let r = no_panic(move || asm_core::cursor::decode(&cursor, SessionOrder::CreatedAtDesc))
            .and_then(|r| match r {
                Err(e) if e.code() == asm_core::ErrorCode::InvalidCursor => Ok(()),
                other => Err(format!("{other:?}")),
            });
        out.check(&format!("cursor::decode rejects {name}"), r);
    }
    let config = RedactionConfig::enabled_default();
    for (name, value) in [
        (
            "secrets",
            json!({"password": "hunter2", "k": "sk-ant-abcdefghijklmnopqrstuvwxyz0123456789", "n": [1, {"token": "x"}]}),
        ),
        ("4 MiB string", json!({"blob": "AKIA".repeat(1 << 20)})),
        ("1000-deep", json!({"deep": nested(1000)})),
    ] {
        let map = value.as_object().cloned().unwrap_or_default();
        let config = config.clone();
        let r = no_panic(move || {
            let redacted = redact_map(&map, &config);
            dismantle(Value::Object(redacted));
            dismantle(Value::Object(map));
        });
        out.check(&format!("redactor on {name}"), r);
    }
}
