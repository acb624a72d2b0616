//! `docs/asm-v0.8/sql.md` §8 items 5–22: sessions. Item 8 (the stateless `{Store, Repo}` reference) has no
//! Rust counterpart: there is one way to hold a store (docs/compatibility.md).

use asm_core::json::object;
use asm_core::ports::{ListRuns, ListSessions};
use asm_core::{ErrorCode, EventType, NewSession, Session, SessionStatus};
use serde_json::json;

use crate::cases::helpers::{
    OrFail, all_events, artifact_attrs, event, ids, run, session, sorted_ids,
};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        sql_8_5_save_new_session,
        sql_8_6_save_same_session_twice_one_row,
        sql_8_7_resave_with_new_status,
        sql_8_9_tags_round_trip_in_order,
        sql_8_10_get_unknown_session,
        sql_8_11_metadata_and_context_round_trip,
        sql_8_12_unknown_nested_keys_round_trip,
        sql_8_13_full_session_round_trip,
        sql_8_14_list_sessions_two_and_none,
        sql_8_15_list_sessions_by_status,
        sql_8_16_list_sessions_by_agent,
        sql_8_17_list_sessions_limit,
        sql_8_18_soft_deleted_sessions_still_listed,
        sql_8_19_delete_existing_session,
        sql_8_20_delete_unknown_session,
        sql_8_21_delete_session_cascades_everything,
        sql_8_22_resave_overwrites_deleted_at_and_created_at,
    ]
}

async fn saved<S: Store>(cx: &Ctx<S>, attrs: NewSession) -> Result<Session, String> {
    let s = Session::new(attrs, &cx.env).or_fail("Session::new")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    Ok(s)
}

async fn sql_8_5_save_new_session<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "test-agent")?;
    cx.store.save_session(&s).await.or_fail("save_session")
}

async fn sql_8_6_save_same_session_twice_one_row<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "test-agent")?;
    cx.store.save_session(&s).await.or_fail("first save")?;
    cx.store.save_session(&s).await.or_fail("second save")?;
    let list = cx.store.list_sessions(&ListSessions::default()).await.or_fail("list_sessions")?;
    ensure_eq(ids(&list), vec![s.id], "rows")
}

async fn sql_8_7_resave_with_new_status<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut s = saved(cx, NewSession::for_agent("test-agent")).await?;
    s.update_status(SessionStatus::Active, &cx.env);
    cx.store.save_session(&s).await.or_fail("re-save")?;
    ensure_eq(
        cx.store.get_session(&s.id).await.or_fail("get_session")?.status,
        SessionStatus::Active,
        "status",
    )
}

async fn sql_8_9_tags_round_trip_in_order<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs =
        NewSession { tags: vec!["b".into(), "a".into()], ..NewSession::for_agent("test-agent") };
    let s = saved(cx, attrs).await?;
    let got = cx.store.get_session(&s.id).await.or_fail("get_session")?;
    ensure_eq(
        (got.agent_id.as_str(), got.status),
        ("test-agent", SessionStatus::Pending),
        "agent and status",
    )?;
    ensure_eq(got.tags, vec!["b".to_owned(), "a".to_owned()], "tags")
}

async fn sql_8_10_get_unknown_session<S: Store>(cx: &Ctx<S>) -> CaseResult {
    expect_code(cx.store.get_session("ses_missing").await, ErrorCode::SessionNotFound).map(drop)
}

async fn sql_8_11_metadata_and_context_round_trip<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewSession {
        metadata: object(json!({"user_id": "u123"})),
        context: object(json!({"system_prompt": "hello"})),
        ..NewSession::for_agent("test-agent")
    };
    let s = saved(cx, attrs).await?;
    let got = cx.store.get_session(&s.id).await.or_fail("get_session")?;
    ensure_eq((got.metadata, got.context), (s.metadata, s.context), "metadata and context")
}

async fn sql_8_12_unknown_nested_keys_round_trip<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewSession {
        metadata: object(json!({"zz_never_seen_key": {"deeper_unknown": [1, {"x": "y"}]}})),
        context: object(json!({"another_unknown_key": {"flag": true, "n": null}})),
        ..NewSession::for_agent("test-agent")
    };
    let s = saved(cx, attrs).await?;
    let got = cx.store.get_session(&s.id).await.or_fail("get_session")?;
    ensure_eq((got.metadata, got.context), (s.metadata, s.context), "metadata and context")
}

async fn sql_8_13_full_session_round_trip<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewSession {
        parent_session_id: Some("ses_parent".into()),
        metadata: object(json!({"key": "value", "nested": {"a": 1}})),
        context: object(json!({"system_prompt": "be brief"})),
        tags: vec!["x".into(), "y".into()],
        ..NewSession::for_agent("agent-full")
    };
    let mut s = Session::new(attrs, &cx.env).or_fail("Session::new")?;
    s.update_status(SessionStatus::Active, &cx.env);
    cx.store.save_session(&s).await.or_fail("save_session")?;
    ensure_eq(cx.store.get_session(&s.id).await.or_fail("get_session")?, s, "session")
}

async fn sql_8_14_list_sessions_two_and_none<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let none = cx.store.list_sessions(&ListSessions::default()).await.or_fail("list empty")?;
    ensure(none.is_empty(), "expected no sessions on an empty store")?;
    let a = saved(cx, NewSession::for_agent("test-agent")).await?;
    let b = saved(cx, NewSession::for_agent("test-agent")).await?;
    let list = cx.store.list_sessions(&ListSessions::default()).await.or_fail("list_sessions")?;
    ensure_eq(ids(&list), vec![a.id, b.id], "sessions, oldest first")
}

async fn sql_8_15_list_sessions_by_status<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let pending = saved(cx, NewSession::for_agent("test-agent")).await?;
    let mut active = session(&cx.env, "test-agent")?;
    active.update_status(SessionStatus::Active, &cx.env);
    cx.store.save_session(&active).await.or_fail("save active")?;
    let filter = ListSessions { status: Some(SessionStatus::Pending), ..ListSessions::default() };
    let list = cx.store.list_sessions(&filter).await.or_fail("list_sessions")?;
    ensure_eq(ids(&list), vec![pending.id], "pending sessions")
}

async fn sql_8_16_list_sessions_by_agent<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mine = saved(cx, NewSession::for_agent("agent-1")).await?;
    saved(cx, NewSession::for_agent("agent-2")).await?;
    let filter = ListSessions { agent_id: Some("agent-1".into()), ..ListSessions::default() };
    let list = cx.store.list_sessions(&filter).await.or_fail("list_sessions")?;
    ensure_eq(ids(&list), vec![mine.id], "agent-1 sessions")
}

async fn sql_8_17_list_sessions_limit<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut made = Vec::new();
    for _ in 0..5 {
        made.push(saved(cx, NewSession::for_agent("test-agent")).await?.id);
    }
    let list =
        cx.store.list_sessions(&ListSessions { limit: Some(3), ..ListSessions::default() }).await;
    ensure_eq(ids(&list.or_fail("list_sessions")?), made[..3].to_vec(), "first three by created_at")
}

async fn sql_8_18_soft_deleted_sessions_still_listed<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut s = session(&cx.env, "test-agent")?;
    s.deleted_at = Some(cx.env.now());
    cx.store.save_session(&s).await.or_fail("save_session")?;
    let list = cx.store.list_sessions(&ListSessions::default()).await.or_fail("list_sessions")?;
    ensure_eq(ids(&list), vec![s.id.clone()], "listed sessions")?;
    let got = cx.store.get_session(&s.id).await.or_fail("get_session")?;
    ensure_eq(got.deleted_at, s.deleted_at, "deleted_at")
}

async fn sql_8_19_delete_existing_session<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = saved(cx, NewSession::for_agent("test-agent")).await?;
    cx.store.delete_session(&s.id).await.or_fail("delete_session")?;
    expect_code(cx.store.get_session(&s.id).await, ErrorCode::SessionNotFound).map(drop)
}

async fn sql_8_20_delete_unknown_session<S: Store>(cx: &Ctx<S>) -> CaseResult {
    cx.store.delete_session("ses_never_saved").await.or_fail("delete_session")
}

async fn sql_8_21_delete_session_cascades_everything<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = saved(cx, NewSession::for_agent("test-agent")).await?;
    let r = run(&cx.env, &s.id)?;
    cx.store.save_run(&r).await.or_fail("save_run")?;
    cx.store
        .append_event_with_sequence(&event(&cx.env, EventType::MessageReceived, &s.id)?)
        .await
        .or_fail("append")?;
    let art = cx
        .store
        .register(artifact_attrs("cascade-21.txt", Some(&s.id), 7))
        .await
        .or_fail("register")?;
    cx.store.delete_session(&s.id).await.or_fail("delete_session")?;
    expect_code(cx.store.get_run(&r.id).await, ErrorCode::RunNotFound)?;
    ensure(
        cx.store.list_runs(&s.id, &ListRuns::default()).await.or_fail("list_runs")?.is_empty(),
        "runs left",
    )?;
    ensure(all_events(&cx.store, &s.id).await?.is_empty(), "events left")?;
    ensure_eq(cx.store.get_latest_sequence(&s.id).await.or_fail("latest")?, 0, "sequence counter")?;
    ensure_eq(cx.store.get_by_key(&art.key).await.or_fail("get_by_key")?, None, "artifact")?;
    // The key is free again only if the row is really gone (soft-deleted rows keep their key).
    cx.store
        .register(artifact_attrs("cascade-21.txt", None, 7))
        .await
        .or_fail("register the key again")?;
    ensure_eq(
        cx.store.health_check().await.or_fail("health_check")?,
        Vec::<String>::new(),
        "health",
    )
}

async fn sql_8_22_resave_overwrites_deleted_at_and_created_at<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut s = session(&cx.env, "test-agent")?;
    s.deleted_at = Some(cx.env.now());
    cx.store.save_session(&s).await.or_fail("save soft-deleted")?;
    s.deleted_at = None;
    s.created_at = cx.env.now();
    cx.store.save_session(&s).await.or_fail("re-save")?;
    let got = cx.store.get_session(&s.id).await.or_fail("get_session")?;
    ensure_eq((got.deleted_at, got.created_at), (None, s.created_at), "deleted_at and created_at")?;
    let list = cx.store.list_sessions(&ListSessions::default()).await.or_fail("list_sessions")?;
    ensure_eq(sorted_ids(&list), vec![s.id], "one row")
}
