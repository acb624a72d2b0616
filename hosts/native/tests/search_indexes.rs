//! The optional search indexes (`migrations/optional/`, docs/compatibility.md "Optional
//! indexes"): applying them (twice: idempotent) changes no page of `search_sessions` in any order,
//! with or without deleted sessions, and on SQLite the default-order page, first and deep, is a
//! range seek on the index instead of a sort.

mod common;

use std::cell::RefCell;

use asm_core::Session;
use asm_core::ports::{QueryApi, SessionOrder, SessionSearch, SessionStore};
use asm_core::sql::{Dialect, ExecError, Executor, ResultSet, SqlStore, Statement, Value};
use common::pg_db::Postgres;
use common::sqlite_db::{Sqlite, TempDb};
use common::{Backend, T0, block_on, env, session};

/// Records the statements of every batch, so a test can ask the database for their plans.
struct Recorder<E> {
    inner: E,
    seen: RefCell<Vec<Statement>>,
}

impl<E: Executor> Executor for Recorder<E> {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        self.seen.borrow_mut().extend(statements.iter().cloned());
        self.inner.batch(statements).await
    }
}

const ORDERS: [SessionOrder; 3] =
    [SessionOrder::UpdatedAtDesc, SessionOrder::CreatedAtAsc, SessionOrder::CreatedAtDesc];

/// 40 sessions: `updated_at` in 5 distinct values (ties broken by id), a quarter soft-deleted.
async fn seed<E: Executor>(store: &SqlStore<E>) -> Vec<Session> {
    let (env, _) = env();
    let mut all = Vec::new();
    for i in 0..40 {
        let mut s = session(&format!("ses_{:02}", (i * 17) % 40), &env);
        s.updated_at = T0.add_micros((i % 5) * 1_000_000);
        if i % 4 == 3 {
            s.deleted_at = Some(T0.add_days(1));
        }
        store.save_session(&s).await.expect("save");
        all.push(s);
    }
    all
}

/// Every page of 7 in `order`: the ids in page order, and every page's total_count.
async fn walk<E: Executor>(
    store: &SqlStore<E>,
    order: SessionOrder,
    include_deleted: bool,
) -> (Vec<String>, Vec<u64>) {
    let (mut ids, mut totals, mut cursor) = (Vec::new(), Vec::new(), None);
    loop {
        let q = SessionSearch {
            order_by: order,
            include_deleted,
            limit: Some(7),
            cursor: cursor.clone(),
            ..SessionSearch::default()
        };
        let page = store.search_sessions(&q).await.expect("search");
        if page.sessions.is_empty() {
            return (ids, totals);
        }
        ids.extend(page.sessions.iter().map(|s| s.id.clone()));
        totals.push(page.total_count);
        cursor = page.cursor;
    }
}

/// The order ASM defines, computed in Rust.
fn expected(all: &[Session], order: SessionOrder, include_deleted: bool) -> Vec<String> {
    let mut live: Vec<&Session> =
        all.iter().filter(|s| include_deleted || s.deleted_at.is_none()).collect();
    live.sort_by(|a, b| match order {
        SessionOrder::UpdatedAtDesc => (b.updated_at, &b.id).cmp(&(a.updated_at, &a.id)),
        SessionOrder::CreatedAtAsc => (a.created_at, &a.id).cmp(&(b.created_at, &b.id)),
        SessionOrder::CreatedAtDesc => (b.created_at, &b.id).cmp(&(a.created_at, &a.id)),
    });
    live.into_iter().map(|s| s.id.clone()).collect()
}

/// Every order, with and without deleted sessions, against the expected order and count.
async fn check_pages<E: Executor>(store: &SqlStore<E>, all: &[Session]) {
    for order in ORDERS {
        for include_deleted in [false, true] {
            let want = expected(all, order, include_deleted);
            let (ids, totals) = walk(store, order, include_deleted).await;
            assert_eq!(ids, want, "{order:?}, include_deleted {include_deleted}");
            assert!(totals.iter().all(|&t| t == want.len() as u64), "{totals:?}");
        }
    }
}

#[test]
fn sqlite_pages_are_the_same_with_the_optional_indexes_and_seek_them() {
    block_on(async {
        let db: TempDb = Sqlite(Dialect::Sqlite).migrated().await;
        db.apply_search_indexes().expect("indexes");
        db.apply_search_indexes().expect("indexes again");
        let store = SqlStore::new(Recorder { inner: db, seen: RefCell::new(Vec::new()) }, env().0);
        let all = seed(&store).await;
        check_pages(&store, &all).await;
        // The plan of the default order's pages (the first and one after a cursor).
        store.executor().seen.borrow_mut().clear();
        let first = SessionSearch { limit: Some(7), ..SessionSearch::default() };
        let page = store.search_sessions(&first).await.expect("first page");
        let deep = SessionSearch { cursor: page.cursor, ..first };
        store.search_sessions(&deep).await.expect("second page");
        let pages: Vec<Statement> = store
            .executor()
            .seen
            .borrow()
            .iter()
            .filter(|s| s.sql.contains("ORDER BY updated_at DESC"))
            .cloned()
            .collect();
        assert_eq!(pages.len(), 2);
        for page in pages {
            let plan = Statement { sql: format!("EXPLAIN QUERY PLAN {}", page.sql), ..page };
            let rows = store.executor().inner.query(plan).await.expect("plan").rows;
            let text: Vec<String> = rows
                .iter()
                .filter_map(|r| match r.last() {
                    Some(Value::Text(t)) => Some(t.clone()),
                    _ => None,
                })
                .collect();
            let text = text.join("\n");
            assert!(text.contains("asm_sessions_live_updated_at_id_index"), "{text}");
            assert!(!text.contains("TEMP B-TREE"), "the page sorts: {text}");
        }
    });
}

#[test]
fn postgres_pages_are_the_same_with_the_optional_indexes() {
    block_on(async {
        let db = Postgres.migrated().await;
        let store = SqlStore::new(&db, env().0);
        let all = seed(&store).await;
        check_pages(&store, &all).await;
        db.exec.apply_search_indexes().await.expect("indexes");
        db.exec.apply_search_indexes().await.expect("indexes again");
        check_pages(&store, &all).await;
    });
}
