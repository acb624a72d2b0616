//! [`D1Executor`]: the executor contract over a D1 binding. `D1Database::batch` runs its
//! statements as one implicit transaction, which is exactly the contract's atomic batch.

use asm_core::sql::{
    Dialect, ExecError, ExecErrorKind, Executor, JsParam, ResultSet, Statement, Value,
};
use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
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
        worker::Error::D1(d1) => d1_message(d1.as_ref()),
        other => other.to_string(),
    };
    ExecError::new(ExecErrorKind::from_sqlite_message(&message), message)
}

/// A `D1_…` error's text: its message and its cause's (D1 puts SQLite's words in the cause).
fn d1_message(error: &js_sys::Error) -> String {
    let cause = match error.cause().dyn_into::<js_sys::Error>() {
        Ok(cause) => String::from(cause.message()),
        Err(_) => "unknown error".to_owned(),
    };
    format!("{}: {cause}", String::from(error.message()))
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

/// A rejected `batch()` as an executor error, with the text `worker`'s own `batch` would give
/// (a `D1_…` error's message and cause, otherwise the JavaScript error's name and message).
fn rejection_error(rejection: JsValue) -> ExecError {
    let message = match rejection.dyn_ref::<js_sys::Error>() {
        Some(error) if String::from(error.message()).starts_with("D1") => d1_message(error),
        _ => worker::Error::from(rejection).to_string(),
    };
    ExecError::new(ExecErrorKind::from_sqlite_message(&message), message)
}

/// `object[key]`, `undefined` where there is none (D1 leaves out what a statement lacks).
fn property(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// One D1 result (`{results: [{column: value, …}], meta: {changes}}`) read straight from its
/// JavaScript objects: each row's values in column order (`Object.values` keeps the select
/// list's order; the core decodes by position).
fn result_set(result: &JsValue) -> ResultSet {
    let rows = property(result, "results")
        .dyn_into::<Array>()
        .map(|rows| {
            rows.iter()
                .map(|row| {
                    Object::values(row.unchecked_ref()).iter().map(|c| cell_value(&c)).collect()
                })
                .collect()
        })
        .unwrap_or_default();
    let changes = property(&property(result, "meta"), "changes").as_f64().unwrap_or(0.0) as u64;
    ResultSet { columns: Vec::new(), rows, changes }
}

/// A D1 cell as a core value (numbers that are whole and safe read as integers).
fn cell_value(cell: &JsValue) -> Value {
    if let Some(x) = cell.as_f64() {
        Value::from_js_number(x)
    } else if let Some(s) = cell.as_string() {
        Value::Text(s)
    } else if let Some(b) = cell.as_bool() {
        Value::Integer(i64::from(b))
    } else if cell.is_null_or_undefined() {
        Value::Null
    } else {
        // A BLOB column (an array of bytes) or anything else, as JSON text.
        Value::Text(js_sys::JSON::stringify(cell).map(String::from).unwrap_or_default())
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
        // D1's `batch()` called directly, so that its results are read without a serde pass.
        let batch = Reflect::get(self.db.as_ref(), &JsValue::from_str("batch"))
            .and_then(JsCast::dyn_into::<Function>)
            .map_err(rejection_error)?;
        let prepared: Array = prepared.iter().map(|p| JsValue::from(p.inner())).collect();
        let promise = batch.call1(self.db.as_ref(), &prepared).map_err(rejection_error)?;
        let results = JsFuture::from(Promise::from(promise)).await.map_err(rejection_error)?;
        let out: Vec<ResultSet> =
            Array::from(&results).iter().map(|result| result_set(&result)).collect();
        if out.len() != statements.len() {
            return Err(ExecError::new(
                ExecErrorKind::Other,
                "D1 returned a different number of results",
            ));
        }
        Ok(out)
    }
}
