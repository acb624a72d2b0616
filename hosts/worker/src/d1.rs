//! [`D1Executor`]: the executor contract over a D1 binding. `D1Database::batch` runs its
//! statements as one implicit transaction, which is exactly the contract's atomic batch.

use asm_core::sql::{
    Dialect, ExecError, ExecErrorKind, Executor, JsParam, ResultSet, Statement, Value,
};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use wasm_bindgen::JsValue;
use worker::d1::D1Database;

/// Runs the core's statements on a D1 database.
pub struct D1Executor {
    db: D1Database,
}

impl D1Executor {
    /// An executor over the D1 binding.
    pub fn new(db: D1Database) -> D1Executor {
        D1Executor { db }
    }
}

/// A worker error as an executor error, its kind read from D1's text.
fn exec_error(e: worker::Error) -> ExecError {
    let message = match &e {
        // Not `{d1}`: worker's Display of a D1 error panics when the error has no `cause`
        // (a NOT NULL violation, as a write guard raises, has none).
        worker::Error::D1(d1) => {
            let error: &js_sys::Error = d1.as_ref();
            format!("{}: {}", String::from(error.message()), d1.cause())
        }
        other => other.to_string(),
    };
    ExecError::new(ExecErrorKind::from_sqlite_message(&message), message)
}

/// A bound value as D1 takes it: the core's 2^53 rule ([`Value::as_js_param`]).
fn js_param(value: &Value) -> JsValue {
    match value.as_js_param() {
        JsParam::Null => JsValue::NULL,
        JsParam::Number(x) => JsValue::from_f64(x),
        JsParam::Text(s) => JsValue::from_str(s),
        JsParam::BigInteger(n) => JsValue::from_str(&n.to_string()),
    }
}

/// One D1 row: its values in column order (D1 returns rows as objects, whose keys keep the
/// select-list order; the core decodes by position).
struct OrderedRow(Vec<Value>);

impl<'de> Deserialize<'de> for OrderedRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OrderedRow, D::Error> {
        struct RowVisitor;
        impl<'de> Visitor<'de> for RowVisitor {
            type Value = OrderedRow;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a D1 row object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedRow, A::Error> {
                let mut values = Vec::new();
                while let Some((_, cell)) = map.next_entry::<String, serde_json::Value>()? {
                    values.push(cell_value(cell));
                }
                Ok(OrderedRow(values))
            }
        }
        d.deserialize_map(RowVisitor)
    }
}

/// A D1 cell as a core value (numbers that are whole and safe read as integers).
fn cell_value(cell: serde_json::Value) -> Value {
    match cell {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Integer(i64::from(b)),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::from_js_number(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::Text(s),
        other => Value::Text(other.to_string()),
    }
}

impl Executor for D1Executor {
    fn dialect(&self) -> Dialect {
        Dialect::D1
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        if statements.is_empty() {
            return Ok(Vec::new());
        }
        let mut prepared = Vec::with_capacity(statements.len());
        for statement in &statements {
            let args: Vec<JsValue> = statement.params.iter().map(js_param).collect();
            prepared.push(self.db.prepare(statement.sql.as_str()).bind(&args).map_err(exec_error)?);
        }
        let results = self.db.batch(prepared).await.map_err(exec_error)?;
        let mut out = Vec::with_capacity(results.len());
        for result in results {
            let rows: Vec<OrderedRow> = result.results().map_err(exec_error)?;
            let changes = result.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0) as u64;
            out.push(ResultSet {
                columns: Vec::new(),
                rows: rows.into_iter().map(|r| r.0).collect(),
                changes,
            });
        }
        if out.len() != statements.len() {
            return Err(ExecError::new(
                ExecErrorKind::Other,
                "D1 returned a different number of results",
            ));
        }
        Ok(out)
    }
}
