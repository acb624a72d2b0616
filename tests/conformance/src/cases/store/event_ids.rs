//! This project's own rule for event ids (docs/compatibility.md "Event ids", `asm_core::event_ids`):
//! an id belongs to one session and one content. Each case goes through every append path
//! (`append_event`, `append_event_with_sequence`, `append_events`, `flush`) and checks the answer
//! and what is stored afterwards: no new row, no sequence number used, no session or run saved.

use asm_core::json::object;
use asm_core::ports::{FlushPayload, SessionStore};
use asm_core::{Error, ErrorCode, Event, EventType};
use serde_json::json;

use crate::cases::helpers::{OrFail, all_events, event, event_with_id, run, seqs, session};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        rel_ids_other_session_refused_on_every_path,
        rel_ids_other_content_refused_on_every_path,
        rel_ids_same_content_is_idempotent_on_every_path,
        rel_ids_repeated_in_one_call,
    ]
}

/// What the cases compare before and after a refused call: the logs and latest sequence
/// numbers of the sessions involved.
async fn state<S: SessionStore>(
    store: &S,
    sessions: &[&str],
) -> Result<Vec<(Vec<Event>, i64)>, String> {
    let mut out = Vec::new();
    for sid in sessions {
        let latest = store.get_latest_sequence(sid).await.or_fail("get_latest_sequence")?;
        out.push((all_events(store, sid).await?, latest));
    }
    Ok(out)
}

/// The four append paths with `events`, as `(path, result)`; `flush` also carries a new session
/// (`flush_session`) and one of its runs, which must not be saved when the call is refused.
async fn every_path<S: Store>(
    cx: &Ctx<S>,
    events: &[Event],
    flush_session: &asm_core::Session,
) -> Result<Vec<(&'static str, asm_core::Result<()>)>, String> {
    let single = events.last().ok_or("no events")?;
    let mut out = vec![
        ("append_event", cx.store.append_event(single).await),
        ("append_event_with_sequence", cx.store.append_event_with_sequence(single).await.map(drop)),
        ("append_events", cx.store.append_events(events).await.map(drop)),
    ];
    let payload = FlushPayload {
        session: flush_session.clone(),
        run: run(&cx.env, &flush_session.id)?,
        events: events.to_vec(),
        provider_metadata: None,
    };
    out.push(("flush", cx.store.flush(&payload).await));
    Ok(out)
}

/// Whether the error shows nothing of the stored event: neither its session nor its payload.
fn reveals(e: &Error, secrets: &[&str]) -> bool {
    let text = format!("{} {}", e.message(), serde_json::Value::Object(e.details().clone()));
    secrets.iter().any(|s| text.contains(s))
}

async fn rel_ids_other_session_refused_on_every_path<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut x = event_with_id(&cx.env, "evt_owned_by_a", EventType::MessageReceived, "ses_ida")?;
    x.data = object(json!({"content": "secret of A", "role": "user"}));
    cx.store.append_event(&x).await.or_fail("append X to A")?;
    let b = session(&cx.env, "agent-b")?;
    cx.store.append_event(&event(&cx.env, EventType::SessionCreated, &b.id)?).await.or_fail("B")?;
    let before = state(&cx.store, &["ses_ida", &b.id]).await?;
    // X again, in B: alone, after a new event of B, and (in flush) with B's session and run.
    let x_in_b = Event { session_id: b.id.clone(), ..x.clone() };
    let fresh = event(&cx.env, EventType::SessionStarted, &b.id)?;
    for (path, result) in every_path(cx, &[fresh.clone(), x_in_b], &b).await? {
        let e =
            expect_code(result, ErrorCode::SessionMismatch).map_err(|m| format!("{path}: {m}"))?;
        ensure(!reveals(&e, &["ses_ida", "secret of A"]), format!("{path} leaks A: {e}"))?;
    }
    ensure_eq(state(&cx.store, &["ses_ida", &b.id]).await?, before, "logs and sequences")?;
    ensure(cx.store.get_session(&b.id).await.is_err(), "flush saved B's session")?;
    // The same content in another session is refused too: the id, not the payload, decides.
    let copy = Event { session_id: "ses_idc".into(), ..x };
    expect_code(cx.store.append_event_with_sequence(&copy).await, ErrorCode::SessionMismatch)?;
    ensure_eq(cx.store.get_latest_sequence("ses_idc").await.or_fail("latest C")?, 0, "C")
}

async fn rel_ids_other_content_refused_on_every_path<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-content")?;
    let mut x = event(&cx.env, EventType::MessageReceived, &s.id)?;
    x.data = object(json!({"content": "original", "role": "user"}));
    cx.store.append_event(&x).await.or_fail("append X")?;
    let before = state(&cx.store, &[&s.id]).await?;
    let changes: Vec<(&str, Event)> = vec![
        (
            "data",
            Event { data: object(json!({"content": "changed", "role": "user"})), ..x.clone() },
        ),
        ("type", Event { event_type: EventType::MessageSent, ..x.clone() }),
        ("timestamp", Event { timestamp: x.timestamp.add_micros(1), ..x.clone() }),
        ("run_id", Event { run_id: Some("run_other".into()), ..x.clone() }),
        ("metadata", Event { metadata: object(json!({"k": 1})), ..x.clone() }),
        ("provider", Event { provider: Some("codex".into()), ..x.clone() }),
        ("correlation_id", Event { correlation_id: Some("corr".into()), ..x.clone() }),
        ("schema_version", Event { schema_version: 2, ..x.clone() }),
    ];
    for (field, changed) in changes {
        // A new event before the changed one: the whole call is refused, the new one too.
        let fresh = event(&cx.env, EventType::SessionStarted, &s.id)?;
        for (path, result) in every_path(cx, &[fresh, changed], &s).await? {
            expect_code(result, ErrorCode::AlreadyExists)
                .map_err(|m| format!("{field} changed, {path}: {m}"))?;
        }
        ensure_eq(state(&cx.store, &[&s.id]).await?, before.clone(), field)?;
    }
    ensure(cx.store.get_session(&s.id).await.is_err(), "flush saved the session")
}

async fn rel_ids_same_content_is_idempotent_on_every_path<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-same")?;
    let mut x = event(&cx.env, EventType::MessageReceived, &s.id)?;
    x.data = object(json!({"content": "hi", "role": "user", "n": 1, "nested": {"b": [1, 2]}}));
    x.metadata = object(json!({"m": true}));
    x.run_id = Some("run_same".into());
    x.provider = Some("claude".into());
    let stored = cx.store.append_event_with_sequence(&x).await.or_fail("append X")?;
    ensure_eq(stored.sequence_number, Some(1), "X's sequence")?;
    // Equal by value, spelled differently: 1.0 for 1 (JSON text differs in a SQLite row).
    let mut again = x.clone();
    again.data.insert("n".into(), json!(1.0));
    again.sequence_number = Some(42);
    let before = state(&cx.store, &[&s.id]).await?;
    for (path, result) in every_path(cx, std::slice::from_ref(&again), &s).await? {
        result.or_fail(path)?;
    }
    ensure_eq(state(&cx.store, &[&s.id]).await?, before, "nothing new stored")?;
    let back = cx.store.append_event_with_sequence(&again).await.or_fail("retry")?;
    ensure_eq(back.sequence_number, Some(1), "retry answers the stored sequence")?;
    ensure_eq(back.id, x.id.clone(), "retry answers the stored id")?;
    // A retry mixed with new events: X keeps 1, the new ones take 2 and 3.
    let y = event(&cx.env, EventType::MessageSent, &s.id)?;
    let z = event(&cx.env, EventType::MessageSent, &s.id)?;
    let got = cx.store.append_events(&[y.clone(), again, z]).await.or_fail("mixed batch")?;
    ensure_eq(seqs(&got), vec![2, 1, 3], "mixed batch sequences")?;
    ensure_eq(seqs(&all_events(&cx.store, &s.id).await?), vec![1, 2, 3], "log")?;
    ensure_eq(cx.store.get_latest_sequence(&s.id).await.or_fail("latest")?, 3, "latest")
}

async fn rel_ids_repeated_in_one_call<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-repeat")?;
    let x = event(&cx.env, EventType::MessageSent, &s.id)?;
    let elsewhere = Event { session_id: "ses_repeat_other".into(), ..x.clone() };
    let changed = Event { data: object(json!({"content": "other"})), ..x.clone() };
    let y = event(&cx.env, EventType::MessageSent, &s.id)?;
    let sessions = [s.id.as_str(), "ses_repeat_other"];
    let cases = [
        (elsewhere, ErrorCode::SessionMismatch, "other session"),
        (changed, ErrorCode::AlreadyExists, "other content"),
    ];
    for (second, code, what) in cases {
        let r = cx.store.append_events(&[x.clone(), y.clone(), second.clone()]).await;
        expect_code(r, code).map_err(|m| format!("append_events, {what}: {m}"))?;
        let payload = FlushPayload {
            session: s.clone(),
            run: run(&cx.env, &s.id)?,
            events: vec![x.clone(), second],
            provider_metadata: None,
        };
        expect_code(cx.store.flush(&payload).await, code)
            .map_err(|m| format!("flush, {what}: {m}"))?;
        for (events, latest) in state(&cx.store, &sessions).await? {
            ensure((events.is_empty(), latest) == (true, 0), format!("{what}: something stored"))?;
        }
    }
    ensure(cx.store.get_session(&s.id).await.is_err(), "flush saved the session")?;
    // An exact repeat maps to the first copy: one row, both answers the same.
    let got = cx.store.append_events(&[x.clone(), y, x]).await.or_fail("exact repeat")?;
    ensure_eq(seqs(&got), vec![1, 2, 1], "answers")?;
    ensure_eq(seqs(&all_events(&cx.store, &s.id).await?), vec![1, 2], "log")
}
