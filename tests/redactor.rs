//! The redactor's PCRE-like byte semantics, its counting rule and its depth limit.

use asm_core::redactor::{
    CompiledPattern, DEFAULT_PATTERN_SOURCES, Patterns, RedactionConfig, Replacement, redact,
    redact_map,
};
use asm_core::{Event, EventType, JsonMap, Timestamp};
use serde_json::{Value, json};

fn on() -> RedactionConfig {
    RedactionConfig::enabled_default()
}

fn event(event_type: EventType, data: Value) -> Event {
    Event {
        id: "evt_1".into(),
        event_type,
        timestamp: Timestamp::from_micros(0),
        session_id: "ses_1".into(),
        run_id: None,
        data: asm_core::json::object(data),
        metadata: JsonMap::new(),
        sequence_number: None,
        schema_version: 1,
        provider: None,
        correlation_id: None,
    }
}

/// Redacts one string as a `tool_output` and returns it with the count.
fn scrub_with(text: &str, config: &RedactionConfig) -> (String, usize) {
    let r = redact(&event(EventType::ToolCallCompleted, json!({ "tool_output": text })), config);
    let out =
        r.event.data.get("tool_output").and_then(Value::as_str).unwrap_or_default().to_owned();
    (out, r.redaction_count)
}

fn scrub(text: &str) -> (String, usize) {
    scrub_with(text, &on())
}

#[test]
fn all_22_defaults_compile_in_order() {
    let compiled: Vec<&CompiledPattern> = asm_core::redactor::default_patterns().iter().collect();
    assert_eq!(compiled.len(), 22);
    for (p, (category, _)) in compiled.iter().zip(DEFAULT_PATTERN_SOURCES) {
        assert_eq!(p.category, category);
    }
}

#[test]
fn non_ascii_space_is_not_whitespace() {
    // PCRE without UTF-8 mode: U+2003 is two non-space bytes, so `\S+` runs through it.
    assert_eq!(scrub("password=abc\u{2003}def rest"), ("[REDACTED] rest".to_owned(), 1));
    // NBSP after the colon is not `\s` either; it is part of the secret.
    assert_eq!(scrub("password:\u{a0}hunter2 ok"), ("[REDACTED] ok".to_owned(), 1));
}

#[test]
fn vertical_tab_is_whitespace() {
    assert_eq!(scrub("password\u{0B}=\u{0B}hunter2"), ("[REDACTED]".to_owned(), 1));
    assert_eq!(scrub("x password=a\u{0B}b"), ("x [REDACTED]\u{0B}b".to_owned(), 1));
}

#[test]
fn quantifiers_count_bytes() {
    // 10 two-byte characters are 20 bytes: enough for `\S{20,}` in byte mode.
    let (out, n) = scrub(&format!("sk-ant-api{}", "é".repeat(10)));
    assert_eq!((out.as_str(), n), ("[REDACTED]", 1));
    // 19 ASCII bytes are not.
    let short = format!("sk-ant-api{}", "a".repeat(19));
    assert_eq!(scrub(&short), (short.clone(), 0));
}

#[test]
fn case_folding_is_ascii_only() {
    // Unicode folding would map ſ (U+017F) to s and the Kelvin sign to k; PCRE does not.
    let long_s = "paſſword=hunter2";
    assert_eq!(scrub(long_s), (long_s.to_owned(), 0));
    let kelvin = "aws_secret_access_\u{212A}ey=abc";
    assert_eq!(scrub(kelvin), (kelvin.to_owned(), 0));
    assert_eq!(scrub("PassWord: x").1, 1);
}

#[test]
fn multibyte_text_around_matches_survives() {
    let (out, n) = scrub("ключ AKIAIOSFODNN7EXAMPLE 🔑 token=αβγ");
    assert_eq!(out, "ключ [REDACTED] 🔑 token=αβγ");
    assert_eq!(n, 1);
}

#[test]
fn a_replacement_can_be_matched_again() {
    assert_eq!(scrub("DATABASE_URL=postgres://user:pass@host/db"), ("[REDACTED]".to_owned(), 2));
    let categorized = RedactionConfig { replacement: Replacement::Categorized, ..on() };
    assert_eq!(
        scrub_with("DATABASE_URL=postgres://user:pass@host/db", &categorized),
        ("[REDACTED:env_secret]".to_owned(), 2)
    );
}

#[test]
fn a_replacement_that_completes_an_earlier_secret_is_redacted_too() {
    // `bearer_token` runs after `anthropic_key`; its replacement lengthens the key's tail to 20.
    let text = "sk-ant-api03-abcdefgBearer hijklmnopqrstuvwxyz012345";
    let once = scrub(text);
    assert_eq!(once, ("[REDACTED]".to_owned(), 2));
    assert_eq!(scrub(&once.0), (once.0.clone(), 0));
    let categorized = RedactionConfig { replacement: Replacement::Categorized, ..on() };
    let once = scrub_with(text, &categorized);
    assert_eq!(once, ("[REDACTED:anthropic_key]".to_owned(), 2));
    assert_eq!(scrub_with(&once.0, &categorized), (once.0.clone(), 0));
}

#[test]
fn every_match_of_every_pattern_counts() {
    let text = "AKIAIOSFODNN7EXAMPLE password=hunter2 Authorization: Bearer abcdefghijklmnopqrstuvwxyz123456";
    assert_eq!(scrub(text).1, 3);
    assert_eq!(scrub("AKIAIOSFODNN7EXAMPLE AKIAI44QH8DHBEXAMPLE AKIAJJJJJJJJJJJJJJJJ").1, 3);
}

#[test]
fn replacement_text_is_literal() {
    let custom = RedactionConfig { replacement: Replacement::Text("$0-${1}".into()), ..on() };
    assert_eq!(scrub_with("AKIAIOSFODNN7EXAMPLE", &custom).0, "$0-${1}");
}

#[test]
fn custom_patterns_run_after_the_defaults() {
    let config =
        RedactionConfig::from_json(&json!({"patterns": ["REDACTED"]}), true).expect("config");
    assert!(
        matches!(config.patterns, Patterns::Extend(ref p) if p.len() == 1 && p[0].category == "custom")
    );
    // The default turns the key into "[REDACTED]", which the custom pattern then matches again.
    assert_eq!(scrub_with("AKIAIOSFODNN7EXAMPLE", &config), ("[[REDACTED]]".to_owned(), 2));
    // Passes after ASM's ordered one leave a match of replacement text alone, so they end.
    assert_eq!(scrub_with("REDACTED REDACTED", &config), ("[REDACTED] [REDACTED]".to_owned(), 2));
    assert!(RedactionConfig::from_json(&json!({"patterns": ["("]}), true).is_err());
    let dropped =
        RedactionConfig::from_json(&json!({"patterns": [1, {"x": 2}]}), true).expect("config");
    assert!(matches!(dropped.patterns, Patterns::Extend(ref p) if p.is_empty()));
}

/// `{"k": {"k": … {"secret": s}}}` with the secret in a map at `depth` below `data`.
fn at_depth(depth: usize, secret: &str) -> Value {
    let mut v = json!({ "secret": secret });
    for _ in 1..depth {
        v = json!({ "k": v });
    }
    v
}

#[test]
fn maps_below_depth_ten_are_scanned_and_deeper_ones_are_not() {
    for (depth, expected) in [(1, 1), (10, 1), (11, 0), (13, 0)] {
        let r = redact(
            &event(
                EventType::ToolCallCompleted,
                json!({ "tool_output": at_depth(depth, "password=x") }),
            ),
            &on(),
        );
        assert_eq!(r.redaction_count, expected, "map at depth {depth}");
    }
}

#[test]
fn lists_are_not_depth_capped_but_maps_inside_them_are() {
    let mut deep_list = json!("password=x");
    for _ in 0..20 {
        deep_list = json!([deep_list]);
    }
    let r = redact(&event(EventType::ToolCallCompleted, json!({ "l": deep_list })), &on());
    assert_eq!(r.redaction_count, 1);
    let mut map_in_lists = json!({ "s": "password=x" });
    for _ in 0..11 {
        map_in_lists = json!([map_in_lists]);
    }
    let r = redact(&event(EventType::ToolCallCompleted, json!({ "l": map_in_lists })), &on());
    assert_eq!(r.redaction_count, 0, "the map sits at depth 12");
}

#[test]
fn fields_from_data_and_metadata_are_merged_sorted_and_unique() {
    let mut e = event(
        EventType::MessageSent,
        json!({"z": "AKIAIOSFODNN7EXAMPLE", "a": "password=x", "m": "clean"}),
    );
    e.metadata = asm_core::json::object(json!({"a": "token=1 api_key=2", "b": 3}));
    let r = redact(&e, &RedactionConfig { scan_metadata: true, ..on() });
    assert_eq!(r.fields_redacted, vec!["a", "z"]);
    assert_eq!(r.redaction_count, 3);
}

#[test]
fn shallow_scan_uses_the_per_type_fields() {
    let config = RedactionConfig { deep_scan: false, ..on() };
    let data = json!({"error_message": "password=x", "provider_error": {"stderr": "AKIAIOSFODNN7EXAMPLE"}, "other": "pwd=y"});
    let r = redact(&event(EventType::ErrorOccurred, data), &config);
    assert_eq!(r.fields_redacted, vec!["error_message", "provider_error"]);
    assert_eq!(r.event.data.get("other"), Some(&json!("pwd=y")));
    // A scanned type without an entry in the field map has nothing scanned.
    let r = redact(&event(EventType::RunCompleted, json!({"stop_reason": "password=x"})), &config);
    assert_eq!(r.redaction_count, 0);
}

#[test]
fn redact_map_ignores_the_skip_list_and_depth_counts_from_the_map() {
    let map = asm_core::json::object(
        json!({"value": "AKIAIOSFODNN7EXAMPLE", "deep": at_depth(11, "password=x")}),
    );
    let out = redact_map(&map, &on());
    assert_eq!(out.get("value"), Some(&json!("[REDACTED]")));
    assert_eq!(out.get("deep"), map.get("deep"));
}

#[test]
fn every_needle_is_a_literal_of_its_pattern() {
    // A needle that is not in the pattern's source would skip texts the pattern matches.
    for p in asm_core::redactor::default_patterns() {
        let (_, source) =
            DEFAULT_PATTERN_SOURCES.iter().find(|(c, _)| *c == p.category).expect("source");
        assert!(!p.needles.is_empty(), "{}", p.category);
        for needle in p.needles {
            assert!(source.to_ascii_lowercase().contains(needle), "{}: {needle}", p.category);
        }
    }
}

#[test]
fn needles_fold_case_and_follow_replacements() {
    // Upper-case keywords reach the case-insensitive patterns through their lower-case needles.
    assert_eq!(scrub("PASSWORD=x API_KEY=y").1, 2);
    // A replacement can make a later pattern's needle appear: counted once more, as before.
    let config =
        RedactionConfig::from_json(&json!({"replacement": "pwd=z"}), true).expect("config");
    assert_eq!(scrub_with("AKIAIOSFODNN7EXAMPLE", &config).1, 2);
}
