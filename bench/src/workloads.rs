//! W1–W6. Each repetition runs ours and raw on fresh databases, alternating which goes first.

use std::time::{Duration, Instant};

use asm_core::ports::{EventFilter, Maintenance, QueryApi, SessionSearch, SessionStore};
use asm_core::{Limit, RetentionPolicy, Scope};
use asm_native::system_env;

use crate::backend::{Backend, RawOps};
use crate::data;
use crate::report::{Figure, Sizes};

/// Sessions W1–W3 spread their events over.
const SESSIONS: usize = 10;
/// W4 page size: 50 cursors deep stays inside 2 000 sessions.
const PAGE: i64 = 20;
/// Timed calls per W4 page measurement.
const PAGE_CALLS: usize = 100;
/// W5 events per session and the pruning bound.
const W5_PER_SESSION: usize = 100;
const W5_MAX: i64 = 80;

/// Runs every workload on `backend`.
pub async fn run_all<B: Backend>(backend: &B, sizes: &Sizes) -> Vec<Figure> {
    let mut figures = Vec::new();
    let name = backend.name();
    if sizes.wants("W1") {
        figures.push(w1(backend, sizes).await);
        eprintln!("  W1 {name} done");
    }
    if sizes.wants("W2") || sizes.wants("W3") {
        let (w2, w3) = w2_w3(backend, sizes).await;
        figures.push(w2);
        figures.push(w3);
        eprintln!("  W2, W3 {name} done");
    }
    if sizes.wants("W4") {
        figures.extend(w4(backend, sizes).await);
        eprintln!("  W4 {name} done");
    }
    if sizes.wants("W5") {
        figures.push(w5(backend, sizes).await);
        eprintln!("  W5 {name} done");
    }
    if sizes.wants("W6") {
        figures.push(w6(backend, sizes).await);
        eprintln!("  W6 {name} done");
    }
    if sizes.wants("W7") {
        figures.extend(w7(backend, sizes).await);
        eprintln!("  W7 {name} done");
    }
    figures
}

/// Runs `ours` and `raw` in the order of repetition `rep`.
async fn interleaved<O, R>(rep: usize, ours: O, raw: R) -> (Duration, Duration)
where
    O: AsyncFnOnce() -> Duration,
    R: AsyncFnOnce() -> Duration,
{
    if rep.is_multiple_of(2) {
        let o = ours().await;
        (o, raw().await)
    } else {
        let r = raw().await;
        (ours().await, r)
    }
}

/// Slices per repetition in W1–W3: ours and raw alternate slice by slice, so both sides see the
/// same background load (the machine is shared) and the sums are compared.
const SLICES: usize = 10;

/// Runs `items` in `SLICES` slices, each through `ours` and then `raw` (or the reverse,
/// alternating), and returns the summed wall times.
async fn sliced<T>(
    rep: usize,
    items: &[T],
    ours: impl AsyncFn(&[T]),
    raw: impl AsyncFn(&[T]),
) -> (Duration, Duration) {
    let (mut o, mut r) = (Duration::ZERO, Duration::ZERO);
    for (k, slice) in items.chunks(items.len().div_ceil(SLICES).max(1)).enumerate() {
        let (so, sr) = interleaved(
            rep + k,
            async || {
                let t = Instant::now();
                ours(slice).await;
                t.elapsed()
            },
            async || {
                let t = Instant::now();
                raw(slice).await;
                t.elapsed()
            },
        )
        .await;
        o += so;
        r += sr;
    }
    (o, r)
}

async fn w1<B: Backend>(backend: &B, sizes: &Sizes) -> Figure {
    let env = system_env();
    let mut fig = Figure::new("W1", backend.name(), sizes.w1, "events");
    for rep in 0..sizes.reps {
        let events = data::events(&env, &format!("w1-{rep}"), SESSIONS, sizes.w1);
        let (db_o, db_r) = (backend.fresh().await, backend.fresh().await);
        let (store, raw) = (backend.ours(&db_o).await, backend.raw(&db_r).await);
        let (o, r) = sliced(
            rep,
            &events,
            async |slice: &[asm_core::Event]| {
                for e in slice {
                    store.append_event(e).await.expect("append_event");
                }
            },
            async |slice: &[asm_core::Event]| {
                for e in slice {
                    raw.append_one(e).await;
                }
            },
        )
        .await;
        fig.push(o, r);
        drop((store, raw));
        backend.drop_db(db_o).await;
        backend.drop_db(db_r).await;
    }
    fig
}

/// The backend's name in W2/W3 lines, with the events stored before them: `postgres@1M`.
fn stored_label(backend: &str, stored: usize) -> String {
    match stored {
        0 => backend.to_owned(),
        n if n % 1_000_000 == 0 => format!("{backend}@{}M", n / 1_000_000),
        n if n % 1_000 == 0 => format!("{backend}@{}k", n / 1_000),
        n => format!("{backend}@{n}"),
    }
}

/// The counters of the seeded sessions, then fresh planner statistics (both dialects).
const STORED_COUNTERS: &str = "INSERT INTO asm_session_sequences (session_id, last_sequence) \
     SELECT session_id, MAX(sequence_number) FROM asm_events GROUP BY session_id; ANALYZE";

/// Seeds `n` events in 1 000 other sessions (with their counters) in one statement per table,
/// then refreshes the planner's statistics as autovacuum would have on a store that grew there.
fn stored_events_sql(sqlite: bool, n: usize) -> String {
    if sqlite {
        format!(
            "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < {n}) \
             INSERT INTO asm_events (id, type, \"timestamp\", session_id, sequence_number, data, metadata) \
             SELECT printf('evt_%032x', i), 'message_received', \
             strftime('%Y-%m-%dT%H:%M:%S', '2026-01-01', (i / 1000) || ' seconds') || '.000000', \
             printf('ses_stored_%d', i % 1000), i / 1000 + 1, '{{\"content\":\"stored before\"}}', '{{}}' FROM k; {STORED_COUNTERS}"
        )
    } else {
        format!(
            "INSERT INTO asm_events (id, type, \"timestamp\", session_id, sequence_number, data, metadata) \
             SELECT 'evt_' || lpad(to_hex(i), 32, '0'), 'message_received', \
             timestamp '2026-01-01' + (i / 1000) * interval '1 second', 'ses_stored_' || (i % 1000), \
             i / 1000 + 1, '{{\"content\":\"stored before\"}}', '{{}}' FROM generate_series(0::bigint, {n}::bigint - 1) AS i; {STORED_COUNTERS}"
        )
    }
}

async fn w2_w3<B: Backend>(backend: &B, sizes: &Sizes) -> (Figure, Figure) {
    let env = system_env();
    let label = stored_label(backend.name(), sizes.stored);
    let mut w2 = Figure::new("W2", &label, sizes.w2, "events");
    let mut w3 = Figure::new("W3", &label, sizes.w2, "events");
    for rep in 0..sizes.reps {
        let sessions: Vec<String> = (0..SESSIONS).map(|k| format!("w2-{rep}-{k}")).collect();
        let per = sizes.w2 / SESSIONS;
        // Batches of 100 of one session each, sessions taking turns.
        let mut batches = Vec::new();
        let per_session: Vec<Vec<_>> =
            sessions.iter().map(|s| data::session_events(&env, s, per)).collect();
        for b in 0..per.div_ceil(sizes.batch) {
            for events in &per_session {
                let chunk = &events[(b * sizes.batch).min(per)..((b + 1) * sizes.batch).min(per)];
                if !chunk.is_empty() {
                    batches.push(chunk.to_vec());
                }
            }
        }
        let (db_o, db_r) = (backend.fresh().await, backend.fresh().await);
        let (store, raw) = (backend.ours(&db_o).await, backend.raw(&db_r).await);
        if sizes.stored > 0 {
            let t = Instant::now();
            let seed = stored_events_sql(store.dialect().is_sqlite(), sizes.stored);
            backend.raw(&db_o).await.run_sql(&seed).await;
            raw.run_sql(&seed).await;
            eprintln!(
                "  {label}: {} events stored in {:.1} s",
                2 * sizes.stored,
                t.elapsed().as_secs_f64()
            );
        }
        let (o, r) = sliced(
            rep,
            &batches,
            async |slice: &[Vec<asm_core::Event>]| {
                for batch in slice {
                    store.append_events(batch).await.expect("append_events");
                }
            },
            async |slice: &[Vec<asm_core::Event>]| {
                for batch in slice {
                    raw.append_batch(batch).await;
                }
            },
        )
        .await;
        w2.push(o, r);
        let (o, r) = sliced(
            rep,
            &sessions,
            async |slice: &[String]| {
                for s in slice {
                    let n = store
                        .get_events(s, &EventFilter::default())
                        .await
                        .expect("get_events")
                        .len();
                    assert_eq!(n, per, "ours read back every event");
                }
            },
            async |slice: &[String]| {
                for s in slice {
                    assert_eq!(raw.read_session(s).await, per, "raw read back every event");
                }
            },
        )
        .await;
        w3.push(o, r);
        drop((store, raw));
        backend.drop_db(db_o).await;
        backend.drop_db(db_r).await;
    }
    (w2, w3)
}

/// W4: first page and the page after 50 cursors, `PAGE_CALLS` calls each.
async fn w4<B: Backend>(backend: &B, sizes: &Sizes) -> Vec<Figure> {
    let env = system_env();
    let calls = PAGE_CALLS;
    let mut first = Figure::new("W4", backend.name(), calls, "pages");
    let mut deep = Figure::new("W4-deep", backend.name(), calls, "pages");
    let sessions: Vec<_> =
        (0..sizes.w4_sessions).map(|_| data::session(&env, "bench-agent")).collect();
    let events: Vec<_> =
        sessions.iter().flat_map(|s| data::session_events(&env, &s.id, 10)).collect();
    let (db_o, db_r) = (backend.fresh().await, backend.fresh().await);
    backend.raw(&db_o).await.load(&sessions, &events).await;
    backend.raw(&db_r).await.load(&sessions, &events).await;
    let (store, raw) = (backend.ours(&db_o).await, backend.raw(&db_r).await);
    let query = SessionSearch { limit: Some(PAGE), ..SessionSearch::default() };
    // Walk 50 cursors (untimed) to find the deep page on both sides.
    let mut cursor = None;
    let mut key = None;
    for _ in 0..sizes.w4_depth {
        let page = store
            .search_sessions(&SessionSearch { cursor: cursor.clone(), ..query.clone() })
            .await
            .expect("search");
        cursor = page.cursor;
        key = raw.search(key.as_ref(), PAGE).await.2;
    }
    let deep_query = SessionSearch { cursor, ..query.clone() };
    for rep in 0..sizes.reps {
        let (o, r) = interleaved(
            rep,
            async || {
                let t = Instant::now();
                for _ in 0..calls {
                    let page = store.search_sessions(&query).await.expect("search");
                    assert_eq!(page.sessions.len(), PAGE as usize);
                }
                t.elapsed()
            },
            async || {
                let t = Instant::now();
                for _ in 0..calls {
                    assert_eq!(raw.search(None, PAGE).await.1, PAGE as usize);
                }
                t.elapsed()
            },
        )
        .await;
        first.push(o, r);
        let (o, r) = interleaved(
            rep,
            async || {
                let t = Instant::now();
                for _ in 0..calls {
                    let page = store.search_sessions(&deep_query).await.expect("search");
                    assert_eq!(page.sessions.len(), PAGE as usize);
                }
                t.elapsed()
            },
            async || {
                let t = Instant::now();
                for _ in 0..calls {
                    assert_eq!(raw.search(key.as_ref(), PAGE).await.1, PAGE as usize);
                }
                t.elapsed()
            },
        )
        .await;
        deep.push(o, r);
    }
    drop((store, raw));
    backend.drop_db(db_o).await;
    backend.drop_db(db_r).await;
    vec![first, deep]
}

async fn w5<B: Backend>(backend: &B, sizes: &Sizes) -> Figure {
    let env = system_env();
    let mut fig = Figure::new("W5", backend.name(), sizes.w5, "events");
    let n_sessions = (sizes.w5 / W5_PER_SESSION).max(4);
    let sessions: Vec<_> = (0..n_sessions).map(|k| data::maintenance_session(&env, k)).collect();
    let events: Vec<_> =
        sessions.iter().flat_map(|s| data::session_events(&env, &s.id, W5_PER_SESSION)).collect();
    backend.make_template(&sessions, &events).await;
    drop(events);
    let policy = RetentionPolicy {
        max_completed_session_age_days: Limit::Finite(90),
        hard_delete_after_days: Limit::Finite(30),
        max_events_per_session: Limit::Finite(W5_MAX),
        ..RetentionPolicy::default()
    };
    for rep in 0..sizes.reps {
        let (db_o, db_r) = (backend.copy_template().await, backend.copy_template().await);
        let (store, raw) = (backend.ours(&db_o).await, backend.raw(&db_r).await);
        let (o, r) = interleaved(
            rep,
            async || {
                let t = Instant::now();
                let report = store.execute(&policy).await.expect("maintenance");
                assert!(report.errors.is_empty(), "{:?}", report.errors);
                assert!(report.sessions_hard_deleted > 0 && report.events_pruned > 0, "{report:?}");
                t.elapsed()
            },
            async || {
                let now = env.now();
                let t = Instant::now();
                raw.maintenance(
                    &data::ts(now),
                    &data::ts(now.add_days(-90)),
                    &data::ts(now.add_days(-30)),
                    W5_MAX,
                    policy.batch_size as usize,
                )
                .await;
                t.elapsed()
            },
        )
        .await;
        fig.push(o, r);
        drop((store, raw));
        backend.drop_db(db_o).await;
        backend.drop_db(db_r).await;
    }
    backend.drop_template().await;
    fig
}

async fn w6<B: Backend>(backend: &B, sizes: &Sizes) -> Figure {
    let env = system_env();
    let mut fig = Figure::new("W6", backend.name(), sizes.w2, "events");
    let writers = sizes.writers;
    for rep in 0..sizes.reps {
        let per = sizes.w2 / writers;
        let plan: Vec<Vec<Vec<_>>> = (0..writers)
            .map(|w| {
                let events = data::session_events(&env, &format!("w6-{rep}-{w}"), per);
                events.chunks(sizes.batch).map(<[_]>::to_vec).collect()
            })
            .collect();
        let (db_o, db_r) = (backend.fresh().await, backend.fresh().await);
        let (o, r) = interleaved(
            rep,
            async || backend.concurrent(&db_o, true, &plan).await,
            async || backend.concurrent(&db_r, false, &plan).await,
        )
        .await;
        fig.push(o, r);
        backend.drop_db(db_o).await;
        backend.drop_db(db_r).await;
    }
    fig
}

/// W7: what an agent scope costs. The same calls through a store restricted to the sessions'
/// agent ("ours") and through the unrestricted store ("raw" side of the ratio), on one
/// database: single appends (one guard statement each) and first pages of `search_sessions`
/// (one predicate over the sessions' agent).
async fn w7<B: Backend>(backend: &B, sizes: &Sizes) -> Vec<Figure> {
    let env = system_env();
    // Each side appends every other event of the same list.
    let mut append = Figure::new("W7-scope-append", backend.name(), sizes.w1 / 2, "events");
    let mut search = Figure::new("W7-scope-search", backend.name(), PAGE_CALLS, "pages");
    for rep in 0..sizes.reps {
        let db = backend.fresh().await;
        let all = backend.ours(&db).await;
        let sessions: Vec<_> =
            (0..SESSIONS * 10).map(|_| data::session(&env, "bench-agent")).collect();
        for session in &sessions {
            all.save_session(session).await.expect("save_session");
        }
        let scoped = backend.ours(&db).await.with_scope(Scope::agents(["bench-agent"]));
        let events: Vec<_> = sessions
            .iter()
            .take(SESSIONS)
            .flat_map(|s| data::session_events(&env, &s.id, sizes.w1.div_ceil(SESSIONS)))
            .collect();
        let (o, r) = sliced(
            rep,
            &events,
            async |slice: &[asm_core::Event]| {
                for e in slice.iter().step_by(2) {
                    scoped.append_event(e).await.expect("scoped append_event");
                }
            },
            async |slice: &[asm_core::Event]| {
                for e in slice.iter().skip(1).step_by(2) {
                    all.append_event(e).await.expect("append_event");
                }
            },
        )
        .await;
        append.push(o, r);
        let query = SessionSearch { limit: Some(PAGE), ..SessionSearch::default() };
        let (o, r) = interleaved(
            rep,
            async || pages(&scoped, &query).await,
            async || pages(&all, &query).await,
        )
        .await;
        search.push(o, r);
        drop((all, scoped));
        backend.drop_db(db).await;
    }
    vec![append, search]
}

/// `PAGE_CALLS` first pages of `query`; the time they took.
async fn pages(store: &impl QueryApi, query: &SessionSearch) -> Duration {
    let t = Instant::now();
    for _ in 0..PAGE_CALLS {
        let page = store.search_sessions(query).await.expect("search");
        assert_eq!(page.sessions.len(), PAGE as usize);
    }
    t.elapsed()
}
