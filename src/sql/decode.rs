//! Rows → entities, by position in the orders of `schema.rs`.
//!
//! Lenient as the executor contract allows: integers may arrive as integers, integral reals or
//! numeric text; reals as integers (SQLite's NUMERIC affinity stores `2.0` as `2`) or text.
//! NULL maps read as `{}` (run input/output/error as `None`), NULL tags as `[]`. A value that
//! still does not fit is a `storage_error` naming the table and column.

use std::borrow::Cow;

use serde_json::Value as Json;

use super::executor::Value;
use crate::artifact::Artifact;
use crate::error::{Error, ErrorCode, Result};
use crate::event::{Event, EventType};
use crate::json::JsonMap;
use crate::run::Run;
use crate::session::Session;
use crate::status::{RunStatus, SessionStatus};
use crate::time::Timestamp;

/// Reads one row left to right.
pub(crate) struct Cells<'a> {
    table: &'static str,
    row: Source<'a>,
    next: usize,
}

/// A row read in place, or one whose text the reader may move out instead of copying.
enum Source<'a> {
    Shared(&'a [Value]),
    Owned(&'a mut [Value]),
}

impl<'a> Cells<'a> {
    /// A reader over `row`, naming `table` in errors.
    pub(crate) fn new(table: &'static str, row: &'a [Value]) -> Cells<'a> {
        Cells { table, row: Source::Shared(row), next: 0 }
    }

    /// A reader that takes the cells out of `row` (leaving NULLs): text is moved, not copied.
    pub(crate) fn owned(table: &'static str, row: &'a mut [Value]) -> Cells<'a> {
        Cells { table, row: Source::Owned(row), next: 0 }
    }

    fn take(&mut self) -> (usize, Cow<'a, Value>) {
        const NULL: &Value = &Value::Null;
        let i = self.next;
        self.next += 1;
        let cell = match &mut self.row {
            Source::Shared(row) => Cow::Borrowed(row.get(i).unwrap_or(NULL)),
            Source::Owned(row) => Cow::Owned(
                row.get_mut(i).map_or(Value::Null, |cell| std::mem::replace(cell, Value::Null)),
            ),
        };
        (i, cell)
    }

    fn bad(&self, column: usize, expected: &str, got: &Value) -> Error {
        undecodable(self.table, column, expected, got)
    }

    /// Non-NULL text.
    pub(crate) fn text(&mut self) -> Result<String> {
        match self.take() {
            (_, Cow::Owned(Value::Text(s))) => Ok(s),
            (i, v) => text(&v).ok_or_else(|| self.bad(i, "text", &v)),
        }
    }

    /// Text or NULL.
    pub(crate) fn opt_text(&mut self) -> Result<Option<String>> {
        match self.take() {
            (_, Cow::Owned(Value::Text(s))) => Ok(Some(s)),
            (i, v) => opt_text(&v).ok_or_else(|| self.bad(i, "text or NULL", &v)),
        }
    }

    /// An integer (NULL is an error).
    pub(crate) fn int(&mut self) -> Result<i64> {
        let (i, v) = self.take();
        let v = v.as_ref();
        as_int(v).ok_or_else(|| self.bad(i, "integer", v))
    }

    /// An integer, NULL read as `default`.
    pub(crate) fn int_or(&mut self, default: i64) -> Result<i64> {
        let (i, v) = self.take();
        let v = v.as_ref();
        int_or(v, default).ok_or_else(|| self.bad(i, "integer", v))
    }

    /// A real or NULL.
    pub(crate) fn opt_real(&mut self) -> Result<Option<f64>> {
        let (i, v) = self.take();
        let v = v.as_ref();
        opt_real(v).ok_or_else(|| self.bad(i, "number", v))
    }

    /// A JSON object; NULL (or JSON `null`) is `{}`.
    pub(crate) fn map(&mut self) -> Result<JsonMap> {
        let (i, v) = self.take();
        let v = v.as_ref();
        map(v).ok_or_else(|| self.bad(i, "a JSON object", v))
    }

    /// Any JSON value, or `None` for NULL.
    pub(crate) fn opt_json(&mut self) -> Result<Option<Json>> {
        let (i, v) = self.take();
        let v = v.as_ref();
        opt_json(v).ok_or_else(|| self.bad(i, "JSON", v))
    }

    /// A JSON array of strings; NULL is `[]`.
    pub(crate) fn tags(&mut self) -> Result<Vec<String>> {
        let (i, v) = self.take();
        let v = v.as_ref();
        json_tags(v).ok_or_else(|| self.bad(i, "a JSON array of strings", v))
    }

    /// A timestamp in the column form.
    pub(crate) fn ts(&mut self) -> Result<Timestamp> {
        let (i, v) = self.take();
        let v = v.as_ref();
        as_ts(v).ok_or_else(|| self.bad(i, "a timestamp", v))
    }

    /// A timestamp or NULL.
    pub(crate) fn opt_ts(&mut self) -> Result<Option<Timestamp>> {
        let (i, v) = self.take();
        let v = v.as_ref();
        opt_ts(v).ok_or_else(|| self.bad(i, "a timestamp", v))
    }

    /// A session status name.
    pub(crate) fn session_status(&mut self) -> Result<SessionStatus> {
        let (i, v) = self.take();
        let v = v.as_ref();
        text_of(v).and_then(SessionStatus::parse).ok_or_else(|| self.bad(i, "a session status", v))
    }

    /// A run status name.
    pub(crate) fn run_status(&mut self) -> Result<RunStatus> {
        let (i, v) = self.take();
        let v = v.as_ref();
        text_of(v).and_then(RunStatus::parse).ok_or_else(|| self.bad(i, "a run status", v))
    }

    /// An event type name.
    pub(crate) fn event_type(&mut self) -> Result<EventType> {
        let (i, v) = self.take();
        let v = v.as_ref();
        text_of(v).and_then(EventType::parse).ok_or_else(|| self.bad(i, "an event type", v))
    }
}

// One cell each, shared by the positional rows of the store (`Cells`) and the named rows users
// decode (`row.rs`), so both read a stored value alike. `None` means "does not decode".

/// Non-NULL text (an integer reads as its decimal text).
pub(crate) fn text(v: &Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s.clone()),
        Value::Integer(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Text or NULL.
pub(crate) fn opt_text(v: &Value) -> Option<Option<String>> {
    match v {
        Value::Null => Some(None),
        Value::Text(s) => Some(Some(s.clone())),
        _ => None,
    }
}

/// An integer, NULL read as `default`.
pub(crate) fn int_or(v: &Value, default: i64) -> Option<i64> {
    match v {
        Value::Null => Some(default),
        other => as_int(other),
    }
}

/// A real or NULL.
pub(crate) fn opt_real(v: &Value) -> Option<Option<f64>> {
    match v {
        Value::Null => Some(None),
        other => as_real(other).map(Some),
    }
}

/// A JSON object; NULL (or JSON `null`) is `{}`.
pub(crate) fn map(v: &Value) -> Option<JsonMap> {
    match v {
        Value::Null => Some(JsonMap::new()),
        Value::Text(s) => match serde_json::from_str::<Json>(s) {
            Ok(Json::Object(map)) => Some(map),
            Ok(Json::Null) => Some(JsonMap::new()),
            _ => None,
        },
        _ => None,
    }
}

/// Any JSON value, or `None` for NULL.
pub(crate) fn opt_json(v: &Value) -> Option<Option<Json>> {
    match v {
        Value::Null => Some(None),
        Value::Text(s) => serde_json::from_str(s).ok().map(Some),
        _ => None,
    }
}

/// A JSON array of strings; NULL is `[]`.
pub(crate) fn json_tags(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Null => Some(Vec::new()),
        Value::Text(s) => serde_json::from_str(s).ok(),
        _ => None,
    }
}

/// A timestamp or NULL.
pub(crate) fn opt_ts(v: &Value) -> Option<Option<Timestamp>> {
    match v {
        Value::Null => Some(None),
        other => as_ts(other).map(Some),
    }
}

/// The storage_error for a value that does not decode.
pub(crate) fn undecodable(table: &str, column: usize, expected: &str, got: &Value) -> Error {
    let mut details = JsonMap::new();
    details.insert("table".into(), table.into());
    details.insert("column".into(), Json::from(column));
    details.insert("expected".into(), expected.into());
    details.insert("got".into(), format!("{got:?}").into());
    Error::with_details(
        ErrorCode::StorageError,
        format!("could not decode {table} row: column {column} is not {expected}"),
        details,
    )
}

pub(crate) fn text_of(v: &Value) -> Option<&str> {
    match v {
        Value::Text(s) => Some(s),
        _ => None,
    }
}

/// An integer from an integer, an integral real or numeric text.
pub(crate) fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(n) => Some(*n),
        Value::Real(x) if x.fract() == 0.0 && x.abs() < 9.2e18 => Some(*x as i64),
        Value::Text(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A real from a real, an integer or numeric text.
pub(crate) fn as_real(v: &Value) -> Option<f64> {
    match v {
        Value::Real(x) => Some(*x),
        Value::Integer(n) => Some(*n as f64),
        Value::Text(s) => real_of_text(s),
        Value::Null => None,
    }
}

/// Numeric text as a database prints it (PostgreSQL's `numeric` and `double precision`, SQLite's
/// REAL): JSON's number grammar, read by serde_json's exact parser, which every build links for
/// JSON columns anyway, plus the non-finite words PostgreSQL prints. `str::parse` would give the
/// same numbers but link a second parser with a 10 KB table of powers into the wasm builds.
fn real_of_text(text: &str) -> Option<f64> {
    let text = text.trim();
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let negative = text.starts_with('-');
    if unsigned.eq_ignore_ascii_case("nan") {
        return Some(f64::NAN);
    }
    if unsigned.eq_ignore_ascii_case("infinity") || unsigned.eq_ignore_ascii_case("inf") {
        return Some(if negative { f64::NEG_INFINITY } else { f64::INFINITY });
    }
    serde_json::from_str::<f64>(text.strip_prefix('+').unwrap_or(text)).ok()
}

/// A timestamp from column text.
pub(crate) fn as_ts(v: &Value) -> Option<Timestamp> {
    text_of(v).and_then(Timestamp::parse_sql_text)
}

/// A row of `schema::session_select`.
pub(crate) fn session(row: &[Value]) -> Result<Session> {
    let mut c = Cells::new("asm_sessions", row);
    Ok(Session {
        id: c.text()?,
        agent_id: c.text()?,
        status: c.session_status()?,
        parent_session_id: c.opt_text()?,
        metadata: c.map()?,
        context: c.map()?,
        tags: c.tags()?,
        created_at: c.ts()?,
        updated_at: c.ts()?,
        deleted_at: c.opt_ts()?,
    })
}

/// A row of `schema::run_select`.
pub(crate) fn run(row: &[Value]) -> Result<Run> {
    let mut c = Cells::new("asm_runs", row);
    Ok(Run {
        id: c.text()?,
        session_id: c.text()?,
        status: c.run_status()?,
        input: c.opt_json()?,
        output: c.opt_json()?,
        error: c.opt_json()?,
        metadata: c.map()?,
        turn_count: c.int_or(0)?,
        token_usage: c.map()?,
        started_at: c.ts()?,
        ended_at: c.opt_ts()?,
        provider: c.opt_text()?,
        provider_metadata: c.map()?,
        cost_usd: c.opt_real()?,
    })
}

/// A row of `schema::event_select`.
pub(crate) fn event(row: &[Value]) -> Result<Event> {
    event_from(Cells::new("asm_events", row), None)
}

/// Rows of `schema::event_select`, their text moved into the events: reads answer thousands of
/// events, and copying every id and name again was a measurable part of a read.
pub(crate) fn events(rows: Vec<Vec<Value>>) -> Result<Vec<Event>> {
    rows.into_iter().map(|mut row| event_from(Cells::owned("asm_events", &mut row), None)).collect()
}

/// Rows of `schema::event_select_of_session`: `session_id`'s events, without its column.
pub(crate) fn events_of_session(rows: Vec<Vec<Value>>, session_id: &str) -> Result<Vec<Event>> {
    let of =
        |mut row: Vec<Value>| event_from(Cells::owned("asm_events", &mut row), Some(session_id));
    rows.into_iter().map(of).collect()
}

/// An event from its cells in select-list order; `session_id` is given when the list leaves it out.
fn event_from(mut c: Cells<'_>, session_id: Option<&str>) -> Result<Event> {
    Ok(Event {
        id: c.text()?,
        event_type: c.event_type()?,
        timestamp: c.ts()?,
        session_id: match session_id {
            Some(id) => id.to_owned(),
            None => c.text()?,
        },
        run_id: c.opt_text()?,
        sequence_number: Some(c.int()?),
        data: c.map()?,
        metadata: c.map()?,
        schema_version: c.int_or(1)?,
        provider: c.opt_text()?,
        correlation_id: c.opt_text()?,
    })
}

/// A row of `schema::artifact_select`.
pub(crate) fn artifact(row: &[Value]) -> Result<Artifact> {
    let mut c = Cells::new("asm_artifacts", row);
    Ok(Artifact {
        id: c.text()?,
        session_id: c.opt_text()?,
        run_id: c.opt_text()?,
        key: c.text()?,
        content_type: c.opt_text()?,
        byte_size: c.int()?,
        checksum_sha256: c.text()?,
        storage_backend: c.text()?,
        storage_ref: c.text()?,
        metadata: c.map()?,
        created_at: c.ts()?,
        deleted_at: c.opt_ts()?,
    })
}

/// Every row decoded with `f`.
pub(crate) fn all<T>(rows: &[Vec<Value>], f: fn(&[Value]) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(|r| f(r)).collect()
}

/// The single integer of a one-row, one-column result (`COUNT(*)`, `MAX(…)`); `None` for no
/// row or NULL.
pub(crate) fn scalar_int(rows: &[Vec<Value>]) -> Result<Option<i64>> {
    match rows.first().and_then(|r| r.first()) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => as_int(v).map(Some).ok_or_else(|| undecodable("result", 0, "integer", v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_numbers_and_defaults() {
        assert_eq!(as_int(&Value::Real(3.0)), Some(3));
        assert_eq!(as_int(&Value::Text("42".into())), Some(42));
        assert_eq!(as_int(&Value::Real(3.5)), None);
        assert_eq!(as_real(&Value::Integer(2)), Some(2.0));
        assert_eq!(as_real(&Value::Text("bogus".into())), None);
    }

    #[test]
    fn numeric_text_reads_as_the_standard_parser_reads_it() {
        for text in [
            "0",
            "-0",
            "42",
            "0.1",
            "-2.5",
            " 0.0123 ",
            "1.5e-05",
            "1e+20",
            "+3.25",
            "5e-324",
            "1.7976931348623157e308",
            "1.9470392866060137e-20",
            "0.30000000000000004",
            "123456789012345678901234567890",
            "0.000000000000000000000000000001",
        ] {
            let expected: f64 = text.trim().parse().unwrap();
            let read = as_real(&Value::Text(text.into())).unwrap();
            assert_eq!(read.to_bits(), expected.to_bits(), "{text}");
        }
        for (text, expected) in [
            ("NaN", f64::NAN),
            ("Infinity", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
            ("inf", f64::INFINITY),
        ] {
            let read = as_real(&Value::Text(text.into())).unwrap();
            assert!(read.to_bits() == expected.to_bits() || (read.is_nan() && expected.is_nan()));
        }
        for text in ["", "1.2.3", "0x10", "one", "--1"] {
            assert_eq!(as_real(&Value::Text(text.into())), None, "{text}");
        }
        let row = vec![
            Value::Text("r".into()),
            Value::Text("s".into()),
            Value::Text("completed".into()),
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Text("{\"total_tokens\":3}".into()),
            Value::Text("2025-01-27T12:00:00.000001".into()),
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Integer(2),
        ];
        let r = run(&row).unwrap();
        assert_eq!((r.turn_count, r.cost_usd, r.input), (0, Some(2.0), None));
        assert!(r.metadata.is_empty() && r.provider_metadata.is_empty());
        let mut bad = row.clone();
        bad[2] = Value::Text("bogus".into());
        assert_eq!(run(&bad).unwrap_err().code(), ErrorCode::StorageError);
    }
}
