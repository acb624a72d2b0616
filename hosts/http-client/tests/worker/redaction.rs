//! Redaction on the Worker (`ASM_REDACTION`): with it on, the secrets in a tool call's arguments
//! never reach the database on any write route (`POST /v1/events`, `POST
//! /v1/sessions/{id}/events`, `POST /v1/events/batch`, `POST /v1/flush`), each write answers the
//! number replaced in `x-asm-redactions` and logs `{"asm_redaction": …}`; with it off (the
//! conformance Workers) they are stored as sent, with neither. The stored rows are read through
//! the API and straight from the database: the local D1's SQLite file, PostgreSQL on
//! `DATABASE_URL`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::TOKEN;
use crate::checks::Http;
use crate::wrangler::{Wrangler, open_d1};

/// The secrets every tool call carries: an Anthropic key, an AWS access key id, a bearer token.
const SECRETS: [&str; 3] = [
    "sk-ant-api03-Zq8xV2mN4pL7rT1yW6cB9dF3",
    "AKIAIOSFODNN7EXAMPLE",
    "Bearer abcdefghijklmnopqrstuvwxyz0123456789",
];

/// Matches in one tool call: one per secret.
const PER_EVENT: usize = 3;

/// The session every check writes to.
const SID: &str = "ses_redaction";

/// Where the raw rows are read from.
pub enum Raw {
    /// The local D1 kept under this `--persist-to` directory.
    D1(PathBuf),
    /// The PostgreSQL server of `DATABASE_URL` (the Hyperdrive Worker's database).
    Postgres,
}

/// The `{"replacement": …}` config the D1 Worker gets (categorized: `[REDACTED:<category>]`).
pub const D1_CONFIG: &str = r#"ASM_REDACTION:{"replacement":"categorized"}"#;
/// The Hyperdrive Worker's config: the defaults, switched on.
pub const PG_CONFIG: &str = r#"ASM_REDACTION:{"enabled":true}"#;

fn tool_input() -> Value {
    json!({
        "url": "https://api.example.com/v1/items",
        "headers": {"Authorization": SECRETS[2]},
        "aws_key": SECRETS[1],
        "note": format!("retry with {} if it fails", SECRETS[0]),
    })
}

fn tool_call(id: &str) -> Value {
    json!({"id": id, "type": "tool_call_started", "session_id": SID,
           "timestamp": "2025-01-27T12:00:00Z", "schema_version": 1,
           "data": {"tool_name": "http_get", "tool_input": tool_input()}, "metadata": {}})
}

fn plain(id: &str) -> Value {
    json!({"id": id, "type": "message_received", "session_id": SID,
           "timestamp": "2025-01-27T12:00:00Z", "schema_version": 1,
           "data": {"content": "hello, nothing to hide"}, "metadata": {}})
}

fn session() -> Value {
    json!({"id": SID, "agent_id": "agent", "status": "active",
           "created_at": "2025-01-27T12:00:00Z", "updated_at": "2025-01-27T12:00:00Z"})
}

fn run_entity() -> Value {
    json!({"id": "run_redaction", "session_id": SID, "status": "completed", "input": {},
           "output": {}, "metadata": {}, "turn_count": 1, "token_usage": {},
           "started_at": "2025-01-27T12:00:00Z", "ended_at": "2025-01-27T12:00:01Z"})
}

/// Which secrets appear in `text`.
fn secrets_in(text: &str) -> usize {
    SECRETS.iter().filter(|s| text.contains(*s)).count()
}

/// `(id, data)` of the session's stored events, read from the database without the Worker.
fn raw_rows(raw: &Raw) -> Result<Vec<(String, String)>, String> {
    match raw {
        Raw::D1(state) => d1_rows(state),
        Raw::Postgres => pg_rows(),
    }
}

fn d1_rows(state: &Path) -> Result<Vec<(String, String)>, String> {
    let db = open_d1(state)?;
    let mut stmt = db
        .prepare("SELECT id, data FROM asm_events WHERE session_id = ?1")
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([SID], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(|e| e.to_string())?
        .collect::<Result<Vec<(String, String)>, _>>()
        .map_err(|e| e.to_string())?;
    Ok(rows)
}

fn pg_rows() -> Result<Vec<(String, String)>, String> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set".to_owned())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .map_err(|e| e.to_string())?;
        let connection = tokio::spawn(connection);
        let rows = client
            .query("SELECT id::text, data::text FROM asm_events WHERE session_id = $1", &[&SID])
            .await
            .map_err(|e| e.to_string())?;
        drop(client);
        let _ = connection.await;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    })
}

/// Runs the checks against `w` (redaction on or off); (passed, failed).
pub fn run(w: &Wrangler, backend: &str, on: bool, raw: &Raw) -> (usize, usize) {
    let http = Http::new(&w.url);
    let label = format!("{backend} redaction {}", if on { "on" } else { "off" });
    let (mut passed, mut failed) = (0, 0);
    let mut check = |name: &str, ok: bool, detail: String| {
        if ok {
            passed += 1;
        } else {
            failed += 1;
            println!("FAIL redaction: {label}: {name}: {detail}");
        }
    };
    let auth = format!("Bearer {TOKEN}");
    let send = |method: &str, path: &str, body: Option<&Value>| {
        let body = body.map(|b| serde_json::to_vec(b).expect("json"));
        let headers = [("authorization", auth.as_str()), ("content-type", "application/json")];
        let (status, answer, headers) = http.exchange(method, path, &headers, body.as_deref());
        let count =
            headers.iter().find(|(k, _)| k == "x-asm-redactions").map(|(_, v)| v.to_owned());
        (status, answer, count)
    };
    let header = |events: usize| on.then(|| (events * PER_EVENT).to_string());

    let (status, _, _) = send("POST", "/v1/_test/reset", None);
    check("reset", status == 204, status.to_string());
    let (status, _, _) = send("PUT", &format!("/v1/sessions/{SID}"), Some(&session()));
    check("save the session", status == 200, status.to_string());

    let writes: [(&str, &str, String, Value, usize); 4] = [
        ("append_event", "POST", "/v1/events".into(), tool_call("evt_red_1"), 1),
        (
            "create_event",
            "POST",
            format!("/v1/sessions/{SID}/events"),
            json!({"type": "tool_call_started",
                   "data": {"tool_name": "http_get", "tool_input": tool_input()}}),
            1,
        ),
        (
            "append_events",
            "POST",
            "/v1/events/batch".into(),
            json!({"events": [tool_call("evt_red_3"), plain("evt_plain"), tool_call("evt_red_4")]}),
            2,
        ),
        (
            "flush",
            "POST",
            "/v1/flush".into(),
            json!({"session": session(), "run": run_entity(),
                   "events": [tool_call("evt_red_5"), tool_call("evt_red_6")]}),
            2,
        ),
    ];
    for (op, method, path, body, tool_calls) in &writes {
        let (status, answer, count) = send(method, path, Some(body));
        check(&format!("{op} answers"), (200..300).contains(&status), format!("{status} {answer}"));
        let want = header(*tool_calls);
        check(&format!("{op}: x-asm-redactions"), count == want, format!("{count:?} != {want:?}"));
        // What a write answers is what it stored.
        let text = answer.to_string();
        let leaked = secrets_in(&text);
        let want = if on || answer.is_null() { 0 } else { SECRETS.len() };
        check(&format!("{op}: the answer holds {want} secrets"), leaked == want, text);
    }
    let (status, _, count) = send("GET", &format!("/v1/sessions/{SID}/events?limit=100"), None);
    check("a read has no x-asm-redactions", status == 200 && count.is_none(), format!("{count:?}"));

    // Through the API: every event as stored.
    let (_, page, _) = send("GET", &format!("/v1/sessions/{SID}/events?limit=100"), None);
    let events = page["events"].as_array().cloned().unwrap_or_default();
    check("the API lists 7 events", events.len() == 7, page.to_string());
    for event in &events {
        let id = event["id"].as_str().unwrap_or_default();
        let data = &event["data"];
        let tool = event["type"] == "tool_call_started";
        let want = if tool && !on { SECRETS.len() } else { 0 };
        let text = data.to_string();
        check(&format!("API {id}: {want} secrets"), secrets_in(&text) == want, text.clone());
        if tool {
            let kept = data["tool_name"] == "http_get"
                && data["tool_input"]["url"] == "https://api.example.com/v1/items";
            check(&format!("API {id}: other fields kept"), kept, text.clone());
            let replaced =
                data["tool_input"]["aws_key"].as_str().is_some_and(|s| s.starts_with("[REDACTED"));
            check(&format!("API {id}: replaced = {on}"), replaced == on, text);
        }
    }

    // Straight from the database.
    match raw_rows(raw) {
        Ok(rows) => {
            check("the database holds 7 rows", rows.len() == 7, format!("{rows:?}"));
            for (id, data) in rows {
                let want = if on || id == "evt_plain" { 0 } else { SECRETS.len() };
                check(&format!("raw {id}: {want} secrets"), secrets_in(&data) == want, data);
            }
        }
        Err(e) => check("read the database", false, e),
    }

    // The log: one line per redacting write (the batch's two events in one line), none when off.
    // wrangler writes a Worker's console lines to its log a little after the answer: wait for
    // the four lines (up to 5 s) before judging them.
    let wanted = if on { 4 } else { 0 };
    let mut log = w.log_text();
    for _ in 0..50 {
        if log.matches(r#""asm_redaction""#).count() >= wanted {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        log = w.log_text();
    }
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(r#""asm_redaction""#)).collect();
    if on {
        let of_session = lines.iter().filter(|l| l.contains(&format!(r#""session_id":"{SID}""#)));
        let counts: Vec<bool> =
            of_session.map(|l| l.contains(r#""count":3"#) || l.contains(r#""count":6"#)).collect();
        check(
            "one asm_redaction line per write, with its count",
            counts.len() == 4 && counts.iter().all(|ok| *ok),
            lines.join("\n"),
        );
        let no_secret = lines.iter().all(|l| secrets_in(l) == 0);
        check("the log lines hold no secret", no_secret, lines.join("\n"));
    } else {
        check("no asm_redaction line", lines.is_empty(), lines.join("\n"));
    }
    (passed, failed)
}
