//! Events and export: `docs/asm-v0.8/sql.md` §8 items 89–95.

use asm_core::json::object;
use asm_core::ports::{EventOrder, EventSearch};
use asm_core::{ErrorCode, Event, EventType, NewEvent, Timestamp};
use serde_json::json;

use crate::cases::helpers::{
    OrFail, artifact_attrs, event, ids, run, run_event, secs, seqs, session, types,
};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        sql_8_89_search_events_filters,
        sql_8_90_event_data_unknown_keys,
        sql_8_91_page_events_by_timestamp_desc,
        sql_8_92_page_events_by_sequence_and_combined_filters,
        sql_8_93_search_events_negative_limit,
        sql_8_94_count_events,
        sql_8_95_export_session,
        sql_5_7_empty_types_list_matches_nothing,
    ]
}

const BASE: Timestamp = Timestamp::from_micros(1_700_000_000_000_000);

/// An event with every filterable field set.
fn tagged(
    cx_env: &asm_core::Env,
    t: EventType,
    sid: &str,
    run_id: &str,
    provider: &str,
    corr: &str,
) -> Result<Event, String> {
    let attrs = NewEvent {
        run_id: Some(run_id.into()),
        provider: Some(provider.into()),
        correlation_id: Some(corr.into()),
        ..NewEvent::of(t, sid)
    };
    Event::new(attrs, cx_env).or_fail("Event::new")
}

async fn search<S: Store>(cx: &Ctx<S>, q: EventSearch) -> Result<Vec<Event>, String> {
    Ok(cx.store.search_events(&q).await.or_fail("search_events")?.events)
}

async fn sql_8_89_search_events_filters<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let a = tagged(&cx.env, EventType::RunStarted, "ses_e1", "run_1", "claude", "corr_a")?;
    let b = tagged(&cx.env, EventType::MessageReceived, "ses_e1", "run_1", "claude", "corr_b")?;
    let c = tagged(&cx.env, EventType::RunStarted, "ses_e2", "run_2", "codex", "corr_a")?;
    cx.store.append_events(&[a.clone(), b.clone(), c.clone()]).await.or_fail("append_events")?;
    let q = EventSearch { session_ids: vec!["ses_e1".into()], ..EventSearch::default() };
    ensure_eq(
        ids(&search(cx, q).await?),
        vec![a.id.clone(), b.id.clone()],
        "session_ids [ses_e1]",
    )?;
    let q = EventSearch {
        types: Some(vec![EventType::RunStarted]),
        order_by: EventOrder::TimestampAsc,
        ..EventSearch::default()
    };
    ensure_eq(ids(&search(cx, q).await?), vec![a.id.clone(), c.id.clone()], "types [run_started]")?;
    let q = EventSearch { correlation_id: Some("corr_b".into()), ..EventSearch::default() };
    ensure_eq(ids(&search(cx, q).await?), vec![b.id], "correlation_id")?;
    ensure_eq(search(cx, EventSearch::default()).await?.len(), 3, "empty lists are no filter")
}

async fn sql_8_90_event_data_unknown_keys<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut ev = event(&cx.env, EventType::ToolCallCompleted, "ses_data")?;
    ev.data = object(json!({"never_seen_before": {"inner_unknown": [1, "two", {"deep": null}]}}));
    cx.store.append_event(&ev).await.or_fail("append")?;
    let got =
        search(cx, EventSearch { session_ids: vec!["ses_data".into()], ..EventSearch::default() })
            .await?;
    ensure_eq(got.first().map(|e| &e.data), Some(&ev.data), "data")
}

async fn sql_8_91_page_events_by_timestamp_desc<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut made = Vec::new();
    for (t, at) in [
        (EventType::RunStarted, 10),
        (EventType::MessageReceived, 20),
        (EventType::RunCompleted, 30),
    ] {
        let mut e = event(&cx.env, t, "ses_ts")?;
        e.timestamp = secs(BASE, at);
        made.push(e);
    }
    cx.store.append_events(&made).await.or_fail("append_events")?;
    let q = EventSearch {
        order_by: EventOrder::TimestampDesc,
        limit: Some(1),
        ..EventSearch::default()
    };
    let first = cx.store.search_events(&q).await.or_fail("page 1")?;
    ensure_eq(types(&first.events), vec![EventType::RunCompleted], "page 1")?;
    let second = cx
        .store
        .search_events(&EventSearch { cursor: first.cursor, ..q })
        .await
        .or_fail("page 2")?;
    ensure_eq(types(&second.events), vec![EventType::MessageReceived], "page 2")
}

async fn sql_8_92_page_events_by_sequence_and_combined_filters<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let plan = [
        (EventType::RunStarted, "ses_f1", "run_1", "claude"),
        (EventType::MessageReceived, "ses_f1", "run_1", "claude"),
        (EventType::RunStarted, "ses_f2", "run_2", "claude"),
        (EventType::RunStarted, "ses_f1", "run_1", "codex"),
        (EventType::RunStarted, "ses_f1", "run_9", "claude"),
        (EventType::RunStarted, "ses_f1", "run_1", "claude"),
    ];
    let made = plan
        .iter()
        .map(|(t, s, r, p)| tagged(&cx.env, *t, s, r, p, "corr"))
        .collect::<Result<Vec<_>, _>>()?;
    cx.store.append_events(&made).await.or_fail("append_events")?;
    let q = EventSearch { limit: Some(1), ..EventSearch::default() };
    let first = cx.store.search_events(&q).await.or_fail("page 1")?;
    let second = cx
        .store
        .search_events(&EventSearch { cursor: first.cursor.clone(), ..q })
        .await
        .or_fail("page 2")?;
    ensure_eq(seqs(&first.events), vec![1], "page 1 sequence")?;
    ensure_eq(seqs(&second.events), vec![1], "page 2 sequence (the other session's first)")?;
    ensure(ids(&first.events) != ids(&second.events), "page 2 repeats page 1")?;
    let q = EventSearch {
        session_ids: vec!["ses_f1".into()],
        run_ids: vec!["run_1".into()],
        types: Some(vec![EventType::RunStarted]),
        providers: vec!["claude".into()],
        ..EventSearch::default()
    };
    let got = search(cx, q).await?;
    ensure_eq(ids(&got), vec![made[0].id.clone(), made[5].id.clone()], "combined filters")?;
    ensure_eq(seqs(&got), vec![1, 5], "in sequence order")
}

async fn sql_8_93_search_events_negative_limit<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let got =
        cx.store.search_events(&EventSearch { limit: Some(-10), ..EventSearch::default() }).await;
    let e = expect_code(got, ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "limit must be a positive integer", "message")
}

async fn sql_8_94_count_events<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for t in [EventType::RunStarted, EventType::MessageReceived, EventType::RunCompleted] {
        cx.store.append_event(&event(&cx.env, t, "ses_count")?).await.or_fail("append")?;
    }
    cx.store
        .append_event(&event(&cx.env, EventType::RunStarted, "ses_count_other")?)
        .await
        .or_fail("append")?;
    let q = EventSearch {
        session_ids: vec!["ses_count".into()],
        limit: Some(1),
        ..EventSearch::default()
    };
    ensure_eq(
        cx.store.count_events(&q).await.or_fail("count")?,
        3,
        "session events (limit ignored)",
    )?;
    let q = EventSearch { types: Some(vec![EventType::RunStarted]), ..q };
    ensure_eq(
        cx.store.count_events(&q).await.or_fail("count run_started")?,
        1,
        "run_started events",
    )
}

async fn sql_8_95_export_session<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "test-agent")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    let r = run(&cx.env, &s.id)?;
    cx.store.save_run(&r).await.or_fail("save_run")?;
    let e1 = cx
        .store
        .append_event_with_sequence(&run_event(&cx.env, EventType::RunStarted, &s.id, &r.id)?)
        .await;
    let e2 = cx
        .store
        .append_event_with_sequence(&run_event(&cx.env, EventType::RunCompleted, &s.id, &r.id)?)
        .await;
    let (e1, e2) = (e1.or_fail("append 1")?, e2.or_fail("append 2")?);
    let art = cx
        .store
        .register(artifact_attrs("export.txt", Some(&s.id), 3))
        .await
        .or_fail("register")?;
    let plain = cx.store.export_session(&s.id, false).await.or_fail("export_session")?;
    ensure_eq(&plain.session, &s, "session")?;
    ensure_eq(&plain.runs, &vec![r], "runs")?;
    ensure_eq(&plain.events, &vec![e1, e2], "events in sequence order")?;
    ensure_eq(&plain.artifacts, &None, "artifacts without include_artifacts")?;
    let full =
        cx.store.export_session(&s.id, true).await.or_fail("export_session with artifacts")?;
    ensure_eq(full.artifacts.map(|a| ids(&a)), Some(vec![art.id]), "artifacts")
}

async fn sql_5_7_empty_types_list_matches_nothing<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for t in [EventType::RunStarted, EventType::RunCompleted] {
        cx.store.append_event(&event(&cx.env, t, "ses_types")?).await.or_fail("append")?;
    }
    let q = |types| EventSearch { types, ..EventSearch::default() };
    ensure_eq(search(cx, q(Some(vec![]))).await?.len(), 0, "types: [] (search)")?;
    ensure_eq(
        cx.store.count_events(&q(Some(vec![]))).await.or_fail("count")?,
        0,
        "types: [] (count)",
    )?;
    ensure_eq(search(cx, q(None)).await?.len(), 2, "types absent (search)")?;
    ensure_eq(cx.store.count_events(&q(None)).await.or_fail("count")?, 2, "types absent (count)")
}
