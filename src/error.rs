//! The one error type of the crate, carrying ASM's error code.
//!
//! ASM's `Error` is a struct with a free-form atom code; here the code is a closed enum
//! ([`ErrorCode`]): the 45 codes of `core/error.ex` plus the three ad-hoc codes its adapters emit
//! (`persistence_error`, `query_error`, `maintenance_error`). The variants of [`Error`] are the
//! code's category, so Rust callers can match broadly and still read the exact code.

use std::fmt;

use serde::ser::SerializeStruct;

use crate::json::JsonMap;
use crate::sql::ExecErrorKind;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

macro_rules! error_codes {
    ($( $variant:ident => $name:literal, $category:ident, $message:literal, $retryable:literal; )*) => {
        /// An ASM error code, serialised as its snake_case name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $(
                #[doc = $message]
                $variant,
            )*
        }

        impl ErrorCode {
            /// Every code, in the order of ASM's table (the three adapter codes last).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The snake_case name stored and sent on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $name),* }
            }

            /// Parses a snake_case name; `None` for anything ASM does not know.
            pub fn parse(name: &str) -> Option<ErrorCode> {
                match name { $($name => Some(ErrorCode::$variant),)* _ => None }
            }

            /// ASM's `category/1`.
            pub fn category(self) -> Category {
                match self { $(ErrorCode::$variant => Category::$category),* }
            }

            /// ASM's default message for `Error.new(code)`.
            pub fn default_message(self) -> &'static str {
                match self { $(ErrorCode::$variant => $message),* }
            }

            /// Whether a caller may retry the operation unchanged (exactly five codes).
            pub fn is_retryable(self) -> bool {
                match self { $(ErrorCode::$variant => $retryable),* }
            }
        }
    };
}

error_codes! {
    ValidationError => "validation_error", Validation, "Validation error occurred", false;
    InvalidInput => "invalid_input", Validation, "Invalid input provided", false;
    MissingRequiredField => "missing_required_field", Validation, "Required field is missing", false;
    InvalidFormat => "invalid_format", Validation, "Invalid format", false;
    InvalidStatus => "invalid_status", State, "Invalid status value", false;
    InvalidTransition => "invalid_transition", State, "Invalid state transition", false;
    InvalidEventType => "invalid_event_type", State, "Invalid event type", false;
    InvalidCapabilityType => "invalid_capability_type", State, "Invalid capability type", false;
    MissingRequiredCapability => "missing_required_capability", State, "Required capability is missing", false;
    StreamClosed => "stream_closed", State, "Stream is closed", false;
    ContextMismatch => "context_mismatch", State, "Event context does not match stream context", false;
    InvalidCursor => "invalid_cursor", State, "Invalid cursor operation", false;
    SessionMismatch => "session_mismatch", State, "Session IDs do not match", false;
    RunMismatch => "run_mismatch", State, "Run IDs do not match", false;
    NotFound => "not_found", Resource, "Resource not found", false;
    SessionNotFound => "session_not_found", Resource, "Session not found", false;
    RunNotFound => "run_not_found", Resource, "Run not found", false;
    CapabilityNotFound => "capability_not_found", Resource, "Capability not found", false;
    AlreadyExists => "already_exists", Resource, "Resource already exists", false;
    DuplicateCapability => "duplicate_capability", Resource, "Capability with this name already exists", false;
    ProviderError => "provider_error", Provider, "Provider error occurred", false;
    ProviderUnavailable => "provider_unavailable", Provider, "Provider is unavailable", true;
    ProviderRateLimited => "provider_rate_limited", Provider, "Provider rate limit exceeded", true;
    ProviderTimeout => "provider_timeout", Provider, "Provider request timed out", true;
    ProviderAuthenticationFailed => "provider_authentication_failed", Provider, "Provider authentication failed", false;
    ProviderQuotaExceeded => "provider_quota_exceeded", Provider, "Provider quota exceeded", false;
    StorageError => "storage_error", Storage, "Storage error occurred", false;
    StorageConnectionFailed => "storage_connection_failed", Storage, "Storage connection failed", true;
    DependencyNotAvailable => "dependency_not_available", Storage, "Required optional dependency is not available", false;
    MigrationRequired => "migration_required", Storage, "Required storage migration has not been applied", false;
    StorageWriteFailed => "storage_write_failed", Storage, "Storage write operation failed", false;
    StorageReadFailed => "storage_read_failed", Storage, "Storage read operation failed", false;
    Timeout => "timeout", Runtime, "Operation timed out", true;
    Cancelled => "cancelled", Runtime, "Operation was cancelled", false;
    PolicyViolation => "policy_violation", Runtime, "Policy violation occurred", false;
    InternalError => "internal_error", Runtime, "Internal error occurred", false;
    UnknownError => "unknown_error", Runtime, "An unknown error occurred", false;
    MaxSessionsExceeded => "max_sessions_exceeded", Concurrency, "Maximum parallel sessions limit exceeded", false;
    MaxRunsExceeded => "max_runs_exceeded", Concurrency, "Maximum parallel runs limit exceeded", false;
    CapabilityNotSupported => "capability_not_supported", Concurrency, "Capability not supported by provider", false;
    InvalidOperation => "invalid_operation", Concurrency, "Operation not valid for current state", false;
    ToolError => "tool_error", Tool, "Tool error occurred", false;
    ToolNotFound => "tool_not_found", Tool, "Tool not found", false;
    ToolExecutionFailed => "tool_execution_failed", Tool, "Tool execution failed", false;
    ToolPermissionDenied => "tool_permission_denied", Tool, "Tool permission denied", false;
    PersistenceError => "persistence_error", Unknown, "Persistence operation failed", false;
    QueryError => "query_error", Unknown, "Query failed", false;
    MaintenanceError => "maintenance_error", Unknown, "Maintenance operation failed", false;
}

impl ErrorCode {
    /// The codes ASM's `Error` module itself lists (`valid_code?/1` is true for exactly these).
    pub fn is_canonical(self) -> bool {
        !matches!(
            self,
            ErrorCode::PersistenceError | ErrorCode::QueryError | ErrorCode::MaintenanceError
        )
    }

    /// ASM's per-category accessor lists (there is none for the state category).
    pub fn in_category(category: Category) -> Vec<ErrorCode> {
        ErrorCode::ALL
            .iter()
            .copied()
            .filter(|c| c.is_canonical() && c.category() == category)
            .collect()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// ASM's error categories; `Unknown` is what `category/1` answers for codes outside its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Bad input.
    Validation,
    /// Wrong status, type, cursor or context.
    State,
    /// A named thing is missing or already there.
    Resource,
    /// An AI provider failed.
    Provider,
    /// The database or blob store failed.
    Storage,
    /// Timeouts, cancellation, policy and internal faults.
    Runtime,
    /// Parallelism limits and capability support.
    Concurrency,
    /// A tool call failed.
    Tool,
    /// Codes ASM emits outside its own table.
    Unknown,
}

impl Category {
    /// The snake_case name ASM returns.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Validation => "validation",
            Category::State => "state",
            Category::Resource => "resource",
            Category::Provider => "provider",
            Category::Storage => "storage",
            Category::Runtime => "runtime",
            Category::Concurrency => "concurrency",
            Category::Tool => "tool",
            Category::Unknown => "unknown",
        }
    }

    /// `category/1` on a raw name: `Unknown` for anything that is not a canonical code.
    pub fn of_name(name: &str) -> Category {
        ErrorCode::parse(name)
            .filter(|c| c.is_canonical())
            .map_or(Category::Unknown, ErrorCode::category)
    }
}

/// Why an error happened, where a host acts on it (an HTTP status, a retry): a type, so that no
/// host reads it from message text. On the wire it is `details.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The database failed or refused a batch; the executor's kind says how.
    Database(ExecErrorKind),
    /// A key the caller chose (an artifact's key or id) is already taken.
    Conflict,
    /// A byte range that starts past the end of the object (HTTP 416).
    RangeNotSatisfiable,
    /// A body larger than the host accepts (HTTP 413).
    TooLarge,
}

impl Cause {
    /// The wire name under `details.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Database(kind) => kind.as_str(),
            Cause::Conflict => "conflict",
            Cause::RangeNotSatisfiable => "range_not_satisfiable",
            Cause::TooLarge => "too_large",
        }
    }

    /// The cause a wire name stands for; `None` for a name no version of this crate sends.
    pub fn parse(name: &str) -> Option<Cause> {
        match name {
            "conflict" => Some(Cause::Conflict),
            "range_not_satisfiable" => Some(Cause::RangeNotSatisfiable),
            "too_large" => Some(Cause::TooLarge),
            other => ExecErrorKind::parse(other).map(Cause::Database),
        }
    }
}

/// What every error carries: the code, a human message, and structured details.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorBody {
    /// The ASM code.
    pub code: ErrorCode,
    /// ASM's message, word for word where the spec gives one.
    pub message: String,
    /// Structured context (e.g. the backend's own message under `"reason"`).
    pub details: JsonMap,
    /// Why it happened, when a host must tell causes apart.
    pub cause: Option<Cause>,
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

/// The crate's error: one variant per ASM category, each carrying its exact code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Bad input, rejected before anything was stored.
    #[error("{0}")]
    Validation(ErrorBody),
    /// A status, event type, cursor or context that does not fit.
    #[error("{0}")]
    State(ErrorBody),
    /// A session, run or artifact that does not exist (or already does).
    #[error("{0}")]
    Resource(ErrorBody),
    /// An AI provider failed.
    #[error("{0}")]
    Provider(ErrorBody),
    /// The database failed; nothing was half-written (every write is one atomic batch).
    #[error("{0}")]
    Storage(ErrorBody),
    /// Timeouts, cancellation, policy and internal faults.
    #[error("{0}")]
    Runtime(ErrorBody),
    /// Parallelism limits and capability support.
    #[error("{0}")]
    Concurrency(ErrorBody),
    /// A tool call failed.
    #[error("{0}")]
    Tool(ErrorBody),
    /// `persistence_error`, `query_error` and `maintenance_error`, which ASM emits outside its table.
    #[error("{0}")]
    Adapter(ErrorBody),
}

impl Error {
    /// An error with `code` and `message`, in the variant of the code's category.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error::with_details(code, message, JsonMap::new())
    }

    /// An error with the code's default message.
    pub fn from_code(code: ErrorCode) -> Error {
        Error::new(code, code.default_message())
    }

    /// An error with structured details.
    pub fn with_details(code: ErrorCode, message: impl Into<String>, details: JsonMap) -> Error {
        let body = ErrorBody { code, message: message.into(), details, cause: None };
        match code.category() {
            Category::Validation => Error::Validation(body),
            Category::State => Error::State(body),
            Category::Resource => Error::Resource(body),
            Category::Provider => Error::Provider(body),
            Category::Storage => Error::Storage(body),
            Category::Runtime => Error::Runtime(body),
            Category::Concurrency => Error::Concurrency(body),
            Category::Tool => Error::Tool(body),
            Category::Unknown => Error::Adapter(body),
        }
    }

    /// Shorthand for the most common error: `validation_error` with a message.
    pub fn validation(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::ValidationError, message)
    }

    /// The body shared by every variant.
    pub fn body(&self) -> &ErrorBody {
        match self {
            Error::Validation(b)
            | Error::State(b)
            | Error::Resource(b)
            | Error::Provider(b)
            | Error::Storage(b)
            | Error::Runtime(b)
            | Error::Concurrency(b)
            | Error::Tool(b)
            | Error::Adapter(b) => b,
        }
    }

    fn body_mut(&mut self) -> &mut ErrorBody {
        match self {
            Error::Validation(b)
            | Error::State(b)
            | Error::Resource(b)
            | Error::Provider(b)
            | Error::Storage(b)
            | Error::Runtime(b)
            | Error::Concurrency(b)
            | Error::Tool(b)
            | Error::Adapter(b) => b,
        }
    }

    /// The ASM code.
    pub fn code(&self) -> ErrorCode {
        self.body().code
    }

    /// The message, without the `[code]` prefix that `Display` adds.
    pub fn message(&self) -> &str {
        &self.body().message
    }

    /// Structured details.
    pub fn details(&self) -> &JsonMap {
        &self.body().details
    }

    /// Why it happened, when a host must tell causes apart (see [`Cause`]).
    pub fn cause(&self) -> Option<Cause> {
        self.body().cause
    }

    /// The same error with its cause set.
    pub fn with_cause(mut self, cause: Cause) -> Error {
        self.body_mut().cause = Some(cause);
        self
    }

    /// The same error with the cause its wire details name (`details.kind`, moved out of the
    /// details), for clients that rebuild an error from JSON: the inverse of [`Error::wire_details`].
    pub fn with_cause_from_details(mut self) -> Error {
        let kind = self.details().get("kind").and_then(serde_json::Value::as_str);
        if let Some(cause) = kind.and_then(Cause::parse) {
            self.body_mut().details.remove("kind");
            self.body_mut().cause = Some(cause);
        }
        self
    }

    /// The details as sent: the structured details plus the cause as `kind`.
    pub fn wire_details(&self) -> JsonMap {
        let mut details = self.details().clone();
        if let Some(cause) = self.cause() {
            details.insert("kind".into(), cause.as_str().into());
        }
        details
    }

    /// The code's category.
    pub fn category(&self) -> Category {
        self.code().category()
    }

    /// Whether the operation may be retried unchanged.
    pub fn is_retryable(&self) -> bool {
        self.code().is_retryable()
    }

    /// Adds one detail entry, keeping the rest.
    pub fn detail(mut self, key: &str, value: impl Into<serde_json::Value>) -> Error {
        self.body_mut().details.insert(key.to_owned(), value.into());
        self
    }

    /// ASM's `wrap/3`: an error of `code` around a foreign failure's message.
    ///
    /// With `message`, the foreign message is kept as `details.original_message`.
    pub fn wrap(code: ErrorCode, source: &dyn std::error::Error, message: Option<&str>) -> Error {
        let original = source.to_string();
        match message {
            Some(m) => Error::new(code, m).detail("original_message", original),
            None => Error::new(code, original),
        }
    }

    /// `{code, message, details, retryable}`, the shape every host sends.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "code": self.code().as_str(),
            "message": self.message(),
            "details": self.wire_details(),
            "retryable": self.is_retryable(),
        })
    }
}

impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Error", 4)?;
        st.serialize_field("code", &self.code())?;
        st.serialize_field("message", self.message())?;
        st.serialize_field("details", &self.wire_details())?;
        st.serialize_field("retryable", &self.is_retryable())?;
        st.end()
    }
}

/// ASM's rule for a required string attribute: absent is "<field> is required", empty is
/// "<field> cannot be empty" (both `validation_error`).
pub(crate) fn require_text(value: Option<String>, field: &str) -> Result<String> {
    match value {
        None => Err(Error::validation(format!("{field} is required"))),
        Some(v) if v.is_empty() => Err(Error::validation(format!("{field} cannot be empty"))),
        Some(v) => Ok(v),
    }
}
