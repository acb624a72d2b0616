//! `docs/asm-v0.8/domain.md` §7.8 (items 109–112, parity between implementations) and the store items of
//! §7.17 (189–194), following the project's decisions in docs/compatibility.md.

use asm_core::json::object;
use asm_core::ports::{EventFilter, FlushPayload, ListRuns};
use asm_core::{ErrorCode, Event, EventType, NewEvent, RunStatus};
use serde_json::json;

use crate::cases::helpers::{
    OrFail, all_events, artifact_attrs, event, event_with_id, ids, run_with_id, seqs, session,
    session_with_id,
};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

/// `docs/asm-v0.8/domain.md` §7.8, in manifest order.
pub(super) fn parity_cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_8_109_session_save_get_delete,
        domain_7_8_110_run_pending_then_running,
        domain_7_8_111_custom_event_ids_sequenced,
        domain_7_8_112_flush_without_provider_metadata,
    ]
}

/// `docs/asm-v0.8/domain.md` §7.17 store items, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_17_189_caller_sequence_overwritten,
        domain_7_17_190_id_of_other_session_refused,
        domain_7_17_191_other_payload_refused,
        domain_7_17_192_since_is_inclusive,
        domain_7_17_193_limit_zero_returns_all,
        domain_7_17_194_delete_session_cascades,
    ]
}

async fn domain_7_8_109_session_save_get_delete<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session_with_id(&cx.env, "ses_contract_parity", "agent-1")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    ensure_eq(cx.store.get_session(&s.id).await.or_fail("get_session")?, s.clone(), "session")?;
    cx.store.delete_session(&s.id).await.or_fail("delete_session")?;
    ensure(cx.store.get_session(&s.id).await.is_err(), "get_session after delete should fail")
}

async fn domain_7_8_110_run_pending_then_running<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut r = run_with_id(&cx.env, "run_contract_parity", "ses_contract_parity")?;
    cx.store.save_run(&r).await.or_fail("save_run pending")?;
    r.update_status(RunStatus::Running, &cx.env);
    cx.store.save_run(&r).await.or_fail("save_run running")?;
    ensure_eq(
        cx.store.get_run(&r.id).await.or_fail("get_run")?.status,
        RunStatus::Running,
        "status",
    )?;
    let active = cx.store.get_active_run(&r.session_id).await.or_fail("get_active_run")?;
    ensure_eq(active.map(|a| a.id), Some(r.id), "active run")
}

async fn domain_7_8_111_custom_event_ids_sequenced<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_contract_parity";
    let e1 = event_with_id(&cx.env, "evt_contract_parity_1", EventType::SessionCreated, sid)?;
    let e2 = event_with_id(&cx.env, "evt_contract_parity_2", EventType::SessionStarted, sid)?;
    let a = cx.store.append_event_with_sequence(&e1).await.or_fail("append e1")?;
    let b = cx.store.append_event_with_sequence(&e2).await.or_fail("append e2")?;
    ensure_eq((a.sequence_number, b.sequence_number), (Some(1), Some(2)), "sequences")?;
    ensure_eq(ids(&all_events(&cx.store, sid).await?), vec![e1.id, e2.id], "ids in order")
}

async fn domain_7_8_112_flush_without_provider_metadata<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session_with_id(&cx.env, "ses_contract_flush", "agent-1")?;
    let r = run_with_id(&cx.env, "run_contract_flush", &s.id)?;
    let attrs = NewEvent {
        run_id: Some(r.id.clone()),
        data: object(json!({"ok": true})),
        ..NewEvent::of(EventType::RunCompleted, &s.id)
    };
    let ev = Event::new(attrs, &cx.env).or_fail("Event::new")?;
    let payload = FlushPayload {
        session: s.clone(),
        run: r.clone(),
        events: vec![ev.clone()],
        provider_metadata: None,
    };
    cx.store.flush(&payload).await.or_fail("flush")?;
    cx.store.get_session(&s.id).await.or_fail("get_session")?;
    cx.store.get_run(&r.id).await.or_fail("get_run")?;
    ensure_eq(ids(&all_events(&cx.store, &s.id).await?), vec![ev.id], "flushed events")
}

async fn domain_7_17_189_caller_sequence_overwritten<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_seq99";
    let attrs =
        NewEvent { sequence_number: Some(99), ..NewEvent::of(EventType::SessionCreated, sid) };
    let ev = Event::new(attrs, &cx.env).or_fail("Event::new")?;
    cx.store.append_event(&ev).await.or_fail("append_event")?;
    ensure_eq(seqs(&all_events(&cx.store, sid).await?), vec![1], "stored sequence")
}

/// Item 190 under this project's rule (docs/compatibility.md "Event ids"): ASM answers A's
/// stored event, here the append is `session_mismatch` and B's log and latest sequence stay
/// unchanged as in ASM.
async fn domain_7_17_190_id_of_other_session_refused<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let in_a = event_with_id(&cx.env, "evt_shared_x", EventType::SessionCreated, "ses_a")?;
    let stored_a = cx.store.append_event_with_sequence(&in_a).await.or_fail("append to A")?;
    cx.store
        .append_event(&event(&cx.env, EventType::SessionCreated, "ses_b")?)
        .await
        .or_fail("append to B")?;
    let in_b = event_with_id(&cx.env, "evt_shared_x", EventType::SessionStarted, "ses_b")?;
    let got = cx.store.append_event_with_sequence(&in_b).await;
    expect_code(got, ErrorCode::SessionMismatch)?;
    ensure_eq(all_events(&cx.store, "ses_a").await?, vec![stored_a], "A's log")?;
    ensure_eq(seqs(&all_events(&cx.store, "ses_b").await?), vec![1], "B's log")?;
    ensure_eq(
        cx.store.get_latest_sequence("ses_b").await.or_fail("latest")?,
        1,
        "B's latest sequence",
    )
}

/// Item 191 under this project's rule (docs/compatibility.md "Event ids"): ASM answers the
/// original, here the append is `already_exists`; the original payload is kept as in ASM.
async fn domain_7_17_191_other_payload_refused<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_payload";
    let mut ev = event(&cx.env, EventType::MessageReceived, sid)?;
    ev.data = object(json!({"content": "original"}));
    let original = cx.store.append_event_with_sequence(&ev).await.or_fail("first append")?;
    ev.data = object(json!({"content": "changed"}));
    let again = cx.store.append_event_with_sequence(&ev).await;
    expect_code(again, ErrorCode::AlreadyExists)?;
    ensure_eq(cx.store.get_latest_sequence(sid).await.or_fail("latest")?, 1, "latest")?;
    let stored = all_events(&cx.store, sid).await?;
    ensure_eq(stored, vec![original], "stored log")
}

async fn domain_7_17_192_since_is_inclusive<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_since";
    let first = event(&cx.env, EventType::SessionCreated, sid)?;
    let second = event(&cx.env, EventType::SessionStarted, sid)?;
    cx.store.append_events(&[first.clone(), second.clone()]).await.or_fail("append_events")?;
    let filter = EventFilter { since: Some(second.timestamp), ..EventFilter::default() };
    let got = cx.store.get_events(sid, &filter).await.or_fail("get_events")?;
    ensure_eq(ids(&got), vec![second.id], "events at or after T")
}

async fn domain_7_17_193_limit_zero_returns_all<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_limit0";
    for _ in 0..3 {
        cx.store
            .append_event(&event(&cx.env, EventType::MessageReceived, sid)?)
            .await
            .or_fail("append")?;
    }
    let got =
        cx.store.get_events(sid, &EventFilter { limit: Some(0), ..EventFilter::default() }).await;
    ensure_eq(got.or_fail("get_events")?.len(), 3, "events with limit 0")
}

async fn domain_7_17_194_delete_session_cascades<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    let r = run_with_id(&cx.env, "run_cascade", &s.id)?;
    cx.store.save_run(&r).await.or_fail("save_run")?;
    cx.store
        .append_event(&event(&cx.env, EventType::SessionCreated, &s.id)?)
        .await
        .or_fail("append")?;
    cx.store.register(artifact_attrs("cascade.txt", Some(&s.id), 10)).await.or_fail("register")?;
    cx.store.delete_session(&s.id).await.or_fail("delete_session")?;
    ensure(all_events(&cx.store, &s.id).await?.is_empty(), "events survived the delete")?;
    ensure_eq(cx.store.get_latest_sequence(&s.id).await.or_fail("latest")?, 0, "latest sequence")?;
    ensure(
        cx.store.list_runs(&s.id, &ListRuns::default()).await.or_fail("list_runs")?.is_empty(),
        "runs survived",
    )?;
    ensure(
        cx.store.list_by_session(&s.id).await.or_fail("list_by_session")?.is_empty(),
        "artifacts survived",
    )?;
    let e = cx
        .store
        .append_event_with_sequence(&event(&cx.env, EventType::SessionCreated, &s.id)?)
        .await;
    ensure_eq(e.or_fail("append after delete")?.sequence_number, Some(1), "sequence after delete")
}
