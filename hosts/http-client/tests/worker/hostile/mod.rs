//! Hostile input at the HTTP boundary (docs/reliability.md): hostile requests against the running Worker.
//!
//! Every refused request must get a 4xx with an ASM error body (`{"error": {code, message, …}}`)
//! and leave the stored data exactly as it was: the suite dumps the data through the API (every
//! session's export with runs, events and artifacts, and the health check) before the refused
//! requests and compares after each one. Text carrying SQL, quotes and odd characters must be
//! stored verbatim and match only itself in filters. `main` prints the sum over the backends as
//! `reliability hostile-input-http: N passed, M failed`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

use crate::TOKEN;
use crate::checks::{Http, code};

mod requests;

use requests::{Auth, refused_cases};

/// Text that would do harm if it were ever formatted into SQL.
const SQL: &str = "x'; DROP TABLE asm_events; --";
/// Quotes, a backslash, LIKE wildcards, RTL and zero-width characters, a newline and an emoji.
const ODD: &str = "q\"uo'te\\ %_ \u{202e}rtl\u{200b} line\nbreak 🦀";

/// Percent-encodes one path segment or query value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn session(id: &str, agent: &str) -> Value {
    json!({
        "id": id, "agent_id": agent, "status": "active", "metadata": {"note": ODD, SQL: SQL}, "context": {},
        "tags": [SQL, ODD], "created_at": "2025-01-01T00:00:00.000000Z", "updated_at": "2025-01-01T00:00:00.000000Z"
    })
}

fn event(id: &str, session_id: &str, data: Value) -> Value {
    json!({
        "id": id, "type": "message_received", "session_id": session_id,
        "timestamp": "2025-01-01T00:00:01.000000Z", "schema_version": 1, "data": data
    })
}

fn artifact(key: &str) -> Value {
    json!({
        "session_id": "hx-base", "key": key, "content_type": "text/plain", "byte_size": 3,
        "checksum_sha256": "0".repeat(64), "storage_backend": "r2", "storage_ref": SQL
    })
}

/// JSON nested `depth` levels: `{"a":{"a":…1…}}`.
fn nested(depth: usize) -> String {
    format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

/// Everything stored, as the API shows it: each session's export (runs, events, artifacts) and
/// the health check.
pub fn dump(http: &Http) -> Value {
    let (_, list) = http.req("GET", "/v1/sessions", Some(TOKEN), None);
    let mut exports = Vec::new();
    for s in list["sessions"].as_array().cloned().unwrap_or_default() {
        let id = s["id"].as_str().unwrap_or_default();
        let (status, export) = http.req(
            "GET",
            &format!("/v1/sessions/{}/export?include_artifacts=true", enc(id)),
            Some(TOKEN),
            None,
        );
        exports.push(json!({ "status": status, "export": export }));
    }
    let (_, health) = http.req("GET", "/v1/maintenance/health", Some(TOKEN), None);
    json!({ "sessions": list, "exports": exports, "health": health })
}

/// One raw HTTP/1.1 exchange (for bytes no URL type accepts): (status, body text).
fn raw(base: &str, request_line: &[u8]) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let attempt = || -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut request = request_line.to_vec();
        request.extend_from_slice(
            format!(
                "\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        );
        stream.write_all(&request)?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
        Ok((status, body))
    };
    attempt().unwrap_or((0, String::new()))
}

/// Runs the suite against the Worker at `w_url` whose body limit is `body_limit` bytes; returns
/// (passed, failed).
pub fn run(w_url: &str, backend: &str, body_limit: usize) -> (usize, usize) {
    let http = Http::new(w_url);
    let mut results: Vec<(String, Result<(), String>)> = Vec::new();
    let mut check =
        |name: &str, outcome: Result<(), String>| results.push((name.to_owned(), outcome));

    // The data the refused requests must leave alone.
    let (s0, _) = http.req("POST", "/v1/_test/reset", Some(TOKEN), None);
    let base = session("hx-base", "agent-base").to_string();
    let (s1, _) = http.req("PUT", "/v1/sessions/hx-base", Some(TOKEN), Some(base.as_bytes()));
    let events = json!([
        event("hx-e1", "hx-base", json!({"content": ODD})),
        event("hx-e2", "hx-base", json!({SQL: SQL}))
    ]);
    let (s2, _) =
        http.req("POST", "/v1/events/batch", Some(TOKEN), Some(events.to_string().as_bytes()));
    let (s3, _) = http.req(
        "POST",
        "/v1/artifacts",
        Some(TOKEN),
        Some(artifact("hx-key").to_string().as_bytes()),
    );
    check(
        "seeded",
        if [s0, s1, s2, s3] == [204, 200, 200, 201] {
            Ok(())
        } else {
            Err(format!("{s0} {s1} {s2} {s3}"))
        },
    );
    let before = dump(&http);

    for case in refused_cases(body_limit + 1) {
        let body = (!case.body.is_empty()).then_some(case.body.as_slice());
        let (status, answer) = match case.auth {
            Auth::Token => http.req(case.method, &case.path, Some(TOKEN), body),
            Auth::Header(h) => http.send(case.method, &case.path, Some(h), body),
            Auth::None => http.send(case.method, &case.path, None, body),
        };
        let message = answer["error"]["message"].as_str().unwrap_or("");
        let outcome = if status != case.status || code(&answer) != case.code || message.is_empty() {
            Err(format!("want {} {}, got {status} {}", case.status, case.code, shorten(&answer)))
        } else if dump(&http) != before {
            Err("the stored data changed".to_owned())
        } else {
            Ok(())
        };
        check(case.name, outcome);
    }

    // Raw bytes that are not UTF-8 in the request line: the runtime hands the Worker the URL
    // with U+FFFD in their place, so they are looked up as that text and match nothing.
    let (status, answer) = raw(w_url, b"GET /v1/sessions/\xff\xfe HTTP/1.1");
    let answer: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
    check(
        "invalid_utf8_raw_bytes_in_path",
        if status == 404 && code(&answer) == "session_not_found" {
            Ok(())
        } else {
            Err(format!("{status} {}", shorten(&answer)))
        },
    );
    let (status, answer) = raw(w_url, b"GET /v1/sessions?agent_id=\xff HTTP/1.1");
    let answer: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
    check(
        "invalid_utf8_raw_bytes_in_query",
        if status == 200 && answer["sessions"] == json!([]) {
            Ok(())
        } else {
            Err(format!("{status} {}", shorten(&answer)))
        },
    );
    check(
        "raw_requests_changed_nothing",
        if dump(&http) == before { Ok(()) } else { Err("the stored data changed".to_owned()) },
    );

    // Text carrying SQL is stored verbatim and matches only itself.
    for (name, id) in [
        ("sql_in_session_id_stored_verbatim", SQL),
        ("odd_text_in_session_id_stored_verbatim", ODD),
    ] {
        let body = session(id, SQL).to_string();
        let path = format!("/v1/sessions/{}", enc(id));
        let (s, _) = http.req("PUT", &path, Some(TOKEN), Some(body.as_bytes()));
        let (g, got) = http.req("GET", &path, Some(TOKEN), None);
        let want = serde_json::from_str::<Value>(&body).unwrap_or_default();
        let same = ["id", "agent_id", "metadata", "tags"].iter().all(|k| got[k] == want[k]);
        check(
            name,
            if s == 200 && g == 200 && same {
                Ok(())
            } else {
                Err(format!("{s} {g} {}", shorten(&got)))
            },
        );
    }
    let sql_event = event(SQL, SQL, json!({ SQL: SQL, "odd": ODD }));
    let (s, stored) =
        http.req("POST", "/v1/events", Some(TOKEN), Some(sql_event.to_string().as_bytes()));
    let (g, read) =
        http.req("GET", &format!("/v1/sessions/{}/events", enc(SQL)), Some(TOKEN), None);
    check(
        "sql_in_event_id_and_data_stored_verbatim",
        if s == 200
            && stored["id"] == SQL
            && g == 200
            && read["events"][0]["data"] == sql_event["data"]
            && read["events"][0]["id"] == SQL
        {
            Ok(())
        } else {
            Err(format!("{s} {g} {}", shorten(&read)))
        },
    );
    let agent = |agent: &str| format!("/v1/sessions?agent_id={}", enc(agent));
    check(
        "sql_in_query_filter_matches_only_itself",
        listed(&http, "GET", &agent("x' OR '1'='1"), None, "sessions", 0),
    );
    check(
        "sql_agent_id_filter_finds_the_verbatim_rows",
        listed(&http, "GET", &agent(SQL), None, "sessions", 2),
    );
    let search = |path: &str, body: Value, key: &str, want: usize| {
        listed(&http, "POST", path, Some(body), key, want)
    };
    check(
        "sql_in_search_filter_matches_only_itself",
        search("/v1/search/events", json!({"session_ids": ["' OR 1=1 --"]}), "events", 0),
    );
    check(
        "sql_in_search_session_ids_finds_the_verbatim_row",
        search("/v1/search/events", json!({"session_ids": [SQL]}), "events", 1),
    );
    check(
        "sql_in_search_agent_id_finds_the_verbatim_rows",
        search("/v1/search/sessions", json!({"agent_id": SQL}), "sessions", 2),
    );
    check(
        "sql_in_search_agent_id_matches_only_itself",
        search("/v1/search/sessions", json!({"agent_id": "' OR ''='"}), "sessions", 0),
    );
    let (s, got) =
        http.req("GET", &format!("/v1/artifacts/{}", enc("' OR 1=1 --")), Some(TOKEN), None);
    check(
        "sql_in_artifact_key_finds_nothing",
        if s == 404 && code(&got) == "not_found" {
            Ok(())
        } else {
            Err(format!("{s} {}", shorten(&got)))
        },
    );
    let after = dump(&http);
    let base_export = |d: &Value| {
        d["exports"]
            .as_array()
            .and_then(|e| e.iter().find(|x| x["export"]["session"]["id"] == "hx-base").cloned())
    };
    check(
        "tables_intact_after_sql_text",
        if base_export(&after).is_some()
            && base_export(&after) == base_export(&before)
            && after["health"]["healthy"] == true
        {
            Ok(())
        } else {
            Err(format!("health {}", after["health"]))
        },
    );

    let failed: Vec<&(String, Result<(), String>)> =
        results.iter().filter(|(_, r)| r.is_err()).collect();
    for (name, outcome) in &failed {
        println!(
            "  FAIL hostile-input-http worker-{backend} {name}: {}",
            outcome.as_ref().err().map_or("", String::as_str)
        );
    }
    println!(
        "hostile-input-http worker-{backend}: {} passed, {} failed",
        results.len() - failed.len(),
        failed.len()
    );
    (results.len() - failed.len(), failed.len())
}

/// A read answering 200 with `want` items under `key`.
fn listed(
    http: &Http,
    method: &str,
    path: &str,
    body: Option<Value>,
    key: &str,
    want: usize,
) -> Result<(), String> {
    let body = body.map(|b| b.to_string());
    let (status, got) = http.req(method, path, Some(TOKEN), body.as_deref().map(str::as_bytes));
    let n = got[key].as_array().map_or(usize::MAX, Vec::len);
    if status == 200 && n == want {
        Ok(())
    } else {
        Err(format!("{status}, {n} {key}, want {want}: {}", shorten(&got)))
    }
}

/// An answer cut to a readable length for failure messages.
fn shorten(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 300 { format!("{}…", &s[..s.floor_char_boundary(300)]) } else { s }
}
