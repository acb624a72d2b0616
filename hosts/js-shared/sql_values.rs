//! Bound values as JavaScript drivers take them, shared by the hosts that run on a JavaScript
//! engine (the Worker's D1 executor and the npm package's executor) through `#[path]`.

use asm_core::sql::{JsParam, Value};
use wasm_bindgen::JsValue;

/// A bound value as JavaScript sees it: the core's 2^53 rule ([`Value::as_js_param`]).
pub fn js_param(value: &Value) -> JsValue {
    match value.as_js_param() {
        JsParam::Null => JsValue::NULL,
        JsParam::Number(x) => JsValue::from_f64(x),
        JsParam::Text(s) => JsValue::from_str(s),
        JsParam::BigInteger(n) => JsValue::from_str(&n.to_string()),
    }
}
