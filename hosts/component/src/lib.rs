//! asm-core as a WebAssembly component: the WIT world `asm:session-store/store@0.1.0`
//! (`wit/` at the repository root).
//!
//! This crate is glue only. Each export converts its WIT arguments to the core's types, calls
//! the core's [`SqlStore`] and converts the answer back; the store runs SQL through the host's
//! `executor` import and reads time and randomness from WASI.
//!
//! ```text
//!   host ──exports (session-store, query-api, maintenance, artifact-registry)──▶ this crate
//!     ▲                                                                           │
//!     └──────── executor.batch (SQL + values → rows) ◀── SqlStore<HostExecutor> ◀─┘
//! ```
//!
//! One instance is one store: it is created on the first call, asking the host for its dialect.
//! The core's ports are `async`; the import is synchronous, so each call is driven to completion
//! with `futures`' `block_on`, whose futures are ready on the first poll.
#![deny(unsafe_code)]

mod convert;
mod executor;
mod exports;

pub use executor::{HostExecutor, wasi_env};

/// The bindings `wit-bindgen` generates for the `store` world (the only unsafe code here).
#[allow(missing_docs, unsafe_code)]
pub mod bindings {
    wit_bindgen::generate!({ world: "store", path: "../../wit" });
    // Exported only when built for WebAssembly: the export names (`asm:session-store/...#...`)
    // are not valid native symbol names, and `cargo test --workspace` builds this crate natively.
    #[cfg(target_family = "wasm")]
    use super::Component;
    #[cfg(target_family = "wasm")]
    export!(Component with_types_in self);
}

use asm_core::sql::SqlStore;

thread_local! {
    /// The instance's store, made on first use.
    static STORE: SqlStore<HostExecutor> = SqlStore::new(HostExecutor::new(), wasi_env());
}

/// Runs one port call against the instance's store to completion.
fn call<T>(
    op: impl AsyncFnOnce(&SqlStore<HostExecutor>) -> asm_core::Result<T>,
) -> asm_core::Result<T> {
    STORE.with(|store| futures::executor::block_on(op(store)))
}

/// The component's exports.
pub struct Component;
