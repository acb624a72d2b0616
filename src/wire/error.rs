//! `to_map` / `from_map` of [`Error`] (`core/error.ex`, docs/asm-v0.8/domain.md §4.2).

use serde_json::{Value, json};

use super::present;
use crate::error::{Error, ErrorCode, Result};
use crate::json::JsonMap;
use crate::time::Timestamp;

impl Error {
    /// ASM's `Error.to_map/1`. The Rust error carries no context, provider error, stack trace or
    /// creation time, so `context` is `{}`, `provider_error` and `stacktrace` are `null`, and
    /// `timestamp` is `at` (pass the host's "now" when the error is sent).
    pub fn to_map(&self, at: Timestamp) -> Value {
        json!({
            "code": self.code().as_str(),
            "message": self.message(),
            "details": self.details(),
            "context": {},
            "provider_error": null,
            "stacktrace": null,
            "timestamp": at.to_iso8601(),
        })
    }

    /// ASM's `Error.from_map/1`; every failure is `validation_error`. Only ASM's 45 codes are
    /// accepted (the three adapter codes are not, as in ASM). `timestamp` is checked when
    /// present; `context`, `provider_error` and `stacktrace` are read past, since the Rust error
    /// has no place for them.
    pub fn from_map(value: &Value) -> Result<Error> {
        let map = value.as_object().ok_or_else(|| Error::validation("Invalid error map"))?;
        let code = match present(map, "code") {
            None => return Err(Error::validation("Missing error code")),
            Some(Value::String(s)) => ErrorCode::parse(s)
                .filter(|c| c.is_canonical())
                .ok_or_else(|| Error::validation(format!("Invalid error code: {s}")))?,
            Some(_) => return Err(Error::validation("Invalid error code format")),
        };
        let message = match present(map, "message") {
            None => return Err(Error::validation("Missing error message")),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(Error::validation("Invalid error message format")),
        };
        if let Some(ts) = present(map, "timestamp")
            && ts.as_str().and_then(Timestamp::parse_iso8601).is_none()
        {
            return Err(Error::validation("Invalid timestamp format"));
        }
        let details = match map.get("details") {
            Some(Value::Object(d)) => d.clone(),
            _ => JsonMap::new(),
        };
        Ok(Error::with_details(code, message, details))
    }
}
