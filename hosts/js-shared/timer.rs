//! The JavaScript engine's timer (`setTimeout`), shared through `#[path]` by the npm package's
//! executor (a long-poll's pauses) and its conformance driver (the long-poll cases' pauses).

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Waits about `ms` milliseconds on `setTimeout`; `false` at once where the engine has none.
pub async fn pause(ms: u64) -> bool {
    let set_timeout = Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    let Some(set_timeout) = set_timeout else { return false };
    let mut scheduled = true;
    let promise = Promise::new(&mut |resolve, _reject| {
        let delay = JsValue::from_f64(ms as f64);
        scheduled = set_timeout.call2(&JsValue::NULL, &resolve, &delay).is_ok();
    });
    scheduled && JsFuture::from(promise).await.is_ok()
}
