//! Core ↔ WIT conversions on the host side: `From` for what goes to the component, `TryFrom`
//! for what comes back (the component's JSON text and names are checked, never trusted to
//! parse: a malformed answer is `internal_error`, never a panic).

mod entities;
mod queries;

use asm_core::{Error, ErrorCode, JsonMap};

use crate::bindings::asm::session_store::executor as host;
use crate::bindings::asm::session_store::types as wit;

type Result<T> = std::result::Result<T, Error>;

/// Helpers and the error-code mapping: one source shared with the other WIT host.
#[path = "../../wit-shared/basics.rs"]
mod basics;
pub use basics::{at, json_text, list, micros, try_list};

fn malformed(field: &str) -> Error {
    Error::new(ErrorCode::InternalError, format!("the component returned a malformed {field}"))
}

/// A JSON-text field that must hold an object.
fn object(text: &str, field: &str) -> Result<JsonMap> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(malformed(field)),
    }
}

/// A JSON-text field holding any value.
fn value(text: Option<String>, field: &str) -> Result<Option<serde_json::Value>> {
    text.map(|t| serde_json::from_str(&t).map_err(|_| malformed(field))).transpose()
}

impl From<wit::Error> for Error {
    fn from(e: wit::Error) -> Self {
        // Details the component could not have sent (not a JSON object) are dropped.
        let details = object(&e.details, "details").unwrap_or_default();
        Error::with_details(e.code.into(), e.message, details).with_cause_from_details()
    }
}

/// The executor records, both ways: one source shared with the other WIT host.
#[path = "../../wit-shared/executor.rs"]
mod executor;
