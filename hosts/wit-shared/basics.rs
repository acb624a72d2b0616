//! Helpers and the error-code mapping that both WIT hosts need: the guest (`hosts/component`)
//! and the wasmtime host (`hosts/wasmtime-host`) include this file with `#[path]` from their
//! `convert.rs`, where `wit` names that crate's generated `types` interface and `Result` is
//! `Result<T, asm_core::Error>`.

use asm_core::{Error, ErrorCode, Timestamp};

use super::{Result, wit};

/// Converts every element.
pub fn list<A, B: From<A>>(items: Vec<A>) -> Vec<B> {
    items.into_iter().map(Into::into).collect()
}

/// Converts every element, stopping at the first failure.
pub fn try_list<A, B: TryFrom<A, Error = Error>>(items: Vec<A>) -> Result<Vec<B>> {
    items.into_iter().map(B::try_from).collect()
}

/// A value as the JSON text WIT carries (`null` for the impossible failure).
pub fn json_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

/// A WIT instant (µs since the epoch) as a timestamp.
pub fn at(micros: i64) -> Timestamp {
    Timestamp::from_micros(micros)
}

/// An optional timestamp as WIT's µs.
pub fn micros(t: Option<Timestamp>) -> Option<i64> {
    t.map(Timestamp::as_micros)
}

/// The 48 codes, in `ErrorCode::ALL` order; WIT and the core name the variants alike.
macro_rules! error_codes {
    ($($code:ident),* $(,)?) => {
        impl From<ErrorCode> for wit::ErrorCode {
            fn from(code: ErrorCode) -> Self {
                match code { $(ErrorCode::$code => wit::ErrorCode::$code),* }
            }
        }

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
