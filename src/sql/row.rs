//! Rows of the `asm_*` tables that a caller's own SQL returned, decoded into the core's entities.
//!
//! The store reads its own select lists by position; a caller who runs `SELECT * FROM
//! asm_events …` through sqlx, rusqlite, tokio-postgres or D1 has a row whose columns come in
//! whatever order their query chose. [`Row`] holds such a row by column name, with each cell
//! converted to the executor's [`Value`] (every host already has that conversion), and
//! [`FromRow`] turns it into a [`Session`], [`Run`], [`Event`], [`Artifact`] or
//! [`SequenceCounter`] exactly as the stores decode what they read, so a row written by ASM's
//! Elixir writer and read by hand equals the entity `get_events` returns.
//!
//! What each dialect's cells may look like (`docs/tables.md` has the whole encoding):
//!
//! - **SQLite, D1**: timestamps are text, `2026-01-02T03:04:05.123456` as ASM writes them, or
//!   any other form ecto_sqlite3 or a hand-written query stores (`T` or space, 0–9 fraction
//!   digits, `Z` or an offset); JSON maps and tags are JSON text; `cost_usd` may be an integer
//!   (NUMERIC affinity stores `1.0` as `1`); a D1 driver may return integers as whole reals.
//! - **PostgreSQL**: the same values as the driver's text, or as `asm_postgres_types::PgCell`
//!   reads the binary columns (`timestamp`/`timestamptz` as text, `jsonb` as its JSON text,
//!   `varchar(255)[]` as a JSON array); a text-protocol driver's array literal (`{a,"b c"}`)
//!   is read too. A `timestamp` without offset is UTC (ASM stores the UTC wall clock).
//!
//! NULL maps read as `{}` (run `input`/`output`/`error` as `None`), NULL tags as `[]`, a NULL
//! `turn_count` as 0 and a NULL `schema_version` as 1, as ASM's loader does. A missing column or
//! a value that does not decode is a `storage_error` naming the table and the column.
//!
//! ```
//! use asm_core::Event;
//! use asm_core::sql::{Dialect, FromRow, Row, Value};
//!
//! let text = |s: &str| Value::Text(s.to_owned());
//! let row = Row::from_cells([
//!     ("id", text("evt_1")),
//!     ("type", text("message_received")),
//!     ("timestamp", text("2026-01-02T03:04:05.123456")),
//!     ("session_id", text("ses_1")),
//!     ("run_id", Value::Null),
//!     ("sequence_number", Value::Integer(1)),
//!     ("data", text(r#"{"content":"hi"}"#)),
//!     ("metadata", Value::Null),
//!     ("schema_version", Value::Integer(1)),
//!     ("provider", Value::Null),
//!     ("correlation_id", Value::Null),
//! ]);
//! let event = Event::from_row(&row, Dialect::Sqlite)?;
//! assert_eq!((event.sequence_number, event.data["content"].as_str()), (Some(1), Some("hi")));
//! assert!(event.metadata.is_empty());
//! # Ok::<(), asm_core::Error>(())
//! ```

use serde_json::Value as Json;

use super::decode;
use super::dialect::Dialect;
use super::executor::{ResultSet, Value};
use crate::artifact::Artifact;
use crate::error::{Error, ErrorCode, Result};
use crate::event::{Event, EventType};
use crate::json::JsonMap;
use crate::run::Run;
use crate::session::Session;
use crate::status::{RunStatus, SessionStatus};
use crate::time::Timestamp;

/// One result row with its column names, so a decoder finds each column wherever the query put
/// it (`SELECT *`, a chosen column list, a join's extra columns are all fine).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    cells: Vec<(String, Value)>,
}

impl Row {
    /// A row from the column names of its result and its values, in the same order; a length
    /// mismatch is a `storage_error` (the caller paired the wrong lists).
    pub fn new<S: AsRef<str>>(columns: &[S], values: Vec<Value>) -> Result<Row> {
        if columns.len() != values.len() {
            return Err(Error::new(
                ErrorCode::StorageError,
                format!("a row of {} values for {} column names", values.len(), columns.len()),
            ));
        }
        Ok(Row::from_cells(columns.iter().map(|c| c.as_ref().to_owned()).zip(values)))
    }

    /// A row from `(column name, value)` pairs.
    pub fn from_cells<S: Into<String>>(cells: impl IntoIterator<Item = (S, Value)>) -> Row {
        Row { cells: cells.into_iter().map(|(name, value)| (name.into(), value)).collect() }
    }

    /// Every row of an executor's result (what `Executor::query` returned for the caller's SQL).
    pub fn all(result: &ResultSet) -> Result<Vec<Row>> {
        result.rows.iter().map(|values| Row::new(&result.columns, values.clone())).collect()
    }

    /// The value of `column` (names compare ASCII case-insensitively, as SQL's unquoted names
    /// do); the first of equally named columns wins.
    pub fn get(&self, column: &str) -> Option<&Value> {
        self.cells.iter().find(|(name, _)| name.eq_ignore_ascii_case(column)).map(|(_, v)| v)
    }

    /// The column names, in result order.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.cells.iter().map(|(name, _)| name.as_str())
    }

    /// This row decoded as `T` (a shorthand for [`FromRow::from_row`]).
    pub fn decode<T: FromRow>(&self, dialect: Dialect) -> Result<T> {
        T::from_row(self, dialect)
    }
}

/// An entity that one row of an `asm_*` table decodes into.
pub trait FromRow: Sized {
    /// The table the row comes from (named in errors).
    const TABLE: &'static str;

    /// Decodes `row`, whose cells are in `dialect`'s stored forms.
    fn from_row(row: &Row, dialect: Dialect) -> Result<Self>;
}

/// A row of `asm_session_sequences`: the per-session counter appends number events from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceCounter {
    /// The session the counter belongs to.
    pub session_id: String,
    /// The highest sequence number ever handed out in the session (it never goes down, also
    /// when events are pruned); `get_latest_sequence` answers it.
    pub last_sequence: i64,
    /// Never written by ASM nor by this project, so always `None` in practice.
    pub updated_at: Option<Timestamp>,
}

/// Reads the named columns of one row of `table`, turning each failure into a storage_error
/// that names the column.
struct Named<'a> {
    table: &'static str,
    dialect: Dialect,
    row: &'a Row,
}

impl<'a> Named<'a> {
    fn cell(&self, column: &str) -> Result<&'a Value> {
        self.row.get(column).ok_or_else(|| {
            let mut details = JsonMap::new();
            details.insert("table".into(), self.table.into());
            details.insert("column".into(), column.into());
            Error::with_details(
                ErrorCode::StorageError,
                format!("could not decode {} row: it has no column {column}", self.table),
                details,
            )
        })
    }

    fn read<T>(
        &self,
        column: &str,
        expected: &str,
        f: impl FnOnce(&Value) -> Option<T>,
    ) -> Result<T> {
        let value = self.cell(column)?;
        f(value).ok_or_else(|| undecodable(self.table, column, expected, self.dialect, value))
    }

    fn text(&self, column: &str) -> Result<String> {
        self.read(column, "text", decode::text)
    }

    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        self.read(column, "text or NULL", decode::opt_text)
    }

    fn int(&self, column: &str) -> Result<i64> {
        self.read(column, "an integer", decode::as_int)
    }

    fn int_or(&self, column: &str, default: i64) -> Result<i64> {
        self.read(column, "an integer", |v| decode::int_or(v, default))
    }

    fn opt_real(&self, column: &str) -> Result<Option<f64>> {
        self.read(column, "a number", decode::opt_real)
    }

    fn map(&self, column: &str) -> Result<JsonMap> {
        self.read(column, "a JSON object", decode::map)
    }

    fn opt_json(&self, column: &str) -> Result<Option<Json>> {
        self.read(column, "JSON", decode::opt_json)
    }

    fn tags(&self, column: &str) -> Result<Vec<String>> {
        let dialect = self.dialect;
        self.read(column, "a list of texts", |v| match (v, dialect) {
            (Value::Text(s), Dialect::Postgres) if s.starts_with('{') => pg_text_array(s),
            _ => decode::json_tags(v),
        })
    }

    fn ts(&self, column: &str) -> Result<Timestamp> {
        self.read(column, "a timestamp", decode::as_ts)
    }

    fn opt_ts(&self, column: &str) -> Result<Option<Timestamp>> {
        self.read(column, "a timestamp or NULL", decode::opt_ts)
    }

    fn parsed<T>(&self, column: &str, expected: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
        self.read(column, expected, |v| decode::text_of(v).and_then(parse))
    }
}

/// The storage_error for a named cell that does not decode.
fn undecodable(table: &str, column: &str, expected: &str, dialect: Dialect, got: &Value) -> Error {
    let mut details = JsonMap::new();
    details.insert("table".into(), table.into());
    details.insert("column".into(), column.into());
    details.insert("expected".into(), expected.into());
    details.insert("dialect".into(), dialect.name().into());
    details.insert("got".into(), format!("{got:?}").into());
    Error::with_details(
        ErrorCode::StorageError,
        format!("could not decode {table} row: column {column} is not {expected}"),
        details,
    )
}

/// A PostgreSQL one-dimensional text array literal (`{a,"b,c","d \"e\""}`) as its elements;
/// `None` for anything else, a NULL element included (a tag is never NULL).
fn pg_text_array(s: &str) -> Option<Vec<String>> {
    let inner = s.strip_prefix('{')?.strip_suffix('}')?;
    let mut out = Vec::new();
    if inner.is_empty() {
        return Some(out);
    }
    let mut chars = inner.chars().peekable();
    loop {
        let mut item = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => item.push(chars.next()?),
                    c => item.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                if matches!(c, '"' | '{' | '}' | '\\') {
                    return None;
                }
                item.push(c);
                chars.next();
            }
            let item_trimmed = item.trim();
            if item_trimmed.is_empty() || item_trimmed.eq_ignore_ascii_case("NULL") {
                return None;
            }
            item = item_trimmed.to_owned();
        }
        out.push(item);
        match chars.next() {
            None => return Some(out),
            Some(',') => continue,
            Some(_) => return None,
        }
    }
}

fn named<'a>(table: &'static str, row: &'a Row, dialect: Dialect) -> Named<'a> {
    Named { table, dialect, row }
}

impl FromRow for Session {
    const TABLE: &'static str = "asm_sessions";

    fn from_row(row: &Row, dialect: Dialect) -> Result<Session> {
        let c = named(Self::TABLE, row, dialect);
        Ok(Session {
            id: c.text("id")?,
            agent_id: c.text("agent_id")?,
            status: c.parsed("status", "a session status", SessionStatus::parse)?,
            parent_session_id: c.opt_text("parent_session_id")?,
            metadata: c.map("metadata")?,
            context: c.map("context")?,
            tags: c.tags("tags")?,
            created_at: c.ts("created_at")?,
            updated_at: c.ts("updated_at")?,
            deleted_at: c.opt_ts("deleted_at")?,
        })
    }
}

impl FromRow for Run {
    const TABLE: &'static str = "asm_runs";

    fn from_row(row: &Row, dialect: Dialect) -> Result<Run> {
        let c = named(Self::TABLE, row, dialect);
        Ok(Run {
            id: c.text("id")?,
            session_id: c.text("session_id")?,
            status: c.parsed("status", "a run status", RunStatus::parse)?,
            input: c.opt_json("input")?,
            output: c.opt_json("output")?,
            error: c.opt_json("error")?,
            metadata: c.map("metadata")?,
            turn_count: c.int_or("turn_count", 0)?,
            token_usage: c.map("token_usage")?,
            started_at: c.ts("started_at")?,
            ended_at: c.opt_ts("ended_at")?,
            provider: c.opt_text("provider")?,
            provider_metadata: c.map("provider_metadata")?,
            cost_usd: c.opt_real("cost_usd")?,
        })
    }
}

impl FromRow for Event {
    const TABLE: &'static str = "asm_events";

    fn from_row(row: &Row, dialect: Dialect) -> Result<Event> {
        let c = named(Self::TABLE, row, dialect);
        Ok(Event {
            id: c.text("id")?,
            event_type: c.parsed("type", "an event type", EventType::parse)?,
            timestamp: c.ts("timestamp")?,
            session_id: c.text("session_id")?,
            run_id: c.opt_text("run_id")?,
            sequence_number: Some(c.int("sequence_number")?),
            data: c.map("data")?,
            metadata: c.map("metadata")?,
            schema_version: c.int_or("schema_version", 1)?,
            provider: c.opt_text("provider")?,
            correlation_id: c.opt_text("correlation_id")?,
        })
    }
}

impl FromRow for Artifact {
    const TABLE: &'static str = "asm_artifacts";

    fn from_row(row: &Row, dialect: Dialect) -> Result<Artifact> {
        let c = named(Self::TABLE, row, dialect);
        Ok(Artifact {
            id: c.text("id")?,
            session_id: c.opt_text("session_id")?,
            run_id: c.opt_text("run_id")?,
            key: c.text("key")?,
            content_type: c.opt_text("content_type")?,
            byte_size: c.int("byte_size")?,
            checksum_sha256: c.text("checksum_sha256")?,
            storage_backend: c.text("storage_backend")?,
            storage_ref: c.text("storage_ref")?,
            metadata: c.map("metadata")?,
            created_at: c.ts("created_at")?,
            deleted_at: c.opt_ts("deleted_at")?,
        })
    }
}

impl FromRow for SequenceCounter {
    const TABLE: &'static str = "asm_session_sequences";

    fn from_row(row: &Row, dialect: Dialect) -> Result<SequenceCounter> {
        let c = named(Self::TABLE, row, dialect);
        Ok(SequenceCounter {
            session_id: c.text("session_id")?,
            last_sequence: c.int("last_sequence")?,
            updated_at: c.opt_ts("updated_at")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    fn session_row(tags: Value, created_at: &str) -> Row {
        Row::from_cells([
            ("deleted_at", Value::Null),
            ("ID", text("ses_1")),
            ("agent_id", text("agent-1")),
            ("status", text("active")),
            ("parent_session_id", Value::Null),
            ("metadata", Value::Null),
            ("context", text("{\"a\": [1, 2.5]}")),
            ("tags", tags),
            ("created_at", text(created_at)),
            ("updated_at", text("2026-01-02 03:04:05.1")),
        ])
    }

    #[test]
    fn columns_by_name_in_any_order_and_null_defaults() {
        let s: Session =
            session_row(Value::Null, "2026-01-02T03:04:05Z").decode(Dialect::Sqlite).unwrap();
        assert_eq!(s.id, "ses_1");
        assert!(s.tags.is_empty() && s.metadata.is_empty());
        assert_eq!(s.context["a"][1], serde_json::json!(2.5));
        assert_eq!(s.created_at, Timestamp::from_micros(1_767_323_045_000_000));
        assert_eq!(s.updated_at, Timestamp::from_micros(1_767_323_045_100_000));
    }

    #[test]
    fn tags_per_dialect() {
        let literal = text(r#"{plain,"a,b","say \"hi\"","back\\slash"}"#);
        let pg: Session = session_row(literal.clone(), "2026-01-02 03:04:05+00")
            .decode(Dialect::Postgres)
            .unwrap();
        assert_eq!(pg.tags, ["plain", "a,b", "say \"hi\"", "back\\slash"]);
        assert_eq!(pg.created_at, Timestamp::from_micros(1_767_323_045_000_000));
        let json = session_row(text(r#"["x","y"]"#), "2026-01-02T03:04:05");
        assert_eq!(json.decode::<Session>(Dialect::Postgres).unwrap().tags, ["x", "y"]);
        assert_eq!(json.decode::<Session>(Dialect::D1).unwrap().tags, ["x", "y"]);
        // An array literal is PostgreSQL's text, never SQLite's.
        let err = session_row(literal, "2026-01-02T03:04:05").decode::<Session>(Dialect::Sqlite);
        let err = err.unwrap_err();
        assert_eq!(err.code(), ErrorCode::StorageError);
        assert_eq!(err.details()["column"], "tags");
        assert_eq!(pg_text_array("{}"), Some(vec![]));
        assert_eq!(pg_text_array("{a,NULL}"), None);
        assert_eq!(pg_text_array("{\"NULL\"}"), Some(vec!["NULL".to_owned()]));
        assert_eq!(pg_text_array("{a,b"), None);
    }

    #[test]
    fn missing_columns_and_bad_values_are_storage_errors() {
        let row = Row::from_cells([("session_id", text("ses_1"))]);
        let err = row.decode::<SequenceCounter>(Dialect::Sqlite).unwrap_err();
        assert_eq!(err.code(), ErrorCode::StorageError);
        assert_eq!(
            err.message(),
            "could not decode asm_session_sequences row: it has no column last_sequence"
        );
        let row = Row::from_cells([
            ("session_id", text("ses_1")),
            ("last_sequence", Value::Real(3.0)),
            ("updated_at", text("yesterday")),
        ]);
        let err = row.decode::<SequenceCounter>(Dialect::D1).unwrap_err();
        assert_eq!(err.details()["column"], "updated_at");
        assert!(Row::new(&["a", "b"], vec![Value::Null]).is_err());
    }
}
