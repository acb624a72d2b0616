//! The wire format: ASM's `to_map`/`from_map` for every entity, JSON parsing of every option
//! struct, and `serde::Serialize` for every port result, so all hosts send the same JSON.
//!
//! `to_map` always emits every key ASM emits (absent values as `null`), with timestamps in the
//! fixed form `2025-01-27T12:00:00.123456Z`. `from_map` accepts any JSON value and answers `Ok`
//! or ASM's error — the checks run in ASM's order and stop at the first failure — and never
//! panics. The edges ASM leaves unspecified are listed in `docs/compatibility.md` ("Wire format").

mod artifact_header;
pub mod client;
mod entities;
mod error;
mod options;
pub(crate) mod results;

use serde_json::Value;

pub use artifact_header::{
    ARTIFACT_HEADER, MAX_ARTIFACT_HEADER_BYTES, artifact_from_header, artifact_header,
};

use crate::error::{Error, Result};
use crate::json::JsonMap;
use crate::time::Timestamp;

/// The value under `key`, with JSON `null` read as absent (ASM's `nil`).
fn present<'a>(map: &'a JsonMap, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

/// ASM's required-string check: nil, then empty, then not a string.
fn required_string(map: &JsonMap, key: &str) -> Result<String> {
    match present(map, key) {
        None => Err(Error::validation(format!("{key} is required"))),
        Some(Value::String(s)) if s.is_empty() => {
            Err(Error::validation(format!("{key} cannot be empty")))
        }
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(Error::validation(format!("{key} must be a string"))),
    }
}

/// ASM's required-datetime check; `label` is what the messages call the field (`datetime` for
/// sessions and runs, `timestamp` for events).
fn required_datetime(map: &JsonMap, key: &str, label: &str) -> Result<Timestamp> {
    match present(map, key) {
        None => Err(Error::validation(format!("{label} is required"))),
        Some(Value::String(s)) => {
            Timestamp::parse_iso8601(s).ok_or_else(|| Error::validation("Invalid datetime format"))
        }
        Some(_) => Err(Error::validation(format!("{label} must be a string"))),
    }
}

/// An optional datetime: anything but a parseable ISO-8601 string reads as absent.
fn optional_datetime(map: &JsonMap, key: &str) -> Option<Timestamp> {
    present(map, key).and_then(Value::as_str).and_then(Timestamp::parse_iso8601)
}

/// An optional string: anything but a string reads as absent.
fn optional_string(map: &JsonMap, key: &str) -> Option<String> {
    present(map, key).and_then(Value::as_str).map(str::to_owned)
}

/// A map field: anything but an object reads as `{}`.
fn object_or_empty(map: &JsonMap, key: &str) -> JsonMap {
    match map.get(key) {
        Some(Value::Object(m)) => m.clone(),
        _ => JsonMap::new(),
    }
}

/// An optional free-form value: `null` and absence both read as `None`.
fn optional_value(map: &JsonMap, key: &str) -> Option<Value> {
    present(map, key).cloned()
}

/// `Some(i64)` for a JSON integer that fits.
fn optional_integer(map: &JsonMap, key: &str) -> Option<i64> {
    present(map, key).and_then(crate::json::as_integer)
}

/// The wire form of an optional instant.
fn iso_or_null(at: Option<Timestamp>) -> Value {
    at.map_or(Value::Null, |t| Value::String(t.to_iso8601()))
}

/// The wire form of an optional string.
fn string_or_null(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

/// A float as JSON; NaN and infinities, which JSON cannot carry, become `null`.
fn float_value(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// ASM's rendering of a value inside a message (`inspect/1`), here the compact JSON text.
fn inspect(value: &Value) -> String {
    value.to_string()
}
