//! §7.5 Error (core/error_test.exs). The Rust error carries code, message and details; the
//! other ASM fields exist only in its wire map (see docs/compatibility.md).

use asm_core::error::Category;
use asm_core::{Error, ErrorCode};
use serde_json::json;

use super::{obj, ok};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_5_46_new_error_fields,
        domain_7_5_47_valid_codes,
        domain_7_5_48_all_codes,
        domain_7_5_49_default_message,
        domain_7_5_50_details_are_stored,
        domain_7_5_51_wrap_keeps_the_foreign_message,
        domain_7_5_52_wrap_with_message_keeps_original,
        domain_7_5_53_to_map_fields,
        domain_7_5_54_from_map_round_trip_and_rejections,
        domain_7_5_55_category_lists,
        domain_7_5_56_category_of_codes,
        domain_7_5_57_retryable_codes,
        domain_7_5_58_display_shows_code_and_message,
    ]
}

const CANONICAL: [&str; 45] = [
    "validation_error",
    "invalid_input",
    "missing_required_field",
    "invalid_format",
    "invalid_status",
    "invalid_transition",
    "invalid_event_type",
    "invalid_capability_type",
    "missing_required_capability",
    "stream_closed",
    "context_mismatch",
    "invalid_cursor",
    "session_mismatch",
    "run_mismatch",
    "not_found",
    "session_not_found",
    "run_not_found",
    "capability_not_found",
    "already_exists",
    "duplicate_capability",
    "provider_error",
    "provider_unavailable",
    "provider_rate_limited",
    "provider_timeout",
    "provider_authentication_failed",
    "provider_quota_exceeded",
    "storage_error",
    "storage_connection_failed",
    "dependency_not_available",
    "migration_required",
    "storage_write_failed",
    "storage_read_failed",
    "timeout",
    "cancelled",
    "policy_violation",
    "internal_error",
    "unknown_error",
    "max_sessions_exceeded",
    "max_runs_exceeded",
    "capability_not_supported",
    "invalid_operation",
    "tool_error",
    "tool_not_found",
    "tool_execution_failed",
    "tool_permission_denied",
];

fn valid_code(name: &str) -> bool {
    ErrorCode::parse(name).is_some_and(ErrorCode::is_canonical)
}

async fn domain_7_5_46_new_error_fields<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e = Error::new(ErrorCode::ValidationError, "Test error");
    ensure_eq(e.code(), ErrorCode::ValidationError, "code")?;
    ensure_eq(e.message(), "Test error", "message")?;
    ensure(e.details().is_empty(), "details {}")?;
    let m = e.to_map(cx.env.now());
    ensure_eq(&m["provider_error"], &json!(null), "provider_error nil")?;
    ensure_eq(&m["stacktrace"], &json!(null), "stacktrace nil")?;
    ensure_eq(&m["context"], &json!({}), "context {}")?;
    ensure(
        m["timestamp"].as_str().is_some_and(|t| asm_core::Timestamp::parse_iso8601(t).is_some()),
        "timestamp",
    )
}

async fn domain_7_5_47_valid_codes<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    for name in CANONICAL {
        ensure(valid_code(name), format!("{name} is valid"))?;
    }
    for name in ["invalid_code", "made_up_error", "string_code", "123", "persistence_error"] {
        ensure(!valid_code(name), format!("{name} is not valid"))?;
    }
    // `valid_code?(123)`: a number where a code is expected.
    let e = expect_code(
        Error::from_map(&json!({"code": 123, "message": "x"})),
        ErrorCode::ValidationError,
    )?;
    ensure_eq(e.message(), "Invalid error code format", "numeric code")
}

async fn domain_7_5_48_all_codes<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let all: Vec<&str> =
        ErrorCode::ALL.iter().filter(|c| c.is_canonical()).map(|c| c.as_str()).collect();
    ensure_eq(all.as_slice(), CANONICAL.as_slice(), "all_codes")?;
    for name in ["validation_error", "provider_error", "storage_error", "timeout"] {
        ensure(all.contains(&name), format!("all_codes contains {name}"))?;
    }
    Ok(())
}

async fn domain_7_5_49_default_message<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    ensure_eq(
        Error::from_code(ErrorCode::ValidationError).message(),
        "Validation error occurred",
        "default",
    )?;
    for code in ErrorCode::ALL {
        ensure(
            !Error::from_code(*code).message().is_empty(),
            format!("{code} has a default message"),
        )?;
    }
    Ok(())
}

async fn domain_7_5_50_details_are_stored<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let details = obj(json!({"status_code": 429, "field": "name", "nested": {"a": [1, 2]}}));
    let e = Error::with_details(ErrorCode::ProviderRateLimited, "slow down", details.clone());
    ensure_eq(e.details(), &details, "details")?;
    ensure_eq(
        &e.to_map(cx.env.now())["details"],
        &serde_json::Value::Object(details),
        "details on the wire",
    )
}

async fn domain_7_5_51_wrap_keeps_the_foreign_message<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let source = std::io::Error::other("Something broke");
    let e = Error::wrap(ErrorCode::InternalError, &source, None);
    ensure_eq(e.code(), ErrorCode::InternalError, "code")?;
    ensure(e.message().contains("Something broke"), e.message().to_owned())
}

async fn domain_7_5_52_wrap_with_message_keeps_original<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let source = std::io::Error::other("bad arg");
    let e = Error::wrap(ErrorCode::InternalError, &source, Some("Failed to process"));
    ensure_eq(e.message(), "Failed to process", "message")?;
    ensure_eq(
        e.details().get("original_message"),
        Some(&json!("bad arg")),
        "details.original_message",
    )
}

async fn domain_7_5_53_to_map_fields<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e =
        Error::with_details(ErrorCode::ValidationError, "Invalid", obj(json!({"field": "name"})));
    let at = cx.env.now();
    let m = e.to_map(at);
    ensure_eq(&m["code"], &json!("validation_error"), "code")?;
    ensure_eq(&m["message"], &json!("Invalid"), "message")?;
    ensure_eq(&m["details"], &json!({"field": "name"}), "details")?;
    ensure_eq(&m["timestamp"], &json!(at.to_iso8601()), "timestamp")?;
    ensure_eq(&m["provider_error"], &json!(null), "provider_error")?;
    ensure_eq(&m["stacktrace"], &json!(null), "stacktrace")
}

async fn domain_7_5_54_from_map_round_trip_and_rejections<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e = Error::with_details(ErrorCode::ToolNotFound, "no such tool", obj(json!({"tool": "x"})));
    let back = ok(Error::from_map(&e.to_map(cx.env.now())), "from_map")?;
    ensure_eq(back, e, "code, message, details")?;
    let err = expect_code(Error::from_map(&json!({})), ErrorCode::ValidationError)?;
    ensure_eq(err.message(), "Missing error code", "empty map")?;
    let err = expect_code(
        Error::from_map(&json!({"code": "not_a_valid_code", "message": "x"})),
        ErrorCode::ValidationError,
    )?;
    ensure_eq(err.message(), "Invalid error code: not_a_valid_code", "unknown code")
}

async fn domain_7_5_55_category_lists<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    use ErrorCode as C;
    let has = |cat: Category, codes: &[C]| {
        let list = ErrorCode::in_category(cat);
        codes.iter().all(|c| list.contains(c))
    };
    ensure(
        has(Category::Validation, &[C::ValidationError, C::InvalidInput, C::MissingRequiredField]),
        "validation",
    )?;
    ensure(
        !ErrorCode::in_category(Category::Validation).contains(&C::ProviderError),
        "validation excludes provider",
    )?;
    ensure(
        has(
            Category::Provider,
            &[C::ProviderError, C::ProviderUnavailable, C::ProviderRateLimited],
        ),
        "provider",
    )?;
    ensure(has(Category::Storage, &[C::StorageError, C::StorageConnectionFailed]), "storage")?;
    ensure(
        has(Category::Resource, &[C::NotFound, C::SessionNotFound, C::AlreadyExists]),
        "resource",
    )?;
    ensure(has(Category::Runtime, &[C::Timeout, C::Cancelled, C::InternalError]), "runtime")?;
    ensure(has(Category::Tool, &[C::ToolError, C::ToolNotFound, C::ToolExecutionFailed]), "tool")
}

async fn domain_7_5_56_category_of_codes<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let cases = [
        ("validation_error", Category::Validation),
        ("invalid_input", Category::Validation),
        ("provider_error", Category::Provider),
        ("provider_rate_limited", Category::Provider),
        ("storage_error", Category::Storage),
        ("storage_write_failed", Category::Storage),
        ("not_found", Category::Resource),
        ("session_not_found", Category::Resource),
        ("timeout", Category::Runtime),
        ("internal_error", Category::Runtime),
        ("tool_error", Category::Tool),
        ("tool_execution_failed", Category::Tool),
        ("max_runs_exceeded", Category::Concurrency),
        ("not_a_real_code", Category::Unknown),
    ];
    for (name, category) in cases {
        ensure_eq(Category::of_name(name), category, name)?;
    }
    Ok(())
}

async fn domain_7_5_57_retryable_codes<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    use ErrorCode as C;
    for c in [
        C::ProviderTimeout,
        C::ProviderRateLimited,
        C::ProviderUnavailable,
        C::StorageConnectionFailed,
        C::Timeout,
    ] {
        ensure(c.is_retryable(), format!("{c} is retryable"))?;
    }
    for c in [C::ValidationError, C::InvalidInput, C::NotFound, C::SessionNotFound] {
        ensure(!c.is_retryable(), format!("{c} is not retryable"))?;
    }
    ensure_eq(
        ErrorCode::ALL.iter().filter(|c| c.is_retryable()).count(),
        5,
        "exactly five retryable",
    )?;
    ensure(Error::from_code(C::Timeout).is_retryable(), "works on an error value")
}

async fn domain_7_5_58_display_shows_code_and_message<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let e = Error::new(ErrorCode::ValidationError, "Invalid input");
    ensure_eq(e.to_string(), "[validation_error] Invalid input".to_owned(), "to_string")?;
    let raised: Box<dyn std::error::Error> = Box::new(e);
    ensure(raised.to_string().contains("validation_error"), "usable as a std error")
}
