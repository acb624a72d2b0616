//! [`JsStore`]: the four ports over the package's JavaScript `Store`, converting with the
//! core's client half of the wire (the same JSON the package reads and answers).

use asm_core::ports::{
    ArtifactRegistry, CostQuery, CostSummary, EventFilter, EventPage, EventSearch, FlushPayload,
    ListRuns, ListSessions, Maintenance, MaintenanceReport, QueryApi, RunPage, RunSearch,
    SessionExport, SessionPage, SessionSearch, SessionStats, SessionStore, UsageQuery,
    UsageSummary,
};
use asm_core::wire::client as c;
use asm_core::{
    Artifact, ArtifactStats, Env, Error, ErrorCode, Event, JsonMap, NewArtifact, Result,
    RetentionPolicy, Run, Session,
};
use js_sys::{Array, Function, JSON, Object, Promise, Reflect, Uint8Array};
use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// A case's clock and ids as the JavaScript functions the store's options take.
pub struct Hooks {
    now: Closure<dyn Fn() -> String>,
    random_bytes: Closure<dyn Fn(u32) -> Uint8Array>,
}

impl Hooks {
    /// Functions reading `env`'s clock (ISO-8601 text, which keeps microseconds) and ids.
    pub fn new(env: Env) -> Hooks {
        let clock = env.clone();
        let now = Closure::new(move || clock.now().to_iso8601());
        let random_bytes = Closure::new(move |n: u32| {
            let mut buf = vec![0u8; n as usize];
            // Seeded test ids do not fail; a failure would show as the store's internal_error.
            let _ = env.fill_random(&mut buf);
            Uint8Array::from(buf.as_slice())
        });
        Hooks { now, random_bytes }
    }

    /// `{ now, randomBytes }`.
    pub fn object(&self) -> JsValue {
        let o = Object::new();
        let _ = Reflect::set(&o, &"now".into(), self.now.as_ref());
        let _ = Reflect::set(&o, &"randomBytes".into(), self.random_bytes.as_ref());
        o.into()
    }
}

/// The package's `Store` as the ports.
pub struct JsStore {
    store: JsValue,
    // The store calls these until it is dropped.
    _hooks: Hooks,
}

pub(crate) fn wrong(what: &str) -> Error {
    Error::new(ErrorCode::StorageReadFailed, format!("unexpected answer: {what}"))
}

/// A JSON value as a JavaScript one.
pub(crate) fn js(value: &Value) -> JsValue {
    JSON::parse(&value.to_string()).unwrap_or(JsValue::NULL)
}

/// A JavaScript answer as JSON (`undefined` is `null`).
pub(crate) fn json_of(value: &JsValue) -> Result<Value> {
    if value.is_undefined() {
        return Ok(Value::Null);
    }
    let text =
        JSON::stringify(value).ok().and_then(|t| t.as_string()).ok_or_else(|| wrong("not JSON"))?;
    serde_json::from_str(&text).map_err(|e| wrong(&e.to_string()))
}

/// A rejection as the ASM error it carries; anything but an `AsmError` fails the case's checks.
pub(crate) fn asm_error(thrown: JsValue) -> Error {
    let text = |name: &str| Reflect::get(&thrown, &name.into()).ok().and_then(|v| v.as_string());
    let message = text("message").unwrap_or_else(|| format!("{thrown:?}"));
    match (text("name").as_deref(), text("code").and_then(|c| ErrorCode::parse(&c))) {
        (Some("AsmError"), Some(code)) => {
            let details =
                Reflect::get(&thrown, &"details".into()).ok().and_then(|d| json_of(&d).ok());
            let details = match details {
                Some(Value::Object(m)) => m,
                _ => JsonMap::new(),
            };
            Error::with_details(code, message, details).with_cause_from_details()
        }
        _ => Error::new(ErrorCode::InternalError, format!("not an AsmError: {message}")),
    }
}

fn list<T>(value: &Value, parse: fn(&Value) -> Result<T>) -> Result<Vec<T>> {
    value.as_array().ok_or_else(|| wrong("not a list"))?.iter().map(parse).collect()
}

fn count(value: &Value) -> Result<u64> {
    value.as_u64().ok_or_else(|| wrong("not a count"))
}

impl JsStore {
    /// Wraps `store`, keeping `hooks` alive as long as it.
    pub fn new(store: JsValue, hooks: Hooks) -> JsStore {
        JsStore { store, _hooks: hooks }
    }

    /// Calls `store[method](...args)` and awaits the answer as JSON.
    pub(crate) async fn call(&self, method: &str, args: &[JsValue]) -> Result<Value> {
        json_of(&self.call_raw(method, args).await?)
    }

    /// Calls `store[method](...args)` and awaits the answer as it is.
    pub(crate) async fn call_raw(&self, method: &str, args: &[JsValue]) -> Result<JsValue> {
        let f: Function = Reflect::get(&self.store, &method.into())
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or_else(|| {
                Error::new(ErrorCode::InternalError, format!("Store has no method {method}"))
            })?;
        let args: Array = args.iter().collect();
        let returned = f.apply(&self.store, &args).map_err(asm_error)?;
        JsFuture::from(Promise::resolve(&returned)).await.map_err(asm_error)
    }
}

pub(crate) fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

impl SessionStore for JsStore {
    async fn save_session(&self, session: &Session) -> Result<()> {
        self.call("saveSession", &[js(&session.to_map())]).await.map(drop)
    }

    async fn get_session(&self, session_id: &str) -> Result<Session> {
        Session::from_map(&self.call("getSession", &[text(session_id)]).await?)
    }

    async fn list_sessions(&self, filter: &ListSessions) -> Result<Vec<Session>> {
        list(&self.call("listSessions", &[js(&c::list_sessions(filter))]).await?, Session::from_map)
    }

    async fn delete_session(&self, session_id: &str) -> Result<()> {
        self.call("deleteSession", &[text(session_id)]).await.map(drop)
    }

    async fn save_run(&self, run: &Run) -> Result<()> {
        self.call("saveRun", &[js(&run.to_map())]).await.map(drop)
    }

    async fn get_run(&self, run_id: &str) -> Result<Run> {
        Run::from_map(&self.call("getRun", &[text(run_id)]).await?)
    }

    async fn list_runs(&self, session_id: &str, filter: &ListRuns) -> Result<Vec<Run>> {
        list(
            &self.call("listRuns", &[text(session_id), js(&c::list_runs(filter))]).await?,
            Run::from_map,
        )
    }

    async fn get_active_run(&self, session_id: &str) -> Result<Option<Run>> {
        match self.call("getActiveRun", &[text(session_id)]).await? {
            Value::Null => Ok(None),
            run => Run::from_map(&run).map(Some),
        }
    }

    async fn append_event(&self, event: &Event) -> Result<()> {
        self.append_event_with_sequence(event).await.map(drop)
    }

    async fn append_event_with_sequence(&self, event: &Event) -> Result<Event> {
        Event::from_map(&self.call("appendEvent", &[js(&event.to_map())]).await?)
    }

    async fn append_events(&self, events: &[Event]) -> Result<Vec<Event>> {
        let list_arg = Value::Array(events.iter().map(Event::to_map).collect());
        list(&self.call("appendEvents", &[js(&list_arg)]).await?, Event::from_map)
    }

    async fn flush(&self, payload: &FlushPayload) -> Result<()> {
        let payload = serde_json::to_value(payload)
            .map_err(|e| Error::new(ErrorCode::InternalError, e.to_string()))?;
        self.call("flush", &[js(&payload)]).await.map(drop)
    }

    async fn get_events(&self, session_id: &str, filter: &EventFilter) -> Result<Vec<Event>> {
        list(
            &self.call("getEvents", &[text(session_id), js(&c::event_filter(filter))]).await?,
            Event::from_map,
        )
    }

    async fn get_latest_sequence(&self, session_id: &str) -> Result<i64> {
        self.call("getLatestSequence", &[text(session_id)])
            .await?
            .as_i64()
            .ok_or_else(|| wrong("not an integer"))
    }
}

impl QueryApi for JsStore {
    async fn search_sessions(&self, query: &SessionSearch) -> Result<SessionPage> {
        c::session_page(&self.call("searchSessions", &[js(&c::session_search(query))]).await?)
    }

    async fn get_session_stats(&self, session_id: &str) -> Result<SessionStats> {
        c::session_stats(&self.call("getSessionStats", &[text(session_id)]).await?)
    }

    async fn search_runs(&self, query: &RunSearch) -> Result<RunPage> {
        c::run_page(&self.call("searchRuns", &[js(&c::run_search(query))]).await?)
    }

    async fn get_usage_summary(&self, query: &UsageQuery) -> Result<UsageSummary> {
        c::usage_summary(&self.call("getUsageSummary", &[js(&c::usage_query(query))]).await?)
    }

    async fn get_cost_summary(&self, query: &CostQuery) -> Result<CostSummary> {
        c::cost_summary(&self.call("getCostSummary", &[js(&c::cost_query(query)?)]).await?)
    }

    async fn search_events(&self, query: &EventSearch) -> Result<EventPage> {
        c::event_page(&self.call("searchEvents", &[js(&c::event_search(query))]).await?)
    }

    async fn count_events(&self, query: &EventSearch) -> Result<u64> {
        count(&self.call("countEvents", &[js(&c::event_search(query))]).await?)
    }

    async fn export_session(
        &self,
        session_id: &str,
        include_artifacts: bool,
    ) -> Result<SessionExport> {
        let options = json!({ "include_artifacts": include_artifacts });
        c::session_export(&self.call("exportSession", &[text(session_id), js(&options)]).await?)
    }
}

impl Maintenance for JsStore {
    async fn execute(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        c::maintenance_report(&self.call("execute", &[js(&c::policy(policy))]).await?)
    }

    async fn plan(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        c::maintenance_report(&self.call("plan", &[js(&c::policy(policy))]).await?)
    }

    async fn prune_session_events(
        &self,
        session_id: &str,
        policy: &RetentionPolicy,
    ) -> Result<u64> {
        count(&self.call("pruneSessionEvents", &[text(session_id), js(&c::policy(policy))]).await?)
    }

    async fn soft_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        count(&self.call("softDeleteExpiredSessions", &[js(&c::policy(policy))]).await?)
    }

    async fn hard_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        count(&self.call("hardDeleteExpiredSessions", &[js(&c::policy(policy))]).await?)
    }

    async fn clean_orphaned_artifacts(&self) -> Result<u64> {
        count(&self.call("cleanOrphanedArtifacts", &[]).await?)
    }

    async fn health_check(&self) -> Result<Vec<String>> {
        let answer = self.call("healthCheck", &[]).await?;
        let problems = answer.as_array().ok_or_else(|| wrong("problems are not a list"))?;
        Ok(problems.iter().filter_map(|p| p.as_str().map(str::to_owned)).collect())
    }
}

impl ArtifactRegistry for JsStore {
    async fn register(&self, attrs: NewArtifact) -> Result<Artifact> {
        Artifact::from_map(&self.call("registerArtifact", &[js(&c::new_artifact(&attrs))]).await?)
    }

    async fn get_by_key(&self, key: &str) -> Result<Option<Artifact>> {
        match self.call("getArtifact", &[text(key)]).await? {
            Value::Null => Ok(None),
            artifact => Artifact::from_map(&artifact).map(Some),
        }
    }

    async fn list_by_session(&self, session_id: &str) -> Result<Vec<Artifact>> {
        list(&self.call("listArtifacts", &[text(session_id)]).await?, Artifact::from_map)
    }

    async fn session_stats(&self, session_id: &str) -> Result<ArtifactStats> {
        c::artifact_stats(&self.call("artifactStats", &[text(session_id)]).await?)
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.call("deleteArtifact", &[text(key)]).await.map(drop)
    }
}

/// Archiving before pruning runs inside the package's own Rust store (`hosts/npm/src`), which
/// the JavaScript API does not expose step by step; the composite cases this driver runs never
/// archive (their policies leave `archive_before_prune` off), so each step here refuses clearly.
impl asm_core::ports::ArchiveAccess for JsStore {
    async fn hard_delete_candidates(
        &self,
        _: asm_core::Timestamp,
        _: Option<&str>,
        _: u64,
    ) -> asm_core::Result<Vec<String>> {
        Err(not_through_the_driver())
    }
    async fn prune_candidates(
        &self,
        _: &asm_core::RetentionPolicy,
        _: Option<&str>,
        _: u64,
    ) -> asm_core::Result<Vec<String>> {
        Err(not_through_the_driver())
    }
    async fn snapshot(&self, _: &str) -> asm_core::Result<asm_core::ports::SessionSnapshot> {
        Err(not_through_the_driver())
    }
    async fn remove_archived(
        &self,
        _: &str,
        _: asm_core::ports::Removal<'_>,
    ) -> asm_core::Result<asm_core::ports::Removed> {
        Err(not_through_the_driver())
    }
    async fn restore_archived(
        &self,
        _: &str,
        _: Option<&asm_core::Session>,
        _: &[asm_core::Run],
        _: &[asm_core::Event],
    ) -> asm_core::Result<asm_core::ports::Restored> {
        Err(not_through_the_driver())
    }
}

fn not_through_the_driver() -> asm_core::Error {
    asm_core::Error::new(
        asm_core::ErrorCode::InvalidOperation,
        "archive steps are not reachable through the npm package's JavaScript API",
    )
}
