//! The four exported interfaces: each function converts, calls the core's store, converts back.

use asm_core::ports::{ArtifactRegistry, Maintenance, QueryApi, SessionStore};

use crate::bindings::asm::session_store::types as wit;
use crate::bindings::exports::asm::session_store::{
    artifact_registry, maintenance, query_api, redaction, session_store,
};
use crate::convert::{list, redaction_config, try_list};
use crate::{Component, call, configure_redaction, write};

type Out<T> = Result<T, wit::Error>;

impl session_store::Guest for Component {
    fn save_session(session: wit::Session) -> Out<()> {
        let session = session.try_into()?;
        Ok(call(async |s| s.save_session(&session).await)?)
    }

    fn get_session(session_id: String) -> Out<wit::Session> {
        Ok(call(async |s| s.get_session(&session_id).await)?.into())
    }

    fn list_sessions(filter: wit::ListSessionsFilter) -> Out<Vec<wit::Session>> {
        let filter = filter.try_into()?;
        Ok(list(call(async |s| s.list_sessions(&filter).await)?))
    }

    fn delete_session(session_id: String) -> Out<()> {
        Ok(call(async |s| s.delete_session(&session_id).await)?)
    }

    fn save_run(run: wit::Run) -> Out<()> {
        let run = run.try_into()?;
        Ok(call(async |s| s.save_run(&run).await)?)
    }

    fn get_run(run_id: String) -> Out<wit::Run> {
        Ok(call(async |s| s.get_run(&run_id).await)?.into())
    }

    fn list_runs(session_id: String, filter: wit::ListRunsFilter) -> Out<Vec<wit::Run>> {
        let filter = filter.try_into()?;
        Ok(list(call(async |s| s.list_runs(&session_id, &filter).await)?))
    }

    fn get_active_run(session_id: String) -> Out<Option<wit::Run>> {
        Ok(call(async |s| s.get_active_run(&session_id).await)?.map(Into::into))
    }

    fn append_event(event: wit::Event) -> Out<()> {
        let event = event.try_into()?;
        Ok(write(async |s| s.append_event(&event).await)?)
    }

    fn append_event_with_sequence(event: wit::Event) -> Out<wit::Event> {
        let event = event.try_into()?;
        Ok(write(async |s| s.append_event_with_sequence(&event).await)?.into())
    }

    fn append_events(events: Vec<wit::Event>) -> Out<Vec<wit::Event>> {
        let events = try_list(events)?;
        Ok(list(write(async |s| s.append_events(&events).await)?))
    }

    fn flush(payload: wit::FlushPayload) -> Out<()> {
        let payload = payload.try_into()?;
        Ok(write(async |s| s.flush(&payload).await)?)
    }

    fn get_events(session_id: String, filter: wit::EventFilter) -> Out<Vec<wit::Event>> {
        let filter = filter.try_into()?;
        Ok(list(call(async |s| s.get_events(&session_id, &filter).await)?))
    }

    fn get_latest_sequence(session_id: String) -> Out<i64> {
        Ok(call(async |s| s.get_latest_sequence(&session_id).await)?)
    }
}

impl query_api::Guest for Component {
    fn search_sessions(query: wit::SessionSearch) -> Out<wit::SessionPage> {
        let query = query.try_into()?;
        Ok(call(async |s| s.search_sessions(&query).await)?.into())
    }

    fn get_session_stats(session_id: String) -> Out<wit::SessionStats> {
        Ok(call(async |s| s.get_session_stats(&session_id).await)?.into())
    }

    fn search_runs(query: wit::RunSearch) -> Out<wit::RunPage> {
        let query = query.try_into()?;
        Ok(call(async |s| s.search_runs(&query).await)?.into())
    }

    fn get_usage_summary(query: wit::UsageQuery) -> Out<wit::UsageSummary> {
        let query = query.into();
        Ok(call(async |s| s.get_usage_summary(&query).await)?.into())
    }

    fn get_cost_summary(query: wit::CostQuery) -> Out<wit::CostSummary> {
        let query = query.into();
        Ok(call(async |s| s.get_cost_summary(&query).await)?.into())
    }

    fn search_events(query: wit::EventSearch) -> Out<wit::EventPage> {
        let query = query.try_into()?;
        Ok(call(async |s| s.search_events(&query).await)?.into())
    }

    fn count_events(query: wit::EventSearch) -> Out<u64> {
        let query = query.try_into()?;
        Ok(call(async |s| s.count_events(&query).await)?)
    }

    fn export_session(session_id: String, include_artifacts: bool) -> Out<wit::SessionExport> {
        Ok(call(async |s| s.export_session(&session_id, include_artifacts).await)?.into())
    }
}

impl maintenance::Guest for Component {
    fn execute(policy: wit::RetentionPolicy) -> Out<wit::MaintenanceReport> {
        let policy = policy.try_into()?;
        Ok(call(async |s| s.execute(&policy).await)?.into())
    }

    fn plan(policy: wit::RetentionPolicy) -> Out<wit::MaintenanceReport> {
        let policy = policy.try_into()?;
        Ok(call(async |s| s.plan(&policy).await)?.into())
    }

    fn prune_session_events(session_id: String, policy: wit::RetentionPolicy) -> Out<u64> {
        let policy = policy.try_into()?;
        Ok(call(async |s| s.prune_session_events(&session_id, &policy).await)?)
    }

    fn soft_delete_expired_sessions(policy: wit::RetentionPolicy) -> Out<u64> {
        let policy = policy.try_into()?;
        Ok(call(async |s| s.soft_delete_expired_sessions(&policy).await)?)
    }

    fn hard_delete_expired_sessions(policy: wit::RetentionPolicy) -> Out<u64> {
        let policy = policy.try_into()?;
        Ok(call(async |s| s.hard_delete_expired_sessions(&policy).await)?)
    }

    fn clean_orphaned_artifacts() -> Out<u64> {
        Ok(call(async |s| s.clean_orphaned_artifacts().await)?)
    }

    fn health_check() -> Out<Vec<String>> {
        Ok(call(async |s| s.health_check().await)?)
    }
}

impl artifact_registry::Guest for Component {
    fn register(attrs: wit::NewArtifact) -> Out<wit::Artifact> {
        let attrs = attrs.try_into()?;
        Ok(call(async |s| s.register(attrs).await)?.into())
    }

    fn get_by_key(key: String) -> Out<Option<wit::Artifact>> {
        Ok(call(async |s| s.get_by_key(&key).await)?.map(Into::into))
    }

    fn list_by_session(session_id: String) -> Out<Vec<wit::Artifact>> {
        Ok(list(call(async |s| s.list_by_session(&session_id).await)?))
    }

    fn session_stats(session_id: String) -> Out<wit::ArtifactStats> {
        Ok(call(async |s| s.session_stats(&session_id).await)?.into())
    }

    fn delete(key: String) -> Out<()> {
        Ok(call(async |s| s.delete(&key).await)?)
    }
}

impl redaction::Guest for Component {
    fn configure(config: wit::RedactionConfig) -> Out<()> {
        Ok(configure_redaction(redaction_config(config)?)?)
    }

    fn last_redactions() -> Vec<wit::EventRedaction> {
        crate::LAST.with(|last| last.borrow().iter().map(Into::into).collect())
    }
}
