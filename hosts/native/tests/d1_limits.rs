//! D1's limits, enforced (`common::d1::D1Limits`: 100 bound values and 100,000 bytes per
//! statement, 2 MB per value, queries per invocation and per batch), over SQLite in D1's
//! dialect. Every operation of the store stays within them on a large store, and maintenance
//! under its statement budget, run across as many invocations as it takes, converges to exactly
//! the table contents of one unbounded run over a copy of the same data.
//!
//! The store is generated with bulk SQL straight into the SQLite files. Its size is
//! `ASM_D1_SESSIONS` (default 1,200: every chunk boundary is crossed in well under a minute;
//! 200,000 gives the full run, about 2.4 million events); `ASM_D1_QUERY_CAP` (50, the Free
//! plan) and `ASM_D1_BUDGET` (the store's D1 default, 45) set the invocation cap and the
//! maintenance budget. Prints `reliability d1-limits: N passed, M failed`.

mod common;

use std::sync::Arc;
use std::time::Instant;

use asm_core::ports::{
    CostQuery, EventFilter, EventSearch, ListSessions, Maintenance, MaintenanceReport, QueryApi,
    SessionSearch, SessionStore, UsageQuery,
};
use asm_core::sql::{Access, Dialect, Executor, SqlStore, Statement, Value};
use asm_core::{Env, Limit, MaintenanceBudget, RetentionPolicy, SeededIds, SteppingClock};
use common::d1::{D1Limits, FREE_QUERIES, MAX_SQL_BYTES, PAID_QUERIES};
use common::sqlite_db::{Sqlite, TempDb};
use common::{Backend, T0, block_on, events, session};

/// One named check's outcome.
type Check = (String, Result<(), String>);

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A clock that never moves: every run (bounded or not) marks with the same `now`, so the
/// tables of the two databases can be compared row for row.
fn fixed_env() -> Env {
    Env::new(Arc::new(SteppingClock::new(T0, 0)), Arc::new(SeededIds::new(3)))
}

fn ensure(cond: bool, what: impl Into<String>) -> Result<(), String> {
    if cond { Ok(()) } else { Err(what.into()) }
}

/// Sessions with this many events are pruned; every other session has [`SMALL`] events.
const BIG: u64 = 250;
const SMALL: u64 = 7;
/// Every 50th session (from 2: active or soft-deleted by this run, so all are pruned) is big.
const BIG_EVERY: u64 = 50;

/// The policy of the run: 90-day soft delete, 30-day hard delete, at most 8 events.
fn policy() -> RetentionPolicy {
    RetentionPolicy { max_events_per_session: Limit::Finite(8), ..RetentionPolicy::default() }
}

/// Fills a migrated database with `n` sessions in bulk SQL: a quarter old and completed (soft
/// delete), a quarter soft-deleted 60 days ago (hard delete), a quarter active, a quarter old
/// but pinned; each with a run, [`SMALL`] or [`BIG`] events and its sequence counter; an
/// artifact on every 10th; plus orphaned artifacts and counters (one per 100 sessions).
fn generate(path: &std::path::Path, n: u64) {
    let mut db = rusqlite::Connection::open(path).expect("open for bulk load");
    let old = "2024-10-01T00:00:00.000000";
    let deleted = T0.add_days(-60).to_sql_text();
    let tx = db.transaction().expect("transaction");
    let sql = format!(
        "WITH RECURSIVE k(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM k WHERE x + 1 < {n})
         INSERT INTO asm_sessions (id, agent_id, status, metadata, context, tags, created_at, updated_at, deleted_at)
         SELECT printf('ses_%07d', x), 'agent-' || (x % 7),
                CASE x % 4 WHEN 2 THEN 'active' WHEN 3 THEN 'failed' ELSE 'completed' END,
                '{{}}', '{{}}', CASE x % 4 WHEN 3 THEN '[\"pinned\"]' ELSE '[]' END,
                '{old}', '{old}', CASE x % 4 WHEN 1 THEN '{deleted}' END FROM k;
         INSERT INTO asm_runs (id, session_id, status, metadata, turn_count, token_usage, started_at, provider, provider_metadata)
         SELECT 'run_' || substr(id, 5), id, 'completed', '{{}}', 1,
                '{{\"input_tokens\":10,\"output_tokens\":5}}', '{old}', 'anthropic', '{{}}'
         FROM asm_sessions;
         WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < {BIG})
         INSERT INTO asm_events (id, type, \"timestamp\", session_id, sequence_number, data, metadata, schema_version)
         SELECT 'evt_' || substr(s.id, 5) || '_' || q.n,
                CASE WHEN q.n = 1 THEN 'session_created' WHEN q.n % 5 = 0 THEN 'run_started'
                     WHEN q.n % 5 = 1 THEN 'message_streamed' WHEN q.n % 5 = 2 THEN 'message_sent'
                     WHEN q.n % 5 = 3 THEN 'token_usage_updated' ELSE 'message_received' END,
                '{old}', s.id, q.n, '{{}}', '{{}}', 1
         FROM asm_sessions s JOIN q ON q.n <= CASE WHEN CAST(substr(s.id, 5) AS INTEGER) % {BIG_EVERY} = 2
                                                   THEN {BIG} ELSE {SMALL} END;
         INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at)
         SELECT session_id, MAX(sequence_number), '{old}' FROM asm_events GROUP BY session_id;
         WITH RECURSIVE k(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM k WHERE x + 1 < {n})
         INSERT INTO asm_artifacts (id, session_id, key, byte_size, checksum_sha256, storage_backend, storage_ref, metadata, created_at)
         SELECT 'art_' || x, CASE WHEN x % 100 = 5 THEN printf('gone_%07d', x) ELSE printf('ses_%07d', x) END,
                'k/' || x, 10, 'abc', 's3', 's3://b/' || x, '{{}}', '{old}'
         FROM k WHERE x % 10 = 1 OR x % 100 = 5;
         WITH RECURSIVE k(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM k WHERE x + 1 < {n})
         INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at)
         SELECT printf('gone_%07d', x), 3, '{old}' FROM k WHERE x % 100 = 5;"
    );
    tx.execute_batch(&sql).expect("bulk load");
    tx.commit().expect("commit bulk load");
}

/// Rows of `table` that one database has and the other lacks (both ways), and the row counts.
fn table_diff(a: &std::path::Path, b: &std::path::Path, table: &str) -> (i64, i64, i64) {
    let db = rusqlite::Connection::open(a).expect("open a");
    db.execute("ATTACH DATABASE ?1 AS other", [b.to_str().expect("utf-8 path")]).expect("attach");
    let one = |sql: String| db.query_row(&sql, [], |r| r.get::<_, i64>(0)).expect("diff");
    let a_only = one(format!(
        "SELECT COUNT(*) FROM (SELECT * FROM main.{table} EXCEPT SELECT * FROM other.{table})"
    ));
    let b_only = one(format!(
        "SELECT COUNT(*) FROM (SELECT * FROM other.{table} EXCEPT SELECT * FROM main.{table})"
    ));
    (a_only, b_only, one(format!("SELECT COUNT(*) FROM main.{table}")))
}

/// The counts of a report (for summing invocations and comparing with one run).
fn counts(r: &MaintenanceReport) -> [u64; 5] {
    [
        r.sessions_soft_deleted,
        r.sessions_hard_deleted,
        r.events_pruned,
        r.artifacts_cleaned,
        r.orphaned_sequences_cleaned,
    ]
}

/// The wrapper refuses what D1 refuses: 101 values, a statement over 100,000 bytes, queries past
/// the invocation's cap (until the next invocation).
async fn refusals(checks: &mut Vec<Check>) {
    let exec = D1Limits::new(Sqlite(Dialect::D1).migrated().await, 3);
    exec.new_invocation();
    let placeholders: Vec<String> = (1..=101).map(|i| format!("?{i}")).collect();
    let statement = Statement {
        sql: format!("SELECT 1 WHERE 1 IN ({})", placeholders.join(", ")),
        params: (1..=101).map(Value::Integer).collect(),
        access: Access::Read,
    };
    let refused = exec.batch(vec![statement.clone()]).await;
    let inner = exec.inner.batch(vec![statement]).await;
    checks.push((
        "101 bound values are refused (by the wrapper and by D1-dialect SQLite)".into(),
        ensure(
            refused.is_err() && inner.is_err_and(|e| e.message.contains("too many SQL variables")),
            "a statement with 101 values ran",
        ),
    ));
    let long = Statement::read(format!("SELECT 1 /* {} */", "x".repeat(MAX_SQL_BYTES)));
    checks.push((
        "a statement over 100,000 bytes is refused".into(),
        ensure(exec.batch(vec![long]).await.is_err(), "a 100,011-byte statement ran"),
    ));
    let two = || vec![Statement::read("SELECT 1"), Statement::read("SELECT 2")];
    let first = exec.batch(two()).await.is_ok();
    let over = exec.batch(two()).await.is_err();
    exec.new_invocation();
    let again = exec.batch(two()).await.is_ok();
    checks.push((
        "queries past the invocation cap are refused until the next invocation".into(),
        ensure(first && over && again, format!("first {first}, over {over}, again {again}")),
    ));
}

/// Filter lists of any length bind as one value; appends are chunked (a 9-event D1 chunk).
async fn long_filter_lists(checks: &mut Vec<Check>) {
    let env = fixed_env();
    let store = SqlStore::new(
        D1Limits::new(Sqlite(Dialect::D1).migrated().await, PAID_QUERIES),
        env.clone(),
    );
    let exec = store.executor();
    let mut result = Ok(());
    let mut ids = Vec::new();
    for i in 0..250 {
        let sid = format!("ses_{i:03}");
        exec.new_invocation();
        store.save_session(&session(&sid, &env)).await.expect("save session");
        exec.new_invocation();
        store.append_events(&events(&format!("evt_{i}"), &sid, 2, &env)).await.expect("append");
        ids.push(sid);
    }
    let query =
        EventSearch { session_ids: ids.clone(), limit: Some(1000), ..EventSearch::default() };
    exec.new_invocation();
    let found = store.search_events(&query).await.map(|p| p.events.len());
    let counted = store.count_events(&query).await;
    if !matches!(found, Ok(500)) || !matches!(counted, Ok(500)) {
        result = Err(format!("search_events {found:?}, count_events {counted:?}"));
    }
    let sessions = SessionSearch { limit: Some(1000), ..SessionSearch::default() };
    let total = store.search_sessions(&sessions).await.map(|p| p.total_count);
    if !matches!(total, Ok(250)) {
        result = Err(format!("search_sessions total {total:?}"));
    }
    checks.push(("250-session filter lists fit one statement".into(), result));
    checks.push((
        "no statement was refused (small store)".into(),
        ensure(exec.refused.borrow().is_empty(), format!("{:?}", exec.refused.borrow())),
    ));
}

/// Maintenance at scale: one unbounded run over copy B, budgeted runs over copy A (each its
/// own invocation, under the cap) until one reports `complete`; then the same tables.
async fn maintenance_at_scale(checks: &mut Vec<Check>) -> SqlStore<D1Limits<TempDb>> {
    let n = knob("ASM_D1_SESSIONS", 1_200);
    let cap = knob("ASM_D1_QUERY_CAP", FREE_QUERIES);
    let budget = knob("ASM_D1_BUDGET", MaintenanceBudget::D1_DEFAULT_STATEMENTS);
    let (a, b) = (
        TempDb::migrated(Dialect::D1).expect("db a"),
        TempDb::migrated(Dialect::D1).expect("db b"),
    );
    let clock = Instant::now();
    generate(a.path(), n);
    generate(b.path(), n);
    let generated = clock.elapsed().as_secs_f64();
    let (a_path, b_path) = (a.path().to_owned(), b.path().to_owned());
    let (_, _, events) = table_diff(&a_path, &b_path, "asm_events");

    let one = SqlStore::new(b, fixed_env()).with_maintenance_budget(MaintenanceBudget::UNBOUNDED);
    let clock = Instant::now();
    let planned = one.plan(&policy()).await.expect("unbounded plan");
    let single = one.execute(&policy()).await.expect("unbounded execute");
    let single_secs = clock.elapsed().as_secs_f64();
    checks.push((
        "one unbounded run: plan's counts equal execute's, complete, no errors".into(),
        ensure(
            counts(&planned) == counts(&single) && single.complete && single.errors.is_empty(),
            format!("plan {planned:?}\nexecute {single:?}"),
        ),
    ));
    checks.push((
        "the data crosses every chunk boundary (soft > 99, hard > 100, pruning > 1 page)".into(),
        ensure(
            single.sessions_soft_deleted > 99
                && single.sessions_hard_deleted > 100
                && single.events_pruned > 2 * 100
                && single.artifacts_cleaned > 0
                && single.orphaned_sequences_cleaned > 0,
            format!("{single:?}"),
        ),
    ));

    let store = SqlStore::new(D1Limits::new(a, cap), fixed_env())
        .with_maintenance_budget(MaintenanceBudget::statements(budget));
    let exec = store.executor();
    exec.new_invocation();
    let plan = store.plan(&policy()).await;
    checks.push((
        "a budgeted plan stays within one invocation and reports what it did not reach".into(),
        match &plan {
            Ok(p) if p.errors.is_empty() && (p.complete || !p.remaining.is_empty()) => Ok(()),
            other => Err(format!("{other:?}")),
        },
    ));
    let (clock, before) = (Instant::now(), exec.total.get());
    let mut per_invocation = Vec::new();
    let (mut sums, mut invocations, mut over_budget, mut errors) = ([0u64; 5], 0u64, 0, Vec::new());
    loop {
        exec.new_invocation();
        let report = store.execute(&policy()).await.expect("budgeted execute");
        invocations += 1;
        per_invocation.push(exec.used.get());
        over_budget += usize::from(exec.used.get() > budget);
        errors.extend(report.errors.iter().cloned());
        for (sum, c) in sums.iter_mut().zip(counts(&report)) {
            *sum += c;
        }
        if report.complete {
            break;
        }
        if counts(&report) == [0; 5] {
            errors.push(format!("an incomplete run made no progress: {report:?}"));
            break;
        }
        if report.remaining.is_empty() {
            errors.push(format!("incomplete run without remaining steps: {report:?}"));
            break;
        }
    }
    let bounded_secs = clock.elapsed().as_secs_f64();
    checks.push((
        "every budgeted run: no error, within its budget, no refusal".into(),
        ensure(
            errors.is_empty() && over_budget == 0 && exec.refused.borrow().is_empty(),
            format!(
                "errors {errors:?}, over budget {over_budget}, refused {:?}",
                exec.refused.borrow()
            ),
        ),
    ));
    checks.push((
        "the budgeted runs together report the unbounded run's counts, over several invocations"
            .into(),
        ensure(
            sums == counts(&single) && invocations >= 3,
            format!("{sums:?} in {invocations} vs {single:?}"),
        ),
    ));
    let mut diffs = Vec::new();
    for table in asm_core::sql::migrations::TABLES {
        let (a_only, b_only, rows) = table_diff(&a_path, &b_path, table);
        let (_, _, b_rows) = table_diff(&b_path, &a_path, table);
        if a_only != 0 || b_only != 0 || rows != b_rows {
            diffs.push(format!("{table}: {a_only} rows only budgeted, {b_only} only unbounded"));
        }
    }
    checks.push((
        "the tables equal the unbounded run's, row for row".into(),
        ensure(diffs.is_empty(), diffs.join("; ")),
    ));
    exec.new_invocation();
    let again = store.execute(&policy()).await.expect("execute after convergence");
    let health = store.health_check().await.expect("health_check");
    checks.push((
        "after convergence: the next run does nothing and completes, health is clean".into(),
        ensure(
            counts(&again) == [0; 5] && again.complete && health.is_empty(),
            format!("{again:?} {health:?}"),
        ),
    ));
    println!(
        "d1-limits store: {n} sessions, {events} events (generated in {generated:.1} s); one \
         unbounded run {single_secs:.1} s; budgeted: {invocations} invocations of at most \
         {budget} statements (cap {cap}), {} statements, peak {} per invocation, {bounded_secs:.1} s",
        exec.total.get() - before,
        per_invocation.iter().max().unwrap_or(&0)
    );
    if per_invocation.len() <= 20 {
        println!("d1-limits statements per invocation: {per_invocation:?}");
    }
    store
}

/// Every other operation on the large store, each its own invocation under the Paid cap; the
/// queries each one used are printed (those within 50 fit the Free plan too).
async fn operations_at_scale(store: &SqlStore<D1Limits<TempDb>>, checks: &mut Vec<Check>) {
    let (exec, env) = (store.executor(), store.env().clone());
    exec.cap.set(PAID_QUERIES);
    let refused_before = exec.refused.borrow().len();
    let mut used = Vec::new();
    let mut failures = Vec::new();
    macro_rules! op {
        ($name:expr, $call:expr) => {{
            exec.new_invocation();
            if let Err(e) = $call.await.map(drop) {
                failures.push(format!("{}: {e}", $name));
            }
            used.push(format!("{} {}", $name, exec.used.get()));
        }};
    }
    let sid = "ses_zz_new";
    let big = events("evt_zz", sid, 1000, &env);
    let live = "ses_0000002"; // active: kept by maintenance
    op!("save_session", store.save_session(&session(sid, &env)));
    op!("append_events(1000)", store.append_events(&big));
    op!(
        "append_event_with_sequence",
        store.append_event_with_sequence(&events("evt_zy", sid, 1, &env)[0])
    );
    op!("get_events", store.get_events(sid, &EventFilter::default()));
    op!("get_latest_sequence", store.get_latest_sequence(sid));
    op!(
        "list_sessions(100)",
        store.list_sessions(&ListSessions { limit: Some(100), ..ListSessions::default() })
    );
    let agent = SessionSearch {
        agent_id: Some("agent-2".into()),
        limit: Some(1000),
        ..SessionSearch::default()
    };
    op!("search_sessions", store.search_sessions(&agent));
    let many: Vec<String> = (0..300).map(|i| format!("ses_{:07}", i * 4 + 2)).collect();
    let search = EventSearch { session_ids: many, limit: Some(1000), ..EventSearch::default() };
    op!("search_events(300 sessions)", store.search_events(&search));
    op!("count_events(all)", store.count_events(&EventSearch::default()));
    op!("get_session_stats", store.get_session_stats(sid));
    op!("get_usage_summary(all)", store.get_usage_summary(&UsageQuery::default()));
    op!("get_cost_summary(all)", store.get_cost_summary(&CostQuery::default()));
    op!("export_session", store.export_session(sid, true));
    op!("export_session(live)", store.export_session(live, true));
    op!("health_check", store.health_check());
    op!("delete_session", store.delete_session(sid));
    let refused: Vec<String> = exec.refused.borrow()[refused_before..].to_vec();
    checks.push((
        "appends, reads, searches, counts, summaries, export and delete on the large store fit D1"
            .into(),
        ensure(
            failures.is_empty() && refused.is_empty(),
            format!("{failures:?} refused {refused:?}"),
        ),
    ));
    println!(
        "d1-limits operations (queries per invocation): {}; longest statement {} bytes, most \
         bound values {}, largest batch {} statements",
        used.join(", "),
        exec.peak_sql.get(),
        exec.peak_params.get(),
        exec.peak_batch.get()
    );
}

fn main() {
    let mut checks = Vec::new();
    block_on(async {
        refusals(&mut checks).await;
        long_filter_lists(&mut checks).await;
        let store = maintenance_at_scale(&mut checks).await;
        operations_at_scale(&store, &mut checks).await;
    });
    let failed: Vec<&Check> = checks.iter().filter(|(_, r)| r.is_err()).collect();
    for (name, result) in &failed {
        eprintln!("FAILED {name}: {}", result.as_ref().err().map_or("", String::as_str));
    }
    println!(
        "reliability d1-limits: {} passed, {} failed",
        checks.len() - failed.len(),
        failed.len()
    );
    assert!(failed.is_empty(), "{} d1-limits checks failed", failed.len());
}
