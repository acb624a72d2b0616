//! [`JsExecutor`]: the executor contract over any JavaScript object with the executor's shape,
//! `{ dialect: "sqlite" | "d1" | "postgres", batch(statements) }` (the package's own executors
//! for D1, sql.js, node-postgres and PGlite have it; so can a user's).

use asm_core::sql::{Dialect, ExecError, ExecErrorKind, Executor, ResultSet, Statement, Value};
use asm_core::{Error, Result};
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::convert::message_of;
use crate::wire;

/// What a dialect name must be.
pub const DIALECTS: &str = "dialect must be \"sqlite\", \"d1\" or \"postgres\"";

/// The core's statements run by a JavaScript object's `batch()`.
pub struct JsExecutor {
    target: JsValue,
    dialect: Dialect,
}

impl JsExecutor {
    /// Checks `target`'s shape: a `batch` function and a known `dialect`.
    pub fn new(target: JsValue) -> Result<JsExecutor> {
        let member = |name: &str| Reflect::get(&target, &name.into()).unwrap_or(JsValue::UNDEFINED);
        member("batch").dyn_into::<Function>().map_err(|_| {
            Error::validation("the executor must have a batch(statements) function")
        })?;
        let dialect = member("dialect")
            .as_string()
            .and_then(|name| Dialect::from_name(&name))
            .ok_or_else(|| Error::validation(format!("the executor's {DIALECTS}")))?;
        Ok(JsExecutor { target, dialect })
    }
}

#[path = "../../js-shared/timer.rs"]
mod timer;

/// A cell from a driver: `null`, a number (whole and safe reads as an integer), a `bigint`,
/// text or a boolean. Anything else is the executor's mistake.
fn cell(value: JsValue) -> std::result::Result<Value, ExecError> {
    if value.is_null() || value.is_undefined() {
        Ok(Value::Null)
    } else if let Some(x) = value.as_f64() {
        Ok(Value::from_js_number(x))
    } else if let Some(s) = value.as_string() {
        Ok(Value::Text(s))
    } else if let Some(b) = value.as_bool() {
        Ok(Value::Integer(i64::from(b)))
    } else if value.is_bigint() {
        let text = js_sys::BigInt::from(value).to_string(10).map(String::from).unwrap_or_default();
        text.parse().map(Value::Integer).map_err(|_| other(format!("integer out of range: {text}")))
    } else {
        Err(other(format!(
            "unsupported cell value {value:?}: executors return null, numbers, bigints, text or booleans"
        )))
    }
}

fn other(message: String) -> ExecError {
    ExecError::new(ExecErrorKind::Other, message)
}

/// A thrown driver error as a kind: its `kind` when the executor set one, else its SQLSTATE
/// `code` (node-postgres, PGlite), a network `code` (`ECONNRESET` …), or SQLite's message text.
fn exec_error(thrown: JsValue, dialect: Dialect) -> ExecError {
    let message = message_of(&thrown);
    let text = |name: &str| Reflect::get(&thrown, &name.into()).ok().and_then(|v| v.as_string());
    let kind = match (text("kind").as_deref(), text("code")) {
        (Some("unique_violation"), _) => ExecErrorKind::UniqueViolation,
        (Some("missing_schema"), _) => ExecErrorKind::MissingSchema,
        (Some("transient"), _) => ExecErrorKind::Transient,
        (Some(_), _) => ExecErrorKind::Other,
        (None, Some(code)) if code.len() == 5 && !code.starts_with('E') => {
            ExecErrorKind::from_sqlstate(&code)
        }
        (None, Some(code))
            if code.starts_with("ECONN") || code == "EPIPE" || code == "ETIMEDOUT" =>
        {
            ExecErrorKind::Transient
        }
        _ if dialect.is_sqlite() => ExecErrorKind::from_sqlite_message(&message),
        _ if message.contains("Connection terminated") => ExecErrorKind::Transient,
        _ => ExecErrorKind::Other,
    };
    ExecError::new(kind, message)
}

/// One `{ rows, changes }` answer as a result set.
fn result_set(answer: JsValue) -> std::result::Result<ResultSet, ExecError> {
    let rows = Reflect::get(&answer, &"rows".into()).unwrap_or(JsValue::UNDEFINED);
    let rows = if rows.is_undefined() || rows.is_null() {
        Vec::new()
    } else {
        let rows: Array =
            rows.dyn_into().map_err(|_| other("rows must be an array of arrays".into()))?;
        rows.iter()
            .map(|row| {
                let row: Array = row
                    .dyn_into()
                    .map_err(|_| other("each row must be an array of values".into()))?;
                row.iter().map(cell).collect()
            })
            .collect::<std::result::Result<Vec<_>, _>>()?
    };
    let changes =
        Reflect::get(&answer, &"changes".into()).ok().and_then(|c| c.as_f64()).unwrap_or(0.0);
    Ok(ResultSet { columns: Vec::new(), rows, changes: changes.max(0.0) as u64 })
}

impl Executor for JsExecutor {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// `setTimeout`, which Node, browsers and workerd all have.
    async fn sleep(&self, ms: u64) -> bool {
        timer::pause(ms).await
    }

    async fn batch(
        &self,
        statements: Vec<Statement>,
    ) -> std::result::Result<Vec<ResultSet>, ExecError> {
        if statements.is_empty() {
            return Ok(Vec::new());
        }
        let answers = JsFuture::from(run_batch(&self.target, &wire::statements_json(&statements)))
            .await
            .map_err(|e| exec_error(e, self.dialect))?;
        counted(result_sets(answers)?, statements.len())
    }
}

impl JsExecutor {
    /// The JavaScript object the store runs its statements on.
    pub fn target(&self) -> &JsValue {
        &self.target
    }
}

/// What `runBatch` resolved to as result sets: the answers' JSON text, or the answers themselves
/// when a cell has no exact JSON form (then read value by value).
pub fn result_sets(answers: JsValue) -> std::result::Result<Vec<ResultSet>, ExecError> {
    if let Some(json) = answers.as_string() {
        return wire::result_sets(&json)
            .map_err(|e| other(format!("batch() answered what is not rows: {e}")));
    }
    let answers: Array = answers
        .dyn_into()
        .map_err(|_| other("batch() must resolve to an array of { rows, changes }".into()))?;
    answers.iter().map(result_set).collect()
}

/// The answers of a batch of `statements` statements, one each.
fn counted(
    sets: Vec<ResultSet>,
    statements: usize,
) -> std::result::Result<Vec<ResultSet>, ExecError> {
    if sets.len() != statements {
        return Err(other(format!(
            "batch() returned {} results for {statements} statements",
            sets.len()
        )));
    }
    Ok(sets)
}

#[wasm_bindgen(module = "/js/executors/wire.js")]
extern "C" {
    /// `executor.batch()` of the statements' JSON text; resolves to the answers' JSON text, or
    /// to the answers themselves when one has no exact JSON form.
    #[wasm_bindgen(js_name = runBatch)]
    fn run_batch(executor: &JsValue, statements: &str) -> Promise;
}
