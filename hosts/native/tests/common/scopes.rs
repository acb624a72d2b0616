//! A store restricted to agent `a` over a database holding agents `a` and `b`: every port
//! operation answers only `a`'s rows, refuses `b`'s with `policy_violation`, and every refused
//! write leaves the database exactly as it was (all `asm_*` rows compared).

use asm_core::ports::{
    ArtifactRegistry, CostQuery, EventFilter, EventSearch, FlushPayload, ListRuns, ListSessions,
    QueryApi, RunSearch, SessionSearch, SessionStore, UsageQuery,
};
use asm_core::sql::{Executor, SqlStore, Value};
use asm_core::{ErrorCode, EventType, NewArtifact, NewSession, Scope, Session};

use super::{Backend, env, event, events, raw, run};

/// Every `asm_*` row, in a fixed order: what "nothing was written" is checked against.
pub async fn dump<E: Executor>(exec: &E) -> Vec<Vec<Value>> {
    let mut rows = Vec::new();
    for (table, order) in [
        ("asm_sessions", "id"),
        ("asm_runs", "id"),
        ("asm_events", "id"),
        ("asm_artifacts", "id"),
        ("asm_session_sequences", "session_id"),
    ] {
        let sql = if exec.dialect().is_sqlite() {
            format!("SELECT '{table}', * FROM {table} ORDER BY {order}")
        } else {
            format!("SELECT '{table}', row_to_json(t)::text FROM {table} t ORDER BY {order}")
        };
        rows.extend(raw(exec, &sql).await);
    }
    rows
}

fn agent_session(id: &str, agent: &str, env: &asm_core::Env) -> Session {
    let attrs = NewSession { id: Some(id.into()), ..NewSession::for_agent(agent) };
    Session::new(attrs, env).expect("valid session")
}

fn artifact(key: &str, session_id: Option<&str>) -> NewArtifact {
    NewArtifact {
        session_id: session_id.map(str::to_owned),
        key: Some(key.into()),
        byte_size: Some(3),
        checksum_sha256: Some("0".repeat(64)),
        storage_backend: Some("s3".into()),
        storage_ref: Some(format!("ref/{key}")),
        ..NewArtifact::default()
    }
}

fn refused<T: std::fmt::Debug>(what: &str, result: asm_core::Result<T>) {
    match result {
        Err(e) if e.code() == ErrorCode::PolicyViolation => {}
        other => panic!("{what}: expected policy_violation, got {other:?}"),
    }
}

/// The suite; panics naming the first operation that reaches past the scope.
pub async fn scoped_store_keeps_to_its_agents<B: Backend>(backend: &B) {
    let db = backend.migrated().await;
    let (env, _) = env();
    let all = SqlStore::new(&db, env.clone());
    for (sid, agent) in [("sa", "a"), ("sa2", "a"), ("sb", "b")] {
        all.save_session(&agent_session(sid, agent, &env)).await.expect("save session");
        all.save_run(&run(&format!("r-{sid}"), sid, &env)).await.expect("save run");
        all.append_events(&events(&format!("e-{sid}"), sid, 3, &env)).await.expect("append");
        all.register(artifact(&format!("k-{sid}"), Some(sid))).await.expect("artifact");
    }
    all.register(artifact("k-none", None)).await.expect("artifact of no session");
    let a = SqlStore::new(&db, env.clone()).with_scope(Scope::agents(["a"]));

    // Reads answer a's rows only.
    let ids = |sessions: &[Session]| sessions.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a.list_sessions(&ListSessions::default()).await.unwrap()), ["sa", "sa2"]);
    let page = a.search_sessions(&SessionSearch::default()).await.unwrap();
    assert_eq!((page.total_count, page.sessions.len()), (2, 2));
    let tagged = SessionSearch { tags: vec!["x".into()], ..SessionSearch::default() };
    assert_eq!(a.search_sessions(&tagged).await.unwrap().total_count, 0);
    let of_b = SessionSearch { agent_id: Some("b".into()), ..SessionSearch::default() };
    assert_eq!(a.search_sessions(&of_b).await.unwrap().total_count, 0);
    let runs = a.search_runs(&RunSearch::default()).await.unwrap().runs;
    assert_eq!(runs.len(), 2, "{runs:?}");
    let everything = EventSearch { limit: Some(1000), ..EventSearch::default() };
    assert_eq!(a.search_events(&everything).await.unwrap().events.len(), 6);
    assert_eq!(a.count_events(&everything).await.unwrap(), 6);
    let named = EventSearch { session_ids: vec!["sb".into()], ..EventSearch::default() };
    assert_eq!(a.count_events(&named).await.unwrap(), 0);
    refused("get_events", a.get_events("sb", &EventFilter::default()).await);
    refused("list_runs", a.list_runs("sb", &ListRuns::default()).await);
    refused("get_active_run", a.get_active_run("sb").await);
    refused("get_latest_sequence", a.get_latest_sequence("sb").await);
    assert_eq!(a.get_latest_sequence("sa").await.unwrap(), 3);
    assert_eq!(a.get_latest_sequence("nope").await.unwrap(), 0);
    assert!(a.get_events("nope", &EventFilter::default()).await.unwrap().is_empty());
    refused("list_by_session", a.list_by_session("sb").await);
    refused("artifact session_stats", a.session_stats("sb").await);
    assert_eq!(a.session_stats("sa").await.unwrap().artifact_count, 1);
    let usage = a.get_usage_summary(&UsageQuery::default()).await.unwrap();
    let all_usage = all.get_usage_summary(&UsageQuery::default()).await.unwrap();
    assert_eq!(usage.run_count * 3, all_usage.run_count * 2);
    let cost = a.get_cost_summary(&CostQuery::default()).await.unwrap();
    assert_eq!(
        cost.run_count * 3,
        all.get_cost_summary(&CostQuery::default()).await.unwrap().run_count * 2
    );
    assert_eq!(a.get_session("sa").await.unwrap().agent_id, "a");
    assert_eq!(a.export_session("sa", true).await.unwrap().events.len(), 3);

    // By-id reads of b's rows are refused; unknown ids stay not-found.
    refused("get_session", a.get_session("sb").await);
    refused("get_run", a.get_run("r-sb").await);
    refused("get_session_stats", a.get_session_stats("sb").await);
    refused("export_session", a.export_session("sb", true).await);
    refused("get_by_key", a.get_by_key("k-sb").await);
    refused("get_by_key of no session", a.get_by_key("k-none").await);
    assert_eq!(a.get_session("nope").await.unwrap_err().code(), ErrorCode::SessionNotFound);
    assert_eq!(a.get_run("nope").await.unwrap_err().code(), ErrorCode::RunNotFound);
    assert!(a.get_by_key("nope").await.unwrap().is_none());

    // Refused writes change nothing at all.
    let before = dump(&db).await;
    let write_refusals: Vec<(&str, asm_core::Result<()>)> = vec![
        ("save_session of b", a.save_session(&agent_session("new", "b", &env)).await),
        ("take over b's session", a.save_session(&agent_session("sb", "a", &env)).await),
        ("delete b's session", a.delete_session("sb").await),
        ("run in b's session", a.save_run(&run("r-new", "sb", &env)).await),
        ("move b's run", a.save_run(&run("r-sb", "sa", &env)).await),
        ("run of no session", a.save_run(&run("r-x", "missing", &env)).await),
        (
            "event in b's session",
            a.append_event(&event("e-x", "sb", EventType::RunStarted, &env)).await,
        ),
        (
            "events with one in b's",
            a.append_events(&[
                event("e-y", "sa", EventType::RunStarted, &env),
                event("e-z", "sb", EventType::RunStarted, &env),
            ])
            .await
            .map(drop),
        ),
        (
            "flush of b's session",
            a.flush(&FlushPayload {
                session: agent_session("sb", "a", &env),
                run: run("r-f", "sb", &env),
                events: Vec::new(),
                provider_metadata: Default::default(),
            })
            .await,
        ),
        ("artifact in b's session", a.register(artifact("k-new", Some("sb"))).await.map(drop)),
        ("artifact of no session", a.register(artifact("k-new2", None)).await.map(drop)),
        ("delete b's artifact", a.delete("k-sb").await),
    ];
    for (what, result) in write_refusals {
        refused(what, result);
    }
    assert_eq!(dump(&db).await, before, "a refused write changed the database");

    // Writes inside the scope go through.
    a.save_session(&agent_session("sa3", "a", &env)).await.expect("own new session");
    // An own session without runs or events answers empty lists, not a refusal.
    assert!(a.list_runs("sa3", &ListRuns::default()).await.unwrap().is_empty());
    assert!(a.get_active_run("sa3").await.unwrap().is_none());
    assert!(a.get_events("sa3", &EventFilter::default()).await.unwrap().is_empty());
    assert!(a.list_by_session("sa3").await.unwrap().is_empty());
    assert_eq!(a.get_latest_sequence("sa3").await.unwrap(), 0);
    a.save_run(&run("r-sa3", "sa3", &env)).await.expect("own run");
    let stored = a.append_events(&events("e-sa3", "sa3", 2, &env)).await.expect("own events");
    assert_eq!(stored.last().and_then(|e| e.sequence_number), Some(2));
    a.delete("k-sa").await.expect("own artifact");
    a.delete_session("sa2").await.expect("own session");
    a.delete_session("never-existed").await.expect("deleting nothing stays idempotent");
    let mut remaining = ids(&all.list_sessions(&ListSessions::default()).await.unwrap());
    remaining.sort();
    assert_eq!(remaining, ["sa", "sa3", "sb"]);
    assert_eq!(all.get_events("sb", &EventFilter::default()).await.unwrap().len(), 3);
}
