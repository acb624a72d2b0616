//! The no-IO core of agent-session-manager for the edge: a faithful Rust port of the persistence
//! layer of the Elixir library AgentSessionManager (ASM v0.8).
//!
//! This crate does no IO of its own: it opens no socket or file and reads no clock. Time and
//! randomness come from the host through [`Clock`] and [`IdSource`]; SQL runs through the host's
//! [`sql::Executor`]. Everything else — entities, validation, redaction, retention, the SQL text
//! of both dialects, row decoding, cursors and the stores themselves — lives here, so every host
//! behaves alike.
//!
//! ```text
//!   host (Worker, npm, component, native)          core (this crate)
//!  ┌──────────────────────────────────┐   ports   ┌───────────────────────────────────┐
//!  │ HTTP / JS / WIT / Rust caller ───┼──────────▶│ SessionStore · QueryApi ·         │
//!  │                                  │           │ Maintenance · ArtifactRegistry    │
//!  │ Clock, IdSource ─────────────────┼──────────▶│   MemoryStore   SqlStore<E>       │
//!  │ Executor (D1, SQLite, Postgres) ◀┼───────────┤   statements: SQL text + values   │
//!  └──────────────────────────────────┘  batches  └───────────────────────────────────┘
//! ```
#![forbid(unsafe_code)]

pub mod archive;
pub mod artifact;
pub mod blob;
pub mod composite;
pub mod cursor;
pub mod error;
pub mod event;
pub mod event_ids;
pub mod id;
pub mod json;
pub mod limits;
pub mod live;
pub mod memory;
pub mod pipeline;
pub mod ports;
pub mod pricing;
pub mod query;
pub mod redactor;
pub mod retention;
pub mod run;
pub mod scope;
pub mod session;
pub mod sorted;
pub mod sql;
pub mod status;
pub mod summary;
pub mod time;
pub mod validator;
pub mod wire;

pub use artifact::{Artifact, ArtifactStats, NewArtifact};
pub use error::{Category, Cause, Error, ErrorBody, ErrorCode, Result};
pub use event::{Event, EventGroup, EventType, NewEvent};
pub use id::{Env, IdKind, IdSource, RandomUnavailable, SeededIds};
pub use json::JsonMap;
pub use limits::Limits;
pub use retention::{Limit, MaintenanceBudget, RetentionPolicy};
pub use run::{NewRun, Run};
pub use scope::Scope;
pub use session::{NewSession, Session};
pub use status::{RunStatus, SessionStatus};
pub use time::{Clock, SteppingClock, Timestamp};
