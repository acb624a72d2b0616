//! `docs/asm-v0.8/sql.md` §8 items 57–58 (flush) and 63 (the session lifecycle, through the ports only).
//! Item 59 (a payload missing session, run or events) cannot be written in Rust: the payload is
//! a typed struct.

use asm_core::json::object;
use asm_core::ports::{EventFilter, FlushPayload, ListRuns};
use asm_core::{ErrorCode, EventType, RunStatus, SessionStatus};
use serde_json::json;

use crate::cases::helpers::{OrFail, all_events, event, run, run_event, session, types};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

/// Items 57–58, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![sql_8_57_flush_then_read_back, sql_8_58_flush_invalid_event_rolls_back]
}

/// Item 63, in manifest order.
pub(super) fn lifecycle_cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![sql_8_63_session_lifecycle]
}

async fn sql_8_57_flush_then_read_back<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "test-agent")?;
    let r = run(&cx.env, &s.id)?;
    let ev = run_event(&cx.env, EventType::RunStarted, &s.id, &r.id)?;
    let payload = FlushPayload {
        session: s.clone(),
        run: r.clone(),
        events: vec![ev.clone()],
        provider_metadata: None,
    };
    cx.store.flush(&payload).await.or_fail("flush")?;
    ensure_eq(cx.store.get_session(&s.id).await.or_fail("get_session")?, s.clone(), "session")?;
    ensure_eq(cx.store.get_run(&r.id).await.or_fail("get_run")?, r.clone(), "run")?;
    let got = cx
        .store
        .get_events(&s.id, &EventFilter { run_id: Some(r.id), ..EventFilter::default() })
        .await;
    let got = got.or_fail("get_events")?;
    ensure_eq(
        got.iter().map(|e| (&e.id, e.sequence_number)).collect(),
        vec![(&ev.id, Some(1))],
        "events",
    )
}

async fn sql_8_58_flush_invalid_event_rolls_back<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "test-agent")?;
    let r = run(&cx.env, &s.id)?;
    let good = event(&cx.env, EventType::RunStarted, &s.id)?;
    let mut bad = event(&cx.env, EventType::RunCompleted, &s.id)?;
    bad.id = String::new();
    let payload = FlushPayload {
        session: s.clone(),
        run: r.clone(),
        events: vec![good, bad],
        provider_metadata: None,
    };
    expect_code(cx.store.flush(&payload).await, ErrorCode::ValidationError)?;
    expect_code(cx.store.get_session(&s.id).await, ErrorCode::SessionNotFound)?;
    expect_code(cx.store.get_run(&r.id).await, ErrorCode::RunNotFound)?;
    ensure(all_events(&cx.store, &s.id).await?.is_empty(), "events were written")?;
    ensure_eq(cx.store.get_latest_sequence(&s.id).await.or_fail("latest")?, 0, "latest")
}

/// Start, activate, run, complete — what SessionManager does, written against the ports.
async fn sql_8_63_session_lifecycle<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let (store, env) = (&cx.store, &cx.env);
    let mut s = session(env, "agent-life")?;
    let mut other = session(env, "agent-other")?;
    for sess in [&s, &other] {
        store.save_session(sess).await.or_fail("start: save_session")?;
        store
            .append_event(&event(env, EventType::SessionCreated, &sess.id)?)
            .await
            .or_fail("session_created")?;
    }
    ensure_eq(
        store.get_session(&s.id).await.or_fail("get_session")?.status,
        SessionStatus::Pending,
        "started",
    )?;
    s.update_status(SessionStatus::Active, env);
    store.save_session(&s).await.or_fail("activate")?;
    store
        .append_event(&event(env, EventType::SessionStarted, &s.id)?)
        .await
        .or_fail("session_started")?;
    ensure_eq(
        store.get_session(&s.id).await.or_fail("get_session")?.status,
        SessionStatus::Active,
        "activated",
    )?;
    let mut r = run(env, &s.id)?;
    r.update_status(RunStatus::Running, env);
    store.save_run(&r).await.or_fail("start run")?;
    store
        .append_event(&run_event(env, EventType::RunStarted, &s.id, &r.id)?)
        .await
        .or_fail("run_started")?;
    ensure_eq(
        store.get_active_run(&s.id).await.or_fail("active")?.map(|a| a.id),
        Some(r.id.clone()),
        "active run",
    )?;
    r.set_output(object(json!({"response": "done"})), env);
    store
        .append_event(&run_event(env, EventType::RunCompleted, &s.id, &r.id)?)
        .await
        .or_fail("run_completed")?;
    store.save_run(&r).await.or_fail("complete run")?;
    s.update_status(SessionStatus::Completed, env);
    store.save_session(&s).await.or_fail("complete session")?;
    store
        .append_event(&event(env, EventType::SessionCompleted, &s.id)?)
        .await
        .or_fail("session_completed")?;
    other.update_status(SessionStatus::Active, env);
    store.save_session(&other).await.or_fail("activate other")?;
    ensure_eq(
        store.get_session(&s.id).await.or_fail("get_session")?.status,
        SessionStatus::Completed,
        "completed",
    )?;
    let runs = store.list_runs(&s.id, &ListRuns::default()).await.or_fail("list_runs")?;
    ensure_eq(runs.iter().map(|r| r.status).collect(), vec![RunStatus::Completed], "runs")?;
    let log = all_events(store, &s.id).await?;
    let want = [
        EventType::SessionCreated,
        EventType::SessionStarted,
        EventType::RunStarted,
        EventType::RunCompleted,
        EventType::SessionCompleted,
    ];
    ensure_eq(types(&log), want.to_vec(), "session log")?;
    ensure(log.iter().all(|e| e.session_id == s.id), "another session's event in the log")?;
    let other_log = all_events(store, &other.id).await?;
    ensure_eq(types(&other_log), vec![EventType::SessionCreated], "other session's log")
}
