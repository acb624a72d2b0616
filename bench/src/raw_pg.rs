//! The PostgreSQL baseline: minimal hand-written tokio-postgres code on the same schema, one
//! READ COMMITTED transaction per write, statements prepared once per connection.

use std::cell::RefCell;
use std::collections::HashMap;

use asm_core::{Event, Session};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row, Statement};

use crate::data::{json, ts};

const COLUMNS: &str = "id, type, \"timestamp\", session_id, run_id, sequence_number, data, metadata, schema_version, provider, correlation_id";
const BUMP: &str = "INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES ($1, $2) \
     ON CONFLICT (session_id) DO UPDATE SET last_sequence = asm_session_sequences.last_sequence + excluded.last_sequence \
     RETURNING last_sequence";
const READ: &str = "SELECT id, type, to_char(\"timestamp\", 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), session_id, run_id, \
     sequence_number, data::text, metadata::text, schema_version, provider, correlation_id FROM asm_events \
     WHERE session_id = $1 ORDER BY sequence_number";
const SESSION_COLS: &str = "SELECT id, agent_id, status, parent_session_id, metadata::text, context::text, \
     array_to_json(tags)::text, to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), \
     to_char(updated_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), to_char(deleted_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US') \
     FROM asm_sessions WHERE deleted_at IS NULL";

/// One raw connection with its prepared statements.
pub struct Raw {
    client: Client,
    inserts: RefCell<HashMap<usize, Statement>>,
    statements: RefCell<HashMap<String, Statement>>,
}

/// An event's values as the insert binds them.
struct Params {
    id: String,
    event_type: &'static str,
    timestamp: String,
    session_id: String,
    run_id: Option<String>,
    seq: i32,
    data: String,
    metadata: String,
    schema_version: i32,
    provider: Option<String>,
    correlation_id: Option<String>,
}

impl Params {
    fn of(e: &Event, seq: i64) -> Params {
        Params {
            id: e.id.clone(),
            event_type: e.event_type.as_str(),
            timestamp: ts(e.timestamp),
            session_id: e.session_id.clone(),
            run_id: e.run_id.clone(),
            seq: seq as i32,
            data: json(&e.data),
            metadata: json(&e.metadata),
            schema_version: e.schema_version as i32,
            provider: e.provider.clone(),
            correlation_id: e.correlation_id.clone(),
        }
    }

    fn push<'a>(&'a self, out: &mut Vec<&'a (dyn ToSql + Sync)>) {
        out.extend_from_slice(&[
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
        ]);
    }
}

/// A session or event read back: the row's text columns, JSON parsed.
#[allow(dead_code)]
pub struct RawRow {
    /// Every column as text (NULL as `None`).
    pub cells: Vec<Option<String>>,
    /// The parsed JSON columns.
    pub json: Vec<serde_json::Value>,
}

impl RawRow {
    fn of(row: &Row, json_cols: &[usize]) -> RawRow {
        let mut cells = Vec::with_capacity(row.len());
        for i in 0..row.len() {
            let cell = match row.columns()[i].type_() {
                &tokio_postgres::types::Type::INT4 => {
                    row.get::<_, Option<i32>>(i).map(|n| n.to_string())
                }
                _ => row.get::<_, Option<String>>(i),
            };
            cells.push(cell);
        }
        let json = json_cols
            .iter()
            .map(|&i| {
                cells[i].as_deref().and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default()
            })
            .collect();
        RawRow { cells, json }
    }
}

impl Raw {
    /// The connection, for setup statements.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Connects with `config` (its search_path names the schema).
    pub async fn connect(config: &tokio_postgres::Config) -> Raw {
        let (client, connection) = config.connect(NoTls).await.expect("connect");
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Raw {
            client,
            inserts: RefCell::new(HashMap::new()),
            statements: RefCell::new(HashMap::new()),
        }
    }

    async fn insert_statement(&self, rows: usize) -> Statement {
        if let Some(s) = self.inserts.borrow().get(&rows) {
            return s.clone();
        }
        let mut sql = format!("INSERT INTO asm_events ({COLUMNS}) VALUES ");
        for r in 0..rows {
            let p = r * 11;
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}::text::timestamp, ${}, ${}, ${}, ${}::text::jsonb, ${}::text::jsonb, ${}, ${}, ${})",
                p + 1, p + 2, p + 3, p + 4, p + 5, p + 6, p + 7, p + 8, p + 9, p + 10, p + 11
            ));
        }
        let statement = self.client.prepare(&sql).await.expect("prepare insert");
        self.inserts.borrow_mut().insert(rows, statement.clone());
        statement
    }

    async fn prepared(&self, sql: &str) -> Statement {
        // tokio-postgres has no statement cache; a per-connection cache keyed by text.
        if let Some(s) = self.statements.borrow().get(sql) {
            return s.clone();
        }
        let statement = self.client.prepare(sql).await.expect("prepare");
        self.statements.borrow_mut().insert(sql.to_owned(), statement.clone());
        statement
    }

    async fn bump(&self, session_id: &str, n: i32) -> i64 {
        let bump = self.prepared(BUMP).await;
        let row = self.client.query_one(&bump, &[&session_id, &n]).await.expect("bump");
        i64::from(row.get::<_, i32>(0))
    }

    async fn insert(&self, events: &[Event], first_seq: i64) {
        let params: Vec<Params> =
            events.iter().enumerate().map(|(i, e)| Params::of(e, first_seq + i as i64)).collect();
        for chunk in params.chunks(1000) {
            let mut refs: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(chunk.len() * 11);
            for p in chunk {
                p.push(&mut refs);
            }
            let statement = self.insert_statement(chunk.len()).await;
            self.client.execute(&statement, &refs).await.expect("insert");
        }
    }

    /// Counter upsert + event insert in one transaction.
    pub async fn append_one(&self, e: &Event) {
        self.append_batch(std::slice::from_ref(e)).await;
    }

    /// Events of one session: one counter upsert, then one multi-row insert, in one transaction.
    pub async fn append_batch(&self, events: &[Event]) {
        self.client.batch_execute("BEGIN").await.expect("begin");
        let last = self.bump(&events[0].session_id, events.len() as i32).await;
        self.insert(events, last - events.len() as i64 + 1).await;
        self.client.batch_execute("COMMIT").await.expect("commit");
    }

    /// A session's events in sequence order.
    pub async fn read_session(&self, session_id: &str) -> Vec<RawRow> {
        let read = self.prepared(READ).await;
        let rows = self.client.query(&read, &[&session_id]).await.expect("read");
        rows.iter().map(|r| RawRow::of(r, &[6, 7])).collect()
    }

    /// Bulk load for setups: sessions, their events numbered 1..n, the counters.
    pub async fn load(&self, sessions: &[Session], events: &[Event]) {
        self.client.batch_execute("BEGIN").await.expect("begin");
        let insert_session = self
            .prepared(
                "INSERT INTO asm_sessions (id, agent_id, status, parent_session_id, metadata, context, tags, created_at, \
                 updated_at, deleted_at) VALUES ($1, $2, $3, $4, $5::text::jsonb, $6::text::jsonb, \
                 ARRAY(SELECT jsonb_array_elements_text($7::text::jsonb))::varchar[], $8::text::timestamp, \
                 $9::text::timestamp, $10::text::timestamp)",
            )
            .await;
        for s in sessions {
            let tags = serde_json::to_string(&s.tags).expect("tags");
            let deleted = s.deleted_at.map(ts);
            self.client
                .execute(
                    &insert_session,
                    &[
                        &s.id,
                        &s.agent_id,
                        &s.status.as_str(),
                        &s.parent_session_id,
                        &json(&s.metadata),
                        &json(&s.context),
                        &tags,
                        &ts(s.created_at),
                        &ts(s.updated_at),
                        &deleted,
                    ],
                )
                .await
                .expect("session");
        }
        let mut by_session: HashMap<&str, Vec<Event>> = HashMap::new();
        for e in events {
            by_session.entry(e.session_id.as_str()).or_default().push(e.clone());
        }
        for (sid, evs) in &by_session {
            self.insert(evs, 1).await;
            let n = evs.len() as i32;
            self.client
                .execute(
                    "INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES ($1, $2)",
                    &[sid, &n],
                )
                .await
                .expect("counter");
        }
        self.client.batch_execute("COMMIT").await.expect("commit");
    }

    /// `search_sessions` (default order, live sessions): total and one page after `after`, in
    /// one transaction; returns the page's last key.
    pub async fn search(
        &self,
        after: Option<&(String, String)>,
        limit: i64,
    ) -> (i64, Vec<RawRow>, Option<(String, String)>) {
        self.client.batch_execute("BEGIN").await.expect("begin");
        let count =
            self.prepared("SELECT COUNT(id) FROM asm_sessions WHERE deleted_at IS NULL").await;
        let total: i64 = self.client.query_one(&count, &[]).await.expect("count").get(0);
        let rows = match after {
            None => {
                let sql = format!("{SESSION_COLS} ORDER BY updated_at DESC, id DESC LIMIT $1");
                let page = self.prepared(&sql).await;
                self.client.query(&page, &[&limit]).await.expect("page")
            }
            Some((updated, id)) => {
                let sql = format!(
                    "{SESSION_COLS} AND (updated_at < $1::text::timestamp OR (updated_at = $1::text::timestamp \
                     AND id < $2)) ORDER BY updated_at DESC, id DESC LIMIT $3"
                );
                let page = self.prepared(&sql).await;
                self.client.query(&page, &[updated, id, &limit]).await.expect("page")
            }
        };
        self.client.batch_execute("COMMIT").await.expect("commit");
        let page: Vec<RawRow> = rows.iter().map(|r| RawRow::of(r, &[4, 5, 6])).collect();
        let last = page.last().map(|r| {
            (r.cells[8].clone().unwrap_or_default(), r.cells[0].clone().unwrap_or_default())
        });
        (total, page, last)
    }

    /// Maintenance equivalent to `execute` with the W5 policy (see the SQLite baseline).
    pub async fn maintenance(
        &self,
        now: &str,
        soft_cutoff: &str,
        hard_cutoff: &str,
        max: i64,
        batch: usize,
    ) -> u64 {
        let c = &self.client;
        let mut touched = c
            .execute(
                "UPDATE asm_sessions SET deleted_at = $1::text::timestamp WHERE deleted_at IS NULL \
                 AND updated_at < $2::text::timestamp AND status NOT IN ('active', 'paused') \
                 AND NOT ('pinned' = ANY(tags))",
                &[&now, &soft_cutoff],
            )
            .await
            .expect("soft delete");
        let ids: Vec<String> = c
            .query(
                "SELECT id FROM asm_sessions WHERE deleted_at IS NOT NULL AND deleted_at < $1::text::timestamp ORDER BY id",
                &[&hard_cutoff],
            )
            .await
            .expect("hard candidates")
            .iter()
            .map(|r| r.get(0))
            .collect();
        for chunk in ids.chunks(batch) {
            let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
            c.batch_execute("BEGIN").await.expect("begin");
            for table in ["asm_events", "asm_runs", "asm_artifacts", "asm_session_sequences"] {
                let sql = format!("DELETE FROM {table} WHERE session_id = ANY($1)");
                let s = self.prepared(&sql).await;
                c.execute(&s, &[&chunk]).await.expect("delete");
            }
            let s = self.prepared("DELETE FROM asm_sessions WHERE id = ANY($1)").await;
            touched += c.execute(&s, &[&chunk]).await.expect("delete");
            c.batch_execute("COMMIT").await.expect("commit");
        }
        let over: Vec<(String, i64)> = c
            .query(
                "SELECT session_id, COUNT(id) FROM asm_events GROUP BY session_id HAVING COUNT(id) > $1 ORDER BY session_id",
                &[&max],
            )
            .await
            .expect("over")
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let first = self
            .prepared(
                "DELETE FROM asm_events WHERE id IN (SELECT id FROM asm_events WHERE session_id = $1 \
                 AND type IN ('message_streamed', 'token_usage_updated') ORDER BY sequence_number LIMIT $2)",
            )
            .await;
        let second = self
            .prepared(
                "DELETE FROM asm_events WHERE id IN (SELECT id FROM asm_events WHERE session_id = $1 \
                 AND type NOT IN ('session_created', 'run_started', 'run_completed', 'error_occurred', 'run_failed') \
                 ORDER BY sequence_number LIMIT $2)",
            )
            .await;
        for (sid, count) in over {
            let n = count - max;
            let pruned = c.execute(&first, &[&sid, &n]).await.expect("prune 1") as i64;
            if pruned < n {
                c.execute(&second, &[&sid, &(n - pruned)]).await.expect("prune 2");
            }
            touched += n as u64;
        }
        c.batch_execute(
            "DELETE FROM asm_artifacts WHERE session_id IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM asm_sessions s WHERE s.id = asm_artifacts.session_id); \
             DELETE FROM asm_session_sequences WHERE NOT EXISTS (SELECT 1 FROM asm_sessions s WHERE \
             s.id = asm_session_sequences.session_id) AND NOT EXISTS (SELECT 1 FROM asm_events e WHERE \
             e.session_id = asm_session_sequences.session_id)",
        )
        .await
        .expect("orphans");
        touched
    }
}
