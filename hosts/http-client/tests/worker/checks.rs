//! HTTP-level checks on a running Worker: auth, error mapping, the creating routes
//! (`creating.rs`), body limits (with chunked bodies, `chunked.rs`), the test clock, the cron run.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::TOKEN;
use crate::wrangler::{Wrangler, bounded_agent};

/// Raw requests to the Worker: any method, path, header and body bytes.
pub struct Http {
    agent: ureq::Agent,
    base: String,
}

impl Http {
    /// A client of the Worker at `base`.
    pub fn new(base: &str) -> Http {
        Http { agent: bounded_agent(), base: base.to_owned() }
    }

    /// (status, JSON body or Null) of one request; `token` None sends no Authorization header.
    pub fn req(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&[u8]>,
    ) -> (u16, Value) {
        self.send(method, path, token.map(|t| format!("Bearer {t}")).as_deref(), body)
    }

    /// As [`Http::req`], with the whole Authorization header value (`None`: no header).
    pub fn send(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        body: Option<&[u8]>,
    ) -> (u16, Value) {
        let headers: Vec<(&str, &str)> =
            authorization.map(|a| ("authorization", a)).into_iter().collect();
        let (status, body, _) = self.exchange(method, path, &headers, body);
        (status, body)
    }

    /// One request with any headers: (status, JSON body or Null, the answer's headers with
    /// lower-case names); status 0 when no answer came within [`crate::wrangler::REQUEST_TIMEOUT`].
    pub fn exchange(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> (u16, Value, Vec<(String, String)>) {
        let url = format!("{}{path}", self.base);
        let mut b = ureq::http::Request::builder().method(method).uri(&url);
        for (name, value) in headers {
            b = b.header(*name, *value);
        }
        let request = b.body(body.map(<[u8]>::to_vec).unwrap_or_default()).expect("request");
        let mut response = match self.agent.run(request) {
            Ok(response) => response,
            Err(e) => {
                println!("  no answer to {method} {path}: {e}");
                return (0, Value::Null, Vec::new());
            }
        };
        let status = response.status().as_u16();
        let answer_headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_ascii_lowercase(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null), answer_headers)
    }
}

/// The request header that sets the test clock's first reading (honoured in test mode only).
pub const TEST_NOW_HEADER: &str = "x-asm-test-now";
/// The answer header with the number of test-clock readings (test mode only).
pub const TEST_READINGS_HEADER: &str = "x-asm-test-clock-readings";
/// A time no real clock shows any more.
pub const TEST_NOW: &str = "2001-02-03T04:05:06.000000Z";

/// The ASM error code of an error answer ("" when there is none).
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

fn session(id: &str, status: &str, updated_at: &str) -> Value {
    json!({
        "id": id, "agent_id": "agent-1", "status": status, "parent_session_id": null,
        "metadata": {}, "context": {}, "tags": [],
        "created_at": "2020-01-01T00:00:00.000000Z", "updated_at": updated_at, "deleted_at": null
    })
}

/// Prints one check's line, `  ok   <host> <name>` or `  FAIL <host> <name>: <detail>`, and
/// answers `ok`.
pub fn report(host: &str, name: &str, ok: bool, detail: &str) -> bool {
    if ok {
        println!("  ok   {host} {name}");
    } else {
        println!("  FAIL {host} {name}: {detail}");
    }
    ok
}

/// Runs every check against the Worker whose body limit is `limit`, printing one line each;
/// false when any failed.
pub fn run_all_checks(w: &Wrangler, backend: &str, limit: usize) -> bool {
    let http = Http::new(&w.url);
    let mut failures = Vec::new();
    let host = format!("worker-{backend}");
    let mut check = |name: &str, ok: bool, detail: String| {
        if !report(&host, name, ok, &detail) {
            failures.push(name.to_owned());
        }
    };
    let (s, _) = http.req("POST", "/v1/_test/reset", Some(TOKEN), None);
    check("reset", s == 204, format!("status {s}"));

    // Auth: no token and a wrong token are refused before anything is read or written.
    let body = session("s-auth", "pending", "2025-01-01T00:00:00.000000Z").to_string();
    let (s1, b1) = http.req("PUT", "/v1/sessions/s-auth", None, Some(body.as_bytes()));
    let (s2, b2) =
        http.req("PUT", "/v1/sessions/s-auth", Some("wrong-token"), Some(body.as_bytes()));
    let (s3, _) = http.req("GET", "/v1/sessions/s-auth", Some("test-token-0123456789abcdeF"), None);
    let (s4, _) = http.req("POST", "/v1/_test/reset", None, None);
    check(
        "auth_401_without_and_with_wrong_token",
        [s1, s2, s3, s4] == [401; 4],
        format!("{s1} {s2} {s3} {s4} {b1} {b2}"),
    );
    let (s, b) = http.req("GET", "/v1/sessions", Some(TOKEN), None);
    check(
        "auth_refused_requests_wrote_nothing",
        s == 200 && b["sessions"] == json!([]),
        format!("{s} {b}"),
    );
    let (s, _) = http.req("GET", "/v1/health", None, None);
    check("health_is_open", s == 200, format!("{s}"));
    let (s, b) = http.req("GET", "/v1/openapi.json", Some(TOKEN), None);
    check("openapi_served", s == 200 && b["openapi"] == "3.1.0", format!("{s}"));

    // Error mapping.
    let (s, b) = http.req("GET", "/v1/sessions/nope", Some(TOKEN), None);
    check(
        "error_404_session_not_found",
        s == 404 && code(&b) == "session_not_found",
        format!("{s} {b}"),
    );
    let (s, b) = http.req("PUT", "/v1/sessions/x", Some(TOKEN), Some(b"{\"id\":\"x\"}"));
    check(
        "error_400_validation",
        s == 400 && code(&b) == "validation_error" && b["error"]["details"].is_object(),
        format!("{s} {b}"),
    );
    let (s, b) = http.req("POST", "/v1/search/sessions", Some(TOKEN), Some(b"{not json"));
    check("error_400_bad_json", s == 400 && code(&b) == "validation_error", format!("{s} {b}"));
    let (s, b) =
        http.req("POST", "/v1/search/sessions", Some(TOKEN), Some(b"{\"cursor\":\"garbage\"}"));
    check("error_400_invalid_cursor", s == 400 && code(&b) == "invalid_cursor", format!("{s} {b}"));
    let (s, b) = http.req("GET", "/v1/nope", Some(TOKEN), None);
    check("error_404_no_route", s == 404 && code(&b) == "not_found", format!("{s} {b}"));
    let (s, b) = http.req("PATCH", "/v1/sessions/x", Some(TOKEN), None);
    check("error_405_method", s == 405, format!("{s} {b}"));
    let (s, b) = http.req("GET", "/v1/artifacts/missing", Some(TOKEN), None);
    check("error_404_artifact", s == 404 && code(&b) == "not_found", format!("{s} {b}"));

    // The creating routes, and the test clock they read in test mode.
    crate::creating::run(&http, &mut check);
    let (s, b, headers) = http.exchange(
        "POST",
        "/v1/sessions",
        &[("authorization", &format!("Bearer {TOKEN}")), (TEST_NOW_HEADER, TEST_NOW)],
        Some(br#"{"agent_id":"agent-clocked"}"#),
    );
    let readings = headers.iter().find(|(k, _)| k == TEST_READINGS_HEADER);
    check(
        "test_mode_reads_the_test_clock_header",
        s == 201 && b["created_at"] == TEST_NOW && readings.is_some_and(|(_, n)| n == "1"),
        format!("{s} {b} {readings:?}"),
    );

    // Body limits: the API's limit (1 MiB by default) and, on D1, the 2 MB row limit.
    let big = |n: usize| {
        let mut s = session("s-big", "pending", "2025-01-01T00:00:00.000000Z");
        s["metadata"] = json!({ "blob": "x".repeat(n) });
        s.to_string().into_bytes()
    };
    if backend == "d1" {
        let (s, b) = http.req("PUT", "/v1/sessions/s-big", Some(TOKEN), Some(&big(2_100_000)));
        check(
            "d1_row_limit_413",
            s == 413 && b["error"]["message"].as_str().unwrap_or("").contains("D1"),
            format!("{s} {b}"),
        );
        let (s, _) = http.req("PUT", "/v1/sessions/s-big", Some(TOKEN), Some(&big(1_500_000)));
        check("d1_large_row_under_limit_stored", s == 200, format!("{s}"));
    } else {
        let (s, b) = http.req("PUT", "/v1/sessions/s-big", Some(TOKEN), Some(&big(1_100_000)));
        check(
            "body_limit_413",
            s == 413 && b["error"]["details"]["reason"] == "payload_too_large",
            format!("{s} {b}"),
        );
        let (s, _) = http.req("GET", "/v1/sessions/s-big", Some(TOKEN), None);
        check("body_limit_wrote_nothing", s == 404, format!("{s}"));
    }

    // Cron: /__scheduled runs Maintenance with ASM_RETENTION_POLICY (completed sessions older
    // than 90 days are soft-deleted) and logs the report.
    let old = session("s-old", "completed", "2020-01-01T00:00:00.000000Z").to_string();
    let (s, _) = http.req("PUT", "/v1/sessions/s-old", Some(TOKEN), Some(old.as_bytes()));
    let fresh = session("s-new", "completed", "2099-01-01T00:00:00.000000Z").to_string();
    let (s2, _) = http.req("PUT", "/v1/sessions/s-new", Some(TOKEN), Some(fresh.as_bytes()));
    let (s3, _) = http.req("GET", "/__scheduled?cron=17+3+*+*+*", None, None);
    let (_, old_after) = http.req("GET", "/v1/sessions/s-old", Some(TOKEN), None);
    let (_, new_after) = http.req("GET", "/v1/sessions/s-new", Some(TOKEN), None);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut logged = false;
    while !logged && Instant::now() < deadline {
        logged = w.log_text().contains("asm maintenance (17 3 * * *): {");
        std::thread::sleep(Duration::from_millis(200));
    }
    check(
        "cron_maintenance_soft_deletes_and_logs",
        s == 200
            && s2 == 200
            && s3 == 200
            && old_after["deleted_at"].is_string()
            && new_after["deleted_at"].is_null()
            && logged,
        format!("{s} {s2} {s3} old={old_after} new={new_after} logged={logged}"),
    );
    crate::chunked::run(&w.url, backend, limit, &mut check);
    println!("http checks worker-{backend}: {} failed", failures.len());
    failures.is_empty()
}
