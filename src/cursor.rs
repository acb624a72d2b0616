//! Keyset cursors: opaque, tied to a resource and an order, checked in ASM's order.
//!
//! ASM encodes `:erlang.term_to_binary({kind, order_by, sort_value, id})`, which only Erlang can
//! read. Ours is base64url of a small JSON object; the validation steps and messages are ASM's
//! (`docs/asm-v0.8/sql.md` §5.9), so a forged or foreign cursor fails the same way.

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::error::{Error, ErrorCode, Result};
use crate::ports::{EventOrder, RunOrder, SessionOrder};
use crate::time::Timestamp;

/// What a cursor pages through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorKind {
    /// `search_sessions`.
    Session,
    /// `search_runs`.
    Run,
    /// `search_events`.
    Event,
}

impl CursorKind {
    fn as_str(self) -> &'static str {
        match self {
            CursorKind::Session => "session",
            CursorKind::Run => "run",
            CursorKind::Event => "event",
        }
    }

    fn label(self) -> &'static str {
        match self {
            CursorKind::Session => "Session",
            CursorKind::Run => "Run",
            CursorKind::Event => "Event",
        }
    }
}

/// The sort column's value of the last row of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortValue {
    /// A timestamp column (`created_at`, `updated_at`, `started_at`, `timestamp`).
    Time(Timestamp),
    /// `sequence_number`.
    Int(i64),
}

/// A decoded cursor: continue strictly after `(value, id)` in the cursor's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The sort value of the last row.
    pub value: SortValue,
    /// The id of the last row (the tie-breaker).
    pub id: String,
}

/// An order a cursor can be tied to.
pub trait CursorOrder: Copy {
    /// The resource.
    const KIND: CursorKind;
    /// The order's name (ASM's atom).
    fn name(self) -> &'static str;
    /// Whether the order's sort value is a timestamp (else `sequence_number`).
    fn sorts_by_time(self) -> bool;
    /// Whether pages continue towards larger values.
    fn ascending(self) -> bool;
}

impl CursorOrder for SessionOrder {
    const KIND: CursorKind = CursorKind::Session;
    fn name(self) -> &'static str {
        match self {
            SessionOrder::CreatedAtAsc => "created_at_asc",
            SessionOrder::CreatedAtDesc => "created_at_desc",
            SessionOrder::UpdatedAtDesc => "updated_at_desc",
        }
    }
    fn sorts_by_time(self) -> bool {
        true
    }
    fn ascending(self) -> bool {
        self == SessionOrder::CreatedAtAsc
    }
}

impl CursorOrder for RunOrder {
    const KIND: CursorKind = CursorKind::Run;
    fn name(self) -> &'static str {
        match self {
            RunOrder::StartedAtDesc => "started_at_desc",
            RunOrder::StartedAtAsc => "started_at_asc",
            RunOrder::TokenUsageDesc => "token_usage_desc",
        }
    }
    fn sorts_by_time(self) -> bool {
        true
    }
    fn ascending(self) -> bool {
        self == RunOrder::StartedAtAsc
    }
}

impl CursorOrder for EventOrder {
    const KIND: CursorKind = CursorKind::Event;
    fn name(self) -> &'static str {
        match self {
            EventOrder::SequenceAsc => "sequence_asc",
            EventOrder::TimestampAsc => "timestamp_asc",
            EventOrder::TimestampDesc => "timestamp_desc",
        }
    }
    fn sorts_by_time(self) -> bool {
        self != EventOrder::SequenceAsc
    }
    fn ascending(self) -> bool {
        self != EventOrder::TimestampDesc
    }
}

/// Encodes the cursor that continues after a row with this sort value and id.
pub fn encode<O: CursorOrder>(order: O, value: SortValue, id: &str) -> String {
    let v = match value {
        SortValue::Time(t) => Value::String(t.to_iso8601()),
        SortValue::Int(n) => Value::from(n),
    };
    let payload = json!({ "k": O::KIND.as_str(), "o": order.name(), "v": v, "id": id });
    URL_SAFE_NO_PAD.encode(payload.to_string())
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidCursor, message)
}

/// Decodes and checks a cursor for `order`, in ASM's order of checks; every failure is
/// `invalid_cursor`.
pub fn decode<O: CursorOrder>(text: &str, order: O) -> Result<Cursor> {
    if text.is_empty() {
        return Err(invalid("Cursor must be a non-empty string"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(text))
        .map_err(|_| invalid("Cursor is not valid Base64"))?;
    let payload: Value = crate::json::from_bytes(&bytes)
        .map_err(|_| invalid("Cursor payload could not be decoded"))?;
    let shape = || invalid("Cursor does not match expected format");
    let obj = payload.as_object().ok_or_else(shape)?;
    let (
        Some(Value::String(kind)),
        Some(Value::String(order_name)),
        Some(value),
        Some(Value::String(id)),
    ) = (obj.get("k"), obj.get("o"), obj.get("v"), obj.get("id"))
    else {
        return Err(shape());
    };
    if kind != O::KIND.as_str() || obj.len() != 4 {
        return Err(shape());
    }
    if order_name != order.name() {
        return Err(invalid("Cursor order does not match requested order_by"));
    }
    let bad_value = || invalid(format!("{} cursor has invalid sort value", O::KIND.label()));
    let value = if order.sorts_by_time() {
        SortValue::Time(value.as_str().and_then(Timestamp::parse_iso8601).ok_or_else(bad_value)?)
    } else {
        SortValue::Int(value.as_i64().ok_or_else(bad_value)?)
    };
    if order_name == "token_usage_desc" {
        return Err(invalid("Cursor pagination is not supported for order_by :token_usage_desc"));
    }
    Ok(Cursor { value, id: id.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_in_order() {
        let t = Timestamp::from_micros(1_700_000_000_123_456);
        let c = encode(SessionOrder::CreatedAtDesc, SortValue::Time(t), "ses_1");
        assert_eq!(
            decode(&c, SessionOrder::CreatedAtDesc).unwrap(),
            Cursor { value: SortValue::Time(t), id: "ses_1".into() }
        );
        let msg = |r: Result<Cursor>| r.unwrap_err().message().to_owned();
        assert_eq!(
            msg(decode("", SessionOrder::CreatedAtDesc)),
            "Cursor must be a non-empty string"
        );
        assert_eq!(msg(decode("%%%", SessionOrder::CreatedAtDesc)), "Cursor is not valid Base64");
        assert_eq!(
            msg(decode("bm90IGpzb24", SessionOrder::CreatedAtDesc)),
            "Cursor payload could not be decoded"
        );
        assert_eq!(
            msg(decode(&c, SessionOrder::UpdatedAtDesc)),
            "Cursor order does not match requested order_by"
        );
        let e = encode(EventOrder::SequenceAsc, SortValue::Int(3), "evt_1");
        assert_eq!(
            msg(decode(&e, SessionOrder::CreatedAtDesc)),
            "Cursor does not match expected format"
        );
        assert_eq!(decode(&e, EventOrder::SequenceAsc).unwrap().value, SortValue::Int(3));
    }
}
