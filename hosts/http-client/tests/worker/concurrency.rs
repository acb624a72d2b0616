//! Concurrency stress through the Worker (docs/reliability.md): 16 concurrent clients appending over HTTP to the Worker on local
//! D1. Each client is an OS thread with its own [`HttpStore`] (its own connection pool):
//!
//! - clients 0–7 share one session: 0–3 append one event per request
//!   (`append_event_with_sequence`), 4–7 append batches of [`BATCH`] (`append_events`);
//! - clients 8–15 each append to their own session, alternating single and batch appends.
//!
//! Every 25th single append first repeats the previous id (a client retry): it must come back with
//! its first number and take none. A round then checks, per session: the stored log is exactly
//! 1..N, every event id is stored once, `latest-sequence` is N, and the numbers the clients were
//! given are exactly those of the log and increase per client; and `GET /v1/maintenance/health`
//! is clean.
//!
//! A failed request is retried (same ids, at most [`MAX_ATTEMPTS`] times) only when the Worker
//! answers with a retryable ASM error or a transient database failure (details `kind:
//! "transient"`, HTTP 503); every other error fails the client. Retries are counted
//! and printed. `ASM_STRESS_ROUNDS` (default 1) sets the rounds, `ASM_STRESS_APPENDS` (default
//! 200) the events per client. Prints `reliability concurrency-worker: N passed, M failed`.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use asm_core::ports::{EventFilter, Maintenance, SessionStore};
use asm_core::sql::ExecErrorKind;
use asm_core::{Cause, Error, Event, Result, Session};
use asm_http_client::HttpStore;
use futures::executor::block_on;
use serde_json::json;

use crate::TOKEN;

/// Concurrent clients.
const CLIENTS: usize = 16;
/// Clients 0..SHARED append to the one shared session.
const SHARED: usize = 8;
/// Events per batch request.
const BATCH: usize = 10;
/// Attempts per request when the Worker answers a retryable error.
const MAX_ATTEMPTS: usize = 5;

fn var(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn session(id: &str) -> Result<Session> {
    Session::from_map(&json!({
        "id": id, "agent_id": "agent-stress", "status": "active",
        "created_at": "2025-01-01T00:00:00.000000Z", "updated_at": "2025-01-01T00:00:00.000000Z"
    }))
}

fn event(id: &str, session_id: &str) -> Result<Event> {
    Event::from_map(&json!({
        "id": id, "type": "message_received", "session_id": session_id,
        "timestamp": "2025-01-01T00:00:01.000000Z", "schema_version": 1, "data": {"content": id}
    }))
}

/// One client's plan: where it appends, and whether in batches.
struct Client {
    index: usize,
    session_id: String,
    batched: bool,
}

/// Whether the same request may succeed later.
fn transient(e: &Error) -> bool {
    e.is_retryable() || e.cause() == Some(Cause::Database(ExecErrorKind::Transient))
}

/// Runs `op`, retrying only transient errors.
fn with_retries<T>(retries: &AtomicUsize, mut op: impl FnMut() -> Result<T>) -> Result<T> {
    let mut attempt = 1;
    loop {
        match op() {
            Err(e) if transient(&e) && attempt < MAX_ATTEMPTS => {
                retries.fetch_add(1, Ordering::Relaxed);
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The client's appends; returns the sequence numbers it was given, in order.
fn run_client(
    store: &HttpStore,
    c: &Client,
    round: usize,
    n: usize,
    retries: &AtomicUsize,
) -> Result<Vec<i64>> {
    let id = |i: usize| format!("cw{round}-c{}-e{i}", c.index);
    let mut got = Vec::with_capacity(n);
    if c.batched {
        for start in (0..n).step_by(BATCH) {
            let events = (start..n.min(start + BATCH))
                .map(|i| event(&id(i), &c.session_id))
                .collect::<Result<Vec<_>>>()?;
            let stored = with_retries(retries, || block_on(store.append_events(&events)))?;
            got.extend(stored.iter().map(|e| e.sequence_number.unwrap_or(0)));
        }
        return Ok(got);
    }
    for i in 0..n {
        if i % 25 == 24 {
            let again = event(&id(i - 1), &c.session_id)?;
            let stored =
                with_retries(retries, || block_on(store.append_event_with_sequence(&again)))?;
            if stored.sequence_number != got.last().copied() {
                return Err(Error::validation(format!(
                    "retry of {} got {:?}, its first append got {:?}",
                    again.id,
                    stored.sequence_number,
                    got.last()
                )));
            }
        }
        let e = event(&id(i), &c.session_id)?;
        let stored = with_retries(retries, || block_on(store.append_event_with_sequence(&e)))?;
        got.push(stored.sequence_number.unwrap_or(0));
    }
    Ok(got)
}

/// The stored log of `sid` against what the clients appended and were given.
fn verify_session(
    store: &HttpStore,
    sid: &str,
    ids: &HashSet<String>,
    given: &[i64],
) -> std::result::Result<(), String> {
    let n = ids.len();
    let events =
        block_on(store.get_events(sid, &EventFilter::default())).map_err(|e| e.to_string())?;
    let seqs: Vec<i64> = events.iter().map(|e| e.sequence_number.unwrap_or(0)).collect();
    if seqs != (1..=n as i64).collect::<Vec<_>>() {
        return Err(format!(
            "{} events, sequences {:?}… not 1..={n}",
            seqs.len(),
            &seqs[..seqs.len().min(10)]
        ));
    }
    let stored: HashSet<String> = events.iter().map(|e| e.id.clone()).collect();
    if stored.len() != n || &stored != ids {
        return Err(format!("{} distinct ids stored, {n} appended", stored.len()));
    }
    let latest = block_on(store.get_latest_sequence(sid)).map_err(|e| e.to_string())?;
    if latest != n as i64 {
        return Err(format!("latest sequence {latest}, want {n}"));
    }
    let mut given = given.to_vec();
    given.sort_unstable();
    if given != seqs {
        return Err("the numbers given to the clients are not the stored ones".to_owned());
    }
    Ok(())
}

/// One round; returns the names of its checks with their outcome.
fn round(url: &str, round: usize, n: usize) -> Vec<(String, std::result::Result<(), String>)> {
    let admin = HttpStore::new(url, TOKEN);
    let mut checks = Vec::new();
    let shared = format!("cw{round}-shared");
    let clients: Vec<Client> = (0..CLIENTS)
        .map(|index| Client {
            index,
            session_id: if index < SHARED {
                shared.clone()
            } else {
                format!("cw{round}-own{index}")
            },
            batched: if index < SHARED { index >= SHARED / 2 } else { index % 2 == 1 },
        })
        .collect();
    let sessions: HashSet<&str> = clients.iter().map(|c| c.session_id.as_str()).collect();
    let saved = sessions.iter().try_for_each(|sid| block_on(admin.save_session(&session(sid)?)));
    checks.push(("sessions_saved".to_owned(), saved.map_err(|e| e.to_string())));

    let retries = AtomicUsize::new(0);
    let started = Instant::now();
    let results: Vec<Result<Vec<i64>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = clients
            .iter()
            .map(|c| {
                let retries = &retries;
                scope.spawn(move || run_client(&HttpStore::new(url, TOKEN), c, round, n, retries))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("client thread")).collect()
    });
    let took = started.elapsed().as_secs_f64();
    let appends = CLIENTS * n;
    println!(
        "  concurrency-worker round {round}: {appends} events from {CLIENTS} clients in {took:.1} s, {} retried requests",
        retries.load(Ordering::Relaxed)
    );

    // Per session: the event ids appended to it and the numbers its clients were given.
    let mut per_session: BTreeMap<&str, (HashSet<String>, Vec<i64>)> = BTreeMap::new();
    for (c, result) in clients.iter().zip(&results) {
        let name = format!("client{}_appended", c.index);
        let entry = per_session.entry(c.session_id.as_str()).or_default();
        entry.0.extend((0..n).map(|i| format!("cw{round}-c{}-e{i}", c.index)));
        match result {
            Ok(given) if given.windows(2).all(|w| w[0] < w[1]) && given.len() == n => {
                entry.1.extend(given);
                checks.push((name, Ok(())));
            }
            Ok(given) => checks
                .push((name, Err(format!("{} numbers, not increasing: {given:?}", given.len())))),
            Err(e) => checks.push((name, Err(e.to_string()))),
        }
    }
    for (sid, (ids, given)) in &per_session {
        checks.push((format!("session_{sid}_gap_free"), verify_session(&admin, sid, ids, given)));
    }
    let health = match block_on(admin.health_check()) {
        Ok(problems) if problems.is_empty() => Ok(()),
        Ok(problems) => Err(format!("{problems:?}")),
        Err(e) => Err(e.to_string()),
    };
    checks.push(("health_clean".to_owned(), health));
    checks
}

/// Runs every round on the Worker at `url`; false when a check failed.
pub fn run(url: &str) -> bool {
    let rounds = var("ASM_STRESS_ROUNDS", 1);
    let n = var("ASM_STRESS_APPENDS", 200);
    let (mut passed, mut failed) = (0, 0);
    for r in 0..rounds {
        for (name, outcome) in round(url, r, n) {
            match outcome {
                Ok(()) => passed += 1,
                Err(why) => {
                    failed += 1;
                    println!("  FAIL concurrency-worker round {r} {name}: {why}");
                }
            }
        }
    }
    println!("reliability concurrency-worker: {passed} passed, {failed} failed");
    failed == 0
}
