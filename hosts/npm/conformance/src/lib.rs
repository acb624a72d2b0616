//! The shared conformance cases, compiled to WebAssembly, run against the npm package as a user
//! loads it: each case gets a [`JsStore`] wrapping a `Store` the JavaScript test made from the
//! built `pkg/`, one of its executors and a real driver (sql.js, PGlite, node-postgres …).
//!
//! The JavaScript side (hosts/npm/tests) asks for [`case_ids`] and calls [`run_case`] once per
//! case with a factory `(hooks) => Promise<Store>`; `hooks` carries the case's clock and id
//! source, which the factory passes on as the store's `now` and `randomBytes` options.
#![forbid(unsafe_code)]

mod js_store;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use asm_conformance::{Harness, RealTime, all_cases, run_case as run_one};
use asm_core::Env;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use js_store::{Hooks, JsStore};

/// The case ids, in manifest order.
#[wasm_bindgen(js_name = caseIds)]
pub fn case_ids() -> Vec<String> {
    all_cases::<JsStore>().iter().map(|c| c.id.to_owned()).collect()
}

/// The manifest's ids (a host whose case list differs from it fails).
#[wasm_bindgen(js_name = manifestIds)]
pub fn manifest_ids() -> Vec<String> {
    asm_conformance::manifest_ids().into_iter().map(str::to_owned).collect()
}

struct Factory(Function);

impl Harness for Factory {
    type Store = JsStore;
    async fn fresh_store(&self, env: Env) -> Result<JsStore, String> {
        let hooks = Hooks::new(env);
        let made = self.0.call1(&JsValue::NULL, &hooks.object()).map_err(|e| describe(&e))?;
        let store = JsFuture::from(Promise::resolve(&made)).await.map_err(|e| describe(&e))?;
        Ok(JsStore::new(store, hooks))
    }
    fn real_time(&self) -> Option<Rc<dyn RealTime>> {
        Some(Rc::new(EngineTime))
    }
}

#[path = "../../../js-shared/timer.rs"]
mod timer;

/// The JavaScript engine's real time: `setTimeout` and `Date.now()`.
struct EngineTime;

impl RealTime for EngineTime {
    fn pause(&self, ms: u64) -> Pin<Box<dyn Future<Output = ()> + '_>> {
        Box::pin(async move {
            timer::pause(ms).await;
        })
    }
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
}

fn describe(thrown: &JsValue) -> String {
    match thrown.dyn_ref::<js_sys::Error>() {
        Some(e) => String::from(e.message()),
        None => format!("{thrown:?}"),
    }
}

/// Runs case `index` (of a run seeded with `seed`) on a store from `factory`; resolves to
/// `null` when it passes and to the reason when it fails.
#[wasm_bindgen(js_name = runCase)]
pub async fn run_case(index: usize, seed: f64, factory: Function) -> Option<String> {
    let cases = all_cases::<JsStore>();
    let Some(case) = cases.get(index) else {
        return Some(format!("no case number {index}"));
    };
    run_one(&Factory(factory), case, seed as u64, index).await.err()
}
