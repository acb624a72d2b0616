//! HTTP request parsing of the Worker (hosts/worker): route matching, the query string, the body
//! and its decoding into the core's option structs (`api::decode`), with no store. A request
//! alone must never panic or produce a server error: a refused request is a 4xx.
//!
//! Input: one byte picking the method, then `path \n query \n body`.
#![no_main]

use asm_worker::api::{ApiRequest, decode};
use asm_worker::convert::{body_json, query_json};
use asm_worker::errors::status_of;
use asm_worker::routes::{Op, Routed, route};
use libfuzzer_sys::fuzz_target;

const METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"];

fuzz_target!(|data: &[u8]| {
    let Some((&m, rest)) = data.split_first() else { return };
    let method = METHODS[usize::from(m) % METHODS.len()];
    let mut parts = rest.splitn(3, |b| *b == b'\n');
    // The runtime hands the Worker the URL as text (bytes that are not UTF-8 become U+FFFD).
    let path = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let body = parts.next().unwrap_or_default();
    let _ = (query_json(&query), body_json(body));
    let Routed::Found(matched) = route(method, &path) else { return };
    if matches!(matched.op, Op::Health | Op::OpenApi | Op::TestReset) {
        return;
    }
    let request = ApiRequest { op: matched.op, params: &matched.params, query: &query, body };
    if let Err(e) = decode(request) {
        let status = status_of(&e);
        assert!((400..500).contains(&status), "{method} {path}?{query}: {status} {}", e.to_json());
    }
});
