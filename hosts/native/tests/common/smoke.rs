//! Every port method once, with the options that change the SQL, so each statement the store
//! writes is run by the real database of each dialect.

use asm_core::ports::{
    ArtifactRegistry, CostQuery, EventFilter, EventOrder, EventSearch, FlushPayload, ListRuns,
    ListSessions, Maintenance, QueryApi, RunOrder, RunSearch, SessionOrder, SessionSearch,
    SessionStore, UsageQuery,
};
use asm_core::{ErrorCode, EventType, Limit, RetentionPolicy, RunStatus, SessionStatus};
use serde_json::json;

use super::{Backend, env, event, run, session};

fn usage(input: i64, output: i64) -> asm_core::JsonMap {
    asm_core::json::object(
        json!({"input_tokens": input, "output_tokens": output, "total_tokens": input + output}),
    )
}

/// Sessions, runs, events, queries, maintenance and artifacts on one database.
pub async fn ports_smoke<B: Backend>(b: &B) {
    let (env, clock) = env();
    let s = asm_core::sql::SqlStore::new(b.migrated().await, env.clone());

    // Sessions: upsert, read back, list with filters.
    let mut s1 = session("ses_1", &env);
    s1.tags = vec!["alpha".into(), "beta".into()];
    s1.metadata = asm_core::json::object(json!({"nested": {"a": [1, 2.5, "x"]}}));
    s1.parent_session_id = Some("ses_0".into());
    s1.status = SessionStatus::Active;
    s.save_session(&s1).await.unwrap();
    let mut s2 = session("ses_2", &env);
    s2.tags = vec!["beta".into()];
    s2.status = SessionStatus::Completed;
    s.save_session(&s2).await.unwrap();
    assert_eq!(s.get_session("ses_1").await.unwrap(), s1);
    assert_eq!(s.get_session("nope").await.unwrap_err().message(), "Session not found: nope");
    let completed =
        ListSessions { status: Some(SessionStatus::Completed), ..ListSessions::default() };
    assert_eq!(s.list_sessions(&completed).await.unwrap(), vec![s2.clone()]);
    assert_eq!(
        s.list_sessions(&ListSessions { limit: Some(1), ..ListSessions::default() })
            .await
            .unwrap()
            .len(),
        1
    );

    // Runs: upsert with every column, active run, list.
    let mut r1 = run("run_1", "ses_1", &env);
    r1.input = Some(json!({"prompt": "hi", "list": [{"a": 1}]}));
    r1.status = RunStatus::Running;
    r1.provider = Some("claude".into());
    r1.token_usage = usage(100, 50);
    r1.provider_metadata = asm_core::json::object(json!({"model": "claude-sonnet-4"}));
    s.save_run(&r1).await.unwrap();
    let mut r2 = run("run_2", "ses_2", &env);
    r2.provider = Some("codex".into());
    r2.status = RunStatus::Completed;
    r2.token_usage = usage(200, 80);
    r2.cost_usd = Some(0.5);
    r2.ended_at = Some(env.now());
    s.save_run(&r2).await.unwrap();
    assert_eq!(s.get_run("run_1").await.unwrap(), r1);
    assert_eq!(s.get_active_run("ses_1").await.unwrap(), Some(r1.clone()));
    assert_eq!(s.get_active_run("ses_2").await.unwrap(), None);
    let running = ListRuns { status: Some(RunStatus::Running), limit: None };
    assert_eq!(s.list_runs("ses_1", &running).await.unwrap(), vec![r1.clone()]);

    // Events: flush, filters, an id of another session refused.
    let e1 = event("evt_1", "ses_1", EventType::RunStarted, &env);
    let mut e2 = event("evt_2", "ses_1", EventType::MessageReceived, &env);
    e2.run_id = Some("run_1".into());
    e2.data = asm_core::json::object(json!({"content": "hello", "role": "user"}));
    e2.provider = Some("claude".into());
    e2.correlation_id = Some("corr".into());
    let payload = FlushPayload {
        session: s1.clone(),
        run: r1.clone(),
        events: vec![e1.clone(), e2.clone()],
        provider_metadata: None,
    };
    s.flush(&payload).await.unwrap();
    // An id of ses_1 sent to ses_2 is refused (event ids belong to one session).
    let moved = event("evt_1", "ses_2", EventType::RunCompleted, &env);
    let refused = s.append_event_with_sequence(&moved).await.unwrap_err();
    assert_eq!(refused.code(), asm_core::ErrorCode::SessionMismatch);
    assert_eq!(s.get_latest_sequence("ses_2").await.unwrap(), 0);
    let stored = s.get_events("ses_1", &EventFilter::default()).await.unwrap();
    assert_eq!(stored[1], asm_core::Event { sequence_number: Some(2), ..e2.clone() });
    let by_run = EventFilter { run_id: Some("run_1".into()), ..EventFilter::default() };
    assert_eq!(s.get_events("ses_1", &by_run).await.unwrap().len(), 1);
    let since = EventFilter {
        since: Some(e2.timestamp),
        after: Some(0),
        before: Some(3),
        limit: Some(5),
        ..EventFilter::default()
    };
    assert_eq!(s.get_events("ses_1", &since).await.unwrap().len(), 1, "since is inclusive");
    let typed = EventFilter { event_type: Some(EventType::RunStarted), ..EventFilter::default() };
    assert_eq!(s.get_events("ses_1", &typed).await.unwrap().len(), 1);

    // QueryAPI.
    let tagged = SessionSearch { tags: vec!["alpha".into()], ..SessionSearch::default() };
    let page = s.search_sessions(&tagged).await.unwrap();
    assert_eq!((page.sessions.len(), page.total_count), (1, 1));
    let by_provider = SessionSearch {
        provider: vec!["codex".into()],
        status: Some(vec![SessionStatus::Completed]),
        ..SessionSearch::default()
    };
    assert_eq!(s.search_sessions(&by_provider).await.unwrap().sessions, vec![s2.clone()]);
    let first = SessionSearch {
        order_by: SessionOrder::CreatedAtAsc,
        limit: Some(1),
        ..SessionSearch::default()
    };
    let p1 = s.search_sessions(&first).await.unwrap();
    assert_eq!((p1.sessions[0].id.as_str(), p1.total_count), ("ses_1", 2));
    let p2 = s
        .search_sessions(&SessionSearch { cursor: p1.cursor.clone(), ..first.clone() })
        .await
        .unwrap();
    assert_eq!(p2.sessions[0].id, "ses_2");
    let p3 = s
        .search_sessions(&SessionSearch { cursor: p2.cursor.clone(), ..first.clone() })
        .await
        .unwrap();
    assert_eq!((p3.sessions.len(), p3.cursor, p3.total_count), (0, None, 2));
    let tagged_page = SessionSearch {
        tags: vec!["beta".into()],
        limit: Some(1),
        order_by: SessionOrder::CreatedAtDesc,
        ..SessionSearch::default()
    };
    let t1 = s.search_sessions(&tagged_page).await.unwrap();
    let t2 = s
        .search_sessions(&SessionSearch { cursor: t1.cursor.clone(), ..tagged_page.clone() })
        .await
        .unwrap();
    assert_eq!(
        (t1.sessions[0].id.as_str(), t2.sessions[0].id.as_str(), t2.total_count),
        ("ses_2", "ses_1", 2)
    );

    let stats = s.get_session_stats("ses_1").await.unwrap();
    assert_eq!(
        (stats.event_count, stats.run_count, stats.providers_used.clone()),
        (2, 1, vec!["claude".to_owned()])
    );
    assert_eq!(
        (stats.first_event_at, stats.last_event_at),
        (Some(e1.timestamp), Some(e2.timestamp))
    );
    assert_eq!(stats.token_totals.total_tokens, 150.0);
    assert_eq!(s.get_session_stats("nope").await.unwrap_err().code(), ErrorCode::SessionNotFound);

    let heavy = RunSearch {
        min_tokens: Some(200),
        order_by: RunOrder::TokenUsageDesc,
        ..RunSearch::default()
    };
    let runs = s.search_runs(&heavy).await.unwrap();
    assert_eq!((runs.runs.len(), runs.runs[0].id.as_str(), runs.cursor), (1, "run_2", None));
    let by_tokens = s
        .search_runs(&RunSearch { order_by: RunOrder::TokenUsageDesc, ..RunSearch::default() })
        .await
        .unwrap();
    assert_eq!(
        by_tokens.runs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["run_2", "run_1"]
    );
    let newest = RunSearch {
        limit: Some(1),
        status: Some(vec![RunStatus::Running, RunStatus::Completed]),
        ..RunSearch::default()
    };
    let n1 = s.search_runs(&newest).await.unwrap();
    let n2 =
        s.search_runs(&RunSearch { cursor: n1.cursor.clone(), ..newest.clone() }).await.unwrap();
    assert_eq!((n1.runs[0].id.as_str(), n2.runs[0].id.as_str()), ("run_2", "run_1"));
    assert_eq!(
        s.search_runs(&RunSearch { min_tokens: Some(-1), ..RunSearch::default() })
            .await
            .unwrap_err()
            .code(),
        ErrorCode::QueryError
    );

    let summary = s.get_usage_summary(&UsageQuery::default()).await.unwrap();
    assert_eq!(
        (summary.total_tokens, summary.run_count, summary.by_provider["codex"].input_tokens),
        (430.0, 2, 200.0)
    );
    let cost = s
        .get_cost_summary(&CostQuery {
            agent_id: Some("test-agent".into()),
            ..CostQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (cost.run_count, cost.unmapped_runs, cost.by_provider["codex"].cost_usd),
        (2, 0, 0.5)
    );
    assert!(
        (cost.by_model["claude-sonnet-4"].cost_usd - (100.0 * 3.0 + 50.0 * 15.0) / 1e6).abs()
            < 1e-12
    );
    assert_eq!(
        s.get_cost_summary(&CostQuery { agent_id: Some("other".into()), ..CostQuery::default() })
            .await
            .unwrap()
            .run_count,
        0
    );

    let filters = EventSearch {
        session_ids: vec!["ses_1".into()],
        run_ids: vec!["run_1".into()],
        types: Some(vec![EventType::MessageReceived]),
        providers: vec!["claude".into()],
        correlation_id: Some("corr".into()),
        since: Some(e2.timestamp),
        until: Some(e2.timestamp),
        ..EventSearch::default()
    };
    assert_eq!(s.search_events(&filters).await.unwrap().events.len(), 1);
    assert_eq!(s.count_events(&filters).await.unwrap(), 1);
    for order in [EventOrder::SequenceAsc, EventOrder::TimestampAsc, EventOrder::TimestampDesc] {
        let q = EventSearch { order_by: order, limit: Some(1), ..EventSearch::default() };
        let a = s.search_events(&q).await.unwrap();
        let b2 =
            s.search_events(&EventSearch { cursor: a.cursor.clone(), ..q.clone() }).await.unwrap();
        assert_ne!(a.events[0].id, b2.events[0].id, "{order:?}");
    }

    // Artifacts and export.
    let a = s
        .register(asm_core::NewArtifact {
            session_id: Some("ses_1".into()),
            key: Some("a.txt".into()),
            byte_size: Some(1234),
            checksum_sha256: Some("c".into()),
            storage_backend: Some("s3".into()),
            storage_ref: Some("s3://b/a.txt".into()),
            metadata: asm_core::json::object(json!({"m": true})),
            ..asm_core::NewArtifact::default()
        })
        .await
        .unwrap();
    assert_eq!(s.get_by_key("a.txt").await.unwrap(), Some(a.clone()));
    assert_eq!(s.list_by_session("ses_1").await.unwrap(), vec![a.clone()]);
    assert_eq!(s.session_stats("ses_1").await.unwrap().total_bytes, 1234);
    let export = s.export_session("ses_1", true).await.unwrap();
    assert_eq!(
        (export.runs.len(), export.events.len(), export.artifacts.map(|v| v.len())),
        (1, 2, Some(1))
    );
    assert!(s.export_session("ses_1", false).await.unwrap().artifacts.is_none());
    s.delete("a.txt").await.unwrap();
    assert_eq!(s.get_by_key("a.txt").await.unwrap(), None);
    assert_eq!(s.session_stats("ses_1").await.unwrap().artifact_count, 0);

    // Maintenance: soft delete of an old session, pruning, orphans, health.
    clock.advance(100 * 86_400 * 1_000_000);
    let policy =
        RetentionPolicy { max_events_per_session: Limit::Finite(1), ..RetentionPolicy::default() };
    let report = s.execute(&policy).await.unwrap();
    assert_eq!(
        (report.sessions_soft_deleted, report.events_pruned, report.errors.len()),
        (1, 1, 0)
    );
    assert!(s.get_session("ses_2").await.unwrap().deleted_at.is_some());
    assert!(
        s.get_session("ses_1").await.unwrap().deleted_at.is_none(),
        "active sessions are exempt"
    );
    // Pruning removed the newest event (run_started is protected): ASM's check reports the
    // counter above the maximum (docs/asm-v0.8/sql.md §6.8 quirk).
    assert_eq!(
        s.health_check().await.unwrap(),
        ["Sequence mismatch for ses_1: counter=2, max_sequence=1"]
    );
    assert_eq!(s.search_sessions(&SessionSearch::default()).await.unwrap().total_count, 1);

    // A non-numeric stored total counts as 0 in SQL filters and orders; nothing errors.
    let mut odd = run("run_3", "ses_2", &env);
    odd.token_usage = asm_core::json::object(json!({"total_tokens": "lots"}));
    s.save_run(&odd).await.unwrap();
    let over_one =
        RunSearch { min_tokens: Some(1), session_id: Some("ses_2".into()), ..RunSearch::default() };
    assert_eq!(
        s.search_runs(&over_one)
            .await
            .unwrap()
            .runs
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["run_2"]
    );
    let ordered = s
        .search_runs(&RunSearch { order_by: RunOrder::TokenUsageDesc, ..RunSearch::default() })
        .await
        .unwrap();
    assert_eq!(
        ordered.runs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["run_2", "run_1", "run_3"]
    );

    let bad = RetentionPolicy { batch_size: 0, ..RetentionPolicy::default() };
    assert_eq!(s.execute(&bad).await.unwrap_err().code(), ErrorCode::ValidationError);
}
