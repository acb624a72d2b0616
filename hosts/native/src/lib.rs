//! Native executors for asm-core: SQLite through rusqlite (bundled) and PostgreSQL through
//! tokio-postgres with a deadpool pool; artifact bytes in a folder or an S3-compatible bucket.
//!
//! This crate holds no store logic: it ships the core's statements to a driver and maps the
//! driver's values and errors back, and supplies the host's clock and randomness
//! ([`SystemClock`], [`OsRandom`]). Build a store with
//! `asm_core::sql::SqlStore::new(executor, asm_native::system_env())`.
//!
//! ```text
//!   caller ──▶ SqlStore<E> (asm-core: SQL text, values, decoding)
//!                 │ batches of statements
//!                 ▼
//!   SqliteExecutor (rusqlite, Mutex<Connection>)  |  PostgresExecutor (deadpool pool)
//! ```
//!
//! The core's ports do not require `Send` futures. [`SqliteExecutor`]'s futures are `Send`
//! nonetheless (the connection sits behind a `std::sync::Mutex` held only inside one poll);
//! [`PostgresExecutor`] is `Clone`, so a multi-threaded host can give each task its own store.
#![forbid(unsafe_code)]

mod blobs;
mod convert;
mod env;
mod postgres;
mod sqlite;

pub use blobs::{FsArtifactStore, PART_BYTES, S3ArtifactStore, S3Config, UPLOAD_PREFIX};
pub use env::{OsRandom, SystemClock, SystemTimer, pause, system_env};
pub use postgres::PostgresExecutor;
pub use sqlite::{SqliteExecutor, TempSqlite};
