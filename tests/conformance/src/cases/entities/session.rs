//! §7.1 Session (core/session_test.exs).

use asm_core::{ErrorCode, NewSession, Session, SessionStatus};
use serde_json::json;

use super::{obj, ok};
use crate::{Case, CaseResult, Ctx, START, Store, ensure, ensure_eq, expect_code};

pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_1_1_default_session_fields,
        domain_7_1_2_new_sets_agent_id_and_defaults,
        domain_7_1_3_new_sessions_get_distinct_ids,
        domain_7_1_4_custom_id_is_kept,
        domain_7_1_5_metadata_context_tags_are_kept,
        domain_7_1_6_parent_session_id_is_kept,
        domain_7_1_7_missing_agent_id_is_rejected,
        domain_7_1_8_empty_agent_id_is_rejected,
        domain_7_1_9_update_status_accepts_every_status,
        domain_7_1_10_unknown_status_is_invalid_status,
        domain_7_1_11_update_status_bumps_updated_at,
        domain_7_1_12_to_map_has_string_keys_and_iso_times,
        domain_7_1_13_from_map_round_trips,
        domain_7_1_14_from_map_of_empty_map_is_validation_error,
    ]
}

fn agent<S>(cx: &Ctx<S>, agent_id: &str) -> Result<Session, String> {
    ok(Session::new(NewSession::for_agent(agent_id), &cx.env), "Session::new")
}

async fn domain_7_1_1_default_session_fields<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = agent(cx, "agent-1")?;
    ensure_eq(s.status, SessionStatus::Pending, "status")?;
    ensure(
        s.metadata.is_empty() && s.context.is_empty() && s.tags.is_empty(),
        "metadata, context, tags empty",
    )?;
    ensure_eq(s.parent_session_id, None, "parent_session_id")?;
    ensure(!s.id.is_empty() && s.agent_id == "agent-1", "id and agent_id set")?;
    ensure_eq(s.deleted_at, None, "deleted_at")
}

async fn domain_7_1_2_new_sets_agent_id_and_defaults<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = agent(cx, "agent-123")?;
    ensure_eq(s.agent_id.as_str(), "agent-123", "agent_id")?;
    ensure(s.id.starts_with("ses_") && s.id.len() == 36, format!("generated id format: {}", s.id))?;
    ensure(
        s.id[4..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "id is lowercase hex",
    )?;
    ensure_eq(s.status, SessionStatus::Pending, "status")?;
    ensure(s.created_at >= START, "created_at set from the clock")?;
    ensure_eq(s.updated_at, s.created_at, "updated_at equals created_at")
}

async fn domain_7_1_3_new_sessions_get_distinct_ids<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let (a, b) = (agent(cx, "agent-1")?, agent(cx, "agent-1")?);
    ensure(a.id != b.id, format!("ids must differ, both {}", a.id))
}

async fn domain_7_1_4_custom_id_is_kept<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewSession { id: Some("custom-id".into()), ..NewSession::for_agent("agent-1") };
    let s = ok(Session::new(attrs, &cx.env), "Session::new")?;
    ensure_eq(s.id.as_str(), "custom-id", "id")
}

async fn domain_7_1_5_metadata_context_tags_are_kept<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let metadata = obj(json!({"user": "test-user", "purpose": "testing"}));
    let context = obj(json!({"system_prompt": "You are a helpful assistant"}));
    let tags = vec!["test".to_owned(), "development".to_owned()];
    let attrs = NewSession {
        metadata: metadata.clone(),
        context: context.clone(),
        tags: tags.clone(),
        ..NewSession::for_agent("agent-1")
    };
    let s = ok(Session::new(attrs, &cx.env), "Session::new")?;
    ensure_eq(s.metadata, metadata, "metadata")?;
    ensure_eq(s.context, context, "context")?;
    ensure_eq(s.tags, tags, "tags")
}

async fn domain_7_1_6_parent_session_id_is_kept<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let parent = agent(cx, "agent-1")?;
    let attrs = NewSession {
        parent_session_id: Some(parent.id.clone()),
        ..NewSession::for_agent("agent-1")
    };
    let child = ok(Session::new(attrs, &cx.env), "Session::new")?;
    ensure_eq(child.parent_session_id, Some(parent.id), "parent_session_id")
}

async fn domain_7_1_7_missing_agent_id_is_rejected<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e = expect_code(Session::new(NewSession::default(), &cx.env), ErrorCode::ValidationError)?;
    ensure(e.message().contains("agent_id"), format!("message names agent_id: {}", e.message()))?;
    ensure_eq(e.message(), "agent_id is required", "message")
}

async fn domain_7_1_8_empty_agent_id_is_rejected<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e =
        expect_code(Session::new(NewSession::for_agent(""), &cx.env), ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "agent_id cannot be empty", "message")
}

async fn domain_7_1_9_update_status_accepts_every_status<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut s = agent(cx, "agent-1")?;
    for name in ["pending", "active", "paused", "completed", "failed", "cancelled"] {
        let status = ok(SessionStatus::from_name(name), name)?;
        s.update_status(status, &cx.env);
        ensure_eq(s.status.as_str(), name, "status after update")?;
    }
    Ok(())
}

async fn domain_7_1_10_unknown_status_is_invalid_status<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e = expect_code(SessionStatus::from_name("invalid_status"), ErrorCode::InvalidStatus)?;
    let valid = "Valid statuses: [:pending, :active, :paused, :completed, :failed, :cancelled]";
    ensure(
        e.message().starts_with("Invalid status: ") && e.message().ends_with(valid),
        e.message().to_owned(),
    )?;
    let mut map = agent(cx, "agent-1")?.to_map();
    map["status"] = json!("invalid_status");
    expect_code(Session::from_map(&map), ErrorCode::InvalidStatus).map(drop)
}

async fn domain_7_1_11_update_status_bumps_updated_at<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut s = agent(cx, "agent-1")?;
    let before = s.updated_at;
    cx.clock.advance(1_000);
    s.update_status(SessionStatus::Active, &cx.env);
    ensure(s.updated_at > before, format!("updated_at {} must be after {before}", s.updated_at))?;
    ensure_eq(s.created_at, before, "created_at untouched")
}

async fn domain_7_1_12_to_map_has_string_keys_and_iso_times<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewSession {
        metadata: obj(json!({"key": "value"})),
        tags: vec!["test".into()],
        ..NewSession::for_agent("agent-123")
    };
    let s = ok(Session::new(attrs, &cx.env), "Session::new")?;
    let m = s.to_map();
    ensure_eq(&m["status"], &json!("pending"), "status")?;
    ensure_eq(&m["metadata"], &json!({"key": "value"}), "metadata")?;
    ensure_eq(&m["tags"], &json!(["test"]), "tags")?;
    let created = s.created_at.to_iso8601();
    ensure_eq(m["created_at"].as_str(), Some(created.as_str()), "created_at ISO-8601")?;
    ensure(
        created.len() == 27 && created.ends_with('Z') && created.as_bytes().get(19) == Some(&b'.'),
        created.clone(),
    )?;
    ensure(m["updated_at"].is_string(), "updated_at is a string")?;
    let keys: Vec<&str> =
        m.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    for key in [
        "id",
        "agent_id",
        "status",
        "parent_session_id",
        "metadata",
        "context",
        "tags",
        "created_at",
        "updated_at",
        "deleted_at",
    ] {
        ensure(keys.contains(&key), format!("to_map lacks {key}"))?;
    }
    ensure_eq(keys.len(), 10, "key count")
}

async fn domain_7_1_13_from_map_round_trips<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewSession {
        metadata: obj(json!({"key": "value", "nested": {"n": [1, 2]}})),
        tags: vec!["a".into(), "b".into()],
        ..NewSession::for_agent("agent-1")
    };
    let mut s = ok(Session::new(attrs, &cx.env), "Session::new")?;
    s.update_status(SessionStatus::Paused, &cx.env);
    let back = ok(Session::from_map(&s.to_map()), "from_map")?;
    ensure_eq(&back.id, &s.id, "id")?;
    ensure_eq(&back.agent_id, &s.agent_id, "agent_id")?;
    ensure_eq(back.status, s.status, "status")?;
    ensure_eq(&back.metadata, &s.metadata, "metadata")?;
    ensure_eq(&back.tags, &s.tags, "tags")?;
    ensure_eq(back, s, "whole session")
}

async fn domain_7_1_14_from_map_of_empty_map_is_validation_error<S: Store>(
    _cx: &Ctx<S>,
) -> CaseResult {
    let e = expect_code(Session::from_map(&json!({})), ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "id is required", "first failing check")?;
    let e = expect_code(Session::from_map(&json!("not a map")), ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "Invalid session map", "non-map message")
}
