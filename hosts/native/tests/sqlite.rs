//! SQL-specific behaviours on SQLite (rusqlite, bundled), plus the D1 dialect run on SQLite,
//! the stored encoding, and eight OS threads appending to one file.

mod common;

use asm_core::ports::{EventFilter, SessionStore};
use asm_core::sql::{Dialect, SqlStore, Value};
use asm_core::{EventType, Timestamp};
use asm_native::SqliteExecutor;
use common::sqlite_db::Sqlite;
use common::{Backend, Probe, block_on, cases, env, event, events, raw, run, session};

macro_rules! sqlite_cases {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { block_on(cases::$name(&Sqlite(Dialect::Sqlite))) } )*
        mod d1 {
            use super::*;
            $( #[test] fn $name() { block_on(cases::$name(&Sqlite(Dialect::D1))) } )*
        }
    };
}

sqlite_cases!(
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

/// D1's 100-value limit: 250 events in one call are numbered 1..=250, in 9-row inserts.
#[test]
fn d1_dialect_chunks_250_events() {
    block_on(async {
        let (env, _) = env();
        let s = SqlStore::new(Probe::new(Sqlite(Dialect::D1).migrated().await), env.clone());
        let batch = events("evt", "ses_1", 250, &env);
        s.executor().reset();
        let stored = s.append_events(&batch).await.unwrap();
        let seqs: Vec<i64> = stored.iter().map(|e| e.sequence_number.unwrap()).collect();
        assert_eq!(seqs, (1..=250).collect::<Vec<_>>());
        // ceil(250 / 9) = 28 inserts + raise, one batch (new events need no read-back).
        assert_eq!((s.executor().batches.get(), s.executor().statements.get()), (1, 29));
        let more = s.append_events(&events("more", "ses_1", 20, &env)).await.unwrap();
        assert_eq!(more.last().unwrap().sequence_number, Some(270));
        assert_eq!(s.get_latest_sequence("ses_1").await.unwrap(), 270);
    });
}

/// The stored text: fixed-width timestamps without offset, tags and maps as compact JSON.
#[test]
fn stored_encoding_is_ecto_sqlite3s() {
    block_on(async {
        let db = Sqlite(Dialect::Sqlite).migrated().await;
        let (env, _) = env();
        let s = SqlStore::new(db, env.clone());
        let mut ses = session("ses_1", &env);
        ses.tags = vec!["b".into(), "a".into()];
        ses.metadata = asm_core::json::object(serde_json::json!({"k": {"n": 1}}));
        ses.created_at = Timestamp::from_micros(1_737_979_200_000_000);
        s.save_session(&ses).await.unwrap();
        let mut r = run("run_1", "ses_1", &env);
        r.input = None;
        s.save_run(&r).await.unwrap();
        s.append_event(&event("evt_1", "ses_1", EventType::RunStarted, &env)).await.unwrap();
        let row = raw(
            s.executor(),
            "SELECT tags, metadata, context, created_at, deleted_at FROM asm_sessions",
        )
        .await;
        let text = |s: &str| Value::Text(s.into());
        assert_eq!(
            row,
            vec![vec![
                text("[\"b\",\"a\"]"),
                text("{\"k\":{\"n\":1}}"),
                text("{}"),
                text("2025-01-27T12:00:00.000000"),
                Value::Null
            ]]
        );
        let row = raw(
            s.executor(),
            "SELECT input, token_usage, typeof(turn_count), status FROM asm_runs",
        )
        .await;
        assert_eq!(row, vec![vec![Value::Null, text("{}"), text("integer"), text("pending")]]);
        let row = raw(
            s.executor(),
            "SELECT type, \"timestamp\", data, sequence_number, schema_version FROM asm_events",
        )
        .await;
        let ts = match &row[0][1] {
            Value::Text(t) => t.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(ts.len(), 26, "{ts}");
        assert!(!ts.ends_with('Z'));
        assert_eq!(row[0][0], text("run_started"));
        assert_eq!(row[0][2..], [text("{}"), Value::Integer(1), Value::Integer(1)]);
    });
}

/// Eight OS threads, each with its own connection to one file, append to one session.
#[test]
fn eight_threads_one_file_gap_free() {
    let db = Sqlite(Dialect::Sqlite);
    let first = block_on(db.migrated());
    let path = first.path().to_path_buf();
    let per_thread = 25;
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let (env, _) = env();
                let s = SqlStore::new(SqliteExecutor::open(&path).expect("open"), env.clone());
                block_on(async {
                    for i in 0..per_thread {
                        let e = event(
                            &format!("evt_{t}_{i}"),
                            "ses_1",
                            EventType::MessageReceived,
                            &env,
                        );
                        if i % 5 == 0 {
                            s.append_events(&[e.clone(), e]).await.unwrap();
                        } else {
                            s.append_event(&e).await.unwrap();
                        }
                    }
                });
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    block_on(async {
        let s = SqlStore::new(first, env().0);
        let seqs: Vec<i64> = s
            .get_events("ses_1", &EventFilter::default())
            .await
            .unwrap()
            .iter()
            .map(|e| e.sequence_number.unwrap())
            .collect();
        assert_eq!(seqs, (1..=8 * per_thread as i64).collect::<Vec<_>>());
        assert_eq!(s.get_latest_sequence("ses_1").await.unwrap(), 8 * per_thread as i64);
    });
}
