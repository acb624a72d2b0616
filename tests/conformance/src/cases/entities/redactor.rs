//! §7.11 EventRedactor, behaviours 129–142 (persistence/event_redactor_test.exs; config
//! `{enabled: true}` unless noted).

use asm_core::redactor::{RedactionConfig, Replacement, default_patterns, redact};
use asm_core::{Event, EventType, NewEvent};
use serde_json::{Value, json};

use super::{obj, ok};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq};

pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_11_129_default_patterns_are_category_regex_pairs,
        domain_7_11_130_each_default_pattern_redacts,
        domain_7_11_131_nested_map_is_redacted,
        domain_7_11_132_list_elements_are_redacted,
        domain_7_11_133_provider_error_fields_are_redacted,
        domain_7_11_134_non_string_values_are_unchanged,
        domain_7_11_135_maps_deeper_than_ten_are_untouched,
        domain_7_11_136_clean_payload_is_unchanged,
        domain_7_11_137_scalar_payload_is_unchanged,
        domain_7_11_138_empty_data_is_unchanged,
        domain_7_11_139_skipped_types_are_not_scanned,
        domain_7_11_140_disabled_config_changes_nothing,
        domain_7_11_141_custom_replacement_text,
        domain_7_11_142_categorized_replacement,
    ]
}

/// An event of `event_type` with this payload.
pub(super) fn event<S>(cx: &Ctx<S>, event_type: EventType, data: Value) -> Result<Event, String> {
    ok(
        Event::new(NewEvent { data: obj(data), ..NewEvent::of(event_type, "ses_redact") }, &cx.env),
        "Event::new",
    )
}

/// `{enabled: true}`.
pub(super) fn on() -> RedactionConfig {
    RedactionConfig::enabled_default()
}

/// The string at `path` in the event's data (empty when absent).
pub(super) fn text_at(e: &Event, path: &[&str]) -> String {
    let mut v = e.data.get(path.first().copied().unwrap_or_default());
    for key in path.iter().skip(1) {
        v = v.and_then(|x| x.get(*key));
    }
    v.and_then(Value::as_str).unwrap_or_default().to_owned()
}

async fn domain_7_11_129_default_patterns_are_category_regex_pairs<S: Store>(
    _cx: &Ctx<S>,
) -> CaseResult {
    let patterns = default_patterns();
    ensure_eq(patterns.len(), 22, "number of default patterns")?;
    ensure(patterns.iter().all(|p| !p.category.is_empty()), "every pattern has a category")?;
    ensure_eq(
        patterns.first().map(|p| p.category.as_str()),
        Some("aws_access_key"),
        "first category",
    )?;
    ensure(patterns.iter().all(|p| !p.regex.as_str().is_empty()), "every pattern has a regex")
}

fn samples() -> Vec<(&'static str, String, &'static str)> {
    let alnum =
        |n: usize| "aB3dE5gH7jK9mN1pQ2sT4vW6yZ8".chars().cycle().take(n).collect::<String>();
    vec![
        ("aws_access_key", "key AKIAIOSFODNN7EXAMPLE here".into(), "AKIAIOSFODNN7EXAMPLE"),
        ("aws_secret_key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(), "wJalrXUtnFEMI"),
        ("gcp_api_key", "AIzaSyA1234567890abcdefghijklmnopqrstuvw".into(), "AIzaSyA1234567890"),
        ("anthropic_key", "sk-ant-api03-abcdefghijklmnopqrstuvwx".into(), "sk-ant-api03"),
        ("openai_key", "sk-proj-abcdefghijklmnopqrstuvwx".into(), "sk-proj-abcdefghijkl"),
        ("openai_legacy_key", format!("sk-{}", alnum(44)), "sk-aB3dE5gH7j"),
        ("github_pat", format!("ghp_{}", alnum(36)), "ghp_aB3dE5"),
        ("github_oauth", format!("gho_{}", alnum(36)), "gho_aB3dE5"),
        ("github_app", format!("ghs_{}", alnum(36)), "ghs_aB3dE5"),
        ("github_refresh", format!("ghr_{}", alnum(36)), "ghr_aB3dE5"),
        ("github_fine_pat", "github_pat_11ABCDEFGHIJKLMNOPQRST_uvwxyz".into(), "github_pat_11ABCDEF"),
        ("gitlab_token", "glpat-abcdefghijklmnopqrst".into(), "glpat-abcdefghij"),
        (
            "jwt_token",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U".into(),
            "eyJhbGciOiJIUzI1NiJ9",
        ),
        (
            "bearer_token",
            "Authorization: Bearer abcdefghijklmnopqrstuvwxyz123456".into(),
            "abcdefghijklmnopqrstuvwxyz123456",
        ),
        ("password", "PASSWORD: supersecret123".into(), "supersecret123"),
        ("api_key_generic", "api_key=sk1234567890abcdef".into(), "sk1234567890abcdef"),
        ("secret_key", "secret_key = mysecretvalue123".into(), "mysecretvalue123"),
        ("access_token", "access_token = abc123def456ghi".into(), "abc123def456ghi"),
        ("auth_token", "auth_token = xyz789uvw456".into(), "xyz789uvw456"),
        ("connection_string", "postgres://user:pass@localhost:5432/mydb".into(), "user:pass@localhost"),
        ("private_key", "-----BEGIN RSA PRIVATE KEY-----".into(), "BEGIN RSA PRIVATE KEY"),
        ("env_secret", "DATABASE_URL=postgres://user:pass@host/db".into(), "user:pass@host"),
        ("connection_string", "redis://admin:password@redis.example.com:6379".into(), "admin:password@redis"),
    ]
}

async fn domain_7_11_130_each_default_pattern_redacts<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut covered = std::collections::BTreeSet::new();
    for (category, sample, fragment) in samples() {
        let e = event(cx, EventType::ToolCallCompleted, json!({"tool_output": sample}))?;
        let r = redact(&e, &on());
        let out = text_at(&r.event, &["tool_output"]);
        ensure(!out.contains(fragment), format!("{category}: {fragment:?} still in {out:?}"))?;
        ensure(
            out.contains("[REDACTED]") && r.redaction_count > 0,
            format!("{category}: {out:?}"),
        )?;
        let categorized = RedactionConfig { replacement: Replacement::Categorized, ..on() };
        let out = text_at(&redact(&e, &categorized).event, &["tool_output"]);
        ensure(
            out.contains(&format!("[REDACTED:{category}]")),
            format!("{category}: categorized {out:?}"),
        )?;
        covered.insert(category);
    }
    ensure_eq(covered.len(), 22, "every category has a sample")
}

async fn domain_7_11_131_nested_map_is_redacted<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let data = json!({"tool_name": "http", "tool_input": {"headers": {"Authorization": "Bearer abcdefghijklmnopqrstuvwxyz123456"}}});
    let r = redact(&event(cx, EventType::ToolCallStarted, data)?, &on());
    let auth = text_at(&r.event, &["tool_input", "headers", "Authorization"]);
    ensure(!auth.contains("abcdefghijklmnopqrstuvwxyz123456") && auth.contains("[REDACTED]"), auth)
}

async fn domain_7_11_132_list_elements_are_redacted<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let data = json!({"messages": [{"content": "password=secret"}, {"content": "safe text"}]});
    let r = redact(&event(cx, EventType::ToolCallCompleted, data)?, &on());
    let messages = r.event.data.get("messages").cloned().unwrap_or_default();
    ensure_eq(&messages[0], &json!({"content": "[REDACTED]"}), "secret gone")?;
    ensure_eq(&messages[1], &json!({"content": "safe text"}), "safe text kept")
}

async fn domain_7_11_133_provider_error_fields_are_redacted<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let data = json!({
        "error_message": "failed",
        "provider_error": {
            "provider": "codex",
            "stderr": "OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx\nAuthorization: Bearer abcdefghijklmnopqrstuvwxyz123456",
            "details": {"context": "password=supersecret"},
        },
    });
    let r = redact(&event(cx, EventType::RunFailed, data)?, &on());
    let text = serde_json::Value::Object(r.event.data.clone()).to_string();
    for secret in
        ["sk-proj-abcdefghijklmnopqrstuvwx", "abcdefghijklmnopqrstuvwxyz123456", "supersecret"]
    {
        ensure(!text.contains(secret), format!("{secret} still in {text}"))?;
    }
    Ok(())
}

async fn domain_7_11_134_non_string_values_are_unchanged<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let data = json!({"retries": 2, "done": true, "state": "ok", "extra": null, "ratio": 0.5, "tool_output": "password=secret123"});
    let r = redact(&event(cx, EventType::ToolCallCompleted, data)?, &on());
    for (k, v) in [
        ("retries", json!(2)),
        ("done", json!(true)),
        ("state", json!("ok")),
        ("extra", json!(null)),
        ("ratio", json!(0.5)),
    ] {
        ensure_eq(r.event.data.get(k), Some(&v), k)?;
    }
    ensure_eq(text_at(&r.event, &["tool_output"]), "[REDACTED]".to_owned(), "tool_output")
}

fn nested(levels: usize, secrets: &[(usize, &str)]) -> Value {
    let mut inner = json!({});
    for level in (1..=levels).rev() {
        let mut m = serde_json::Map::new();
        m.insert("next".into(), inner);
        if let Some((_, s)) = secrets.iter().find(|(l, _)| *l == level) {
            m.insert("secret".into(), json!(s));
        }
        inner = Value::Object(m);
    }
    inner
}

async fn domain_7_11_135_maps_deeper_than_ten_are_untouched<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let tool_output = nested(15, &[(5, "AKIAIOSFODNN7EXAMPLE"), (12, "password=hunter2")]);
    let r = redact(
        &event(cx, EventType::ToolCallCompleted, json!({"tool_output": tool_output}))?,
        &on(),
    );
    let text = Value::Object(r.event.data).to_string();
    ensure(!text.contains("AKIAIOSFODNN7EXAMPLE"), "level-5 secret redacted")?;
    ensure(text.contains("password=hunter2"), "level-12 secret untouched")?;
    ensure_eq(r.redaction_count, 1, "count")
}

async fn domain_7_11_136_clean_payload_is_unchanged<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e = event(
        cx,
        EventType::ToolCallCompleted,
        json!({"tool_name": "ls", "tool_output": "file1\nfile2"}),
    )?;
    let r = redact(&e, &on());
    ensure_eq(&r.event, &e, "event")?;
    ensure_eq(r.redaction_count, 0, "count")?;
    ensure(r.fields_redacted.is_empty(), "fields")
}

async fn domain_7_11_137_scalar_payload_is_unchanged<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e = event(
        cx,
        EventType::RunStarted,
        json!({"tries": 1, "state": "ok", "ready": false, "note": null}),
    )?;
    ensure_eq(&redact(&e, &on()).event, &e, "event")
}

async fn domain_7_11_138_empty_data_is_unchanged<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let r = redact(&event(cx, EventType::RunStarted, json!({}))?, &on());
    ensure(r.event.data.is_empty(), "data {}")?;
    ensure_eq(r.redaction_count, 0, "count")
}

async fn domain_7_11_139_skipped_types_are_not_scanned<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for t in [EventType::SessionCreated, EventType::TokenUsageUpdated] {
        let e = event(cx, t, json!({"value": "AKIAIOSFODNN7EXAMPLE"}))?;
        let r = redact(&e, &on());
        ensure_eq(&r.event, &e, t.as_str())?;
        ensure(r.redaction_count == 0 && r.fields_redacted.is_empty(), "count 0, no fields")?;
    }
    let scanned = event(cx, EventType::SessionFailed, json!({"value": "AKIAIOSFODNN7EXAMPLE"}))?;
    ensure_eq(redact(&scanned, &on()).redaction_count, 1, "session_failed is scanned")
}

async fn domain_7_11_140_disabled_config_changes_nothing<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e =
        event(cx, EventType::ToolCallCompleted, json!({"tool_output": "AKIAIOSFODNN7EXAMPLE"}))?;
    let r = redact(&e, &RedactionConfig::default());
    ensure_eq(&r.event, &e, "event")?;
    ensure(r.redaction_count == 0 && r.fields_redacted.is_empty(), "count 0, no fields")
}

async fn domain_7_11_141_custom_replacement_text<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let config = RedactionConfig { replacement: Replacement::Text("***".into()), ..on() };
    let r = redact(
        &event(cx, EventType::ToolCallCompleted, json!({"tool_output": "password=secret123"}))?,
        &config,
    );
    ensure_eq(text_at(&r.event, &["tool_output"]), "***".to_owned(), "tool_output")
}

async fn domain_7_11_142_categorized_replacement<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let config = RedactionConfig { replacement: Replacement::Categorized, ..on() };
    let r = redact(
        &event(cx, EventType::ToolCallCompleted, json!({"tool_output": "AKIAIOSFODNN7EXAMPLE"}))?,
        &config,
    );
    ensure_eq(
        text_at(&r.event, &["tool_output"]),
        "[REDACTED:aws_access_key]".to_owned(),
        "tool_output",
    )
}
