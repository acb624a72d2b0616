//! The `Subscription` class: a live tail of one session (`asm_core::live::Tail`) pulled one item
//! at a time; the package's `Store.subscribe` wraps it as an async iterator that an
//! `AbortSignal` ends.

use std::cell::RefCell;
use std::rc::Rc;

use asm_core::Error;
use asm_core::live::Tail;
use asm_core::sql::SqlStore;
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::convert::to_js;
use crate::errors::to_js_error;
use crate::executor::JsExecutor;

/// A tail over the store it was opened from.
#[wasm_bindgen]
pub struct Subscription {
    tail: Rc<RefCell<Tail<Rc<SqlStore<JsExecutor>>>>>,
}

impl Subscription {
    /// Wraps a tail for JavaScript.
    pub fn new(tail: Tail<Rc<SqlStore<JsExecutor>>>) -> Subscription {
        Subscription { tail: Rc::new(RefCell::new(tail)) }
    }
}

#[wasm_bindgen]
impl Subscription {
    /// The next item: `{kind: "event", event}`, `{kind: "pruned", from, first_stored}` or
    /// `{kind: "up-to-date", last_sequence}`. One call at a time: a second call before the first
    /// settled is refused, since both would read the same cursor.
    pub fn next(&self) -> Promise {
        let tail = self.tail.clone();
        future_to_promise(async move {
            let mut tail = tail.try_borrow_mut().map_err(|_| {
                to_js_error(&Error::validation(
                    "next() was called again before the previous call settled",
                ))
            })?;
            let item = tail.next().await.map_err(|e| to_js_error(&e))?;
            to_js(&item.to_map()).map_err(|e| to_js_error(&e))
        })
    }

    /// The last sequence number accounted for: resume with `from_sequence: cursor + 1`.
    #[wasm_bindgen(getter)]
    pub fn cursor(&self) -> f64 {
        self.tail.try_borrow().map_or(f64::NAN, |t| t.cursor() as f64)
    }
}
