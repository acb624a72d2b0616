//! Redaction through the component's WIT exports (`redaction.configure` when the store is opened,
//! `redaction.last-redactions` after each write): with it on, the secrets in a tool call's
//! arguments never reach the SQLite file (`append-event`, `append-event-with-sequence`,
//! `append-events`, `flush`); with it off they are stored as given. The file is read with
//! rusqlite, not through the component. Prints `reliability redaction-wit: N passed, M failed`.
// The test times the component build with the OS clock; only the core must not read it.
#![allow(clippy::disallowed_methods)]

mod common;

use std::sync::Arc;

use asm_core::ports::{FlushPayload, SessionStore};
use asm_core::{
    Env, ErrorCode, Event, EventType, NewEvent, NewRun, NewSession, Run, SeededIds, Session,
    SteppingClock, Timestamp,
};
use asm_wasmtime_host::bindings::asm::session_store::types as wit;
use asm_wasmtime_host::{ComponentHost, ComponentStore, compile};
use common::{TempDb, build_component, fail, migrated_sqlite};
use futures::executor::block_on;
use serde_json::{Value, json};
use wasmtime::Engine;

type Store = ComponentStore<TempDb>;

const SECRETS: [&str; 3] = [
    "sk-ant-api03-Zq8xV2mN4pL7rT1yW6cB9dF3",
    "AKIAIOSFODNN7EXAMPLE",
    "Bearer abcdefghijklmnopqrstuvwxyz0123456789",
];
const PER_EVENT: usize = 3;
const SID: &str = "ses_redaction";

/// Named checks and their outcomes.
#[derive(Default)]
struct Checks {
    passed: usize,
    failed: Vec<String>,
}

impl Checks {
    fn check(&mut self, name: String, ok: bool, detail: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.failed.push(format!("{name}: {}", detail()));
        }
    }
}

fn env() -> Env {
    Env::new(
        Arc::new(SteppingClock::new(Timestamp::from_micros(1_737_979_200_000_000), 1_000)),
        Arc::new(SeededIds::new(5)),
    )
}

fn tool_call(id: &str, env: &Env) -> Event {
    let Value::Object(data) = json!({
        "tool_name": "http_get",
        "tool_input": {
            "url": "https://api.example.com/v1/items",
            "headers": {"Authorization": SECRETS[2]},
            "aws_key": SECRETS[1],
            "note": format!("retry with {} if it fails", SECRETS[0]),
        },
    }) else {
        unreachable!("a JSON object")
    };
    let attrs =
        NewEvent { id: Some(id.into()), data, ..NewEvent::of(EventType::ToolCallStarted, SID) };
    Event::new(attrs, env).unwrap_or_else(|e| fail(&e.to_string()))
}

fn plain(id: &str, env: &Env) -> Event {
    let Value::Object(data) = json!({"content": "hello, nothing to hide"}) else {
        unreachable!("a JSON object")
    };
    let attrs =
        NewEvent { id: Some(id.into()), data, ..NewEvent::of(EventType::MessageReceived, SID) };
    Event::new(attrs, env).unwrap_or_else(|e| fail(&e.to_string()))
}

fn session(env: &Env) -> Session {
    Session::new(NewSession { id: Some(SID.into()), ..NewSession::for_agent("agent") }, env)
        .unwrap_or_else(|e| fail(&e.to_string()))
}

/// `(id, data)` of the session's stored events, read from the SQLite file with rusqlite.
fn raw_rows(store: &Store) -> Vec<(String, String)> {
    let path = store.with_executor(|db| db.path().to_owned());
    let db = rusqlite::Connection::open(path).expect("open the SQLite file");
    let mut stmt = db
        .prepare("SELECT id, data FROM asm_events WHERE session_id = ?1 ORDER BY id")
        .expect("prepare");
    stmt.query_map([SID], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("raw SELECT")
        .map(|r| r.expect("row"))
        .collect()
}

fn secrets_in(text: &str) -> usize {
    SECRETS.iter().filter(|s| text.contains(*s)).count()
}

fn config(enabled: bool, replacement: wit::RedactionReplacement) -> wit::RedactionConfig {
    wit::RedactionConfig {
        enabled,
        patterns: wit::RedactionPatterns::Defaults,
        replacement,
        deep_scan: true,
        scan_metadata: false,
    }
}

/// Every write path on a fresh instance configured with `config` (none: never configured).
fn scenario(
    host: &ComponentHost<TempDb>,
    rt: &Arc<tokio::runtime::Runtime>,
    label: &str,
    config: Option<wit::RedactionConfig>,
    checks: &mut Checks,
) {
    let env = env();
    let store = host
        .instantiate(migrated_sqlite().unwrap_or_else(|e| fail(&e)), &env, rt.clone())
        .unwrap_or_else(|e| fail(&format!("instantiate: {e:#}")));
    let on = config.as_ref().is_some_and(|c| c.enabled);
    if let Some(config) = &config {
        let r = store.configure_redaction(config);
        checks.check(format!("{label}: configure"), r.is_ok(), || format!("{r:?}"));
    }
    block_on(async {
        store.save_session(&session(&env)).await.unwrap_or_else(|e| fail(&e.to_string()));
        // A store that is open cannot change its redaction.
        let again =
            store.configure_redaction(&self::config(false, wit::RedactionReplacement::Categorized));
        checks.check(
            format!("{label}: configure after the first call is invalid_operation"),
            again.as_ref().is_err_and(|e| e.code() == ErrorCode::InvalidOperation),
            || format!("{again:?}"),
        );
        let want = |ids: &[&str]| -> Vec<(String, usize)> {
            if on { ids.iter().map(|id| ((*id).to_owned(), PER_EVENT)).collect() } else { vec![] }
        };
        let last = |store: &Store| -> Vec<(String, usize)> {
            store
                .last_redactions()
                .unwrap_or_else(|e| fail(&e.to_string()))
                .into_iter()
                .map(|r| (r.event_id, r.redaction_count))
                .collect()
        };

        let r = store.append_event(&tool_call("evt_1", &env)).await;
        checks.check(format!("{label}: append-event"), r.is_ok(), || format!("{r:?}"));
        let got = last(&store);
        checks.check(format!("{label}: append-event redactions"), got == want(&["evt_1"]), || {
            format!("{got:?}")
        });

        let r = store.append_event_with_sequence(&tool_call("evt_2", &env)).await;
        let leaked = r.as_ref().map(|e| secrets_in(&Value::Object(e.data.clone()).to_string()));
        checks.check(
            format!("{label}: append-event-with-sequence answers as stored"),
            leaked == Ok(if on { 0 } else { SECRETS.len() }),
            || format!("{r:?}"),
        );
        let got = last(&store);
        checks.check(
            format!("{label}: append-event-with-sequence redactions"),
            got == want(&["evt_2"]),
            || format!("{got:?}"),
        );

        let batch = [tool_call("evt_3", &env), plain("evt_plain", &env), tool_call("evt_4", &env)];
        let r = store.append_events(&batch).await;
        checks.check(format!("{label}: append-events"), r.is_ok(), || format!("{r:?}"));
        let got = last(&store);
        checks.check(
            format!("{label}: append-events redactions"),
            got == want(&["evt_3", "evt_4"]),
            || format!("{got:?}"),
        );

        // A read leaves the last write's entries alone; a failed write clears them.
        let _ = store.get_latest_sequence(SID).await;
        let got = last(&store);
        checks.check(
            format!("{label}: a read keeps last-redactions"),
            got == want(&["evt_3", "evt_4"]),
            || format!("{got:?}"),
        );

        let run = Run::new(NewRun { id: Some("run_1".into()), ..NewRun::for_session(SID) }, &env)
            .unwrap_or_else(|e| fail(&e.to_string()));
        let payload = FlushPayload {
            session: session(&env),
            run,
            events: vec![tool_call("evt_5", &env), tool_call("evt_6", &env)],
            provider_metadata: None,
        };
        let r = store.flush(&payload).await;
        checks.check(format!("{label}: flush"), r.is_ok(), || format!("{r:?}"));
        let got = last(&store);
        checks.check(
            format!("{label}: flush redactions"),
            got == want(&["evt_5", "evt_6"]),
            || format!("{got:?}"),
        );

        let clash = Event { session_id: "ses_elsewhere".into(), ..tool_call("evt_1", &env) };
        let r = store.append_events(std::slice::from_ref(&clash)).await;
        let got = last(&store);
        checks.check(
            format!("{label}: a refused write has no redactions"),
            r.is_err() && got.is_empty(),
            || format!("{r:?} {got:?}"),
        );
    });

    let rows = raw_rows(&store);
    checks.check(format!("{label}: 7 rows"), rows.len() == 7, || format!("{rows:?}"));
    for (id, data) in rows {
        let want = if on || id == "evt_plain" { 0 } else { SECRETS.len() };
        checks.check(
            format!("{label}: raw {id} holds {want} secrets"),
            secrets_in(&data) == want,
            || data.clone(),
        );
        if id != "evt_plain" {
            let parsed: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
            checks.check(
                format!("{label}: raw {id} keeps the other fields"),
                parsed["tool_input"]["url"] == "https://api.example.com/v1/items",
                || data.clone(),
            );
        }
    }
}

fn main() {
    let path = build_component();
    let engine = Engine::default();
    let component = compile(&engine, &path)
        .unwrap_or_else(|e| fail(&format!("compiling the component: {e:#}")));
    let host: ComponentHost<TempDb> = ComponentHost::new(&engine, &component)
        .unwrap_or_else(|e| fail(&format!("linking: {e:#}")));
    let rt = Arc::new(
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime"),
    );
    let mut checks = Checks::default();
    let text = || wit::RedactionReplacement::Text("[REDACTED]".into());
    scenario(&host, &rt, "on", Some(config(true, text())), &mut checks);
    scenario(
        &host,
        &rt,
        "on categorized",
        Some(config(true, wit::RedactionReplacement::Categorized)),
        &mut checks,
    );
    scenario(&host, &rt, "off (never configured)", None, &mut checks);
    scenario(&host, &rt, "off (enabled false)", Some(config(false, text())), &mut checks);

    // A pattern that does not compile is refused with validation_error.
    let env = env();
    let store = host
        .instantiate(migrated_sqlite().unwrap_or_else(|e| fail(&e)), &env, rt.clone())
        .unwrap_or_else(|e| fail(&format!("instantiate: {e:#}")));
    let bad = wit::RedactionConfig {
        patterns: wit::RedactionPatterns::Replace(vec![wit::RedactionPattern {
            category: None,
            pattern: "(".into(),
        }]),
        ..config(true, text())
    };
    let r = store.configure_redaction(&bad);
    checks.check(
        "a pattern that does not compile is validation_error".into(),
        r.as_ref().is_err_and(|e| e.code() == ErrorCode::ValidationError),
        || format!("{r:?}"),
    );

    for f in &checks.failed {
        eprintln!("FAILED {f}");
    }
    println!("reliability redaction-wit: {} passed, {} failed", checks.passed, checks.failed.len());
    if !checks.failed.is_empty() {
        std::process::exit(1);
    }
}
