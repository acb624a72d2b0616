//! The cases, named after the numbered behaviours of docs/asm-v0.8/sql.md §8.

use asm_core::ports::{ArtifactRegistry, EventFilter, Maintenance, SessionStore};
use asm_core::sql::migrations::TABLES;
use asm_core::sql::{Builder, ExecErrorKind, Executor, SqlType, Value, chunk_size};
use asm_core::{ErrorCode, EventType, Limit, NewArtifact, RetentionPolicy};

#[allow(unused_imports)] // the conformance runner does not use the cases
pub use super::smoke::ports_smoke;
use super::{
    Backend, Probe, T0, asm_objects, count, env, event, events, is_kind, raw, run, session, store,
};

fn artifact(key: &str, session_id: Option<&str>) -> NewArtifact {
    NewArtifact {
        session_id: session_id.map(str::to_owned),
        key: Some(key.into()),
        byte_size: Some(100),
        checksum_sha256: Some("abc".into()),
        storage_backend: Some("s3".into()),
        storage_ref: Some(format!("s3://bucket/{key}")),
        ..NewArtifact::default()
    }
}

async fn rows_per_table<E: Executor>(exec: &E) -> Vec<i64> {
    let mut counts = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM asm_sessions",
        "SELECT COUNT(*) FROM asm_runs",
        "SELECT COUNT(*) FROM asm_events",
        "SELECT COUNT(*) FROM asm_session_sequences",
        "SELECT COUNT(*) FROM asm_artifacts",
    ] {
        counts.push(count(exec, sql).await);
    }
    counts
}

/// 1: the tables and the two named indexes exist after up; nothing is left after down.
pub async fn sql_8_1_tables_and_indexes_up_and_down<B: Backend>(b: &B) {
    let exec = b.migrated().await;
    let objects = asm_objects(&exec).await;
    for name in TABLES.iter().chain(&["asm_artifacts_key_index", "asm_sessions_deleted_at_index"]) {
        assert!(objects.iter().any(|o| o == name), "{name} missing from {objects:?}");
    }
    b.down(&exec).await;
    assert_eq!(asm_objects(&exec).await, Vec::<String>::new());
}

/// 2–3: the schema check fails with migration_required on an empty database, passes after up.
pub async fn sql_8_2_3_check_schema<B: Backend>(b: &B) {
    let exec = b.empty().await;
    let s = store(exec);
    let e = s.check_schema().await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::MigrationRequired);
    assert!(e.message().contains("migrations/"), "{}", e.message());
    assert_eq!(e.details()["missing_column"], "asm_sessions.deleted_at");
    let get = s.get_session("ses_x").await.unwrap_err();
    assert_eq!(get.code(), ErrorCode::MigrationRequired);
    b.up(s.executor()).await;
    s.check_schema().await.unwrap();
}

/// 4: the unique indexes on (session_id, sequence_number) and on artifact keys hold.
pub async fn sql_8_4_unique_indexes<B: Backend>(b: &B) {
    let s = store(b.migrated().await);
    s.append_event(&event("evt_1", "ses_1", EventType::RunStarted, s.env())).await.unwrap();
    let mut q = Builder::write(s.dialect());
    q.sql("INSERT INTO asm_events (id, type, \"timestamp\", session_id, sequence_number) VALUES (");
    q.bind(Value::Text("evt_2".into()), SqlType::Text).sql(", ");
    q.bind(Value::Text("run_started".into()), SqlType::Text).sql(", ");
    q.bind(Value::Text(T0.to_sql_text()), SqlType::Timestamp).sql(", ");
    q.bind(Value::Text("ses_1".into()), SqlType::Text).sql(", ");
    q.bind(Value::Integer(1), SqlType::Int).sql(")");
    let result = s.executor().batch(vec![q.build()]).await;
    assert!(is_kind(&result, ExecErrorKind::UniqueViolation), "{result:?}");

    s.register(artifact("k.txt", Some("ses_1"))).await.unwrap();
    let again = s.register(artifact("k.txt", Some("ses_2"))).await.unwrap_err();
    assert_eq!(
        (again.code(), again.message()),
        (ErrorCode::PersistenceError, "key has already been taken")
    );
    let mut q = Builder::write(s.dialect());
    q.sql("INSERT INTO asm_artifacts (id, key, byte_size, checksum_sha256, storage_backend, storage_ref, created_at) VALUES (");
    for (i, text) in ["art_raw", "k.txt"].iter().enumerate() {
        q.bind(Value::Text((*text).into()), SqlType::Text).sql(if i == 0 {
            ", "
        } else {
            ", 1, 'c', 's3', 'ref', "
        });
    }
    q.bind(Value::Text(T0.to_sql_text()), SqlType::Timestamp).sql(")");
    let result = s.executor().batch(vec![q.build()]).await;
    assert!(is_kind(&result, ExecErrorKind::UniqueViolation), "{result:?}");
    let same_id = NewArtifact {
        id: Some(s.get_by_key("k.txt").await.unwrap().unwrap().id),
        ..artifact("other", None)
    };
    let e = s.register(same_id).await.unwrap_err();
    assert_eq!(e.message(), "id has already been taken");
}

/// 21: delete_session leaves no row of the session in any table.
pub async fn sql_8_21_delete_cascade<B: Backend>(b: &B) {
    let s = store(b.migrated().await);
    let env = s.env().clone();
    s.save_session(&session("ses_1", &env)).await.unwrap();
    s.save_run(&run("run_1", "ses_1", &env)).await.unwrap();
    s.append_event_with_sequence(&event("evt_1", "ses_1", EventType::RunStarted, &env))
        .await
        .unwrap();
    s.register(artifact("a.txt", Some("ses_1"))).await.unwrap();
    assert_eq!(rows_per_table(s.executor()).await, vec![1, 1, 1, 1, 1]);
    s.delete_session("ses_1").await.unwrap();
    assert_eq!(rows_per_table(s.executor()).await, vec![0, 0, 0, 0, 0]);
    s.delete_session("ses_1").await.unwrap();
}

/// 34: a whole-number cost reads back as that float (SQLite stores it as an integer).
pub async fn sql_8_34_whole_cost_reads_back_as_float<B: Backend>(b: &B) {
    let s = store(b.migrated().await);
    let mut r = run("run_1", "ses_1", s.env());
    r.cost_usd = Some(2.0);
    s.save_run(&r).await.unwrap();
    if s.dialect().is_sqlite() {
        let stored = raw(s.executor(), "SELECT typeof(cost_usd) FROM asm_runs").await;
        assert_eq!(stored, vec![vec![Value::Text("integer".into())]]);
    }
    assert_eq!(s.get_run("run_1").await.unwrap().cost_usd, Some(2.0));
}

/// 39: a failed append (rejected before SQL, or rolled back in SQL) consumes no sequence number.
pub async fn sql_8_39_failed_append_consumes_nothing<B: Backend>(b: &B) {
    let (env, _) = env();
    let probe = Probe::new(b.migrated().await);
    // The append's last statement: the raise, or on PostgreSQL the insert that raises.
    let last =
        if probe.dialect().is_sqlite() { "INSERT INTO asm_session_sequences" } else { "WITH n AS" };
    probe.fail_prefix.set(Some(last));
    let s = asm_core::sql::SqlStore::new(probe, env.clone());
    let mut blank = event("evt_blank", "ses_1", EventType::MessageReceived, &env);
    blank.id.clear();
    let e = s.append_event(&blank).await.unwrap_err();
    assert_eq!((e.code(), e.message()), (ErrorCode::ValidationError, "id can't be blank"));
    let e = s.append_events(&events("evt", "ses_1", 3, &env)).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::StorageError);
    assert!(e.message().starts_with("append_events failed: "), "{}", e.message());
    assert_eq!(rows_per_table(s.executor()).await, vec![0, 0, 0, 0, 0]);
    s.executor().fail_prefix.set(None);
    let stored = s
        .append_event_with_sequence(&event("evt_ok", "ses_1", EventType::RunStarted, &env))
        .await
        .unwrap();
    assert_eq!(stored.sequence_number, Some(1));
}

/// 42: 3000 events in one call get 1..=3000; the statement count shows the chunking.
pub async fn sql_8_42_three_thousand_events<B: Backend>(b: &B) {
    let (env, _) = env();
    let s = asm_core::sql::SqlStore::new(Probe::new(b.migrated().await), env.clone());
    let batch = events("evt", "ses_1", 3000, &env);
    s.executor().reset();
    let stored = s.append_events(&batch).await.unwrap();
    // One batch: the inserts (10 values per row, RETURNING the numbers), then the raise (on
    // PostgreSQL each insert locks and raises the counter itself); new events need no
    // read-back: 1 + 1 on SQLite, 1 on PostgreSQL, 334 + 1 on D1.
    let d = s.dialect();
    let raise = usize::from(d.is_sqlite());
    let expected = raise + 3000usize.div_ceil(chunk_size(d, 1, 10));
    assert_eq!((s.executor().batches.get(), s.executor().statements.get()), (1, expected));
    let seqs: Vec<i64> = stored.iter().map(|e| e.sequence_number.unwrap()).collect();
    assert_eq!(seqs, (1..=3000).collect::<Vec<_>>());
    assert_eq!(s.get_latest_sequence("ses_1").await.unwrap(), 3000);
    let all = s.get_events("ses_1", &EventFilter::default()).await.unwrap();
    assert_eq!(all.len(), 3000);
    assert_eq!(all.last().unwrap().id, "evt-3000");
}

/// 55: pruning leaves the counter alone; delete_session resets it to 0.
pub async fn sql_8_55_latest_sequence_after_prune_and_delete<B: Backend>(b: &B) {
    let s = store(b.migrated().await);
    let env = s.env().clone();
    let streamed: Vec<_> = (1..=6)
        .map(|i| event(&format!("evt_{i}"), "ses_1", EventType::MessageStreamed, &env))
        .collect();
    s.append_events(&streamed).await.unwrap();
    let policy = RetentionPolicy {
        max_events_per_session: Limit::Finite(2),
        batch_size: 3,
        ..RetentionPolicy::default()
    };
    assert_eq!(s.prune_session_events("ses_1", &policy).await.unwrap(), 4);
    let left: Vec<_> = s
        .get_events("ses_1", &EventFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(left, ["evt_5", "evt_6"]);
    assert_eq!(s.get_latest_sequence("ses_1").await.unwrap(), 6);
    s.delete_session("ses_1").await.unwrap();
    assert_eq!(s.get_latest_sequence("ses_1").await.unwrap(), 0);
}

/// 103: a hard delete whose cascade fails half-way keeps every row of that session.
pub async fn sql_8_103_failed_hard_delete_rolls_back<B: Backend>(b: &B) {
    let (env, _) = env();
    let probe = Probe::new(b.migrated().await);
    probe.fail_prefix.set(Some("DELETE FROM asm_runs"));
    let s = asm_core::sql::SqlStore::new(probe, env.clone());
    let mut old = session("ses_old", &env);
    old.deleted_at = Some(T0.add_days(-60));
    s.save_session(&old).await.unwrap();
    s.save_run(&run("run_1", "ses_old", &env)).await.unwrap();
    s.append_event(&event("evt_1", "ses_old", EventType::RunStarted, &env)).await.unwrap();
    s.register(artifact("a.txt", Some("ses_old"))).await.unwrap();
    let e = s.hard_delete_expired_sessions(&RetentionPolicy::default()).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::MaintenanceError);
    assert_eq!(rows_per_table(s.executor()).await, vec![1, 1, 1, 1, 1]);
    let report = s.execute(&RetentionPolicy::default()).await.unwrap();
    assert_eq!(report.sessions_hard_deleted, 0);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
}

/// 110: a counter below the stored maximum is reported by the health check.
pub async fn sql_8_110_counter_mismatch_reported<B: Backend>(b: &B) {
    let s = store(b.migrated().await);
    let env = s.env().clone();
    s.save_session(&session("ses_1", &env)).await.unwrap();
    s.append_events(&events("evt", "ses_1", 2, &env)).await.unwrap();
    assert_eq!(s.health_check().await.unwrap(), Vec::<String>::new());
    raw(s.executor(), "UPDATE asm_session_sequences SET last_sequence = 1").await;
    assert_eq!(
        s.health_check().await.unwrap(),
        ["Sequence mismatch for ses_1: counter=1, max_sequence=2"]
    );
}

/// 111: orphaned artifacts go; artifacts without a session stay.
pub async fn sql_8_111_orphaned_artifacts<B: Backend>(b: &B) {
    let s = store(b.migrated().await);
    s.save_session(&session("ses_1", s.env())).await.unwrap();
    s.register(artifact("kept.txt", Some("ses_1"))).await.unwrap();
    s.register(artifact("loose.txt", None)).await.unwrap();
    s.register(artifact("orphan.txt", Some("ses_gone"))).await.unwrap();
    assert_eq!(s.clean_orphaned_artifacts().await.unwrap(), 1);
    assert_eq!(count(s.executor(), "SELECT COUNT(*) FROM asm_artifacts").await, 2);
    assert!(s.get_by_key("loose.txt").await.unwrap().is_some());
}

/// The agent-scope suite (`scopes.rs`), run like the cases above (only by some test binaries).
#[allow(unused_imports)]
pub use super::{bounds::calls_are_bounded, scopes::scoped_store_keeps_to_its_agents};

/// Event ids against a row another writer stored (as ASM's Elixir writer may: SQL NULL for a nil
/// map, its own key order and float text, a timestamp with a zone letter): the same event sent
/// from here matches it by value (the store pins the row and answers it), other content is
/// `already_exists`, another session `session_mismatch`; nothing new is ever written.
pub async fn event_ids_match_another_writers_row_by_value<B: Backend>(b: &B) {
    let s = store(b.migrated().await);
    raw(
        s.executor(),
        "INSERT INTO asm_events (id, type, \"timestamp\", session_id, run_id, sequence_number, \
         data, metadata, schema_version, provider, correlation_id) VALUES ('evt_ex', \
         'message_received', '2025-01-27T12:00:00.500000Z', 'ses_ex', NULL, 1, NULL, \
         '{\"b\": 1, \"a\": 2.50}', 1, NULL, NULL)",
    )
    .await;
    raw(
        s.executor(),
        "INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES ('ses_ex', 1)",
    )
    .await;
    let same = asm_core::Event {
        id: "evt_ex".into(),
        event_type: EventType::MessageReceived,
        timestamp: asm_core::Timestamp::from_micros(1_737_979_200_500_000),
        session_id: "ses_ex".into(),
        run_id: None,
        data: asm_core::JsonMap::new(),
        metadata: asm_core::json::object(serde_json::json!({"a": 2.5, "b": 1})),
        sequence_number: None,
        schema_version: 1,
        provider: None,
        correlation_id: None,
    };
    let back = s.append_event_with_sequence(&same).await.unwrap();
    assert_eq!(back, asm_core::Event { sequence_number: Some(1), ..same.clone() });
    s.append_event(&same).await.unwrap();
    let fresh = event("evt_new", "ses_ex", EventType::MessageSent, &env().0);
    let got = s.append_events(&[fresh, same.clone()]).await.unwrap();
    assert_eq!(got.iter().map(|e| e.sequence_number).collect::<Vec<_>>(), [Some(2), Some(1)]);
    let mut other = same.clone();
    other.metadata.insert("b".into(), serde_json::json!(2));
    let e = s.append_events(&[other]).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::AlreadyExists, "{e}");
    let elsewhere = asm_core::Event { session_id: "ses_other".into(), ..same };
    let e = s.append_event(&elsewhere).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::SessionMismatch, "{e}");
    assert_eq!(count(s.executor(), "SELECT COUNT(*) FROM asm_events").await, 2);
    assert_eq!(s.get_latest_sequence("ses_ex").await.unwrap(), 2);
    assert_eq!(s.get_latest_sequence("ses_other").await.unwrap(), 0);
}
