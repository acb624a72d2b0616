//! Mixed writers: ASM's Ecto append protocol (docs/asm-v0.8/sql.md §3, `common::ecto`) and this
//! project's stores append to the same sessions of one database at the same time, as an Elixir
//! deployment and ours do when they share the tables.
//!
//! Per backend, three Ecto writers (single appends, a retry of a stored id, batches of three)
//! and three of ours (`append_event`, `append_event_with_sequence`, `append_events` batches that
//! span two sessions and repeat a stored event) run concurrently over three sessions, each
//! writer on its own connection: on PostgreSQL tasks with their own connections (ours from the
//! store's pool), on SQLite OS threads with their own connections to one WAL file (busy
//! timeout). Then, per session:
//!
//! - **gap-free**: `get_events` numbers are exactly 1..=N, N the distinct events written;
//! - **content**: every written event is stored once, as written, under the number its writer
//!   was answered (when the call answers one);
//! - **same log**: a hand-written `SELECT * FROM asm_events WHERE session_id = … ORDER BY
//!   sequence_number`, decoded with the public `asm_core::sql::Row` decoders, equals `get_events`;
//! - **counter**: the `asm_session_sequences` row (decoded the same way) and
//!   `get_latest_sequence` say N;
//!
//! - **interleaved**: Ecto's and our rows alternate in the log (the writers really overlapped);
//!
//! plus "every writer finished" and a clean `health_check`. Prints `interop
//! mixed-writers-postgres: N passed, M failed` and `interop mixed-writers-sqlite: …`. Needs
//! `DATABASE_URL`; start a throwaway server with `eval "$(scripts/postgres-up)"`.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use asm_core::ports::{EventFilter, Maintenance, SessionStore};
use asm_core::sql::{Dialect, Executor, SequenceCounter, SqlStore};
use asm_core::{Env, Event, EventType};
use asm_native::SqliteExecutor;
use common::ecto::{EctoAppend, EctoPostgres, EctoSqlite};
use common::rows::{decode_all, pg_rows, sqlite_rows};
use common::{Backend, block_on, env};

/// The sessions every writer appends to.
const SESSIONS: [&str; 3] = ["ses_mix_a", "ses_mix_b", "ses_mix_c"];
/// Writers per side (Ecto, ours).
const WRITERS: usize = 3;
/// Steps per writer (a step appends one to three events).
const STEPS: usize = 24;

/// A SQLite writer's pause between its steps (a blocking sleep: each has its own thread). A
/// waiting SQLite writer sleeps in its busy handler while the one holding the lock takes it
/// again at once, so writers in a tight loop would run in long turns; a pause as short as an
/// application's work between two appends makes them alternate.
const SQLITE_PAUSE: Duration = Duration::from_millis(2);

/// What a writer stored: each event with the number it was answered, if its call answers one.
type Written = Vec<(Event, Option<i64>)>;

/// Event `i` of writer `who` in `session`: varied content (metadata only on some, so Ecto
/// writes NULL for the others), a run id and a provider on some.
fn event(who: &str, i: usize, session: &str, env: &Env) -> Event {
    let mut e = common::event(&format!("evt_{who}_{i}"), session, EventType::MessageReceived, env);
    e.data = asm_core::json::object(serde_json::json!({"writer": who, "i": i, "ratio": 0.5}));
    if i.is_multiple_of(3) {
        e.metadata = asm_core::json::object(serde_json::json!({"step": i, "nested": {"ok": true}}));
    }
    if i % 4 == 1 {
        e.run_id = Some(format!("run_{who}"));
        e.provider = Some("claude".into());
    }
    e
}

fn session_of(writer: usize, step: usize) -> &'static str {
    SESSIONS[(writer + step) % SESSIONS.len()]
}

/// One Ecto writer's steps: single appends (§3.2), every fifth step first a retry of the
/// previous stored id, and every fourth a batch of three (§3.3).
async fn ecto_steps(
    writer: &mut impl EctoAppend,
    w: usize,
    pause: Duration,
) -> Result<Written, String> {
    let (env, _) = env();
    let who = format!("ecto{w}");
    let mut written: Written = Vec::new();
    let mut previous: Option<(Event, i64)> = None;
    for step in 0..STEPS {
        std::thread::sleep(pause);
        let sid = session_of(w, step);
        if step % 4 == 3 {
            let batch: Vec<Event> = (0..3).map(|k| event(&who, step * 10 + k, sid, &env)).collect();
            let seqs = writer.append_events(&batch).await?;
            written.extend(batch.into_iter().zip(seqs.into_iter().map(Some)));
            continue;
        }
        if let Some((again, seq)) = previous.take().filter(|_| step % 5 == 4) {
            // A retry of a stored id: answered as stored, nothing written.
            let got = writer.append_event_with_sequence(&again).await?;
            if got != seq {
                return Err(format!("retry of {} answered {got}, first {seq}", again.id));
            }
        }
        let e = event(&who, step * 10, sid, &env);
        let seq = writer.append_event_with_sequence(&e).await?;
        written.push((e.clone(), Some(seq)));
        previous = Some((e, seq));
    }
    Ok(written)
}

/// One of our writers: `append_event`, `append_event_with_sequence`, and `append_events`
/// batches over two sessions or repeating the last stored event.
async fn our_steps<E: Executor>(
    s: &SqlStore<E>,
    writer: usize,
    pause: Duration,
) -> Result<Written, String> {
    let env = s.env().clone();
    let who = format!("ours{writer}");
    let mut written: Written = Vec::new();
    for step in 0..STEPS {
        std::thread::sleep(pause);
        let sid = session_of(writer, step);
        let e = event(&who, step * 10, sid, &env);
        match step % 4 {
            0 => {
                s.append_event(&e).await.map_err(|e| format!("append_event: {e}"))?;
                written.push((e, None));
            }
            1 => {
                let stored = s
                    .append_event_with_sequence(&e)
                    .await
                    .map_err(|e| format!("append_event_with_sequence: {e}"))?;
                written.push((e, stored.sequence_number));
            }
            2 => {
                let other = session_of(writer, step + 1);
                let batch = vec![e, event(&who, step * 10 + 1, other, &env)];
                let stored =
                    s.append_events(&batch).await.map_err(|e| format!("append_events: {e}"))?;
                written.extend(batch.into_iter().zip(stored.iter().map(|e| e.sequence_number)));
            }
            _ => {
                // The previous stored event again (a retry) with a new one: one row, same number.
                let (again, seq) = written.last().cloned().ok_or("no previous event")?;
                let stored = s
                    .append_events(&[again.clone(), e.clone()])
                    .await
                    .map_err(|e| format!("append_events with a retry: {e}"))?;
                if seq.is_some() && stored[0].sequence_number != seq {
                    return Err(format!(
                        "retry of {} got {:?}, first {seq:?}",
                        again.id, stored[0]
                    ));
                }
                written.push((e, stored[1].sequence_number));
            }
        }
    }
    Ok(written)
}

/// The checks of one backend, given each session's log as `get_events` reads it, as the hand
/// query decodes it, the decoded counter row and `get_latest_sequence`.
struct Observed {
    events: Vec<Event>,
    raw: Vec<Event>,
    counter: Vec<SequenceCounter>,
    latest: i64,
}

/// Runs the per-session checks against what the writers wrote; `Ok(name)` or `Err(name: why)`.
fn check_session(
    sid: &str,
    written: &[(Event, Option<i64>)],
    seen: &Observed,
) -> Vec<Result<String, String>> {
    let mine: BTreeMap<&str, (&Event, Option<i64>)> = written
        .iter()
        .filter(|(e, _)| e.session_id == sid)
        .map(|(e, seq)| (e.id.as_str(), (e, *seq)))
        .collect();
    let n = mine.len() as i64;
    let seqs: Vec<i64> = seen.events.iter().map(|e| e.sequence_number.unwrap_or(0)).collect();
    let gap_free = if seqs == (1..=n).collect::<Vec<_>>() {
        Ok(format!("{sid} gap-free (1..={n})"))
    } else {
        Err(format!("{sid} gap-free: {} events for {n} written, numbers {seqs:?}", seqs.len()))
    };
    let content = (|| {
        let stored: BTreeMap<&str, &Event> =
            seen.events.iter().map(|e| (e.id.as_str(), e)).collect();
        if stored.len() != seen.events.len() || stored.len() != mine.len() {
            return Err(format!(
                "{sid} content: {} rows, {} ids, {} written",
                seen.events.len(),
                stored.len(),
                mine.len()
            ));
        }
        for (id, (expected, answered)) in &mine {
            let got = stored.get(id).ok_or_else(|| format!("{sid} content: {id} missing"))?;
            if answered.is_some() && got.sequence_number != *answered {
                return Err(format!(
                    "{sid} content: {id} stored as {:?}, answered {answered:?}",
                    got.sequence_number
                ));
            }
            let want = Event { sequence_number: got.sequence_number, ..(*expected).clone() };
            if **got != want {
                return Err(format!("{sid} content: {id} stored {got:?}, written {want:?}"));
            }
        }
        Ok(format!("{sid} content ({n} events as written)"))
    })();
    let same = if seen.raw == seen.events {
        Ok(format!("{sid} same log (hand query decoded = get_events)"))
    } else {
        Err(format!(
            "{sid} same log: hand query {} rows differ from get_events {}",
            seen.raw.len(),
            seen.events.len()
        ))
    };
    let counter = match seen.counter.as_slice() {
        [c] if c.last_sequence == n && seen.latest == n && c.updated_at.is_none() => {
            Ok(format!("{sid} counter ({n})"))
        }
        other => Err(format!("{sid} counter: rows {other:?}, latest {}, want {n}", seen.latest)),
    };
    // The writers' rows alternate in the log: the two protocols really ran at the same time.
    let side: Vec<bool> = seen.events.iter().map(|e| e.id.starts_with("evt_ecto")).collect();
    let switches = side.windows(2).filter(|w| w[0] != w[1]).count();
    let interleaved = if switches >= 2 {
        Ok(format!("{sid} interleaved ({switches} switches between Ecto and our rows)"))
    } else {
        Err(format!("{sid} interleaved: only {switches} switches between Ecto and our rows"))
    };
    vec![gap_free, content, same, counter, interleaved]
}

/// Prints and counts checks; returns whether all passed.
fn report(backend: &str, checks: Vec<Result<String, String>>) -> bool {
    let mut failed = 0;
    for check in &checks {
        match check {
            Ok(what) => println!("mixed-writers-{backend} {what}: ok"),
            Err(why) => {
                failed += 1;
                eprintln!("FAILED mixed-writers-{backend} {why}");
            }
        }
    }
    println!("interop mixed-writers-{backend}: {} passed, {failed} failed", checks.len() - failed);
    failed == 0
}

/// The writers' outcome as a check, and everything they wrote.
fn writers_check(results: Vec<Result<Written, String>>) -> (Result<String, String>, Written) {
    let mut all = Written::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(w) => all.extend(w),
            Err(e) => errors.push(e),
        }
    }
    let check = if errors.is_empty() {
        Ok(format!(
            "{} writers finished ({} Ecto, {} ours), {} events",
            2 * WRITERS,
            WRITERS,
            WRITERS,
            all.len()
        ))
    } else {
        Err(format!("writers: {errors:?}"))
    };
    (check, all)
}

async fn healthy<E: Executor>(s: &SqlStore<E>) -> Result<String, String> {
    match s.health_check().await.map_err(|e| e.to_string())? {
        issues if issues.is_empty() => Ok("health_check clean".to_owned()),
        issues => Err(format!("health_check: {issues:?}")),
    }
}

async fn saved_sessions<E: Executor>(s: &SqlStore<E>) {
    for sid in SESSIONS {
        s.save_session(&common::session(sid, s.env())).await.expect("save_session");
    }
}

fn postgres() -> bool {
    block_on(async {
        let db = common::pg_db::Postgres.migrated().await;
        let store = SqlStore::new(&db, env().0);
        saved_sessions(&store).await;
        let mut ecto = Vec::new();
        for _ in 0..WRITERS {
            ecto.push(EctoPostgres::new(db.client().await));
        }
        let ecto_writers =
            ecto.iter_mut().enumerate().map(|(w, writer)| ecto_steps(writer, w, Duration::ZERO));
        let our_writers = (0..WRITERS).map(|w| {
            let db = &db;
            async move { our_steps(&SqlStore::new(db, env().0), w, Duration::ZERO).await }
        });
        let (ecto_done, ours_done) = futures::future::join(
            futures::future::join_all(ecto_writers),
            futures::future::join_all(our_writers),
        )
        .await;
        let (writers, written) = writers_check(ecto_done.into_iter().chain(ours_done).collect());
        let mut checks = vec![writers];
        let reader = db.client().await;
        for sid in SESSIONS {
            let seen = async {
                let events = store
                    .get_events(sid, &EventFilter::default())
                    .await
                    .map_err(|e| e.to_string())?;
                let sql = "SELECT * FROM asm_events WHERE session_id = $1 ORDER BY sequence_number";
                let raw = decode_all(&pg_rows(&reader, sql, sid).await?, Dialect::Postgres)?;
                let sql = "SELECT * FROM asm_session_sequences WHERE session_id = $1";
                let counter = decode_all(&pg_rows(&reader, sql, sid).await?, Dialect::Postgres)?;
                let latest = store.get_latest_sequence(sid).await.map_err(|e| e.to_string())?;
                Ok::<_, String>(Observed { events, raw, counter, latest })
            }
            .await;
            match seen {
                Ok(seen) => checks.extend(check_session(sid, &written, &seen)),
                Err(e) => checks.push(Err(format!("{sid} read: {e}"))),
            }
        }
        checks.push(healthy(&store).await);
        report("postgres", checks)
    })
}

fn sqlite() -> bool {
    let db = block_on(common::sqlite_db::Sqlite(Dialect::Sqlite).migrated());
    let store = SqlStore::new(SqliteExecutor::open(db.path()).expect("open"), env().0);
    block_on(saved_sessions(&store));
    let start = Arc::new(Barrier::new(2 * WRITERS));
    let mut handles = Vec::new();
    for w in 0..WRITERS {
        let (path, barrier) = (db.path().to_owned(), start.clone());
        handles.push(std::thread::spawn(move || {
            let mut writer = EctoSqlite::open(&path);
            barrier.wait();
            block_on(ecto_steps(&mut writer, w, SQLITE_PAUSE))
        }));
        let (path, start) = (db.path().to_owned(), start.clone());
        handles.push(std::thread::spawn(move || {
            let s = SqlStore::new(SqliteExecutor::open(&path).map_err(|e| e.to_string())?, env().0);
            start.wait();
            block_on(our_steps(&s, w, SQLITE_PAUSE))
        }));
    }
    let results = handles
        .into_iter()
        .map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into())))
        .collect();
    let (writers, written) = writers_check(results);
    let mut checks = vec![writers];
    let reader = rusqlite::Connection::open(db.path()).expect("open");
    for sid in SESSIONS {
        let seen = (|| {
            let events = block_on(store.get_events(sid, &EventFilter::default()))
                .map_err(|e| e.to_string())?;
            let sql = "SELECT * FROM asm_events WHERE session_id = ? ORDER BY sequence_number";
            let raw = decode_all(&sqlite_rows(&reader, sql, sid)?, Dialect::Sqlite)?;
            let sql = "SELECT * FROM asm_session_sequences WHERE session_id = ?";
            let counter = decode_all(&sqlite_rows(&reader, sql, sid)?, Dialect::Sqlite)?;
            let latest = block_on(store.get_latest_sequence(sid)).map_err(|e| e.to_string())?;
            Ok::<_, String>(Observed { events, raw, counter, latest })
        })();
        match seen {
            Ok(seen) => checks.extend(check_session(sid, &written, &seen)),
            Err(e) => checks.push(Err(format!("{sid} read: {e}"))),
        }
    }
    checks.push(block_on(healthy(&store)));
    report("sqlite", checks)
}

fn main() {
    let sqlite = sqlite();
    let postgres = postgres();
    assert!(sqlite && postgres, "mixed writers failed (see FAILED lines above)");
}
