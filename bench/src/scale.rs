//! W4 at scale: what one `search_sessions` page costs (milliseconds, ours only) as the store
//! grows from 1 000 to 100 000 to 1 000 000 live sessions, the first page and the page after
//! 50 cursors, without and with the optional search indexes (`migrations/optional/`). The
//! sessions are seeded with one bulk `INSERT … SELECT` per step, not through the store.

use std::time::Instant;

use asm_core::ports::{QueryApi, SessionSearch};
use asm_core::sql::migrations;

use crate::backend::{Backend, RawOps};

/// Store sizes of the line, in sessions.
const STEPS: [usize; 3] = [1_000, 100_000, 1_000_000];
/// Page size: the 51st page of 10 (sessions 501–510) exists at 1 000 sessions.
const PAGE: i64 = 10;
/// Cursors walked before the deep page (as W4): the deep page is the 51st.
const DEPTH: usize = 50;
/// Timed calls per page; the median is reported.
const CALLS: usize = 7;

/// One measured store size.
struct Step {
    first_ms: f64,
    deep_ms: f64,
    indexed_first_ms: f64,
    indexed_deep_ms: f64,
}

/// Seeds sessions `from..to` in one statement: ids `ses_` + 32 hex, one second apart in
/// `created_at` and `updated_at`, all live.
fn seed_sql(sqlite: bool, from: usize, to: usize) -> String {
    if sqlite {
        format!(
            "WITH RECURSIVE n(k) AS (SELECT {from} UNION ALL SELECT k + 1 FROM n WHERE k + 1 < {to}) \
             INSERT INTO asm_sessions (id, agent_id, status, metadata, context, tags, created_at, updated_at) \
             SELECT printf('ses_%032x', k), 'bench-agent', 'completed', '{{}}', '{{}}', '[]', t, t \
             FROM (SELECT k, strftime('%Y-%m-%dT%H:%M:%S', '2026-01-01', k || ' seconds') || '.000000' AS t FROM n)"
        )
    } else {
        format!(
            "INSERT INTO asm_sessions (id, agent_id, status, metadata, context, tags, created_at, updated_at) \
             SELECT 'ses_' || lpad(to_hex(k), 32, '0'), 'bench-agent', 'completed', '{{}}', '{{}}', '{{}}', t, t \
             FROM (SELECT k, timestamp '2026-01-01' + k * interval '1 second' AS t \
             FROM generate_series({from}::bigint, {to}::bigint - 1) AS k) AS s; ANALYZE asm_sessions"
        )
    }
}

fn median_ms(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// The first page and the page after `DEPTH` cursors, `CALLS` timed calls each.
async fn pages<S: QueryApi>(store: &S) -> (f64, f64) {
    let query = SessionSearch { limit: Some(PAGE), ..SessionSearch::default() };
    let mut cursor = None;
    for _ in 0..DEPTH {
        cursor = store
            .search_sessions(&SessionSearch { cursor: cursor.clone(), ..query.clone() })
            .await
            .expect("search")
            .cursor;
    }
    let deep = SessionSearch { cursor, ..query.clone() };
    let time = async |q: &SessionSearch| {
        let mut xs = Vec::with_capacity(CALLS);
        for _ in 0..CALLS {
            let t = Instant::now();
            let page = store.search_sessions(q).await.expect("search");
            xs.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(page.sessions.len(), PAGE as usize, "a full page of {q:?}");
            assert!(page.total_count >= (DEPTH as u64 + 1) * PAGE as u64);
        }
        median_ms(xs)
    };
    let first = time(&query).await;
    (first, time(&deep).await)
}

/// Runs the steps on `backend` and returns the report lines.
pub async fn w4_scale<B: Backend>(backend: &B) -> Vec<String> {
    let name = backend.name();
    let db = backend.fresh().await;
    let raw = backend.raw(&db).await;
    let store = backend.ours(&db).await;
    let dialect = store.dialect();
    let sqlite = dialect.is_sqlite();
    let down = if sqlite {
        migrations::SQLITE_SEARCH_INDEXES_DOWN
    } else {
        migrations::POSTGRES_SEARCH_INDEXES_DOWN
    };
    let mut steps = Vec::new();
    let mut seeded = 0;
    for to in STEPS {
        let t = Instant::now();
        raw.run_sql(&seed_sql(sqlite, seeded, to)).await;
        seeded = to;
        eprintln!("  W4-scale {name}: {to} sessions seeded in {:.1} s", t.elapsed().as_secs_f64());
        let (first_ms, deep_ms) = pages(&store).await;
        raw.run_sql(migrations::search_indexes(dialect)).await;
        let (indexed_first_ms, indexed_deep_ms) = pages(&store).await;
        raw.run_sql(down).await;
        steps.push(Step { first_ms, deep_ms, indexed_first_ms, indexed_deep_ms });
    }
    drop((store, raw));
    backend.drop_db(db).await;
    let join = |f: &dyn Fn(&Step) -> f64| {
        steps.iter().map(|s| format!("{:.2}", f(s))).collect::<Vec<_>>().join(" / ")
    };
    vec![
        format!(
            "W4 first page ms @1k / @100k / @1M sessions {name}: {}",
            join(&|s| s.indexed_first_ms)
        ),
        format!(
            "W4 page 51 ms @1k / @100k / @1M sessions {name}: {}",
            join(&|s| s.indexed_deep_ms)
        ),
        format!(
            "W4 first page ms @1k / @100k / @1M sessions {name} without the optional indexes: {}",
            join(&|s| s.first_ms)
        ),
        format!(
            "W4 page 51 ms @1k / @100k / @1M sessions {name} without the optional indexes: {}",
            join(&|s| s.deep_ms)
        ),
    ]
}
