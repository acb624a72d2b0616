//! The ports of [`CompositeStore`], forwarded: sessions, queries, maintenance and the registry
//! to the session store as they are; artifact bytes to the artifact store, guarded (sql §7.4).

use super::CompositeStore;
use crate::artifact::{Artifact, ArtifactStats, NewArtifact};
use crate::blob::{BlobInfo, BlobRead, ByteRange, ByteStream, PutOptions, store_failed};
use crate::error::{ErrorCode, Result};
use crate::event::Event;
use crate::ports::*;
use crate::retention::RetentionPolicy;
use crate::run::Run;
use crate::session::Session;

impl<S: SessionStore, A> SessionStore for CompositeStore<S, A> {
    async fn save_session(&self, session: &Session) -> Result<()> {
        self.store.save_session(session).await
    }
    async fn get_session(&self, session_id: &str) -> Result<Session> {
        self.store.get_session(session_id).await
    }
    async fn list_sessions(&self, filter: &ListSessions) -> Result<Vec<Session>> {
        self.store.list_sessions(filter).await
    }
    async fn delete_session(&self, session_id: &str) -> Result<()> {
        self.store.delete_session(session_id).await
    }
    async fn save_run(&self, run: &Run) -> Result<()> {
        self.store.save_run(run).await
    }
    async fn get_run(&self, run_id: &str) -> Result<Run> {
        self.store.get_run(run_id).await
    }
    async fn list_runs(&self, session_id: &str, filter: &ListRuns) -> Result<Vec<Run>> {
        self.store.list_runs(session_id, filter).await
    }
    async fn get_active_run(&self, session_id: &str) -> Result<Option<Run>> {
        self.store.get_active_run(session_id).await
    }
    async fn append_event(&self, event: &Event) -> Result<()> {
        self.store.append_event(event).await
    }
    async fn append_event_with_sequence(&self, event: &Event) -> Result<Event> {
        self.store.append_event_with_sequence(event).await
    }
    async fn append_events(&self, events: &[Event]) -> Result<Vec<Event>> {
        self.store.append_events(events).await
    }
    async fn flush(&self, payload: &FlushPayload) -> Result<()> {
        self.store.flush(payload).await
    }
    async fn get_events(&self, session_id: &str, filter: &EventFilter) -> Result<Vec<Event>> {
        self.store.get_events(session_id, filter).await
    }
    async fn get_latest_sequence(&self, session_id: &str) -> Result<i64> {
        self.store.get_latest_sequence(session_id).await
    }
}

impl<S: QueryApi, A> QueryApi for CompositeStore<S, A> {
    async fn search_sessions(&self, query: &SessionSearch) -> Result<SessionPage> {
        self.store.search_sessions(query).await
    }
    async fn get_session_stats(&self, session_id: &str) -> Result<SessionStats> {
        self.store.get_session_stats(session_id).await
    }
    async fn search_runs(&self, query: &RunSearch) -> Result<RunPage> {
        self.store.search_runs(query).await
    }
    async fn get_usage_summary(&self, query: &UsageQuery) -> Result<UsageSummary> {
        self.store.get_usage_summary(query).await
    }
    async fn get_cost_summary(&self, query: &CostQuery) -> Result<CostSummary> {
        self.store.get_cost_summary(query).await
    }
    async fn search_events(&self, query: &EventSearch) -> Result<EventPage> {
        self.store.search_events(query).await
    }
    async fn count_events(&self, query: &EventSearch) -> Result<u64> {
        self.store.count_events(query).await
    }
    async fn export_session(
        &self,
        session_id: &str,
        include_artifacts: bool,
    ) -> Result<SessionExport> {
        self.store.export_session(session_id, include_artifacts).await
    }
}

impl<S: ArtifactRegistry, A> ArtifactRegistry for CompositeStore<S, A> {
    async fn register(&self, attrs: NewArtifact) -> Result<Artifact> {
        self.store.register(attrs).await
    }
    async fn get_by_key(&self, key: &str) -> Result<Option<Artifact>> {
        self.store.get_by_key(key).await
    }
    async fn list_by_session(&self, session_id: &str) -> Result<Vec<Artifact>> {
        self.store.list_by_session(session_id).await
    }
    async fn session_stats(&self, session_id: &str) -> Result<ArtifactStats> {
        self.store.session_stats(session_id).await
    }
    async fn delete(&self, key: &str) -> Result<()> {
        self.store.delete(key).await
    }
}

impl<S: Maintenance + ArtifactRegistry + ArtifactScan + ArchiveAccess, A: ArtifactStore> Maintenance
    for CompositeStore<S, A>
{
    /// The session store's maintenance, then (when it succeeded) a sweep of the bytes that
    /// hard delete and the orphaned-artifact step left without a row; a failed sweep is one more
    /// message in `errors`. With `archive_before_prune`, hard delete and pruning archive what
    /// they remove first (`super::archive`).
    async fn execute(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        let mut report = match policy.archive_before_prune {
            true => self.execute_archiving(policy).await?,
            false => self.store.execute(policy).await?,
        };
        if let Err(e) = self.sweep().await {
            report.errors.push(e.message().to_owned());
            report.complete = false;
            report.remaining.push("sweep_artifact_bytes".to_owned());
        }
        Ok(report)
    }
    async fn plan(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        self.store.plan(policy).await
    }
    async fn prune_session_events(
        &self,
        session_id: &str,
        policy: &RetentionPolicy,
    ) -> Result<u64> {
        match policy.archive_before_prune {
            true => self.prune_one_archived(session_id, policy).await,
            false => self.store.prune_session_events(session_id, policy).await,
        }
    }
    async fn soft_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        self.store.soft_delete_expired_sessions(policy).await
    }
    async fn hard_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        match policy.archive_before_prune {
            true => self.hard_delete_all_archived(policy).await,
            false => self.store.hard_delete_expired_sessions(policy).await,
        }
    }
    async fn clean_orphaned_artifacts(&self) -> Result<u64> {
        self.store.clean_orphaned_artifacts().await
    }
    /// The session store's findings, then the artifacts': live rows whose bytes are missing or
    /// differ, and bytes older than the grace period that no row describes.
    async fn health_check(&self) -> Result<Vec<String>> {
        let mut issues = self.store.health_check().await?;
        issues.extend(self.blob_health().await?);
        Ok(issues)
    }
}

/// ASM's guard around an artifact call: a backend's own failure becomes `storage_error`
/// "Artifact store <op> failed: <message>" (its details kept); `not_found` and refused input
/// pass as they are.
pub(super) fn guarded<T>(op: &str, result: Result<T>) -> Result<T> {
    result.map_err(|e| match e.code() {
        ErrorCode::NotFound | ErrorCode::ValidationError => e,
        _ if e.message().starts_with("Artifact store ") => e,
        _ => e
            .details()
            .iter()
            .fold(store_failed(op, e.message()), |out, (k, v)| out.detail(k, v.clone())),
    })
}

impl<S, A: ArtifactStore> ArtifactStore for CompositeStore<S, A> {
    fn backend(&self) -> &str {
        self.blobs.backend()
    }
    async fn put(&self, key: &str, body: ByteStream<'_>, options: &PutOptions) -> Result<BlobInfo> {
        guarded("put", self.blobs.put(key, body, options).await)
    }
    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<BlobRead<'_>> {
        guarded("get", self.blobs.get(key, range).await)
    }
    async fn head(&self, key: &str) -> Result<Option<BlobInfo>> {
        guarded("head", self.blobs.head(key).await)
    }
    async fn delete(&self, key: &str) -> Result<()> {
        guarded("delete", self.blobs.delete(key).await)
    }
    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<BlobInfo>> {
        guarded("list", self.blobs.list(prefix, after, limit).await)
    }
}
