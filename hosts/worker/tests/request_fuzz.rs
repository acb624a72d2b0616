//! The HTTP request-parsing fuzz target (docs/reliability.md, fuzzing) on stable Rust with proptest, the twin
//! of `fuzz/fuzz_targets/http_request.rs` (libFuzzer). Random requests — a method, a path made
//! from the route table with random segments and percent escapes, a query string of the API's
//! parameters, and a JSON (or garbled) body — go through what the Worker does before it touches
//! a store: `routes::route`, `convert::query_json`, `convert::body_json` and `api::decode`.
//!
//! A target fails on a panic, and when decoding refuses a request with an error that is not a
//! 4xx: a request alone must never produce a server error. `ASM_FUZZ_CASES` (default 3000)
//! inputs, seeded from `ASM_TEST_SEED` (printed). Prints `fuzz proptest/http_request: N
//! executions, M crashes`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use asm_worker::api::{ApiRequest, decode};
use asm_worker::convert::{body_json, query_json};
use asm_worker::errors::status_of;
use asm_worker::routes::{Op, ROUTES, Routed, route};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value};

const METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "get", ""];

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
    "schema_version",
    "sequence_number",
    "token_usage",
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
    "include_deleted",
    "max_events_per_session",
    "batch_size",
    "exempt_statuses",
    "exempt_tags",
    "session",
    "run",
    "events",
    "include_artifacts",
    "wait_timeout_ms",
];

const WORDS: &[&str] = &[
    "",
    "active",
    "completed",
    "pending",
    "message_received",
    "run_started",
    "2025-01-27T12:00:00Z",
    "2025-13-45T99:99:99Z",
    "created_at_desc",
    "sequence_asc",
    "infinity",
    "'; DROP TABLE asm_events; --",
    "ses_1",
    "\u{0}",
    "😀",
    "-1",
    "true",
    "1e308",
    "%FF",
    "%zz",
    "..",
    "/",
];

/// The one check: parse as the Worker does; a refused request is a 4xx.
fn check(method: &str, path: &str, query: &str, body: &[u8]) {
    let _ = (query_json(query), body_json(body));
    let Routed::Found(m) = route(method, path) else { return };
    if matches!(m.op, Op::Health | Op::OpenApi | Op::TestReset) {
        return;
    }
    let request = ApiRequest { op: m.op, params: &m.params, query, body };
    if let Err(e) = decode(request) {
        let status = status_of(&e);
        assert!((400..500).contains(&status), "{method} {path}?{query}: {status} {}", e.to_json());
    }
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(WORDS).prop_map(str::to_owned),
        ".{0,20}",
        "[a-z0-9%_.-]{0,12}"
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (prop::sample::select(KEYS).prop_map(str::to_owned), inner),
                0..10
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A path from the route table with its `{…}` segments (and sometimes others) replaced.
fn path() -> impl Strategy<Value = String> {
    let from_table =
        (prop::sample::select(ROUTES), word(), any::<bool>()).prop_map(|(r, w, extra)| {
            let mut p =
                r.path.replace("{session_id}", &w).replace("{run_id}", &w).replace("{key}", &w);
            if extra {
                p.push_str("/x");
            }
            p
        });
    prop_oneof![4 => from_table, 1 => "/v1/[a-z/%0-9]{0,30}"]
}

fn query() -> impl Strategy<Value = String> {
    let pair = (prop::sample::select(KEYS), word()).prop_map(|(k, v)| format!("{k}={v}"));
    prop::collection::vec(pair, 0..5).prop_map(|pairs| pairs.join("&"))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => json().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => json().prop_map(|v| { let mut b = v.to_string().into_bytes(); b.truncate(b.len() / 2); b }),
    ]
}

fn seed() -> u64 {
    std::env::var("ASM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed)
}

fn main() {
    let cases: u32 =
        std::env::var("ASM_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(3000);
    println!(
        "fuzz: seed {} (set ASM_TEST_SEED to change), {cases} inputs (ASM_FUZZ_CASES)",
        seed()
    );
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed().to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let strategy = (prop::sample::select(METHODS), path(), query(), body());
    let mut crashes = 0;
    for _ in 0..cases {
        let (method, path, query, body) = strategy.new_tree(&mut runner).expect("input").current();
        if catch_unwind(AssertUnwindSafe(|| check(method, &path, &query, &body))).is_err() {
            crashes += 1;
            eprintln!(
                "fuzz http_request: crash on {method} {path}?{query} body {:?}",
                String::from_utf8_lossy(&body)
            );
        }
    }
    println!("fuzz proptest/http_request: {cases} executions, {crashes} crashes");
    assert_eq!(crashes, 0, "the http_request target crashed (seed {})", seed());
}
