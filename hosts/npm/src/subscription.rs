//! The `Subscription` class: a live tail of one session (`asm_core::live::Tail`) pulled one item
//! at a time; the package's `Store.subscribe` wraps it as an async iterator that an
//! `AbortSignal` ends.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use asm_core::Error;
use asm_core::composite::CompositeStore;
use asm_core::live::Tail;
use asm_core::sql::SqlStore;
use js_sys::Promise;
use wasm_bindgen::prelude::*;

use crate::convert::to_js;
use crate::executor::JsExecutor;
use crate::store::promise;

type StoreTail = Tail<Rc<CompositeStore<SqlStore<JsExecutor>, crate::blobs::Blobs>>>;

/// A tail over the store it was opened from.
#[wasm_bindgen]
pub struct Subscription {
    /// The tail, taken out while a `next()` runs (so no borrow is held across its reads).
    tail: Rc<RefCell<Option<StoreTail>>>,
    /// The cursor after the last settled `next()`.
    cursor: Rc<Cell<i64>>,
}

impl Subscription {
    /// Wraps a tail for JavaScript.
    pub fn new(tail: StoreTail) -> Subscription {
        let cursor = Rc::new(Cell::new(tail.cursor()));
        Subscription { tail: Rc::new(RefCell::new(Some(tail))), cursor }
    }
}

#[wasm_bindgen]
impl Subscription {
    /// The next item: `{kind: "event", event}`, `{kind: "pruned", from, first_stored}` or
    /// `{kind: "up-to-date", last_sequence}`. One call at a time: a second call before the first
    /// settled is refused, since both would read the same cursor.
    pub fn next(&self) -> Promise {
        let (slot, cursor) = (self.tail.clone(), self.cursor.clone());
        promise(async move {
            let busy =
                || Error::validation("next() was called again before the previous call settled");
            let mut tail = slot.borrow_mut().take().ok_or_else(busy)?;
            let item = tail.next().await;
            cursor.set(tail.cursor());
            *slot.borrow_mut() = Some(tail);
            to_js(&item?.to_map())
        })
    }

    /// The last sequence number accounted for: resume with `from_sequence: cursor + 1`.
    #[wasm_bindgen(getter)]
    pub fn cursor(&self) -> f64 {
        self.cursor.get() as f64
    }
}
