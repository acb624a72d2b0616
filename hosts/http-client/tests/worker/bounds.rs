//! Bounded work per request on a Worker with the default limits (`Limits::EDGE`): default and
//! maximum pages, events per call, statements per batch (each refusal a 400 naming the limit,
//! with nothing written), and a large session exported as a stream, with the runtime's memory
//! measured while it streams.

use std::time::Duration;

use serde_json::{Value, json};

use crate::TOKEN;
use crate::checks::{Http, code};
use crate::hostile::dump;
use crate::wrangler::Wrangler;

fn event(id: &str, session_id: &str, data: Value) -> Value {
    json!({"id": id, "type": "message_received", "session_id": session_id,
           "timestamp": "2025-01-27T12:00:00Z", "schema_version": 1, "data": data})
}

fn session(id: &str) -> Value {
    json!({"id": id, "agent_id": "agent", "status": "active", "created_at": "2025-01-27T12:00:00Z",
           "updated_at": "2025-01-27T12:00:00Z"})
}

fn post(http: &Http, path: &str, body: &Value) -> (u16, Value) {
    http.req("POST", path, Some(TOKEN), Some(&serde_json::to_vec(body).expect("json")))
}

/// Runs the suite; (passed, failed).
pub fn run(w: &Wrangler) -> (usize, usize) {
    let http = Http::new(&w.url);
    let (mut passed, mut failed) = (0, 0);
    let mut check = |name: &str, ok: bool, detail: String| {
        if ok {
            passed += 1;
        } else {
            failed += 1;
            println!("FAIL bounds: {name}: {detail}");
        }
    };
    assert_eq!(http.req("POST", "/v1/_test/reset", Some(TOKEN), None).0, 204, "reset");
    let put = |id: &str| {
        let body = serde_json::to_vec(&session(id)).expect("json");
        http.req("PUT", &format!("/v1/sessions/{id}"), Some(TOKEN), Some(&body))
    };
    assert_eq!(put("s").0, 200);
    let batch: Vec<Value> =
        (0..150).map(|i| event(&format!("e{i}"), "s", json!({"i": i}))).collect();
    let (status, answer) = post(&http, "/v1/events/batch", &json!({ "events": batch }));
    check("150 events in one call", status == 200, format!("{status} {answer}"));

    let (status, page) = http.req("GET", "/v1/sessions/s/events", Some(TOKEN), None);
    let n = page["events"].as_array().map_or(0, Vec::len);
    check(
        "a list without limit answers the default page",
        status == 200 && n == 100,
        format!("{status}, {n} events"),
    );
    let (status, page) = http.req("GET", "/v1/sessions/s/events?limit=1000", Some(TOKEN), None);
    let n = page["events"].as_array().map_or(0, Vec::len);
    check("limit=1000 is the maximum", status == 200 && n == 150, format!("{status}, {n} events"));
    for path in [
        "/v1/sessions/s/events?limit=1001",
        "/v1/sessions?limit=5000",
        "/v1/sessions/s/runs?limit=1001",
    ] {
        let (status, answer) = http.req("GET", path, Some(TOKEN), None);
        let ok = status == 400
            && code(&answer) == "validation_error"
            && answer["error"]["details"]["limit"] == 1000;
        check(&format!("{path} is refused naming the limit"), ok, format!("{status} {answer}"));
    }

    let before = dump(&http);
    let many: Vec<Value> = (0..1001).map(|i| event(&format!("m{i}"), "s", json!({}))).collect();
    let (status, answer) = post(&http, "/v1/events/batch", &json!({ "events": many }));
    let ok = status == 400 && answer["error"]["details"]["reason"] == "too_many_events";
    check("1,001 events in one call", ok, format!("{status} {answer}"));
    let spread: Vec<Value> =
        (0..300).map(|i| event(&format!("p{i}"), &format!("spread-{i}"), json!({}))).collect();
    let (status, answer) = post(&http, "/v1/events/batch", &json!({ "events": spread }));
    let ok = status == 400 && answer["error"]["details"]["reason"] == "too_many_statements";
    check("300 sessions in one call (600 statements)", ok, format!("{status} {answer}"));
    check("refused calls wrote nothing", dump(&http) == before, String::new());

    let (p, f) = export_in_bounded_memory(w, &http);
    let (mut passed, mut failed) = (passed + p, failed + f);
    // Last, as nothing may follow it on this Worker (docs/toolchain.md §4): a chunked body that
    // never ends is answered once the count passes the default limit.
    let mut tally = |name: &str, ok: bool, detail: String| {
        if ok {
            passed += 1;
        } else {
            failed += 1;
            println!("FAIL bounds: {name}: {detail}");
        }
    };
    crate::chunked::unfinished_body_is_answered(&w.url, crate::DEFAULT_BODY_LIMIT, &mut tally);
    (passed, failed)
}

/// A session of `ASM_EXPORT_MB` MB (default 8) exported through the Worker: the answer is the
/// whole session as one JSON object; the runtime's memory is printed (a figure, not a check).
fn export_in_bounded_memory(w: &Wrangler, http: &Http) -> (usize, usize) {
    let megabytes: usize =
        std::env::var("ASM_EXPORT_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let body = put_big_session(http, megabytes);
    let rss_before = rss_of_group(w.pid()) / 1024.0;
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let (peak, done, pid) = (peak.clone(), done.clone(), w.pid());
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let rss = rss_of_group(pid);
                peak.fetch_max(rss as u64, std::sync::atomic::Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let (status, export) = http.req("GET", "/v1/sessions/big/export", Some(TOKEN), None);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = sampler.join();
    let events = export["events"].as_array().map_or(0, Vec::len);
    let ok = status == 200 && events == body.0 && export["session"]["id"] == "big";
    let peak = peak.load(std::sync::atomic::Ordering::SeqCst) as f64 / 1024.0;
    println!(
        "bounds: export of a {:.1} MB session ({} events) through the local Worker: workerd RSS {:.0} MiB before, peak {:.0} MiB while streaming",
        body.1 as f64 / 1e6,
        body.0,
        rss_before,
        peak
    );
    if ok {
        (1, 0)
    } else {
        println!("FAIL bounds: export of the big session: {status}, {events} of {} events", body.0);
        (0, 1)
    }
}

/// Resident KiB of the `workerd` processes in process group `pid`.
fn rss_of_group(pid: u32) -> f64 {
    crate::transfer::workerd_rss(pid) as f64 / 1024.0
}

/// Stores session `big` with about `megabytes` MB of event data, in calls under 1 MiB; returns
/// (events, bytes of data).
fn put_big_session(http: &Http, megabytes: usize) -> (usize, usize) {
    let body = serde_json::to_vec(&session("big")).expect("json");
    assert_eq!(http.req("PUT", "/v1/sessions/big", Some(TOKEN), Some(&body)).0, 200);
    let text = "x".repeat(50_000);
    let (per_call, calls) = (18, (megabytes * 1_000_000).div_ceil(18 * 50_000));
    for c in 0..calls {
        let batch: Vec<Value> = (0..per_call)
            .map(|i| event(&format!("big-{c}-{i}"), "big", json!({ "content": text })))
            .collect();
        let (status, answer) = post(http, "/v1/events/batch", &json!({ "events": batch }));
        assert_eq!(status, 200, "storing the big session: {answer}");
    }
    (per_call * calls, per_call * calls * 50_000)
}
