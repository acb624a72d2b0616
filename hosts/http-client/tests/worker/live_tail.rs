//! The live tail through the Worker: a session's events as Server-Sent Events that resume with
//! `Last-Event-ID`. Writers append events while subscribers read the stream, drop the
//! connection at random points and come back; every subscriber must end with exactly 1..=N, in
//! order, each event once. Prints `reliability live-tail-worker-<backend>: P passed, F failed`
//! with the subscribers and resumes it counted.

use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;
use std::time::{Duration, Instant};

use asm_core::live::read_sse_frame;
use asm_core::ports::SessionStore;
use asm_core::{Env, Event, EventType, NewEvent, SeededIds, Timestamp};
use asm_http_client::HttpStore;
use futures::executor::block_on;
use serde_json::Value;

use crate::TOKEN;
use crate::checks::Http;

/// Events the writers append.
const EVENTS: i64 = 600;
/// Subscribers reading at once.
const SUBSCRIBERS: usize = 4;
/// The longest a subscriber may take to see every event.
const DEADLINE: Duration = Duration::from_secs(180);

/// A stream request: the body as lines, or the status of a refusal.
fn open(
    agent: &ureq::Agent,
    url: &str,
    path: &str,
    last_event_id: Option<i64>,
) -> Result<BufReader<impl std::io::Read>, u16> {
    let mut request =
        agent.get(format!("{url}{path}")).header("authorization", format!("Bearer {TOKEN}"));
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id.to_string());
    }
    let response = request.call().map_err(|_| 0u16)?;
    if response.status() != 200 {
        return Err(response.status().as_u16());
    }
    Ok(BufReader::new(response.into_body().into_reader()))
}

/// A small deterministic generator for where subscribers drop their connection.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// What one subscriber saw: the sequences in order, how often it resumed, and problems.
///
/// `abrupt`: drop the connection mid-stream (as a flaky network would). Otherwise each request
/// asks the Worker to end the stream after its share (`live=false&max_events=…`): Miniflare's
/// local Hyperdrive proxy crashes (an unhandled EPIPE in wrangler 4.86) when a request is
/// abandoned while its query is in flight, which a deployed Hyperdrive does not.
fn subscribe(url: &str, session: &str, seed: u64, abrupt: bool) -> (Vec<i64>, usize, Vec<String>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let stream = format!("/v1/sessions/{session}/events/stream");
    let (mut seen, mut resumes, mut problems) = (Vec::new(), 0usize, Vec::new());
    let mut rng = Lcg(seed);
    let started = Instant::now();
    while seen.last().copied().unwrap_or(0) < EVENTS && started.elapsed() < DEADLINE {
        let last = seen.last().copied();
        // 1..=3 events per connection.
        let mut budget = 1 + rng.below(3);
        let path = if abrupt {
            stream.clone()
        } else {
            format!("{stream}?live=false&max_events={budget}")
        };
        let mut lines = match open(&agent, url, &path, last) {
            Ok(lines) => lines,
            Err(status) => {
                problems.push(format!("stream refused with status {status}"));
                // A subscriber that keeps being refused stops: the report has its problems.
                if problems.len() >= 20 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let before = seen.len();
        while let Some(frame) = read_sse_frame(&mut lines) {
            match frame.event.as_deref() {
                None => {
                    let id: i64 = frame.id.as_deref().and_then(|s| s.parse().ok()).unwrap_or(-1);
                    let data: Value = serde_json::from_str(&frame.data).unwrap_or(Value::Null);
                    if data["sequence_number"].as_i64() != Some(id) || id < 1 {
                        problems.push(format!("frame id {id} carries {}", data["sequence_number"]));
                        break;
                    }
                    seen.push(id);
                    budget -= 1;
                    if abrupt && (budget == 0 || id >= EVENTS) {
                        break;
                    }
                }
                Some("up-to-date") => {}
                Some(other) => problems.push(format!("unexpected frame {other}: {}", frame.data)),
            }
        }
        resumes += 1;
        if seen.len() == before {
            // Caught up with the writers: let them write before asking again.
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    (seen, resumes, problems)
}

/// A client appending message events to one session through the Worker.
struct Writer {
    store: HttpStore,
    env: Env,
    session: String,
}

impl Writer {
    /// A writer whose event ids come from `seed` (distinct writers, distinct seeds).
    fn new(url: &str, session: &str, seed: u64) -> Writer {
        let clock = || Timestamp::from_micros(1_750_000_000_000_000);
        let env = Env::new(Arc::new(clock), Arc::new(SeededIds::new(seed)));
        Writer { store: HttpStore::new(url, TOKEN), env, session: session.to_owned() }
    }

    /// Appends `n` events in one call.
    fn append(&self, n: i64) -> Result<(), String> {
        let events: Vec<Event> = (0..n)
            .map(|_| Event::new(NewEvent::of(EventType::MessageReceived, &self.session), &self.env))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        block_on(self.store.append_events(&events)).map(drop).map_err(|e| e.to_string())
    }
}

/// Writers append `EVENTS` events to `session` in small batches, from two threads.
fn write(url: &str, session: &str) -> Result<(), String> {
    std::thread::scope(|s| {
        let writers: Vec<_> = (0..2u64)
            .map(|w| {
                s.spawn(move || {
                    let writer = Writer::new(url, session, 0x7a11 + w);
                    let mut left = EVENTS / 2;
                    let mut rng = Lcg(w);
                    while left > 0 {
                        let n = (1 + rng.below(4) as i64).min(left);
                        writer.append(n)?;
                        left -= n;
                        std::thread::sleep(Duration::from_millis(rng.below(15)));
                    }
                    Ok::<(), String>(())
                })
            })
            .collect();
        writers.into_iter().try_for_each(|w| w.join().expect("writer thread"))
    })
}

/// How long the test Workers keep a stream open (`ASM_STREAM_SECONDS`): short, so that the
/// browser's automatic reconnect is part of the test.
pub const STREAM_SECONDS: u64 = 3;

/// A browser (headless Chromium, `eventsource.mjs`) follows a session with a plain
/// `EventSource` while events are appended before and after the Worker ends the stream: it must
/// see 1..=20 in order, each message's id its sequence number, across at least one reconnect.
fn browser(url: &str, check: &mut impl FnMut(bool, &str)) {
    let session = "ses_browser";
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/worker/eventsource.mjs");
    let child = std::process::Command::new("node")
        .args([script, url, TOKEN, session, "20"])
        .stdout(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return check(false, &format!("node did not start: {e} (run npm ci)")),
    };
    // The script prints `open` once the page's stream is open (or, if it never opens, its
    // result line at once): the writes start from there, on both sides of the stream's end.
    let mut stdout = child.stdout.take().map(BufReader::new);
    let mut first = String::new();
    if let Some(out) = stdout.as_mut() {
        let _ = out.read_line(&mut first);
    }
    let wrote = (|| {
        if first.trim() != "open" {
            return Err(format!("the page's stream did not open: {first}"));
        }
        let writer = Writer::new(url, session, 0xb0b);
        for round in 0..2 {
            for _ in 0..10 {
                writer.append(1)?;
                std::thread::sleep(Duration::from_millis(50));
            }
            if round == 0 {
                std::thread::sleep(Duration::from_secs(STREAM_SECONDS + 1));
            }
        }
        Ok::<(), String>(())
    })();
    check(wrote.is_ok(), &format!("browser test writer: {wrote:?}"));
    let mut text = first;
    if let Some(mut out) = stdout {
        let _ = out.read_to_string(&mut text);
    }
    if let Err(e) = child.wait() {
        return check(false, &format!("eventsource.mjs: {e}"));
    }
    let result: Value =
        text.lines().last().and_then(|l| serde_json::from_str(l).ok()).unwrap_or(Value::Null);
    let ids: Vec<(i64, i64)> = result["ids"]
        .as_array()
        .map(|a| {
            a.iter().map(|p| (p[0].as_i64().unwrap_or(-1), p[1].as_i64().unwrap_or(-1))).collect()
        })
        .unwrap_or_default();
    let want: Vec<(i64, i64)> = (1..=20).map(|n| (n, n)).collect();
    check(ids == want, &format!("the browser's EventSource saw {ids:?} ({text})"));
    check(result["reconnects"].as_i64().unwrap_or(0) >= 1, &format!("no reconnect: {result}"));
    check(
        result["errors"].as_array().is_some_and(Vec::is_empty),
        &format!("page errors: {result}"),
    );
}

/// Events of the WebSocket test.
const WS_EVENTS: i64 = 100;

/// One WebSocket subscriber: connects from `from`, reads until it has `WS_EVENTS` (leaving and
/// coming back once after `leave_after` events when given). Returns the sequences seen.
fn ws_subscriber(url: &str, session: &str, leave_after: Option<usize>) -> Result<Vec<i64>, String> {
    use tungstenite::client::IntoClientRequest;
    let base = format!("{}/v1/sessions/{session}/events/ws", url.replacen("http://", "ws://", 1));
    let connect = |from: i64| {
        let mut request = format!("{base}?from_sequence={from}")
            .into_client_request()
            .map_err(|e| e.to_string())?;
        let auth = format!("Bearer {TOKEN}").parse().map_err(|_| "header".to_owned())?;
        request.headers_mut().insert("authorization", auth);
        let (mut socket, _) = tungstenite::connect(request).map_err(|e| format!("connect: {e}"))?;
        if let tungstenite::stream::MaybeTlsStream::Plain(s) = socket.get_mut() {
            s.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
        }
        Ok::<_, String>(socket)
    };
    let mut seen: Vec<i64> = Vec::new();
    let mut socket = connect(1)?;
    let mut left = false;
    while seen.last().copied().unwrap_or(0) < WS_EVENTS {
        let message =
            socket.read().map_err(|e| format!("read after {} events: {e}", seen.len()))?;
        let tungstenite::Message::Text(text) = message else { continue };
        let item: Value = serde_json::from_str(text.as_str()).map_err(|e| e.to_string())?;
        match item["kind"].as_str() {
            Some("event") => seen.push(item["event"]["sequence_number"].as_i64().unwrap_or(-1)),
            Some("up-to-date") => {}
            other => return Err(format!("unexpected item {other:?}: {item}")),
        }
        if !left && leave_after.is_some_and(|n| seen.len() >= n) {
            left = true;
            let _ = socket.close(None);
            socket = connect(seen.last().copied().unwrap_or(0) + 1)?;
        }
    }
    let _ = socket.close(None);
    Ok(seen)
}

/// Events the WebSocket test writes past the Worker on PostgreSQL, so that no notification
/// reaches the object and only its repair alarm can deliver them.
const UNANNOUNCED: i64 = 5;

/// Appends `n` events to `session` straight into PostgreSQL (DATABASE_URL, the Hyperdrive
/// Worker's database) through the native store, as another service sharing the database would:
/// the Worker never hears of them.
fn append_past_the_worker(session: &str, n: i64) -> Result<(), String> {
    use asm_core::sql::SqlStore;
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set".to_owned())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let executor = asm_native::PostgresExecutor::connect(&url, 1).map_err(|e| e.to_string())?;
        let store = SqlStore::new(executor, asm_native::system_env());
        for _ in 0..n {
            let e = Event::new(NewEvent::of(EventType::MessageReceived, session), store.env())
                .map_err(|e| e.to_string())?;
            store.append_event(&e).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

/// Subscribers over WebSockets, fanned out by the session's Durable Object (`SessionTail`):
/// four follow one session while events are appended one by one; one of them leaves half-way
/// and resumes after its last event. Each must see 1..=`WS_EVENTS` in order, once each. On
/// Hyperdrive the last [`UNANNOUNCED`] events are written past the Worker: the object's repair
/// alarm must still deliver them.
fn websockets(url: &str, backend: &str, check: &mut impl FnMut(bool, &str)) {
    let session = "ses_ws";
    let (wrote, seen) = std::thread::scope(|s| {
        let subscribers: Vec<_> = (0..4)
            .map(|k| s.spawn(move || ws_subscriber(url, session, (k == 0).then_some(30))))
            .collect();
        let wrote = (|| {
            let writer = Writer::new(url, session, 0x3e5);
            std::thread::sleep(Duration::from_secs(1));
            let past = if backend == "hyperdrive" { UNANNOUNCED } else { 0 };
            for _ in 0..WS_EVENTS - past {
                writer.append(1)?;
                std::thread::sleep(Duration::from_millis(20));
            }
            if past > 0 {
                append_past_the_worker(session, past)?;
            }
            Ok::<(), String>(())
        })();
        let seen: Vec<_> =
            subscribers.into_iter().map(|h| h.join().expect("ws subscriber")).collect();
        (wrote, seen)
    });
    check(wrote.is_ok(), &format!("websocket writer: {wrote:?}"));
    for (k, result) in seen.into_iter().enumerate() {
        let exact = result.as_ref().is_ok_and(|s| s.iter().copied().eq(1..=WS_EVENTS));
        check(exact, &format!("websocket subscriber {k}: {result:?}"));
    }
}

/// The stress on one Worker (`backend` names it in the report line: `d1`, `hyperdrive`), plus
/// the stream's refusals.
pub fn run(url: &str, backend: &str) -> (usize, usize) {
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut check = |ok: bool, what: &str| {
        if ok {
            passed += 1;
        } else {
            failed += 1;
            println!("FAIL live-tail {backend}: {what}");
        }
    };
    let http = Http::new(url);
    assert_eq!(http.req("POST", "/v1/_test/reset", Some(TOKEN), None).0, 204, "reset");
    let session = "ses_live_tail";
    let (wrote, results) = std::thread::scope(|s| {
        let subscribers: Vec<_> = (0..SUBSCRIBERS)
            .map(|k| s.spawn(move || subscribe(url, session, 17 + k as u64, backend == "d1")))
            .collect();
        let wrote = write(url, session);
        let results: Vec<_> =
            subscribers.into_iter().map(|h| h.join().expect("subscriber thread")).collect();
        (wrote, results)
    });
    check(wrote.is_ok(), &format!("writers: {wrote:?}"));
    let mut resumes = 0;
    for (k, (seen, resumed, problems)) in results.iter().enumerate() {
        resumes += resumed;
        let exact = seen.iter().copied().eq(1..=EVENTS);
        check(
            exact,
            &format!(
                "subscriber {k} saw {} events, not 1..={EVENTS} once each in order",
                seen.len()
            ),
        );
        let shown: Vec<&String> = problems.iter().take(5).collect();
        check(
            problems.is_empty(),
            &format!("subscriber {k}: {} problems, first {shown:?}", problems.len()),
        );
    }
    check(resumes >= 1_000, &format!("only {resumes} resumes"));
    // The backlog alone ends the stream; a garbled Last-Event-ID is refused, not read as 0.
    let agent = crate::wrangler::bounded_agent();
    let path =
        format!("/v1/sessions/{session}/events/stream?live=false&from_sequence={}", EVENTS - 4);
    match open(&agent, url, &path, None) {
        Ok(mut lines) => {
            let mut ids = Vec::new();
            let mut marker = None;
            while let Some(frame) = read_sse_frame(&mut lines) {
                match frame.event.as_deref() {
                    None => ids.push(frame.id.unwrap_or_default()),
                    Some("up-to-date") => marker = Some(frame.data),
                    Some(_) => {}
                }
            }
            let want: Vec<String> = (EVENTS - 4..=EVENTS).map(|n| n.to_string()).collect();
            check(ids == want, &format!("live=false backlog ids {ids:?}"));
            check(
                marker.as_deref() == Some(&format!(r#"{{"last_sequence":{EVENTS}}}"#)),
                &format!("live=false up-to-date marker {marker:?}"),
            );
        }
        Err(status) => check(false, &format!("live=false refused with {status}")),
    }
    let garbled = agent
        .get(format!("{url}/v1/sessions/{session}/events/stream"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("last-event-id", "seven")
        .call()
        .map(|r| r.status().as_u16());
    check(matches!(garbled, Ok(400)), &format!("a garbled Last-Event-ID answered {garbled:?}"));
    if backend == "d1" {
        browser(url, &mut check);
    }
    websockets(url, backend, &mut check);
    println!(
        "reliability live-tail-worker-{backend}: {passed} passed, {failed} failed \
         ({SUBSCRIBERS} subscribers, {resumes} resumes, {EVENTS} events)"
    );
    (passed, failed)
}
