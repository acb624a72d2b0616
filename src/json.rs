//! JSON helpers: the map type every free-form field uses, and small typed readers.
//!
//! ASM's maps have atom or string keys; JSON objects make that duality disappear (keys are
//! always strings), which is what a round trip through ASM's tables yields anyway.

use serde_json::Value;

/// A JSON object with string keys: `metadata`, `context`, `data`, `token_usage`, ….
pub type JsonMap = serde_json::Map<String, Value>;

/// Builds a [`JsonMap`] from a `json!` object literal; anything else gives an empty map.
pub fn object(value: Value) -> JsonMap {
    match value {
        Value::Object(map) => map,
        _ => JsonMap::new(),
    }
}

/// A numeric token count read the way ASM sums usage: missing, null or non-numeric count as 0.
pub fn number_or_zero(map: &JsonMap, key: &str) -> f64 {
    map.get(key).and_then(Value::as_f64).unwrap_or(0.0)
}

/// `Some(i64)` only for a JSON integer that fits.
pub fn as_integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// A sum of token counts as JSON: an integer when it is whole and fits, else a float.
pub fn number_value(total: f64) -> Value {
    if total.fract() == 0.0 && total.abs() < 9.0e15 {
        Value::from(total as i64)
    } else {
        serde_json::Number::from_f64(total).map_or(Value::Null, Value::Number)
    }
}
