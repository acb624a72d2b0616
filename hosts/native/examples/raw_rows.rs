//! Reads a session's event log with a hand-written rusqlite query and decodes the rows with the
//! core's public row decoders (`asm_core::sql::Row`, `FromRow`): what a service does when it
//! queries the `asm_*` tables itself (a join, a report, a migration) instead of going through
//! the store.
//!
//! `cargo run -p asm-native --example raw_rows -- /tmp/agents.db`
//!
//! It first stores a session with three events through the store, so the file has a log to read.

use asm_core::ports::SessionStore;
use asm_core::sql::{Dialect, FromRow, Row, SqlStore, Value};
use asm_core::{Event, EventType, NewEvent, NewSession, Session};
use asm_native::{SqliteExecutor, system_env};
use rusqlite::types::ValueRef;

/// One SQLite cell as the core's value: the only driver-specific lines a caller writes.
pub fn cell(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Integer(n),
        ValueRef::Real(x) => Value::Real(x),
        ValueRef::Text(t) | ValueRef::Blob(t) => Value::Text(String::from_utf8_lossy(t).into()),
    }
}

/// The events of `session_id` in sequence order, read with the caller's own SQL.
pub fn read_events(
    conn: &rusqlite::Connection,
    session_id: &str,
) -> Result<Vec<Event>, Box<dyn std::error::Error>> {
    let mut stmt =
        conn.prepare("SELECT * FROM asm_events WHERE session_id = ? ORDER BY sequence_number")?;
    let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let mut rows = stmt.query([session_id])?;
    let mut events = Vec::new();
    while let Some(row) = rows.next()? {
        let values =
            (0..columns.len()).map(|i| row.get_ref(i).map(cell)).collect::<Result<_, _>>()?;
        events.push(Event::from_row(&Row::new(&columns, values)?, Dialect::Sqlite)?);
    }
    Ok(events)
}

/// Stores a session with three events through the store and returns the session's id.
pub fn store_some_events(path: &std::path::Path) -> Result<String, Box<dyn std::error::Error>> {
    let executor = SqliteExecutor::open(path)?;
    executor.apply_migrations()?;
    let env = system_env();
    let store = SqlStore::new(executor, env.clone());
    futures::executor::block_on(async {
        let session = Session::new(NewSession::for_agent("agent-1"), &env)?;
        store.save_session(&session).await?;
        for event_type in
            [EventType::RunStarted, EventType::MessageReceived, EventType::RunCompleted]
        {
            store.append_event(&Event::new(NewEvent::of(event_type, &session.id), &env)?).await?;
        }
        Ok::<_, asm_core::Error>(session.id)
    })
    .map_err(Into::into)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "agents.db".to_owned());
    let session_id = store_some_events(path.as_ref())?;
    let conn = rusqlite::Connection::open(&path)?;
    for event in read_events(&conn, &session_id)? {
        println!(
            "{} #{} {} at {}",
            event.session_id,
            event.sequence_number.unwrap_or(0),
            event.event_type,
            event.timestamp
        );
    }
    Ok(())
}
