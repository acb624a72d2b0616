//! The HTTP request-parsing fuzz target (docs/reliability.md, fuzzing) on stable Rust with
//! proptest, the twin of `fuzz/fuzz_targets/http_request.rs` (libFuzzer). Random requests — a method, a path made
//! from the route table with random segments and percent escapes, a query string of the API's
//! parameters, and a JSON (or garbled) body — go through what the Worker does before it touches
//! a store: `routes::route`, `convert::query_json`, `convert::body_json` and `api::decode`.
//!
//! A target fails on a panic, and when decoding refuses a request with an error that is not a
//! 4xx: a request alone must never produce a server error. `ASM_FUZZ_CASES` (default 3000)
//! inputs, seeded from `ASM_TEST_SEED` (printed). Prints `fuzz proptest/http_request: N
//! executions, M crashes`.

#[path = "../../../tests/support/fuzz_input.rs"]
mod fuzz_input;

use asm_worker::api::{ApiRequest, decode};
use asm_worker::convert::{body_json, query_json};
use asm_worker::errors::status_of;
use asm_worker::routes::{Op, ROUTES, Routed, route};
use fuzz_input::{KEYS, cases, fuzz, json, object, seed, word};
use proptest::prelude::*;

const METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "get", ""];

/// The one check: parse as the Worker does; a refused request is a 4xx.
fn check(method: &str, path: &str, query: &str, body: &[u8]) {
    let _ = (query_json(query), body_json(body));
    let Routed::Found(m) = route(method, path) else { return };
    if matches!(m.op, Op::Health | Op::OpenApi | Op::CurrentKey | Op::TestReset) {
        return;
    }
    let request = ApiRequest { op: m.op, params: &m.params, query, body };
    if let Err(e) = decode(request) {
        let status = status_of(&e);
        assert!((400..500).contains(&status), "{method} {path}?{query}: {status} {}", e.to_json());
    }
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
        3 => object().prop_map(|v| v.to_string().into_bytes()),
        1 => json().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => json().prop_map(|v| { let mut b = v.to_string().into_bytes(); b.truncate(b.len() / 2); b }),
    ]
}

fn main() {
    let cases = cases();
    println!(
        "fuzz: seed {} (set ASM_TEST_SEED to change), {cases} inputs (ASM_FUZZ_CASES)",
        seed()
    );
    let strategy = (prop::sample::select(METHODS), path(), query(), body());
    let crashes = fuzz("http_request", strategy, cases, |(method, path, query, body)| {
        check(method, path, query, body)
    });
    assert_eq!(crashes, 0, "the http_request target crashed (seed {})", seed());
}
