//! §7.15 EventPipeline (persistence/event_pipeline_test.exs; ctx session "ses_pipeline_test",
//! run "run_pipeline_test", provider "claude"). Persists through the store's ports only.

use asm_core::pipeline::{BuildContext, EventPipeline, VALIDATION_WARNINGS_KEY};
use asm_core::ports::EventFilter;
use asm_core::redactor::RedactionConfig;
use asm_core::{ErrorCode, Event, EventType, Timestamp};
use serde_json::{Value, json};

use super::{obj, ok};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_15_169_process_persists_with_sequence,
        domain_7_15_170_sequence_numbers_count_up,
        domain_7_15_171_provider_and_correlation_from_context,
        domain_7_15_172_adapter_data_metadata_timestamp_kept,
        domain_7_15_173_shape_warnings_are_persisted,
        domain_7_15_174_empty_session_id_is_rejected,
        domain_7_15_175_unknown_type_becomes_error_occurred,
        domain_7_15_176_type_names_map_to_types,
        domain_7_15_177_events_readable_without_a_session,
        domain_7_15_178_redaction_applies_before_persisting,
        domain_7_15_179_batch_is_all_or_nothing,
        domain_7_15_180_batch_redaction,
    ]
}

const SESSION: &str = "ses_pipeline_test";

fn ctx() -> BuildContext {
    BuildContext {
        session_id: SESSION.into(),
        run_id: Some("run_pipeline_test".into()),
        provider: Some("claude".into()),
        ..BuildContext::default()
    }
}

async fn stored<S: Store>(cx: &Ctx<S>) -> Result<Vec<Event>, String> {
    ok(cx.store.get_events(SESSION, &EventFilter::default()).await, "get_events")
}

fn text(e: &Event) -> String {
    Value::Object(e.data.clone()).to_string()
}

async fn domain_7_15_169_process_persists_with_sequence<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let raw = json!({"type": "run_started", "data": {"model": "claude-haiku"}});
    let e = ok(EventPipeline::process(&cx.store, &raw, &ctx(), &cx.env).await, "process")?;
    ensure_eq(e.session_id.as_str(), SESSION, "session_id")?;
    ensure_eq(e.run_id.as_deref(), Some("run_pipeline_test"), "run_id")?;
    ensure_eq(e.provider.as_deref(), Some("claude"), "provider")?;
    ensure_eq(e.sequence_number, Some(1), "sequence_number")?;
    ensure_eq(&e.data, &obj(json!({"model": "claude-haiku"})), "data")?;
    ensure_eq(stored(cx).await?, vec![e], "persisted event")
}

async fn domain_7_15_170_sequence_numbers_count_up<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut seqs = Vec::new();
    for _ in 0..3 {
        let e = ok(
            EventPipeline::process(&cx.store, &json!({"type": "message_sent"}), &ctx(), &cx.env)
                .await,
            "process",
        )?;
        seqs.push(e.sequence_number);
    }
    ensure_eq(seqs, vec![Some(1), Some(2), Some(3)], "sequence numbers")
}

async fn domain_7_15_171_provider_and_correlation_from_context<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let codex = BuildContext {
        provider: Some("codex".into()),
        correlation_id: Some("corr_123".into()),
        ..ctx()
    };
    let e = ok(
        EventPipeline::process(&cx.store, &json!({"type": "run_started"}), &codex, &cx.env).await,
        "process",
    )?;
    ensure_eq(e.provider.as_deref(), Some("codex"), "provider")?;
    ensure(!e.metadata.contains_key("provider"), "metadata has no provider")?;
    ensure_eq(e.correlation_id.as_deref(), Some("corr_123"), "correlation_id")
}

async fn domain_7_15_172_adapter_data_metadata_timestamp_kept<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let raw = json!({
        "type": "message_streamed",
        "data": {"content": "partial", "delta": "tial"},
        "metadata": {"source": "claude_sdk"},
        "timestamp": "2025-06-15T12:00:00.123456Z",
    });
    let e = ok(EventPipeline::process(&cx.store, &raw, &ctx(), &cx.env).await, "process")?;
    ensure_eq(&e.data, &obj(json!({"content": "partial", "delta": "tial"})), "data")?;
    ensure_eq(&e.metadata, &obj(json!({"source": "claude_sdk"})), "metadata")?;
    ensure_eq(
        Some(e.timestamp),
        Timestamp::parse_iso8601("2025-06-15T12:00:00.123456Z"),
        "timestamp",
    )?;
    ensure_eq(stored(cx).await?, vec![e], "persisted as returned")
}

async fn domain_7_15_173_shape_warnings_are_persisted<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let raw = json!({"type": "message_received", "data": {}});
    let e = ok(EventPipeline::process(&cx.store, &raw, &ctx(), &cx.env).await, "process")?;
    ensure(e.sequence_number.is_some(), "persisted")?;
    let count =
        |e: &Event| e.metadata.get(VALIDATION_WARNINGS_KEY).and_then(Value::as_array).map(Vec::len);
    ensure_eq(count(&e), Some(2), "returned warnings")?;
    let persisted = stored(cx).await?;
    ensure_eq(persisted.first().and_then(count), Some(2), "persisted warnings")
}

async fn domain_7_15_174_empty_session_id_is_rejected<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let bad = BuildContext { session_id: String::new(), ..ctx() };
    expect_code(
        EventPipeline::process(&cx.store, &json!({"type": "run_started"}), &bad, &cx.env).await,
        ErrorCode::ValidationError,
    )?;
    let e = expect_code(
        EventPipeline::process(&cx.store, &json!("not a map"), &ctx(), &cx.env).await,
        ErrorCode::ValidationError,
    )?;
    ensure_eq(e.message(), "raw event data must be a map", "non-map raw")?;
    ensure_eq(stored(cx).await?.len(), 0, "nothing persisted")
}

async fn domain_7_15_175_unknown_type_becomes_error_occurred<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for raw in
        [json!({"type": "completely_unknown_type"}), json!({"data": {}}), json!({"type": 42})]
    {
        let e = ok(EventPipeline::process(&cx.store, &raw, &ctx(), &cx.env).await, "process")?;
        ensure_eq(e.event_type, EventType::ErrorOccurred, "type")?;
    }
    let types: Vec<EventType> = stored(cx).await?.iter().map(|e| e.event_type).collect();
    ensure_eq(types, vec![EventType::ErrorOccurred; 3], "stored types")
}

async fn domain_7_15_176_type_names_map_to_types<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let pairs = [
        ("run_started", EventType::RunStarted),
        ("message_streamed", EventType::MessageStreamed),
        ("run_completed", EventType::RunCompleted),
    ];
    for (name, t) in pairs {
        let e = ok(
            EventPipeline::process(&cx.store, &json!({"type": name}), &ctx(), &cx.env).await,
            name,
        )?;
        ensure_eq(e.event_type, t, name)?;
    }
    Ok(())
}

async fn domain_7_15_177_events_readable_without_a_session<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for name in ["session_created", "run_started"] {
        ok(EventPipeline::process(&cx.store, &json!({"type": name}), &ctx(), &cx.env).await, name)?;
    }
    let types: Vec<EventType> = stored(cx).await?.iter().map(|e| e.event_type).collect();
    ensure_eq(types, vec![EventType::SessionCreated, EventType::RunStarted], "types in order")
}

async fn domain_7_15_178_redaction_applies_before_persisting<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let secret = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz";
    let redacting = BuildContext { redaction: Some(RedactionConfig::enabled_default()), ..ctx() };
    let raw = json!({"type": "message_received", "data": {"content": format!("key {secret}"), "role": "user"}});
    let e = ok(EventPipeline::process(&cx.store, &raw, &redacting, &cx.env).await, "process")?;
    ensure(!text(&e).contains("sk-ant-api03"), "returned event redacted")?;
    let persisted = stored(cx).await?;
    ensure(
        persisted.iter().all(|p| !text(p).contains("sk-ant-api03")),
        "persisted event redacted",
    )?;
    let clear = json!({"type": "tool_call_completed", "data": {"tool_name": "t", "tool_output": "password=secret123"}});
    let e = ok(EventPipeline::process(&cx.store, &clear, &ctx(), &cx.env).await, "process")?;
    ensure(text(&e).contains("password=secret123"), "kept when redaction is off")?;
    ensure(
        stored(cx).await?.iter().any(|p| text(p).contains("password=secret123")),
        "persisted unredacted",
    )
}

async fn domain_7_15_179_batch_is_all_or_nothing<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let empty =
        ok(EventPipeline::process_batch(&cx.store, &[], &ctx(), &cx.env).await, "empty batch")?;
    ensure(empty.is_empty(), "empty batch gives []")?;
    let bad = BuildContext { session_id: String::new(), ..ctx() };
    let one = [json!({"type": "run_started"})];
    expect_code(
        EventPipeline::process_batch(&cx.store, &one, &bad, &cx.env).await,
        ErrorCode::ValidationError,
    )?;
    let mixed =
        [json!({"type": "run_started"}), json!("not_a_map"), json!({"type": "run_completed"})];
    expect_code(
        EventPipeline::process_batch(&cx.store, &mixed, &ctx(), &cx.env).await,
        ErrorCode::ValidationError,
    )?;
    ensure_eq(stored(cx).await?.len(), 0, "nothing persisted after a rejected batch")?;
    let three = [
        json!({"type": "run_started"}),
        json!({"type": "message_sent"}),
        json!({"type": "run_completed"}),
    ];
    let events =
        ok(EventPipeline::process_batch(&cx.store, &three, &ctx(), &cx.env).await, "batch")?;
    let seqs: Vec<Option<i64>> = events.iter().map(|e| e.sequence_number).collect();
    ensure_eq(seqs, vec![Some(1), Some(2), Some(3)], "sequence numbers")?;
    ensure_eq(stored(cx).await?, events, "persisted batch")
}

async fn domain_7_15_180_batch_redaction<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let redacting = BuildContext { redaction: Some(RedactionConfig::enabled_default()), ..ctx() };
    let raws = [
        json!({"type": "tool_call_completed", "data": {"tool_name": "t", "tool_output": "AKIAIOSFODNN7EXAMPLE"}}),
        json!({"type": "message_received", "data": {"content": "password=hunter2", "role": "user"}}),
        json!({"type": "error_occurred", "data": {"error_message": "postgres://u:p@db/x failed"}}),
    ];
    let events =
        ok(EventPipeline::process_batch(&cx.store, &raws, &redacting, &cx.env).await, "batch")?;
    for e in events.iter().chain(stored(cx).await?.iter()) {
        let t = text(e);
        ensure(
            !t.contains("AKIAIOSFODNN7EXAMPLE") && !t.contains("hunter2") && !t.contains("u:p@db"),
            t,
        )?;
    }
    Ok(())
}
