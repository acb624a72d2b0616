//! The entity constructors (`Session.new`, `Run.new`, `Event.new`): the core's validation and
//! defaults, answering the entity's wire object.

use asm_core::{Env, Event, NewEvent, NewRun, NewSession, Result, Run, Session};
use wasm_bindgen::prelude::*;

use crate::convert::{from_js, to_js};
use crate::env::system_env;
use crate::errors::to_js_error;

fn answer(built: Result<JsValue>) -> std::result::Result<JsValue, JsValue> {
    built.map_err(|e| to_js_error(&e))
}

/// A new session from `{ agent_id, id?, parent_session_id?, metadata?, context?, tags? }`.
pub fn session(attrs: &JsValue, env: &Env) -> std::result::Result<JsValue, JsValue> {
    answer(
        from_js(attrs, "attributes")
            .and_then(|v| NewSession::from_json(&v))
            .and_then(|a| Session::new(a, env))
            .and_then(|s| to_js(&s)),
    )
}

/// A new run from `{ session_id, id?, input?, metadata? }`.
pub fn run(attrs: &JsValue, env: &Env) -> std::result::Result<JsValue, JsValue> {
    answer(
        from_js(attrs, "attributes")
            .and_then(|v| NewRun::from_json(&v))
            .and_then(|a| Run::new(a, env))
            .and_then(|r| to_js(&r)),
    )
}

/// A new event from `{ type, session_id, id?, run_id?, data?, metadata?, … }`.
pub fn event(attrs: &JsValue, env: &Env) -> std::result::Result<JsValue, JsValue> {
    answer(
        from_js(attrs, "attributes")
            .and_then(|v| NewEvent::from_json(&v))
            .and_then(|a| Event::new(a, env))
            .and_then(|e| to_js(&e)),
    )
}

/// `Session.new` with the host's clock and randomness.
#[wasm_bindgen(js_name = newSession)]
pub fn new_session(attrs: JsValue) -> std::result::Result<JsValue, JsValue> {
    session(&attrs, &system_env().map_err(|e| to_js_error(&e))?)
}

/// `Run.new` with the host's clock and randomness.
#[wasm_bindgen(js_name = newRun)]
pub fn new_run(attrs: JsValue) -> std::result::Result<JsValue, JsValue> {
    run(&attrs, &system_env().map_err(|e| to_js_error(&e))?)
}

/// `Event.new` with the host's clock and randomness.
#[wasm_bindgen(js_name = newEvent)]
pub fn new_event(attrs: JsValue) -> std::result::Result<JsValue, JsValue> {
    event(&attrs, &system_env().map_err(|e| to_js_error(&e))?)
}
