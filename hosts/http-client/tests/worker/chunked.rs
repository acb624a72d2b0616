//! Bodies without a `Content-Length` (`Transfer-Encoding: chunked`) over a raw connection: the
//! Worker counts them while reading. One byte past the limit is 413 (`validation_error`, reason
//! `payload_too_large`); a body at the limit gets through; and a body that passes the limit is
//! answered before the client has finished sending it, which only a Worker that stops reading at
//! the limit can do (one that buffers the whole body would wait for the end forever): that check
//! runs last, on the production Worker (see [`unfinished_body_is_answered`]).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

use crate::TOKEN;
use crate::checks::{Http, code};
use crate::creating::Check;

/// D1's row limit (the Worker's `D1_MAX_ROW_BYTES`), which applies after the body limit.
const D1_MAX_ROW_BYTES: usize = 2_000_000;
/// The size of each chunk the client sends.
const CHUNK: usize = 64 * 1024;

/// A session body of exactly `size` bytes (padded in its metadata).
fn session_of_size(id: &str, size: usize) -> Vec<u8> {
    let shell = |pad: &str| {
        json!({
            "id": id, "agent_id": "agent-chunked", "status": "pending", "metadata": {"pad": pad},
            "created_at": "2025-01-01T00:00:00.000000Z", "updated_at": "2025-01-01T00:00:00.000000Z"
        })
        .to_string()
    };
    let empty = shell("").len();
    assert!(size >= empty, "a session body needs {empty} bytes");
    let body = shell(&"x".repeat(size - empty)).into_bytes();
    assert_eq!(body.len(), size);
    body
}

/// Sends `PUT /v1/sessions/{id}` with `body` in chunks and no Content-Length; the terminating
/// chunk only when `finish`. Answers (status, JSON body); (0, Null) when no answer came within
/// 60 s.
fn put_chunked(base: &str, id: &str, body: &[u8], finish: bool) -> (u16, Value) {
    let addr = base.trim_start_matches("http://");
    let Ok(mut stream) = TcpStream::connect(addr) else { return (0, Value::Null) };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let head = format!(
        "PUT /v1/sessions/{id} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    // A Worker that answers early stops reading: a failed write is expected then, not an error.
    let _ = (|| -> std::io::Result<()> {
        stream.write_all(head.as_bytes())?;
        for chunk in body.chunks(CHUNK) {
            stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())?;
            stream.write_all(chunk)?;
            stream.write_all(b"\r\n")?;
        }
        if finish {
            stream.write_all(b"0\r\n\r\n")?;
        }
        stream.flush()
    })();
    read_answer(&mut stream)
}

/// Reads one HTTP/1.1 answer (Content-Length or chunked), without waiting for the connection to
/// close: the request body may still be open.
fn read_answer(stream: &mut TcpStream) -> (u16, Value) {
    let mut got = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if let Some((status, body)) = parse_answer(&got) {
            return (status, serde_json::from_slice(&body).unwrap_or(Value::Null));
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return (0, Value::Null),
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// The status and body once `raw` holds a whole answer.
fn parse_answer(raw: &[u8]) -> Option<(u16, Vec<u8>)> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let rest = &raw[end + 4..];
    let header =
        |name: &str| head.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned()));
    if let Some(len) = header("content-length:").and_then(|v| v.parse::<usize>().ok()) {
        return (rest.len() >= len).then(|| (status, rest[..len].to_vec()));
    }
    if header("transfer-encoding:").is_some_and(|v| v.contains("chunked")) {
        let mut body = Vec::new();
        let mut at = 0;
        loop {
            let line_end = at + rest[at..].windows(2).position(|w| w == b"\r\n")?;
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[at..line_end]).ok()?, 16).ok()?;
            if size == 0 {
                return Some((status, body));
            }
            let data = line_end + 2;
            body.extend_from_slice(rest.get(data..data + size)?);
            at = data + size + 2;
        }
    }
    None
}

fn is_payload_too_large(status: u16, b: &Value, limit: usize) -> bool {
    status == 413
        && code(b) == "validation_error"
        && b["error"]["details"]["reason"] == "payload_too_large"
        && b["error"]["details"]["limit_bytes"] == limit
}

/// Runs the checks against the Worker at `base`, whose body limit is `limit` bytes.
pub fn run(base: &str, backend: &str, limit: usize, check: Check<'_>) {
    let http = Http::new(base);
    let small = session_of_size("s-chunked", 300);
    let (s, b) = put_chunked(base, "s-chunked", &small, true);
    let (g, stored) = http.req("GET", "/v1/sessions/s-chunked", Some(TOKEN), None);
    check(
        "chunked_body_under_the_limit_is_stored",
        s == 200 && g == 200 && stored["agent_id"] == "agent-chunked",
        format!("{s} {b} {g} {stored}"),
    );

    // Exactly the limit passes the body limit; on D1 the row limit (below it) then refuses.
    let (s, b) = put_chunked(base, "s-chunked-at", &session_of_size("s-chunked-at", limit), true);
    let want_through = if backend == "d1" {
        limit > D1_MAX_ROW_BYTES && is_payload_too_large(s, &b, D1_MAX_ROW_BYTES)
    } else {
        s == 200
    };
    check("chunked_body_at_the_limit_gets_through", want_through, format!("{s} {b}"));
    let (g, _) = http.req("GET", "/v1/sessions/s-chunked-at", Some(TOKEN), None);
    let want = if backend == "d1" { 404 } else { 200 };
    check(
        "chunked_body_at_the_limit_stored_or_refused_whole",
        g == want,
        format!("{g}, want {want}"),
    );
}

/// A complete chunked body one byte over the limit is 413. Last on its Worker: after a body
/// refused mid-stream, wrangler 4.86's Miniflare sometimes holds that Worker's next request or
/// answers it with its own 503 (docs/toolchain.md §4), so nothing may follow it. Nothing is
/// stored: the refusal comes before the store is built.
pub fn over_the_limit_is_refused(base: &str, limit: usize, check: Check<'_>) {
    let over = session_of_size("s-chunked-over", limit + 1);
    let (s, b) = put_chunked(base, "s-chunked-over", &over, true);
    check(
        "chunked_body_one_byte_over_the_limit_413",
        is_payload_too_large(s, &b, limit),
        format!("{s} {b}"),
    );
}

/// A body past the limit that the client never finishes is answered at once: the Worker stops
/// reading at the limit and cancels the rest. Run it last on a Worker: after the client then
/// drops the half-sent request, Miniflare (wrangler 4.86) holds the next request to that Worker
/// until its client gives up, so nothing may follow it.
pub fn unfinished_body_is_answered(base: &str, limit: usize, check: Check<'_>) {
    let endless = session_of_size("s-chunked-open", limit + 4 * CHUNK);
    let started = std::time::Instant::now();
    let (s, b) = put_chunked(base, "s-chunked-open", &endless, false);
    check(
        "chunked_body_past_the_limit_answered_before_it_ends",
        is_payload_too_large(s, &b, limit),
        format!("{s} {b} after {:.1} s", started.elapsed().as_secs_f64()),
    );
}
