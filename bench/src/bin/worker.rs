//! `asm-bench-worker`: the Worker rows of the benchmark. Starts the built Worker under
//! `wrangler dev --local` on a fresh local D1 (loopback only, the test harness's launcher) and
//! drives it from a load generator of a few concurrent clients, each an OS thread with its own
//! connection appending to its own session:
//!
//! - `append-single`: `POST /v1/events`, one event per request;
//! - `append-batch`: `POST /v1/events/batch`, [`BATCH`] events per request.
//!
//! - `live tail`: [`SUBSCRIBERS`] clients follow one session's event stream (Server-Sent
//!   Events) while a writer appends one event at a time; each delivery is timed from the moment
//!   the writer's append was answered (committed) to the moment the frame arrived; then the same
//!   over WebSockets of the session's Durable Object (`live tail websocket`).
//!
//! - `artifact 100 MB`: one artifact of [`ARTIFACT_BYTES`] up (`PUT …/content`, streamed from a
//!   generator, its SHA-256 declared) and down (hashed as it arrives) through the Worker and its
//!   local R2 bucket, with the peak resident memory of workerd sampled every 50 ms.
//!
//! Prints `worker append-single: R req/s, p50 X ms, p99 Y ms` and the same for `append-batch`
//! (R = the measured requests over the time the clients spent in them, i.e. their summed latency
//! divided by the number of clients; percentiles over all measured requests), and writes
//! `bench/results/worker-latest.json`. Bounded in count (requests per client) and in time (a
//! client stops starting requests after [`PHASE_LIMIT`]). `--quick` runs fewer requests.
//! Run it through `bench/run`, which builds the Worker first.

#[path = "../../../hosts/http-client/tests/worker/wrangler.rs"]
#[allow(dead_code)]
mod wrangler;

#[path = "../../../hosts/http-client/tests/worker/transfer.rs"]
mod transfer;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wrangler::{Wrangler, migrate_d1, root};

/// The artifact of the transfer row: 100 MiB.
const ARTIFACT_BYTES: u64 = 100 * 1024 * 1024;

/// Concurrent clients.
const CLIENTS: usize = 4;
/// Events per batch request.
const BATCH: usize = 100;
/// No client starts a request after this long in one phase.
const PHASE_LIMIT: Duration = Duration::from_secs(60);
/// Requests per client before measuring (not counted).
const WARM_UP: usize = 10;
const TOKEN: &str = "bench-token-0123456789abcdef";

/// One workload's sizes.
struct Phase {
    name: &'static str,
    path: &'static str,
    /// Events per request (1: a single append).
    events: usize,
    /// Requests per client.
    requests: usize,
}

fn event(id: &str, session_id: &str) -> Value {
    json!({
        "id": id, "type": "message_received", "session_id": session_id,
        "timestamp": "2025-01-27T12:00:01.000000Z", "schema_version": 1, "data": {"content": "benchmark event"}
    })
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Sends `body` and returns the status.
fn post(agent: &ureq::Agent, url: &str, body: &[u8]) -> u16 {
    let request = agent
        .post(url)
        .header("authorization", &format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .send(body);
    match request {
        Ok(mut response) => {
            let _ = response.body_mut().read_to_vec();
            response.status().as_u16()
        }
        Err(_) => 0,
    }
}

/// One client's requests of `phase`; returns the latencies of the measured ones.
fn client(base: &str, phase: &Phase, index: usize) -> Result<Vec<Duration>, String> {
    let agent = agent();
    let session = format!("bench-{}-{index}", phase.name);
    let saved = json!({
        "id": session, "agent_id": "bench", "status": "active",
        "created_at": "2025-01-27T12:00:00.000000Z", "updated_at": "2025-01-27T12:00:00.000000Z"
    });
    let status = agent
        .put(&format!("{base}/v1/sessions/{session}"))
        .header("authorization", &format!("Bearer {TOKEN}"))
        .send(saved.to_string().as_bytes())
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    if status != 200 {
        return Err(format!("saving {session}: HTTP {status}"));
    }
    let url = format!("{base}{}", phase.path);
    let body = |r: usize| -> Vec<u8> {
        let ids = (0..phase.events).map(|i| event(&format!("{session}-r{r}-e{i}"), &session));
        let value = if phase.events == 1 {
            ids.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(ids.collect())
        };
        value.to_string().into_bytes()
    };
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(phase.requests);
    for r in 0..WARM_UP + phase.requests {
        if started.elapsed() > PHASE_LIMIT {
            break;
        }
        let body = body(r);
        let t0 = Instant::now();
        let status = post(&agent, &url, &body);
        let took = t0.elapsed();
        if status != 200 {
            return Err(format!("{} request {r}: HTTP {status}", phase.name));
        }
        if r >= WARM_UP {
            latencies.push(took);
        }
    }
    Ok(latencies)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `phase` with every client at once; returns its JSON figures.
fn run_phase(base: &str, phase: &Phase) -> Value {
    let started = Instant::now();
    let results: Vec<Result<Vec<Duration>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            (0..CLIENTS).map(|i| scope.spawn(move || client(base, phase, i))).collect();
        handles.into_iter().map(|h| h.join().expect("client thread")).collect()
    });
    let mut latencies = Vec::new();
    for result in results {
        match result {
            Ok(l) => latencies.extend(l),
            Err(e) => panic!("worker {}: {e}", phase.name),
        }
    }
    // The wall time includes the warm-up; the rate counts the measured requests over the time
    // the clients spent on them.
    let busy: Duration = latencies.iter().sum::<Duration>() / CLIENTS as u32;
    let wall = started.elapsed();
    latencies.sort_unstable();
    let pick = |q: f64| {
        latencies[((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    let (p50, p99) = (pick(0.50), pick(0.99));
    let rate = latencies.len() as f64 / busy.as_secs_f64();
    let events = if phase.events > 1 {
        format!(" ({:.0} events/s)", rate * phase.events as f64)
    } else {
        String::new()
    };
    println!(
        "worker {}: {rate:.0} req/s{events}, p50 {:.1} ms, p99 {:.1} ms ({CLIENTS} clients, {} requests of {} event(s), {:.1} s)",
        phase.name,
        ms(p50),
        ms(p99),
        latencies.len(),
        phase.events,
        wall.as_secs_f64()
    );
    json!({
        "workload": phase.name, "clients": CLIENTS, "requests": latencies.len(), "events_per_request": phase.events,
        "requests_per_s": rate, "p50_ms": ms(p50), "p99_ms": ms(p99), "wall_s": wall.as_secs_f64()
    })
}

/// Clients following the live-tail session at once.
const SUBSCRIBERS: usize = 4;

/// How a live-tail follower is connected.
#[derive(Clone, Copy, PartialEq)]
enum Via {
    /// Server-Sent Events: each stream reads again on its own timer (250 ms).
    Sse,
    /// A WebSocket of the session's Durable Object, pushed to after each append.
    WebSocket,
}

/// One WebSocket follower: the arrival time of each event until sequence `events`.
fn follow_websocket(base: &str, session: &str, events: usize) -> Vec<(usize, Instant)> {
    use tungstenite::client::IntoClientRequest;
    let url = format!("{}/v1/sessions/{session}/events/ws", base.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().expect("a WebSocket request");
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {TOKEN}").parse().expect("header"));
    let (mut socket, _) = tungstenite::connect(request).expect("the WebSocket opens");
    let mut arrivals = Vec::with_capacity(events);
    while let Ok(message) = socket.read() {
        let tungstenite::Message::Text(text) = message else { continue };
        let item: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
        if item["kind"] == "event" {
            let seq = item["event"]["sequence_number"].as_u64().unwrap_or(0) as usize;
            arrivals.push((seq, Instant::now()));
            if seq >= events {
                break;
            }
        }
    }
    let _ = socket.close(None);
    arrivals
}

/// The live-tail phase: returns its JSON figures and prints `live tail: p50 X ms, p99 Y ms`
/// (Server-Sent Events) or `live tail websocket: …`.
fn live_tail(base: &str, events: usize, via: Via) -> Value {
    use std::io::BufReader;
    use std::sync::Mutex;

    let session = if via == Via::Sse { "ses_bench_tail" } else { "ses_bench_tail_ws" };
    let committed: Mutex<Vec<Option<Instant>>> = Mutex::new(vec![None; events + 1]);
    let path = format!("{base}/v1/sessions/{session}/events/stream");
    let follow = |_: usize| -> Vec<(usize, Instant)> {
        if via == Via::WebSocket {
            return follow_websocket(base, session, events);
        }
        let response = agent()
            .get(&path)
            .header("authorization", format!("Bearer {TOKEN}"))
            .call()
            .expect("the event stream opens");
        let mut lines = BufReader::new(response.into_body().into_reader());
        let mut arrivals = Vec::with_capacity(events);
        while let Some(frame) = asm_core::live::read_sse_frame(&mut lines) {
            if frame.event.is_none() {
                let seq: usize = frame.id.as_deref().and_then(|id| id.parse().ok()).unwrap_or(0);
                arrivals.push((seq, Instant::now()));
                if seq >= events {
                    break;
                }
            }
        }
        arrivals
    };
    let arrivals: Vec<(usize, Instant)> = std::thread::scope(|scope| {
        let followers: Vec<_> = (0..SUBSCRIBERS).map(|i| scope.spawn(move || follow(i))).collect();
        // Let every follower reach the live part of its stream first.
        std::thread::sleep(Duration::from_secs(1));
        let writer = agent();
        for n in 1..=events {
            let body = json!(event(&format!("evt_{session}_{n:032}"), session)).to_string();
            assert_eq!(post(&writer, &format!("{base}/v1/events"), body.as_bytes()), 200);
            committed.lock().expect("lock")[n] = Some(Instant::now());
            std::thread::sleep(Duration::from_millis(100));
        }
        followers.into_iter().flat_map(|f| f.join().expect("follower thread")).collect()
    });
    let committed = committed.into_inner().expect("lock");
    let mut delays: Vec<Duration> = arrivals
        .iter()
        .filter_map(|(seq, at)| {
            committed.get(*seq).copied().flatten().map(|c| at.saturating_duration_since(c))
        })
        .collect();
    delays.sort_unstable();
    let pick =
        |q: f64| delays[((delays.len() as f64 * q).ceil() as usize).clamp(1, delays.len()) - 1];
    let (p50, p99) = (pick(0.50), pick(0.99));
    let name = if via == Via::Sse { "live tail" } else { "live tail websocket" };
    println!(
        "{name}: p50 {:.1} ms, p99 {:.1} ms ({SUBSCRIBERS} subscribers, {} deliveries, from the append's answer to the frame)",
        ms(p50),
        ms(p99),
        delays.len()
    );
    json!({ "workload": name, "subscribers": SUBSCRIBERS, "deliveries": delays.len(), "p50_ms": ms(p50), "p99_ms": ms(p99) })
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (single, batch) = if quick { (300, 25) } else { (1000, 100) };
    let state = std::env::temp_dir().join(format!("asm-bench-worker-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    std::fs::create_dir_all(&state).expect("state dir");
    migrate_d1(&state);
    let vars = ["ASM_BACKEND:d1".to_owned(), format!("ASM_API_TOKEN:{TOKEN}")];
    let figures = {
        let w = Wrangler::start("bench", &state, &vars, &[]);
        let phases = [
            Phase { name: "append-single", path: "/v1/events", events: 1, requests: single },
            Phase {
                name: "append-batch",
                path: "/v1/events/batch",
                events: BATCH,
                requests: batch,
            },
        ];
        let mut figures = phases.iter().map(|p| run_phase(&w.url, p)).collect::<Vec<_>>();
        let tail_events = if quick { 50 } else { 200 };
        figures.push(live_tail(&w.url, tail_events, Via::Sse));
        figures.push(live_tail(&w.url, tail_events, Via::WebSocket));
        // A 24 MiB round trip first, so the figure is the transfer's and not the heaps' growth.
        transfer::round_trip(&w.url, TOKEN, "bench-warm.bin", 24 << 20, w.pid());
        let t = transfer::round_trip(&w.url, TOKEN, "bench-100mb.bin", ARTIFACT_BYTES, w.pid());
        assert!(
            t.put.0 == 201 && t.got.1 == t.sha,
            "the artifact did not make the round trip: {} {}",
            t.put.0,
            t.put.1
        );
        println!("worker artifact 100 MB: {}", t.summary(ARTIFACT_BYTES));
        let mb = ARTIFACT_BYTES as f64 / 1_048_576.0;
        figures.push(json!({
            "name": "artifact 100 MB",
            "upload_mb_s": mb / t.seconds.0,
            "download_mb_s": mb / t.seconds.1,
            "workerd_rss_idle_bytes": t.rss.0,
            "workerd_rss_peak_bytes": t.rss.1,
        }));
        figures
    };
    let _ = std::fs::remove_dir_all(&state);
    let out = root().join("bench/results/worker-latest.json");
    let doc = json!({ "host": "worker (wrangler dev --local, local D1)", "quick": quick, "figures": figures });
    std::fs::write(&out, serde_json::to_string_pretty(&doc).unwrap_or_default())
        .expect("write results");
    eprintln!("asm-bench-worker: wrote {}", out.display());
}
