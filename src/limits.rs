//! [`Limits`]: how much work one call may do, so that a store in front of untrusted callers
//! (an edge service, a 128 MB isolate, D1's queries per invocation) never reads or writes an
//! unbounded number of rows in one request.
//!
//! ASM's own lists (`list_sessions`, `list_runs`, `get_events`, `list_by_session`) have no upper
//! bound, so [`Limits::NONE`] — ASM's behaviour — is what a store starts with; a host that serves
//! strangers picks [`Limits::EDGE`] or its own figures.

use crate::error::{Error, Result};

/// Caps on one call's work; `None` leaves a dimension unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Rows a list answers when the caller names no limit.
    pub default_page: Option<u32>,
    /// The most rows one list may answer; a larger `limit` is `validation_error`.
    pub max_page: Option<u32>,
    /// The most events one append or flush may carry.
    pub max_events_per_call: Option<usize>,
    /// The most statements one write batch may hold: D1 counts each against its queries per
    /// invocation (1,000 on the Paid plan, 50 on Free).
    pub max_statements_per_batch: Option<usize>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::NONE
    }
}

impl Limits {
    /// ASM's behaviour: nothing capped.
    pub const NONE: Limits = Limits {
        default_page: None,
        max_page: None,
        max_events_per_call: None,
        max_statements_per_batch: None,
    };

    /// What the Worker serves with unless configured otherwise: pages of 100 (at most 1,000),
    /// 1,000 events per call, 500 statements per batch (half of D1 Paid's queries per
    /// invocation, leaving room for the reads of the same request).
    pub const EDGE: Limits = Limits {
        default_page: Some(100),
        max_page: Some(1000),
        max_events_per_call: Some(1000),
        max_statements_per_batch: Some(500),
    };

    /// The number of rows a list with the caller's `limit` reads: the caller's limit (0 or
    /// none: the default), refused above the maximum.
    pub fn page(&self, limit: Option<u32>) -> Result<Option<u32>> {
        let wanted = limit.filter(|n| *n > 0).or(self.default_page);
        match (wanted, self.max_page) {
            (Some(n), Some(max)) if n > max => {
                Err(over("limit", n as usize, max as usize).detail("reason", "page_too_large"))
            }
            (None, Some(max)) => Ok(Some(max)),
            (wanted, _) => Ok(wanted),
        }
    }

    /// Refuses a call of more than `max_events_per_call` events.
    pub fn check_events(&self, events: usize) -> Result<()> {
        match self.max_events_per_call {
            Some(max) if events > max => {
                Err(over("events per call", events, max).detail("reason", "too_many_events"))
            }
            _ => Ok(()),
        }
    }

    /// Refuses a write batch of more than `max_statements_per_batch` statements.
    pub fn check_statements(&self, statements: usize) -> Result<()> {
        match self.max_statements_per_batch {
            Some(max) if statements > max => Err(over("statements per batch", statements, max)
                .detail("reason", "too_many_statements")
                .detail(
                    "hint",
                    "split the call: each session of an append costs at least 3 statements",
                )),
            _ => Ok(()),
        }
    }
}

impl Limits {
    /// Limits from JSON such as `{"max_page": 500, "max_statements_per_batch": 45}`: a number
    /// sets a cap, `null` lifts it, a missing key keeps the value of `base`.
    pub fn from_json(value: &serde_json::Value, base: Limits) -> Result<Limits> {
        let map = value.as_object().ok_or_else(|| Error::validation("limits must be an object"))?;
        let mut limits = base;
        for (key, v) in map {
            let cap = match v {
                serde_json::Value::Null => None,
                v => Some(v.as_u64().filter(|n| *n > 0 && *n <= u32::MAX as u64).ok_or_else(
                    || {
                        Error::validation(format!(
                            "limits.{key} must be a positive integer or null"
                        ))
                    },
                )?),
            };
            match key.as_str() {
                "default_page" => limits.default_page = cap.map(|n| n as u32),
                "max_page" => limits.max_page = cap.map(|n| n as u32),
                "max_events_per_call" => limits.max_events_per_call = cap.map(|n| n as usize),
                "max_statements_per_batch" => {
                    limits.max_statements_per_batch = cap.map(|n| n as usize)
                }
                other => return Err(Error::validation(format!("unknown limit {other}"))),
            }
        }
        Ok(limits)
    }
}

/// `validation_error` naming the limit, its value and what was asked.
fn over(what: &str, asked: usize, max: usize) -> Error {
    Error::validation(format!("{what} must be <= {max} (got {asked})"))
        .detail("limit", max)
        .detail("requested", asked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_default_cap_and_refuse() {
        assert_eq!(Limits::NONE.page(None).unwrap(), None);
        assert_eq!(Limits::NONE.page(Some(5_000)).unwrap(), Some(5_000));
        assert_eq!(Limits::EDGE.page(None).unwrap(), Some(100));
        assert_eq!(Limits::EDGE.page(Some(0)).unwrap(), Some(100));
        assert_eq!(Limits::EDGE.page(Some(1000)).unwrap(), Some(1000));
        let refused = Limits::EDGE.page(Some(1001)).unwrap_err();
        assert_eq!(refused.message(), "limit must be <= 1000 (got 1001)");
        let capped = Limits { default_page: None, ..Limits::EDGE };
        assert_eq!(capped.page(None).unwrap(), Some(1000));
    }

    #[test]
    fn from_json_sets_lifts_and_keeps() {
        let json = serde_json::json!({"max_page": 500, "default_page": null});
        let limits = Limits::from_json(&json, Limits::EDGE).unwrap();
        assert_eq!((limits.max_page, limits.default_page), (Some(500), None));
        assert_eq!(limits.max_statements_per_batch, Some(500));
        assert!(Limits::from_json(&serde_json::json!({"max_pages": 1}), Limits::EDGE).is_err());
        assert!(Limits::from_json(&serde_json::json!({"max_page": 0}), Limits::EDGE).is_err());
    }

    #[test]
    fn calls_and_batches() {
        assert!(Limits::EDGE.check_events(1000).is_ok());
        assert_eq!(Limits::EDGE.check_events(1001).unwrap_err().details()["limit"], 1000);
        assert!(Limits::EDGE.check_statements(501).is_err());
        assert!(Limits::NONE.check_statements(usize::MAX).is_ok());
    }
}
