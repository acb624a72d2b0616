//! `docs/asm-v0.8/sql.md` §8 items 35–56: events and sequencing.

use asm_core::json::object;
use asm_core::ports::EventFilter;
use asm_core::{ErrorCode, Event, EventType, Limit, NewEvent, RetentionPolicy};
use serde_json::json;

use crate::cases::helpers::{OrFail, all_events, event, ids, run_event, seqs, types};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        sql_8_35_append_event_twice_one_row,
        sql_8_36_three_appends_sequence_1_2_3,
        sql_8_37_duplicate_append_keeps_sequence,
        sql_8_38_sequences_are_per_session,
        sql_8_39_invalid_event_consumes_nothing,
        sql_8_40_append_events_in_input_order,
        sql_8_41_append_events_duplicate_pair,
        sql_8_42_append_3000_events_chunked,
        sql_8_43_append_events_two_sessions,
        sql_8_44_append_events_with_existing_id,
        sql_8_45_append_events_invalid_element_writes_nothing,
        sql_8_46_get_events_in_order,
        sql_8_47_get_events_by_run,
        sql_8_48_get_events_by_type,
        sql_8_49_get_events_after_and_before,
        sql_8_50_get_events_since_inclusive,
        sql_8_51_get_events_limit_and_unknown_session,
        sql_8_52_get_events_after_before_limit,
        sql_8_53_latest_sequence,
        sql_8_54_event_round_trip,
        sql_8_55_latest_sequence_after_prune_and_delete,
        sql_8_56_wait_timeout_is_ignored,
    ]
}

fn msgs(cx_env: &asm_core::Env, n: usize, sid: &str) -> Result<Vec<Event>, String> {
    (0..n).map(|_| event(cx_env, EventType::MessageReceived, sid)).collect()
}

async fn sql_8_35_append_event_twice_one_row<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let ev = event(&cx.env, EventType::MessageReceived, "ses_test_000001")?;
    cx.store.append_event(&ev).await.or_fail("first append")?;
    cx.store.append_event(&ev).await.or_fail("second append")?;
    ensure_eq(ids(&all_events(&cx.store, "ses_test_000001").await?), vec![ev.id], "rows")
}

async fn sql_8_36_three_appends_sequence_1_2_3<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let events = msgs(&cx.env, 3, "ses_three")?;
    let mut got = Vec::new();
    for e in &events {
        got.push(cx.store.append_event_with_sequence(e).await.or_fail("append")?);
    }
    ensure_eq(seqs(&got), vec![1, 2, 3], "returned sequences")?;
    ensure_eq(ids(&all_events(&cx.store, "ses_three").await?), ids(&events), "stored order")
}

async fn sql_8_37_duplicate_append_keeps_sequence<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let ev = event(&cx.env, EventType::MessageReceived, "ses_dup")?;
    let a = cx.store.append_event_with_sequence(&ev).await.or_fail("first append")?;
    let b = cx.store.append_event_with_sequence(&ev).await.or_fail("second append")?;
    ensure_eq((&b.id, b.sequence_number), (&a.id, Some(1)), "second result")?;
    ensure_eq(all_events(&cx.store, "ses_dup").await?.len(), 1, "rows")?;
    ensure_eq(cx.store.get_latest_sequence("ses_dup").await.or_fail("latest")?, 1, "counter")
}

async fn sql_8_38_sequences_are_per_session<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let a = cx
        .store
        .append_event_with_sequence(&event(&cx.env, EventType::SessionCreated, "ses_1")?)
        .await;
    let b = cx
        .store
        .append_event_with_sequence(&event(&cx.env, EventType::SessionCreated, "ses_2")?)
        .await;
    ensure_eq(
        (a.or_fail("ses_1")?.sequence_number, b.or_fail("ses_2")?.sequence_number),
        (Some(1), Some(1)),
        "firsts",
    )
}

async fn sql_8_39_invalid_event_consumes_nothing<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_invalid";
    let mut bad = event(&cx.env, EventType::MessageReceived, sid)?;
    bad.id = String::new();
    let e =
        expect_code(cx.store.append_event_with_sequence(&bad).await, ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "id can't be blank", "message")?;
    let good = cx
        .store
        .append_event_with_sequence(&event(&cx.env, EventType::MessageReceived, sid)?)
        .await;
    ensure_eq(good.or_fail("valid append")?.sequence_number, Some(1), "next sequence")
}

async fn sql_8_40_append_events_in_input_order<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let events = msgs(&cx.env, 3, "ses_batch3")?;
    let stored = cx.store.append_events(&events).await.or_fail("append_events")?;
    ensure_eq(ids(&stored), ids(&events), "result order")?;
    ensure_eq(seqs(&stored), vec![1, 2, 3], "sequences")?;
    ensure_eq(cx.store.get_latest_sequence("ses_batch3").await.or_fail("latest")?, 3, "latest")
}

async fn sql_8_41_append_events_duplicate_pair<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let ev = event(&cx.env, EventType::MessageReceived, "ses_pair")?;
    let stored =
        cx.store.append_events(&[ev.clone(), ev.clone()]).await.or_fail("append_events")?;
    ensure_eq(stored.first(), stored.get(1), "both results")?;
    ensure_eq(all_events(&cx.store, "ses_pair").await?.len(), 1, "rows")
}

async fn sql_8_42_append_3000_events_chunked<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let events = msgs(&cx.env, 3000, "ses_big")?;
    let stored = cx.store.append_events(&events).await.or_fail("append_events")?;
    ensure_eq(stored.len(), 3000, "results")?;
    ensure_eq(seqs(&stored), (1..=3000).collect(), "sequences")?;
    ensure_eq(cx.store.get_latest_sequence("ses_big").await.or_fail("latest")?, 3000, "latest")
}

async fn sql_8_43_append_events_two_sessions<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let batch = vec![
        event(&cx.env, EventType::MessageReceived, "ses_i1")?,
        event(&cx.env, EventType::MessageReceived, "ses_i2")?,
        event(&cx.env, EventType::MessageReceived, "ses_i1")?,
        event(&cx.env, EventType::MessageReceived, "ses_i2")?,
    ];
    let stored = cx.store.append_events(&batch).await.or_fail("append_events")?;
    ensure_eq(ids(&stored), ids(&batch), "result order")?;
    ensure_eq(seqs(&stored), vec![1, 1, 2, 2], "sequences")?;
    ensure_eq(seqs(&all_events(&cx.store, "ses_i1").await?), vec![1, 2], "s1 log")?;
    ensure_eq(seqs(&all_events(&cx.store, "ses_i2").await?), vec![1, 2], "s2 log")
}

/// The existing id is resent with its content unchanged: under this project's event-id rule
/// (docs/compatibility.md "Event ids") a changed payload would be `already_exists` for the whole
/// call (case `rel_ids_other_content_refused_on_every_path`), where ASM answered the original.
async fn sql_8_44_append_events_with_existing_id<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_existing";
    let first =
        cx.store.append_event_with_sequence(&event(&cx.env, EventType::SessionCreated, sid)?).await;
    let first = first.or_fail("first append")?;
    let mut resent = first.clone();
    resent.sequence_number = Some(7);
    let batch = vec![
        event(&cx.env, EventType::MessageReceived, sid)?,
        resent,
        event(&cx.env, EventType::MessageSent, sid)?,
    ];
    let stored = cx.store.append_events(&batch).await.or_fail("append_events")?;
    ensure_eq(stored.get(1), Some(&first), "existing event comes back as stored")?;
    ensure_eq(seqs(&stored), vec![2, 1, 3], "sequences")?;
    ensure_eq(cx.store.get_latest_sequence(sid).await.or_fail("latest")?, 3, "latest")
}

async fn sql_8_45_append_events_invalid_element_writes_nothing<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let sid = "ses_badbatch";
    let mut bad = event(&cx.env, EventType::MessageReceived, sid)?;
    bad.session_id = String::new();
    let batch = vec![
        event(&cx.env, EventType::MessageReceived, sid)?,
        bad,
        event(&cx.env, EventType::MessageSent, sid)?,
    ];
    let e = expect_code(cx.store.append_events(&batch).await, ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "session_id can't be blank", "message")?;
    ensure(all_events(&cx.store, sid).await?.is_empty(), "events were written")?;
    ensure_eq(cx.store.get_latest_sequence(sid).await.or_fail("latest")?, 0, "latest")
}

async fn sql_8_46_get_events_in_order<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let order = [
        EventType::RunStarted,
        EventType::MessageReceived,
        EventType::MessageStreamed,
        EventType::RunCompleted,
    ];
    for t in order {
        cx.store
            .append_event(&run_event(&cx.env, t, "ses_four", "run_four")?)
            .await
            .or_fail("append")?;
    }
    ensure_eq(types(&all_events(&cx.store, "ses_four").await?), order.to_vec(), "types")
}

async fn sql_8_47_get_events_by_run<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mine = run_event(&cx.env, EventType::RunStarted, "ses_runs", "run_x")?;
    cx.store.append_event(&mine).await.or_fail("append x")?;
    cx.store
        .append_event(&run_event(&cx.env, EventType::RunStarted, "ses_runs", "run_y")?)
        .await
        .or_fail("append y")?;
    let filter = EventFilter { run_id: Some("run_x".into()), ..EventFilter::default() };
    ensure_eq(
        ids(&cx.store.get_events("ses_runs", &filter).await.or_fail("get_events")?),
        vec![mine.id],
        "run_x",
    )
}

async fn sql_8_48_get_events_by_type<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_types";
    cx.store.append_event(&event(&cx.env, EventType::RunStarted, sid)?).await.or_fail("append")?;
    let msg = event(&cx.env, EventType::MessageReceived, sid)?;
    cx.store.append_event(&msg).await.or_fail("append")?;
    cx.store
        .append_event(&event(&cx.env, EventType::RunCompleted, sid)?)
        .await
        .or_fail("append")?;
    let filter =
        EventFilter { event_type: Some(EventType::MessageReceived), ..EventFilter::default() };
    ensure_eq(
        ids(&cx.store.get_events(sid, &filter).await.or_fail("get_events")?),
        vec![msg.id],
        "message events",
    )
}

async fn sql_8_49_get_events_after_and_before<S: Store>(cx: &Ctx<S>) -> CaseResult {
    cx.store.append_events(&msgs(&cx.env, 4, "ses_ab")?).await.or_fail("append_events")?;
    let after = EventFilter { after: Some(2), ..EventFilter::default() };
    ensure_eq(
        seqs(&cx.store.get_events("ses_ab", &after).await.or_fail("after")?),
        vec![3, 4],
        "after 2",
    )?;
    let before = EventFilter { before: Some(3), ..EventFilter::default() };
    ensure_eq(
        seqs(&cx.store.get_events("ses_ab", &before).await.or_fail("before")?),
        vec![1, 2],
        "before 3",
    )
}

async fn sql_8_50_get_events_since_inclusive<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let events = msgs(&cx.env, 3, "ses_since3")?;
    cx.store.append_events(&events).await.or_fail("append_events")?;
    let since = events.get(1).map(|e| e.timestamp);
    let got =
        cx.store.get_events("ses_since3", &EventFilter { since, ..EventFilter::default() }).await;
    ensure_eq(
        ids(&got.or_fail("get_events")?),
        ids(&events[1..]),
        "events at or after the second's timestamp",
    )
}

async fn sql_8_51_get_events_limit_and_unknown_session<S: Store>(cx: &Ctx<S>) -> CaseResult {
    cx.store.append_events(&msgs(&cx.env, 4, "ses_lim")?).await.or_fail("append_events")?;
    let limit = EventFilter { limit: Some(2), ..EventFilter::default() };
    ensure_eq(
        seqs(&cx.store.get_events("ses_lim", &limit).await.or_fail("limit 2")?),
        vec![1, 2],
        "limit 2",
    )?;
    ensure(all_events(&cx.store, "ses_nobody").await?.is_empty(), "unknown session has events")
}

async fn sql_8_52_get_events_after_before_limit<S: Store>(cx: &Ctx<S>) -> CaseResult {
    cx.store.append_events(&msgs(&cx.env, 4, "ses_abl")?).await.or_fail("append_events")?;
    let filter =
        EventFilter { after: Some(1), before: Some(4), limit: Some(1), ..EventFilter::default() };
    ensure_eq(
        seqs(&cx.store.get_events("ses_abl", &filter).await.or_fail("get_events")?),
        vec![2],
        "window",
    )
}

async fn sql_8_53_latest_sequence<S: Store>(cx: &Ctx<S>) -> CaseResult {
    ensure_eq(
        cx.store.get_latest_sequence("ses_latest").await.or_fail("latest")?,
        0,
        "before appends",
    )?;
    for e in msgs(&cx.env, 2, "ses_latest")? {
        cx.store.append_event(&e).await.or_fail("append")?;
    }
    ensure_eq(
        cx.store.get_latest_sequence("ses_latest").await.or_fail("latest")?,
        2,
        "after two appends",
    )
}

async fn sql_8_54_event_round_trip<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewEvent {
        run_id: Some("run_rt".into()),
        data: object(json!({"content": "Hello!", "role": "assistant"})),
        metadata: object(json!({"provider": "claude", "model": "claude-sonnet-4"})),
        provider: Some("claude".into()),
        correlation_id: Some("corr_rt".into()),
        ..NewEvent::of(EventType::MessageReceived, "ses_rt")
    };
    let ev = Event::new(attrs, &cx.env).or_fail("Event::new")?;
    let stored = cx.store.append_event_with_sequence(&ev).await.or_fail("append")?;
    ensure_eq(all_events(&cx.store, "ses_rt").await?, vec![stored], "read back")
}

async fn sql_8_55_latest_sequence_after_prune_and_delete<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_prune_latest";
    let made = msgs(&cx.env, 5, sid)?;
    cx.store.append_events(&made).await.or_fail("append_events")?;
    let policy =
        RetentionPolicy { max_events_per_session: Limit::Finite(2), ..RetentionPolicy::default() };
    ensure_eq(cx.store.prune_session_events(sid, &policy).await.or_fail("prune")?, 3, "pruned")?;
    ensure_eq(cx.store.get_latest_sequence(sid).await.or_fail("latest")?, 5, "latest after prune")?;
    cx.store.delete_session(sid).await.or_fail("delete_session")?;
    ensure_eq(cx.store.get_latest_sequence(sid).await.or_fail("latest")?, 0, "latest after delete")
}

async fn sql_8_56_wait_timeout_is_ignored<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let filter =
        EventFilter { after: Some(0), wait_timeout_ms: Some(60_000), ..EventFilter::default() };
    let got = cx.store.get_events("ses_nothing_yet", &filter).await.or_fail("get_events")?;
    ensure(got.is_empty(), "expected an immediate empty answer")
}
