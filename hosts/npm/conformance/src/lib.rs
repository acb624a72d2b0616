//! The shared conformance cases, compiled to WebAssembly, run against the npm package as a user
//! loads it: each case gets a [`JsStore`] wrapping a `Store` the JavaScript test made from the
//! built `pkg/`, one of its executors and a real driver (sql.js, PGlite, node-postgres …).
//!
//! The JavaScript side (hosts/npm/tests) asks for [`case_ids`] and calls [`run_case`] once per
//! case with a factory `(hooks) => Promise<Store>`; `hooks` carries the case's clock and id
//! source, which the factory passes on as the store's `now` and `randomBytes` options.
#![forbid(unsafe_code)]

mod blobs;
mod js_store;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use asm_conformance::artifacts::{self, BlobHarness, ContentHarness};
use asm_conformance::{Harness, RealTime, all_cases, run_case as run_one};
use asm_core::Env;
use js_sys::{Function, JSON, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use blobs::JsBlobs;
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

/// A factory `(hooks) => Promise<Store>` of stores with an artifact backend, as ASM's
/// `ArtifactStore` (the blob suite) or as stores of rows and bytes (the artifact suite).
struct BlobFactory(Function);

async fn made(factory: &Function, hooks: &Hooks) -> Result<JsValue, String> {
    let made = factory.call1(&JsValue::NULL, &hooks.object()).map_err(|e| describe(&e))?;
    JsFuture::from(Promise::resolve(&made)).await.map_err(|e| describe(&e))
}

impl BlobHarness for BlobFactory {
    type Blobs = JsBlobs;
    async fn fresh_blobs(&self, env: Env) -> Result<JsBlobs, String> {
        let hooks = Hooks::new(env);
        JsBlobs::new(made(&self.0, &hooks).await?, hooks)
    }
}

impl ContentHarness for BlobFactory {
    type Store = JsStore;
    async fn fresh_content(&self, env: Env) -> Result<JsStore, String> {
        let hooks = Hooks::new(env);
        Ok(JsStore::new(made(&self.0, &hooks).await?, hooks))
    }
}

/// `{ suite, passed, failed }`: what a suite's closing line says, with the failures' reasons
/// (the suites' own `println!` goes nowhere in WebAssembly).
fn outcome(suite: &str, total: usize, result: Result<usize, Vec<String>>) -> JsValue {
    let (passed, failed) = match result {
        Ok(passed) => (passed, Vec::new()),
        Err(failed) => (total.saturating_sub(failed.len()), failed),
    };
    let value = serde_json::json!({ "suite": suite, "passed": passed, "failed": failed });
    JSON::parse(&value.to_string()).unwrap_or(JsValue::NULL)
}

/// ASM's `ArtifactStore` cases on stores from `blobs` (`conformance blobs-<host>`).
#[wasm_bindgen(js_name = runBlobSuite)]
pub async fn run_blob_suite(host: String, blobs: Function) -> JsValue {
    let result = artifacts::run_blob_suite(&host, &BlobFactory(blobs)).await;
    outcome("blobs", artifacts::blob_case_count(), result)
}

/// The composite cases (sql §7.4, §8 items 117–120, the sweeper) over session stores from
/// `stores` and artifact stores from `blobs` (`conformance composite-<host>`).
#[wasm_bindgen(js_name = runCompositeSuite)]
pub async fn run_composite_suite(host: String, stores: Function, blobs: Function) -> JsValue {
    let result = artifacts::run_composite_suite(&host, &Factory(stores), &BlobFactory(blobs)).await;
    outcome("composite", artifacts::composite_case_count(), result)
}

/// The row-and-bytes cases through the package's own `storeArtifact`, `openArtifact` and
/// `removeArtifact` on stores from `stores` (`conformance artifacts-<host>`).
#[wasm_bindgen(js_name = runContentSuite)]
pub async fn run_content_suite(host: String, stores: Function) -> JsValue {
    let result = artifacts::run_content_suite(&host, &BlobFactory(stores)).await;
    outcome("artifacts", artifacts::content_case_count(), result)
}
