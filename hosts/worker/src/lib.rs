//! The Cloudflare Worker host of asm-core: the ASM HTTP API v1 (JSON) over D1, or over
//! PostgreSQL through Hyperdrive, plus a cron trigger that runs Maintenance.
//!
//! The Worker holds no domain logic: requests are parsed with the core's JSON readers, answered
//! with its serialisations, and every rule (validation, sequencing, cursors, retention) runs in
//! the core's `SqlStore` over one of two executors.
//!
//! ```text
//!  HTTP ──▶ entry (auth, body limit, test clock) ──▶ routes ──▶ api::dispatch ──▶ SqlStore
//!                                                                      │
//!                                              D1Executor / HyperdriveExecutor ◀┘
//! ```
//!
//! Only `routes`, `api`, `audit`, `body`, `convert`, `errors`, `auth`, `openapi`, `redaction` and
//! the PostgreSQL protocol (`postgres`) build natively (and are tested there); the executors and
//! entry points exist on wasm32 only.
#![forbid(unsafe_code)]

pub mod api;
pub mod audit;
pub mod auth;
pub mod body;
pub mod convert;
pub mod errors;
pub mod openapi;
#[cfg(feature = "hyperdrive")]
pub mod postgres;
pub mod redaction;
pub mod routes;

#[cfg(target_arch = "wasm32")]
pub mod backend;
#[cfg(target_arch = "wasm32")]
pub mod content;
#[cfg(target_arch = "wasm32")]
pub mod d1;
#[cfg(target_arch = "wasm32")]
mod entry;
#[cfg(all(target_arch = "wasm32", feature = "hyperdrive"))]
pub mod hyperdrive;
#[cfg(target_arch = "wasm32")]
pub mod r2;
// Private like `entry`: the runtime reaches its Durable Object class through wasm-bindgen's
// export, not a Rust path.
#[cfg(target_arch = "wasm32")]
mod tail_object;
