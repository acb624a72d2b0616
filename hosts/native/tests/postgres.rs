//! SQL-specific behaviours on PostgreSQL (tokio-postgres + deadpool), the stored encoding, and
//! concurrent appends over parallel pooled connections. Each test gets its own fresh schema.
//!
//! Needs `DATABASE_URL`; start a throwaway server with `eval "$(scripts/postgres-up)"`.

mod common;

use asm_core::ports::{EventFilter, SessionStore};
use asm_core::sql::{SqlStore, Value};
use asm_core::{Event, EventType, Timestamp};
use common::pg_db::Postgres;
use common::{Backend, block_on, cases, env, event, events, raw, run, session};

macro_rules! postgres_cases {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { block_on(cases::$name(&Postgres)) } )*
    };
}

postgres_cases!(
    sql_8_1_tables_and_indexes_up_and_down,
    sql_8_2_3_check_schema,
    sql_8_4_unique_indexes,
    sql_8_21_delete_cascade,
    sql_8_34_whole_cost_reads_back_as_float,
    sql_8_39_failed_append_consumes_nothing,
    sql_8_42_three_thousand_events,
    event_ids_match_another_writers_row_by_value,
    sql_8_55_latest_sequence_after_prune_and_delete,
    sql_8_103_failed_hard_delete_rolls_back,
    sql_8_110_counter_mismatch_reported,
    sql_8_111_orphaned_artifacts,
    ports_smoke,
    scoped_store_keeps_to_its_agents,
    calls_are_bounded,
);

/// The stored types and text: `timestamp` (µs, UTC wall clock), `varchar(255)[]` tags, jsonb maps.
#[test]
fn stored_encoding_is_ecto_postgres() {
    block_on(async {
        let (env, _) = env();
        let s = SqlStore::new(Postgres.migrated().await, env.clone());
        let mut ses = session("ses_1", &env);
        ses.tags = vec!["b".into(), "a,b".into()];
        ses.metadata = asm_core::json::object(serde_json::json!({"k": {"n": 1}}));
        ses.created_at = Timestamp::from_micros(1_737_979_200_000_001);
        s.save_session(&ses).await.unwrap();
        s.save_run(&run("run_1", "ses_1", &env)).await.unwrap();
        s.append_event(&event("evt_1", "ses_1", EventType::RunStarted, &env)).await.unwrap();
        let text = |s: &str| Value::Text(s.into());
        let row = raw(
            s.executor(),
            "SELECT pg_typeof(tags)::text, tags::text, pg_typeof(metadata)::text, metadata::text, \
             pg_typeof(created_at)::text, created_at::text FROM asm_sessions",
        )
        .await;
        assert_eq!(
            row,
            vec![vec![
                text("character varying[]"),
                text("{b,\"a,b\"}"),
                text("jsonb"),
                text("{\"k\": {\"n\": 1}}"),
                text("timestamp without time zone"),
                text("2025-01-27 12:00:00.000001"),
            ]]
        );
        let row = raw(s.executor(), "SELECT input::text, turn_count, cost_usd FROM asm_runs").await;
        assert_eq!(row, vec![vec![Value::Null, Value::Integer(0), Value::Null]]);
        assert_eq!(s.get_session("ses_1").await.unwrap(), ses);
    });
}

/// 50 concurrent single appends and 10 concurrent batches of 5 on one session: exactly 1..=100.
/// Twenty rounds in a row (a fresh session each),.
#[test]
fn concurrent_appends_are_gap_free() {
    block_on(async {
        let (env, _) = env();
        let s = SqlStore::new(Postgres.migrated().await, env.clone());
        for round in 0..20 {
            let sid = format!("ses_{round}");
            let singles = (0..50).map(|i| {
                let e =
                    event(&format!("evt_r{round}_s{i}"), &sid, EventType::MessageReceived, &env);
                let s = &s;
                async move { vec![s.append_event_with_sequence(&e).await.unwrap()] }
            });
            let batches = (0..10).map(|i| {
                let batch = events(&format!("evt_r{round}_b{i}"), &sid, 5, &env);
                let s = &s;
                async move { s.append_events(&batch).await.unwrap() }
            });
            let (a, b) = futures::future::join(
                futures::future::join_all(singles),
                futures::future::join_all(batches),
            )
            .await;
            let mut returned: Vec<i64> =
                a.into_iter().chain(b).flatten().map(|e| e.sequence_number.unwrap()).collect();
            returned.sort_unstable();
            assert_eq!(returned, (1..=100).collect::<Vec<_>>(), "round {round}");
            let stored: Vec<i64> = s
                .get_events(&sid, &EventFilter::default())
                .await
                .unwrap()
                .iter()
                .map(|e| e.sequence_number.unwrap())
                .collect();
            assert_eq!(stored, (1..=100).collect::<Vec<_>>(), "round {round}");
            assert_eq!(s.get_latest_sequence(&sid).await.unwrap(), 100, "round {round}");
        }
    });
}

/// The same event ids appended concurrently, within one session and across two: each shared id
/// ends up stored once, in one session; a call repeating an id the other session holds is
/// refused whole (`session_mismatch`, its own event not stored), exact repeats in the same
/// session are idempotent, and no session has a gap.
#[test]
fn concurrent_duplicate_ids_store_once() {
    block_on(async {
        let (env, _) = env();
        let s = SqlStore::new(common::Probe::new(Postgres.migrated().await), env.clone());
        let sessions = ["ses_a", "ses_b"];
        // One copy of each shared event per session, so repeats within a session are exact.
        let shared: Vec<Vec<Event>> = (0..3)
            .map(|k| {
                let e =
                    event(&format!("evt_shared_{k}"), "ses_a", EventType::MessageReceived, &env);
                sessions
                    .iter()
                    .map(|sid| Event { session_id: (*sid).into(), ..e.clone() })
                    .collect()
            })
            .collect();
        let calls = (0..20).map(|i| {
            let batch = vec![
                shared[i % 3][i % 2].clone(),
                event(&format!("evt_own_{i}"), sessions[i % 2], EventType::MessageReceived, &env),
            ];
            let s = &s;
            async move { (i, s.append_events(&batch).await) }
        });
        let results = futures::future::join_all(calls).await;
        // Every retry after a lost race is one more batch than the 20 calls.
        eprintln!("20 calls took {} batches", s.executor().batches.get());
        let mut stored_ids = Vec::new();
        for sid in sessions {
            let events = s.get_events(sid, &EventFilter::default()).await.unwrap();
            let seqs: Vec<i64> = events.iter().map(|e| e.sequence_number.unwrap()).collect();
            assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "{sid}");
            assert_eq!(s.get_latest_sequence(sid).await.unwrap(), seqs.len() as i64);
            stored_ids.extend(events.into_iter().map(|e| e.id));
        }
        let mut accepted = 0;
        for (i, result) in results {
            let own = format!("evt_own_{i}");
            match result {
                Ok(_) => {
                    accepted += 1;
                    assert!(stored_ids.contains(&own), "{own} missing");
                }
                Err(e) => {
                    assert_eq!(e.code(), asm_core::ErrorCode::SessionMismatch, "call {i}: {e}");
                    assert!(!stored_ids.contains(&own), "{own} stored by a refused call");
                }
            }
        }
        stored_ids.sort();
        let unique = stored_ids.len();
        stored_ids.dedup();
        assert_eq!(unique, stored_ids.len(), "an id stored twice");
        assert_eq!(stored_ids.len(), 3 + accepted);
    });
}

/// 7000 new events of one session in one call (ASM's single insert fails above 5957 on
/// PostgreSQL): two inserts of ≤ 6553 rows, each bumping the counter by its rows and returning
/// their numbers, numbered 1..=7000.
#[test]
fn seven_thousand_events_in_one_call() {
    block_on(async {
        let (env, _) = env();
        let s = SqlStore::new(common::Probe::new(Postgres.migrated().await), env.clone());
        let batch = events("evt", "ses_1", 7000, &env);
        s.executor().reset();
        let stored = s.append_events(&batch).await.unwrap();
        assert_eq!((s.executor().batches.get(), s.executor().statements.get()), (1, 2));
        let seqs: Vec<i64> = stored.iter().map(|e| e.sequence_number.unwrap()).collect();
        assert_eq!(seqs, (1..=7000).collect::<Vec<_>>());
    });
}
