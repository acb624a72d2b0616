//! The SQLite baseline: minimal hand-written rusqlite code on the same schema, file settings
//! (WAL, `synchronous = NORMAL`, busy timeout) and `BEGIN IMMEDIATE` transactions as ours.

use std::path::Path;
use std::time::Duration;

use asm_core::{Event, Session};
use rusqlite::{Connection, OptionalExtension, params};

use crate::data::{json, ts};

const INSERT_EVENT: &str = "INSERT INTO asm_events (id, type, \"timestamp\", session_id, run_id, sequence_number, \
     data, metadata, schema_version, provider, correlation_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
const BUMP: &str = "INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES (?1, ?2) \
     ON CONFLICT (session_id) DO UPDATE SET last_sequence = last_sequence + excluded.last_sequence \
     RETURNING last_sequence";

/// One raw connection.
pub struct Raw {
    /// The connection.
    pub conn: Connection,
}

/// A row read back: the event columns with the JSON maps parsed.
#[allow(dead_code)]
pub struct RawEvent {
    id: String,
    event_type: String,
    timestamp: String,
    session_id: String,
    run_id: Option<String>,
    sequence_number: i64,
    data: serde_json::Value,
    metadata: serde_json::Value,
    schema_version: i64,
    provider: Option<String>,
    correlation_id: Option<String>,
}

impl Raw {
    /// Opens `path` with the settings of `SqliteExecutor::open`.
    pub fn open(path: &Path) -> Raw {
        let conn = Connection::open(path).expect("open");
        conn.busy_timeout(Duration::from_secs(30)).expect("busy_timeout");
        conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
        conn.pragma_update(None, "synchronous", "NORMAL").expect("synchronous");
        conn.set_prepared_statement_cache_capacity(256);
        Raw { conn }
    }

    fn insert(&self, e: &Event, seq: i64) {
        let mut stmt = self.conn.prepare_cached(INSERT_EVENT).expect("prepare");
        stmt.execute(params![
            e.id,
            e.event_type.as_str(),
            ts(e.timestamp),
            e.session_id,
            e.run_id,
            seq,
            json(&e.data),
            json(&e.metadata),
            e.schema_version,
            e.provider,
            e.correlation_id
        ])
        .expect("insert");
    }

    fn bump(&self, session_id: &str, n: i64) -> i64 {
        let mut stmt = self.conn.prepare_cached(BUMP).expect("prepare");
        stmt.query_row(params![session_id, n], |r| r.get(0)).expect("bump")
    }

    /// Counter upsert + event insert in one transaction.
    pub fn append_one(&self, e: &Event) {
        self.conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
        let seq = self.bump(&e.session_id, 1);
        self.insert(e, seq);
        self.conn.execute_batch("COMMIT").expect("commit");
    }

    /// Events of one session: one counter upsert, then the inserts, in one transaction.
    pub fn append_batch(&self, events: &[Event]) {
        self.conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
        let last = self.bump(&events[0].session_id, events.len() as i64);
        let first = last - events.len() as i64 + 1;
        for (i, e) in events.iter().enumerate() {
            self.insert(e, first + i as i64);
        }
        self.conn.execute_batch("COMMIT").expect("commit");
    }

    /// A session's events in sequence order.
    pub fn read_session(&self, session_id: &str) -> Vec<RawEvent> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, type, \"timestamp\", session_id, run_id, sequence_number, data, metadata, \
                 schema_version, provider, correlation_id FROM asm_events WHERE session_id = ?1 \
                 ORDER BY sequence_number",
            )
            .expect("prepare");
        let rows = stmt
            .query_map([session_id], |r| {
                Ok(RawEvent {
                    id: r.get(0)?,
                    event_type: r.get(1)?,
                    timestamp: r.get(2)?,
                    session_id: r.get(3)?,
                    run_id: r.get(4)?,
                    sequence_number: r.get(5)?,
                    data: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default(),
                    metadata: serde_json::from_str(&r.get::<_, String>(7)?).unwrap_or_default(),
                    schema_version: r.get(8)?,
                    provider: r.get(9)?,
                    correlation_id: r.get(10)?,
                })
            })
            .expect("query");
        rows.collect::<Result<Vec<_>, _>>().expect("rows")
    }

    /// Saves a session (plain insert).
    pub fn insert_session(&self, s: &Session) {
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO asm_sessions (id, agent_id, status, parent_session_id, metadata, context, tags, \
                 created_at, updated_at, deleted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .expect("prepare");
        stmt.execute(params![
            s.id,
            s.agent_id,
            s.status.as_str(),
            s.parent_session_id,
            json(&s.metadata),
            json(&s.context),
            serde_json::to_string(&s.tags).expect("tags"),
            ts(s.created_at),
            ts(s.updated_at),
            s.deleted_at.map(ts)
        ])
        .expect("insert session");
    }

    /// Bulk load for setups: sessions and their events (numbered 1..n per session).
    pub fn load(&self, sessions: &[Session], events: &[Event]) {
        self.conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
        for s in sessions {
            self.insert_session(s);
        }
        let mut next = std::collections::HashMap::<&str, i64>::new();
        for e in events {
            let n = next.entry(e.session_id.as_str()).or_insert(0);
            *n += 1;
            self.insert(e, *n);
        }
        for (sid, n) in next {
            self.conn
                .execute(
                    "INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES (?1, ?2)",
                    params![sid, n],
                )
                .expect("counter");
        }
        self.conn.execute_batch("COMMIT").expect("commit");
    }

    /// `search_sessions` (default order `updated_at DESC, id DESC`, live sessions): the total and
    /// one page after `after`, in one read transaction; returns the page's last key.
    pub fn search(
        &self,
        after: Option<&(String, String)>,
        limit: i64,
    ) -> (i64, Vec<RawSession>, Option<(String, String)>) {
        self.conn.execute_batch("BEGIN").expect("begin");
        let total: i64 = self
            .conn
            .prepare_cached("SELECT COUNT(id) FROM asm_sessions WHERE deleted_at IS NULL")
            .expect("prepare")
            .query_row([], |r| r.get(0))
            .expect("count");
        let cols = "SELECT id, agent_id, status, parent_session_id, metadata, context, tags, created_at, updated_at, \
                    deleted_at FROM asm_sessions WHERE deleted_at IS NULL";
        let page: Vec<RawSession> = match after {
            None => {
                let sql = format!("{cols} ORDER BY updated_at DESC, id DESC LIMIT ?1");
                let mut stmt = self.conn.prepare_cached(&sql).expect("prepare");
                stmt.query_map(params![limit], RawSession::from_row)
                    .expect("page")
                    .collect::<Result<_, _>>()
                    .expect("rows")
            }
            Some((updated, id)) => {
                let sql = format!(
                    "{cols} AND (updated_at < ?1 OR (updated_at = ?1 AND id < ?2)) ORDER BY updated_at DESC, id DESC LIMIT ?3"
                );
                let mut stmt = self.conn.prepare_cached(&sql).expect("prepare");
                stmt.query_map(params![updated, id, limit], RawSession::from_row)
                    .expect("page")
                    .collect::<Result<_, _>>()
                    .expect("rows")
            }
        };
        self.conn.execute_batch("COMMIT").expect("commit");
        let last = page.last().map(|s| (s.updated_at.clone(), s.id.clone()));
        (total, page, last)
    }

    /// Maintenance equivalent to `execute` with the W5 policy: soft delete, hard delete with
    /// the five-table cascade in chunks of `batch`, prune per session over `max` (prune-first
    /// types, then unprotected, oldest first), orphaned artifacts and counters.
    pub fn maintenance(
        &self,
        now: &str,
        soft_cutoff: &str,
        hard_cutoff: &str,
        max: i64,
        batch: usize,
    ) -> u64 {
        let mut touched = 0u64;
        self.conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
        touched += self
            .conn
            .execute(
                "UPDATE asm_sessions SET deleted_at = ?1 WHERE deleted_at IS NULL AND updated_at < ?2 \
                 AND status NOT IN ('active', 'paused') \
                 AND NOT EXISTS (SELECT 1 FROM json_each(asm_sessions.tags) WHERE value = 'pinned')",
                params![now, soft_cutoff],
            )
            .expect("soft delete") as u64;
        self.conn.execute_batch("COMMIT").expect("commit");
        let ids: Vec<String> = self
            .conn
            .prepare("SELECT id FROM asm_sessions WHERE deleted_at IS NOT NULL AND deleted_at < ?1 ORDER BY id")
            .expect("prepare")
            .query_map([hard_cutoff], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        for chunk in ids.chunks(batch) {
            let list = vec!["?"; chunk.len()].join(", ");
            self.conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
            for table in ["asm_events", "asm_runs", "asm_artifacts", "asm_session_sequences"] {
                let sql = format!("DELETE FROM {table} WHERE session_id IN ({list})");
                self.conn
                    .prepare_cached(&sql)
                    .expect("prepare")
                    .execute(rusqlite::params_from_iter(chunk))
                    .expect("delete");
            }
            let sql = format!("DELETE FROM asm_sessions WHERE id IN ({list})");
            touched += self
                .conn
                .prepare_cached(&sql)
                .expect("prepare")
                .execute(rusqlite::params_from_iter(chunk))
                .expect("delete") as u64;
            self.conn.execute_batch("COMMIT").expect("commit");
        }
        let over: Vec<(String, i64)> = self
            .conn
            .prepare("SELECT session_id, COUNT(id) FROM asm_events GROUP BY session_id HAVING COUNT(id) > ?1 ORDER BY session_id")
            .expect("prepare")
            .query_map([max], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        for (sid, count) in over {
            let n = count - max;
            let first = self
                .conn
                .prepare_cached(
                    "DELETE FROM asm_events WHERE id IN (SELECT id FROM asm_events WHERE session_id = ?1 \
                     AND type IN ('message_streamed', 'token_usage_updated') ORDER BY sequence_number LIMIT ?2)",
                )
                .expect("prepare")
                .execute(params![sid, n])
                .expect("prune 1") as i64;
            if first < n {
                self.conn
                    .prepare_cached(
                        "DELETE FROM asm_events WHERE id IN (SELECT id FROM asm_events WHERE session_id = ?1 \
                         AND type NOT IN ('session_created', 'run_started', 'run_completed', 'error_occurred', 'run_failed') \
                         ORDER BY sequence_number LIMIT ?2)",
                    )
                    .expect("prepare")
                    .execute(params![sid, n - first])
                    .expect("prune 2");
            }
            touched += n as u64;
        }
        self.conn
            .execute(
                "DELETE FROM asm_artifacts WHERE session_id IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM asm_sessions s WHERE s.id = asm_artifacts.session_id)",
                [],
            )
            .expect("artifacts");
        self.conn
            .execute(
                "DELETE FROM asm_session_sequences WHERE NOT EXISTS (SELECT 1 FROM asm_sessions s WHERE \
                 s.id = asm_session_sequences.session_id) AND NOT EXISTS (SELECT 1 FROM asm_events e WHERE \
                 e.session_id = asm_session_sequences.session_id)",
                [],
            )
            .expect("sequences");
        touched
    }

    /// The counter of a session, for checks.
    #[allow(dead_code)]
    pub fn counter(&self, session_id: &str) -> Option<i64> {
        self.conn
            .query_row(
                "SELECT last_sequence FROM asm_session_sequences WHERE session_id = ?1",
                [session_id],
                |r| r.get(0),
            )
            .optional()
            .expect("counter")
    }
}

/// A session row read back, JSON columns parsed.
#[allow(dead_code)]
pub struct RawSession {
    pub id: String,
    agent_id: String,
    status: String,
    parent_session_id: Option<String>,
    metadata: serde_json::Value,
    context: serde_json::Value,
    tags: serde_json::Value,
    created_at: String,
    pub updated_at: String,
    deleted_at: Option<String>,
}

impl RawSession {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawSession> {
        Ok(RawSession {
            id: r.get(0)?,
            agent_id: r.get(1)?,
            status: r.get(2)?,
            parent_session_id: r.get(3)?,
            metadata: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default(),
            context: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
            tags: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default(),
            created_at: r.get(7)?,
            updated_at: r.get(8)?,
            deleted_at: r.get(9)?,
        })
    }
}
