//! Event rows decoded outside Rust, by a plan the core hands out.
//!
//! A host whose rows live in another language (the npm package: JavaScript drivers) pays more to
//! carry every row of a read into the WebAssembly and the events back out than the SQL costs. So
//! the core describes how each column of `get_events` turns into the answer's member: the host
//! runs [`SqlStore::events_statement`](super::SqlStore::events_statement) itself and builds the
//! events by [`EVENT_ROW_PLAN`]. The rules only cover the forms whose answer is certain (a
//! timestamp already in the column form, JSON that `serde_json` reads alike); any other cell is
//! the host's cue to hand the rows to [`decode_events`], so both paths answer the same.

use serde_json::{Value as Json, json};

use super::decode;
use super::executor::Value;
use crate::error::Result;
use crate::event::{Event, EventType};

/// How one cell becomes a member of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellRule {
    /// Text, as it is.
    Text,
    /// Text, or NULL as `null`.
    OptText,
    /// One of the 28 event type names.
    EventType,
    /// `YYYY-MM-DDTHH:MM:SS.ffffff` (the column form, optionally ending in `Z`), answered with
    /// the `Z`.
    Timestamp,
    /// A whole number that JavaScript holds exactly (a number, a bigint or decimal text).
    Int,
    /// As [`CellRule::Int`], NULL answered as the default.
    IntOr(i64),
    /// A JSON object as text; NULL and JSON `null` answer `{}`.
    Map,
    /// Not a cell: the id of the session read, which the statement's filter names.
    SessionId,
}

impl CellRule {
    /// The rule's name in the plan's JSON.
    pub fn name(self) -> &'static str {
        match self {
            CellRule::Text => "text",
            CellRule::OptText => "opt_text",
            CellRule::EventType => "event_type",
            CellRule::Timestamp => "timestamp",
            CellRule::Int => "int",
            CellRule::IntOr(_) => "int_or",
            CellRule::Map => "map",
            CellRule::SessionId => "session_id",
        }
    }
}

/// One member of the answer: its key, the column it is read from, the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldPlan {
    /// The member's key in the event's wire form.
    pub key: &'static str,
    /// The column's position in the `get_events` select list; `None` for [`CellRule::SessionId`].
    pub column: Option<usize>,
    /// How the cell decodes.
    pub rule: CellRule,
}

/// An event row of `get_events` as the event's wire form, members in the order the core writes
/// them (sorted by key), as `decode::events_of_session` reads the row: the session id is the
/// one the read names, not a column.
pub const EVENT_ROW_PLAN: &[FieldPlan] = &[
    FieldPlan { key: "correlation_id", column: Some(9), rule: CellRule::OptText },
    FieldPlan { key: "data", column: Some(5), rule: CellRule::Map },
    FieldPlan { key: "id", column: Some(0), rule: CellRule::Text },
    FieldPlan { key: "metadata", column: Some(6), rule: CellRule::Map },
    FieldPlan { key: "provider", column: Some(8), rule: CellRule::OptText },
    FieldPlan { key: "run_id", column: Some(3), rule: CellRule::OptText },
    FieldPlan { key: "schema_version", column: Some(7), rule: CellRule::IntOr(1) },
    FieldPlan { key: "sequence_number", column: Some(4), rule: CellRule::Int },
    FieldPlan { key: "session_id", column: None, rule: CellRule::SessionId },
    FieldPlan { key: "timestamp", column: Some(2), rule: CellRule::Timestamp },
    FieldPlan { key: "type", column: Some(1), rule: CellRule::EventType },
];

/// [`EVENT_ROW_PLAN`] as JSON: `{ fields: [{ key, column, rule, default? }], event_types }`.
pub fn event_row_plan_json() -> Json {
    let fields: Vec<Json> = EVENT_ROW_PLAN
        .iter()
        .map(|f| {
            let mut field = json!({ "key": f.key, "rule": f.rule.name() });
            if let Some(column) = f.column {
                field["column"] = json!(column);
            }
            if let CellRule::IntOr(default) = f.rule {
                field["default"] = json!(default);
            }
            field
        })
        .collect();
    let types: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    json!({ "fields": fields, "event_types": types })
}

/// Rows of `get_events` for `session_id` decoded by the core itself: what a host falls back to
/// when a cell is outside the plan's rules, and the reference its own decoding is tested against.
pub fn decode_events(rows: Vec<Vec<Value>>, session_id: &str) -> Result<Vec<Event>> {
    decode::events_of_session(rows, session_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::schema::EVENT_COLUMNS_OF_SESSION;

    /// A row of the select list with a value in every column, as `decode::events_of_session`
    /// would need it to read.
    fn sample_row() -> Vec<Value> {
        vec![
            Value::Text("evt_1".into()),
            Value::Text("run_started".into()),
            Value::Text("2025-01-27T12:00:00.123456".into()),
            Value::Text("run_1".into()),
            Value::Integer(7),
            Value::Text(r#"{"a":1}"#.into()),
            Value::Text(r#"{"m":true}"#.into()),
            Value::Integer(2),
            Value::Text("anthropic".into()),
            Value::Text("cor_1".into()),
        ]
    }

    #[test]
    fn the_plan_names_every_member_and_its_column() {
        let event = decode_events(vec![sample_row()], "ses_1").unwrap().remove(0);
        assert_eq!(event.session_id, "ses_1");
        let wire = serde_json::to_value(&event).unwrap();
        let keys: Vec<&str> = wire.as_object().unwrap().keys().map(String::as_str).collect();
        let planned: Vec<&str> = EVENT_ROW_PLAN.iter().map(|f| f.key).collect();
        assert_eq!(planned, keys, "the plan lists the wire members in the core's order");
        let columns: Vec<&str> =
            EVENT_COLUMNS_OF_SESSION.split(", ").map(|c| c.trim_matches('"')).collect();
        assert_eq!(columns.len(), sample_row().len());
        for field in EVENT_ROW_PLAN {
            match field.column {
                Some(column) => {
                    assert_eq!(columns[column], field.key, "{} reads its column", field.key)
                }
                None => assert_eq!(field.rule, CellRule::SessionId, "{} is not a cell", field.key),
            }
        }
    }

    #[test]
    fn each_rule_reads_as_the_core_reads_the_cell() {
        let event = decode_events(vec![sample_row()], "ses_1").unwrap().remove(0);
        let wire = serde_json::to_value(&event).unwrap();
        assert_eq!(wire["timestamp"], "2025-01-27T12:00:00.123456Z");
        for field in EVENT_ROW_PLAN {
            let Some(column) = field.column else { continue };
            let mut row = sample_row();
            row[column] = Value::Null;
            let read = decode_events(vec![row], "ses_1")
                .map(|mut e| serde_json::to_value(e.remove(0)).unwrap());
            match field.rule {
                CellRule::OptText => assert_eq!(read.unwrap()[field.key], Json::Null),
                CellRule::Map => assert_eq!(read.unwrap()[field.key], json!({})),
                CellRule::IntOr(default) => assert_eq!(read.unwrap()[field.key], default),
                CellRule::Text | CellRule::EventType | CellRule::Timestamp | CellRule::Int => {
                    assert!(read.is_err(), "{} refuses NULL", field.key)
                }
                CellRule::SessionId => unreachable!("the session id is not a cell"),
            }
        }
        let plan = event_row_plan_json();
        assert_eq!(plan["event_types"].as_array().unwrap().len(), EventType::ALL.len());
        assert_eq!(
            plan["fields"][6],
            json!({"key": "schema_version", "column": 7, "rule": "int_or", "default": 1})
        );
        assert_eq!(plan["fields"][8], json!({"key": "session_id", "rule": "session_id"}));
    }
}
