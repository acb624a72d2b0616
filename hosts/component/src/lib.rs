//! asm-core as a WebAssembly component: the WIT world `asm:session-store/store@0.1.0`
//! (`wit/` at the repository root).
//!
//! This crate is glue only. Each export converts its WIT arguments to the core's types, calls
//! the core's [`SqlStore`] and converts the answer back; the store runs SQL through the host's
//! `executor` import and reads time and randomness from WASI.
//!
//! ```text
//!   host ──exports (session-store, query-api, maintenance, artifact-registry, redaction)──▶ this crate
//!     ▲                                                                           │
//!     └──────── executor.batch (SQL + values → rows) ◀── SqlStore<HostExecutor> ◀─┘
//! ```
//!
//! One instance is one store: it is created on the first call, asking the host for its dialect,
//! with the redaction `redaction.configure` set before it (none otherwise).
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

use std::cell::{OnceCell, RefCell};

use asm_core::redactor::{EventRedaction, RedactionConfig, RedactionLog};
use asm_core::sql::SqlStore;
use asm_core::{Error, ErrorCode};

thread_local! {
    /// The instance's store, made on first use with the redaction `configure` set before it.
    static STORE: OnceCell<SqlStore<HostExecutor>> = const { OnceCell::new() };
    /// The redaction `configure` set, taken by the store when it is made.
    static REDACTION: RefCell<Option<RedactionConfig>> = const { RefCell::new(None) };
    /// What the store's redaction hook was told since the last write began.
    static REDACTIONS: RedactionLog = RedactionLog::default();
    /// What the most recent write redacted (`last-redactions`).
    static LAST: RefCell<Vec<EventRedaction>> = const { RefCell::new(Vec::new()) };
}

/// The instance's store: the host's executor and WASI's clock and randomness, redacting as
/// configured.
fn open_store() -> SqlStore<HostExecutor> {
    let store = SqlStore::new(HostExecutor::new(), wasi_env())
        .on_redaction(REDACTIONS.with(RedactionLog::hook));
    match REDACTION.with(|r| r.borrow_mut().take()) {
        Some(config) => store.with_redaction(config),
        None => store,
    }
}

/// Runs one port call against the instance's store to completion.
fn call<T>(
    op: impl AsyncFnOnce(&SqlStore<HostExecutor>) -> asm_core::Result<T>,
) -> asm_core::Result<T> {
    STORE.with(|cell| futures::executor::block_on(op(cell.get_or_init(open_store))))
}

/// Runs one write that may redact: afterwards `last-redactions` answers what it replaced.
fn write<T>(
    op: impl AsyncFnOnce(&SqlStore<HostExecutor>) -> asm_core::Result<T>,
) -> asm_core::Result<T> {
    REDACTIONS.with(RedactionLog::take);
    let out = call(op);
    LAST.with(|last| *last.borrow_mut() = REDACTIONS.with(RedactionLog::take));
    out
}

/// Sets the redaction of the store, which must not be made yet.
fn configure_redaction(config: RedactionConfig) -> asm_core::Result<()> {
    if STORE.with(|cell| cell.get().is_some()) {
        return Err(Error::new(
            ErrorCode::InvalidOperation,
            "redaction is configured when the store is opened, before any other call",
        ));
    }
    REDACTION.with(|r| *r.borrow_mut() = Some(config));
    Ok(())
}

/// The component's exports.
pub struct Component;
