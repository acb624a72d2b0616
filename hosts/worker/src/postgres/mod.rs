//! PostgreSQL's frontend/backend protocol (version 3.0), as much of it as the Hyperdrive
//! executor needs, with no IO: callers move the bytes (the Worker over its TCP socket, the tests
//! over std's). A driver of our own instead of tokio-postgres because that crate, with the
//! Unicode tables of its SASLprep, was a third of the gzipped Worker.
//!
//! ```text
//!  connect ─▶ [SSLRequest] ─▶ startup::Startup (trust, password, MD5, SCRAM-SHA-256) ─▶ ready
//!  batch   ─▶ pipeline::request (BEGIN, every statement, COMMIT, one Sync) ─▶ pipeline::Replies
//! ```

pub mod message;
pub mod pipeline;
pub mod scram;
pub mod startup;

use asm_core::sql::{ExecError, ExecErrorKind};

/// A failure that is not the server's answer (a broken frame, an unsupported request, a lost
/// socket): the connection is unusable and the batch may be retried.
pub(crate) fn protocol_error(message: impl Into<String>) -> ExecError {
    ExecError::new(ExecErrorKind::Transient, message)
}
