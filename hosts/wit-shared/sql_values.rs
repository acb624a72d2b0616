//! SQL values in both directions between the core and the WIT `executor` interface. The guest
//! sends them as bound parameters and reads them in rows; the host the other way round. Both
//! WIT hosts include this file with `#[path]` from their `convert.rs`, where `host` names that
//! crate's generated `executor` interface.

use asm_core::sql::Value;

use super::host;

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
