//! D1's 100-bound-values limit: the executor refuses a statement over it (as D1 does), and the
//! core keeps every statement under it — long appends are chunked, and filter lists of any
//! length bind as one JSON array.

mod common;

use asm_core::ports::QueryApi;
use asm_core::ports::{EventSearch, SessionSearch, SessionStore};
use asm_core::sql::{Access, Dialect, Executor, SqlStore, Statement, Value};
use common::sqlite_db::Sqlite;
use common::{Backend, block_on, env, events, session};

#[test]
fn the_d1_executor_refuses_101_values() {
    block_on(async {
        let exec = Sqlite(Dialect::D1).migrated().await;
        let placeholders: Vec<String> = (1..=101).map(|i| format!("?{i}")).collect();
        let statement = Statement {
            sql: format!("SELECT 1 WHERE 1 IN ({})", placeholders.join(", ")),
            params: (1..=101).map(Value::Integer).collect(),
            access: Access::Read,
        };
        let err = exec.batch(vec![statement]).await.expect_err("101 values must be refused");
        assert!(err.message.contains("too many SQL variables"), "{err}");
    });
}

#[test]
fn long_filter_lists_fit_in_one_statement() {
    block_on(async {
        let (env, _) = env();
        let store = SqlStore::new(Sqlite(Dialect::D1).migrated().await, env.clone());
        let mut ids = Vec::new();
        for i in 0..250 {
            let sid = format!("ses_{i:03}");
            store.save_session(&session(&sid, &env)).await.expect("save session");
            store.append_events(&events(&format!("evt_{i}"), &sid, 2, &env)).await.expect("append");
            ids.push(sid);
        }
        let query =
            EventSearch { session_ids: ids.clone(), limit: Some(1000), ..EventSearch::default() };
        assert_eq!(store.search_events(&query).await.expect("search_events").events.len(), 500);
        assert_eq!(store.count_events(&query).await.expect("count_events"), 500);
        let sessions = SessionSearch { limit: Some(1000), ..SessionSearch::default() };
        assert_eq!(
            store.search_sessions(&sessions).await.expect("search_sessions").total_count,
            250
        );
        for id in &ids {
            store.delete_session(id).await.expect("delete");
        }
        assert_eq!(store.count_events(&query).await.expect("count after delete"), 0);
    });
}
