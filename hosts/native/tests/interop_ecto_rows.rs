//! Ecto rows: rows inserted by raw SQL in the forms ASM's Ecto adapter (and ecto_sqlite3 /
//! exqlite under other settings) leaves in the `asm_*` tables, read back through every store
//! and through the public row decoders, each compared with the entity it must decode to.
//!
//! The forms (docs/tables.md): NULL maps and tags (read as `{}` / `[]`; run input, output and
//! error as `None`), empty tags, jsonb on PostgreSQL, nested JSON with floats, booleans and
//! nulls, `cost_usd` whole (`1`, which SQLite's NUMERIC affinity stores as INTEGER 1) and
//! fractional, a NULL `turn_count`, a bigint `byte_size`, and SQLite text timestamps in every
//! form ecto_sqlite3 and exqlite write: `2026-01-02T03:04:05.123456` (ASM's
//! `:utc_datetime_usec` with `datetime_type: :iso8601`), `…T03:04:05` (a value without
//! fraction), `2026-01-02 03:04:05` (`datetime_type: :text_datetime`), `…05Z` and
//! `…05.123456Z` (a DateTime bound by exqlite itself), `…05.123` (millisecond precision). On
//! PostgreSQL the same literals go into `timestamp` columns (PostgreSQL drops a `Z`).
//!
//! Backends: `SqliteStore` (SQLite through rusqlite), the same file with the D1 dialect
//! (`sqlite-d1-dialect`) and `PostgresStore` (tokio-postgres). Reads: `get_session`, `get_run`,
//! `get_events`, `get_latest_sequence`, `get_by_key`; then a hand-written `SELECT *` per row
//! decoded with `asm_core::sql::Row`; on PostgreSQL also every session as a text-protocol
//! driver returns it (`tags::text` is an array literal, timestamps `YYYY-MM-DD HH:MM:SS[.f]`).
//! Prints `interop ecto-rows: N passed, M failed`. Needs `DATABASE_URL`; start a throwaway
//! server with `eval "$(scripts/postgres-up)"`.

mod common;

use asm_core::ports::{ArtifactRegistry, EventFilter, SessionStore};
use asm_core::sql::{Dialect, Executor, FromRow, Row, SequenceCounter, SqlStore};
use asm_core::{
    Artifact, Event, EventType, JsonMap, Run, RunStatus, Session, SessionStatus, Timestamp,
};
use common::rows::{pg_rows, sqlite_rows};
use common::{Backend, block_on, env, raw};
use serde_json::json;

/// 2026-01-02T03:04:05Z in µs since the epoch.
const T: i64 = 1_767_323_045_000_000;

fn at(micros_after_t: i64) -> Timestamp {
    Timestamp::from_micros(T + micros_after_t)
}

fn obj(value: serde_json::Value) -> JsonMap {
    asm_core::json::object(value)
}

/// A SQL literal, the same on both dialects or one per dialect.
#[derive(Clone, Copy)]
enum Lit {
    /// The same SQL on SQLite and PostgreSQL.
    Both(&'static str),
    /// SQLite's SQL, then PostgreSQL's.
    Per(&'static str, &'static str),
}

use Lit::{Both, Per};

const NULL: Lit = Both("NULL");

/// `INSERT INTO table (cols…) VALUES (literals…)` in the dialect's forms.
fn insert(table: &str, cells: &[(&str, Lit)], dialect: Dialect) -> String {
    let columns: Vec<String> = cells.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    let values: Vec<&str> = cells
        .iter()
        .map(|(_, lit)| match (*lit, dialect.is_sqlite()) {
            (Both(s), _) | (Per(s, _), true) | (Per(_, s), false) => s,
        })
        .collect();
    format!("INSERT INTO {table} ({}) VALUES ({})", columns.join(", "), values.join(", "))
}

/// One row to insert and the entity it must read back as.
struct Fixture<T> {
    what: &'static str,
    cells: Vec<(&'static str, Lit)>,
    expected: T,
}

fn sessions() -> Vec<Fixture<Session>> {
    let base = |id: &str, created_at, updated_at| Session {
        id: id.into(),
        agent_id: "agent-1".into(),
        status: SessionStatus::Active,
        parent_session_id: None,
        metadata: JsonMap::new(),
        context: JsonMap::new(),
        tags: Vec::new(),
        created_at,
        updated_at,
        deleted_at: None,
    };
    vec![
        Fixture {
            what: "NULL maps and tags, `…T03:04:05` (no fraction)",
            cells: vec![
                ("id", Both("'ses_null'")),
                ("agent_id", Both("'agent-1'")),
                ("status", Both("'active'")),
                ("parent_session_id", NULL),
                ("metadata", NULL),
                ("context", NULL),
                ("tags", NULL),
                ("created_at", Both("'2026-01-02T03:04:05'")),
                ("updated_at", Both("'2026-01-02T03:04:05'")),
                ("deleted_at", NULL),
            ],
            expected: base("ses_null", at(0), at(0)),
        },
        Fixture {
            what: "empty tags and maps, ASM's `…05.123456`, soft-deleted",
            cells: vec![
                ("id", Both("'ses_empty'")),
                ("agent_id", Both("'agent-1'")),
                ("status", Both("'completed'")),
                ("parent_session_id", Both("'ses_null'")),
                ("metadata", Both("'{}'")),
                ("context", Both("'{}'")),
                ("tags", Per("'[]'", "ARRAY[]::varchar[]")),
                ("created_at", Both("'2026-01-02T03:04:05.123456'")),
                ("updated_at", Both("'2026-01-02T03:04:06.000001'")),
                ("deleted_at", Both("'2026-01-03T03:04:05.000000'")),
            ],
            expected: Session {
                status: SessionStatus::Completed,
                parent_session_id: Some("ses_null".into()),
                deleted_at: Some(at(86_400_000_000)),
                ..base("ses_empty", at(123_456), at(1_000_001))
            },
        },
        Fixture {
            what: "`…05Z` and `…05.123456Z` (exqlite's DateTime), nested JSON, tags in order",
            cells: vec![
                ("id", Both("'ses_zulu'")),
                ("agent_id", Both("'agent-1'")),
                ("status", Both("'active'")),
                ("parent_session_id", NULL),
                (
                    "metadata",
                    Both(r#"'{"k":{"n":1,"f":1.5,"whole":2.0},"list":[1,"x",null,true,false]}'"#),
                ),
                ("context", Both(r#"'{"system_prompt":"be brief","depth":{"a":{"b":[]}}}'"#)),
                (
                    "tags",
                    Per(
                        r#"'["b","a","a,b","say \"hi\""]'"#,
                        r#"ARRAY['b','a','a,b','say "hi"']::varchar[]"#,
                    ),
                ),
                ("created_at", Both("'2026-01-02T03:04:05Z'")),
                ("updated_at", Both("'2026-01-02T03:04:05.123456Z'")),
                ("deleted_at", NULL),
            ],
            expected: Session {
                metadata: obj(
                    json!({"k": {"n": 1, "f": 1.5, "whole": 2.0}, "list": [1, "x", null, true, false]}),
                ),
                context: obj(json!({"system_prompt": "be brief", "depth": {"a": {"b": []}}})),
                tags: vec!["b".into(), "a".into(), "a,b".into(), "say \"hi\"".into()],
                ..base("ses_zulu", at(0), at(123_456))
            },
        },
        Fixture {
            what: "`2026-01-02 03:04:05` (text_datetime) and `…05.123` (milliseconds)",
            cells: vec![
                ("id", Both("'ses_text'")),
                ("agent_id", Both("'agent-1'")),
                ("status", Both("'paused'")),
                ("parent_session_id", NULL),
                ("metadata", Both("'{}'")),
                ("context", Both("'{}'")),
                ("tags", Per(r#"'["only"]'"#, "ARRAY['only']::varchar[]")),
                ("created_at", Both("'2026-01-02 03:04:05'")),
                ("updated_at", Both("'2026-01-02T03:04:05.123'")),
                ("deleted_at", NULL),
            ],
            expected: Session {
                status: SessionStatus::Paused,
                tags: vec!["only".into()],
                ..base("ses_text", at(0), at(123_000))
            },
        },
    ]
}

fn runs() -> Vec<Fixture<Run>> {
    vec![
        Fixture {
            what: "NULL input/output/error/maps/turn_count, cost_usd 1 (whole)",
            cells: vec![
                ("id", Both("'run_null'")),
                ("session_id", Both("'ses_null'")),
                ("status", Both("'completed'")),
                ("input", NULL),
                ("output", NULL),
                ("error", NULL),
                ("metadata", NULL),
                ("turn_count", NULL),
                ("token_usage", NULL),
                ("started_at", Both("'2026-01-02T03:04:05.000000'")),
                ("ended_at", NULL),
                ("provider", NULL),
                ("provider_metadata", Both("'{}'")),
                ("cost_usd", Both("1.0")),
            ],
            expected: Run {
                id: "run_null".into(),
                session_id: "ses_null".into(),
                status: RunStatus::Completed,
                input: None,
                output: None,
                error: None,
                metadata: JsonMap::new(),
                turn_count: 0,
                token_usage: JsonMap::new(),
                started_at: at(0),
                ended_at: None,
                provider: None,
                provider_metadata: JsonMap::new(),
                cost_usd: Some(1.0),
            },
        },
        Fixture {
            what: "JSON input/output/error, token usage, fractional cost, `…Z` end",
            cells: vec![
                ("id", Both("'run_full'")),
                ("session_id", Both("'ses_null'")),
                ("status", Both("'failed'")),
                ("input", Both(r#"'{"prompt":"hi","n":[1,2.5]}'"#)),
                ("output", Both(r#"'{"content":"hello"}'"#)),
                ("error", Both(r#"'{"code":"provider_timeout","message":"slow"}'"#)),
                ("metadata", Both(r#"'{"attempt":2}'"#)),
                ("turn_count", Both("3")),
                (
                    "token_usage",
                    Both(r#"'{"input_tokens":10,"output_tokens":5,"total_tokens":15}'"#),
                ),
                ("started_at", Both("'2026-01-02T03:04:05.000001'")),
                ("ended_at", Both("'2026-01-02T03:04:07Z'")),
                ("provider", Both("'claude'")),
                ("provider_metadata", Both(r#"'{"model":"claude-sonnet-4"}'"#)),
                ("cost_usd", Both("0.0125")),
            ],
            expected: Run {
                id: "run_full".into(),
                session_id: "ses_null".into(),
                status: RunStatus::Failed,
                input: Some(json!({"prompt": "hi", "n": [1, 2.5]})),
                output: Some(json!({"content": "hello"})),
                error: Some(json!({"code": "provider_timeout", "message": "slow"})),
                metadata: obj(json!({"attempt": 2})),
                turn_count: 3,
                token_usage: obj(
                    json!({"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}),
                ),
                started_at: at(1),
                ended_at: Some(at(2_000_000)),
                provider: Some("claude".into()),
                provider_metadata: obj(json!({"model": "claude-sonnet-4"})),
                cost_usd: Some(0.0125),
            },
        },
    ]
}

fn events() -> Vec<Fixture<Event>> {
    let ev = |id: &str, seq, event_type, timestamp| Event {
        id: id.into(),
        event_type,
        timestamp,
        session_id: "ses_null".into(),
        run_id: None,
        sequence_number: Some(seq),
        data: JsonMap::new(),
        metadata: JsonMap::new(),
        schema_version: 1,
        provider: None,
        correlation_id: None,
    };
    let cells = |id, seq, ty, ts, data, metadata, version, run: Lit| {
        vec![
            ("id", id),
            ("type", ty),
            ("timestamp", ts),
            ("session_id", Both("'ses_null'")),
            ("run_id", run),
            ("sequence_number", seq),
            ("data", data),
            ("metadata", metadata),
            ("schema_version", version),
            ("provider", NULL),
            ("correlation_id", NULL),
        ]
    };
    vec![
        Fixture {
            what: "nil data and metadata written as NULL, ASM's timestamp",
            cells: cells(
                Both("'evt_1'"),
                Both("1"),
                Both("'run_started'"),
                Both("'2026-01-02T03:04:05.123456'"),
                NULL,
                NULL,
                Both("1"),
                Both("'run_full'"),
            ),
            expected: Event {
                run_id: Some("run_full".into()),
                ..ev("evt_1", 1, EventType::RunStarted, at(123_456))
            },
        },
        Fixture {
            what: "nested data, `{}` metadata, `…05Z`, schema_version 2, provider, correlation",
            cells: {
                let mut c = cells(
                    Both("'evt_2'"),
                    Both("2"),
                    Both("'message_received'"),
                    Both("'2026-01-02T03:04:05Z'"),
                    Both(r#"'{"content":"hi","parts":[{"type":"text","ok":true}],"score":0.75}'"#),
                    Both("'{}'"),
                    Both("2"),
                    NULL,
                );
                c[9] = ("provider", Both("'claude'"));
                c[10] = ("correlation_id", Both("'corr-1'"));
                c
            },
            expected: Event {
                data: obj(
                    json!({"content": "hi", "parts": [{"type": "text", "ok": true}], "score": 0.75}),
                ),
                schema_version: 2,
                provider: Some("claude".into()),
                correlation_id: Some("corr-1".into()),
                ..ev("evt_2", 2, EventType::MessageReceived, at(0))
            },
        },
        Fixture {
            what: "`2026-01-02 03:04:05` (text_datetime), schema_version left to its default",
            cells: {
                let mut c = cells(
                    Both("'evt_3'"),
                    Both("3"),
                    Both("'message_sent'"),
                    Both("'2026-01-02 03:04:05'"),
                    Both("'{}'"),
                    NULL,
                    NULL,
                    NULL,
                );
                c.retain(|(column, _)| *column != "schema_version");
                c
            },
            expected: ev("evt_3", 3, EventType::MessageSent, at(0)),
        },
        Fixture {
            what: "`…05.123456Z`",
            cells: cells(
                Both("'evt_4'"),
                Both("4"),
                Both("'run_completed'"),
                Both("'2026-01-02T03:04:05.123456Z'"),
                Both(r#"'{"whole":1.0,"big":12345678901}'"#),
                Both(r#"'{"source":"elixir"}'"#),
                Both("1"),
                NULL,
            ),
            expected: Event {
                data: obj(json!({"whole": 1.0, "big": 12_345_678_901_i64})),
                metadata: obj(json!({"source": "elixir"})),
                ..ev("evt_4", 4, EventType::RunCompleted, at(123_456))
            },
        },
        Fixture {
            what: "`…05.123` (milliseconds)",
            cells: cells(
                Both("'evt_5'"),
                Both("5"),
                Both("'session_completed'"),
                Both("'2026-01-02T03:04:05.123'"),
                NULL,
                Both("'{}'"),
                Both("1"),
                NULL,
            ),
            expected: ev("evt_5", 5, EventType::SessionCompleted, at(123_000)),
        },
    ]
}

fn artifacts() -> Vec<Fixture<Artifact>> {
    vec![
        Fixture {
            what: "`{}` metadata, bigint byte_size, no session or run, `…T03:04:05`",
            cells: vec![
                ("id", Both("'art_big'")),
                ("session_id", NULL),
                ("run_id", NULL),
                ("key", Both("'blobs/big.bin'")),
                ("content_type", NULL),
                ("byte_size", Both("5000000000")),
                ("checksum_sha256", Both("'e3b0c442'")),
                ("storage_backend", Both("'s3'")),
                ("storage_ref", Both("'s3://bucket/big.bin'")),
                ("metadata", Both("'{}'")),
                ("created_at", Both("'2026-01-02T03:04:05'")),
                ("deleted_at", NULL),
            ],
            expected: Artifact {
                id: "art_big".into(),
                session_id: None,
                run_id: None,
                key: "blobs/big.bin".into(),
                content_type: None,
                byte_size: 5_000_000_000,
                checksum_sha256: "e3b0c442".into(),
                storage_backend: "s3".into(),
                storage_ref: "s3://bucket/big.bin".into(),
                metadata: JsonMap::new(),
                created_at: at(0),
                deleted_at: None,
            },
        },
        Fixture {
            what: "nested metadata, a session and a run, `…05.123456Z`",
            cells: vec![
                ("id", Both("'art_doc'")),
                ("session_id", Both("'ses_null'")),
                ("run_id", Both("'run_full'")),
                ("key", Both("'docs/a.txt'")),
                ("content_type", Both("'text/plain'")),
                ("byte_size", Both("0")),
                ("checksum_sha256", Both("'00ff'")),
                ("storage_backend", Both("'file'")),
                ("storage_ref", Both("'/tmp/a.txt'")),
                ("metadata", Both(r#"'{"labels":["x"],"pages":{"n":2}}'"#)),
                ("created_at", Both("'2026-01-02T03:04:05.123456Z'")),
                ("deleted_at", NULL),
            ],
            expected: Artifact {
                id: "art_doc".into(),
                session_id: Some("ses_null".into()),
                run_id: Some("run_full".into()),
                key: "docs/a.txt".into(),
                content_type: Some("text/plain".into()),
                byte_size: 0,
                checksum_sha256: "00ff".into(),
                storage_backend: "file".into(),
                storage_ref: "/tmp/a.txt".into(),
                metadata: obj(json!({"labels": ["x"], "pages": {"n": 2}})),
                created_at: at(123_456),
                deleted_at: None,
            },
        },
    ]
}

/// The counter row ASM's appends of the five events leave: `last_sequence` 5, `updated_at`
/// NULL (no ASM code path writes it).
const COUNTER: &[(&str, Lit)] =
    &[("session_id", Both("'ses_null'")), ("last_sequence", Both("5")), ("updated_at", NULL)];

/// The checks of one backend, each `Ok(what)` or `Err(what: why)`.
type Checks = Vec<Result<String, String>>;

fn compare<T: PartialEq + std::fmt::Debug>(
    what: String,
    got: Result<T, String>,
    want: &T,
) -> Result<String, String> {
    match got {
        Ok(got) if &got == want => Ok(what),
        Ok(got) => Err(format!("{what}: read {got:?}, want {want:?}")),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// Inserts every fixture with raw SQL in the dialect's Ecto forms.
async fn insert_all<E: Executor>(exec: &E) {
    let dialect = exec.dialect();
    for f in sessions() {
        raw(exec, &insert("asm_sessions", &f.cells, dialect)).await;
    }
    for f in runs() {
        raw(exec, &insert("asm_runs", &f.cells, dialect)).await;
    }
    for f in events() {
        raw(exec, &insert("asm_events", &f.cells, dialect)).await;
    }
    for f in artifacts() {
        raw(exec, &insert("asm_artifacts", &f.cells, dialect)).await;
    }
    raw(exec, &insert("asm_session_sequences", COUNTER, dialect)).await;
}

/// Reads every fixture back through the store's ports.
async fn through_store<E: Executor>(s: &SqlStore<E>, name: &str) -> Checks {
    let mut checks = Checks::new();
    for f in sessions() {
        let got = s.get_session(&f.expected.id).await.map_err(|e| e.to_string());
        checks.push(compare(format!("{name} store get_session {}", f.what), got, &f.expected));
    }
    for f in runs() {
        let got = s.get_run(&f.expected.id).await.map_err(|e| e.to_string());
        checks.push(compare(format!("{name} store get_run {}", f.what), got, &f.expected));
    }
    let stored = s.get_events("ses_null", &EventFilter::default()).await;
    for (i, f) in events().into_iter().enumerate() {
        let got = match &stored {
            Ok(all) => all.get(i).cloned().ok_or_else(|| format!("{} events", all.len())),
            Err(e) => Err(e.to_string()),
        };
        checks.push(compare(
            format!("{name} store get_events #{} {}", i + 1, f.what),
            got,
            &f.expected,
        ));
    }
    let latest = s.get_latest_sequence("ses_null").await.map_err(|e| e.to_string());
    checks.push(compare(format!("{name} store get_latest_sequence"), latest, &5));
    for f in artifacts() {
        let got = s.get_by_key(&f.expected.key).await.map_err(|e| e.to_string());
        checks.push(compare(format!("{name} store get_by_key {}", f.what), got, &Some(f.expected)));
    }
    checks
}

/// Reads every fixture back with a hand-written `SELECT *` through `rows`, decoded with the
/// public decoders in `dialect`.
async fn by_hand<F, Fut>(name: &str, dialect: Dialect, rows: F) -> Checks
where
    F: Fn(&'static str, String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Row>, String>>,
{
    async fn one<T: FromRow + PartialEq + std::fmt::Debug>(
        what: String,
        rows: Result<Vec<Row>, String>,
        dialect: Dialect,
        want: &T,
    ) -> Result<String, String> {
        let got = rows.and_then(|rows| match rows.as_slice() {
            [row] => T::from_row(row, dialect).map_err(|e| e.to_string()),
            other => Err(format!("{} rows", other.len())),
        });
        compare(what, got, want)
    }
    let mut checks = Checks::new();
    for f in sessions() {
        let rows = rows("SELECT * FROM asm_sessions WHERE id = ", f.expected.id.clone()).await;
        checks.push(
            one(format!("{name} by hand asm_sessions {}", f.what), rows, dialect, &f.expected)
                .await,
        );
    }
    for f in runs() {
        let rows = rows("SELECT * FROM asm_runs WHERE id = ", f.expected.id.clone()).await;
        checks.push(
            one(format!("{name} by hand asm_runs {}", f.what), rows, dialect, &f.expected).await,
        );
    }
    for f in events() {
        let rows = rows("SELECT * FROM asm_events WHERE id = ", f.expected.id.clone()).await;
        checks.push(
            one(format!("{name} by hand asm_events {}", f.what), rows, dialect, &f.expected).await,
        );
    }
    for f in artifacts() {
        let rows = rows("SELECT * FROM asm_artifacts WHERE id = ", f.expected.id.clone()).await;
        checks.push(
            one(format!("{name} by hand asm_artifacts {}", f.what), rows, dialect, &f.expected)
                .await,
        );
    }
    let counter =
        SequenceCounter { session_id: "ses_null".into(), last_sequence: 5, updated_at: None };
    let rows =
        rows("SELECT * FROM asm_session_sequences WHERE session_id = ", "ses_null".into()).await;
    checks
        .push(one(format!("{name} by hand asm_session_sequences"), rows, dialect, &counter).await);
    checks
}

/// One SQLite-syntax backend: a fresh file in `dialect`, the store over it and a rusqlite
/// connection for the hand-written reads.
fn sqlite(name: &str, dialect: Dialect) -> Checks {
    let db = block_on(common::sqlite_db::Sqlite(dialect).migrated());
    block_on(insert_all(&*db));
    let s = SqlStore::new(&*db, env().0);
    let mut checks = block_on(through_store(&s, name));
    let conn = rusqlite::Connection::open(db.path()).expect("open");
    checks.extend(block_on(by_hand(name, dialect, |sql, id| {
        let rows = sqlite_rows(&conn, &format!("{sql}?"), &id);
        async move { rows }
    })));
    // The whole cost is stored as ecto_sqlite3's NUMERIC affinity leaves it: INTEGER 1.
    let ty = block_on(raw(&*db, "SELECT typeof(cost_usd) FROM asm_runs WHERE id = 'run_null'"));
    checks.push(compare(
        format!("{name} cost_usd 1.0 is stored as INTEGER"),
        Ok(ty),
        &vec![vec![asm_core::sql::Value::Text("integer".into())]],
    ));
    checks
}

fn postgres() -> Checks {
    block_on(async {
        let db = common::pg_db::Postgres.migrated().await;
        insert_all(&db).await;
        let s = SqlStore::new(&db, env().0);
        let mut checks = through_store(&s, "postgres").await;
        let client = db.client().await;
        let client = &client;
        checks.extend(
            by_hand("postgres", Dialect::Postgres, |sql, id| async move {
                pg_rows(client, &format!("{sql}$1"), &id).await
            })
            .await,
        );
        // A text-protocol driver's cells: everything as PostgreSQL prints it.
        let sql = "SELECT id, agent_id, status, parent_session_id, metadata::text AS metadata, \
                   context::text AS context, tags::text AS tags, created_at::text AS created_at, \
                   updated_at::text AS updated_at, deleted_at::text AS deleted_at \
                   FROM asm_sessions WHERE id = $1";
        for f in sessions() {
            let got =
                pg_rows(client, sql, &f.expected.id).await.and_then(|rows| match rows.as_slice() {
                    [row] => Session::from_row(row, Dialect::Postgres).map_err(|e| e.to_string()),
                    other => Err(format!("{} rows", other.len())),
                });
            checks.push(compare(
                format!("postgres text forms asm_sessions {}", f.what),
                got,
                &f.expected,
            ));
        }
        checks
    })
}

fn main() {
    let mut checks = sqlite("sqlite", Dialect::Sqlite);
    checks.extend(sqlite("sqlite-d1-dialect", Dialect::D1));
    checks.extend(postgres());
    let mut failed = 0;
    for check in &checks {
        match check {
            Ok(what) => println!("ecto-rows {what}: ok"),
            Err(why) => {
                failed += 1;
                eprintln!("FAILED ecto-rows {why}");
            }
        }
    }
    println!("interop ecto-rows: {} passed, {failed} failed", checks.len() - failed);
    assert_eq!(failed, 0, "Ecto rows did not read back (see FAILED lines above)");
}
