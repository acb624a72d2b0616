//! ASM errors as JavaScript `Error`s, so `catch (e) { e.code }` works as users expect.

use asm_core::Error;
use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::convert::to_js;

/// An `Error` named `AsmError` with the ASM `code`, `details` (a plain object) and `retryable`.
pub fn to_js_error(error: &Error) -> JsValue {
    let js = js_sys::Error::new(error.message());
    js.set_name("AsmError");
    let details = to_js(&error.wire_details()).unwrap_or_else(|_| js_sys::Object::new().into());
    // Setting a property on a fresh Error cannot fail.
    let _ = Reflect::set(&js, &"code".into(), &error.code().as_str().into());
    let _ = Reflect::set(&js, &"details".into(), &details);
    let _ = Reflect::set(&js, &"retryable".into(), &error.is_retryable().into());
    js.into()
}
