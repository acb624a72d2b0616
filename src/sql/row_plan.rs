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
        }
    }
}

/// One member of the answer: its key, the column it is read from, the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldPlan {
    /// The member's key in the event's wire form.
    pub key: &'static str,
    /// The column's position in the `get_events` select list.
    pub column: usize,
    /// How the cell decodes.
    pub rule: CellRule,
}

/// An event row of `get_events` as the event's wire form, members in the order the core writes
/// them (sorted by key), as `decode::event` reads the row.
pub const EVENT_ROW_PLAN: &[FieldPlan] = &[
    FieldPlan { key: "correlation_id", column: 10, rule: CellRule::OptText },
    FieldPlan { key: "data", column: 6, rule: CellRule::Map },
    FieldPlan { key: "id", column: 0, rule: CellRule::Text },
    FieldPlan { key: "metadata", column: 7, rule: CellRule::Map },
    FieldPlan { key: "provider", column: 9, rule: CellRule::OptText },
    FieldPlan { key: "run_id", column: 4, rule: CellRule::OptText },
    FieldPlan { key: "schema_version", column: 8, rule: CellRule::IntOr(1) },
    FieldPlan { key: "sequence_number", column: 5, rule: CellRule::Int },
    FieldPlan { key: "session_id", column: 3, rule: CellRule::Text },
    FieldPlan { key: "timestamp", column: 2, rule: CellRule::Timestamp },
    FieldPlan { key: "type", column: 1, rule: CellRule::EventType },
];

/// [`EVENT_ROW_PLAN`] as JSON: `{ fields: [{ key, column, rule, default? }], event_types }`.
pub fn event_row_plan_json() -> Json {
    let fields: Vec<Json> = EVENT_ROW_PLAN
        .iter()
        .map(|f| match f.rule {
            CellRule::IntOr(default) => {
                json!({ "key": f.key, "column": f.column, "rule": f.rule.name(), "default": default })
            }
            rule => json!({ "key": f.key, "column": f.column, "rule": rule.name() }),
        })
        .collect();
    let types: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    json!({ "fields": fields, "event_types": types })
}

/// Rows of `get_events` decoded by the core itself: what a host falls back to when a cell is
/// outside the plan's rules, and the reference its own decoding is tested against.
pub fn decode_events(rows: Vec<Vec<Value>>) -> Result<Vec<Event>> {
    decode::events(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::schema::EVENT_COLUMNS;

    /// A row with `text` in every column, as `decode::event` would need it to read.
    fn sample_row() -> Vec<Value> {
        vec![
            Value::Text("evt_1".into()),
            Value::Text("run_started".into()),
            Value::Text("2025-01-27T12:00:00.123456".into()),
            Value::Text("ses_1".into()),
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
        let event = decode_events(vec![sample_row()]).unwrap().remove(0);
        let wire = serde_json::to_value(&event).unwrap();
        let keys: Vec<&str> = wire.as_object().unwrap().keys().map(String::as_str).collect();
        let planned: Vec<&str> = EVENT_ROW_PLAN.iter().map(|f| f.key).collect();
        assert_eq!(planned, keys, "the plan lists the wire members in the core's order");
        let columns: Vec<&str> = EVENT_COLUMNS.split(", ").map(|c| c.trim_matches('"')).collect();
        for field in EVENT_ROW_PLAN {
            assert_eq!(columns[field.column], field.key, "{} reads its own column", field.key);
        }
    }

    #[test]
    fn each_rule_reads_as_the_core_reads_the_cell() {
        let event = decode_events(vec![sample_row()]).unwrap().remove(0);
        let wire = serde_json::to_value(&event).unwrap();
        assert_eq!(wire["timestamp"], "2025-01-27T12:00:00.123456Z");
        for field in EVENT_ROW_PLAN {
            let mut row = sample_row();
            row[field.column] = Value::Null;
            let read =
                decode_events(vec![row]).map(|mut e| serde_json::to_value(e.remove(0)).unwrap());
            match field.rule {
                CellRule::OptText => assert_eq!(read.unwrap()[field.key], Json::Null),
                CellRule::Map => assert_eq!(read.unwrap()[field.key], json!({})),
                CellRule::IntOr(default) => assert_eq!(read.unwrap()[field.key], default),
                CellRule::Text | CellRule::EventType | CellRule::Timestamp | CellRule::Int => {
                    assert!(read.is_err(), "{} refuses NULL", field.key)
                }
            }
        }
        let plan = event_row_plan_json();
        assert_eq!(plan["event_types"].as_array().unwrap().len(), EventType::ALL.len());
        assert_eq!(
            plan["fields"][6],
            json!({"key": "schema_version", "column": 8, "rule": "int_or", "default": 1})
        );
    }
}
