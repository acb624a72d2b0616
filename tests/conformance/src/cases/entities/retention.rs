//! §7.12 RetentionPolicy (persistence/retention_policy_test.exs). `new(opts)` is
//! `RetentionPolicy::from_json`, the form hosts pass.

use asm_core::{ErrorCode, EventType, Limit, RetentionPolicy, SessionStatus};
use serde_json::json;

use super::ok;
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_12_156_default_policy,
        domain_7_12_157_options_override_defaults,
        domain_7_12_158_defaults_and_infinity_validate,
        domain_7_12_159_bad_bounds_name_their_field,
        domain_7_12_160_archive_requires_a_store,
    ]
}

fn policy(opts: serde_json::Value) -> Result<RetentionPolicy, String> {
    ok(RetentionPolicy::from_json(&opts), "RetentionPolicy::from_json")
}

async fn domain_7_12_156_default_policy<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let p = policy(json!({}))?;
    ensure_eq(&p, &RetentionPolicy::default(), "from_json({}) is the default")?;
    ensure_eq(p.max_session_age_days, Limit::Infinity, "max_session_age_days")?;
    ensure_eq(
        p.max_completed_session_age_days,
        Limit::Finite(90),
        "max_completed_session_age_days",
    )?;
    ensure_eq(p.hard_delete_after_days, Limit::Finite(30), "hard_delete_after_days")?;
    ensure_eq(p.max_events_per_session, Limit::Infinity, "max_events_per_session")?;
    ensure_eq(p.batch_size, 100, "batch_size")?;
    ensure_eq(
        p.exempt_statuses,
        vec![SessionStatus::Active, SessionStatus::Paused],
        "exempt_statuses",
    )?;
    ensure_eq(p.exempt_tags, vec!["pinned".to_owned()], "exempt_tags")?;
    ensure_eq(
        p.prune_event_types_first,
        vec![EventType::MessageStreamed, EventType::TokenUsageUpdated],
        "prune first",
    )
}

async fn domain_7_12_157_options_override_defaults<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let p = policy(json!({
        "max_completed_session_age_days": 30,
        "max_events_per_session": 5000,
        "batch_size": 50,
        "unknown_option": "ignored",
    }))?;
    ensure_eq(
        p.max_completed_session_age_days,
        Limit::Finite(30),
        "max_completed_session_age_days",
    )?;
    ensure_eq(p.max_events_per_session, Limit::Finite(5000), "max_events_per_session")?;
    ensure_eq(p.batch_size, 50, "batch_size")?;
    ensure_eq(p.hard_delete_after_days, Limit::Finite(30), "untouched default")
}

async fn domain_7_12_158_defaults_and_infinity_validate<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    ok(RetentionPolicy::default().validate(), "default policy")?;
    let all_infinite = policy(json!({
        "max_session_age_days": "infinity",
        "max_completed_session_age_days": "infinity",
        "hard_delete_after_days": "infinity",
        "max_events_per_session": "infinity",
        "max_total_events": "infinity",
    }))?;
    ensure_eq(all_infinite.hard_delete_after_days, Limit::Infinity, "parsed infinity")?;
    ok(all_infinite.validate(), "all-infinity policy")
}

async fn domain_7_12_159_bad_bounds_name_their_field<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let cases = [
        (
            json!({"max_session_age_days": -1}),
            "max_session_age_days must be a positive integer or :infinity",
        ),
        (
            json!({"max_completed_session_age_days": 0}),
            "max_completed_session_age_days must be a positive integer or :infinity",
        ),
        (json!({"batch_size": 0}), "batch_size must be a positive integer"),
    ];
    for (opts, message) in cases {
        let e = expect_code(policy(opts)?.validate(), ErrorCode::ValidationError)?;
        ensure_eq(e.message(), message, "message")?;
    }
    let e = expect_code(
        RetentionPolicy::from_json(&json!({"hard_delete_after_days": "soon"})),
        ErrorCode::ValidationError,
    )?;
    ensure(e.message().starts_with("hard_delete_after_days"), e.message().to_owned())
}

async fn domain_7_12_160_archive_requires_a_store<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let e = expect_code(
        policy(json!({"archive_before_prune": true}))?.validate(),
        ErrorCode::ValidationError,
    )?;
    ensure(e.message().contains("archive_store"), e.message().to_owned())?;
    ok(
        policy(json!({"archive_before_prune": true, "archive_store": "s3-archive"}))?.validate(),
        "with a store",
    )
}
