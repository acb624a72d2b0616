//! §7.10 EventBuilder (persistence/event_builder_test.exs; ctx session "ses_event_builder",
//! run "run_event_builder", provider "mock").

use asm_core::pipeline::{BuildContext, EventBuilder, VALIDATION_WARNINGS_KEY};
use asm_core::redactor::RedactionConfig;
use asm_core::{ErrorCode, EventType, Timestamp};
use serde_json::json;

use super::ok;
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_10_122_builds_event_from_context,
        domain_7_10_123_adapter_timestamp_is_kept,
        domain_7_10_124_empty_session_id_is_rejected,
        domain_7_10_125_shape_warnings_go_to_metadata,
        domain_7_10_126_context_redaction_categorized,
        domain_7_10_127_no_redaction_by_default,
        domain_7_10_128_redaction_keeps_shape_valid,
    ]
}

fn ctx() -> BuildContext {
    BuildContext {
        session_id: "ses_event_builder".into(),
        run_id: Some("run_event_builder".into()),
        provider: Some("mock".into()),
        ..BuildContext::default()
    }
}

async fn domain_7_10_122_builds_event_from_context<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let raw = json!({"type": "run_started", "data": {"model": "mock-model"}});
    let e = ok(EventBuilder::process(&raw, &ctx(), &cx.env), "process")?;
    ensure_eq(e.event_type, EventType::RunStarted, "type")?;
    ensure_eq(e.session_id.as_str(), "ses_event_builder", "session_id")?;
    ensure_eq(e.run_id.as_deref(), Some("run_event_builder"), "run_id")?;
    ensure_eq(e.provider.as_deref(), Some("mock"), "provider")?;
    ensure_eq(e.sequence_number, None, "sequence_number")?;
    ensure_eq(&e.data, &super::obj(json!({"model": "mock-model"})), "data")?;
    ensure(!e.metadata.contains_key("provider"), "metadata has no provider")
}

async fn domain_7_10_123_adapter_timestamp_is_kept<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let raw = json!({"type": "run_started", "timestamp": "2025-06-15T12:00:00Z"});
    let e = ok(EventBuilder::process(&raw, &ctx(), &cx.env), "process")?;
    ensure_eq(Some(e.timestamp), Timestamp::parse_iso8601("2025-06-15T12:00:00Z"), "timestamp")
}

async fn domain_7_10_124_empty_session_id_is_rejected<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let bad = BuildContext { session_id: String::new(), ..ctx() };
    expect_code(
        EventBuilder::process(&json!({"type": "run_started"}), &bad, &cx.env),
        ErrorCode::ValidationError,
    )
    .map(drop)
}

async fn domain_7_10_125_shape_warnings_go_to_metadata<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e = ok(
        EventBuilder::process(&json!({"type": "message_received", "data": {}}), &ctx(), &cx.env),
        "process",
    )?;
    let warnings = e.metadata.get(VALIDATION_WARNINGS_KEY).and_then(|w| w.as_array()).map(Vec::len);
    ensure_eq(warnings, Some(2), "_validation_warnings length")
}

async fn domain_7_10_126_context_redaction_categorized<S: Store>(cx: &Ctx<S>) -> CaseResult {
    // A context redaction map without `enabled` turns redaction on, as in ASM.
    let config =
        ok(RedactionConfig::from_json(&json!({"replacement": "categorized"}), true), "config")?;
    let with_redaction = BuildContext { redaction: Some(config), ..ctx() };
    let raw = json!({
        "type": "tool_call_completed",
        "data": {"tool_name": "bash", "tool_input": {"command": "env"}, "tool_output": "Found key: AKIAIOSFODNN7EXAMPLE"},
    });
    let e = ok(EventBuilder::process(&raw, &with_redaction, &cx.env), "process")?;
    let output = e.data.get("tool_output").and_then(|v| v.as_str()).unwrap_or_default();
    ensure(output.contains("[REDACTED:aws_access_key]"), format!("output: {output}"))?;
    ensure(!output.contains("AKIAIOSFODNN7EXAMPLE"), "key removed")?;
    ensure_eq(e.data.get("tool_input"), Some(&json!({"command": "env"})), "tool_input unchanged")
}

async fn domain_7_10_127_no_redaction_by_default<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let raw = json!({"type": "tool_call_completed", "data": {"tool_name": "t", "tool_output": "AKIAIOSFODNN7EXAMPLE"}});
    let e = ok(EventBuilder::process(&raw, &ctx(), &cx.env), "process")?;
    ensure_eq(e.data.get("tool_output"), Some(&json!("AKIAIOSFODNN7EXAMPLE")), "secret kept")
}

async fn domain_7_10_128_redaction_keeps_shape_valid<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let with_redaction =
        BuildContext { redaction: Some(RedactionConfig::enabled_default()), ..ctx() };
    let token = format!("ghp_{}", "a1B2c3D4e5".repeat(4).get(..36).unwrap_or_default());
    let raw = json!({"type": "message_received", "data": {"content": format!("my token is {token}"), "role": "user"}});
    let e = ok(EventBuilder::process(&raw, &with_redaction, &cx.env), "process")?;
    let content = e.data.get("content").and_then(|v| v.as_str()).unwrap_or_default();
    ensure(
        !content.contains(&token) && content.contains("[REDACTED]"),
        format!("content: {content}"),
    )?;
    ensure(!e.metadata.contains_key(VALIDATION_WARNINGS_KEY), "no _validation_warnings")
}
