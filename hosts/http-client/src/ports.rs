//! The four ports over the API: one request per call (see `hosts/worker/openapi.json`).

use asm_core::ports::{
    ArtifactRegistry, CostQuery, CostSummary, EventFilter, EventPage, EventSearch, FlushPayload,
    ListRuns, ListSessions, Maintenance, MaintenanceReport, QueryApi, RunPage, RunSearch,
    SessionExport, SessionPage, SessionSearch, SessionStats, SessionStore, UsageQuery,
    UsageSummary,
};
use asm_core::{
    Artifact, ArtifactStats, Error, ErrorCode, Event, NewArtifact, Result, RetentionPolicy, Run,
    Session,
};
use serde_json::{Value, json};

use crate::{HttpStore, Method, encode, iso, query_string};
use asm_core::wire::client as c;

fn to_value(v: impl serde::Serialize) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::new(ErrorCode::InternalError, e.to_string()))
}

impl HttpStore {
    fn get(&self, path: &str) -> Result<Value> {
        self.call(Method::Get, path, None, false)
    }

    fn post(&self, path: &str, body: &Value) -> Result<Value> {
        self.call(Method::Post, path, Some(body), false)
    }

    /// A `POST` to an operation that reads the store's clock.
    fn post_clocked(&self, path: &str, body: &Value) -> Result<Value> {
        self.call(Method::Post, path, Some(body), true)
    }
}

fn session_path(id: &str, rest: &str) -> String {
    format!("/v1/sessions/{}{rest}", encode(id))
}

impl SessionStore for HttpStore {
    async fn save_session(&self, session: &Session) -> Result<()> {
        self.call(Method::Put, &session_path(&session.id, ""), Some(&session.to_map()), false)
            .map(drop)
    }

    async fn get_session(&self, session_id: &str) -> Result<Session> {
        Session::from_map(&self.get(&session_path(session_id, ""))?)
    }

    async fn list_sessions(&self, filter: &ListSessions) -> Result<Vec<Session>> {
        let mut q = Vec::new();
        if let Some(s) = filter.status {
            q.push(("status", s.as_str().to_owned()));
        }
        if let Some(a) = &filter.agent_id {
            q.push(("agent_id", a.clone()));
        }
        if let Some(l) = filter.limit {
            q.push(("limit", l.to_string()));
        }
        c::sessions(&self.get(&format!("/v1/sessions{}", query_string(&q)))?, "sessions")
    }

    async fn delete_session(&self, session_id: &str) -> Result<()> {
        self.call(Method::Delete, &session_path(session_id, ""), None, false).map(drop)
    }

    async fn save_run(&self, run: &Run) -> Result<()> {
        self.call(Method::Put, &format!("/v1/runs/{}", encode(&run.id)), Some(&run.to_map()), false)
            .map(drop)
    }

    async fn get_run(&self, run_id: &str) -> Result<Run> {
        Run::from_map(&self.get(&format!("/v1/runs/{}", encode(run_id)))?)
    }

    async fn list_runs(&self, session_id: &str, filter: &ListRuns) -> Result<Vec<Run>> {
        let mut q = Vec::new();
        if let Some(s) = filter.status {
            q.push(("status", s.as_str().to_owned()));
        }
        if let Some(l) = filter.limit {
            q.push(("limit", l.to_string()));
        }
        c::runs(
            &self.get(&session_path(session_id, &format!("/runs{}", query_string(&q))))?,
            "runs",
        )
    }

    async fn get_active_run(&self, session_id: &str) -> Result<Option<Run>> {
        let answer = self.get(&session_path(session_id, "/runs/active"))?;
        match c::member(&answer, "run")? {
            Value::Null => Ok(None),
            run => Run::from_map(run).map(Some),
        }
    }

    async fn append_event(&self, event: &Event) -> Result<()> {
        self.append_event_with_sequence(event).await.map(drop)
    }

    async fn append_event_with_sequence(&self, event: &Event) -> Result<Event> {
        Event::from_map(&self.post("/v1/events", &event.to_map())?)
    }

    async fn append_events(&self, events: &[Event]) -> Result<Vec<Event>> {
        let body = json!({ "events": events.iter().map(Event::to_map).collect::<Vec<_>>() });
        c::events(&self.post("/v1/events/batch", &body)?, "events")
    }

    async fn flush(&self, payload: &FlushPayload) -> Result<()> {
        self.post("/v1/flush", &to_value(payload)?).map(drop)
    }

    async fn get_events(&self, session_id: &str, filter: &EventFilter) -> Result<Vec<Event>> {
        let mut q = Vec::new();
        if let Some(r) = &filter.run_id {
            q.push(("run_id", r.clone()));
        }
        if let Some(t) = filter.event_type {
            q.push(("type", t.as_str().to_owned()));
        }
        if let Some(s) = filter.since {
            q.push(("since", iso(s)));
        }
        if let Some(a) = filter.after {
            q.push(("after", a.to_string()));
        }
        if let Some(b) = filter.before {
            q.push(("before", b.to_string()));
        }
        if let Some(l) = filter.limit {
            q.push(("limit", l.to_string()));
        }
        if let Some(w) = filter.wait_timeout_ms {
            q.push(("wait_timeout_ms", w.to_string()));
        }
        let path = session_path(session_id, &format!("/events{}", query_string(&q)));
        if filter.wait_timeout_ms.unwrap_or(0) == 0 {
            return c::events(&self.get(&path)?, "events");
        }
        // A long-poll holds its request for up to the wait: it runs on a thread of its own, so
        // the caller's other futures (a writer beside the reader) go on meanwhile.
        let (answer, answered) = futures_channel::oneshot::channel();
        let store = self.clone();
        std::thread::spawn(move || drop(answer.send(store.get(&path))));
        let reply = answered.await.map_err(|_| {
            Error::new(
                ErrorCode::StorageConnectionFailed,
                "the long-poll's thread ended unanswered",
            )
        })?;
        c::events(&reply?, "events")
    }

    async fn get_latest_sequence(&self, session_id: &str) -> Result<i64> {
        c::i64_of(&self.get(&session_path(session_id, "/events/latest-sequence"))?, "sequence")
    }
}

impl QueryApi for HttpStore {
    async fn search_sessions(&self, query: &SessionSearch) -> Result<SessionPage> {
        c::session_page(&self.post("/v1/search/sessions", &c::session_search(query))?)
    }

    async fn get_session_stats(&self, session_id: &str) -> Result<SessionStats> {
        c::session_stats(&self.get(&session_path(session_id, "/stats"))?)
    }

    async fn search_runs(&self, query: &RunSearch) -> Result<RunPage> {
        c::run_page(&self.post("/v1/search/runs", &c::run_search(query))?)
    }

    async fn get_usage_summary(&self, query: &UsageQuery) -> Result<UsageSummary> {
        c::usage_summary(&self.post("/v1/summaries/usage", &c::usage_query(query))?)
    }

    async fn get_cost_summary(&self, query: &CostQuery) -> Result<CostSummary> {
        c::cost_summary(&self.post("/v1/summaries/cost", &c::cost_query(query)?)?)
    }

    async fn search_events(&self, query: &EventSearch) -> Result<EventPage> {
        c::event_page(&self.post("/v1/search/events", &c::event_search(query))?)
    }

    async fn count_events(&self, query: &EventSearch) -> Result<u64> {
        c::u64_of(&self.post("/v1/search/events/count", &c::event_search(query))?, "count")
    }

    async fn export_session(
        &self,
        session_id: &str,
        include_artifacts: bool,
    ) -> Result<SessionExport> {
        let path =
            session_path(session_id, &format!("/export?include_artifacts={include_artifacts}"));
        c::session_export(&self.get(&path)?)
    }
}

impl Maintenance for HttpStore {
    async fn execute(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        c::maintenance_report(&self.post_clocked("/v1/maintenance/execute", &c::policy(policy))?)
    }

    async fn plan(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        c::maintenance_report(&self.post_clocked("/v1/maintenance/plan", &c::policy(policy))?)
    }

    async fn prune_session_events(
        &self,
        session_id: &str,
        policy: &RetentionPolicy,
    ) -> Result<u64> {
        c::u64_of(
            &self.post(&session_path(session_id, "/events/prune"), &c::policy(policy))?,
            "count",
        )
    }

    async fn soft_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        c::u64_of(
            &self.post_clocked("/v1/maintenance/soft-delete-expired", &c::policy(policy))?,
            "count",
        )
    }

    async fn hard_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        c::u64_of(
            &self.post_clocked("/v1/maintenance/hard-delete-expired", &c::policy(policy))?,
            "count",
        )
    }

    async fn clean_orphaned_artifacts(&self) -> Result<u64> {
        c::u64_of(&self.post("/v1/maintenance/clean-orphaned-artifacts", &Value::Null)?, "count")
    }

    async fn health_check(&self) -> Result<Vec<String>> {
        let answer = self.get("/v1/maintenance/health")?;
        let problems = c::member(&answer, "problems")?.as_array().cloned().unwrap_or_default();
        Ok(problems.into_iter().filter_map(|p| p.as_str().map(str::to_owned)).collect())
    }
}

impl ArtifactRegistry for HttpStore {
    async fn register(&self, attrs: NewArtifact) -> Result<Artifact> {
        Artifact::from_map(&self.post_clocked("/v1/artifacts", &c::new_artifact(&attrs))?)
    }

    async fn get_by_key(&self, key: &str) -> Result<Option<Artifact>> {
        match self.get(&format!("/v1/artifacts/{}", encode(key))) {
            Ok(answer) => Artifact::from_map(&answer).map(Some),
            Err(e)
                if e.code() == ErrorCode::NotFound
                    && e.details().get("reason") == Some(&json!("artifact_not_found")) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    async fn list_by_session(&self, session_id: &str) -> Result<Vec<Artifact>> {
        c::artifacts(&self.get(&session_path(session_id, "/artifacts"))?, "artifacts")
    }

    async fn session_stats(&self, session_id: &str) -> Result<ArtifactStats> {
        c::artifact_stats(&self.get(&session_path(session_id, "/artifacts/stats"))?)
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.call(Method::Delete, &format!("/v1/artifacts/{}", encode(key)), None, true).map(drop)
    }
}
