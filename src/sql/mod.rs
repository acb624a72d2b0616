//! SQL persistence: the executor contract, the dialects, and the store written against them.

pub mod dialect;
pub mod executor;
pub mod migrations;

pub use dialect::{chunk_size, Builder, Dialect, SqlType};
pub use executor::{ExecError, ExecErrorKind, Executor, ResultSet, Statement, Value};
