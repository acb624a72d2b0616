//! Concurrency stress (docs/reliability.md). PostgreSQL: 64 concurrent tasks × 500 appends to one
//! session, 64 tasks each appending 500 to its own session, and 16 tasks appending the same 100
//! events to one session. SQLite: the same two shapes on
//! one file, with OS threads each holding its own connection (WAL; `busy_timeout` makes a
//! writer wait), scaled to SQLite's single writer: 8 threads × 200 appends.
//!
//! Every round checks: sequences exactly 1..N per session, every event id stored once,
//! `get_latest_sequence == N`, `health_check` clean. Some appends repeat an id the task already
//! stored (a client retry): it must come back with its first sequence number and take none.
//!
//! `ASM_STRESS_ROUNDS` (default 1) sets the rounds per backend; `ASM_STRESS_APPENDS` overrides
//! the appends per task. Prints `reliability concurrency-postgres: N passed, M failed` and
//! `reliability concurrency-sqlite: …`, N counting (round, shape) checks. Needs `DATABASE_URL`;
//! start a throwaway server with `eval "$(scripts/postgres-up)"`.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use asm_core::EventType;
use asm_core::ports::{EventFilter, Maintenance, SessionStore};
use asm_core::sql::{Dialect, Executor, SqlStore};
use asm_native::SqliteExecutor;
use common::{Backend, block_on, env, event};

fn var(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// A hard bound on one shape of one round; exceeding it fails the check.
const TIME_LIMIT: Duration = Duration::from_secs(240);

/// Appends `n` events `evt_<tag>_<i>` to `sid`, one call each; every 25th call first repeats
/// the previous id (a retry) and checks it keeps its number. Returns the numbers it got.
async fn appender<E: Executor>(
    s: &SqlStore<E>,
    tag: &str,
    sid: &str,
    n: usize,
) -> Result<Vec<i64>, String> {
    let env = s.env().clone();
    let mut got = Vec::with_capacity(n);
    let mut previous = None;
    for i in 0..n {
        if let Some(again) = previous.as_ref().filter(|_| i % 25 == 24) {
            // A client retry sends the same event again (same id, same content).
            let stored =
                s.append_event_with_sequence(again).await.map_err(|e| format!("retry: {e}"))?;
            if stored.sequence_number != got.last().copied() {
                return Err(format!(
                    "retry of {} got {:?}, first got {:?}",
                    again.id,
                    stored.sequence_number,
                    got.last()
                ));
            }
        }
        let e = event(&format!("evt_{tag}_{i}"), sid, EventType::MessageReceived, &env);
        let stored = s.append_event_with_sequence(&e).await.map_err(|e| format!("append: {e}"))?;
        previous = Some(e);
        got.push(stored.sequence_number.ok_or("no sequence number")?);
    }
    Ok(got)
}

/// The stored log of `sid` is exactly 1..=n with distinct ids, and the counter says n.
async fn verify<E: Executor>(s: &SqlStore<E>, sid: &str, n: usize) -> Result<(), String> {
    let events = s.get_events(sid, &EventFilter::default()).await.map_err(|e| e.to_string())?;
    let seqs: Vec<i64> = events.iter().map(|e| e.sequence_number.unwrap_or(0)).collect();
    if seqs != (1..=n as i64).collect::<Vec<_>>() {
        return Err(format!("{sid}: {} events, sequences not 1..={n}", seqs.len()));
    }
    let ids: HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    if ids.len() != n {
        return Err(format!("{sid}: {} distinct ids for {n} events", ids.len()));
    }
    let latest = s.get_latest_sequence(sid).await.map_err(|e| e.to_string())?;
    if latest != n as i64 {
        return Err(format!("{sid}: latest sequence {latest}, want {n}"));
    }
    Ok(())
}

/// Saves the sessions the appends go to (events of an unsaved session are a health issue).
async fn sessions<E: Executor>(
    s: &SqlStore<E>,
    ids: impl IntoIterator<Item = String>,
) -> Result<(), String> {
    for id in ids {
        s.save_session(&common::session(&id, s.env()))
            .await
            .map_err(|e| format!("save_session: {e}"))?;
    }
    Ok(())
}

async fn healthy<E: Executor>(s: &SqlStore<E>) -> Result<(), String> {
    match s.health_check().await.map_err(|e| e.to_string())? {
        issues if issues.is_empty() => Ok(()),
        issues => Err(format!("health_check: {issues:?}")),
    }
}

/// Every task's own numbers must be increasing, and all of them together exactly 1..=n.
fn disjoint(all: Vec<Vec<i64>>, n: usize) -> Result<(), String> {
    if let Some(bad) = all.iter().find(|v| v.windows(2).any(|w| w[0] >= w[1])) {
        return Err(format!(
            "a task's numbers are not increasing: {:?}…",
            &bad[..bad.len().min(10)]
        ));
    }
    let mut flat: Vec<i64> = all.into_iter().flatten().collect();
    flat.sort_unstable();
    if flat != (1..=n as i64).collect::<Vec<_>>() {
        return Err(format!("returned numbers are not 1..={n} ({} returned)", flat.len()));
    }
    Ok(())
}

/// Prints and counts one check.
fn record(
    backend: &str,
    what: &str,
    started: Instant,
    result: Result<(), String>,
    tally: &mut (usize, Vec<String>),
) {
    let elapsed = started.elapsed();
    let result = result.and_then(|()| match elapsed > TIME_LIMIT {
        true => Err(format!("took {elapsed:?}, over {TIME_LIMIT:?}")),
        false => Ok(()),
    });
    println!(
        "concurrency-{backend} {what}: {:.1} s, {}",
        elapsed.as_secs_f64(),
        if result.is_ok() { "ok" } else { "FAILED" }
    );
    match result {
        Ok(()) => tally.0 += 1,
        Err(e) => tally.1.push(format!("{backend} {what}: {e}")),
    }
}

fn report(backend: &str, tally: (usize, Vec<String>)) -> bool {
    for f in &tally.1 {
        eprintln!("FAILED {f}");
    }
    println!("reliability concurrency-{backend}: {} passed, {} failed", tally.0, tally.1.len());
    tally.1.is_empty()
}

fn postgres_64_tasks() -> bool {
    let (rounds, per_task, tasks) =
        (var("ASM_STRESS_ROUNDS", 1), var("ASM_STRESS_APPENDS", 500), 64);
    let mut tally = (0, Vec::new());
    for round in 0..rounds {
        block_on(async {
            let s = SqlStore::new(common::pg_db::Postgres.migrated().await, env().0);
            let ids =
                std::iter::once("ses_one".to_owned()).chain((0..tasks).map(|t| format!("ses_{t}")));
            sessions(&s, ids).await.expect("sessions");
            let started = Instant::now();
            let calls = (0..tasks).map(|t| {
                let s = &s;
                async move { appender(s, &format!("one_{t}"), "ses_one", per_task).await }
            });
            let result = async {
                let got = futures::future::join_all(calls)
                    .await
                    .into_iter()
                    .collect::<Result<Vec<_>, _>>()?;
                disjoint(got, tasks * per_task)?;
                verify(&s, "ses_one", tasks * per_task).await?;
                healthy(&s).await
            };
            let what = format!("round {round}: {tasks} tasks x {per_task} appends, one session");
            record("postgres", &what, started, result.await, &mut tally);
            let started = Instant::now();
            let calls = (0..tasks).map(|t| {
                let s = &s;
                async move {
                    appender(s, &format!("own_{t}"), &format!("ses_{t}"), per_task)
                        .await
                        .map(|v| (t, v))
                }
            });
            let result = async {
                for (t, got) in futures::future::join_all(calls)
                    .await
                    .into_iter()
                    .collect::<Result<Vec<_>, _>>()?
                {
                    disjoint(vec![got], per_task)?;
                    verify(&s, &format!("ses_{t}"), per_task).await?;
                }
                healthy(&s).await
            };
            let what =
                format!("round {round}: {tasks} tasks x {per_task} appends, {tasks} sessions");
            record("postgres", &what, started, result.await, &mut tally);
            let started = Instant::now();
            let what = format!("round {round}: 16 tasks x the same 100 events in batches of 10");
            record("postgres", &what, started, same_events(&s, 16, 100).await, &mut tally);
        });
    }
    report("postgres", tally)
}

/// `tasks` tasks append the same `n` events (same ids and content) to one session, 10 per call,
/// all at once. On PostgreSQL an append's counter bump may wait for another task's commit and
/// then insert an id that task stored after its snapshot: the insert must fail and retry, so
/// every task gets the same number for an id and the log is exactly 1..=n.
async fn same_events<E: Executor>(s: &SqlStore<E>, tasks: usize, n: usize) -> Result<(), String> {
    let sid = "ses_same";
    sessions(s, std::iter::once(sid.to_owned())).await?;
    let env = s.env().clone();
    let events: Vec<_> = (0..n)
        .map(|i| event(&format!("evt_same_{i}"), sid, EventType::MessageReceived, &env))
        .collect();
    let calls = (0..tasks).map(|t| {
        let events = &events;
        async move {
            let mut got = Vec::with_capacity(n);
            // Each task starts at another batch, so they meet in the middle of each other's.
            for k in 0..events.len().div_ceil(10) {
                let k = (k + t) % events.len().div_ceil(10);
                let batch = &events[k * 10..((k + 1) * 10).min(events.len())];
                let stored = s.append_events(batch).await.map_err(|e| format!("task {t}: {e}"))?;
                got.extend(stored.into_iter().map(|e| (e.id, e.sequence_number)));
            }
            got.sort();
            Ok::<_, String>(got)
        }
    });
    let answers =
        futures::future::join_all(calls).await.into_iter().collect::<Result<Vec<_>, _>>()?;
    if let Some(other) = answers.iter().find(|a| *a != &answers[0]) {
        return Err(format!("tasks disagree: {:?} against {:?}", &other[..3], &answers[0][..3]));
    }
    verify(s, sid, n).await
}

/// `threads` OS threads, each with its own connection to `path`, thread `t` appending to
/// `session(t)`; returns what each thread got.
fn sqlite_threads(
    path: &std::path::Path,
    threads: usize,
    per_thread: usize,
    tag: &str,
    session: fn(usize) -> String,
) -> Result<Vec<(usize, Vec<i64>)>, String> {
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (path, tag) = (path.to_owned(), format!("{tag}_{t}"));
            std::thread::spawn(move || {
                let exec = SqliteExecutor::open(&path).map_err(|e| e.to_string())?;
                let s = SqlStore::new(exec, env().0);
                block_on(appender(&s, &tag, &session(t), per_thread)).map(|v| (t, v))
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().map_err(|_| "thread panicked".to_owned())?).collect()
}

fn sqlite_threads_one_file() -> bool {
    let (rounds, per_thread, threads) =
        (var("ASM_STRESS_ROUNDS", 1), var("ASM_STRESS_APPENDS", 200), 8);
    let mut tally = (0, Vec::new());
    for round in 0..rounds {
        let db = block_on(common::sqlite_db::Sqlite(Dialect::Sqlite).migrated());
        let s = SqlStore::new(SqliteExecutor::open(db.path()).expect("open"), env().0);
        let ids =
            std::iter::once("ses_one".to_owned()).chain((0..threads).map(|t| format!("ses_{t}")));
        block_on(sessions(&s, ids)).expect("sessions");
        let started = Instant::now();
        let result = sqlite_threads(db.path(), threads, per_thread, "one", |_| "ses_one".into())
            .and_then(|got| {
                disjoint(got.into_iter().map(|(_, v)| v).collect(), threads * per_thread)?;
                block_on(async {
                    verify(&s, "ses_one", threads * per_thread).await?;
                    healthy(&s).await
                })
            });
        let what = format!("round {round}: {threads} threads x {per_thread} appends, one session");
        record("sqlite", &what, started, result, &mut tally);
        let started = Instant::now();
        let result = sqlite_threads(db.path(), threads, per_thread, "own", |t| format!("ses_{t}"))
            .and_then(|got| {
                block_on(async {
                    for (t, v) in got {
                        disjoint(vec![v], per_thread)?;
                        verify(&s, &format!("ses_{t}"), per_thread).await?;
                    }
                    healthy(&s).await
                })
            });
        let what =
            format!("round {round}: {threads} threads x {per_thread} appends, {threads} sessions");
        record("sqlite", &what, started, result, &mut tally);
    }
    report("sqlite", tally)
}

fn main() {
    let sqlite = sqlite_threads_one_file();
    let postgres = postgres_64_tasks();
    assert!(sqlite && postgres, "concurrency stress failed (see FAILED lines above)");
}
