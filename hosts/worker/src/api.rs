//! One request → one port call: parse with the core's JSON readers, call the store, answer with
//! the core's serialisations. No domain logic lives here.

use asm_core::ports::{
    ArtifactRegistry, CostQuery, EventFilter, EventSearch, FlushPayload, ListRuns, ListSessions, Maintenance, QueryApi,
    RunSearch, SessionSearch, SessionStore, UsageQuery,
};
use asm_core::{Error, ErrorCode, Event, RetentionPolicy, Result, Run, Session};
use serde::Serialize;
use serde_json::Value;

use crate::convert::{body_json, new_artifact, query_json};
use crate::routes::Op;

/// Every port a store behind the API offers.
pub trait Store: SessionStore + QueryApi + Maintenance + ArtifactRegistry {}
impl<T: SessionStore + QueryApi + Maintenance + ArtifactRegistry> Store for T {}

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
        let body = serde_json::to_value(value).map_err(|e| Error::new(ErrorCode::InternalError, e.to_string()))?;
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
    let value = serde_json::to_value(value).map_err(|e| Error::new(ErrorCode::InternalError, e.to_string()))?;
    Reply::ok(serde_json::Map::from_iter([(key.to_owned(), value)]))
}

fn param<'a>(req: &ApiRequest<'a>, i: usize) -> Result<&'a str> {
    req.params.get(i).map(String::as_str).ok_or_else(|| Error::new(ErrorCode::InternalError, "missing path parameter"))
}

/// The id in the path must be the id in the body (a PUT names the resource it writes).
fn same_id(path_id: &str, body_id: &str, what: &str) -> Result<()> {
    if path_id == body_id {
        Ok(())
    } else {
        Err(Error::validation(format!("{what} id in the path ({path_id}) differs from the body ({body_id})")))
    }
}

/// The events of a batch body: a list, or `{"events": [...]}`.
fn event_list(body: &Value) -> Result<Vec<Event>> {
    let items = match body {
        Value::Array(items) => items,
        Value::Object(m) => match m.get("events") {
            Some(Value::Array(items)) => items,
            _ => return Err(Error::validation("events must be a list")),
        },
        _ => return Err(Error::validation("events must be a list")),
    };
    items.iter().enumerate().map(|(i, item)| Event::from_map(item).map_err(|e| e.detail("index", i))).collect()
}

/// Runs the store operation of a routed request. Health, the OpenAPI document and the test
/// reset are answered by the entry point, not here.
pub async fn dispatch<S: Store>(store: &S, req: ApiRequest<'_>) -> Result<Reply> {
    let body = || body_json(req.body);
    let query = || query_json(req.query);
    match req.op {
        Op::ListSessions => keyed("sessions", store.list_sessions(&ListSessions::from_json(&query()?)?).await?),
        Op::SaveSession => {
            let session = Session::from_map(&body()?)?;
            same_id(param(&req, 0)?, &session.id, "session")?;
            store.save_session(&session).await?;
            Reply::ok(&session)
        }
        Op::GetSession => Reply::ok(store.get_session(param(&req, 0)?).await?),
        Op::DeleteSession => {
            store.delete_session(param(&req, 0)?).await?;
            Reply::no_content()
        }
        Op::ListRuns => {
            let filter = ListRuns::from_json(&query()?)?;
            keyed("runs", store.list_runs(param(&req, 0)?, &filter).await?)
        }
        Op::GetActiveRun => keyed("run", store.get_active_run(param(&req, 0)?).await?),
        Op::SaveRun => {
            let run = Run::from_map(&body()?)?;
            same_id(param(&req, 0)?, &run.id, "run")?;
            store.save_run(&run).await?;
            Reply::ok(&run)
        }
        Op::GetRun => Reply::ok(store.get_run(param(&req, 0)?).await?),
        Op::AppendEvent => Reply::ok(store.append_event_with_sequence(&Event::from_map(&body()?)?).await?),
        Op::AppendEvents => keyed("events", store.append_events(&event_list(&body()?)?).await?),
        Op::GetEvents => {
            let filter = EventFilter::from_json(&query()?)?;
            keyed("events", store.get_events(param(&req, 0)?, &filter).await?)
        }
        Op::LatestSequence => keyed("sequence", store.get_latest_sequence(param(&req, 0)?).await?),
        Op::Flush => {
            store.flush(&FlushPayload::from_json(&body()?)?).await?;
            Reply::no_content()
        }
        Op::SearchSessions => Reply::ok(store.search_sessions(&SessionSearch::from_json(&body()?)?).await?),
        Op::SearchRuns => Reply::ok(store.search_runs(&RunSearch::from_json(&body()?)?).await?),
        Op::SearchEvents => Reply::ok(store.search_events(&EventSearch::from_json(&body()?)?).await?),
        Op::CountEvents => keyed("count", store.count_events(&EventSearch::from_json(&body()?)?).await?),
        Op::UsageSummary => Reply::ok(store.get_usage_summary(&UsageQuery::from_json(&body()?)?).await?),
        Op::CostSummary => Reply::ok(store.get_cost_summary(&CostQuery::from_json(&body()?)?).await?),
        Op::SessionStats => Reply::ok(store.get_session_stats(param(&req, 0)?).await?),
        Op::ExportSession => {
            let include = query()?.get("include_artifacts").and_then(Value::as_bool).unwrap_or(false);
            Reply::ok(store.export_session(param(&req, 0)?, include).await?)
        }
        Op::MaintenanceExecute => Reply::ok(store.execute(&RetentionPolicy::from_json(&body()?)?).await?),
        Op::MaintenancePlan => Reply::ok(store.plan(&RetentionPolicy::from_json(&body()?)?).await?),
        Op::PruneSessionEvents => {
            let policy = RetentionPolicy::from_json(&body()?)?;
            keyed("count", store.prune_session_events(param(&req, 0)?, &policy).await?)
        }
        Op::SoftDeleteExpired => {
            let policy = RetentionPolicy::from_json(&body()?)?;
            keyed("count", store.soft_delete_expired_sessions(&policy).await?)
        }
        Op::HardDeleteExpired => {
            let policy = RetentionPolicy::from_json(&body()?)?;
            keyed("count", store.hard_delete_expired_sessions(&policy).await?)
        }
        Op::CleanOrphanedArtifacts => keyed("count", store.clean_orphaned_artifacts().await?),
        Op::HealthCheck => {
            let problems = store.health_check().await?;
            let healthy = Value::Bool(problems.is_empty());
            let problems = problems.into_iter().map(Value::String).collect();
            Reply::ok(serde_json::Map::from_iter([("healthy".to_owned(), healthy), ("problems".to_owned(), problems)]))
        }
        Op::RegisterArtifact => Reply::created(store.register(new_artifact(&body()?)?).await?),
        Op::GetArtifact => match store.get_by_key(param(&req, 0)?).await? {
            Some(artifact) => Reply::ok(artifact),
            None => Err(Error::new(ErrorCode::NotFound, "Artifact not found").detail("reason", "artifact_not_found")),
        },
        Op::DeleteArtifact => {
            store.delete(param(&req, 0)?).await?;
            Reply::no_content()
        }
        Op::ListArtifacts => keyed("artifacts", store.list_by_session(param(&req, 0)?).await?),
        Op::ArtifactStats => Reply::ok(store.session_stats(param(&req, 0)?).await?),
        Op::Health | Op::OpenApi | Op::TestReset => {
            Err(Error::new(ErrorCode::InternalError, "route is answered by the entry point"))
        }
    }
}
