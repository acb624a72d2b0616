//! Conversions between the core's four values and the drivers' types, and of driver errors to
//! [`ExecError`]s. Nothing else of the drivers leaks past this module and the two executors.

use asm_core::sql::{ExecError, ExecErrorKind, Value};
pub(crate) use asm_postgres_types::{PgParam, as_sql, changed, params, pg_error, rows_result};
use rusqlite::types::{ToSqlOutput, ValueRef};

/// A core value bound to a rusqlite statement.
pub(crate) struct SqliteParam<'a>(pub &'a Value);

impl rusqlite::ToSql for SqliteParam<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Value::Null => ValueRef::Null,
            Value::Integer(n) => ValueRef::Integer(*n),
            Value::Real(x) => ValueRef::Real(*x),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
        }))
    }
}

/// A SQLite cell as a core value (a blob, which the schema never stores, reads as text).
pub(crate) fn sqlite_value(cell: ValueRef<'_>) -> Value {
    match cell {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Integer(n),
        ValueRef::Real(x) => Value::Real(x),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            Value::Text(String::from_utf8_lossy(t).into_owned())
        }
    }
}

/// A rusqlite error as a normalised kind, keeping SQLite's message.
pub(crate) fn sqlite_error(e: rusqlite::Error) -> ExecError {
    use rusqlite::ffi;
    let message = e.to_string();
    let kind = match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            ExecErrorKind::UniqueViolation
        }
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, ffi::ErrorCode::DatabaseBusy | ffi::ErrorCode::DatabaseLocked) =>
        {
            ExecErrorKind::Transient
        }
        _ if message.contains("no such table") || message.contains("no such column") => {
            ExecErrorKind::MissingSchema
        }
        _ => ExecErrorKind::Other,
    };
    ExecError::new(kind, message)
}

/// A pool failure (no connection to be had) as a transient error.
pub(crate) fn pool_error(e: deadpool_postgres::PoolError) -> ExecError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => {
            let mut err = pg_error(e);
            err.kind = ExecErrorKind::Transient;
            err
        }
        other => ExecError::new(ExecErrorKind::Transient, other.to_string()),
    }
}
