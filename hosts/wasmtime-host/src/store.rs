//! [`ComponentStore`]: the component's exports behind the core's port traits.

use std::cell::RefCell;

use asm_core::ports::{
    ArtifactRegistry, CostQuery, CostSummary, EventFilter, EventPage, EventSearch, FlushPayload,
    ListRuns, ListSessions, Maintenance, MaintenanceReport, QueryApi, RunPage, RunSearch,
    SessionExport, SessionPage, SessionSearch, SessionStats, SessionStore, UsageQuery,
    UsageSummary,
};
use asm_core::redactor::EventRedaction;
use asm_core::{
    Artifact, ArtifactStats, Error, ErrorCode, Event, NewArtifact, RetentionPolicy, Run, Session,
};
use wasmtime::Store;

use crate::bindings;
use crate::bindings::asm::session_store::types as wit;
use crate::convert::try_list;
use crate::host::HostState;

type Result<T> = std::result::Result<T, Error>;

/// One component instance over one database: a store with ASM's behaviour, reached through the
/// WIT exports. Calls are serialised (the instance runs one call at a time).
pub struct ComponentStore<E: 'static> {
    store: RefCell<Store<HostState<E>>>,
    world: bindings::Store,
}

impl<E: 'static> ComponentStore<E> {
    pub(crate) fn new(store: Store<HostState<E>>, world: bindings::Store) -> ComponentStore<E> {
        ComponentStore { store: RefCell::new(store), world }
    }

    /// Runs `f` on the executor behind the instance, e.g. to dump the rows in a test.
    pub fn with_executor<T>(&self, f: impl FnOnce(&E) -> T) -> T {
        f(&self.store.borrow().data().executor)
    }

    /// Calls one export with WIT values of the caller's making (the ports below use it; tests
    /// of the WIT boundary send values no port would). A trap (or a call into an instance that
    /// trapped before) is `internal_error` with wasmtime's message; the guest's own errors come
    /// back as they are.
    pub fn call<W>(
        &self,
        f: impl FnOnce(
            &bindings::Store,
            &mut Store<HostState<E>>,
        ) -> wasmtime::Result<std::result::Result<W, wit::Error>>,
    ) -> Result<W> {
        let mut store = self
            .store
            .try_borrow_mut()
            .map_err(|_| Error::new(ErrorCode::InternalError, "component store re-entered"))?;
        match f(&self.world, &mut store) {
            Ok(Ok(out)) => Ok(out),
            Ok(Err(e)) => Err(e.into()),
            Err(trap) => Err(Error::new(
                ErrorCode::InternalError,
                format!("component call failed: {trap:#}"),
            )),
        }
    }
}

impl<E: 'static> ComponentStore<E> {
    /// Sets the instance's redaction (`redaction.configure`): call it before any other export,
    /// as the store is opened; afterwards it is `invalid_operation`.
    pub fn configure_redaction(&self, config: &wit::RedactionConfig) -> Result<()> {
        self.call(|w, s| w.asm_session_store_redaction().call_configure(s, config))
    }

    /// What the instance's most recent write redacted (`redaction.last-redactions`).
    pub fn last_redactions(&self) -> Result<Vec<EventRedaction>> {
        let list =
            self.call(|w, s| w.asm_session_store_redaction().call_last_redactions(s).map(Ok))?;
        Ok(list
            .into_iter()
            .map(|r| EventRedaction {
                event_id: r.event_id,
                session_id: r.session_id,
                redaction_count: r.redaction_count as usize,
                fields_redacted: r.fields_redacted,
            })
            .collect())
    }
}

impl<E: 'static> SessionStore for ComponentStore<E> {
    async fn save_session(&self, session: &Session) -> Result<()> {
        let session = session.clone().into();
        self.call(|w, s| w.asm_session_store_session_store().call_save_session(s, &session))
    }

    async fn get_session(&self, session_id: &str) -> Result<Session> {
        self.call(|w, s| w.asm_session_store_session_store().call_get_session(s, session_id))?
            .try_into()
    }

    async fn list_sessions(&self, filter: &ListSessions) -> Result<Vec<Session>> {
        let filter = filter.clone().into();
        try_list(
            self.call(|w, s| w.asm_session_store_session_store().call_list_sessions(s, &filter))?,
        )
    }

    async fn delete_session(&self, session_id: &str) -> Result<()> {
        self.call(|w, s| w.asm_session_store_session_store().call_delete_session(s, session_id))
    }

    async fn save_run(&self, run: &Run) -> Result<()> {
        let run = run.clone().into();
        self.call(|w, s| w.asm_session_store_session_store().call_save_run(s, &run))
    }

    async fn get_run(&self, run_id: &str) -> Result<Run> {
        self.call(|w, s| w.asm_session_store_session_store().call_get_run(s, run_id))?.try_into()
    }

    async fn list_runs(&self, session_id: &str, filter: &ListRuns) -> Result<Vec<Run>> {
        let filter = filter.clone().into();
        try_list(self.call(|w, s| {
            w.asm_session_store_session_store().call_list_runs(s, session_id, &filter)
        })?)
    }

    async fn get_active_run(&self, session_id: &str) -> Result<Option<Run>> {
        let run = self
            .call(|w, s| w.asm_session_store_session_store().call_get_active_run(s, session_id))?;
        run.map(TryInto::try_into).transpose()
    }

    async fn append_event(&self, event: &Event) -> Result<()> {
        let event = event.clone().into();
        self.call(|w, s| w.asm_session_store_session_store().call_append_event(s, &event))
    }

    async fn append_event_with_sequence(&self, event: &Event) -> Result<Event> {
        let event = event.clone().into();
        self.call(|w, s| {
            w.asm_session_store_session_store().call_append_event_with_sequence(s, &event)
        })?
        .try_into()
    }

    async fn append_events(&self, events: &[Event]) -> Result<Vec<Event>> {
        let events: Vec<wit::Event> = events.iter().cloned().map(Into::into).collect();
        try_list(
            self.call(|w, s| w.asm_session_store_session_store().call_append_events(s, &events))?,
        )
    }

    async fn flush(&self, payload: &FlushPayload) -> Result<()> {
        let payload = payload.clone().into();
        self.call(|w, s| w.asm_session_store_session_store().call_flush(s, &payload))
    }

    async fn get_events(&self, session_id: &str, filter: &EventFilter) -> Result<Vec<Event>> {
        let filter = filter.clone().into();
        try_list(self.call(|w, s| {
            w.asm_session_store_session_store().call_get_events(s, session_id, &filter)
        })?)
    }

    async fn get_latest_sequence(&self, session_id: &str) -> Result<i64> {
        self.call(|w, s| {
            w.asm_session_store_session_store().call_get_latest_sequence(s, session_id)
        })
    }
}

impl<E: 'static> QueryApi for ComponentStore<E> {
    async fn search_sessions(&self, query: &SessionSearch) -> Result<SessionPage> {
        let query = query.clone().into();
        self.call(|w, s| w.asm_session_store_query_api().call_search_sessions(s, &query))?
            .try_into()
    }

    async fn get_session_stats(&self, session_id: &str) -> Result<SessionStats> {
        self.call(|w, s| w.asm_session_store_query_api().call_get_session_stats(s, session_id))?
            .try_into()
    }

    async fn search_runs(&self, query: &RunSearch) -> Result<RunPage> {
        let query = query.clone().into();
        self.call(|w, s| w.asm_session_store_query_api().call_search_runs(s, &query))?.try_into()
    }

    async fn get_usage_summary(&self, query: &UsageQuery) -> Result<UsageSummary> {
        let query = query.clone().into();
        Ok(self
            .call(|w, s| w.asm_session_store_query_api().call_get_usage_summary(s, &query))?
            .into())
    }

    async fn get_cost_summary(&self, query: &CostQuery) -> Result<CostSummary> {
        let query = query.clone().into();
        Ok(self
            .call(|w, s| w.asm_session_store_query_api().call_get_cost_summary(s, &query))?
            .into())
    }

    async fn search_events(&self, query: &EventSearch) -> Result<EventPage> {
        let query = query.clone().into();
        self.call(|w, s| w.asm_session_store_query_api().call_search_events(s, &query))?.try_into()
    }

    async fn count_events(&self, query: &EventSearch) -> Result<u64> {
        let query = query.clone().into();
        self.call(|w, s| w.asm_session_store_query_api().call_count_events(s, &query))
    }

    async fn export_session(
        &self,
        session_id: &str,
        include_artifacts: bool,
    ) -> Result<SessionExport> {
        self.call(|w, s| {
            w.asm_session_store_query_api().call_export_session(s, session_id, include_artifacts)
        })?
        .try_into()
    }
}

impl<E: 'static> Maintenance for ComponentStore<E> {
    async fn execute(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        let policy = policy.clone().into();
        Ok(self.call(|w, s| w.asm_session_store_maintenance().call_execute(s, &policy))?.into())
    }

    async fn plan(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        let policy = policy.clone().into();
        Ok(self.call(|w, s| w.asm_session_store_maintenance().call_plan(s, &policy))?.into())
    }

    async fn prune_session_events(
        &self,
        session_id: &str,
        policy: &RetentionPolicy,
    ) -> Result<u64> {
        let policy = policy.clone().into();
        self.call(|w, s| {
            w.asm_session_store_maintenance().call_prune_session_events(s, session_id, &policy)
        })
    }

    async fn soft_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        let policy = policy.clone().into();
        self.call(|w, s| {
            w.asm_session_store_maintenance().call_soft_delete_expired_sessions(s, &policy)
        })
    }

    async fn hard_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        let policy = policy.clone().into();
        self.call(|w, s| {
            w.asm_session_store_maintenance().call_hard_delete_expired_sessions(s, &policy)
        })
    }

    async fn clean_orphaned_artifacts(&self) -> Result<u64> {
        self.call(|w, s| w.asm_session_store_maintenance().call_clean_orphaned_artifacts(s))
    }

    async fn health_check(&self) -> Result<Vec<String>> {
        self.call(|w, s| w.asm_session_store_maintenance().call_health_check(s))
    }
}

impl<E: 'static> ArtifactRegistry for ComponentStore<E> {
    async fn register(&self, attrs: NewArtifact) -> Result<Artifact> {
        let attrs = attrs.into();
        self.call(|w, s| w.asm_session_store_artifact_registry().call_register(s, &attrs))?
            .try_into()
    }

    async fn get_by_key(&self, key: &str) -> Result<Option<Artifact>> {
        let artifact =
            self.call(|w, s| w.asm_session_store_artifact_registry().call_get_by_key(s, key))?;
        artifact.map(TryInto::try_into).transpose()
    }

    async fn list_by_session(&self, session_id: &str) -> Result<Vec<Artifact>> {
        try_list(self.call(|w, s| {
            w.asm_session_store_artifact_registry().call_list_by_session(s, session_id)
        })?)
    }

    async fn session_stats(&self, session_id: &str) -> Result<ArtifactStats> {
        Ok(self
            .call(|w, s| w.asm_session_store_artifact_registry().call_session_stats(s, session_id))?
            .into())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.call(|w, s| w.asm_session_store_artifact_registry().call_delete(s, key))
    }
}
