//! Hostile input at the WIT boundary: the component's exports called from wasmtime
//! with values no port would send — JSON fields that are not JSON or too deep, unknown enum
//! names, absurd timestamps and limits, forged cursors, ids carrying SQL — on a migrated SQLite
//! file holding a session and an event. Each refusal must be the guest's own ASM error (not a
//! trap), leave every row as it was, and leave the instance usable; odd-but-valid text must be
//! stored verbatim. Prints `reliability hostile-input-wit: N passed, M failed`.
// The harness times the component build like the conformance test.
#![allow(clippy::disallowed_methods)]

mod common;

use std::process::exit;
use std::sync::Arc;

use asm_core::ports::{QueryApi, SessionSearch, SessionStore};
use asm_core::{
    Env, ErrorCode, Event, EventType, NewEvent, NewSession, SeededIds, Session, SteppingClock,
    Timestamp,
};
use asm_wasmtime_host::bindings::asm::session_store::types as wit;
use asm_wasmtime_host::{ComponentHost, ComponentStore, compile};
use common::{TempDb, build_component, fail, migrated_sqlite};
use futures::executor::block_on;
use wasmtime::Engine;

type Store = ComponentStore<TempDb>;

struct Fixture {
    store: Store,
    session: Session,
    event: Event,
}

/// Every row of every `asm_*` table, as text.
fn dump(store: &Store) -> String {
    store.with_executor(|db| {
        db.with_connection(|c| {
            let mut out = String::new();
            for table in asm_core::sql::migrations::TABLES {
                let mut stmt =
                    c.prepare(&format!("SELECT * FROM {table} ORDER BY 1")).expect("prepare");
                let n = stmt.column_count();
                let rows = stmt
                    .query_map([], |r| {
                        (0..n)
                            .map(|i| {
                                r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}"))
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .expect("query");
                for row in rows {
                    out.push_str(&format!("{table}: {}\n", row.expect("row").join(" | ")));
                }
            }
            out
        })
    })
}

fn fixture(host: &ComponentHost<TempDb>, rt: &Arc<tokio::runtime::Runtime>) -> Fixture {
    let env = Env::new(
        Arc::new(SteppingClock::new(Timestamp::from_micros(1_737_979_200_000_000), 1_000)),
        Arc::new(SeededIds::new(7)),
    );
    let store = host
        .instantiate(migrated_sqlite().unwrap_or_else(|e| fail(&e)), &env, rt.clone())
        .unwrap_or_else(|e| fail(&format!("instantiate: {e:#}")));
    let session = Session::new(
        NewSession { id: Some("ses_seed".into()), ..NewSession::for_agent("agent") },
        &env,
    )
    .unwrap_or_else(|e| fail(&e.to_string()));
    let event = Event::new(
        NewEvent {
            id: Some("evt_seed".into()),
            ..NewEvent::of(EventType::MessageReceived, "ses_seed")
        },
        &env,
    )
    .unwrap_or_else(|e| fail(&e.to_string()));
    block_on(async {
        store.save_session(&session).await?;
        store.append_event(&event).await
    })
    .unwrap_or_else(|e| fail(&format!("seeding: {e}")));
    Fixture { store, session, event }
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: Vec<String>,
}

impl Tally {
    fn check(&mut self, name: &str, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => {
                println!("  ok   {name}");
                self.passed += 1;
            }
            Err(why) => {
                println!("  FAIL {name}: {why}");
                self.failed.push(name.to_owned());
            }
        }
    }
}

/// `call` must fail with `code` (an ASM error, not a trap), change no row, and leave the
/// instance answering.
fn refused<W: std::fmt::Debug>(
    f: &Fixture,
    code: ErrorCode,
    call: impl FnOnce(&Store) -> asm_core::Result<W>,
) -> Result<(), String> {
    let before = dump(&f.store);
    match call(&f.store) {
        Ok(w) => return Err(format!("expected {code:?}, got Ok({w:?})")),
        Err(e) if e.code() != code => {
            return Err(format!("expected {code:?}, got [{:?}] {}", e.code(), e.message()));
        }
        Err(_) => {}
    }
    if dump(&f.store) != before {
        return Err("rows changed".into());
    }
    block_on(f.store.get_session(&f.session.id))
        .map(drop)
        .map_err(|e| format!("instance unusable afterwards: {e}"))
}

fn deep_json(depth: usize) -> String {
    format!("{}{}", "{\"v\":".repeat(depth) + "1", "}".repeat(depth))
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
    let mut tally = Tally::default();

    let session = |f: &Fixture, edit: &dyn Fn(&mut wit::Session)| {
        let mut s: wit::Session = Session { id: "ses_x".into(), ..f.session.clone() }.into();
        edit(&mut s);
        s
    };
    let event = |f: &Fixture, edit: &dyn Fn(&mut wit::Event)| {
        let mut e: wit::Event = Event { id: "evt_x".into(), ..f.event.clone() }.into();
        edit(&mut e);
        e
    };
    let save_session = |store: &Store, s: wit::Session| {
        store.call(|w, st| w.asm_session_store_session_store().call_save_session(st, &s))
    };
    let append = |store: &Store, e: wit::Event| {
        store.call(|w, st| {
            w.asm_session_store_session_store().call_append_event_with_sequence(st, &e)
        })
    };

    let bad_json: [(&str, String); 6] = [
        ("not JSON", "{".into()),
        ("a JSON list", "[1,2]".into()),
        ("a JSON string", "\"text\"".into()),
        ("empty text", String::new()),
        ("nested 150 deep", deep_json(150)),
        ("nested 100 000 deep", deep_json(100_000)),
    ];
    for (what, json) in &bad_json {
        let f = fixture(&host, &rt);
        let s = session(&f, &|s| s.metadata = json.clone());
        tally.check(
            &format!("session metadata {what}"),
            refused(&f, ErrorCode::ValidationError, |st| save_session(st, s)),
        );
        let f = fixture(&host, &rt);
        let e = event(&f, &|e| e.data = json.clone());
        tally.check(
            &format!("event data {what}"),
            refused(&f, ErrorCode::ValidationError, |st| append(st, e)),
        );
    }

    let f = fixture(&host, &rt);
    let s = session(&f, &|s| s.status = "exploded".into());
    tally.check(
        "an unknown session status",
        refused(&f, ErrorCode::InvalidStatus, |st| save_session(st, s)),
    );
    let f = fixture(&host, &rt);
    let e = event(&f, &|e| e.event_type = "rm -rf".into());
    tally.check(
        "an unknown event type",
        refused(&f, ErrorCode::InvalidEventType, |st| append(st, e)),
    );
    let f = fixture(&host, &rt);
    let good = event(&f, &|e| e.id = "evt_ok".into());
    let bad = event(&f, &|e| e.event_type = "nope".into());
    tally.check(
        "a batch with one unknown type writes nothing",
        refused(&f, ErrorCode::InvalidEventType, |st| {
            st.call(|w, s| w.asm_session_store_session_store().call_append_events(s, &[good, bad]))
        }),
    );
    for (what, at) in
        [("i64::MIN", i64::MIN), ("i64::MAX", i64::MAX), ("year 10 000", 253_402_300_800_000_000)]
    {
        let f = fixture(&host, &rt);
        let s = session(&f, &|s| s.created_at = at);
        tally.check(
            &format!("a created-at of {what}"),
            refused(&f, ErrorCode::ValidationError, |st| save_session(st, s)),
        );
    }
    let f = fixture(&host, &rt);
    let s = session(&f, &|s| s.id = String::new());
    tally.check(
        "an empty session id",
        refused(&f, ErrorCode::ValidationError, |st| save_session(st, s)),
    );
    // PostgreSQL stores no NUL and at most 255 characters per id: every store refuses them.
    let f = fixture(&host, &rt);
    let s = session(&f, &|s| s.id = "ses_\u{0}nul".into());
    tally.check(
        "a NUL in a session id",
        refused(&f, ErrorCode::ValidationError, |st| save_session(st, s)),
    );
    let f = fixture(&host, &rt);
    let e = event(&f, &|e| e.data = serde_json::json!({ "text": "a\u{0}b" }).to_string());
    tally.check("a NUL in event data", refused(&f, ErrorCode::ValidationError, |st| append(st, e)));
    let f = fixture(&host, &rt);
    let s = session(&f, &|s| s.agent_id = "é".repeat(256));
    tally.check(
        "a 256-character agent id",
        refused(&f, ErrorCode::ValidationError, |st| save_session(st, s)),
    );

    for limit in [-1_i64, 0, 1001, i64::MAX, i64::MIN] {
        let f = fixture(&host, &rt);
        let query: wit::SessionSearch = SessionSearch::default().into();
        let query = wit::SessionSearch { limit: Some(limit), ..query };
        tally.check(
            &format!("search-sessions limit {limit}"),
            refused(&f, ErrorCode::ValidationError, |st| {
                st.call(|w, s| w.asm_session_store_query_api().call_search_sessions(s, &query))
            }),
        );
    }
    for cursor in ["garbage", "", "eyJ4IjoxfQ", "%%%", &"a".repeat(100_000)] {
        let f = fixture(&host, &rt);
        let query: wit::SessionSearch = SessionSearch::default().into();
        let query = wit::SessionSearch { cursor: Some(cursor.to_owned()), ..query };
        tally.check(
            &format!("a forged cursor {:?}", &cursor[..cursor.len().min(12)]),
            refused(&f, ErrorCode::InvalidCursor, |st| {
                st.call(|w, s| w.asm_session_store_query_api().call_search_sessions(s, &query))
            }),
        );
    }
    let f = fixture(&host, &rt);
    let query: wit::SessionSearch = SessionSearch::default().into();
    let query = wit::SessionSearch { status: Some(vec!["exploded".into()]), ..query };
    tally.check(
        "a search for an unknown status",
        refused(&f, ErrorCode::InvalidStatus, |st| {
            st.call(|w, s| w.asm_session_store_query_api().call_search_sessions(s, &query))
        }),
    );

    let wide = "é".repeat(255);
    for id in
        ["x'); DROP TABLE asm_events; --", "ses_\"quoted\"", wide.as_str(), "ses_ünïcødé_🙂", " "]
    {
        let f = fixture(&host, &rt);
        let s = session(&f, &|s| {
            s.id = id.to_owned();
            s.agent_id = id.to_owned();
        });
        let outcome = (|| -> Result<(), String> {
            save_session(&f.store, s).map_err(|e| e.to_string())?;
            let got = block_on(f.store.get_session(id)).map_err(|e| e.to_string())?;
            if got.id != id || got.agent_id != id {
                return Err(format!("read back {:?} / {:?}", got.id, got.agent_id));
            }
            let events = block_on(f.store.get_events("ses_seed", &Default::default()))
                .map_err(|e| e.to_string())?;
            if events.len() != 1 {
                return Err(format!("asm_events has {} rows for the seed session", events.len()));
            }
            Ok(())
        })();
        tally.check(&format!("the id {id:?} is stored verbatim and executes nothing"), outcome);
    }
    let f = fixture(&host, &rt);
    let text = "é🙂\u{2028}\u{1}".repeat(1 << 16);
    let e = event(&f, &|e| e.data = serde_json::json!({ "text": text }).to_string());
    let outcome = (|| -> Result<(), String> {
        append(&f.store, e).map_err(|e| e.to_string())?;
        let events = block_on(f.store.get_events("ses_seed", &Default::default()))
            .map_err(|e| e.to_string())?;
        match events.iter().find(|e| e.id == "evt_x").and_then(|e| e.data.get("text")) {
            Some(serde_json::Value::String(t)) if *t == text => Ok(()),
            _ => Err("the text did not read back verbatim".into()),
        }
    })();
    tally.check("a 1 MiB Unicode text is stored verbatim", outcome);
    let f = fixture(&host, &rt);
    let outcome = block_on(f.store.search_sessions(&SessionSearch {
        agent_id: Some("' OR 1=1 --".into()),
        ..Default::default()
    }))
    .map_err(|e| e.to_string())
    .and_then(|p| {
        if p.total_count == 0 { Ok(()) } else { Err(format!("{} sessions matched", p.total_count)) }
    });
    tally.check("a filter carrying SQL matches nothing", outcome);

    println!(
        "reliability hostile-input-wit: {} passed, {} failed",
        tally.passed,
        tally.failed.len()
    );
    if !tally.failed.is_empty() {
        exit(1);
    }
}
