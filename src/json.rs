//! JSON helpers: the map type every free-form field uses, and small typed readers.
//!
//! ASM's maps have atom or string keys; JSON objects make that duality disappear (keys are
//! always strings), which is what a round trip through ASM's tables yields anyway.

use serde_json::Value;

/// A JSON object with string keys: `metadata`, `context`, `data`, `token_usage`, ….
pub type JsonMap = serde_json::Map<String, Value>;

/// The deepest nesting a stored JSON field may have, counting the field's own object or array
/// as level 1. serde_json refuses to parse text nested deeper than 127 levels, so the SQL stores
/// could write a deeper value but never read it back (and one such row made every list that
/// contains it fail); the stores reject it up front with `validation_error`, memory included,
/// so every store answers alike. Not in ASM v0.8 (docs/compatibility.md).
pub const MAX_DEPTH: usize = 100;

/// `validation_error` when `value` is nested deeper than [`MAX_DEPTH`] or holds a NUL character
/// in a key or a string ([`check_no_nul`]'s reason). Iterative, so a value of any depth is
/// checked without recursion.
pub fn check_depth(field: &str, value: &Value) -> crate::error::Result<()> {
    check_all(field, vec![(value, 1)])
}

/// [`check_depth`] for a map field (the map is level 1; its own keys are checked too).
pub fn check_map_depth(field: &str, map: &JsonMap) -> crate::error::Result<()> {
    for key in map.keys() {
        check_no_nul(field, key)?;
    }
    check_all(field, map.values().map(|v| (v, 2)).collect())
}

/// `validation_error` "<field> must not contain NUL characters" when `text` holds U+0000:
/// PostgreSQL stores no NUL in `text`/`varchar` nor `\u0000` in `jsonb`, so a value SQLite and
/// D1 would take fails there; every store refuses it alike. Not in ASM v0.8.
pub fn check_no_nul(field: &str, text: &str) -> crate::error::Result<()> {
    if text.contains('\0') {
        let message = format!("{field} must not contain NUL characters");
        return Err(crate::error::Error::validation(message));
    }
    Ok(())
}

fn check_all(field: &str, mut stack: Vec<(&Value, usize)>) -> crate::error::Result<()> {
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => {
                for key in map.keys() {
                    check_no_nul(field, key)?;
                }
                Box::new(map.values())
            }
            Value::String(text) => {
                check_no_nul(field, text)?;
                continue;
            }
            _ => continue,
        };
        if depth > MAX_DEPTH {
            let message = format!("{field} is nested deeper than {MAX_DEPTH} levels");
            return Err(crate::error::Error::validation(message));
        }
        stack.extend(children.map(|child| (child, depth + 1)));
    }
    Ok(())
}

/// `serde_json::from_slice` read through `from_str`, after checking the bytes are UTF-8 (as
/// `from_slice` also refuses anything else): every parse of a build then uses one reader type,
/// so serde_json's parser, exact float reading included, is compiled once instead of twice.
pub fn from_bytes<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        <serde_json::Error as serde::de::Error>::custom(format!(
            "invalid UTF-8 at byte {}",
            e.valid_up_to()
        ))
    })?;
    serde_json::from_str(text)
}

/// A [`JsonMap`] of `pairs`, inserted one by one for the reason [`crate::sorted`] gives (a
/// repeated key keeps its last value, as with `collect`).
pub fn object_of(pairs: impl IntoIterator<Item = (String, Value)>) -> JsonMap {
    let mut map = JsonMap::new();
    for (key, value) in pairs {
        map.insert(key, value);
    }
    map
}

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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn nested(depth: usize) -> Value {
        (0..depth).fold(json!(1), |v, _| Value::Array(vec![v]))
    }

    #[test]
    fn depth_limit_counts_the_field_itself() {
        assert!(check_depth("f", &nested(MAX_DEPTH)).is_ok());
        assert!(check_depth("f", &nested(MAX_DEPTH + 1)).is_err());
        let map = object(json!({ "k": nested(MAX_DEPTH - 1) }));
        assert!(check_map_depth("m", &map).is_ok());
        let map = object(json!({ "k": nested(MAX_DEPTH) }));
        let e = check_map_depth("metadata", &map).unwrap_err();
        assert_eq!(e.message(), "metadata is nested deeper than 100 levels");
    }

    #[test]
    fn nul_characters_are_refused_in_keys_and_strings_at_any_depth() {
        let message = "data must not contain NUL characters";
        for value in [json!("a\u{0}b"), json!({"k\u{0}": 1}), json!([[{"k": ["\u{0}"]}]])] {
            assert_eq!(check_depth("data", &value).unwrap_err().message(), message);
        }
        let top_key = object(json!({"\u{0}": 1}));
        assert_eq!(check_map_depth("data", &top_key).unwrap_err().message(), message);
        assert!(check_depth("data", &json!({"k": "\\u0000 is text, not NUL"})).is_ok());
    }

    #[test]
    fn numbers_read_back_as_they_were_written() {
        // JavaScript's shortest forms; without serde_json's `float_roundtrip` the first read
        // back as 1.9470392866060134e-20, one unit in the last place off.
        for text in ["1.9470392866060137e-20", "0.1", "5e-324", "1.7976931348623157e308", "-2.5"] {
            let value: Value = serde_json::from_str(text).unwrap();
            let expected: f64 = text.parse().unwrap();
            assert_eq!(value.as_f64(), Some(expected), "{text}");
        }
    }

    #[test]
    fn scalars_and_empty_containers() {
        assert!(check_depth("f", &json!("x")).is_ok());
        assert!(check_map_depth("m", &JsonMap::new()).is_ok());
    }
}
