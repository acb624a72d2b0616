//! WIT ↔ core conversions: `TryFrom` for what the host sends (JSON text and names may be
//! malformed: that is the core's `validation_error`, never a panic), `From` for what goes back.

mod entities;
mod queries;
mod redaction;

pub use redaction::redaction_config;

use asm_core::{Error, JsonMap};

use crate::bindings::asm::session_store::executor as host;
use crate::bindings::asm::session_store::types as wit;

type Result<T> = std::result::Result<T, Error>;

/// Helpers and the error-code mapping: one source shared with the other WIT host.
#[path = "../../wit-shared/basics.rs"]
mod basics;
pub use basics::{at, json_text, list, micros, try_list};

/// A JSON-text field that must hold an object.
fn object(text: &str, field: &str) -> Result<JsonMap> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(Error::validation(format!("{field} must be a JSON object"))),
    }
}

/// A JSON-text field holding any value.
fn value(text: Option<String>, field: &str) -> Result<Option<serde_json::Value>> {
    text.map(|t| {
        serde_json::from_str(&t).map_err(|_| Error::validation(format!("{field} must be JSON")))
    })
    .transpose()
}

fn names<T>(items: Vec<String>, parse: fn(&str) -> Result<T>) -> Result<Vec<T>> {
    items.iter().map(|n| parse(n)).collect()
}

impl From<Error> for wit::Error {
    fn from(e: Error) -> Self {
        wit::Error {
            code: e.code().into(),
            message: e.message().to_owned(),
            details: json_text(&e.wire_details()),
        }
    }
}

/// The executor records, both ways: one source shared with the other WIT host.
#[path = "../../wit-shared/executor.rs"]
mod executor;
