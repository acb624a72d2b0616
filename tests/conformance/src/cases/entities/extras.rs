//! §7.17 entity-level extras (behaviours the code shows but no upstream test covers).

use asm_core::error::Category;
use asm_core::redactor::{RedactionConfig, redact_map};
use asm_core::{
    Error, ErrorCode, Event, EventType, NewEvent, NewRun, NewSession, RetentionPolicy, Run,
    RunStatus, Session, SessionStatus,
};
use serde_json::json;

use super::{obj, ok};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_17_186_status_changes_are_not_checked,
        domain_7_17_187_ended_at_survives_a_non_terminal_status,
        domain_7_17_188_event_type_required_and_named,
        domain_7_17_195_foreign_codes_are_unknown_and_rejected,
        domain_7_17_196_schema_version_must_be_integer_at_least_one,
        domain_7_17_197_unknown_session_status_is_invalid_status,
        domain_7_17_198_policy_validation_reports_first_field,
        domain_7_17_199_redact_map_without_config_is_a_no_op,
    ]
}

async fn domain_7_17_186_status_changes_are_not_checked<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut s = ok(Session::new(NewSession::for_agent("a"), &cx.env), "Session::new")?;
    s.update_status(SessionStatus::Completed, &cx.env);
    s.update_status(SessionStatus::Pending, &cx.env);
    ensure_eq(s.status, SessionStatus::Pending, "completed → pending")?;
    let mut r = ok(Run::new(NewRun::for_session("s"), &cx.env), "Run::new")?;
    r.update_status(RunStatus::Completed, &cx.env);
    r.update_status(RunStatus::Pending, &cx.env);
    ensure_eq(r.status, RunStatus::Pending, "run completed → pending")?;
    r.set_error(obj(json!({"message": "x"})), &cx.env);
    r.set_output(obj(json!({"ok": true})), &cx.env);
    ensure_eq(r.status, RunStatus::Completed, "set_output on a failed run")
}

async fn domain_7_17_187_ended_at_survives_a_non_terminal_status<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let mut r = ok(Run::new(NewRun::for_session("s"), &cx.env), "Run::new")?;
    let started = r.started_at;
    r.update_status(RunStatus::Completed, &cx.env);
    let ended = r.ended_at;
    ensure(ended.is_some(), "completed sets ended_at")?;
    r.update_status(RunStatus::Running, &cx.env);
    ensure_eq(r.ended_at, ended, "ended_at kept")?;
    ensure_eq(r.started_at, started, "started_at never changes")
}

async fn domain_7_17_188_event_type_required_and_named<S: Store>(cx: &Ctx<S>) -> CaseResult {
    // No type at all is "type is required"; a name that is no type (ASM's `nil` atom) is
    // invalid_event_type.
    let no_type = NewEvent { session_id: Some("s".into()), ..NewEvent::default() };
    let e = expect_code(Event::new(no_type, &cx.env), ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "type is required", "missing type")?;
    let e = expect_code(EventType::from_name("nil"), ErrorCode::InvalidEventType)?;
    ensure_eq(e.message(), "Invalid event type: nil", "nil name")?;
    let mut m =
        ok(Event::new(NewEvent::of(EventType::SessionCreated, "s"), &cx.env), "Event::new")?
            .to_map();
    m["type"] = json!(null);
    let e = expect_code(Event::from_map(&m), ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "type is required", "null type on the wire")
}

async fn domain_7_17_195_foreign_codes_are_unknown_and_rejected<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    ensure_eq(Category::of_name("anything_at_all"), Category::Unknown, "unknown name")?;
    let foreign = Error::new(ErrorCode::PersistenceError, "x");
    ensure_eq(foreign.category(), Category::Unknown, "adapter code category")?;
    ensure(!foreign.is_retryable(), "not retryable")?;
    let e =
        expect_code(Error::from_map(&foreign.to_map(cx.env.now())), ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "Invalid error code: persistence_error", "from_map rejects it")?;
    let e = expect_code(
        Error::from_map(&json!({"code": "anything_at_all", "message": "x"})),
        ErrorCode::ValidationError,
    )?;
    ensure_eq(e.message(), "Invalid error code: anything_at_all", "unknown name rejected")
}

async fn domain_7_17_196_schema_version_must_be_integer_at_least_one<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let mut m =
        ok(Event::new(NewEvent::of(EventType::SessionCreated, "s"), &cx.env), "Event::new")?
            .to_map();
    for bad in [json!("1"), json!(0), json!(1.0), json!(-3)] {
        m["schema_version"] = bad.clone();
        let e = expect_code(Event::from_map(&m), ErrorCode::ValidationError)?;
        ensure_eq(
            e.message(),
            "schema_version must be an integer greater than or equal to 1",
            &bad.to_string(),
        )?;
    }
    Ok(())
}

async fn domain_7_17_197_unknown_session_status_is_invalid_status<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let mut m = ok(Session::new(NewSession::for_agent("a"), &cx.env), "Session::new")?.to_map();
    m["status"] = json!("bogus");
    let e = expect_code(Session::from_map(&m), ErrorCode::InvalidStatus)?;
    ensure_eq(e.message(), "Invalid status: bogus", "message")?;
    m["status"] = json!(3);
    let e = expect_code(Session::from_map(&m), ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "status must be a string", "non-string status")
}

async fn domain_7_17_198_policy_validation_reports_first_field<S: Store>(
    _cx: &Ctx<S>,
) -> CaseResult {
    let p = ok(
        RetentionPolicy::from_json(&json!({"max_session_age_days": 0, "batch_size": 0})),
        "from_json",
    )?;
    let e = expect_code(p.validate(), ErrorCode::ValidationError)?;
    ensure(e.message().starts_with("max_session_age_days"), e.message().to_owned())
}

async fn domain_7_17_199_redact_map_without_config_is_a_no_op<S: Store>(
    _cx: &Ctx<S>,
) -> CaseResult {
    let map = obj(json!({"content": "password=secret123 AKIAIOSFODNN7EXAMPLE"}));
    ensure_eq(redact_map(&map, &RedactionConfig::default()), map, "unchanged")
}
