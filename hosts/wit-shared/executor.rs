//! The WIT `executor` interface's records and the core's executor types, in both directions:
//! the guest (`hosts/component`) sends statements and reads results, the wasmtime host
//! (`hosts/wasmtime-host`) the other way round. Both include this file with `#[path]` from
//! their `convert.rs`, where `host` names that crate's generated `executor` interface and
//! `list` converts a vector element by element.

use asm_core::sql::{Access, Dialect, ExecError, ExecErrorKind, ResultSet, Statement, Value};

use super::{host, list};

impl From<Value> for host::SqlValue {
    fn from(v: Value) -> Self {
        match v {
            Value::Null => host::SqlValue::Null,
            Value::Integer(i) => host::SqlValue::Integer(i),
            Value::Real(x) => host::SqlValue::Real(x),
            Value::Text(s) => host::SqlValue::Text(s),
        }
    }
}

impl From<host::SqlValue> for Value {
    fn from(v: host::SqlValue) -> Self {
        match v {
            host::SqlValue::Null => Value::Null,
            host::SqlValue::Integer(i) => Value::Integer(i),
            host::SqlValue::Real(x) => Value::Real(x),
            host::SqlValue::Text(s) => Value::Text(s),
        }
    }
}

impl From<Dialect> for host::SqlDialect {
    fn from(d: Dialect) -> Self {
        match d {
            Dialect::Sqlite => host::SqlDialect::Sqlite,
            Dialect::D1 => host::SqlDialect::D1,
            Dialect::Postgres => host::SqlDialect::Postgres,
        }
    }
}

impl From<host::SqlDialect> for Dialect {
    fn from(d: host::SqlDialect) -> Self {
        match d {
            host::SqlDialect::Sqlite => Dialect::Sqlite,
            host::SqlDialect::D1 => Dialect::D1,
            host::SqlDialect::Postgres => Dialect::Postgres,
        }
    }
}

impl From<Statement> for host::Statement {
    fn from(s: Statement) -> Self {
        host::Statement { read_only: s.is_read(), sql: s.sql, params: list(s.params) }
    }
}

impl From<host::Statement> for Statement {
    fn from(s: host::Statement) -> Self {
        let access = if s.read_only { Access::Read } else { Access::Write };
        Statement { sql: s.sql, params: list(s.params), access }
    }
}

impl From<ResultSet> for host::ResultSet {
    fn from(r: ResultSet) -> Self {
        let rows = r.rows.into_iter().map(list).collect();
        host::ResultSet { columns: r.columns, rows, changes: r.changes }
    }
}

impl From<host::ResultSet> for ResultSet {
    fn from(r: host::ResultSet) -> Self {
        let rows = r.rows.into_iter().map(list).collect();
        ResultSet { columns: r.columns, rows, changes: r.changes }
    }
}

/// The four kinds, named alike on both sides.
macro_rules! exec_error_kinds {
    ($($kind:ident),*) => {
        impl From<ExecError> for host::ExecError {
            fn from(e: ExecError) -> Self {
                let kind = match e.kind { $(ExecErrorKind::$kind => host::ExecErrorKind::$kind),* };
                host::ExecError { kind, message: e.message }
            }
        }

        impl From<host::ExecError> for ExecError {
            fn from(e: host::ExecError) -> Self {
                let kind = match e.kind { $(host::ExecErrorKind::$kind => ExecErrorKind::$kind),* };
                ExecError::new(kind, e.message)
            }
        }
    };
}

exec_error_kinds!(UniqueViolation, MissingSchema, Transient, Other);
