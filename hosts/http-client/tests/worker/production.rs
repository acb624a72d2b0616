//! A Worker started as in production (no `ASM_TEST_MODE`): the test reset route does not exist
//! (404, and nothing is wiped) and the test-clock header is ignored, so stored timestamps come
//! from the real clock and no `x-asm-test-clock-readings` header is answered. Last, a chunked
//! body that never ends is answered with 413 at the default limit (`chunked.rs`).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use asm_core::Timestamp;
use serde_json::Value;

use crate::checks::{Http, TEST_NOW, TEST_NOW_HEADER, TEST_READINGS_HEADER, code, report};
use crate::wrangler::{Wrangler, migrate_d1};
use crate::{DEFAULT_BODY_LIMIT, TOKEN};

/// The vars every Worker of the harness gets: the backend and the token (test mode is extra).
pub fn vars(backend: &str) -> Vec<String> {
    vec![format!("ASM_BACKEND:{backend}"), format!("ASM_API_TOKEN:{TOKEN}")]
}

/// How far a stored timestamp may be from this machine's clock (wrangler and the test share it).
const CLOCK_SLACK_SECONDS: i64 = 600;

/// Whether `value` is an ISO-8601 time within [`CLOCK_SLACK_SECONDS`] of now.
fn near_now(value: &Value) -> bool {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    value
        .as_str()
        .and_then(Timestamp::parse_iso8601)
        .is_some_and(|t| (t.as_micros() / 1_000_000 - now).abs() < CLOCK_SLACK_SECONDS)
}

/// Starts a D1 Worker without test mode on a fresh local D1 under `state` and checks it;
/// prints one line per check and answers whether all passed.
pub fn run(state: &Path) -> bool {
    migrate_d1(state);
    let w = Wrangler::start("production", state, &vars("d1"), &[]);
    let http = Http::new(&w.url);
    let mut failures = 0;
    let mut check = |name: &str, ok: bool, detail: String| {
        failures += usize::from(!report("worker-production", name, ok, &detail));
    };
    let bearer = format!("Bearer {TOKEN}");
    let clocked = [("authorization", bearer.as_str()), (TEST_NOW_HEADER, TEST_NOW)];

    // The test clock's header is ignored: the real clock stamps what is stored.
    let body = br#"{"agent_id":"agent-production"}"#;
    let (s, session, headers) = http.exchange("POST", "/v1/sessions", &clocked, Some(body));
    let counted = headers.iter().any(|(k, _)| k == TEST_READINGS_HEADER);
    check(
        "test_clock_header_ignored_for_sessions",
        s == 201 && near_now(&session["created_at"]) && !counted,
        format!("{s} {session} readings header: {counted}"),
    );
    let id = session["id"].as_str().unwrap_or("missing").to_owned();
    let events = format!("/v1/sessions/{id}/events");
    let (s, event, headers) =
        http.exchange("POST", &events, &clocked, Some(br#"{"type":"message_received"}"#));
    let counted = headers.iter().any(|(k, _)| k == TEST_READINGS_HEADER);
    check(
        "test_clock_header_ignored_for_events",
        s == 201 && near_now(&event["timestamp"]) && event["sequence_number"] == 1 && !counted,
        format!("{s} {event} readings header: {counted}"),
    );

    // The reset route does not exist, with or without the token, and wipes nothing.
    let (s1, b1) = http.req("POST", "/v1/_test/reset", Some(TOKEN), None);
    let (s2, b2) = http.req("POST", "/v1/_test/reset", None, None);
    check(
        "test_reset_is_404",
        [s1, s2] == [404, 404] && code(&b1) == "not_found" && code(&b2) == "not_found",
        format!("{s1} {b1} {s2} {b2}"),
    );
    let (s, stored) = http.req("GET", &format!("/v1/sessions/{id}"), Some(TOKEN), None);
    let (g, read) = http.req("GET", &events, Some(TOKEN), None);
    check(
        "test_reset_wiped_nothing",
        s == 200
            && stored == session
            && g == 200
            && read["events"].as_array().map(Vec::len) == Some(1),
        format!("{s} {stored} {g} {read}"),
    );
    // Last, as nothing may follow it on this Worker: the default body limit, counted while a
    // complete chunked body one byte over it is read (the bounds Worker ends with the body that
    // never ends).
    crate::chunked::over_the_limit_is_refused(&w.url, DEFAULT_BODY_LIMIT, &mut check);
    println!("production checks worker-d1: {failures} failed");
    failures == 0
}
