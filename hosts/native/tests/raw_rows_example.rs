//! Runs the `raw_rows` example's code: a hand-written rusqlite `SELECT * FROM asm_events …`
//! decoded with the public row decoders must equal what the store's `get_events` answers.

#[allow(dead_code)]
#[path = "../examples/raw_rows.rs"]
mod raw_rows;

mod common;

use asm_core::ports::{EventFilter, SessionStore};
use asm_core::sql::{Dialect, SqlStore};
use common::block_on;

#[test]
fn the_example_decodes_what_the_store_reads() {
    let db = asm_native::TempSqlite::new(Dialect::Sqlite).expect("database file");
    let session_id = raw_rows::store_some_events(db.path()).expect("stored");
    let conn = rusqlite::Connection::open(db.path()).expect("open");
    let decoded = raw_rows::read_events(&conn, &session_id).expect("decoded");
    let store =
        SqlStore::new(asm_native::SqliteExecutor::open(db.path()).expect("open"), common::env().0);
    let stored = block_on(store.get_events(&session_id, &EventFilter::default())).expect("events");
    assert_eq!(decoded.len(), 3);
    assert_eq!(decoded, stored);
    let seqs: Vec<Option<i64>> = decoded.iter().map(|e| e.sequence_number).collect();
    assert_eq!(seqs, [Some(1), Some(2), Some(3)]);
}
