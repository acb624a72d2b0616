//! Store-level redaction (`SqlStore::with_redaction`, `MemoryStore::with_redaction`): with it on,
//! a secret in an event's payload never reaches the database on any write path
//! (`append_event`, `append_event_with_sequence`, `append_events`, `flush`); with it off (the
//! default, as ASM) the payload is stored byte for byte. The database is read directly (rusqlite
//! on the SQLite file, tokio-postgres on the schema), never through the store; the counts come
//! from the store's hook. Prints `reliability redaction: N passed, M failed`. Needs
//! `DATABASE_URL`; start a throwaway server with `eval "$(scripts/postgres-up)"`.

mod common;

use std::sync::Arc;

use asm_core::memory::MemoryStore;
use asm_core::ports::{EventFilter, FlushPayload, SessionStore};
use asm_core::redactor::{EventRedaction, RedactionConfig, RedactionLog};
use asm_core::sql::{Dialect, SqlStore};
use asm_core::{Env, Event, EventType, NewEvent, SeededIds, SteppingClock};
use common::pg_db::{PgDb, Postgres, database_url};
use common::sqlite_db::{Sqlite, TempDb};
use common::{Backend, Checks, T0, block_on, run, session};
use serde_json::{Value, json};

/// The secrets every test event carries: an Anthropic key, an AWS access key id, a bearer token.
const SECRETS: [&str; 3] = [
    "sk-ant-api03-Zq8xV2mN4pL7rT1yW6cB9dF3",
    "AKIAIOSFODNN7EXAMPLE",
    "Bearer abcdefghijklmnopqrstuvwxyz0123456789",
];

/// Matches in one test event: one per secret.
const PER_EVENT: usize = 3;

fn fixed_env() -> Env {
    Env::new(Arc::new(SteppingClock::new(T0, 1_000)), Arc::new(SeededIds::new(11)))
}

/// A tool call whose arguments hold the three secrets.
fn tool_call(id: &str, session_id: &str, env: &Env) -> Event {
    let data = json!({
        "tool_name": "http_get",
        "tool_input": {
            "url": "https://api.example.com/v1/items",
            "headers": {"Authorization": SECRETS[2]},
            "aws_key": SECRETS[1],
            "note": format!("retry with {} if it fails", SECRETS[0]),
        },
    });
    let Value::Object(data) = data else { unreachable!("a JSON object") };
    let attrs = NewEvent {
        id: Some(id.to_owned()),
        data,
        ..NewEvent::of(EventType::ToolCallStarted, session_id)
    };
    Event::new(attrs, env).expect("valid event")
}

/// A message with nothing secret in it.
fn plain(id: &str, session_id: &str, env: &Env) -> Event {
    let mut event = common::event(id, session_id, EventType::MessageReceived, env);
    event.data.insert("content".into(), json!("hello, nothing to hide"));
    event
}

/// Stored `(id, data, metadata)` of every event, read straight from the database.
#[allow(async_fn_in_trait)]
trait RawEvents {
    async fn raw_events(&self) -> Vec<(String, String, String)>;
}

impl RawEvents for TempDb {
    async fn raw_events(&self) -> Vec<(String, String, String)> {
        let db = rusqlite::Connection::open(self.path()).expect("open the SQLite file");
        let mut stmt = db
            .prepare("SELECT id, data, metadata FROM asm_events ORDER BY id")
            .expect("prepare the raw SELECT");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("raw SELECT")
            .map(|row| row.expect("row"))
            .collect()
    }
}

impl RawEvents for PgDb {
    async fn raw_events(&self) -> Vec<(String, String, String)> {
        let (client, connection) = tokio_postgres::connect(&database_url(), tokio_postgres::NoTls)
            .await
            .expect("connect to DATABASE_URL");
        let connection = tokio::spawn(connection);
        let sql = format!(
            "SELECT id::text, data::text, metadata::text FROM {}.asm_events ORDER BY id",
            self.schema()
        );
        let rows = client.query(sql.as_str(), &[]).await.expect("raw SELECT");
        drop(client);
        let _ = connection.await;
        rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect()
    }
}

/// Which secrets appear in `text`.
fn secrets_in(text: &str) -> Vec<&'static str> {
    SECRETS.iter().copied().filter(|s| text.contains(s)).collect()
}

/// Every write path on `store` (session `sid`): `(what, event ids written, redactions the hook
/// reported for that call)`. Each call's expected ids are returned for the caller's checks.
async fn write_all<S: SessionStore>(
    store: &S,
    log: &RedactionLog,
    sid: &str,
    env: &Env,
    checks: &mut Checks,
    label: &str,
    on: bool,
) {
    store.save_session(&session(sid, env)).await.expect("save_session");
    log.take();
    let expect = |ids: &[&str]| -> Vec<(String, usize)> {
        if on { ids.iter().map(|id| (format!("{sid}-{id}"), PER_EVENT)).collect() } else { vec![] }
    };
    let got = |changes: Vec<EventRedaction>| -> Vec<(String, usize)> {
        changes.into_iter().map(|c| (c.event_id, c.redaction_count)).collect()
    };
    let id = |n: &str| format!("{sid}-{n}");

    // append_event
    let e1 = tool_call(&id("e1"), sid, env);
    let r = store.append_event(&e1).await;
    checks.check(format!("{label} append_event succeeds"), r.is_ok(), || format!("{r:?}"));
    let changes = got(log.take());
    let want = expect(&["e1"]);
    checks.check(format!("{label} append_event reports"), changes == want, || {
        format!("{changes:?} != {want:?}")
    });

    // append_event_with_sequence: the answer is the event as stored
    let r = store.append_event_with_sequence(&tool_call(&id("e2"), sid, env)).await;
    let answer = r.map(|e| serde_json::to_string(&Value::Object(e.data)).unwrap_or_default());
    let leaked = answer.as_deref().map(secrets_in).unwrap_or_default();
    let answer_ok = answer.is_ok() && (leaked.is_empty() == on);
    checks.check(
        format!("{label} append_event_with_sequence answers as stored"),
        answer_ok,
        || format!("{answer:?}"),
    );
    let changes = got(log.take());
    let want = expect(&["e2"]);
    checks.check(format!("{label} append_event_with_sequence reports"), changes == want, || {
        format!("{changes:?} != {want:?}")
    });

    // append_events: a batch with a plain event and a repeated id (counted once)
    let batch = vec![
        tool_call(&id("e3"), sid, env),
        plain(&id("p1"), sid, env),
        tool_call(&id("e4"), sid, env),
    ];
    let mut with_repeat = batch.clone();
    with_repeat.push(batch[0].clone());
    let r = store.append_events(&with_repeat).await;
    checks.check(
        format!("{label} append_events succeeds"),
        r.as_ref().is_ok_and(|v| v.len() == 4),
        || format!("{r:?}"),
    );
    let changes = got(log.take());
    let want = expect(&["e3", "e4"]);
    checks.check(format!("{label} append_events reports"), changes == want, || {
        format!("{changes:?} != {want:?}")
    });

    // flush
    let payload = FlushPayload {
        session: session(sid, env),
        run: run(&format!("{sid}-run"), sid, env),
        events: vec![tool_call(&id("e5"), sid, env), tool_call(&id("e6"), sid, env)],
        provider_metadata: None,
    };
    let r = store.flush(&payload).await;
    checks.check(format!("{label} flush succeeds"), r.is_ok(), || format!("{r:?}"));
    let changes = got(log.take());
    let want = expect(&["e5", "e6"]);
    checks.check(format!("{label} flush reports"), changes == want, || {
        format!("{changes:?} != {want:?}")
    });

    // The same event again is the same content after redaction: stored once, no error.
    let r = store.append_event(&e1).await;
    checks.check(format!("{label} repeating an appended event is idempotent"), r.is_ok(), || {
        format!("{r:?}")
    });
    log.take();

    // A write that fails reports nothing: e1's id in another session is refused.
    let other = format!("{sid}-other");
    store.save_session(&session(&other, env)).await.expect("save_session");
    let r = store.append_events(&[tool_call(&id("e1"), &other, env)]).await;
    let reported = log.take();
    checks.check(
        format!("{label} a refused write reports nothing"),
        r.is_err() && reported.is_empty(),
        || format!("{r:?}, {reported:?}"),
    );

    // Through the store, the stored events read back as written (redacted or not).
    let stored = store.get_events(sid, &EventFilter::default()).await.expect("get_events");
    let text = serde_json::to_string(
        &stored.iter().map(|e| Value::Object(e.data.clone())).collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    checks.check(format!("{label} get_events: 7 events"), stored.len() == 7, || {
        stored.len().to_string()
    });
    checks.check(
        format!("{label} get_events: secrets {}", if on { "gone" } else { "kept" }),
        secrets_in(&text).len() == if on { 0 } else { SECRETS.len() },
        || text.clone(),
    );
}

/// The raw rows of one database after [`write_all`]: with redaction on no row holds a secret and
/// every tool call holds the replacement with its other fields intact; off, every tool call holds
/// all three secrets exactly.
fn check_raw(rows: &[(String, String, String)], on: bool, label: &str, checks: &mut Checks) {
    checks.check(format!("{label} raw: 7 rows"), rows.len() == 7, || format!("{rows:?}"));
    for (id, data, metadata) in rows {
        let tool = !id.contains("-p");
        let leaked = secrets_in(data);
        let leaked_meta = secrets_in(metadata);
        let want = if on || !tool { 0 } else { SECRETS.len() };
        checks.check(
            format!("{label} raw {id}: {want} secrets in data"),
            leaked.len() == want && leaked_meta.is_empty(),
            || format!("data {data}, metadata {metadata}"),
        );
        let parsed: Value = serde_json::from_str(data).unwrap_or(Value::Null);
        if tool {
            let kept = parsed["tool_name"] == "http_get"
                && parsed["tool_input"]["url"] == "https://api.example.com/v1/items";
            let replaced = parsed["tool_input"]["aws_key"] == "[REDACTED]"
                && parsed["tool_input"]["headers"]["Authorization"] == "[REDACTED]"
                && parsed["tool_input"]["note"] == "retry with [REDACTED] if it fails";
            checks.check(format!("{label} raw {id}: other fields kept"), kept, || data.clone());
            checks
                .check(format!("{label} raw {id}: replaced {on}"), replaced == on, || data.clone());
        } else {
            checks.check(
                format!("{label} raw {id}: plain event unchanged"),
                parsed["content"] == "hello, nothing to hide",
                || data.clone(),
            );
        }
    }
}

/// A store over a fresh database of `backend`, redacting when `on`, with a log for its hook.
async fn sql_case<B: Backend>(backend: &B, name: &str, on: bool, checks: &mut Checks)
where
    B::Exec: RawEvents,
{
    let env = fixed_env();
    let log = RedactionLog::default();
    let mut store = SqlStore::new(backend.migrated().await, env.clone()).on_redaction(log.hook());
    if on {
        store = store.with_redaction(RedactionConfig::enabled_default());
    }
    let label = format!("{name} redaction {}", if on { "on" } else { "off" });
    write_all(&store, &log, "ses_redact", &env, checks, &label, on).await;
    let rows = store.executor().raw_events().await;
    let rows: Vec<_> =
        rows.into_iter().filter(|(id, _, _)| id.starts_with("ses_redact-")).collect();
    check_raw(&rows, on, &label, checks);
}

/// A store made with a config whose `enabled` is false stores events unchanged, as no config.
async fn disabled_config_case(checks: &mut Checks) {
    let env = fixed_env();
    let log = RedactionLog::default();
    let db = Sqlite(Dialect::Sqlite).migrated().await;
    let config = RedactionConfig::from_json(&json!({"enabled": false}), true).expect("config");
    let store = SqlStore::new(db, env.clone()).with_redaction(config).on_redaction(log.hook());
    write_all(&store, &log, "ses_redact", &env, checks, "sqlite enabled=false", false).await;
    let rows = store.executor().raw_events().await;
    let rows: Vec<_> =
        rows.into_iter().filter(|(id, _, _)| id.starts_with("ses_redact-")).collect();
    check_raw(&rows, false, "sqlite enabled=false", checks);
}

fn main() {
    let mut checks = Checks::default();
    block_on(async {
        for on in [true, false] {
            let env = fixed_env();
            let log = RedactionLog::default();
            let mut store = MemoryStore::new(env.clone()).on_redaction(log.hook());
            if on {
                store = store.with_redaction(RedactionConfig::enabled_default());
            }
            let label = format!("memory redaction {}", if on { "on" } else { "off" });
            write_all(&store, &log, "ses_redact", &env, &mut checks, &label, on).await;
            sql_case(&Sqlite(Dialect::Sqlite), "sqlite", on, &mut checks).await;
            sql_case(&Sqlite(Dialect::D1), "sqlite-d1-dialect", on, &mut checks).await;
            sql_case(&Postgres, "postgres", on, &mut checks).await;
        }
        disabled_config_case(&mut checks).await;
    });
    for f in &checks.failed {
        eprintln!("FAILED {f}");
    }
    println!("reliability redaction: {} passed, {} failed", checks.passed, checks.failed.len());
    assert!(checks.failed.is_empty(), "redaction checks failed");
}
