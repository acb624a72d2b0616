//! The executor contract: how the core asks a host to run SQL.
//!
//! A host implements [`Executor`] over its driver (D1, rusqlite, tokio-postgres, node-postgres,
//! PGlite, a WIT import …). The core builds every statement — text and bound values — and
//! decodes every row; the executor only ships them.

use std::fmt;

use super::dialect::Dialect;

/// A bound value. Only four kinds cross the boundary: the core encodes JSON, tags and timestamps
/// as text (and the PostgreSQL dialect casts them in SQL), so every driver can bind them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer.
    Integer(i64),
    /// A double.
    Real(f64),
    /// UTF-8 text.
    Text(String),
}

/// Largest integer an IEEE double (a JavaScript number) carries exactly: 2^53 − 1.
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// A bound value as a host whose numbers are doubles (JavaScript: D1, the npm drivers) must
/// pass it, so that no integer is rounded on the way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JsParam<'a> {
    /// `null`.
    Null,
    /// A number: reals, and integers within ±[`MAX_SAFE_INTEGER`].
    Number(f64),
    /// Text.
    Text(&'a str),
    /// An integer beyond 2^53, sent as its decimal text, which SQLite's INTEGER affinity and
    /// PostgreSQL's casts read back exactly (a number would round it).
    BigInteger(i64),
}

impl Value {
    /// How a JavaScript host binds this value (the 2^53 rule, written once for every JS host).
    pub fn as_js_param(&self) -> JsParam<'_> {
        match self {
            Value::Null => JsParam::Null,
            Value::Integer(n) if n.unsigned_abs() <= MAX_SAFE_INTEGER as u64 => {
                JsParam::Number(*n as f64)
            }
            Value::Integer(n) => JsParam::BigInteger(*n),
            Value::Real(x) => JsParam::Number(*x),
            Value::Text(s) => JsParam::Text(s),
        }
    }

    /// A number read from a JavaScript host: whole and within ±[`MAX_SAFE_INTEGER`] is an
    /// integer (drivers cannot tell `1` from `1.0`), anything else a real.
    pub fn from_js_number(x: f64) -> Value {
        if x.fract() == 0.0 && x.abs() <= MAX_SAFE_INTEGER as f64 {
            Value::Integer(x as i64)
        } else {
            Value::Real(x)
        }
    }
}

/// Whether a statement changes rows, as the code that wrote it knows: executors pick their
/// transaction mode and count changes from this, never by reading the SQL text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads only (`SELECT`).
    Read,
    /// Inserts, updates or deletes rows; it may also return rows (`RETURNING`).
    Write,
}

/// One SQL statement with its bound values, in the dialect's placeholder style
/// (`?1, ?2, …` for SQLite and D1; `$1, $2, …` for PostgreSQL).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The SQL text. Never contains a value: every value is bound.
    pub sql: String,
    /// The values for placeholders 1..=n.
    pub params: Vec<Value>,
    /// Whether it reads only or changes rows.
    pub access: Access,
}

impl Statement {
    /// A statement without bound values that only reads.
    pub fn read(sql: impl Into<String>) -> Statement {
        Statement { sql: sql.into(), params: Vec::new(), access: Access::Read }
    }

    /// A statement without bound values that changes rows or the schema.
    pub fn write(sql: impl Into<String>) -> Statement {
        Statement { sql: sql.into(), params: Vec::new(), access: Access::Write }
    }

    /// Whether it reads only.
    pub fn is_read(&self) -> bool {
        self.access == Access::Read
    }
}

/// What one statement returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultSet {
    /// Column names, in select-list order (empty for statements that return no rows).
    pub columns: Vec<String>,
    /// Rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
    /// Rows inserted, updated or deleted (D1's `meta.changes`, PostgreSQL's command tag).
    pub changes: u64,
}

/// The kinds of failure the core tells apart; executors map their drivers' errors onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecErrorKind {
    /// A unique or primary-key constraint was violated (SQLSTATE 23505, `SQLITE_CONSTRAINT_UNIQUE`
    /// / `_PRIMARYKEY`). The append path relies on this to detect a concurrent duplicate.
    UniqueViolation,
    /// A table or column does not exist (SQLSTATE 42P01/42703, "no such table/column"): the
    /// migrations have not been applied.
    MissingSchema,
    /// Worth retrying the whole batch: lost connection, busy database, serialization failure,
    /// deadlock.
    Transient,
    /// Anything else.
    Other,
}

impl ExecErrorKind {
    /// The snake_case wire name (`details.kind` of a store error).
    pub fn as_str(self) -> &'static str {
        match self {
            ExecErrorKind::UniqueViolation => "unique_violation",
            ExecErrorKind::MissingSchema => "missing_schema",
            ExecErrorKind::Transient => "transient",
            ExecErrorKind::Other => "other",
        }
    }

    /// The kind a wire name stands for.
    pub fn parse(name: &str) -> Option<ExecErrorKind> {
        [Self::UniqueViolation, Self::MissingSchema, Self::Transient, Self::Other]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// The kind of a PostgreSQL error from its SQLSTATE, for drivers that expose the code as
    /// text (tokio-postgres, node-postgres, PGlite).
    pub fn from_sqlstate(code: &str) -> ExecErrorKind {
        match code {
            "23505" => ExecErrorKind::UniqueViolation,
            "42P01" | "42703" => ExecErrorKind::MissingSchema,
            // serialization failure, deadlock, lost connection, server shutting down
            "40001" | "40P01" | "57P01" | "57P02" | "57P03" => ExecErrorKind::Transient,
            c if c.starts_with("08") => ExecErrorKind::Transient,
            _ => ExecErrorKind::Other,
        }
    }

    /// The kind of an SQLite-family error from its message text, for drivers that report only
    /// text (D1, sql.js): `UNIQUE constraint failed: …`, `no such table: …`, `database is locked`.
    pub fn from_sqlite_message(message: &str) -> ExecErrorKind {
        let m = message.to_ascii_lowercase();
        if m.contains("unique constraint failed")
            || m.contains("sqlite_constraint_unique")
            || m.contains("sqlite_constraint_primarykey")
        {
            ExecErrorKind::UniqueViolation
        } else if m.contains("no such table") || m.contains("no such column") {
            ExecErrorKind::MissingSchema
        } else if m.contains("sqlite_busy")
            || m.contains("database is locked")
            || m.contains("network connection lost")
            || m.contains("object to be reset")
            || m.contains("overloaded")
            || m.contains("internal error")
        {
            ExecErrorKind::Transient
        } else {
            ExecErrorKind::Other
        }
    }
}

/// A failed batch. The batch was rolled back: nothing of it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecError {
    /// The normalised kind.
    pub kind: ExecErrorKind,
    /// The driver's own message, kept for the error's details.
    pub message: String,
}

impl ExecError {
    /// An error of `kind` with the driver's message.
    pub fn new(kind: ExecErrorKind, message: impl Into<String>) -> ExecError {
        ExecError { kind, message: message.into() }
    }
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExecError {}

/// Runs SQL for the core. The contract every implementation keeps:
///
/// - **Atomicity.** [`Executor::batch`] runs its statements in order as one unit: all take
///   effect or none does (a transaction, or D1's `batch()`). Statement *k* sees the effects of
///   statements before it. On error the unit is rolled back and [`ExecError`] returned.
/// - **Isolation.** Under concurrent batches, each batch behaves as if statements of other
///   batches ran before or after it, or as PostgreSQL's READ COMMITTED does with row locks
///   (the core's SQL is written to be correct under that).
/// - **Parameters.** A statement never has more bound values than
///   [`Dialect::max_params`]; the core chunks long lists itself.
/// - **Rows.** One [`ResultSet`] per statement, in order; values are NULL, integer, real or text
///   (a driver that returns numbers as text, or integers as reals, is fine: the core decodes
///   leniently).
/// - **Errors.** Driver errors are mapped onto [`ExecErrorKind`]; the message is kept verbatim.
#[allow(async_fn_in_trait)]
pub trait Executor {
    /// Which SQL the core must write for this database.
    fn dialect(&self) -> Dialect;

    /// Runs `statements` atomically and returns one result per statement.
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError>;

    /// Runs one statement (a read, or a single-statement write).
    async fn query(&self, statement: Statement) -> Result<ResultSet, ExecError> {
        let mut results = self.batch(vec![statement]).await?;
        Ok(results.pop().unwrap_or_default())
    }

    /// Pauses about `ms` milliseconds on the host's timer, between the reads of a long-poll.
    /// Answers `false` at once when the host has no timer: its long-polls then answer at once,
    /// as ASM's stores without long-poll do.
    async fn sleep(&self, ms: u64) -> bool {
        let _ = ms;
        false
    }
}

/// A borrowed executor is one too: several stores (one per caller's scope, say) can share one
/// connection or database.
impl<E: Executor + ?Sized> Executor for &E {
    fn dialect(&self) -> Dialect {
        (**self).dialect()
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        (**self).batch(statements).await
    }

    async fn sleep(&self, ms: u64) -> bool {
        (**self).sleep(ms).await
    }
}

#[cfg(test)]
mod tests {
    use super::ExecErrorKind;

    #[test]
    fn sqlite_texts_from_d1_miniflare_and_sql_js() {
        // Seen from `wrangler dev --local` (docs/toolchain.md §3), in D1's documentation and from sql.js.
        let unique = "D1_ERROR: UNIQUE constraint failed: asm_events.id: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_PRIMARYKEY)";
        assert_eq!(ExecErrorKind::from_sqlite_message(unique), ExecErrorKind::UniqueViolation);
        assert_eq!(
            ExecErrorKind::from_sqlite_message("UNIQUE constraint failed: asm_runs.id"),
            ExecErrorKind::UniqueViolation
        );
        let missing = "D1_ERROR: no such table: asm_sessions: SQLITE_ERROR";
        assert_eq!(ExecErrorKind::from_sqlite_message(missing), ExecErrorKind::MissingSchema);
        assert_eq!(
            ExecErrorKind::from_sqlite_message("no such column: foo"),
            ExecErrorKind::MissingSchema
        );
        assert_eq!(
            ExecErrorKind::from_sqlite_message("D1_ERROR: Network connection lost."),
            ExecErrorKind::Transient
        );
        assert_eq!(
            ExecErrorKind::from_sqlite_message("database is locked: SQLITE_BUSY"),
            ExecErrorKind::Transient
        );
        assert_eq!(
            ExecErrorKind::from_sqlite_message("string or blob too big: SQLITE_TOOBIG"),
            ExecErrorKind::Other
        );
        assert_eq!(
            ExecErrorKind::from_sqlite_message("near \"SELEC\": syntax error"),
            ExecErrorKind::Other
        );
    }

    #[test]
    fn sqlstates() {
        assert_eq!(ExecErrorKind::from_sqlstate("23505"), ExecErrorKind::UniqueViolation);
        assert_eq!(ExecErrorKind::from_sqlstate("42P01"), ExecErrorKind::MissingSchema);
        assert_eq!(ExecErrorKind::from_sqlstate("40001"), ExecErrorKind::Transient);
        assert_eq!(ExecErrorKind::from_sqlstate("08006"), ExecErrorKind::Transient);
        assert_eq!(ExecErrorKind::from_sqlstate("22P02"), ExecErrorKind::Other);
    }
}
