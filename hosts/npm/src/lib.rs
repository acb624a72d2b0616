//! The WebAssembly inside the npm package: the core's [`SqlStore`](asm_core::sql::SqlStore) over
//! an executor written in JavaScript, exported through wasm-bindgen as the `Store` class and
//! three entity constructors.
//!
//! Only glue lives here: values cross as JSON (`JSON.stringify` on the way in, so `Date`s become
//! ISO text; `JSON.parse` on the way out), errors become `Error`s carrying the ASM `code`,
//! `details` and `retryable`, and SQL goes to the host's `batch()`. The JavaScript entry points
//! and the executors for D1, sql.js, node-postgres and PGlite are in `js/`; the types in `types/`.
//!
//! The package ships this crate twice: built without the `full` feature as the module every
//! entry point loads at once (sessions, runs, events, the live tail, search), and with it as the
//! module `js/full.js` loads on the first call of a report, maintenance or artifact method.
#![forbid(unsafe_code)]

mod blobs;
#[cfg(feature = "full")]
mod bodies;
mod convert;
mod entities;
mod env;
mod errors;
mod event_rows;
mod executor;
mod store;
#[cfg(feature = "full")]
mod store_artifacts;
#[cfg(feature = "full")]
mod store_maintenance;
#[cfg(feature = "full")]
mod store_reports;
mod subscription;
mod wire;

pub use blobs::JsArtifactStore;
#[cfg(feature = "full")]
pub use bodies::BlobBody;
pub use executor::JsExecutor;
pub use store::Store;
pub use subscription::Subscription;
