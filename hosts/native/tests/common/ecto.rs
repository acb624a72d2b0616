//! ASM's Ecto append protocol (docs/asm-v0.8/sql.md §3), statement for statement, as a second
//! writer on the same database: what an Elixir deployment sharing the tables does.
//!
//! `append_event_with_sequence` (§3.2), in one transaction: the event looked up by id in any
//! session (a stored one is answered as stored, nothing written); else the counter upsert
//! `+ 1 RETURNING last_sequence`, whose value is the new event's number, and the INSERT of the
//! row. `append_events` (§3.3, one session's group): the ids looked up, then the counter upsert
//! `+ n` (first = returned − n + 1) and one multi-row INSERT. Values go in the forms Ecto writes:
//! on SQLite (ecto_sqlite3) timestamps as `YYYY-MM-DDTHH:MM:SS.ffffff` text, maps as compact
//! JSON text and a nil map as NULL; on PostgreSQL (postgrex) binary `timestamp`, `jsonb` and
//! `integer` parameters.
//!
//! SQLite: ASM opens a deferred `BEGIN` and retries only the counter statement when busy; in WAL
//! mode a deferred transaction that read first cannot take the write lock after another writer
//! committed (a statement retry cannot cure that), so this writer opens `BEGIN IMMEDIATE`, as
//! docs/asm-v0.8/sql.md §3.2 advises a port to (docs/compatibility.md, "Sharing a database").

use std::error::Error as StdError;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use asm_core::sql::Dialect;
use asm_core::{Event, JsonMap};
use bytes::BufMut;
use rusqlite::types::Value as SqliteValue;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::rows::{pg_rows, sqlite_rows};

/// The 11 columns of ASM's insert, in its schema's field order.
const COLUMNS: &str = "\"id\",\"type\",\"timestamp\",\"session_id\",\"run_id\",\"sequence_number\",\"data\",\"metadata\",\"schema_version\",\"provider\",\"correlation_id\"";

/// A map as Ecto writes it: compact JSON text, or NULL for a nil map (here: an empty one, the
/// value an Elixir event without `metadata` carries to the row).
fn map_text(map: &JsonMap) -> Option<String> {
    (!map.is_empty()).then(|| serde_json::to_string(map).expect("JSON"))
}

/// The two append calls of ASM's Ecto store, over either backend.
#[allow(async_fn_in_trait)]
pub trait EctoAppend {
    /// §3.2: the stored number of `e`'s id, or the number it is stored under now.
    async fn append_event_with_sequence(&mut self, e: &Event) -> Result<i64, String>;
    /// §3.3 for new events of one session: their numbers, in input order.
    async fn append_events(&mut self, events: &[Event]) -> Result<Vec<i64>, String>;
}

/// The stored event of `id` in any session, read back as ASM's step 1 does.
fn first_stored(events: Vec<Event>) -> Option<i64> {
    events.first().and_then(|e| e.sequence_number)
}

/// ASM's Ecto writer on a SQLite file (ecto_sqlite3's SQL text).
pub struct EctoSqlite {
    conn: rusqlite::Connection,
}

impl EctoSqlite {
    /// A connection of its own to `path` (already in WAL mode), with a busy timeout.
    pub fn open(path: &std::path::Path) -> EctoSqlite {
        let conn = rusqlite::Connection::open(path).expect("open");
        conn.busy_timeout(Duration::from_secs(30)).expect("busy_timeout");
        EctoSqlite { conn }
    }

    /// The row values of `e` numbered `seq`, as ecto_sqlite3 binds them.
    fn values(e: &Event, seq: i64) -> Vec<SqliteValue> {
        let text = |s: &str| SqliteValue::Text(s.to_owned());
        let opt = |s: Option<&str>| s.map_or(SqliteValue::Null, text);
        vec![
            text(&e.id),
            text(e.event_type.as_str()),
            text(&e.timestamp.to_sql_text()),
            text(&e.session_id),
            opt(e.run_id.as_deref()),
            SqliteValue::Integer(seq),
            opt(map_text(&e.data).as_deref()),
            opt(map_text(&e.metadata).as_deref()),
            SqliteValue::Integer(e.schema_version),
            opt(e.provider.as_deref()),
            opt(e.correlation_id.as_deref()),
        ]
    }

    /// The counter upsert of §3.1 as ecto_sqlite3 renders it (table alias `a0`).
    fn next_sequence(tx: &rusqlite::Transaction<'_>, sid: &str, n: i64) -> rusqlite::Result<i64> {
        tx.query_row(
            "INSERT INTO \"asm_session_sequences\" AS a0 (\"session_id\",\"last_sequence\") VALUES (?,?) \
             ON CONFLICT (\"session_id\") DO UPDATE SET \"last_sequence\" = a0.\"last_sequence\" + ? \
             RETURNING \"last_sequence\"",
            rusqlite::params![sid, n, n],
            |r| r.get(0),
        )
    }

    fn insert(
        tx: &rusqlite::Transaction<'_>,
        rows: Vec<Vec<SqliteValue>>,
    ) -> rusqlite::Result<usize> {
        let tuple = format!("({})", ["?"; 11].join(","));
        let sql = format!(
            "INSERT INTO \"asm_events\" ({COLUMNS}) VALUES {}",
            vec![tuple; rows.len()].join(",")
        );
        tx.execute(&sql, rusqlite::params_from_iter(rows.into_iter().flatten()))
    }
}

impl EctoAppend for EctoSqlite {
    async fn append_event_with_sequence(&mut self, e: &Event) -> Result<i64, String> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| e.to_string())?;
        let stored = sqlite_rows(&tx, "SELECT * FROM \"asm_events\" WHERE \"id\" = ?", &e.id)?;
        if let Some(seq) = first_stored(super::rows::decode_all(&stored, Dialect::Sqlite)?) {
            tx.commit().map_err(|e| e.to_string())?;
            return Ok(seq);
        }
        let seq = Self::next_sequence(&tx, &e.session_id, 1).map_err(|e| e.to_string())?;
        Self::insert(&tx, vec![Self::values(e, seq)]).map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
        Ok(seq)
    }

    async fn append_events(&mut self, events: &[Event]) -> Result<Vec<i64>, String> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| e.to_string())?;
        for e in events {
            if !sqlite_rows(&tx, "SELECT * FROM \"asm_events\" WHERE \"id\" = ?", &e.id)?.is_empty()
            {
                return Err(format!("{} is stored already: this writer sends new events", e.id));
            }
        }
        let n = events.len() as i64;
        let last = Self::next_sequence(&tx, &events[0].session_id, n).map_err(|e| e.to_string())?;
        let first = last - n + 1;
        let rows = events.iter().zip(first..).map(|(e, seq)| Self::values(e, seq)).collect();
        let inserted = Self::insert(&tx, rows).map_err(|e| e.to_string())?;
        if inserted != events.len() {
            return Err(format!("batch insert count mismatch: expected {n}, got {inserted}"));
        }
        tx.commit().map_err(|e| e.to_string())?;
        Ok((first..=last).collect())
    }
}

/// A `jsonb` parameter in PostgreSQL's binary form (version byte 1, then the JSON text), as
/// postgrex sends a map Jason encoded; `None` is NULL.
#[derive(Debug)]
pub struct Jsonb(pub Option<String>);

impl ToSql for Jsonb {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match &self.0 {
            None => Ok(IsNull::Yes),
            Some(text) => {
                out.put_u8(1);
                out.put_slice(text.as_bytes());
                Ok(IsNull::No)
            }
        }
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB
    }

    to_sql_checked!();
}

/// An instant as a binary `timestamp` parameter (postgrex sends a UTC DateTime this way).
pub fn pg_timestamp(t: asm_core::Timestamp) -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(u64::try_from(t.as_micros()).expect("after 1970"))
}

/// One event's parameters, owned, as postgrex binds them.
struct PgRow {
    id: String,
    event_type: String,
    timestamp: SystemTime,
    session_id: String,
    run_id: Option<String>,
    seq: i32,
    data: Jsonb,
    metadata: Jsonb,
    schema_version: i32,
    provider: Option<String>,
    correlation_id: Option<String>,
}

impl PgRow {
    fn new(e: &Event, seq: i32) -> PgRow {
        PgRow {
            id: e.id.clone(),
            event_type: e.event_type.as_str().to_owned(),
            timestamp: pg_timestamp(e.timestamp),
            session_id: e.session_id.clone(),
            run_id: e.run_id.clone(),
            seq,
            data: Jsonb(map_text(&e.data)),
            metadata: Jsonb(map_text(&e.metadata)),
            schema_version: i32::try_from(e.schema_version).expect("int4"),
            provider: e.provider.clone(),
            correlation_id: e.correlation_id.clone(),
        }
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 11] {
        [
            &self.id,
            &self.event_type,
            &self.timestamp,
            &self.session_id,
            &self.run_id,
            &self.seq,
            &self.data,
            &self.metadata,
            &self.schema_version,
            &self.provider,
            &self.correlation_id,
        ]
    }
}

/// ASM's Ecto writer on PostgreSQL (ecto_sql's SQL text, postgrex's binary parameters), over a
/// connection of its own.
pub struct EctoPostgres {
    client: tokio_postgres::Client,
}

impl EctoPostgres {
    /// The writer over `client`.
    pub fn new(client: tokio_postgres::Client) -> EctoPostgres {
        EctoPostgres { client }
    }

    async fn next_sequence(
        tx: &tokio_postgres::Transaction<'_>,
        sid: &str,
        n: i32,
    ) -> Result<i32, tokio_postgres::Error> {
        let row = tx
            .query_one(
                "INSERT INTO \"asm_session_sequences\" AS a0 (\"session_id\",\"last_sequence\") VALUES ($1,$2) \
                 ON CONFLICT (\"session_id\") DO UPDATE SET \"last_sequence\" = a0.\"last_sequence\" + $3 \
                 RETURNING \"last_sequence\"",
                &[&sid, &n, &n],
            )
            .await?;
        row.try_get(0)
    }

    async fn insert(
        tx: &tokio_postgres::Transaction<'_>,
        rows: &[PgRow],
    ) -> Result<u64, tokio_postgres::Error> {
        let tuples: Vec<String> = (0..rows.len())
            .map(|r| {
                let ps: Vec<String> = (1..=11).map(|c| format!("${}", r * 11 + c)).collect();
                format!("({})", ps.join(","))
            })
            .collect();
        let sql = format!("INSERT INTO \"asm_events\" ({COLUMNS}) VALUES {}", tuples.join(","));
        let params: Vec<&(dyn ToSql + Sync)> = rows.iter().flat_map(PgRow::params).collect();
        tx.execute(&sql, &params).await
    }
}

impl EctoAppend for EctoPostgres {
    async fn append_event_with_sequence(&mut self, e: &Event) -> Result<i64, String> {
        let tx = self.client.transaction().await.map_err(|e| e.to_string())?;
        let stored = pg_rows(&tx, "SELECT * FROM \"asm_events\" WHERE \"id\" = $1", &e.id).await?;
        if let Some(seq) = first_stored(super::rows::decode_all(&stored, Dialect::Postgres)?) {
            tx.commit().await.map_err(|e| e.to_string())?;
            return Ok(seq);
        }
        let seq = Self::next_sequence(&tx, &e.session_id, 1).await.map_err(|e| e.to_string())?;
        Self::insert(&tx, &[PgRow::new(e, seq)]).await.map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        Ok(i64::from(seq))
    }

    async fn append_events(&mut self, events: &[Event]) -> Result<Vec<i64>, String> {
        let tx = self.client.transaction().await.map_err(|e| e.to_string())?;
        for e in events {
            let sql = "SELECT * FROM \"asm_events\" WHERE \"id\" = $1";
            if !pg_rows(&tx, sql, &e.id).await?.is_empty() {
                return Err(format!("{} is stored already: this writer sends new events", e.id));
            }
        }
        let n = i32::try_from(events.len()).expect("int4");
        let last =
            Self::next_sequence(&tx, &events[0].session_id, n).await.map_err(|e| e.to_string())?;
        let first = last - n + 1;
        let rows: Vec<PgRow> =
            events.iter().zip(first..).map(|(e, seq)| PgRow::new(e, seq)).collect();
        let inserted = Self::insert(&tx, &rows).await.map_err(|e| e.to_string())?;
        if inserted != events.len() as u64 {
            return Err(format!("batch insert count mismatch: expected {n}, got {inserted}"));
        }
        tx.commit().await.map_err(|e| e.to_string())?;
        Ok((first..=last).map(i64::from).collect())
    }
}
