//! One request → one port call: [`decode`] parses with the core's JSON readers into a [`Call`]
//! (pure, no store: what the request-parsing fuzz target drives), [`execute`] calls the store
//! and answers with the core's serialisations. No domain logic lives here.

use asm_core::ports::{
    CostQuery, EventFilter, EventSearch, ExportOptions, FlushPayload, ListRuns, ListSessions,
    RunSearch, SessionSearch, UsageQuery,
};
use asm_core::{Error, ErrorCode, Event, NewArtifact, Result, RetentionPolicy, Run, Session};
use serde::Serialize;
use serde_json::Value;

use crate::convert::{body_json, query_json};
use crate::routes::Op;

pub use asm_core::ports::Store;

/// A routed request as the API sees it.
#[derive(Debug, Clone, Copy)]
pub struct ApiRequest<'a> {
    /// The operation.
    pub op: Op,
    /// Path parameters, in template order.
    pub params: &'a [String],
    /// The raw query string (without `?`).
    pub query: &'a str,
    /// The raw body.
    pub body: &'a [u8],
}

/// An answer: a status and a JSON body (`None` for 204).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body, if any.
    pub body: Option<Value>,
}

impl Reply {
    fn ok(value: impl Serialize) -> Result<Reply> {
        let body = serde_json::to_value(value)
            .map_err(|e| Error::new(ErrorCode::InternalError, e.to_string()))?;
        Ok(Reply { status: 200, body: Some(body) })
    }

    fn created(value: impl Serialize) -> Result<Reply> {
        Reply::ok(value).map(|r| Reply { status: 201, ..r })
    }

    fn no_content() -> Result<Reply> {
        Ok(Reply { status: 204, body: None })
    }
}

/// `{"<key>": value}` with status 200.
fn keyed(key: &str, value: impl Serialize) -> Result<Reply> {
    let value = serde_json::to_value(value)
        .map_err(|e| Error::new(ErrorCode::InternalError, e.to_string()))?;
    Reply::ok(serde_json::Map::from_iter([(key.to_owned(), value)]))
}

fn param<'a>(req: &ApiRequest<'a>, i: usize) -> Result<&'a str> {
    req.params
        .get(i)
        .map(String::as_str)
        .ok_or_else(|| Error::new(ErrorCode::InternalError, "missing path parameter"))
}

/// The id in the path must be the id in the body (a PUT names the resource it writes).
fn same_id(path_id: &str, body_id: &str, what: &str) -> Result<()> {
    if path_id == body_id {
        Ok(())
    } else {
        Err(Error::validation(format!(
            "{what} id in the path ({path_id}) differs from the body ({body_id})"
        )))
    }
}

/// A routed request decoded into the port call it asks for: the pure half of the API (path
/// parameters, query string and body read into the core's option structs, no store). Every
/// input is checked here, before the store is touched.
#[derive(Debug, Clone, PartialEq)]
// One Call lives per request, for the length of it: boxing the large payloads would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Call {
    /// `SessionStore::list_sessions`.
    ListSessions(ListSessions),
    /// `SessionStore::save_session`.
    SaveSession(Session),
    /// `SessionStore::get_session`.
    GetSession(String),
    /// `SessionStore::delete_session`.
    DeleteSession(String),
    /// `SessionStore::list_runs` of a session.
    ListRuns(String, ListRuns),
    /// `SessionStore::get_active_run` of a session.
    GetActiveRun(String),
    /// `SessionStore::save_run`.
    SaveRun(Run),
    /// `SessionStore::get_run`.
    GetRun(String),
    /// `SessionStore::append_event_with_sequence`.
    AppendEvent(Event),
    /// `SessionStore::append_events`.
    AppendEvents(Vec<Event>),
    /// `SessionStore::get_events` of a session.
    GetEvents(String, EventFilter),
    /// `SessionStore::get_latest_sequence` of a session.
    LatestSequence(String),
    /// `SessionStore::flush`.
    Flush(FlushPayload),
    /// `QueryApi::search_sessions`.
    SearchSessions(SessionSearch),
    /// `QueryApi::search_runs`.
    SearchRuns(RunSearch),
    /// `QueryApi::search_events`.
    SearchEvents(EventSearch),
    /// `QueryApi::count_events`.
    CountEvents(EventSearch),
    /// `QueryApi::get_usage_summary`.
    UsageSummary(UsageQuery),
    /// `QueryApi::get_cost_summary`.
    CostSummary(CostQuery),
    /// `QueryApi::get_session_stats` of a session.
    SessionStats(String),
    /// `QueryApi::export_session` of a session, with or without artifacts.
    ExportSession(String, bool),
    /// `Maintenance::execute`.
    MaintenanceExecute(RetentionPolicy),
    /// `Maintenance::plan`.
    MaintenancePlan(RetentionPolicy),
    /// `Maintenance::prune_session_events` of a session.
    PruneSessionEvents(String, RetentionPolicy),
    /// `Maintenance::soft_delete_expired_sessions`.
    SoftDeleteExpired(RetentionPolicy),
    /// `Maintenance::hard_delete_expired_sessions`.
    HardDeleteExpired(RetentionPolicy),
    /// `Maintenance::clean_orphaned_artifacts`.
    CleanOrphanedArtifacts,
    /// `Maintenance::health_check`.
    HealthCheck,
    /// `ArtifactRegistry::register`.
    RegisterArtifact(NewArtifact),
    /// `ArtifactRegistry::get_by_key`.
    GetArtifact(String),
    /// `ArtifactRegistry::delete`.
    DeleteArtifact(String),
    /// `ArtifactRegistry::list_by_session`.
    ListArtifacts(String),
    /// `ArtifactRegistry::session_stats`.
    ArtifactStats(String),
}

impl Call {
    /// The session the call reads or writes, when it names one (for the audit line).
    pub fn session_id(&self) -> Option<&str> {
        match self {
            Call::SaveSession(session) => Some(&session.id),
            Call::SaveRun(run) => Some(&run.session_id),
            Call::AppendEvent(event) => Some(&event.session_id),
            Call::AppendEvents(events) => events.first().map(|e| e.session_id.as_str()),
            Call::Flush(payload) => Some(&payload.session.id),
            Call::RegisterArtifact(artifact) => artifact.session_id.as_deref(),
            Call::GetSession(id)
            | Call::DeleteSession(id)
            | Call::ListRuns(id, _)
            | Call::GetActiveRun(id)
            | Call::GetEvents(id, _)
            | Call::LatestSequence(id)
            | Call::SessionStats(id)
            | Call::ExportSession(id, _)
            | Call::PruneSessionEvents(id, _)
            | Call::ListArtifacts(id)
            | Call::ArtifactStats(id) => Some(id),
            _ => None,
        }
    }
}

/// Decodes a routed request. Health, the OpenAPI document and the test reset are answered by
/// the entry point and are not calls.
pub fn decode(req: ApiRequest<'_>) -> Result<Call> {
    let body = || body_json(req.body);
    let query = || query_json(req.query);
    let id = || param(&req, 0).map(str::to_owned);
    Ok(match req.op {
        Op::ListSessions => Call::ListSessions(ListSessions::from_json(&query()?)?),
        Op::SaveSession => {
            let session = Session::from_map(&body()?)?;
            same_id(param(&req, 0)?, &session.id, "session")?;
            Call::SaveSession(session)
        }
        Op::GetSession => Call::GetSession(id()?),
        Op::DeleteSession => Call::DeleteSession(id()?),
        Op::ListRuns => {
            let filter = ListRuns::from_json(&query()?)?;
            Call::ListRuns(id()?, filter)
        }
        Op::GetActiveRun => Call::GetActiveRun(id()?),
        Op::SaveRun => {
            let run = Run::from_map(&body()?)?;
            same_id(param(&req, 0)?, &run.id, "run")?;
            Call::SaveRun(run)
        }
        Op::GetRun => Call::GetRun(id()?),
        Op::AppendEvent => Call::AppendEvent(Event::from_map(&body()?)?),
        Op::AppendEvents => Call::AppendEvents(Event::list_from_json(&body()?)?),
        Op::GetEvents => {
            let filter = EventFilter::from_json(&query()?)?;
            Call::GetEvents(id()?, filter)
        }
        Op::LatestSequence => Call::LatestSequence(id()?),
        Op::Flush => Call::Flush(FlushPayload::from_json(&body()?)?),
        Op::SearchSessions => Call::SearchSessions(SessionSearch::from_json(&body()?)?),
        Op::SearchRuns => Call::SearchRuns(RunSearch::from_json(&body()?)?),
        Op::SearchEvents => Call::SearchEvents(EventSearch::from_json(&body()?)?),
        Op::CountEvents => Call::CountEvents(EventSearch::from_json(&body()?)?),
        Op::UsageSummary => Call::UsageSummary(UsageQuery::from_json(&body()?)?),
        Op::CostSummary => Call::CostSummary(CostQuery::from_json(&body()?)?),
        Op::SessionStats => Call::SessionStats(id()?),
        Op::ExportSession => {
            let options = ExportOptions::from_json(&query()?)?;
            Call::ExportSession(id()?, options.include_artifacts)
        }
        Op::MaintenanceExecute => Call::MaintenanceExecute(RetentionPolicy::from_json(&body()?)?),
        Op::MaintenancePlan => Call::MaintenancePlan(RetentionPolicy::from_json(&body()?)?),
        Op::PruneSessionEvents => {
            let policy = RetentionPolicy::from_json(&body()?)?;
            Call::PruneSessionEvents(id()?, policy)
        }
        Op::SoftDeleteExpired => Call::SoftDeleteExpired(RetentionPolicy::from_json(&body()?)?),
        Op::HardDeleteExpired => Call::HardDeleteExpired(RetentionPolicy::from_json(&body()?)?),
        Op::CleanOrphanedArtifacts => Call::CleanOrphanedArtifacts,
        Op::HealthCheck => Call::HealthCheck,
        Op::RegisterArtifact => Call::RegisterArtifact(NewArtifact::from_json(&body()?)?),
        Op::GetArtifact => Call::GetArtifact(id()?),
        Op::DeleteArtifact => Call::DeleteArtifact(id()?),
        Op::ListArtifacts => Call::ListArtifacts(id()?),
        Op::ArtifactStats => Call::ArtifactStats(id()?),
        Op::Health | Op::OpenApi | Op::TestReset => {
            return Err(Error::new(
                ErrorCode::InternalError,
                "route is answered by the entry point",
            ));
        }
    })
}

/// Runs a decoded call on the store and shapes its answer.
pub async fn execute<S: Store>(store: &S, call: Call) -> Result<Reply> {
    match call {
        Call::ListSessions(filter) => keyed("sessions", store.list_sessions(&filter).await?),
        Call::SaveSession(session) => {
            store.save_session(&session).await?;
            Reply::ok(&session)
        }
        Call::GetSession(id) => Reply::ok(store.get_session(&id).await?),
        Call::DeleteSession(id) => {
            store.delete_session(&id).await?;
            Reply::no_content()
        }
        Call::ListRuns(id, filter) => keyed("runs", store.list_runs(&id, &filter).await?),
        Call::GetActiveRun(id) => keyed("run", store.get_active_run(&id).await?),
        Call::SaveRun(run) => {
            store.save_run(&run).await?;
            Reply::ok(&run)
        }
        Call::GetRun(id) => Reply::ok(store.get_run(&id).await?),
        Call::AppendEvent(event) => Reply::ok(store.append_event_with_sequence(&event).await?),
        Call::AppendEvents(events) => keyed("events", store.append_events(&events).await?),
        Call::GetEvents(id, filter) => keyed("events", store.get_events(&id, &filter).await?),
        Call::LatestSequence(id) => keyed("sequence", store.get_latest_sequence(&id).await?),
        Call::Flush(payload) => {
            store.flush(&payload).await?;
            Reply::no_content()
        }
        Call::SearchSessions(q) => Reply::ok(store.search_sessions(&q).await?),
        Call::SearchRuns(q) => Reply::ok(store.search_runs(&q).await?),
        Call::SearchEvents(q) => Reply::ok(store.search_events(&q).await?),
        Call::CountEvents(q) => keyed("count", store.count_events(&q).await?),
        Call::UsageSummary(q) => Reply::ok(store.get_usage_summary(&q).await?),
        Call::CostSummary(q) => Reply::ok(store.get_cost_summary(&q).await?),
        Call::SessionStats(id) => Reply::ok(store.get_session_stats(&id).await?),
        Call::ExportSession(id, include) => Reply::ok(store.export_session(&id, include).await?),
        Call::MaintenanceExecute(policy) => Reply::ok(store.execute(&policy).await?),
        Call::MaintenancePlan(policy) => Reply::ok(store.plan(&policy).await?),
        Call::PruneSessionEvents(id, policy) => {
            keyed("count", store.prune_session_events(&id, &policy).await?)
        }
        Call::SoftDeleteExpired(policy) => {
            keyed("count", store.soft_delete_expired_sessions(&policy).await?)
        }
        Call::HardDeleteExpired(policy) => {
            keyed("count", store.hard_delete_expired_sessions(&policy).await?)
        }
        Call::CleanOrphanedArtifacts => keyed("count", store.clean_orphaned_artifacts().await?),
        Call::HealthCheck => {
            let problems = store.health_check().await?;
            let healthy = Value::Bool(problems.is_empty());
            let problems = problems.into_iter().map(Value::String).collect();
            Reply::ok(serde_json::Map::from_iter([
                ("healthy".to_owned(), healthy),
                ("problems".to_owned(), problems),
            ]))
        }
        Call::RegisterArtifact(artifact) => Reply::created(store.register(artifact).await?),
        Call::GetArtifact(key) => match store.get_by_key(&key).await? {
            Some(artifact) => Reply::ok(artifact),
            None => Err(Error::new(ErrorCode::NotFound, "Artifact not found")
                .detail("reason", "artifact_not_found")),
        },
        Call::DeleteArtifact(key) => {
            store.delete(&key).await?;
            Reply::no_content()
        }
        Call::ListArtifacts(id) => keyed("artifacts", store.list_by_session(&id).await?),
        Call::ArtifactStats(id) => Reply::ok(store.session_stats(&id).await?),
    }
}

/// Runs the store operation of a routed request: [`decode`], then [`execute`].
pub async fn dispatch<S: Store>(store: &S, req: ApiRequest<'_>) -> Result<Reply> {
    execute(store, decode(req)?).await
}
