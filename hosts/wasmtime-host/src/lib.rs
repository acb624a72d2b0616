//! Runs the asm-session-store component (`wit/`, world `store`) in wasmtime: the host side of
//! the WIT boundary, and the example of how any host embeds the component.
//!
//! This crate is glue only. It supplies the component's imports — the `executor` interface,
//! backed by any [`asm_core::sql::Executor`] (here asm-native's SQLite and PostgreSQL
//! executors), and WASI 0.2 with a wall clock and random source driven by an [`asm_core::Env`] —
//! and exposes the component's exports as a [`ComponentStore`] that implements the core's four
//! port traits, so Rust code (and the conformance suite) can use it like any other store.
//!
//! ```text
//!   ComponentStore ──WIT exports──▶ component (asm-core's SqlStore inside)
//!        ▲                                 │ executor.batch / wasi clocks, random
//!        │ port traits                     ▼
//!   caller                    HostState: Executor (SQLite, PostgreSQL) + WasiCtx(Env)
//! ```
#![forbid(unsafe_code)]

mod convert;
mod executor;
mod host;
mod store;
mod wasi;

pub use host::{ComponentHost, HostState, compile};
pub use store::ComponentStore;

/// The bindings wasmtime generates for the `store` world.
#[allow(missing_docs)]
pub mod bindings {
    wasmtime::component::bindgen!({ world: "store", path: "../../wit" });
}

/// Where the cargo build of `hosts/component` puts the component, under a target directory.
pub const COMPONENT_PATH: &str = "wasm32-wasip2/release/asm_component.wasm";
