//! Core ↔ WIT conversions on the host side: `From` for what goes to the component, `TryFrom`
//! for what comes back (the component's JSON text and names are checked, never trusted to
//! parse: a malformed answer is `internal_error`, never a panic).

mod entities;
mod queries;

use asm_core::sql::{Dialect, ExecError, ExecErrorKind, ResultSet, Statement};
use asm_core::{Error, ErrorCode, JsonMap, Timestamp};

use crate::bindings::asm::session_store::executor as host;
use crate::bindings::asm::session_store::types as wit;

type Result<T> = std::result::Result<T, Error>;

/// Converts every element.
pub fn list<A, B: From<A>>(items: Vec<A>) -> Vec<B> {
    items.into_iter().map(Into::into).collect()
}

/// Converts every element, stopping at the first failure.
pub fn try_list<A, B: TryFrom<A, Error = Error>>(items: Vec<A>) -> Result<Vec<B>> {
    items.into_iter().map(B::try_from).collect()
}

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

fn json_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

fn at(micros: i64) -> Timestamp {
    Timestamp::from_micros(micros)
}

fn micros(t: Option<Timestamp>) -> Option<i64> {
    t.map(Timestamp::as_micros)
}

/// The 48 codes, in `ErrorCode::ALL` order; WIT and core name the variants alike.
macro_rules! error_codes {
    ($($code:ident),* $(,)?) => {
        impl From<wit::ErrorCode> for ErrorCode {
            fn from(code: wit::ErrorCode) -> Self {
                match code { $(wit::ErrorCode::$code => ErrorCode::$code),* }
            }
        }
    };
}

error_codes!(
    ValidationError,
    InvalidInput,
    MissingRequiredField,
    InvalidFormat,
    InvalidStatus,
    InvalidTransition,
    InvalidEventType,
    InvalidCapabilityType,
    MissingRequiredCapability,
    StreamClosed,
    ContextMismatch,
    InvalidCursor,
    SessionMismatch,
    RunMismatch,
    NotFound,
    SessionNotFound,
    RunNotFound,
    CapabilityNotFound,
    AlreadyExists,
    DuplicateCapability,
    ProviderError,
    ProviderUnavailable,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderAuthenticationFailed,
    ProviderQuotaExceeded,
    StorageError,
    StorageConnectionFailed,
    DependencyNotAvailable,
    MigrationRequired,
    StorageWriteFailed,
    StorageReadFailed,
    Timeout,
    Cancelled,
    PolicyViolation,
    InternalError,
    UnknownError,
    MaxSessionsExceeded,
    MaxRunsExceeded,
    CapabilityNotSupported,
    InvalidOperation,
    ToolError,
    ToolNotFound,
    ToolExecutionFailed,
    ToolPermissionDenied,
    PersistenceError,
    QueryError,
    MaintenanceError,
);

impl From<wit::Error> for Error {
    fn from(e: wit::Error) -> Self {
        // Details the component could not have sent (not a JSON object) are dropped.
        let details = object(&e.details, "details").unwrap_or_default();
        Error::with_details(e.code.into(), e.message, details)
    }
}

// ---- executor ----

impl From<Dialect> for host::SqlDialect {
    fn from(d: Dialect) -> Self {
        match d {
            Dialect::Sqlite => host::SqlDialect::Sqlite,
            Dialect::D1 => host::SqlDialect::D1,
            Dialect::Postgres => host::SqlDialect::Postgres,
        }
    }
}

/// SQL values go both ways: one source shared with the other WIT host.
#[path = "../../wit-shared/sql_values.rs"]
mod sql_values;

impl From<host::Statement> for Statement {
    fn from(s: host::Statement) -> Self {
        Statement { sql: s.sql, params: list(s.params) }
    }
}

impl From<ResultSet> for host::ResultSet {
    fn from(r: ResultSet) -> Self {
        host::ResultSet {
            columns: r.columns,
            rows: r.rows.into_iter().map(list).collect(),
            changes: r.changes,
        }
    }
}

impl From<ExecError> for host::ExecError {
    fn from(e: ExecError) -> Self {
        let kind = match e.kind {
            ExecErrorKind::UniqueViolation => host::ExecErrorKind::UniqueViolation,
            ExecErrorKind::MissingSchema => host::ExecErrorKind::MissingSchema,
            ExecErrorKind::Transient => host::ExecErrorKind::Transient,
            ExecErrorKind::Other => host::ExecErrorKind::Other,
        };
        host::ExecError { kind, message: e.message }
    }
}
