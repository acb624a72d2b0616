//! [`Maintenance`] for [`MemoryStore`]: `docs/asm-v0.8/sql.md` §6 with the orphaned-counter fix.

use crate::error::Result;
use crate::ports::{Maintenance, MaintenanceReport};
use crate::retention::{PROTECTED_EVENT_TYPES, RetentionPolicy};
use crate::time::Timestamp;

use super::{MemoryStore, State};

impl State {
    /// §6.3: sessions not deleted, in a non-exempt status, not updated since `cutoff` and
    /// carrying no exempt tag get `deleted_at = now`.
    fn soft_delete(&mut self, policy: &RetentionPolicy, now: Timestamp) -> u64 {
        let Some(days) = policy.max_completed_session_age_days.finite() else { return 0 };
        let cutoff = now.add_days(-days);
        let mut count = 0;
        for session in self.sessions.values_mut() {
            if session.deleted_at.is_none()
                && !policy.exempt_statuses.contains(&session.status)
                && session.updated_at < cutoff
                && !session.tags.iter().any(|t| policy.exempt_tags.contains(t))
            {
                session.deleted_at = Some(now);
                count += 1;
            }
        }
        count
    }

    /// §6.4: sessions soft-deleted before `now - days` go with everything they own.
    fn hard_delete(&mut self, policy: &RetentionPolicy, now: Timestamp) -> u64 {
        let Some(days) = policy.hard_delete_after_days.finite() else { return 0 };
        let cutoff = now.add_days(-days);
        let expired: Vec<String> = self
            .sessions
            .values()
            .filter(|s| s.deleted_at.is_some_and(|d| d < cutoff))
            .map(|s| s.id.clone())
            .collect();
        for id in &expired {
            self.cascade_delete(id);
        }
        expired.len() as u64
    }

    /// §6.5: removes `count - max` events, first the "prune first" types, then anything not
    /// protected, oldest first in both passes. The sequence counter is untouched.
    fn prune(&mut self, session_id: &str, policy: &RetentionPolicy) -> u64 {
        let Some(max) = policy.max_events_per_session.finite() else { return 0 };
        let to_prune = self.log(session_id).len() as i64 - max;
        if to_prune <= 0 {
            return 0;
        }
        let first: Vec<String> = self
            .log(session_id)
            .iter()
            .filter(|e| policy.prune_event_types_first.contains(&e.event_type))
            .take(to_prune as usize)
            .map(|e| e.id.clone())
            .collect();
        self.remove_events(session_id, &first);
        let remaining = to_prune as usize - first.len();
        let second: Vec<String> = self
            .log(session_id)
            .iter()
            .filter(|e| !PROTECTED_EVENT_TYPES.contains(&e.event_type))
            .take(remaining)
            .map(|e| e.id.clone())
            .collect();
        self.remove_events(session_id, &second);
        (first.len() + second.len()) as u64
    }

    /// Prunes every session (saved or not) above the limit.
    fn prune_all(&mut self, policy: &RetentionPolicy) -> u64 {
        let Some(max) = policy.max_events_per_session.finite() else { return 0 };
        let over: Vec<String> = self
            .logs
            .iter()
            .filter(|(_, log)| log.len() as i64 > max)
            .map(|(id, _)| id.clone())
            .collect();
        over.iter().map(|id| self.prune(id, policy)).sum()
    }

    /// §6.6: artifact rows whose (non-null) session has no row.
    fn clean_orphaned_artifacts(&mut self) -> u64 {
        let before = self.artifacts.len();
        let sessions = &self.sessions;
        self.artifacts
            .retain(|_, a| a.session_id.as_ref().is_none_or(|s| sessions.contains_key(s)));
        (before - self.artifacts.len()) as u64
    }

    /// §6.7, fixed: a counter goes only when its session has no row **and** no events left,
    /// so a later append can never reuse a sequence number still in the log.
    fn clean_orphaned_sequences(&mut self) -> u64 {
        let before = self.counters.len();
        let (sessions, logs) = (&self.sessions, &self.logs);
        self.counters.retain(|id, _| {
            sessions.contains_key(id) || logs.get(id).is_some_and(|l| !l.is_empty())
        });
        (before - self.counters.len()) as u64
    }

    /// Every step of `execute`, in order, on this state.
    fn run_all(&mut self, policy: &RetentionPolicy, now: Timestamp) -> MaintenanceReport {
        MaintenanceReport {
            sessions_soft_deleted: self.soft_delete(policy, now),
            sessions_hard_deleted: self.hard_delete(policy, now),
            events_pruned: self.prune_all(policy),
            artifacts_cleaned: self.clean_orphaned_artifacts(),
            orphaned_sequences_cleaned: self.clean_orphaned_sequences(),
            duration_ms: 0,
            // No step of the in-memory store can fail; the SQL store collects its step errors here.
            errors: Vec::new(),
            // Nothing bounds a run in memory (no statements): every run finishes.
            complete: true,
            remaining: Vec::new(),
        }
    }

    /// §6.8: orphaned events, orphaned runs, then counter mismatches by session id.
    fn health_issues(&self) -> Vec<String> {
        let mut issues = Vec::new();
        let orphan_events: usize = self
            .logs
            .iter()
            .filter(|(id, _)| !self.sessions.contains_key(*id))
            .map(|(_, l)| l.len())
            .sum();
        if orphan_events > 0 {
            issues.push(format!("{orphan_events} events reference non-existent sessions"));
        }
        let orphan_runs =
            self.runs.values().filter(|r| !self.sessions.contains_key(&r.session_id)).count();
        if orphan_runs > 0 {
            issues.push(format!("{orphan_runs} runs reference non-existent sessions"));
        }
        for (session_id, counter) in &self.counters {
            let max = self.log(session_id).iter().filter_map(|e| e.sequence_number).max();
            if let Some(max) = max.filter(|m| m != counter) {
                issues.push(format!(
                    "Sequence mismatch for {session_id}: counter={counter}, max_sequence={max}"
                ));
            }
        }
        issues
    }
}

impl Maintenance for MemoryStore {
    async fn execute(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        policy.validate()?;
        let now = self.env.now();
        let mut report = self.state().run_all(policy, now);
        let elapsed = self.env.now().as_micros() - now.as_micros();
        report.duration_ms = u64::try_from(elapsed / 1000).unwrap_or(0);
        Ok(report)
    }

    async fn plan(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        policy.validate()?;
        let now = self.env.now();
        // The very steps of `execute`, on a copy that is then dropped.
        let mut copy = self.state().clone();
        let mut report = copy.run_all(policy, now);
        let elapsed = self.env.now().as_micros() - now.as_micros();
        report.duration_ms = u64::try_from(elapsed / 1000).unwrap_or(0);
        Ok(report)
    }

    async fn prune_session_events(
        &self,
        session_id: &str,
        policy: &RetentionPolicy,
    ) -> Result<u64> {
        policy.check_not_negative()?;
        Ok(self.state().prune(session_id, policy))
    }

    async fn soft_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        policy.check_not_negative()?;
        let now = self.env.now();
        Ok(self.state().soft_delete(policy, now))
    }

    async fn hard_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        policy.check_not_negative()?;
        let now = self.env.now();
        Ok(self.state().hard_delete(policy, now))
    }

    async fn clean_orphaned_artifacts(&self) -> Result<u64> {
        Ok(self.state().clean_orphaned_artifacts())
    }

    async fn health_check(&self) -> Result<Vec<String>> {
        Ok(self.state().health_issues())
    }
}
