//! Values between JavaScript and the core, by JSON's rules: one rule for every input and output.

use asm_core::{Error, ErrorCode, Result};
use js_sys::JSON;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};

/// A JavaScript argument as JSON, read as `JSON.stringify` sees it: `Date`s as ISO-8601 text,
/// `undefined` members dropped, `undefined` itself as `null` (no options). A value JSON cannot
/// carry (a `BigInt`, a cycle, a lone surrogate) is a `validation_error` naming `what`.
pub fn from_js(value: &JsValue, what: &str) -> Result<Value> {
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Null);
    }
    let text = JSON::stringify(value)
        .map_err(|e| Error::validation(format!("{what} is not JSON: {}", message_of(&e))))?;
    let text = text.as_string().ok_or_else(|| Error::validation(format!("{what} is not JSON")))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::validation(format!("{what} is not valid JSON: {e}")))
}

/// A result as a plain JavaScript value (objects, arrays, numbers, strings, `null`).
pub fn to_js(value: &impl Serialize) -> Result<JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| Error::new(ErrorCode::InternalError, e.to_string()))?;
    JSON::parse(&text).map_err(|e| Error::new(ErrorCode::InternalError, message_of(&e)))
}

/// A text argument (an id or a key); anything else is a `validation_error`.
pub fn text_arg(value: &JsValue, what: &str) -> Result<String> {
    value.as_string().ok_or_else(|| Error::validation(format!("{what} must be a string")))
}

/// The message of a thrown JavaScript value: `error.message`, else its string form.
pub fn message_of(thrown: &JsValue) -> String {
    if let Some(e) = thrown.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    thrown.as_string().unwrap_or_else(|| format!("{thrown:?}"))
}
