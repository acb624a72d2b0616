//! Event ids are scoped to their session: the rules every store applies before an append writes
//! anything (a deliberate difference from ASM v0.8, docs/compatibility.md "Event ids").
//!
//! For every input event whose id is already stored, or which repeats an id earlier in the same
//! call:
//!
//! - stored (or repeated) under **another session** → `session_mismatch`; the error names only
//!   the caller's own id and session, nothing of the stored event;
//! - same session, **different content** → `already_exists`;
//! - same session, **same content** → idempotent: the stored event (with its sequence number)
//!   is the answer and nothing new is written.
//!
//! Either error refuses the whole call: nothing of it is written and no sequence number is used.
//! When several inputs conflict, a `session_mismatch` anywhere in the call wins over an
//! `already_exists`; otherwise the first conflicting input (in input order) is named.
//!
//! **Same content** ([`same_content`]) compares what a caller sets and what the store reads back:
//! `type`, `timestamp` (microseconds, what every store keeps), `run_id`, `data`, `metadata`,
//! `schema_version`, `provider` and `correlation_id`. `id` is the key, `session_id` has its own
//! rule, and `sequence_number` is the store's (a caller's value is always overwritten). JSON is
//! compared by value ([`same_json`]): key order and number spelling do not matter (`1`, `1.0` and
//! `1e0` are the same number, as in PostgreSQL's `jsonb`), so a row written by ASM's Elixir
//! writer (its own key order and float text) matches the same event sent again from here.

use serde_json::Value;

use crate::error::{Error, ErrorCode, Result};
use crate::event::Event;

/// Whether two events carry the same caller-set content (see the module doc); `id`,
/// `session_id` and `sequence_number` are not compared.
pub fn same_content(a: &Event, b: &Event) -> bool {
    a.event_type == b.event_type
        && a.timestamp == b.timestamp
        && a.run_id == b.run_id
        && a.schema_version == b.schema_version
        && a.provider == b.provider
        && a.correlation_id == b.correlation_id
        && same_map(&a.data, &b.data)
        && same_map(&a.metadata, &b.metadata)
}

fn same_map(a: &crate::json::JsonMap, b: &crate::json::JsonMap) -> bool {
    a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same_json(v, w)))
}

/// JSON equality by value: objects regardless of key order, arrays element by element, numbers
/// by numeric value (an integer equals a float with the same value), everything else exactly.
/// Iterative, so any nesting depth is compared without recursion.
pub fn same_json(a: &Value, b: &Value) -> bool {
    let mut pending = vec![(a, b)];
    while let Some((a, b)) = pending.pop() {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                for (k, v) in x {
                    match y.get(k) {
                        Some(w) => pending.push((v, w)),
                        None => return false,
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                pending.extend(x.iter().zip(y));
            }
            (Value::Number(x), Value::Number(y)) => {
                if !same_number(x, y) {
                    return false;
                }
            }
            (x, y) => {
                if x != y {
                    return false;
                }
            }
        }
    }
    true
}

/// Numeric equality across serde_json's integer and float forms, exact for every pair.
fn same_number(x: &serde_json::Number, y: &serde_json::Number) -> bool {
    fn int(n: &serde_json::Number) -> Option<i128> {
        n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from))
    }
    match (int(x), int(y)) {
        (Some(i), Some(j)) => i == j,
        (Some(i), None) => y.as_f64().is_some_and(|f| float_is_int(f, i)),
        (None, Some(j)) => x.as_f64().is_some_and(|f| float_is_int(f, j)),
        (None, None) => x.as_f64() == y.as_f64(),
    }
}

/// Whether the float `f` is exactly the integer `i` (both within ±2^127 when equal).
fn float_is_int(f: f64, i: i128) -> bool {
    const LIMIT: f64 = 1.7014118346046923e38; // 2^127
    f.is_finite() && f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f) && f as i128 == i
}

/// How an input event clashes with an event already holding its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clash {
    /// The id belongs to another session.
    OtherSession,
    /// Same session, different content.
    OtherContent,
}

/// How `input` clashes with `existing` (stored, or earlier in the same call), if at all; `None`
/// means the append is an idempotent repeat.
pub fn clash(input: &Event, existing: &Event) -> Option<Clash> {
    if input.session_id != existing.session_id {
        Some(Clash::OtherSession)
    } else if !same_content(input, existing) {
        Some(Clash::OtherContent)
    } else {
        None
    }
}

/// The error for `input` clashing as `clash`; it names only the caller's own id and session.
pub fn clash_error(input: &Event, clash: Clash, within_call: bool) -> Error {
    let (code, what) = match clash {
        Clash::OtherSession => (ErrorCode::SessionMismatch, "in another session"),
        Clash::OtherContent => (ErrorCode::AlreadyExists, "with different content"),
    };
    let message = if within_call {
        format!("Event id {} is given twice in this call, {what}", input.id)
    } else {
        format!("Event id {} is already stored {what}", input.id)
    };
    Error::new(code, message)
        .detail("event_id", input.id.as_str())
        .detail("session_id", input.session_id.as_str())
}

/// The call's answer from its clashes: the first `session_mismatch`, else the first
/// `already_exists`, else `Ok`. `found` yields each input with what already holds its id.
pub fn refuse_clashes<'a>(
    found: impl IntoIterator<Item = (&'a Event, &'a Event)>,
    within_call: bool,
) -> Result<()> {
    let mut content: Option<&Event> = None;
    for (input, existing) in found {
        match clash(input, existing) {
            Some(Clash::OtherSession) => {
                return Err(clash_error(input, Clash::OtherSession, within_call));
            }
            Some(Clash::OtherContent) => {
                content.get_or_insert(input);
            }
            None => {}
        }
    }
    match content {
        Some(input) => Err(clash_error(input, Clash::OtherContent, within_call)),
        None => Ok(()),
    }
}

/// The same rules between the events of one call: a later copy of an id must repeat the first
/// copy exactly (then it maps to it), else the call is refused before anything is written.
pub fn check_repeats(events: &[Event]) -> Result<()> {
    let mut first: std::collections::HashMap<&str, &Event> = std::collections::HashMap::new();
    let mut repeats = Vec::new();
    for event in events {
        match first.get(event.id.as_str()) {
            Some(earlier) => repeats.push((event, *earlier)),
            None => {
                first.insert(event.id.as_str(), event);
            }
        }
    }
    refuse_clashes(repeats, true)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_is_compared_by_value() {
        assert!(same_json(&json!({"a": 1, "b": [1, 2]}), &json!({"b": [1, 2], "a": 1.0})));
        assert!(same_json(&json!(1e2), &json!(100)));
        assert!(same_json(&json!(-0.0), &json!(0)));
        assert!(!same_json(&json!([1, 2]), &json!([2, 1])));
        assert!(!same_json(&json!({"a": 1}), &json!({"a": 1, "b": null})));
        assert!(!same_json(&json!(1.5), &json!(1)));
        assert!(!same_json(&json!("1"), &json!(1)));
        assert!(same_json(&json!(u64::MAX), &json!(u64::MAX)));
        assert!(!same_json(&json!(u64::MAX), &json!(i64::MIN)));
        assert!(!same_json(&json!(i64::MAX), &json!(9.223372036854776e18)));
        assert!(same_json(&json!(9007199254740992_i64), &json!(9007199254740992.0)));
    }
}
