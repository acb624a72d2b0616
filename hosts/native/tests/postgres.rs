//! SQL-specific behaviours on PostgreSQL (tokio-postgres + deadpool), the stored encoding, and
//! concurrent appends over parallel pooled connections. Each test gets its own fresh schema.
//!
//! Needs `DATABASE_URL`; start a throwaway server with `eval "$(scripts/postgres-up)"`.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use asm_core::ports::{EventFilter, SessionStore};
use asm_core::sql::{Dialect, ExecError, Executor, ResultSet, SqlStore, Statement, Value};
use asm_core::{EventType, Timestamp};
use asm_native::PostgresExecutor;
use common::{cases, env, event, events, raw, run, session, Backend};

fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "DATABASE_URL is not set. Start a throwaway PostgreSQL with `eval \"$(scripts/postgres-up)\"` \
             (from the repository root) and run the tests again."
        )
    })
}

/// A fresh schema on the test server, dropped (with everything in it) on drop.
struct PgDb {
    exec: PostgresExecutor,
    schema: String,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

impl PgDb {
    async fn new() -> PgDb {
        let url = database_url();
        let schema = format!("asm_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        let admin = PostgresExecutor::connect(&url, 1).expect("pool");
        admin
            .simple(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
            .await
            .unwrap_or_else(|e| panic!("cannot reach DATABASE_URL={url}: {e}"));
        let mut config: tokio_postgres::Config = url.parse().expect("DATABASE_URL");
        config.options(format!("-c search_path={schema}"));
        PgDb { exec: PostgresExecutor::from_config(config, 16).expect("pool"), schema }
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (url, schema) = (database_url(), self.schema.clone());
        let _ = std::thread::spawn(move || {
            block_on(async move {
                if let Ok(admin) = PostgresExecutor::connect(&url, 1) {
                    let _ = admin.simple(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await;
                }
            })
        })
        .join();
    }
}

impl Executor for PgDb {
    fn dialect(&self) -> Dialect {
        self.exec.dialect()
    }
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        self.exec.batch(statements).await
    }
}

struct Postgres;

impl Backend for Postgres {
    type Exec = PgDb;
    async fn migrated(&self) -> PgDb {
        let db = PgDb::new().await;
        db.exec.apply_migrations().await.expect("migrations");
        db
    }
    async fn empty(&self) -> PgDb {
        PgDb::new().await
    }
    async fn up(&self, db: &PgDb) {
        db.exec.apply_migrations().await.expect("up");
    }
    async fn down(&self, db: &PgDb) {
        db.exec.revert_migrations().await.expect("down");
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}

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
    sql_8_55_latest_sequence_after_prune_and_delete,
    sql_8_103_failed_hard_delete_rolls_back,
    sql_8_110_counter_mismatch_reported,
    sql_8_111_orphaned_artifacts,
    ports_smoke,
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
#[test]
fn concurrent_appends_are_gap_free() {
    block_on(async {
        let (env, _) = env();
        let s = SqlStore::new(Postgres.migrated().await, env.clone());
        let singles = (0..50).map(|i| {
            let e = event(&format!("evt_s{i}"), "ses_1", EventType::MessageReceived, &env);
            let s = &s;
            async move { vec![s.append_event_with_sequence(&e).await.unwrap()] }
        });
        let batches = (0..10).map(|i| {
            let batch = events(&format!("evt_b{i}"), "ses_1", 5, &env);
            let s = &s;
            async move { s.append_events(&batch).await.unwrap() }
        });
        let (a, b) = futures::future::join(futures::future::join_all(singles), futures::future::join_all(batches)).await;
        let mut returned: Vec<i64> = a.into_iter().chain(b).flatten().map(|e| e.sequence_number.unwrap()).collect();
        returned.sort_unstable();
        assert_eq!(returned, (1..=100).collect::<Vec<_>>());
        let stored: Vec<i64> =
            s.get_events("ses_1", &EventFilter::default()).await.unwrap().iter().map(|e| e.sequence_number.unwrap()).collect();
        assert_eq!(stored, (1..=100).collect::<Vec<_>>());
        assert_eq!(s.get_latest_sequence("ses_1").await.unwrap(), 100);
    });
}

/// The same event id appended concurrently to two sessions: stored once, no gap anywhere.
#[test]
fn concurrent_duplicate_ids_store_once() {
    block_on(async {
        let (env, _) = env();
        let s = SqlStore::new(Postgres.migrated().await, env.clone());
        let calls = (0..20).map(|i| {
            let sid = if i % 2 == 0 { "ses_a" } else { "ses_b" };
            let batch = vec![
                event(&format!("evt_shared_{}", i % 4), sid, EventType::MessageReceived, &env),
                event(&format!("evt_own_{i}"), sid, EventType::MessageReceived, &env),
            ];
            let s = &s;
            async move { s.append_events(&batch).await.unwrap() }
        });
        futures::future::join_all(calls).await;
        let mut total = 0;
        for sid in ["ses_a", "ses_b"] {
            let seqs: Vec<i64> =
                s.get_events(sid, &EventFilter::default()).await.unwrap().iter().map(|e| e.sequence_number.unwrap()).collect();
            assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "{sid}");
            assert_eq!(s.get_latest_sequence(sid).await.unwrap(), seqs.len() as i64);
            total += seqs.len();
        }
        assert_eq!(total, 24);
    });
}
