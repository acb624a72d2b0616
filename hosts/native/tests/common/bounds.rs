//! Bounded work per call: the streamed export, summaries read in pages, the tag filter in SQL,
//! and [`Limits`] refusing oversized calls with nothing written — each across its page or chunk
//! boundary.

use asm_core::ports::{
    ArtifactRegistry, CostQuery, EventFilter, ListSessions, QueryApi, SessionSearch, SessionStore,
    UsageQuery,
};
use asm_core::sql::{EXPORT_PAGE, SqlStore};
use asm_core::{ErrorCode, Limits, NewArtifact, NewSession, Session};

use super::scopes::dump;
use super::{Backend, env, events, run};

fn tagged(id: &str, tags: &[&str], env: &asm_core::Env) -> Session {
    let attrs = NewSession {
        id: Some(id.into()),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        ..NewSession::for_agent("agent")
    };
    Session::new(attrs, env).expect("valid session")
}

/// The suite; panics naming the first bound that does not hold.
pub async fn calls_are_bounded<B: Backend>(backend: &B) {
    let db = backend.migrated().await;
    let (env, _) = env();
    let store = SqlStore::new(&db, env.clone());
    let page = EXPORT_PAGE as usize;

    // One session with more than a page of runs, events and artifacts.
    store.save_session(&tagged("big", &["x", "y"], &env)).await.unwrap();
    for i in 0..page + 3 {
        let mut r = run(&format!("r{i:04}"), "big", &env);
        r.token_usage = serde_json::from_str(r#"{"input_tokens": 2, "output_tokens": 3}"#).unwrap();
        store.save_run(&r).await.unwrap();
        let artifact = NewArtifact {
            session_id: Some("big".into()),
            key: Some(format!("k{i}")),
            byte_size: Some(1),
            checksum_sha256: Some("0".repeat(64)),
            storage_backend: Some("s3".into()),
            storage_ref: Some(format!("ref/{i}")),
            ..NewArtifact::default()
        };
        store.register(artifact).await.unwrap();
    }
    store.append_events(&events("e", "big", 2 * page + 7, &env)).await.unwrap();

    // The chunks concatenate to the one-piece export, with or without artifacts.
    for include in [true, false] {
        let whole = store.export_session("big", include).await.unwrap();
        let mut chunks = SqlStore::new(&db, env.clone()).export_chunks("big", include);
        let (mut text, mut count) = (Vec::new(), 0);
        while let Some(chunk) = chunks.next_chunk().await.unwrap() {
            text.extend(chunk);
            count += 1;
        }
        let streamed: serde_json::Value = serde_json::from_slice(&text).expect("one JSON object");
        assert_eq!(streamed, serde_json::to_value(&whole).unwrap(), "include_artifacts {include}");
        assert!(count > 5, "{count} chunks");
    }
    let unknown = SqlStore::new(&db, env.clone()).export_chunks("nope", false).next_chunk().await;
    assert_eq!(unknown.unwrap_err().code(), ErrorCode::SessionNotFound);

    // Summaries and stats fold every page of runs.
    let runs = (page + 3) as u64;
    assert_eq!(store.get_usage_summary(&UsageQuery::default()).await.unwrap().run_count, runs);
    let cost = store.get_cost_summary(&CostQuery::default()).await.unwrap();
    assert_eq!(cost.run_count, runs);
    let stats = store.get_session_stats("big").await.unwrap();
    assert_eq!((stats.run_count, stats.token_totals.input_tokens), (runs, 2.0 * runs as f64));

    // The tag filter counts and pages in SQL.
    for (i, tags) in [&["x"][..], &["x", "y"], &["y"], &[]].iter().enumerate() {
        store.save_session(&tagged(&format!("t{i}"), tags, &env)).await.unwrap();
    }
    let both = SessionSearch {
        tags: vec!["x".into(), "y".into()],
        limit: Some(1),
        ..SessionSearch::default()
    };
    let first = store.search_sessions(&both).await.unwrap();
    assert_eq!((first.total_count, first.sessions.len()), (2, 1));
    let next = SessionSearch { cursor: first.cursor.clone(), ..both.clone() };
    let second = store.search_sessions(&next).await.unwrap();
    assert_eq!(second.sessions.len(), 1);
    assert_ne!(first.sessions[0].id, second.sessions[0].id);
    let x = SessionSearch { tags: vec!["x".into()], ..SessionSearch::default() };
    assert_eq!(store.search_sessions(&x).await.unwrap().total_count, 3);

    // A NUL in a read's argument is bad input on every backend (PostgreSQL cannot hold one).
    let nul = store.get_session("big\0").await.unwrap_err();
    assert_eq!(
        (nul.code(), nul.details()["reason"].as_str()),
        (ErrorCode::ValidationError, Some("nul_character"))
    );
    let filtered = EventFilter { run_id: Some("r\0".into()), ..EventFilter::default() };
    assert_eq!(
        store.get_events("big", &filtered).await.unwrap_err().code(),
        ErrorCode::ValidationError
    );

    // Limits: default pages, refused pages, events per call, statements per batch.
    let edge = SqlStore::new(&db, env.clone()).with_limits(Limits::EDGE);
    let listed = edge.get_events("big", &EventFilter::default()).await.unwrap();
    assert_eq!(listed.len(), 100);
    assert_eq!(edge.list_sessions(&ListSessions::default()).await.unwrap().len(), 5);
    let too_many = EventFilter { limit: Some(1001), ..EventFilter::default() };
    let refused = edge.get_events("big", &too_many).await.unwrap_err();
    assert_eq!(
        (refused.code(), refused.details()["limit"].as_u64()),
        (ErrorCode::ValidationError, Some(1000))
    );
    let before = dump(&db).await;
    let calls = [
        edge.append_events(&events("n", "big", 1001, &env)).await.unwrap_err(),
        edge.append_events(&spread(600, &env)).await.unwrap_err(),
    ];
    for (error, reason) in calls.iter().zip(["too_many_events", "too_many_statements"]) {
        assert_eq!(error.code(), ErrorCode::ValidationError, "{error}");
        assert_eq!(error.details()["reason"], reason, "{error}");
    }
    assert_eq!(dump(&db).await, before, "a refused call wrote");
    let fits = edge.append_events(&spread(150, &env)).await.unwrap();
    assert_eq!(fits.len(), 150);
}

/// One event in each of `n` sessions: two statements per session (one on PostgreSQL, whose
/// insert locks and raises the counter itself).
fn spread(n: usize, env: &asm_core::Env) -> Vec<asm_core::Event> {
    (0..n).flat_map(|i| events(&format!("s{i}"), &format!("spread-{i}"), 1, env)).collect()
}
