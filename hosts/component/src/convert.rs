//! WIT ↔ core conversions: `TryFrom` for what the host sends (JSON text and names may be
//! malformed: that is the core's `validation_error`, never a panic), `From` for what goes back.

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

fn json_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

fn at(micros: i64) -> Timestamp {
    Timestamp::from_micros(micros)
}

fn micros(t: Option<Timestamp>) -> Option<i64> {
    t.map(Timestamp::as_micros)
}

fn names<T>(items: Vec<String>, parse: fn(&str) -> Result<T>) -> Result<Vec<T>> {
    items.iter().map(|n| parse(n)).collect()
}

/// The 48 codes, in `ErrorCode::ALL` order; WIT and core name the variants alike.
macro_rules! error_codes {
    ($($code:ident),* $(,)?) => {
        impl From<ErrorCode> for wit::ErrorCode {
            fn from(code: ErrorCode) -> Self {
                match code { $(ErrorCode::$code => wit::ErrorCode::$code),* }
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

impl From<Error> for wit::Error {
    fn from(e: Error) -> Self {
        wit::Error {
            code: e.code().into(),
            message: e.message().to_owned(),
            details: json_text(e.details()),
        }
    }
}

// ---- executor ----

impl From<host::SqlDialect> for Dialect {
    fn from(d: host::SqlDialect) -> Self {
        match d {
            host::SqlDialect::Sqlite => Dialect::Sqlite,
            host::SqlDialect::D1 => Dialect::D1,
            host::SqlDialect::Postgres => Dialect::Postgres,
        }
    }
}

/// SQL values go both ways: one source shared with the other WIT host.
#[path = "../../wit-shared/sql_values.rs"]
mod sql_values;

impl From<Statement> for host::Statement {
    fn from(s: Statement) -> Self {
        host::Statement { sql: s.sql, params: list(s.params) }
    }
}

impl From<host::ResultSet> for ResultSet {
    fn from(r: host::ResultSet) -> Self {
        ResultSet {
            columns: r.columns,
            rows: r.rows.into_iter().map(list).collect(),
            changes: r.changes,
        }
    }
}

impl From<host::ExecError> for ExecError {
    fn from(e: host::ExecError) -> Self {
        let kind = match e.kind {
            host::ExecErrorKind::UniqueViolation => ExecErrorKind::UniqueViolation,
            host::ExecErrorKind::MissingSchema => ExecErrorKind::MissingSchema,
            host::ExecErrorKind::Transient => ExecErrorKind::Transient,
            host::ExecErrorKind::Other => ExecErrorKind::Other,
        };
        ExecError::new(kind, e.message)
    }
}
