//! JSON parsing of [`RetentionPolicy`] (`RetentionPolicy.new/1`, docs/asm-v0.8/domain.md §6.1).

use serde_json::Value;

use super::fields::Opts;
use crate::error::{Error, Result};
use crate::event::EventType;
use crate::retention::{Limit, RetentionPolicy};
use crate::status::SessionStatus;

impl Limit {
    /// `"infinity"` (or `":infinity"`) is [`Limit::Infinity`]; any integer is kept for
    /// [`RetentionPolicy::validate`] to judge; anything else is `None`.
    pub fn from_json(value: &Value) -> Option<Limit> {
        match value {
            Value::String(s) if s == "infinity" || s == ":infinity" => Some(Limit::Infinity),
            Value::Number(n) if n.is_i64() || n.is_u64() => {
                Some(Limit::Finite(n.as_i64().unwrap_or(i64::MAX)))
            }
            _ => None,
        }
    }
}

impl RetentionPolicy {
    /// ASM's `new/1` from JSON: the defaults, overridden by the keys given; unknown keys are
    /// ignored. Like `new/1` it does not range-check (0 or -1 days pass here and fail
    /// [`RetentionPolicy::validate`]), but a value the Rust type cannot hold is rejected with the
    /// message `validate` would give, fields taken in `validate`'s order.
    pub fn from_json(value: &Value) -> Result<RetentionPolicy> {
        let o = Opts::new(value)?;
        let mut policy = RetentionPolicy::default();
        let limits: [(&str, &mut Limit); 5] = [
            ("max_session_age_days", &mut policy.max_session_age_days),
            ("max_completed_session_age_days", &mut policy.max_completed_session_age_days),
            ("hard_delete_after_days", &mut policy.hard_delete_after_days),
            ("max_events_per_session", &mut policy.max_events_per_session),
            ("max_total_events", &mut policy.max_total_events),
        ];
        for (key, slot) in limits {
            if let Some(v) = o.get(key) {
                *slot = Limit::from_json(v).ok_or_else(|| {
                    Error::validation(format!("{key} must be a positive integer or :infinity"))
                })?;
            }
        }
        if let Some(v) = o.get("batch_size") {
            policy.batch_size = crate::json::as_integer(v)
                .or_else(|| v.as_u64().map(|_| i64::MAX))
                .ok_or_else(|| Error::validation("batch_size must be a positive integer"))?;
        }
        // Only a literal `true` turns archiving on (ASM's check is `== true`).
        policy.archive_before_prune =
            matches!(o.get("archive_before_prune"), Some(Value::Bool(true)));
        policy.archive_store = match o.get("archive_store") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        if let Some(statuses) = o.many_of("exempt_statuses", SessionStatus::parse)? {
            policy.exempt_statuses = statuses;
        }
        if o.get("exempt_tags").is_some() {
            policy.exempt_tags = o.strings("exempt_tags")?;
        }
        if let Some(types) = o.many_of("prune_event_types_first", EventType::parse)? {
            policy.prune_event_types_first = types;
        }
        Ok(policy)
    }
}
