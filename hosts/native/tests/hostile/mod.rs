//! The hostile-input cases, written once over any [`Subject`] store.

mod parsers;

use asm_conformance::Store;
use asm_core::ports::{EventFilter, EventSearch, ListSessions, RunSearch, SessionSearch};
use asm_core::{Env, Event, EventType, NewEvent, NewSession, SeededIds, Session, SteppingClock};
use serde_json::{Value, json};

pub use parsers::parsers;

/// A store whose whole stored state can be dumped.
#[allow(async_fn_in_trait)]
pub trait Subject: Store {
    /// Every stored row (or, in memory, the whole state) as text.
    async fn snapshot(&self) -> String;
}

/// Passed checks and failure messages.
#[derive(Default)]
pub struct Outcome {
    /// Checks that passed.
    pub passed: usize,
    /// One message per failed check.
    pub failed: Vec<String>,
}

impl Outcome {
    /// Records one check.
    pub fn check(&mut self, name: &str, result: Result<(), String>) {
        match result {
            Ok(()) => self.passed += 1,
            Err(e) => self.failed.push(format!("{name}: {e}")),
        }
    }
}

/// Texts that would do harm if formatted into SQL, plus text that must survive byte for byte.
pub const SQL_TEXTS: &[&str] = &[
    "'; DROP TABLE asm_events; --",
    "\" OR 1=1 --",
    "Robert'); DROP TABLE asm_sessions;--",
    "x' OR '1'='1",
    "\\'; SELECT pg_sleep(10); --",
    "%_[]*?$1?1",
    "ü é 😀 \u{202e}rtl \u{200b} 𝕏 \u{FFFD}",
    "line\nbreak\ttab\r",
];

static NEXT_EVENT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn env() -> Env {
    Env::new(
        std::sync::Arc::new(SteppingClock::new(common_t0(), 0)),
        std::sync::Arc::new(SeededIds::new(5)),
    )
}

fn common_t0() -> asm_core::Timestamp {
    asm_core::Timestamp::from_micros(1_737_979_200_123_456)
}

fn session(id: &str, agent: &str) -> Session {
    let attrs = NewSession { id: Some(id.into()), ..NewSession::for_agent(agent) };
    Session::new(attrs, &env()).expect("session")
}

fn event(id: &str, session_id: &str) -> Event {
    let attrs =
        NewEvent { id: Some(id.into()), ..NewEvent::of(EventType::MessageReceived, session_id) };
    Event::new(attrs, &env()).expect("event")
}

/// Saves `ses` (and an event of it); on success it must read back exactly, on failure nothing
/// may have changed. Returns which happened.
async fn save_verbatim<S: Subject>(s: &S, ses: &Session) -> Result<&'static str, String> {
    let before = s.snapshot().await;
    match s.save_session(ses).await {
        Ok(()) => {
            let back =
                s.get_session(&ses.id).await.map_err(|e| format!("stored but unreadable: {e}"))?;
            if &back != ses {
                return Err(format!("read back differs:\n{back:?}\nwant\n{ses:?}"));
            }
            let n = NEXT_EVENT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let evt = event(&format!("evt_hostile_{n}"), &ses.id);
            let stored =
                s.append_event_with_sequence(&evt).await.map_err(|e| format!("append: {e}"))?;
            let got = s
                .get_events(&ses.id, &EventFilter::default())
                .await
                .map_err(|e| format!("get_events: {e}"))?;
            if got.last().map(|e| &e.id) != Some(&stored.id) {
                return Err("event did not read back".into());
            }
            Ok("stored verbatim")
        }
        Err(e) => {
            let after = s.snapshot().await;
            if after != before {
                return Err(format!("failed with {e} but changed the stored data"));
            }
            Ok(e.code().as_str())
        }
    }
}

/// A JSON array nested `depth` levels deep, built without recursion.
pub fn nested(depth: usize) -> Value {
    let mut v = json!("bottom");
    for _ in 0..depth {
        v = Value::Array(vec![v]);
    }
    v
}

/// Takes a deep value apart without recursion (serde_json's Drop recurses).
pub fn dismantle(mut v: Value) {
    let mut stack = Vec::new();
    loop {
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
        match stack.pop() {
            Some(next) => v = next,
            None => break,
        }
    }
}

/// Every store case, on one store.
pub async fn run_all<S: Subject>(host: &str, s: &S, out: &mut Outcome) {
    // Ids, agents, tags and metadata carrying SQL: stored verbatim, the tables intact.
    for (i, text) in SQL_TEXTS.iter().enumerate() {
        let mut ses = session(text, text);
        ses.tags = vec![(*text).to_owned()];
        ses.metadata = asm_core::json::object(json!({ *text: *text }));
        let r = save_verbatim(s, &ses).await.and_then(|how| match how {
            "stored verbatim" => Ok(()),
            other => Err(format!("rejected with {other}")),
        });
        out.check(&format!("{host} sql text #{i} stored verbatim"), r);
    }
    let filter = ListSessions { agent_id: Some("x' OR '1'='1".into()), ..ListSessions::default() };
    let r = match s.list_sessions(&filter).await {
        Ok(v) if v.len() == 1 && v[0].agent_id == "x' OR '1'='1" => Ok(()),
        other => Err(format!("{other:?}")),
    };
    out.check(&format!("{host} SQL in a filter matches only itself"), r);
    let search = EventSearch { session_ids: vec!["' OR 1=1 --".into()], ..EventSearch::default() };
    let r = match s.search_events(&search).await {
        Ok(page) if page.events.is_empty() => Ok(()),
        other => Err(format!("{other:?}")),
    };
    out.check(&format!("{host} SQL in an event filter matches nothing"), r);

    // NUL bytes and 10k-character ids: either verbatim or an ASM error with nothing stored.
    let huge_id = "i".repeat(10_000);
    for (name, id) in [("NUL in an id", "nul\0id"), ("10k-character id", huge_id.as_str())] {
        let r = save_verbatim(s, &session(id, "agent"))
            .await
            .map(|how| println!("hostile-input {host} {name}: {how}"));
        out.check(&format!("{host} {name}"), r);
    }
    let mut nul_meta = session("ses_nul_meta", "agent");
    nul_meta.metadata = asm_core::json::object(json!({"k": "a\u{0}b"}));
    let r = save_verbatim(s, &nul_meta)
        .await
        .map(|how| println!("hostile-input {host} NUL in metadata: {how}"));
    out.check(&format!("{host} NUL in metadata"), r);

    // Huge and deep payloads.
    let mut big = session("ses_big", "agent");
    big.metadata =
        asm_core::json::object(json!({"blob": "x".repeat(4 << 20), "list": vec![1; 100_000]}));
    out.check(
        &format!("{host} 4 MiB metadata round-trips"),
        save_verbatim(s, &big).await.map(drop),
    );
    for depth in [99, 100, 101, 127, 128, 1_000, 100_000] {
        let mut deep = session(&format!("ses_deep_{depth}"), "agent");
        deep.metadata.insert("deep".into(), nested(depth));
        // Level 1 is the metadata map: `depth + 1` levels in all.
        let want =
            if depth < asm_core::json::MAX_DEPTH { "stored verbatim" } else { "validation_error" };
        let r = save_verbatim(s, &deep).await.and_then(|how| match how == want {
            true => {
                println!("hostile-input {host} metadata {} levels deep: {how}", depth + 1);
                Ok(())
            }
            false => Err(format!("{how}, want {want}")),
        });
        dismantle(Value::Object(std::mem::take(&mut deep.metadata)));
        out.check(&format!("{host} metadata {depth} deep"), r);
    }

    // Absurd limits on the typed API: ASM's limit rule refuses each of them in every search
    // with validation_error (above 1000: "limit must be <= 1000"; below 1: "limit must be a
    // positive integer"), before any row is read.
    let before = s.snapshot().await;
    for limit in [-1, 0, i64::MIN, i64::MAX] {
        let want =
            if limit > 0 { "limit must be <= 1000" } else { "limit must be a positive integer" };
        let r1 = s
            .search_sessions(&SessionSearch { limit: Some(limit), ..SessionSearch::default() })
            .await
            .map(|p| p.sessions.len());
        let r2 = s
            .search_runs(&RunSearch { limit: Some(limit), ..RunSearch::default() })
            .await
            .map(|p| p.runs.len());
        let r3 = s
            .search_events(&EventSearch { limit: Some(limit), ..EventSearch::default() })
            .await
            .map(|p| p.events.len());
        let refused = |r: &asm_core::Result<usize>| {
            matches!(r, Err(e) if e.code() == asm_core::ErrorCode::ValidationError
                && e.message() == want)
        };
        let r = if refused(&r1) && refused(&r2) && refused(&r3) {
            Ok(())
        } else {
            Err(format!(
                "want validation_error \"{want}\" from every search; sessions {}, runs {}, events {}",
                brief(&r1),
                brief(&r2),
                brief(&r3)
            ))
        };
        out.check(&format!("{host} limit {limit} refused with validation_error"), r);
    }
    let lists = ListSessions { limit: Some(u32::MAX), ..ListSessions::default() };
    out.check(
        &format!("{host} list limit u32::MAX"),
        s.list_sessions(&lists).await.map(drop).map_err(|e| e.to_string()),
    );

    // Forged cursors: every one is invalid_cursor.
    for (name, cursor) in parsers::forged_cursors() {
        let q = SessionSearch { cursor: Some(cursor.clone()), ..SessionSearch::default() };
        let r = match s.search_sessions(&q).await {
            Err(e) if e.code() == asm_core::ErrorCode::InvalidCursor => Ok(()),
            other => Err(format!("{:?}", other.map(|p| p.sessions.len()))),
        };
        out.check(&format!("{host} forged cursor {name}"), r);
        let q = EventSearch { cursor: Some(cursor), ..EventSearch::default() };
        let r = match s.search_events(&q).await {
            Err(e) if e.code() == asm_core::ErrorCode::InvalidCursor => Ok(()),
            other => Err(format!("{:?}", other.map(|p| p.events.len()))),
        };
        out.check(&format!("{host} forged event cursor {name}"), r);
    }
    let after = s.snapshot().await;
    out.check(
        &format!("{host} reads left the data unchanged"),
        if after == before { Ok(()) } else { Err("changed".into()) },
    );
}

fn brief<T: std::fmt::Debug>(r: &asm_core::Result<T>) -> String {
    match r {
        Ok(v) => format!("ok {v:?}"),
        Err(e) => e.code().as_str().to_owned(),
    }
}
