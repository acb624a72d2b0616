//! §7.11 EventRedactor, behaviours 143–155: custom patterns, scan scope, counting and
//! `redact_map`.

use asm_core::EventType;
use asm_core::redactor::{Patterns, RedactionConfig, Replacement, redact, redact_map};
use serde_json::{Value, json};

use super::obj;
use super::redactor::{event, on, text_at};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq};

pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_11_143_custom_patterns_extend_defaults,
        domain_7_11_144_replace_uses_only_given_patterns,
        domain_7_11_145_shallow_scan_only_listed_fields,
        domain_7_11_146_scan_metadata_redacts_metadata,
        domain_7_11_147_two_secrets_in_one_field,
        domain_7_11_148_long_clean_text_is_unchanged,
        domain_7_11_149_unicode_text_is_redacted,
        domain_7_11_150_short_token_is_not_a_secret,
        domain_7_11_151_null_field_stays_null,
        domain_7_11_152_redact_map_scans_plain_maps,
        domain_7_11_153_each_match_counts,
        domain_7_11_154_fields_redacted_are_sorted_top_level_keys,
        domain_7_11_155_no_match_gives_zero,
    ]
}

/// The patterns of a JSON `patterns` value, compiled the way hosts pass them.
fn patterns(value: Value) -> Result<Patterns, String> {
    RedactionConfig::from_json(&json!({ "patterns": value }), true)
        .map(|c| c.patterns)
        .map_err(|e| e.to_string())
}

async fn domain_7_11_143_custom_patterns_extend_defaults<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let config = RedactionConfig {
        patterns: patterns(json!([{"category": "custom", "pattern": r"CUSTOM_SECRET_\w+"}]))?,
        ..on()
    };
    let e = event(
        cx,
        EventType::ToolCallCompleted,
        json!({"tool_output": "AKIAIOSFODNN7EXAMPLE and CUSTOM_SECRET_abc123"}),
    )?;
    let r = redact(&e, &config);
    let out = text_at(&r.event, &["tool_output"]);
    ensure(!out.contains("AKIAIOSFODNN7EXAMPLE") && !out.contains("CUSTOM_SECRET_abc123"), out)?;
    ensure(r.redaction_count >= 2, format!("count {}", r.redaction_count))
}

async fn domain_7_11_144_replace_uses_only_given_patterns<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let config = RedactionConfig {
        patterns: patterns(
            json!({"replace": [{"category": "only", "pattern": r"ONLY_SECRET_\w+"}]}),
        )?,
        replacement: Replacement::Text("***".into()),
        ..on()
    };
    let e = event(
        cx,
        EventType::ToolCallCompleted,
        json!({"tool_output": "AKIAIOSFODNN7EXAMPLE ONLY_SECRET_xyz"}),
    )?;
    let r = redact(&e, &config);
    let out = text_at(&r.event, &["tool_output"]);
    ensure(out.contains("***") && out.contains("AKIAIOSFODNN7EXAMPLE"), out)?;
    ensure_eq(r.redaction_count, 1, "count")
}

async fn domain_7_11_145_shallow_scan_only_listed_fields<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let config = RedactionConfig { deep_scan: false, ..on() };
    let extra = "api_key=not_redacted_with_deep_scan_false";
    let e = event(
        cx,
        EventType::MessageReceived,
        json!({"content": "password=secret123", "extra": extra}),
    )?;
    let r = redact(&e, &config);
    ensure_eq(text_at(&r.event, &["content"]), "[REDACTED]".to_owned(), "content")?;
    ensure_eq(text_at(&r.event, &["extra"]), extra.to_owned(), "extra")?;
    ensure_eq(r.fields_redacted, vec!["content".to_owned()], "fields")
}

async fn domain_7_11_146_scan_metadata_redacts_metadata<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut e = event(cx, EventType::MessageReceived, json!({"content": "hello"}))?;
    e.metadata =
        obj(json!({"headers": {"authorization": "Bearer abcdefghijklmnopqrstuvwxyz123456"}}));
    let untouched = redact(&e, &on());
    ensure_eq(&untouched.event.metadata, &e.metadata, "metadata not scanned by default")?;
    let r = redact(&e, &RedactionConfig { scan_metadata: true, ..on() });
    let auth = r.event.metadata.get("headers").and_then(|h| h.get("authorization")).cloned();
    ensure_eq(auth, Some(json!("[REDACTED]")), "metadata bearer token")?;
    ensure(r.redaction_count > 0, "count")?;
    ensure_eq(r.fields_redacted, vec!["headers".to_owned()], "fields")
}

async fn domain_7_11_147_two_secrets_in_one_field<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e = event(
        cx,
        EventType::ToolCallCompleted,
        json!({"tool_output": "AKIAIOSFODNN7EXAMPLE then AKIAI44QH8DHBEXAMPLE"}),
    )?;
    let r = redact(&e, &on());
    let out = text_at(&r.event, &["tool_output"]);
    ensure(!out.contains("AKIA"), out)?;
    ensure(r.redaction_count >= 2, format!("count {}", r.redaction_count))
}

async fn domain_7_11_148_long_clean_text_is_unchanged<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let text = "normal text ".repeat(10_000);
    let r = redact(
        &event(cx, EventType::ToolCallCompleted, json!({"tool_output": text.clone()}))?,
        &on(),
    );
    ensure(text_at(&r.event, &["tool_output"]) == text, "text unchanged")?;
    ensure_eq(r.redaction_count, 0, "count")
}

async fn domain_7_11_149_unicode_text_is_redacted<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let text = "こんにちは AKIAIOSFODNN7EXAMPLE 世界 🔑 clé=valeur";
    let r = redact(&event(cx, EventType::ToolCallCompleted, json!({"tool_output": text}))?, &on());
    ensure_eq(
        text_at(&r.event, &["tool_output"]),
        "こんにちは [REDACTED] 世界 🔑 clé=valeur".to_owned(),
        "output",
    )
}

async fn domain_7_11_150_short_token_is_not_a_secret<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let r = redact(
        &event(cx, EventType::ToolCallCompleted, json!({"tool_output": "ghp_short"}))?,
        &on(),
    );
    ensure_eq(text_at(&r.event, &["tool_output"]), "ghp_short".to_owned(), "output")?;
    ensure_eq(r.redaction_count, 0, "count")
}

async fn domain_7_11_151_null_field_stays_null<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let r = redact(&event(cx, EventType::ToolCallCompleted, json!({"tool_output": null}))?, &on());
    ensure_eq(r.event.data.get("tool_output"), Some(&Value::Null), "tool_output")?;
    ensure_eq(r.redaction_count, 0, "count")
}

async fn domain_7_11_152_redact_map_scans_plain_maps<S: Store>(_cx: &Ctx<S>) -> CaseResult {
    let map =
        obj(json!({"data": {"content": "password=secret123", "key": "AKIAIOSFODNN7EXAMPLE"}}));
    let out = redact_map(&map, &on());
    ensure_eq(
        Value::Object(out.clone()),
        json!({"data": {"content": "[REDACTED]", "key": "[REDACTED]"}}),
        "redacted",
    )?;
    ensure(!out.contains_key("event") && !out.contains_key("redaction_count"), "a plain map")?;
    ensure_eq(redact_map(&map, &RedactionConfig::default()), map, "disabled")?;
    let custom =
        RedactionConfig { patterns: patterns(json!([r"MYCO_TOKEN_[A-Z0-9]{32}"]))?, ..on() };
    let token = format!("MYCO_TOKEN_{}", "AB12".repeat(8));
    let out = redact_map(&obj(json!({"t": token})), &custom);
    ensure_eq(Value::Object(out), json!({"t": "[REDACTED]"}), "custom pattern")
}

async fn domain_7_11_153_each_match_counts<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let text = "AKIAIOSFODNN7EXAMPLE password=hunter2 Authorization: Bearer abcdefghijklmnopqrstuvwxyz123456";
    let r = redact(&event(cx, EventType::ToolCallCompleted, json!({"tool_output": text}))?, &on());
    ensure_eq(r.redaction_count, 3, "count")?;
    let chained = redact(
        &event(
            cx,
            EventType::ToolCallCompleted,
            json!({"tool_output": "DATABASE_URL=postgres://u:p@h/db"}),
        )?,
        &on(),
    );
    ensure_eq(chained.redaction_count, 2, "a replacement matched again by env_secret counts twice")
}

async fn domain_7_11_154_fields_redacted_are_sorted_top_level_keys<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let data = json!({"tool_output": "AKIAIOSFODNN7EXAMPLE", "tool_input": {"command": "echo password=hunter2"}, "tool_name": "sh"});
    let r = redact(&event(cx, EventType::ToolCallCompleted, data)?, &on());
    ensure_eq(
        r.fields_redacted,
        vec!["tool_input".to_owned(), "tool_output".to_owned()],
        "fields_redacted",
    )
}

async fn domain_7_11_155_no_match_gives_zero<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let r =
        redact(&event(cx, EventType::MessageSent, json!({"content": "nothing to see"}))?, &on());
    ensure_eq(r.redaction_count, 0, "count")?;
    ensure(r.fields_redacted.is_empty(), "fields")
}
