//! RetentionPolicy: how long sessions and events are kept, and what is never touched.

use crate::error::{Error, Result};
use crate::event::EventType;
use crate::status::SessionStatus;

/// A positive bound, or no bound at all (ASM's `:infinity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// At most this many (days or events). Must be ≥ 1 to pass validation.
    Finite(i64),
    /// No bound: the step that uses it does nothing.
    Infinity,
}

impl Limit {
    /// The bound, or `None` for infinity.
    pub fn finite(self) -> Option<i64> {
        match self {
            Limit::Finite(n) => Some(n),
            Limit::Infinity => None,
        }
    }

    fn is_valid(self) -> bool {
        !matches!(self, Limit::Finite(n) if n < 1)
    }
}

/// ASM's `RetentionPolicy` with its Config defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionPolicy {
    /// Validated only; no step uses it (as in ASM).
    pub max_session_age_days: Limit,
    /// Soft-delete sessions not updated for this many days.
    pub max_completed_session_age_days: Limit,
    /// Prune a session's log down to this many events.
    pub max_events_per_session: Limit,
    /// Validated only; no step uses it (as in ASM).
    pub max_total_events: Limit,
    /// Hard-delete sessions soft-deleted this many days ago.
    pub hard_delete_after_days: Limit,
    /// Validated only; archiving is not implemented (as in ASM).
    pub archive_before_prune: bool,
    /// Name of the archive store; required when `archive_before_prune`.
    pub archive_store: Option<String>,
    /// Sessions in these statuses are never soft-deleted.
    pub exempt_statuses: Vec<SessionStatus>,
    /// Sessions with any of these tags are never soft-deleted.
    pub exempt_tags: Vec<String>,
    /// Pruning removes these types first, oldest first.
    pub prune_event_types_first: Vec<EventType>,
    /// Upper bound on rows one maintenance statement touches (ASM validates it but never uses it;
    /// we use it to chunk large deletes).
    pub batch_size: i64,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            max_session_age_days: Limit::Infinity,
            max_completed_session_age_days: Limit::Finite(90),
            max_events_per_session: Limit::Infinity,
            max_total_events: Limit::Infinity,
            hard_delete_after_days: Limit::Finite(30),
            archive_before_prune: false,
            archive_store: None,
            exempt_statuses: vec![SessionStatus::Active, SessionStatus::Paused],
            exempt_tags: vec!["pinned".to_owned()],
            prune_event_types_first: vec![EventType::MessageStreamed, EventType::TokenUsageUpdated],
            batch_size: 100,
        }
    }
}

/// How many SQL statements one [`crate::ports::Maintenance::execute`] (or `plan`) run may send.
/// D1 refuses queries past a cap per Worker invocation (50 on Free, 1,000 on Paid), so an
/// unbounded run over a large store would fail every time; under a budget the run stops
/// before the cap, reports `complete: false` and what is left, and the next run continues
/// from what the database now holds. Not part of ASM's RetentionPolicy (docs/compatibility.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaintenanceBudget {
    /// At most this many statements per run (every statement of a batch counts, reads
    /// included); `None` is no bound (ASM's behaviour: every step runs to its end).
    pub max_statements: Option<u64>,
}

impl MaintenanceBudget {
    /// No bound: what SQLite and PostgreSQL stores use unless told otherwise.
    pub const UNBOUNDED: MaintenanceBudget = MaintenanceBudget { max_statements: None };
    /// The smallest budget accepted: one hard-delete chunk (a page read and its five-statement
    /// cascade) plus the two orphan statements, so every step can make progress.
    pub const MIN_STATEMENTS: u64 = 8;
    /// The D1 default: under the Free plan's 50 queries per invocation with room for the
    /// invocation's other queries (on Paid, raise it towards 1,000, e.g. 900).
    pub const D1_DEFAULT_STATEMENTS: u64 = 45;

    /// A budget of `n` statements, raised to [`MaintenanceBudget::MIN_STATEMENTS`] if below it.
    pub fn statements(n: u64) -> MaintenanceBudget {
        MaintenanceBudget { max_statements: Some(n.max(Self::MIN_STATEMENTS)) }
    }
}

/// Event types that pruning's second pass never removes.
pub const PROTECTED_EVENT_TYPES: &[EventType] = &[
    EventType::SessionCreated,
    EventType::RunStarted,
    EventType::RunCompleted,
    EventType::ErrorOccurred,
    EventType::RunFailed,
];

/// How many events of one log pruning removes under `policy`, given the log's event types in
/// ascending sequence order: first the oldest of `prune_event_types_first`, then the oldest
/// not in [`PROTECTED_EVENT_TYPES`], until `max_events_per_session` are left. Both stores'
/// `plan` count with this.
pub fn prune_count<T: AsRef<str>>(types: &[T], policy: &RetentionPolicy) -> u64 {
    prune_selection(types, policy).len() as u64
}

/// The positions (ascending) of the events pruning removes from a log whose event types, in
/// ascending sequence order, are `types`: the same choice the stores' prune statements make,
/// so that archiving before pruning archives exactly what is removed.
pub fn prune_selection<T: AsRef<str>>(types: &[T], policy: &RetentionPolicy) -> Vec<usize> {
    let is_in = |list: &[EventType], t: &T| list.iter().any(|l| l.as_str() == t.as_ref());
    let Some(max) = policy.max_events_per_session.finite() else { return Vec::new() };
    let to_prune = (types.len() as i64).saturating_sub(max);
    if to_prune <= 0 {
        return Vec::new();
    }
    let mut removed = vec![false; types.len()];
    let mut n = 0;
    for (i, t) in types.iter().enumerate() {
        if n < to_prune && is_in(&policy.prune_event_types_first, t) {
            removed[i] = true;
            n += 1;
        }
    }
    for (i, t) in types.iter().enumerate() {
        if n < to_prune && !removed[i] && !is_in(PROTECTED_EVENT_TYPES, t) {
            removed[i] = true;
            n += 1;
        }
    }
    removed.iter().enumerate().filter(|(_, r)| **r).map(|(i, _)| i).collect()
}

impl RetentionPolicy {
    /// The five limits with their field names, in `validate/1`'s order.
    fn limits(&self) -> [(&'static str, Limit); 5] {
        [
            ("max_session_age_days", self.max_session_age_days),
            ("max_completed_session_age_days", self.max_completed_session_age_days),
            ("hard_delete_after_days", self.hard_delete_after_days),
            ("max_events_per_session", self.max_events_per_session),
            ("max_total_events", self.max_total_events),
        ]
    }

    /// The check the single maintenance steps run (prune one session, soft delete, hard delete),
    /// which ASM runs without `validate`: a negative limit would prune or delete everything (a
    /// cutoff in the future), so it is `validation_error`. 0 stays allowed, as in ASM.
    pub fn check_not_negative(&self) -> Result<()> {
        match self.limits().into_iter().find(|(_, l)| matches!(l, Limit::Finite(n) if *n < 0)) {
            Some((field, _)) => Err(Error::validation(format!("{field} must not be negative"))),
            None => Ok(()),
        }
    }

    /// ASM's `validate/1`: fields in ASM's order, first failure wins, `validation_error`.
    pub fn validate(&self) -> Result<()> {
        for (field, limit) in self.limits() {
            if !limit.is_valid() {
                return Err(Error::validation(format!(
                    "{field} must be a positive integer or :infinity"
                )));
            }
        }
        if self.batch_size < 1 {
            return Err(Error::validation("batch_size must be a positive integer"));
        }
        if self.archive_before_prune && self.archive_store.is_none() {
            return Err(Error::validation(
                "archive_store is required when archive_before_prune is true",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_count_takes_first_types_then_unprotected() {
        let policy = RetentionPolicy {
            max_events_per_session: Limit::Finite(2),
            ..RetentionPolicy::default()
        };
        let types =
            ["session_created", "message_sent", "message_streamed", "run_started", "message_sent"];
        assert_eq!(prune_count(&types, &policy), 3);
        let protected = ["session_created", "run_started", "run_completed", "message_streamed"];
        assert_eq!(prune_count(&protected, &policy), 1);
        assert_eq!(prune_count(&types[..2], &policy), 0);
        assert_eq!(prune_count(&types, &RetentionPolicy::default()), 0);
    }
}
