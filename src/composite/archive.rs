//! Archive before prune: with `archive_before_prune`, the composite runs hard delete and
//! pruning itself, writing each session's removed events to its artifact store under the
//! policy's `archive_store` prefix before deleting exactly those events ([`crate::archive`]).

use super::CompositeStore;
use super::forward::guarded;
use crate::archive::{ArchiveContent, ArchiveReason, ImportReport, import, write_archive};
use crate::blob::check_key;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::ports::{
    ArchiveAccess, ArtifactStore, Maintenance, MaintenanceReport, Removal, Removed,
};
use crate::retention::{Limit, RetentionPolicy, prune_selection};
use crate::time::Timestamp;

const SOFT: &str = "soft_delete_expired_sessions";
const HARD: &str = "hard_delete_expired_sessions";
const PRUNE: &str = "prune_session_events";

/// Sessions per candidate page.
const CANDIDATE_PAGE: u64 = 100;

/// The archive prefix of a validated policy that archives, checked as a key prefix.
pub(super) fn archive_prefix(policy: &RetentionPolicy) -> Result<&str> {
    let prefix = policy.archive_store.as_deref().unwrap_or_default().trim_end_matches('/');
    check_key(prefix).map_err(|e| {
        Error::validation(format!(
            "archive_store must be a key prefix in the composite's artifact store: {}",
            e.message()
        ))
    })?;
    Ok(prefix)
}

/// A message of `errors` for one session's archive step.
fn session_error(step: ArchiveReason, session_id: &str, e: &Error) -> String {
    format!("archive before {} of session {session_id} failed: {}", step.as_str(), e.message())
}

impl<S: Maintenance + ArchiveAccess, A: ArtifactStore> CompositeStore<S, A> {
    /// `execute` with `archive_before_prune`: soft delete through the session store, hard
    /// delete and pruning here (archive, then delete exactly what was archived), then the
    /// orphan steps through the session store with the three retention steps turned off.
    pub(super) async fn execute_archiving(
        &self,
        policy: &RetentionPolicy,
    ) -> Result<MaintenanceReport> {
        policy.validate()?;
        let prefix = archive_prefix(policy)?;
        let started = self.env.now();
        let mut r = MaintenanceReport::default();
        match self.store.soft_delete_expired_sessions(policy).await {
            Ok(n) => r.sessions_soft_deleted = n,
            Err(e) => {
                r.errors.push(e.message().to_owned());
                r.remaining.push(SOFT.to_owned());
            }
        }
        let before = r.errors.len();
        if let Err(e) = self.hard_delete_archived(policy, prefix, &mut r).await {
            r.errors.push(e.message().to_owned());
        }
        if r.errors.len() > before {
            r.remaining.push(HARD.to_owned());
        }
        let before = r.errors.len();
        if let Err(e) = self.prune_archived(policy, prefix, &mut r).await {
            r.errors.push(e.message().to_owned());
        }
        if r.errors.len() > before {
            r.remaining.push(PRUNE.to_owned());
        }
        let rest = RetentionPolicy {
            max_completed_session_age_days: Limit::Infinity,
            hard_delete_after_days: Limit::Infinity,
            max_events_per_session: Limit::Infinity,
            archive_before_prune: false,
            archive_store: None,
            ..policy.clone()
        };
        let orphans = self.store.execute(&rest).await?;
        r.artifacts_cleaned = orphans.artifacts_cleaned;
        r.orphaned_sequences_cleaned = orphans.orphaned_sequences_cleaned;
        r.errors.extend(orphans.errors);
        r.remaining.extend(orphans.remaining);
        r.complete = r.remaining.is_empty();
        let elapsed = self.env.now().as_micros() - started.as_micros();
        r.duration_ms = u64::try_from(elapsed / 1000).unwrap_or(0);
        Ok(r)
    }

    /// Hard delete, archiving each session first; a session whose archive fails stays whole
    /// and adds its message to `errors`.
    async fn hard_delete_archived(
        &self,
        policy: &RetentionPolicy,
        prefix: &str,
        r: &mut MaintenanceReport,
    ) -> Result<()> {
        let Some(days) = policy.hard_delete_after_days.finite() else { return Ok(()) };
        let cutoff = self.env.now().add_days(-days);
        let mut after: Option<String> = None;
        loop {
            let ids =
                self.store.hard_delete_candidates(cutoff, after.as_deref(), CANDIDATE_PAGE).await?;
            for id in &ids {
                match self.archive_and_hard_delete(prefix, id).await {
                    Ok(removed) => r.sessions_hard_deleted += u64::from(removed.session),
                    Err(e) => r.errors.push(session_error(ArchiveReason::HardDelete, id, &e)),
                }
            }
            if (ids.len() as u64) < CANDIDATE_PAGE {
                return Ok(());
            }
            after = ids.last().cloned();
        }
    }

    /// Pruning, archiving each session's pruned events first; a session whose archive fails
    /// keeps all its events and adds its message to `errors`.
    async fn prune_archived(
        &self,
        policy: &RetentionPolicy,
        prefix: &str,
        r: &mut MaintenanceReport,
    ) -> Result<()> {
        let mut after: Option<String> = None;
        loop {
            let ids = self.store.prune_candidates(policy, after.as_deref(), CANDIDATE_PAGE).await?;
            for id in &ids {
                match self.archive_and_prune(policy, prefix, id).await {
                    Ok(n) => r.events_pruned += n,
                    Err(e) => r.errors.push(session_error(ArchiveReason::Prune, id, &e)),
                }
            }
            if (ids.len() as u64) < CANDIDATE_PAGE {
                return Ok(());
            }
            after = ids.last().cloned();
        }
    }

    /// One session's hard delete: its row, runs and events archived, then exactly those
    /// removed (the row only when nothing written since is left).
    async fn archive_and_hard_delete(&self, prefix: &str, session_id: &str) -> Result<Removed> {
        let snap = self.store.snapshot(session_id).await?;
        let Some(session) = snap.session.as_ref().filter(|s| s.deleted_at.is_some()) else {
            return Ok(Removed::default());
        };
        let content = ArchiveContent {
            session_id,
            reason: ArchiveReason::HardDelete,
            events: &snap.events,
            session: Some(session),
            runs: &snap.runs,
        };
        self.write(prefix, content).await?;
        let events: Vec<String> = snap.events.iter().map(|e| e.id.clone()).collect();
        let runs: Vec<String> = snap.runs.iter().map(|r| r.id.clone()).collect();
        let removal = Removal::Session { events: &events, runs: &runs };
        self.store.remove_archived(session_id, removal).await
    }

    /// One session's pruning: the events `prune_selection` picks from its log as read now,
    /// archived, then exactly those deleted; returns how many went.
    async fn archive_and_prune(
        &self,
        policy: &RetentionPolicy,
        prefix: &str,
        session_id: &str,
    ) -> Result<u64> {
        let snap = self.store.snapshot(session_id).await?;
        let types: Vec<&str> = snap.events.iter().map(|e| e.event_type.as_str()).collect();
        let chosen: Vec<Event> =
            prune_selection(&types, policy).into_iter().map(|i| snap.events[i].clone()).collect();
        if chosen.is_empty() {
            return Ok(0);
        }
        let content = ArchiveContent {
            session_id,
            reason: ArchiveReason::Prune,
            events: &chosen,
            session: None,
            runs: &[],
        };
        self.write(prefix, content).await?;
        let ids: Vec<String> = chosen.iter().map(|e| e.id.clone()).collect();
        Ok(self.store.remove_archived(session_id, Removal::Events(&ids)).await?.events)
    }

    /// Writes one archive, a backend failure answered as `storage_error` "Artifact store put
    /// failed: …".
    async fn write(&self, prefix: &str, content: ArchiveContent<'_>) -> Result<()> {
        let now: Timestamp = self.env.now();
        guarded("put", write_archive(&self.blobs, prefix, content, now).await).map(drop)
    }

    /// `prune_session_events` with archiving: that session's pruned events archived first.
    pub(super) async fn prune_one_archived(
        &self,
        session_id: &str,
        policy: &RetentionPolicy,
    ) -> Result<u64> {
        policy.check_not_negative()?;
        let prefix = archive_prefix(policy)?;
        self.archive_and_prune(policy, prefix, session_id).await
    }

    /// `hard_delete_expired_sessions` with archiving: every session is tried; when one failed
    /// (and kept everything), the first failure is the answer.
    pub(super) async fn hard_delete_all_archived(&self, policy: &RetentionPolicy) -> Result<u64> {
        policy.check_not_negative()?;
        let prefix = archive_prefix(policy)?;
        let mut r = MaintenanceReport::default();
        self.hard_delete_archived(policy, prefix, &mut r).await?;
        match r.errors.first() {
            Some(message) => Err(Error::new(crate::ErrorCode::MaintenanceError, message.clone())),
            None => Ok(r.sessions_hard_deleted),
        }
    }

    /// Restores the archives under `prefix` (all of them, or one session's) into the session
    /// store: see [`crate::archive::import`].
    pub async fn import_archives(
        &self,
        prefix: &str,
        session_id: Option<&str>,
    ) -> Result<ImportReport> {
        import(&self.store, &self.blobs, prefix, session_id).await
    }
}
