//! The Maintenance port: retention, applied when the host asks (a cron trigger, a CLI).

use crate::error::Result;
use crate::retention::RetentionPolicy;

/// What one `execute` did (or, from `plan`, would do).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MaintenanceReport {
    /// Sessions newly marked deleted.
    pub sessions_soft_deleted: u64,
    /// Sessions removed with everything they own.
    pub sessions_hard_deleted: u64,
    /// Events removed by pruning.
    pub events_pruned: u64,
    /// Artifact rows whose session no longer exists, removed.
    pub artifacts_cleaned: u64,
    /// Sequence counters whose session row and events are all gone, removed.
    pub orphaned_sequences_cleaned: u64,
    /// Wall time of the whole run, from the host's clock.
    pub duration_ms: u64,
    /// One message per failure: per failed step, and per session whose pruning failed; the
    /// other steps (and sessions) still ran.
    pub errors: Vec<String>,
    /// Whether every step ran to its end. `false` when the statement budget
    /// ([`crate::MaintenanceBudget`]) stopped the run or a step failed: run again to continue
    /// (not in ASM: docs/compatibility.md).
    pub complete: bool,
    /// The steps that did not run to their end (cut short or not reached because of the budget,
    /// or failed), by their port names in `execute`'s order; empty when `complete`.
    pub remaining: Vec<String>,
}

impl Default for MaintenanceReport {
    /// A run that found nothing to do: zero counts, no errors, complete.
    fn default() -> Self {
        MaintenanceReport {
            sessions_soft_deleted: 0,
            sessions_hard_deleted: 0,
            events_pruned: 0,
            artifacts_cleaned: 0,
            orphaned_sequences_cleaned: 0,
            duration_ms: 0,
            errors: Vec::new(),
            complete: true,
            remaining: Vec::new(),
        }
    }
}

/// ASM's Maintenance.
#[allow(async_fn_in_trait)]
pub trait Maintenance {
    /// Validates the policy, then runs soft delete, hard delete, prune, orphaned artifacts and
    /// orphaned sequences, in that order; a failing step adds to `errors` and the rest still run.
    /// The SQL store works in bounded pages and chunks and stops at its [`crate::MaintenanceBudget`]
    /// (`complete: false`, `remaining`); the next run continues.
    async fn execute(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport>;
    /// A dry run of [`Maintenance::execute`]: validates the policy and reports the counts
    /// `execute` would report at this clock reading, changing nothing. `duration_ms` is the time
    /// the planning took. The SQL store plans with the same selection statements `execute` runs;
    /// data written between `plan` and `execute` (or a session crossing an age cutoff in that
    /// time) can make them differ. Not part of ASM v0.8 (docs/compatibility.md).
    async fn plan(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport>;
    /// Prunes one session's log down to `max_events_per_session`; returns how many were removed.
    async fn prune_session_events(&self, session_id: &str, policy: &RetentionPolicy)
    -> Result<u64>;
    /// Marks old, non-exempt sessions deleted; returns how many.
    async fn soft_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64>;
    /// Removes sessions soft-deleted long enough ago, with everything they own; returns how many.
    async fn hard_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64>;
    /// Removes artifact rows whose (non-null) session does not exist; returns how many.
    async fn clean_orphaned_artifacts(&self) -> Result<u64>;
    /// Consistency problems found, as ASM's messages; empty means healthy.
    async fn health_check(&self) -> Result<Vec<String>>;
}
