//! §7.2 Run (core/run_test.exs).

use asm_core::{ErrorCode, NewRun, Run, RunStatus};
use serde_json::json;

use super::{obj, ok};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_2_15_default_run_fields,
        domain_7_2_16_new_sets_id_status_and_started_at,
        domain_7_2_17_distinct_ids_and_custom_id,
        domain_7_2_18_input_and_metadata_are_kept,
        domain_7_2_19_missing_or_empty_session_id_is_rejected,
        domain_7_2_20_update_status_accepts_every_status,
        domain_7_2_21_terminal_status_sets_ended_at,
        domain_7_2_22_set_output_completes_the_run,
        domain_7_2_23_set_error_fails_the_run,
        domain_7_2_24_increment_turn_counts_up,
        domain_7_2_25_token_usage_on_empty_usage,
        domain_7_2_26_token_usage_sums_numbers,
        domain_7_2_27_to_map_has_string_keys_and_cost_key,
        domain_7_2_28_from_map_round_trips,
        domain_7_2_29_from_map_reads_cost_usd,
        domain_7_2_30_from_map_of_empty_map_is_validation_error,
    ]
}

fn run_for<S>(cx: &Ctx<S>, session_id: &str) -> Result<Run, String> {
    ok(Run::new(NewRun::for_session(session_id), &cx.env), "Run::new")
}

async fn domain_7_2_15_default_run_fields<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let r = run_for(cx, "session-123")?;
    ensure_eq(r.status, RunStatus::Pending, "status")?;
    ensure(r.metadata.is_empty() && r.token_usage.is_empty(), "metadata and token_usage empty")?;
    ensure_eq(r.turn_count, 0, "turn_count")?;
    ensure(
        r.input.is_none() && r.output.is_none() && r.error.is_none(),
        "input, output, error nil",
    )?;
    ensure_eq(r.ended_at, None, "ended_at")?;
    ensure(
        r.cost_usd.is_none() && r.provider.is_none() && r.provider_metadata.is_empty(),
        "provider fields unset",
    )
}

async fn domain_7_2_16_new_sets_id_status_and_started_at<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let before = cx.env.now();
    let r = run_for(cx, "session-123")?;
    ensure(r.id.starts_with("run_") && r.id.len() == 36, format!("id format: {}", r.id))?;
    ensure_eq(r.session_id.as_str(), "session-123", "session_id")?;
    ensure_eq(r.status, RunStatus::Pending, "status")?;
    ensure(r.started_at > before, "started_at stamped at creation")
}

async fn domain_7_2_17_distinct_ids_and_custom_id<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let (a, b) = (run_for(cx, "s")?, run_for(cx, "s")?);
    ensure(a.id != b.id, "ids differ")?;
    let attrs = NewRun { id: Some("custom-run-id".into()), ..NewRun::for_session("s") };
    let c = ok(Run::new(attrs, &cx.env), "Run::new")?;
    ensure_eq(c.id.as_str(), "custom-run-id", "custom id")
}

async fn domain_7_2_18_input_and_metadata_are_kept<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let input = json!({"prompt": "Hello, world!"});
    let metadata = obj(json!({"model": "gpt-4", "temperature": 0.7}));
    let attrs = NewRun {
        input: Some(input.clone()),
        metadata: metadata.clone(),
        ..NewRun::for_session("s")
    };
    let r = ok(Run::new(attrs, &cx.env), "Run::new")?;
    ensure_eq(r.input, Some(input), "input")?;
    ensure_eq(r.metadata, metadata, "metadata")
}

async fn domain_7_2_19_missing_or_empty_session_id_is_rejected<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let e = expect_code(Run::new(NewRun::default(), &cx.env), ErrorCode::ValidationError)?;
    ensure(e.message().contains("session_id"), e.message().to_owned())?;
    let e = expect_code(Run::new(NewRun::for_session(""), &cx.env), ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "session_id cannot be empty", "message")
}

async fn domain_7_2_20_update_status_accepts_every_status<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut r = run_for(cx, "s")?;
    for name in ["pending", "running", "completed", "failed", "cancelled", "timeout"] {
        r.update_status(ok(RunStatus::from_name(name), name)?, &cx.env);
        ensure_eq(r.status.as_str(), name, "status")?;
    }
    let e = expect_code(RunStatus::from_name("invalid_status"), ErrorCode::InvalidStatus)?;
    let valid = "Valid statuses: [:pending, :running, :completed, :failed, :cancelled, :timeout]";
    ensure(e.message().ends_with(valid), e.message().to_owned())
}

async fn domain_7_2_21_terminal_status_sets_ended_at<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for status in
        [RunStatus::Completed, RunStatus::Failed, RunStatus::Cancelled, RunStatus::Timeout]
    {
        let mut r = run_for(cx, "s")?;
        r.update_status(status, &cx.env);
        ensure(r.ended_at.is_some(), format!("{status} sets ended_at"))?;
    }
    let mut r = run_for(cx, "s")?;
    r.update_status(RunStatus::Running, &cx.env);
    ensure_eq(r.ended_at, None, "running leaves ended_at nil")
}

async fn domain_7_2_22_set_output_completes_the_run<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut r = run_for(cx, "s")?;
    r.set_output(obj(json!({"response": "Hello!"})), &cx.env);
    ensure_eq(r.output, Some(json!({"response": "Hello!"})), "output")?;
    ensure_eq(r.status, RunStatus::Completed, "status")?;
    ensure(r.ended_at.is_some(), "ended_at set")
}

async fn domain_7_2_23_set_error_fails_the_run<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut r = run_for(cx, "s")?;
    let error = json!({"code": "provider_error", "message": "API timeout"});
    r.set_error(obj(error.clone()), &cx.env);
    ensure_eq(r.error, Some(error), "error")?;
    ensure_eq(r.status, RunStatus::Failed, "status")?;
    ensure(r.ended_at.is_some(), "ended_at set")
}

async fn domain_7_2_24_increment_turn_counts_up<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut r = run_for(cx, "s")?;
    ensure_eq(r.turn_count, 0, "initial")?;
    r.increment_turn();
    ensure_eq(r.turn_count, 1, "after one")?;
    r.increment_turn();
    ensure_eq(r.turn_count, 2, "after two")
}

async fn domain_7_2_25_token_usage_on_empty_usage<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut r = run_for(cx, "s")?;
    let usage = obj(json!({"input_tokens": 100, "output_tokens": 50, "total_tokens": 150}));
    r.update_token_usage(&usage);
    ensure_eq(r.token_usage, usage, "token_usage")
}

async fn domain_7_2_26_token_usage_sums_numbers<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut r = run_for(cx, "s")?;
    r.update_token_usage(&obj(json!({"input_tokens": 100, "output_tokens": 50})));
    r.update_token_usage(&obj(json!({"input_tokens": 200, "output_tokens": 100})));
    ensure_eq(
        r.token_usage,
        obj(json!({"input_tokens": 300, "output_tokens": 150})),
        "summed usage",
    )
}

async fn domain_7_2_27_to_map_has_string_keys_and_cost_key<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewRun {
        input: Some(json!({"prompt": "test"})),
        metadata: obj(json!({"model": "gpt-4"})),
        ..NewRun::for_session("s")
    };
    let m = ok(Run::new(attrs, &cx.env), "Run::new")?.to_map();
    ensure_eq(&m["status"], &json!("pending"), "status")?;
    ensure_eq(&m["input"], &json!({"prompt": "test"}), "input")?;
    ensure_eq(&m["metadata"], &json!({"model": "gpt-4"}), "metadata")?;
    ensure(m["started_at"].is_string(), "started_at is a string")?;
    ensure(m.get("cost_usd") == Some(&json!(null)), "cost_usd key present and null")?;
    ensure(m.get("ended_at") == Some(&json!(null)), "ended_at key present and null")
}

async fn domain_7_2_28_from_map_round_trips<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewRun { input: Some(json!({"prompt": "hi"})), ..NewRun::for_session("s") };
    let mut r = ok(Run::new(attrs, &cx.env), "Run::new")?;
    r.set_output(obj(json!({"answer": 42})), &cx.env);
    r.update_token_usage(&obj(json!({"input_tokens": 3})));
    r.cost_usd = Some(0.25);
    r.provider = Some("claude".into());
    let back = ok(Run::from_map(&r.to_map()), "from_map")?;
    ensure_eq(&back.id, &r.id, "id")?;
    ensure_eq(&back.session_id, &r.session_id, "session_id")?;
    ensure_eq(back.status, r.status, "status")?;
    ensure_eq(&back.input, &r.input, "input")?;
    ensure_eq(back, r, "whole run")
}

async fn domain_7_2_29_from_map_reads_cost_usd<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut m = run_for(cx, "s")?.to_map();
    m["cost_usd"] = json!(0.0523);
    ensure_eq(ok(Run::from_map(&m), "from_map")?.cost_usd, Some(0.0523), "float cost")?;
    m["cost_usd"] = json!(2);
    ensure_eq(
        ok(Run::from_map(&m), "from_map")?.cost_usd,
        Some(2.0),
        "integer cost becomes float",
    )?;
    if let Some(o) = m.as_object_mut() {
        o.remove("cost_usd");
    }
    ensure_eq(ok(Run::from_map(&m), "from_map")?.cost_usd, None, "missing cost")
}

async fn domain_7_2_30_from_map_of_empty_map_is_validation_error<S: Store>(
    _cx: &Ctx<S>,
) -> CaseResult {
    let e = expect_code(Run::from_map(&json!({})), ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "id is required", "message")?;
    let e = expect_code(Run::from_map(&json!([1])), ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "Invalid run map", "non-map message")
}
