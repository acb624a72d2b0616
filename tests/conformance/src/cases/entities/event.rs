//! §7.3 Event (core/event_test.exs, core/approval_events_test.exs).

use asm_core::{ErrorCode, Event, EventGroup, EventType, NewEvent};
use serde_json::json;

use super::{obj, ok};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_3_31_default_event_fields,
        domain_7_3_32_valid_type_names,
        domain_7_3_33_all_types_lists_the_known_types,
        domain_7_3_34_new_sets_id_and_timestamp,
        domain_7_3_35_new_keeps_run_data_metadata_sequence,
        domain_7_3_36_new_requires_type_and_session,
        domain_7_3_37_to_map_has_string_keys,
        domain_7_3_38_from_map_round_trips,
        domain_7_3_39_from_map_unknown_type_is_invalid_event_type,
        domain_7_3_40_schema_version_defaults_and_is_required,
        domain_7_3_41_group_accessors,
        domain_7_3_42_approval_types_accept_nested_data,
    ]
}

fn event<S>(cx: &Ctx<S>, event_type: EventType) -> Result<Event, String> {
    ok(Event::new(NewEvent::of(event_type, "session-123"), &cx.env), "Event::new")
}

async fn domain_7_3_31_default_event_fields<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e = event(cx, EventType::SessionCreated)?;
    ensure(e.data.is_empty() && e.metadata.is_empty(), "data and metadata empty")?;
    ensure_eq(e.sequence_number, None, "sequence_number")?;
    ensure_eq(e.schema_version, 1, "schema_version")?;
    ensure(
        e.run_id.is_none() && e.provider.is_none() && e.correlation_id.is_none(),
        "optional fields unset",
    )
}

const ALL_NAMES: [&str; 28] = [
    "session_created",
    "session_started",
    "session_paused",
    "session_resumed",
    "session_completed",
    "session_failed",
    "session_cancelled",
    "run_started",
    "run_completed",
    "run_failed",
    "run_cancelled",
    "run_timeout",
    "message_sent",
    "message_received",
    "message_streamed",
    "tool_call_started",
    "tool_call_completed",
    "tool_call_failed",
    "error_occurred",
    "error_recovered",
    "token_usage_updated",
    "turn_completed",
    "workspace_snapshot_taken",
    "workspace_diff_computed",
    "policy_violation",
    "tool_approval_requested",
    "tool_approval_granted",
    "tool_approval_denied",
];

async fn domain_7_3_32_valid_type_names<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    for name in ALL_NAMES {
        ensure(EventType::parse(name).is_some(), format!("{name} is a valid type"))?;
    }
    for name in ["invalid_event_type", "unknown", "string_type", "", "Session_Created"] {
        ensure(EventType::parse(name).is_none(), format!("{name:?} is not a valid type"))?;
    }
    Ok(())
}

async fn domain_7_3_33_all_types_lists_the_known_types<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    ensure_eq(names.as_slice(), ALL_NAMES.as_slice(), "all_types in ASM's order")?;
    for name in [
        "session_created",
        "run_started",
        "message_sent",
        "tool_call_started",
        "error_occurred",
        "policy_violation",
        "tool_approval_requested",
        "tool_approval_granted",
        "tool_approval_denied",
    ] {
        ensure(names.contains(&name), format!("all_types contains {name}"))?;
    }
    Ok(())
}

async fn domain_7_3_34_new_sets_id_and_timestamp<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let before = cx.env.now();
    let a = event(cx, EventType::SessionCreated)?;
    let b = event(cx, EventType::SessionCreated)?;
    ensure(a.id.starts_with("evt_") && a.id.len() == 36, format!("id format: {}", a.id))?;
    ensure(a.id != b.id, "two events get distinct ids")?;
    ensure(a.timestamp > before, "timestamp is now")?;
    let attrs =
        NewEvent { id: Some("evt_custom".into()), ..NewEvent::of(EventType::SessionCreated, "s") };
    let c = ok(Event::new(attrs, &cx.env), "Event::new")?;
    ensure_eq(c.id.as_str(), "evt_custom", "custom id")
}

async fn domain_7_3_35_new_keeps_run_data_metadata_sequence<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let data = obj(json!({"content": "Hello!", "role": "assistant"}));
    let metadata = obj(json!({"source": "test"}));
    let attrs = NewEvent {
        run_id: Some("run-1".into()),
        data: data.clone(),
        metadata: metadata.clone(),
        sequence_number: Some(42),
        ..NewEvent::of(EventType::MessageReceived, "session-123")
    };
    let e = ok(Event::new(attrs, &cx.env), "Event::new")?;
    ensure_eq(e.run_id.as_deref(), Some("run-1"), "run_id")?;
    ensure_eq(e.data, data, "data")?;
    ensure_eq(e.metadata, metadata, "metadata")?;
    ensure_eq(e.sequence_number, Some(42), "sequence_number")
}

async fn domain_7_3_36_new_requires_type_and_session<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let no_type = NewEvent { session_id: Some("s".into()), ..NewEvent::default() };
    let e = expect_code(Event::new(no_type, &cx.env), ErrorCode::ValidationError)?;
    ensure(e.message().contains("type"), e.message().to_owned())?;
    let e = expect_code(EventType::from_name("invalid_type"), ErrorCode::InvalidEventType)?;
    ensure_eq(e.message(), "Invalid event type: invalid_type", "message")?;
    let no_session =
        NewEvent { event_type: Some(EventType::SessionCreated), ..NewEvent::default() };
    let e = expect_code(Event::new(no_session, &cx.env), ErrorCode::ValidationError)?;
    ensure(e.message().contains("session_id"), e.message().to_owned())
}

async fn domain_7_3_37_to_map_has_string_keys<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewEvent {
        run_id: Some("run-1".into()),
        data: obj(json!({"content": "Hello!"})),
        sequence_number: Some(1),
        ..NewEvent::of(EventType::MessageReceived, "session-123")
    };
    let e = ok(Event::new(attrs, &cx.env), "Event::new")?;
    let m = e.to_map();
    ensure_eq(&m["type"], &json!("message_received"), "type")?;
    ensure_eq(&m["data"], &json!({"content": "Hello!"}), "data")?;
    ensure_eq(&m["sequence_number"], &json!(1), "sequence_number")?;
    ensure_eq(&m["run_id"], &json!("run-1"), "run_id")?;
    ensure_eq(&m["timestamp"], &json!(e.timestamp.to_iso8601()), "timestamp string")?;
    ensure_eq(&m["schema_version"], &json!(1), "schema_version")?;
    ensure_eq(m.as_object().map(|o| o.len()), Some(11), "key count")
}

async fn domain_7_3_38_from_map_round_trips<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewEvent {
        run_id: Some("run-1".into()),
        data: obj(json!({"content": "Hello!", "list": [1, {"a": null}]})),
        provider: Some("claude".into()),
        correlation_id: Some("corr".into()),
        sequence_number: Some(7),
        ..NewEvent::of(EventType::MessageReceived, "session-123")
    };
    let e = ok(Event::new(attrs, &cx.env), "Event::new")?;
    let back = ok(Event::from_map(&e.to_map()), "from_map")?;
    ensure_eq(&back, &e, "whole event")?;
    let err = expect_code(Event::from_map(&json!({})), ErrorCode::ValidationError)?;
    ensure_eq(err.message(), "id is required", "empty map")
}

async fn domain_7_3_39_from_map_unknown_type_is_invalid_event_type<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let mut m = event(cx, EventType::SessionCreated)?.to_map();
    m["type"] = json!("invalid_type");
    let e = expect_code(Event::from_map(&m), ErrorCode::InvalidEventType)?;
    ensure_eq(e.message(), "Invalid event type: invalid_type", "message")
}

async fn domain_7_3_40_schema_version_defaults_and_is_required<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let e = event(cx, EventType::SessionCreated)?;
    ensure_eq(e.schema_version, 1, "default")?;
    let v2 = NewEvent { schema_version: Some(2), ..NewEvent::of(EventType::SessionCreated, "s") };
    ensure_eq(ok(Event::new(v2, &cx.env), "Event::new")?.schema_version, 2, "explicit 2")?;
    let mut m = e.to_map();
    ensure_eq(&m["schema_version"], &json!(1), "to_map")?;
    ensure_eq(ok(Event::from_map(&m), "from_map")?.schema_version, 1, "from_map")?;
    m["schema_version"] = json!(null);
    let err = expect_code(Event::from_map(&m), ErrorCode::ValidationError)?;
    ensure_eq(err.message(), "schema_version is required", "null")?;
    if let Some(o) = m.as_object_mut() {
        o.remove("schema_version");
    }
    let err = expect_code(Event::from_map(&m), ErrorCode::ValidationError)?;
    ensure_eq(err.message(), "schema_version is required", "missing")
}

async fn domain_7_3_41_group_accessors<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    use EventType as T;
    let session = T::in_group(EventGroup::Session);
    for t in [T::SessionCreated, T::SessionStarted, T::SessionCompleted, T::SessionFailed] {
        ensure(session.contains(&t), format!("session_events has {t}"))?;
    }
    ensure(
        !session.contains(&T::RunStarted) && !session.contains(&T::MessageSent),
        "session_events excludes others",
    )?;
    let run = T::in_group(EventGroup::Run);
    ensure(
        run.contains(&T::RunStarted)
            && run.contains(&T::RunCompleted)
            && run.contains(&T::RunFailed),
        "run_events",
    )?;
    ensure(!run.contains(&T::SessionCreated), "run_events excludes session_created")?;
    ensure_eq(
        T::in_group(EventGroup::Message),
        vec![T::MessageSent, T::MessageReceived, T::MessageStreamed],
        "message",
    )?;
    ensure_eq(
        T::in_group(EventGroup::Tool),
        vec![T::ToolCallStarted, T::ToolCallCompleted, T::ToolCallFailed],
        "tool",
    )?;
    ensure_eq(T::in_group(EventGroup::Error), vec![T::ErrorOccurred, T::ErrorRecovered], "error")?;
    ensure_eq(T::in_group(EventGroup::Approval).len(), 3, "approval_events has exactly 3")
}

async fn domain_7_3_42_approval_types_accept_nested_data<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let data = obj(json!({
        "tool_name": "bash",
        "tool_input": {"command": "rm -rf /tmp/x", "opts": {"force": true}},
        "policy_name": "no-destructive",
        "decision": "denied",
    }));
    for t in EventType::in_group(EventGroup::Approval) {
        let attrs = NewEvent { data: data.clone(), ..NewEvent::of(t, "s") };
        let e = ok(Event::new(attrs, &cx.env), t.as_str())?;
        ensure_eq(&e.data, &data, "nested data kept")?;
    }
    Ok(())
}
