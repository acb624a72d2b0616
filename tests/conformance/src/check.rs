//! Small assertion helpers that return a failure message instead of panicking, so one failing
//! case never stops the run.

use std::fmt::Debug;

use asm_core::{Error, ErrorCode};

/// The outcome of a case: `Err` carries what went wrong.
pub type CaseResult = Result<(), String>;

/// Fails with `what` unless `cond` holds.
pub fn ensure(cond: bool, what: impl Into<String>) -> CaseResult {
    if cond { Ok(()) } else { Err(what.into()) }
}

/// Fails unless `left == right`, showing both.
pub fn ensure_eq<T: PartialEq + Debug>(left: T, right: T, what: &str) -> CaseResult {
    if left == right { Ok(()) } else { Err(format!("{what}: expected {right:?}, got {left:?}")) }
}

/// Fails unless `result` is an error with `code`; returns the error for further checks.
pub fn expect_code<T: Debug>(result: Result<T, Error>, code: ErrorCode) -> Result<Error, String> {
    match result {
        Err(e) if e.code() == code => Ok(e),
        Err(e) => Err(format!("expected error {code}, got {e}")),
        Ok(v) => Err(format!("expected error {code}, got Ok({v:?})")),
    }
}
