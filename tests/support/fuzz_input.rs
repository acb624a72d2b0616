//! Random inputs shared by the two proptest fuzz targets (the core's `tests/fuzz.rs` and the
//! Worker's `hosts/worker/tests/request_fuzz.rs`, which include this file with `#[path]`): JSON
//! whose keys are mostly the wire format's own field names (so parsers get past their first
//! checks), words the parsers treat specially, the seed, and the runner that counts crashes.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value};

/// Field and option names of the wire format, and a few a secret would hide under.
pub const KEYS: &[&str] = &[
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
    "schema_version",
    "include_artifacts",
    "wait_timeout_ms",
];

/// Values the parsers treat specially: statuses, types, orders, times, secrets, injections.
pub const WORDS: &[&str] = &[
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
    "pending",
    "true",
    "1e308",
    "%FF",
    "%zz",
    "..",
    "/",
];

/// A key: mostly a wire-format name, sometimes anything.
pub fn key() -> impl Strategy<Value = String> {
    prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => "[a-z_]{0,12}"]
}

/// A word: a special one, random text, or a URL-ish token.
pub fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(WORDS).prop_map(str::to_owned),
        ".{0,40}",
        "[a-z0-9%_.-]{0,12}"
    ]
}

/// Any JSON value, nested up to six levels, its object keys from [`key`].
pub fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..10)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// An object with wire-format keys at the top (most parsers want one).
pub fn object() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), json()), 0..16)
        .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>()))
}

/// `ASM_TEST_SEED`, or a fixed default so that runs repeat.
pub fn seed() -> u64 {
    std::env::var("ASM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed)
}

/// `ASM_FUZZ_CASES`, the inputs per target (default 3000).
pub fn cases() -> u32 {
    std::env::var("ASM_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(3000)
}

/// Runs `target` on `cases` inputs of `strategy` and prints
/// `fuzz proptest/<name>: N executions, M crashes`; returns the crashes (panics caught).
pub fn fuzz<S: Strategy>(name: &str, strategy: S, cases: u32, target: impl Fn(&S::Value)) -> usize
where
    S::Value: std::fmt::Debug,
{
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
