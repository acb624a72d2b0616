//! ASM errors as HTTP answers: the status for each code and the `{"error": {…}}` body.

use asm_core::sql::ExecErrorKind;
use asm_core::{Category, Cause, Error, ErrorCode};
use serde_json::{Value, json};

/// The HTTP status for an error: validation 400, not found 404, already exists 409, the
/// HTTP layer's own refusals by their details, everything else (storage, runtime …) 500.
///
/// One ASM code is both: `persistence_error` is what ASM's registry answers for an artifact it
/// refuses (a required field missing: 400; a key or id already taken, [`Cause::Conflict`]: 409)
/// and what a store answers when the database fails ([`Cause::Database`]: 500). A database
/// failure of the transient kind (D1's `SQLITE_BUSY`, "database is locked", a lost connection)
/// that outlasted the store's own retries is 503: the same request may succeed later.
pub fn status_of(error: &Error) -> u16 {
    if let Some(status) = error.details().get("http_status").and_then(Value::as_u64) {
        return u16::try_from(status).unwrap_or(500);
    }
    match error.cause() {
        Some(Cause::Database(ExecErrorKind::Transient)) => return 503,
        Some(Cause::Conflict) => return 409,
        Some(Cause::RangeNotSatisfiable) => return 416,
        Some(Cause::TooLarge) => return 413,
        _ => {}
    }
    match error.code() {
        ErrorCode::PersistenceError if error.cause().is_none() => 400,
        ErrorCode::NotFound
        | ErrorCode::SessionNotFound
        | ErrorCode::RunNotFound
        | ErrorCode::CapabilityNotFound => 404,
        ErrorCode::AlreadyExists | ErrorCode::DuplicateCapability => 409,
        ErrorCode::SessionMismatch | ErrorCode::RunMismatch | ErrorCode::ContextMismatch => 409,
        ErrorCode::InvalidTransition | ErrorCode::InvalidOperation => 409,
        ErrorCode::QueryError => 400,
        ErrorCode::PolicyViolation => 403,
        _ => match error.category() {
            Category::Validation | Category::State => 400,
            _ => 500,
        },
    }
}

/// The response body: `{"error": {"code", "message", "details", "retryable"}}`.
pub fn body_of(error: &Error) -> Value {
    let mut inner = error.to_json();
    if let Some(details) = inner.get_mut("details").and_then(Value::as_object_mut) {
        details.remove("http_status");
    }
    json!({ "error": inner })
}

/// An error the HTTP layer raises itself, answered with `status` (401, 405, 413 …).
pub fn http_error(status: u16, code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(code, message).detail("http_status", status)
}

/// 401: no or a wrong bearer token.
pub fn unauthorized() -> Error {
    http_error(401, ErrorCode::PolicyViolation, "missing or invalid bearer token")
        .detail("reason", "unauthorized")
}

/// 413: a request body over the limit.
pub fn too_large(size: usize, limit: usize, what: &str) -> Error {
    http_error(
        413,
        ErrorCode::ValidationError,
        format!("request body of {size} bytes exceeds {what} of {limit} bytes"),
    )
    .detail("reason", "payload_too_large")
    .detail("limit_bytes", limit)
    .detail("size_bytes", size)
}

/// 413: a body without a declared length that grew past the limit while it was read; its full
/// size is unknown, because the rest of it is never read.
pub fn too_large_unsized(limit: usize, what: &str) -> Error {
    http_error(
        413,
        ErrorCode::ValidationError,
        format!("request body exceeds {what} of {limit} bytes"),
    )
    .detail("reason", "payload_too_large")
    .detail("limit_bytes", limit)
}

/// 404 for a path no route has.
pub fn no_such_path(path: &str) -> Error {
    http_error(404, ErrorCode::NotFound, format!("no route for {path}"))
        .detail("reason", "no_such_route")
}

/// 405 for a path served with other methods.
pub fn wrong_method(method: &str, path: &str) -> Error {
    http_error(405, ErrorCode::InvalidOperation, format!("{method} is not served on {path}"))
        .detail("reason", "method_not_allowed")
}

/// 400 for a path segment that is not percent-encoded UTF-8.
pub fn bad_segment(segment: &str) -> Error {
    http_error(
        400,
        ErrorCode::ValidationError,
        format!("path segment {segment} is not percent-encoded UTF-8"),
    )
    .detail("reason", "bad_path_segment")
}

/// 400 for a body that is not JSON.
pub fn bad_json(reason: &str) -> Error {
    http_error(400, ErrorCode::ValidationError, "request body is not valid JSON")
        .detail("reason", reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_categories() {
        assert_eq!(status_of(&Error::validation("x")), 400);
        assert_eq!(status_of(&Error::from_code(ErrorCode::SessionNotFound)), 404);
        assert_eq!(status_of(&Error::from_code(ErrorCode::RunNotFound)), 404);
        assert_eq!(status_of(&Error::from_code(ErrorCode::AlreadyExists)), 409);
        assert_eq!(status_of(&Error::from_code(ErrorCode::InvalidCursor)), 400);
        assert_eq!(status_of(&Error::from_code(ErrorCode::StorageError)), 500);
        let db_failure = Error::from_code(ErrorCode::PersistenceError)
            .with_cause(Cause::Database(ExecErrorKind::Other));
        assert_eq!(status_of(&db_failure), 500);
        let busy = Error::from_code(ErrorCode::StorageError)
            .with_cause(Cause::Database(ExecErrorKind::Transient));
        assert_eq!(status_of(&busy), 503);
        assert_eq!(
            status_of(&Error::new(ErrorCode::PersistenceError, "storage_ref is required")),
            400
        );
        let taken = Error::new(ErrorCode::PersistenceError, "key has already been taken")
            .with_cause(Cause::Conflict);
        assert_eq!(status_of(&taken), 409);
        assert_eq!(status_of(&unauthorized()), 401);
        assert_eq!(status_of(&too_large(3, 2, "the limit")), 413);
        assert_eq!(status_of(&asm_core::scope::out_of_scope("agent b")), 403);
    }

    #[test]
    fn body_hides_the_status_detail() {
        let body = body_of(&unauthorized());
        assert_eq!(body["error"]["code"], "policy_violation");
        assert!(body["error"]["details"].get("http_status").is_none());
        assert_eq!(body["error"]["details"]["reason"], "unauthorized");
    }
}
