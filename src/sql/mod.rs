//! SQL persistence: the executor contract, the dialects, and the store written against them.

mod decode;
pub mod dialect;
mod encode;
pub mod executor;
pub mod migrations;
pub mod row;
pub mod row_plan;
mod schema;
mod store;

pub use dialect::{Builder, Dialect, SqlType, chunk_size};
pub use executor::{
    Access, ExecError, ExecErrorKind, Executor, JsParam, MAX_SAFE_INTEGER, ResultSet, Statement,
    Value,
};
pub use row::{FromRow, Row, SequenceCounter};
pub use store::{EXPORT_PAGE, ExportChunks, SqlStore};
