//! One request → one port call: [`decode`] parses with the core's JSON readers into a [`Call`]
//! (pure, no store: what the request-parsing fuzz target drives), [`execute`] calls the store
//! and answers with the core's serialisations. No domain logic lives here: the creating routes
//! run the core's `Session::new`, `Run::new` and `Event::new` with the Worker's [`Env`].

use asm_core::live::Follow;
use asm_core::ports::{
    CostQuery, EventFilter, EventSearch, ExportOptions, FlushPayload, ListRuns, ListSessions,
    RunSearch, SessionSearch, UsageQuery,
};
use asm_core::{
    Env, Error, ErrorCode, Event, NewArtifact, NewEvent, NewRun, NewSession, Result,
    RetentionPolicy, Run, Session,
};
use serde::Serialize;
use serde_json::Value;

use crate::convert::{body_json, query_json};
use crate::routes::Op;

/// The longest long-poll the events route holds a request for (a larger `wait_timeout_ms` is
/// cut to it): a waiting request pins an isolate's memory and a connection, so it must end.
pub const MAX_WAIT_MS: u64 = 30_000;

/// How long an event stream stays quiet before it sends a heartbeat.
pub const HEARTBEAT_MS: u64 = 15_000;

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
    pub(crate) fn ok(value: impl Serialize) -> Result<Reply> {
        Ok(Reply::json(to_json(value)?))
    }

    /// A body that is JSON already, with status 200: no second walk through `to_value`.
    fn json(body: Value) -> Reply {
        Reply { status: 200, body: Some(body) }
    }

    pub(crate) fn created(value: impl Serialize) -> Result<Reply> {
        Reply::ok(value).map(|r| Reply { status: 201, ..r })
    }

    pub(crate) fn no_content() -> Result<Reply> {
        Ok(Reply { status: 204, body: None })
    }
}

/// An answer as JSON. Only the conversion is generic: the rest of each caller's answer is built
/// by code compiled once (`keyed_json`, `Reply::json`), not once per answer type.
fn to_json(value: impl Serialize) -> Result<Value> {
    serde_json::to_value(value).map_err(serialize_failed)
}

#[cold]
fn serialize_failed(e: serde_json::Error) -> Error {
    Error::new(ErrorCode::InternalError, e.to_string())
}

/// `{"<key>": value}` with status 200.
fn keyed(key: &str, value: impl Serialize) -> Result<Reply> {
    Ok(keyed_json(key, to_json(value)?))
}

fn keyed_json(key: &str, value: Value) -> Reply {
    let mut body = serde_json::Map::new();
    body.insert(key.to_owned(), value);
    Reply::json(Value::Object(body))
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

/// The session named in the path of a creating route; a `session_id` in the body must be it.
fn path_session(path_id: &str, body_id: Option<String>) -> Result<Option<String>> {
    match body_id {
        Some(body_id) if body_id != path_id => Err(Error::validation(format!(
            "session_id in the path ({path_id}) differs from the body ({body_id})"
        ))),
        _ => Ok(Some(path_id.to_owned())),
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
    /// `Session::new` with the Worker's clock and ids, then `SessionStore::save_session`.
    CreateSession(NewSession),
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
    /// `Run::new` for an existing session (its id from the path), then `SessionStore::save_run`.
    CreateRun(NewRun),
    /// `SessionStore::save_run`.
    SaveRun(Run),
    /// `SessionStore::get_run`.
    GetRun(String),
    /// `Event::new` for an existing session (its id from the path), then
    /// `SessionStore::append_event_with_sequence`.
    CreateEvent(NewEvent),
    /// `SessionStore::append_event_with_sequence`.
    AppendEvent(Event),
    /// `SessionStore::append_events`.
    AppendEvents(Vec<Event>),
    /// `SessionStore::get_events` of a session.
    GetEvents(String, EventFilter),
    /// `SessionStore::get_latest_sequence` of a session.
    LatestSequence(String),
    /// A live tail over a WebSocket, served by the session's Durable Object.
    WatchEvents {
        /// The session followed.
        session_id: String,
        /// Where it starts and what it keeps to.
        follow: Follow,
    },
    /// A live tail; `live: false` ends the stream once the backlog is sent.
    StreamEvents {
        /// The session followed.
        session_id: String,
        /// Where it starts and what it keeps to.
        follow: Follow,
        /// Whether to follow new events after the backlog.
        live: bool,
        /// End the stream after this many events (a bounded read), when given.
        max_events: Option<u64>,
    },
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
    /// `ArtifactContent::store_artifact`: the row's fields from the query (`session_id`,
    /// `run_id`); the bytes, their type and declared checksum come from the request itself.
    PutArtifactContent(NewArtifact),
    /// `ArtifactContent::open_artifact` of this key.
    GetArtifactContent(String),
    /// `ArtifactContent::remove_artifact` of this key.
    DeleteArtifactContent(String),
}

impl Call {
    /// Whether the call also touches artifact bytes when a bucket is bound (archive before prune,
    /// the sweep, rows checked against their bytes): [`execute_maintenance`]'s calls.
    pub fn touches_artifact_bytes(&self) -> bool {
        matches!(
            self,
            Call::MaintenanceExecute(_)
                | Call::PruneSessionEvents(..)
                | Call::HardDeleteExpired(_)
                | Call::HealthCheck
        )
    }

    /// The sessions an append-type call writes events to (their live tails are told after it).
    pub fn appended_sessions(&self) -> Vec<String> {
        let ids: Vec<&String> = match self {
            Call::AppendEvent(event) => vec![&event.session_id],
            Call::AppendEvents(events) => events.iter().map(|e| &e.session_id).collect(),
            Call::Flush(payload) => payload.events.iter().map(|e| &e.session_id).collect(),
            Call::CreateEvent(NewEvent { session_id, .. }) => session_id.iter().collect(),
            _ => Vec::new(),
        };
        asm_core::sorted::set_of(ids).into_iter().cloned().collect()
    }

    /// The session the call reads or writes, when it names one (for the audit line).
    pub fn session_id(&self) -> Option<&str> {
        match self {
            Call::SaveSession(session) => Some(&session.id),
            Call::CreateSession(attrs) => attrs.id.as_deref(),
            Call::CreateRun(NewRun { session_id, .. })
            | Call::CreateEvent(NewEvent { session_id, .. }) => session_id.as_deref(),
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
            | Call::StreamEvents { session_id: id, .. }
            | Call::WatchEvents { session_id: id, .. }
            | Call::SessionStats(id)
            | Call::ExportSession(id, _)
            | Call::PruneSessionEvents(id, _)
            | Call::ListArtifacts(id)
            | Call::ArtifactStats(id) => Some(id),
            Call::PutArtifactContent(artifact) => artifact.session_id.as_deref(),
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
        Op::CreateSession => Call::CreateSession(NewSession::from_json(&body()?)?),
        Op::CreateRun => {
            let mut attrs = NewRun::from_json(&body()?)?;
            attrs.session_id = path_session(param(&req, 0)?, attrs.session_id)?;
            Call::CreateRun(attrs)
        }
        Op::CreateEvent => {
            let mut attrs = NewEvent::from_json(&body()?)?;
            attrs.session_id = path_session(param(&req, 0)?, attrs.session_id)?;
            Call::CreateEvent(attrs)
        }
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
            let mut filter = EventFilter::from_json(&query()?)?;
            filter.wait_timeout_ms = filter.wait_timeout_ms.map(|ms| ms.min(MAX_WAIT_MS));
            Call::GetEvents(id()?, filter)
        }
        Op::LatestSequence => Call::LatestSequence(id()?),
        Op::StreamEvents | Op::WatchEvents => {
            let options = query()?;
            let live = match options.get("live") {
                None | Some(Value::Bool(true)) => true,
                Some(Value::Bool(false)) => false,
                Some(_) => return Err(Error::validation("live must be true or false")),
            };
            let max_events = match options.get("max_events") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_u64()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| Error::validation("max_events must be an integer >= 1"))?,
                ),
            };
            let follow = Follow::from_json(&options, HEARTBEAT_MS)?;
            let session_id = id()?;
            match req.op {
                Op::WatchEvents => Call::WatchEvents { session_id, follow },
                _ => Call::StreamEvents { session_id, follow, live, max_events },
            }
        }
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
        Op::PutArtifactContent => {
            let options = query()?;
            let text = |field: &str| match options.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(Error::validation(format!("{field} must be a string"))),
            };
            Call::PutArtifactContent(NewArtifact {
                key: Some(id()?),
                session_id: text("session_id")?,
                run_id: text("run_id")?,
                ..NewArtifact::default()
            })
        }
        Op::GetArtifactContent => Call::GetArtifactContent(id()?),
        Op::DeleteArtifactContent => Call::DeleteArtifactContent(id()?),
        Op::Health | Op::OpenApi | Op::CurrentKey | Op::TestReset => {
            return Err(Error::new(
                ErrorCode::InternalError,
                "route is answered by the entry point",
            ));
        }
    })
}

/// A caller-chosen id that is already taken: a creating route never replaces a stored entity
/// (saving does; `PUT` is the route for that).
fn taken(what: &str, id: &str) -> Error {
    Error::new(ErrorCode::AlreadyExists, format!("{what} {id} already exists"))
        .detail("reason", format!("{what}_exists"))
        .detail("id", id)
}

/// `Ok(true)` when the lookup found the entity, `Ok(false)` for its not-found code.
fn found<T>(lookup: Result<T>, missing: ErrorCode) -> Result<bool> {
    match lookup {
        Ok(_) => Ok(true),
        Err(e) if e.code() == missing => Ok(false),
        Err(e) => Err(e),
    }
}

/// `POST /v1/sessions`: the core builds the session with `env` (id, times, `pending`); a chosen
/// id that is taken is 409 `already_exists`. Input errors come before any read (400).
async fn create_session<S: Store>(store: &S, env: &Env, attrs: NewSession) -> Result<Reply> {
    let session = Session::new(attrs, env)?;
    if found(store.get_session(&session.id).await, ErrorCode::SessionNotFound)? {
        return Err(taken("session", &session.id));
    }
    store.save_session(&session).await?;
    Reply::created(&session)
}

/// `POST /v1/sessions/{session_id}/runs`: the core builds the run (id, `started_at`,
/// `pending`); the session must exist (404 `session_not_found`), a chosen id must be free (409).
async fn create_run<S: Store>(store: &S, env: &Env, attrs: NewRun) -> Result<Reply> {
    let run = Run::new(attrs, env)?;
    store.get_session(&run.session_id).await?;
    if found(store.get_run(&run.id).await, ErrorCode::RunNotFound)? {
        return Err(taken("run", &run.id));
    }
    store.save_run(&run).await?;
    Reply::created(&run)
}

/// `POST /v1/sessions/{session_id}/events`: the core builds the event (id, timestamp, schema
/// version 1); the session must exist (404); the store assigns the sequence number. A chosen id
/// already stored answers the stored event, as `POST /v1/events` does.
async fn create_event<S: Store>(store: &S, env: &Env, attrs: NewEvent) -> Result<Reply> {
    let event = Event::new(attrs, env)?;
    store.get_session(&event.session_id).await?;
    Reply::created(store.append_event_with_sequence(&event).await?)
}

/// Runs a decoded call on the store and shapes its answer; `env` is the clock and id source the
/// creating calls build their entity with (the store's own, so both agree).
pub async fn execute<S: Store>(store: &S, env: &Env, call: Call) -> Result<Reply> {
    match call {
        Call::CreateSession(attrs) => create_session(store, env, attrs).await,
        Call::CreateRun(attrs) => create_run(store, env, attrs).await,
        Call::CreateEvent(attrs) => create_event(store, env, attrs).await,
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
        // The entry point answers it as a stream before calling here; a JSON reply has no form.
        Call::StreamEvents { .. } | Call::WatchEvents { .. } => {
            Err(Error::validation("a live tail is answered as a stream, not JSON"))
        }
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
        // The calls of `touches_artifact_bytes`, spelled out for the match's exhaustiveness.
        call @ (Call::MaintenanceExecute(_)
        | Call::PruneSessionEvents(..)
        | Call::HardDeleteExpired(_)
        | Call::HealthCheck) => execute_maintenance(store, call).await,
        Call::MaintenancePlan(policy) => Reply::ok(store.plan(&policy).await?),
        Call::SoftDeleteExpired(policy) => {
            keyed("count", store.soft_delete_expired_sessions(&policy).await?)
        }
        Call::CleanOrphanedArtifacts => keyed("count", store.clean_orphaned_artifacts().await?),
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
        // The entry point streams these to and from the artifact store; they have no JSON form.
        Call::PutArtifactContent(_)
        | Call::GetArtifactContent(_)
        | Call::DeleteArtifactContent(_) => {
            Err(Error::validation("artifact bytes are answered as a stream, not JSON"))
        }
    }
}

/// The calls that [`Call::touches_artifact_bytes`]: the entry point runs them on the
/// artifact-aware composite when a bucket is bound. Apart from [`execute`] so that the composite
/// compiles these four arms, not the whole API a second time (a smaller Worker).
pub async fn execute_maintenance<S: Store>(store: &S, call: Call) -> Result<Reply> {
    match call {
        Call::MaintenanceExecute(policy) => Reply::ok(store.execute(&policy).await?),
        Call::PruneSessionEvents(id, policy) => {
            keyed("count", store.prune_session_events(&id, &policy).await?)
        }
        Call::HardDeleteExpired(policy) => {
            keyed("count", store.hard_delete_expired_sessions(&policy).await?)
        }
        Call::HealthCheck => {
            let problems = store.health_check().await?;
            let healthy = Value::Bool(problems.is_empty());
            let problems = problems.into_iter().map(Value::String).collect();
            let mut body = serde_json::Map::new();
            body.insert("healthy".to_owned(), healthy);
            body.insert("problems".to_owned(), problems);
            Ok(Reply::json(Value::Object(body)))
        }
        _ => Err(Error::new(ErrorCode::InternalError, "not a maintenance call")),
    }
}

/// Runs the store operation of a routed request: [`decode`], then [`execute`].
pub async fn dispatch<S: Store>(store: &S, env: &Env, req: ApiRequest<'_>) -> Result<Reply> {
    execute(store, env, decode(req)?).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use asm_core::memory::MemoryStore;
    use asm_core::{EventType, SeededIds, SteppingClock, Timestamp};
    use serde_json::json;

    use super::*;
    use crate::body::ready;
    use crate::errors::status_of;
    use crate::routes::{Routed, route};

    const T0: &str = "2025-01-27T12:00:00.000000Z";

    fn env() -> Env {
        let start = Timestamp::parse_iso8601(T0).expect("T0");
        Env::new(Arc::new(SteppingClock::new(start, 1_000)), Arc::new(SeededIds::new(7)))
    }

    fn decoded(method: &str, path: &str, body: &str) -> Result<Call> {
        let Routed::Found(m) = route(method, path) else { panic!("no route for {method} {path}") };
        decode(ApiRequest { op: m.op, params: &m.params, query: "", body: body.as_bytes() })
    }

    /// A store with the Env it was made with, as the Worker pairs them.
    struct Api {
        store: MemoryStore,
        env: Env,
    }

    impl Api {
        fn new() -> Api {
            Api { store: MemoryStore::new(env()), env: env() }
        }

        /// (status, body) of one request, as the Worker answers it.
        fn answer(&self, method: &str, path: &str, body: &str) -> (u16, Value) {
            let Routed::Found(m) = route(method, path) else { panic!("no route: {path}") };
            let request =
                ApiRequest { op: m.op, params: &m.params, query: "", body: body.as_bytes() };
            match ready(dispatch(&self.store, &self.env, request)) {
                Ok(reply) => (reply.status, reply.body.unwrap_or(Value::Null)),
                Err(e) => (status_of(&e), crate::errors::body_of(&e)),
            }
        }
    }

    #[test]
    fn creating_bodies_decode_into_the_cores_attributes() {
        assert_eq!(
            decoded("POST", "/v1/sessions", r#"{"agent_id":"a","tags":["t"]}"#).unwrap(),
            Call::CreateSession(NewSession {
                tags: vec!["t".into()],
                ..NewSession::for_agent("a")
            })
        );
        let run = decoded("POST", "/v1/sessions/s%201/runs", "").unwrap();
        assert_eq!(run, Call::CreateRun(NewRun::for_session("s 1")));
        let run = decoded("POST", "/v1/sessions/s1/runs", r#"{"input":{"q":1},"session_id":"s1"}"#);
        assert_eq!(
            run.unwrap(),
            Call::CreateRun(NewRun { input: Some(json!({"q": 1})), ..NewRun::for_session("s1") })
        );
        let event = decoded("POST", "/v1/sessions/s1/events", r#"{"type":"run_started"}"#);
        assert_eq!(event.unwrap(), Call::CreateEvent(NewEvent::of(EventType::RunStarted, "s1")));
    }

    #[test]
    fn bad_creating_bodies_are_validation_errors() {
        let refused = [
            ("POST", "/v1/sessions", "{"),
            ("POST", "/v1/sessions", "[1]"),
            ("POST", "/v1/sessions", r#"{"agent_id":7}"#),
            ("POST", "/v1/sessions", r#"{"agent_id":"a","tags":"t"}"#),
            ("POST", "/v1/sessions/s1/runs", r#"{"metadata":[]}"#),
            ("POST", "/v1/sessions/s1/runs", r#"{"session_id":"other"}"#),
            ("POST", "/v1/sessions/s1/events", r#"{"type":"run_started","data":"x"}"#),
            ("POST", "/v1/sessions/s1/events", r#"{"type":"run_started","session_id":"s2"}"#),
        ];
        for (method, path, body) in refused {
            let e = decoded(method, path, body).expect_err(body);
            assert_eq!((e.code(), status_of(&e)), (ErrorCode::ValidationError, 400), "{body}");
        }
        let e = decoded("POST", "/v1/sessions/s1/events", r#"{"type":"no_such"}"#).unwrap_err();
        assert_eq!((e.code(), status_of(&e)), (ErrorCode::InvalidEventType, 400));
    }

    #[test]
    fn creating_routes_store_what_the_core_builds() {
        let api = Api::new();
        let (s, session) = api.answer("POST", "/v1/sessions", r#"{"agent_id":"agent-1"}"#);
        assert_eq!(s, 201, "{session}");
        let id = session["id"].as_str().expect("an id").to_owned();
        assert!(id.starts_with("ses_") && id.len() == 36, "{id}");
        assert_eq!((&session["status"], &session["created_at"]), (&json!("pending"), &json!(T0)));
        assert_eq!(api.answer("GET", &format!("/v1/sessions/{id}"), ""), (200, session));

        let (s, run) = api.answer("POST", &format!("/v1/sessions/{id}/runs"), "");
        assert_eq!((s, &run["status"], &run["session_id"]), (201, &json!("pending"), &json!(id)));
        let run_id = run["id"].as_str().expect("a run id");
        assert!(run_id.starts_with("run_"), "{run}");

        let body = json!({"type": "message_received", "data": {"content": "hi"}, "run_id": run_id});
        let path = format!("/v1/sessions/{id}/events");
        let (s, event) = api.answer("POST", &path, &body.to_string());
        assert_eq!(
            (s, &event["sequence_number"], &event["schema_version"]),
            (201, &json!(1), &json!(1))
        );
        assert_eq!((&event["data"], &event["run_id"]), (&body["data"], &body["run_id"]));
        let (s, event) = api.answer("POST", &path, r#"{"type":"run_started"}"#);
        assert_eq!((s, &event["sequence_number"]), (201, &json!(2)));
        let (s, events) = api.answer("GET", &path, "");
        assert_eq!((s, events["events"].as_array().map(Vec::len)), (200, Some(2)));
    }

    #[test]
    fn creating_under_an_unknown_session_or_a_taken_id_is_refused() {
        let api = Api::new();
        for path in ["/v1/sessions/nope/runs", "/v1/sessions/nope/events"] {
            let (s, b) = api.answer("POST", path, r#"{"type":"run_started"}"#);
            assert_eq!((s, &b["error"]["code"]), (404, &json!("session_not_found")), "{path}");
        }
        let (s, b) = api.answer("POST", "/v1/sessions", "{}");
        assert_eq!((s, &b["error"]["code"]), (400, &json!("validation_error")));
        let (s, b) = api.answer("POST", "/v1/sessions/nope/events", "{}");
        assert_eq!((s, &b["error"]["code"]), (400, &json!("validation_error")), "input first");
        let chosen = r#"{"agent_id":"a","id":"s-chosen"}"#;
        assert_eq!(api.answer("POST", "/v1/sessions", chosen).0, 201);
        let (s, b) = api.answer("POST", "/v1/sessions", chosen);
        assert_eq!((s, &b["error"]["code"]), (409, &json!("already_exists")));
        let run = r#"{"id":"r-chosen"}"#;
        assert_eq!(api.answer("POST", "/v1/sessions/s-chosen/runs", run).0, 201);
        let (s, b) = api.answer("POST", "/v1/sessions/s-chosen/runs", run);
        assert_eq!((s, &b["error"]["code"]), (409, &json!("already_exists")));
        let (_, events) = api.answer("GET", "/v1/sessions/nope/events", "");
        assert_eq!(events["events"], json!([]), "nothing stored for the unknown session");
    }
}
