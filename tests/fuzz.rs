//! Fuzz targets (docs/reliability.md, fuzzing), run with proptest on stable Rust: random JSON values (keys
//! drawn mostly from the wire format's own field names, so the parsers get past their first
//! checks) into every `from_map` and `from_json`, random text and crafted payloads into cursor
//! decoding, random maps through the redactor. A target fails on a panic.
//!
//! `ASM_FUZZ_CASES` (default 3000) inputs per target, seeded from `ASM_TEST_SEED` (printed).
//! Prints `fuzz proptest/<target>: N executions, M crashes` per target. `cargo fuzz` (libFuzzer) was
//! not used: see docs/reliability.md.

use std::panic::{AssertUnwindSafe, catch_unwind};

use asm_core::ports::{
    CostQuery, EventFilter, EventOrder, EventSearch, FlushPayload, ListRuns, ListSessions,
    RunOrder, RunSearch, SessionOrder, SessionSearch, UsageQuery,
};
use asm_core::redactor::{RedactionConfig, redact_map};
use asm_core::{Artifact, Error, Event, RetentionPolicy, Run, Session};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value};

const KEYS: &[&str] = &[
    "id",
    "agent_id",
    "session_id",
    "run_id",
    "status",
    "type",
    "data",
    "metadata",
    "context",
    "tags",
    "created_at",
    "updated_at",
    "deleted_at",
    "timestamp",
    "sequence_number",
    "input",
    "output",
    "error",
    "token_usage",
    "turn_count",
    "started_at",
    "ended_at",
    "provider",
    "cost_usd",
    "key",
    "byte_size",
    "checksum_sha256",
    "storage_backend",
    "storage_ref",
    "limit",
    "cursor",
    "order_by",
    "since",
    "until",
    "after",
    "before",
    "types",
    "session_ids",
    "run_ids",
    "providers",
    "include_deleted",
    "min_tokens",
    "code",
    "message",
    "details",
    "max_events_per_session",
    "batch_size",
    "exempt_statuses",
    "exempt_tags",
    "enabled",
    "patterns",
    "k",
    "o",
    "v",
    "session",
    "run",
    "events",
    "input_tokens",
    "output_tokens",
    "password",
    "api_key",
];

const WORDS: &[&str] = &[
    "",
    "active",
    "completed",
    "failed",
    "session_created",
    "message_received",
    "run_started",
    "2025-01-27T12:00:00Z",
    "2025-13-45T99:99:99Z",
    "created_at_desc",
    "sequence_asc",
    "token_usage_desc",
    "infinity",
    "sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
    "AKIAABCDEFGHIJKLMNOP",
    "'; DROP TABLE asm_events; --",
    "ses_1",
    "\u{0}",
    "😀",
    "-1",
];

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(WORDS).prop_map(|w| Value::String(w.to_owned())),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..10)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => "[a-z_]{0,12}"]
}

/// An object with wire-format keys at the top (most parsers want one).
fn object() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), json()), 0..16)
        .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>()))
}

/// Cursor texts: random text, random base64 bytes, and base64 of crafted cursor payloads.
fn cursor_text() -> impl Strategy<Value = String> {
    let payload =
        (prop::sample::select(&["session", "run", "event", "x"][..]), json(), json(), json())
            .prop_map(|(k, o, v, id)| {
                let mut m = Map::new();
                m.insert("k".into(), Value::from(k));
                m.insert("o".into(), o);
                m.insert("v".into(), v);
                m.insert("id".into(), id);
                URL_SAFE_NO_PAD.encode(Value::Object(m).to_string())
            });
    prop_oneof![
        ".{0,60}",
        prop::collection::vec(any::<u8>(), 0..80).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
        payload
    ]
}

fn seed() -> u64 {
    std::env::var("ASM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed)
}

/// Runs `target` on `cases` generated inputs; returns (executions, crashes).
fn fuzz<S: Strategy>(name: &str, strategy: S, cases: u32, target: impl Fn(&S::Value)) -> usize {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed().to_le_bytes());
    bytes[8..16].copy_from_slice(&(name.len() as u64).to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let mut crashes = 0;
    for _ in 0..cases {
        let input = strategy.new_tree(&mut runner).expect("input").current();
        if catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
            crashes += 1;
            eprintln!("fuzz {name}: crash on {input:?}");
        }
    }
    println!("fuzz proptest/{name}: {cases} executions, {crashes} crashes");
    crashes
}

fn main() {
    let n: u32 = std::env::var("ASM_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(3000);
    println!(
        "fuzz: seed {} (set ASM_TEST_SEED to change), {n} inputs per target (ASM_FUZZ_CASES)",
        seed()
    );
    let mut crashes = 0;
    crashes += fuzz("entity_from_map", prop_oneof![object(), json()], n, |v| {
        let _ = (
            Session::from_map(v),
            Run::from_map(v),
            Event::from_map(v),
            Artifact::from_map(v),
            Error::from_map(v),
        );
        if let Ok(s) = Session::from_map(v) {
            assert_eq!(Session::from_map(&s.to_map()).as_ref(), Ok(&s), "session round trip");
        }
        if let Ok(e) = Event::from_map(v) {
            assert_eq!(Event::from_map(&e.to_map()).as_ref(), Ok(&e), "event round trip");
        }
    });
    crashes += fuzz("options_from_json", prop_oneof![object(), json()], n, |v| {
        let _ = (ListSessions::from_json(v), ListRuns::from_json(v), EventFilter::from_json(v));
        let _ = (FlushPayload::from_json(v), SessionSearch::from_json(v), RunSearch::from_json(v));
        let _ = (EventSearch::from_json(v), UsageQuery::from_json(v), CostQuery::from_json(v));
        let _ = (RetentionPolicy::from_json(v), RedactionConfig::from_json(v, true));
        let _ = (SessionOrder::from_json(v), RunOrder::from_json(v), EventOrder::from_json(v));
    });
    crashes += fuzz("cursor_decode", cursor_text(), n, |text| {
        let _ = asm_core::cursor::decode(text, SessionOrder::CreatedAtDesc);
        let _ = asm_core::cursor::decode(text, RunOrder::TokenUsageDesc);
        let _ = asm_core::cursor::decode(text, EventOrder::TimestampDesc);
    });
    let config = RedactionConfig::enabled_default();
    crashes += fuzz("redactor", object(), n, |v| {
        let map = v.as_object().cloned().unwrap_or_default();
        let once = redact_map(&map, &config);
        // Redacting twice changes nothing more.
        assert_eq!(redact_map(&once, &config), once, "redaction is idempotent");
    });
    assert_eq!(crashes, 0, "fuzz targets crashed (seed {})", seed());
}
