//! The package's own read of events (`js/events.js`): the statement of `getEvents` runs on the
//! executor in JavaScript and its rows become events there, by the core's plan
//! (`asm_core::sql::row_plan`), without crossing into the WebAssembly and back. This side hands
//! out the statement, the plan and the answer to an empty read, and decodes the rows the plan
//! does not cover.

use asm_core::sql::row_plan::{decode_events, event_row_plan_json};
use asm_core::{Error, ErrorCode, Result};
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::convert::to_js;
use crate::errors::to_js_error;
use crate::executor::result_sets;
use crate::store::{Store, event_read, promise};
use crate::wire;

/// The plan of an event row, `{ fields: [{ key, column, rule, default? }], event_types }`.
#[wasm_bindgen(js_name = eventRowPlan, skip_typescript)]
pub fn event_row_plan() -> std::result::Result<JsValue, JsValue> {
    to_js(&event_row_plan_json()).map_err(|e| to_js_error(&e))
}

/// The events of `getEvents` rows of `session_id` as the core decodes them; `answers` is what
/// `runBatch` makes of the executor's answer to the one statement (its JSON text, or the answers
/// themselves).
#[wasm_bindgen(js_name = decodeEventRows, skip_typescript)]
pub fn decode_event_rows(
    answers: JsValue,
    session_id: String,
) -> std::result::Result<JsValue, JsValue> {
    let decode = || -> Result<JsValue> {
        let sets =
            result_sets(answers).map_err(|e| Error::new(ErrorCode::StorageError, e.message))?;
        let rows = sets.into_iter().next().map(|set| set.rows).unwrap_or_default();
        to_js(&decode_events(rows, &session_id)?)
    };
    decode().map_err(|e| to_js_error(&e))
}

#[wasm_bindgen]
impl Store {
    /// What `getEvents(sessionId, filter)` would run, as `{ executor, statements, sessionId }`
    /// (the statements as `runBatch` takes them; the id every row's event gets), or `undefined`
    /// when the read waits for new events.
    #[wasm_bindgen(js_name = __eventsRead, skip_typescript)]
    pub fn events_read(
        &self,
        session_id: JsValue,
        filter: JsValue,
    ) -> std::result::Result<JsValue, JsValue> {
        let read = || -> Result<JsValue> {
            let (session_id, filter) = event_read(&session_id, &filter)?;
            let sql = self.sql();
            let Some(statement) = sql.events_statement(&session_id, &filter)? else {
                return Ok(JsValue::UNDEFINED);
            };
            let read = Object::new();
            let set = |key: &str, value: &JsValue| Reflect::set(&read, &key.into(), value);
            set("executor", sql.executor().target())
                .and_then(|_| set("statements", &wire::statements_json(&[statement]).into()))
                .and_then(|_| set("sessionId", &JsValue::from_str(&session_id)))
                .map_err(|_| Error::new(ErrorCode::InternalError, "could not build the read"))?;
            Ok(read.into())
        };
        read().map_err(|e| to_js_error(&e))
    }

    /// What `getEvents` answers when its statement found no row: `[]`, or the refusal of a
    /// session outside the store's scope (without reading the events again).
    #[wasm_bindgen(js_name = __noEvents, skip_typescript)]
    pub fn no_events(&self, session_id: String) -> Promise {
        let s = self.inner.clone();
        promise(async move { to_js(&s.store().no_events(&session_id).await?) })
    }
}
