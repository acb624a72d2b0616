//! JavaScript bodies as the core's `ByteStream`, shared through `#[path]` by the npm package
//! (bodies from backends and callers) and its conformance driver (bodies the package answers).

use asm_core::blob::ByteStream;
use asm_core::{Error, Result};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// How a host turns a thrown JavaScript value into an ASM error.
pub type Thrown = fn(&JsValue) -> Error;

/// Calls `target[method]()` and awaits its answer.
async fn call0(target: &JsValue, method: &str, thrown: Thrown) -> Result<JsValue> {
    let f: Function = Reflect::get(target, &method.into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| Error::validation(format!("a body has no {method}()")))?;
    let returned = f.call0(target).map_err(|e| thrown(&e))?;
    JsFuture::from(Promise::resolve(&returned)).await.map_err(|e| thrown(&e))
}

/// A `ReadableStream` of `Uint8Array`s as a stream of chunks, read through its reader.
pub fn readable_to_stream(body: &JsValue, thrown: Thrown) -> Result<ByteStream<'static>> {
    let get_reader: Function = Reflect::get(body, &"getReader".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| Error::validation("a body must be a ReadableStream (no getReader())"))?;
    let reader = get_reader.call0(body).map_err(|e| thrown(&e))?;
    Ok(pull_stream(reader, "read", true, thrown))
}

/// Chunks pulled from `source[method]()`: `{ done, value }` answers when `web` (a stream
/// reader), the chunk itself or `undefined` at the end otherwise.
pub fn pull_stream(
    source: JsValue,
    method: &'static str,
    web: bool,
    thrown: Thrown,
) -> ByteStream<'static> {
    Box::pin(futures_util::stream::unfold(Some(source), move |source| async move {
        let source = source?;
        let answer = match call0(&source, method, thrown).await {
            Ok(answer) => answer,
            Err(e) => return Some((Err(e), None)),
        };
        let value = if web {
            if Reflect::get(&answer, &"done".into()).ok().is_some_and(|d| d.is_truthy()) {
                return None;
            }
            Reflect::get(&answer, &"value".into()).unwrap_or(JsValue::UNDEFINED)
        } else {
            answer
        };
        if value.is_undefined() || value.is_null() {
            return None;
        }
        match value.dyn_into::<Uint8Array>() {
            Ok(bytes) => Some((Ok(bytes.to_vec()), Some(source))),
            Err(_) => Some((Err(Error::validation("a body's chunks must be Uint8Arrays")), None)),
        }
    }))
}
