//! §7.9 EventValidator (persistence/event_validator_test.exs). The structural check runs on the
//! wire form, where nil and foreign types are representable.

use asm_core::validator::{validate_event, validate_shape, validate_structural};
use asm_core::{ErrorCode, Event, EventType, NewEvent};
use serde_json::{Value, json};

use super::{obj, ok};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_9_113_well_formed_events_pass,
        domain_7_9_114_structural_failures,
        domain_7_9_115_types_without_rules_have_no_warnings,
        domain_7_9_116_message_received_shape,
        domain_7_9_117_token_usage_integer_fields,
        domain_7_9_118_tool_run_completed_error_shapes,
        domain_7_9_119_policy_violation_shape,
        domain_7_9_120_string_keys_satisfy_rules,
        domain_7_9_121_approval_shapes,
    ]
}

fn wire(event_type: &str) -> Value {
    json!({"type": event_type, "session_id": "s", "timestamp": "2025-01-27T12:00:00Z", "data": {}})
}

async fn domain_7_9_113_well_formed_events_pass<S: Store>(cx: &Ctx<S>) -> CaseResult {
    ok(validate_structural(&wire("session_created")), "session_created")?;
    for t in EventType::ALL {
        ok(validate_structural(&wire(t.as_str())), t.as_str())?;
        let e = ok(Event::new(NewEvent::of(*t, "s"), &cx.env), "Event::new")?;
        ok(validate_event(&e), "typed event")?;
        ok(validate_structural(&e.to_map()), "to_map of a typed event")?;
    }
    Ok(())
}

async fn domain_7_9_114_structural_failures<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let with = |key: &str, value: Value| {
        let mut e = wire("session_created");
        e[key] = value;
        e
    };
    let err =
        expect_code(validate_structural(&with("type", Value::Null)), ErrorCode::ValidationError)?;
    ensure_eq(err.message(), "type is required", "type nil")?;
    let err = expect_code(
        validate_structural(&with("type", json!("totally_bogus"))),
        ErrorCode::InvalidEventType,
    )?;
    ensure_eq(err.message(), "Invalid event type: totally_bogus", "unknown type")?;
    let err =
        expect_code(validate_structural(&with("type", json!(7))), ErrorCode::ValidationError)?;
    ensure_eq(err.message(), "type must be an atom, got: 7", "non-name type")?;
    let err = expect_code(
        validate_structural(&with("session_id", Value::Null)),
        ErrorCode::ValidationError,
    )?;
    ensure_eq(err.message(), "session_id is required", "session_id nil")?;
    ok(validate_structural(&with("session_id", json!(""))), "empty session_id passes")?;
    let err = expect_code(
        validate_structural(&with("timestamp", Value::Null)),
        ErrorCode::ValidationError,
    )?;
    ensure_eq(err.message(), "timestamp is required", "timestamp nil")?;
    let err = expect_code(
        validate_structural(&with("data", json!("not a map"))),
        ErrorCode::ValidationError,
    )?;
    ensure_eq(err.message(), "data must be a map, got: \"not a map\"", "data not a map")?;
    ok(validate_structural(&with("data", Value::Null)), "data nil passes")
}

async fn domain_7_9_115_types_without_rules_have_no_warnings<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    use EventType as T;
    for t in [T::SessionCreated, T::SessionStarted, T::SessionCompleted, T::RunStarted] {
        ensure_eq(validate_shape(t, &obj(json!({}))), Vec::<String>::new(), t.as_str())?;
    }
    Ok(())
}

async fn domain_7_9_116_message_received_shape<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let t = EventType::MessageReceived;
    ensure(
        validate_shape(t, &obj(json!({"content": "Hello", "role": "assistant"}))).is_empty(),
        "full payload",
    )?;
    let w = validate_shape(t, &obj(json!({"role": "assistant"})));
    ensure_eq(
        w,
        vec!["missing required field 'content' for shape validation".to_owned()],
        "only role",
    )?;
    let w = validate_shape(t, &obj(json!({})));
    ensure_eq(w.len(), 2, "empty payload gives two warnings")?;
    ensure(w[0].contains("'content'") && w[1].contains("'role'"), "rule order")
}

async fn domain_7_9_117_token_usage_integer_fields<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let t = EventType::TokenUsageUpdated;
    let w = validate_shape(t, &obj(json!({"input_tokens": "not_a_number", "output_tokens": 20})));
    ensure_eq(
        w,
        vec!["field 'input_tokens' expected integer, got \"not_a_number\"".to_owned()],
        "warnings",
    )?;
    let w = validate_shape(t, &obj(json!({"input_tokens": 1.5, "output_tokens": 20})));
    ensure_eq(w.len(), 1, "a float is not an integer")
}

async fn domain_7_9_118_tool_run_completed_error_shapes<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    use EventType as T;
    let pairs = [
        (T::ToolCallStarted, json!({"tool_name": "bash"})),
        (T::RunCompleted, json!({"stop_reason": "end_turn"})),
        (T::ErrorOccurred, json!({"error_message": "boom"})),
    ];
    for (t, good) in pairs {
        ensure(validate_shape(t, &obj(good)).is_empty(), format!("{t} with its field"))?;
        ensure(!validate_shape(t, &obj(json!({}))).is_empty(), format!("{t} with {{}}"))?;
    }
    let w = validate_shape(T::ToolCallStarted, &obj(json!({"tool_name": 5})));
    ensure_eq(w, vec!["field 'tool_name' expected string, got 5".to_owned()], "wrong type")
}

async fn domain_7_9_119_policy_violation_shape<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let t = EventType::PolicyViolation;
    ensure(validate_shape(t, &obj(json!({"policy": "p", "kind": "k"}))).is_empty(), "both fields")?;
    ensure_eq(validate_shape(t, &obj(json!({}))).len(), 2, "two warnings")
}

async fn domain_7_9_120_string_keys_satisfy_rules<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let data: Value =
        serde_json::from_str(r#"{"content": "hi", "role": "user"}"#).map_err(|e| e.to_string())?;
    ensure(validate_shape(EventType::MessageReceived, &obj(data)).is_empty(), "string keys count")
}

async fn domain_7_9_121_approval_shapes<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    use EventType as T;
    let w = validate_shape(T::ToolApprovalRequested, &obj(json!({"policy_name": "p"})));
    ensure(w.len() == 1 && w[0].contains("tool_name"), format!("{w:?}"))?;
    ensure(
        validate_shape(
            T::ToolApprovalRequested,
            &obj(json!({"tool_name": "t", "policy_name": "p"})),
        )
        .is_empty(),
        "both",
    )?;
    for t in [T::ToolApprovalGranted, T::ToolApprovalDenied] {
        let w = validate_shape(t, &obj(json!({})));
        ensure(w.len() == 1 && w[0].contains("tool_name"), format!("{t}: {w:?}"))?;
    }
    Ok(())
}
