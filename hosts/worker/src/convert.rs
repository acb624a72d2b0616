//! JSON in and out of the HTTP layer: request bodies, and query strings as option objects.

use asm_core::json::JsonMap;
use asm_core::{Error, Result};
use serde_json::Value;

use crate::errors::bad_json;
use crate::routes::percent_decode;

/// Query parameters read as integers when they parse as one (the core judges the value).
const INTEGER_PARAMS: &[&str] =
    &["limit", "after", "before", "wait_timeout_ms", "from_sequence", "max_events"];

/// The request body as JSON; an empty body is `null` (no options).
pub fn body_json(body: &[u8]) -> Result<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    asm_core::json::from_bytes(body).map_err(|e| bad_json(&e.to_string()))
}

/// A query string as an options object: `limit`, `after`, `before` and `wait_timeout_ms` as
/// integers when they parse, `true`/`false` as booleans, everything else as text. A repeated
/// key becomes a list. No parameters at all is `null`.
pub fn query_json(query: &str) -> Result<Value> {
    let mut map = JsonMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let bad = || bad_query(pair);
        let (key, text) = (percent_decode(k).ok_or_else(bad)?, percent_decode(v).ok_or_else(bad)?);
        let value = match text.as_str() {
            _ if INTEGER_PARAMS.contains(&key.as_str()) => {
                text.parse::<i64>().map_or(Value::String(text), Value::from)
            }
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text),
        };
        match map.get_mut(&key) {
            Some(Value::Array(items)) => items.push(value),
            Some(first) => *first = Value::Array(vec![first.take(), value]),
            None => {
                map.insert(key, value);
            }
        }
    }
    Ok(if map.is_empty() { Value::Null } else { Value::Object(map) })
}

fn bad_query(pair: &str) -> Error {
    Error::validation(format!("malformed query parameter: {pair}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use asm_core::NewArtifact;
    use serde_json::json;

    #[test]
    fn query_strings_become_option_objects() {
        assert_eq!(query_json("").unwrap(), Value::Null);
        assert_eq!(
            query_json("limit=5&type=message_received&since=2025-01-27T12%3A00%3A00Z&after=x")
                .unwrap(),
            json!({"limit": 5, "type": "message_received", "since": "2025-01-27T12:00:00Z", "after": "x"})
        );
        assert_eq!(
            query_json("tag=a&tag=b&tag=c&x=true").unwrap(),
            json!({"tag": ["a", "b", "c"], "x": true})
        );
        assert!(query_json("a=%zz").is_err());
    }

    #[test]
    fn bodies() {
        assert_eq!(body_json(b"  ").unwrap(), Value::Null);
        assert_eq!(body_json(b"{\"a\":1}").unwrap(), json!({"a": 1}));
        assert_eq!(body_json(b"{").unwrap_err().code(), asm_core::ErrorCode::ValidationError);
        assert!(NewArtifact::from_json(&json!({"key": 1})).is_err());
        assert_eq!(
            NewArtifact::from_json(&json!({"key": "k", "byte_size": 3})).unwrap().byte_size,
            Some(3)
        );
    }
}
