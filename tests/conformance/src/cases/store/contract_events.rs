//! `docs/asm-v0.8/domain.md` §7.6 items 76–97: the event log through the SessionStore contract. Items 91–95
//! (blocking long-poll) are not cases: no store here blocks (docs/compatibility.md).

use asm_core::ports::{EventFilter, FlushPayload, ListRuns, ListSessions};
use asm_core::{ErrorCode, EventType, RunStatus};

use crate::cases::helpers::{OrFail, all_events, event, ids, run, run_event, seqs, session, types};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_6_76_append_event_and_read_back,
        domain_7_6_77_get_events_in_append_order,
        domain_7_6_78_get_events_by_run_id,
        domain_7_6_79_get_events_by_type,
        domain_7_6_80_stored_event_keeps_identity,
        domain_7_6_81_append_with_sequence_numbers,
        domain_7_6_82_append_with_sequence_twice_dedups,
        domain_7_6_83_append_events_sequences,
        domain_7_6_84_append_events_duplicate_in_batch,
        domain_7_6_85_latest_sequence_without_events,
        domain_7_6_86_get_events_after_before,
        domain_7_6_87_get_events_combined_filters,
        domain_7_6_88_flush_persists_all,
        domain_7_6_89_flush_invalid_event_writes_nothing,
        domain_7_6_90_wait_with_existing_event_returns_it,
        domain_7_6_96_after_zero_on_empty_session,
        domain_7_6_97_repeated_writes_are_idempotent,
    ]
}

async fn domain_7_6_76_append_event_and_read_back<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_log";
    cx.store
        .append_event(&event(&cx.env, EventType::SessionCreated, sid)?)
        .await
        .or_fail("append 1")?;
    cx.store
        .append_event(&event(&cx.env, EventType::SessionStarted, sid)?)
        .await
        .or_fail("append 2")?;
    ensure_eq(all_events(&cx.store, sid).await?.len(), 2, "events stored")
}

async fn domain_7_6_77_get_events_in_append_order<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_order";
    let order = [EventType::SessionCreated, EventType::SessionStarted, EventType::RunStarted];
    for t in order {
        cx.store.append_event(&event(&cx.env, t, sid)?).await.or_fail("append_event")?;
    }
    ensure_eq(types(&all_events(&cx.store, sid).await?), order.to_vec(), "types in order")
}

async fn domain_7_6_78_get_events_by_run_id<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_runfilter";
    cx.store
        .append_event(&event(&cx.env, EventType::SessionCreated, sid)?)
        .await
        .or_fail("append session event")?;
    let ev = run_event(&cx.env, EventType::RunStarted, sid, "run_x")?;
    cx.store.append_event(&ev).await.or_fail("append run event")?;
    let filter = EventFilter { run_id: Some("run_x".into()), ..EventFilter::default() };
    let got = cx.store.get_events(sid, &filter).await.or_fail("get_events")?;
    ensure_eq(ids(&got), vec![ev.id], "events of run_x")
}

async fn domain_7_6_79_get_events_by_type<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_typefilter";
    for t in [EventType::SessionCreated, EventType::SessionStarted, EventType::SessionCreated] {
        cx.store.append_event(&event(&cx.env, t, sid)?).await.or_fail("append_event")?;
    }
    let filter =
        EventFilter { event_type: Some(EventType::SessionCreated), ..EventFilter::default() };
    let got = cx.store.get_events(sid, &filter).await.or_fail("get_events")?;
    ensure_eq(types(&got), vec![EventType::SessionCreated; 2], "filtered types")
}

async fn domain_7_6_80_stored_event_keeps_identity<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let ev = event(&cx.env, EventType::SessionCreated, "ses_identity")?;
    cx.store.append_event(&ev).await.or_fail("append_event")?;
    let got = all_events(&cx.store, "ses_identity").await?;
    let stored = got.first().ok_or("no event stored")?;
    ensure_eq(
        (&stored.id, stored.event_type, &stored.session_id),
        (&ev.id, ev.event_type, &ev.session_id),
        "stored",
    )
}

async fn domain_7_6_81_append_with_sequence_numbers<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_seq";
    let e1 = cx
        .store
        .append_event_with_sequence(&event(&cx.env, EventType::SessionCreated, sid)?)
        .await
        .or_fail("e1")?;
    let e2 = cx
        .store
        .append_event_with_sequence(&event(&cx.env, EventType::SessionStarted, sid)?)
        .await
        .or_fail("e2")?;
    ensure_eq((e1.sequence_number, e2.sequence_number), (Some(1), Some(2)), "sequence numbers")?;
    ensure_eq(cx.store.get_latest_sequence(sid).await.or_fail("latest")?, 2, "latest sequence")
}

async fn domain_7_6_82_append_with_sequence_twice_dedups<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_dedup";
    let ev = event(&cx.env, EventType::SessionCreated, sid)?;
    let a = cx.store.append_event_with_sequence(&ev).await.or_fail("first append")?;
    let b = cx.store.append_event_with_sequence(&ev).await.or_fail("second append")?;
    ensure_eq((&b.id, b.sequence_number), (&a.id, a.sequence_number), "second result")?;
    ensure_eq(all_events(&cx.store, sid).await?.len(), 1, "events stored")?;
    ensure_eq(cx.store.get_latest_sequence(sid).await.or_fail("latest")?, 1, "latest sequence")
}

async fn domain_7_6_83_append_events_sequences<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_batch";
    let batch = [
        event(&cx.env, EventType::SessionCreated, sid)?,
        event(&cx.env, EventType::SessionStarted, sid)?,
    ];
    let stored = cx.store.append_events(&batch).await.or_fail("append_events")?;
    ensure_eq(seqs(&stored), vec![1, 2], "sequence numbers")?;
    ensure_eq(cx.store.get_latest_sequence(sid).await.or_fail("latest")?, 2, "latest sequence")
}

async fn domain_7_6_84_append_events_duplicate_in_batch<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_batchdup";
    let ev = event(&cx.env, EventType::SessionCreated, sid)?;
    let stored =
        cx.store.append_events(&[ev.clone(), ev.clone()]).await.or_fail("append_events")?;
    ensure_eq(ids(&stored), vec![ev.id.clone(), ev.id], "result ids")?;
    ensure_eq(seqs(&stored), vec![1, 1], "result sequences")?;
    ensure_eq(all_events(&cx.store, sid).await?.len(), 1, "events stored")?;
    ensure_eq(cx.store.get_latest_sequence(sid).await.or_fail("latest")?, 1, "latest sequence")
}

async fn domain_7_6_85_latest_sequence_without_events<S: Store>(cx: &Ctx<S>) -> CaseResult {
    ensure_eq(
        cx.store.get_latest_sequence("ses_none").await.or_fail("latest")?,
        0,
        "latest sequence",
    )
}

async fn domain_7_6_86_get_events_after_before<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_window";
    for _ in 0..3 {
        cx.store
            .append_event(&event(&cx.env, EventType::MessageReceived, sid)?)
            .await
            .or_fail("append")?;
    }
    let window = |after, before| EventFilter { after, before, ..EventFilter::default() };
    let got = cx.store.get_events(sid, &window(Some(1), None)).await.or_fail("after 1")?;
    ensure_eq(seqs(&got), vec![2, 3], "after 1")?;
    let got = cx.store.get_events(sid, &window(None, Some(3))).await.or_fail("before 3")?;
    ensure_eq(seqs(&got), vec![1, 2], "before 3")?;
    let got =
        cx.store.get_events(sid, &window(Some(1), Some(3))).await.or_fail("after 1 before 3")?;
    ensure_eq(seqs(&got), vec![2], "after 1 before 3")
}

async fn domain_7_6_87_get_events_combined_filters<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_combined";
    let plan = [
        ("run1", EventType::RunStarted),
        ("run1", EventType::MessageReceived),
        ("run2", EventType::MessageReceived),
        ("run1", EventType::MessageReceived),
        ("run1", EventType::MessageReceived),
    ];
    for (run_id, t) in plan {
        cx.store.append_event(&run_event(&cx.env, t, sid, run_id)?).await.or_fail("append")?;
    }
    let filter = EventFilter {
        after: Some(1),
        run_id: Some("run1".into()),
        event_type: Some(EventType::MessageReceived),
        limit: Some(2),
        ..EventFilter::default()
    };
    let got = cx.store.get_events(sid, &filter).await.or_fail("get_events")?;
    ensure_eq(seqs(&got), vec![2, 4], "filtered, then limited")
}

async fn domain_7_6_88_flush_persists_all<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    let mut r = run(&cx.env, &s.id)?;
    r.update_status(RunStatus::Completed, &cx.env);
    let events = vec![
        run_event(&cx.env, EventType::RunStarted, &s.id, &r.id)?,
        run_event(&cx.env, EventType::RunCompleted, &s.id, &r.id)?,
    ];
    let payload = FlushPayload {
        session: s.clone(),
        run: r.clone(),
        events,
        provider_metadata: Some(Default::default()),
    };
    cx.store.flush(&payload).await.or_fail("flush")?;
    ensure_eq(cx.store.get_session(&s.id).await.or_fail("get_session")?, s.clone(), "session")?;
    ensure_eq(cx.store.get_run(&r.id).await.or_fail("get_run")?, r.clone(), "run")?;
    let filter = EventFilter { run_id: Some(r.id.clone()), ..EventFilter::default() };
    let got = cx.store.get_events(&s.id, &filter).await.or_fail("get_events")?;
    ensure_eq(types(&got), vec![EventType::RunStarted, EventType::RunCompleted], "run events")
}

async fn domain_7_6_89_flush_invalid_event_writes_nothing<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    let r = run(&cx.env, &s.id)?;
    let mut bad = event(&cx.env, EventType::RunStarted, &s.id)?;
    bad.id = String::new();
    let payload = FlushPayload {
        session: s.clone(),
        run: r.clone(),
        events: vec![bad],
        provider_metadata: None,
    };
    expect_code(cx.store.flush(&payload).await, ErrorCode::ValidationError)?;
    expect_code(cx.store.get_session(&s.id).await, ErrorCode::SessionNotFound)?;
    expect_code(cx.store.get_run(&r.id).await, ErrorCode::RunNotFound)?;
    ensure_eq(all_events(&cx.store, &s.id).await?.len(), 0, "events stored")
}

async fn domain_7_6_90_wait_with_existing_event_returns_it<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_wait";
    cx.store
        .append_event(&event(&cx.env, EventType::SessionCreated, sid)?)
        .await
        .or_fail("append")?;
    let filter =
        EventFilter { after: Some(0), wait_timeout_ms: Some(5000), ..EventFilter::default() };
    let got = cx.store.get_events(sid, &filter).await.or_fail("get_events")?;
    ensure_eq(got.len(), 1, "events returned")
}

async fn domain_7_6_96_after_zero_on_empty_session<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let filter = EventFilter { after: Some(0), ..EventFilter::default() };
    let got = cx.store.get_events("ses_empty", &filter).await.or_fail("get_events")?;
    ensure(got.is_empty(), format!("expected no events, got {}", got.len()))
}

async fn domain_7_6_97_repeated_writes_are_idempotent<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    let r = run(&cx.env, &s.id)?;
    let ev = event(&cx.env, EventType::SessionCreated, &s.id)?;
    for _ in 0..3 {
        cx.store.save_session(&s).await.or_fail("save_session")?;
        cx.store.save_run(&r).await.or_fail("save_run")?;
        cx.store.append_event(&ev).await.or_fail("append_event")?;
    }
    let sessions =
        cx.store.list_sessions(&ListSessions::default()).await.or_fail("list_sessions")?;
    ensure_eq(sessions.len(), 1, "sessions")?;
    let runs = cx.store.list_runs(&s.id, &ListRuns::default()).await.or_fail("list_runs")?;
    ensure_eq(runs.len(), 1, "runs")?;
    ensure_eq(all_events(&cx.store, &s.id).await?.len(), 1, "events")
}
