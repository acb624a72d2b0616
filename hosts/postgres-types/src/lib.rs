//! The core's executor values from PostgreSQL's binary formats, shared by every host that talks
//! to PostgreSQL: the native executor (through tokio-postgres, with the glue in `tokio_pg`) and
//! the Worker's Hyperdrive executor (which speaks the wire protocol itself).
#![forbid(unsafe_code)]

use asm_core::sql::ResultSet;

pub mod binary;
#[cfg(feature = "tokio-postgres")]
mod tokio_pg;

#[cfg(feature = "tokio-postgres")]
pub use tokio_pg::{PgCell, PgParam, as_sql, params, pg_error, rows_result};

/// What a statement that changes rows without returning any answers: its count.
pub fn changed(changes: u64) -> ResultSet {
    ResultSet { columns: Vec::new(), rows: Vec::new(), changes }
}
