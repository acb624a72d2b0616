//! [`SessionStore`] for [`SqlStore`]: upserts, reads, the cascade delete (docs/asm-v0.8/sql.md §4). Appends
//! are in `append.rs`.

use super::append::{self, AppendMode};
use super::{SqlStore, Where, limit};
use crate::error::{Error, ErrorCode, Result};
use crate::event::Event;
use crate::ports::{EventFilter, FlushPayload, ListRuns, ListSessions, SessionStore};
use crate::run::Run;
use crate::session::Session;
use crate::sql::dialect::{Builder, Dialect, SqlType};
use crate::sql::executor::{Executor, Statement, Value};
use crate::sql::{decode, encode, schema};
use crate::validator::{validate_run, validate_session};

const STORAGE: ErrorCode = ErrorCode::StorageError;

/// `INSERT … ON CONFLICT (id) DO UPDATE SET <every non-PK column> = excluded.<column>`.
pub(crate) fn upsert_session(dialect: Dialect, session: &Session) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("INSERT INTO asm_sessions (").sql(schema::SESSION_COLUMNS).sql(") VALUES ");
    encode::bind_tuple(&mut b, encode::session(session));
    b.sql(
        " ON CONFLICT (id) DO UPDATE SET agent_id = excluded.agent_id, status = excluded.status, \
         parent_session_id = excluded.parent_session_id, metadata = excluded.metadata, \
         context = excluded.context, tags = excluded.tags, created_at = excluded.created_at, \
         updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
    );
    b.build()
}

/// The run upsert, overwriting every non-PK column.
pub(crate) fn upsert_run(dialect: Dialect, run: &Run) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("INSERT INTO asm_runs (").sql(schema::RUN_COLUMNS).sql(") VALUES ");
    encode::bind_tuple(&mut b, encode::run(run));
    b.sql(
        " ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, status = excluded.status, \
         input = excluded.input, output = excluded.output, error = excluded.error, \
         metadata = excluded.metadata, turn_count = excluded.turn_count, \
         token_usage = excluded.token_usage, started_at = excluded.started_at, \
         ended_at = excluded.ended_at, provider = excluded.provider, \
         provider_metadata = excluded.provider_metadata, cost_usd = excluded.cost_usd",
    );
    b.build()
}

/// The five deletes of §4 for a set of sessions, in ASM's order: events, runs, artifacts,
/// sequence counters, sessions (the caller keeps `ids` under the parameter limit).
pub(crate) fn delete_sessions_cascade(dialect: Dialect, ids: &[&str]) -> Vec<Statement> {
    let tables = [
        "DELETE FROM asm_events WHERE session_id IN ",
        "DELETE FROM asm_runs WHERE session_id IN ",
        "DELETE FROM asm_artifacts WHERE session_id IN ",
        "DELETE FROM asm_session_sequences WHERE session_id IN ",
        "DELETE FROM asm_sessions WHERE id IN ",
    ];
    tables
        .iter()
        .map(|sql| {
            let mut b = Builder::write(dialect);
            b.sql(sql);
            encode::bind_text_list(&mut b, ids.iter().copied());
            b.build()
        })
        .collect()
}

fn select_by_id(dialect: Dialect, select: &str, from_where_id: &str, id: &str) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(select).sql(from_where_id).bind(Value::Text(id.to_owned()), SqlType::Text);
    b.build()
}

fn select_sessions(dialect: Dialect, filter: &ListSessions) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(schema::session_select(dialect)).sql(" FROM asm_sessions");
    let mut w = Where::new(&mut b);
    w.text("status = ", filter.status.map(|s| s.as_str().to_owned()).as_ref());
    w.text("agent_id = ", filter.agent_id.as_ref());
    b.sql(" ORDER BY created_at, id");
    limit(&mut b, filter.limit.map(u64::from));
    b.build()
}

fn select_runs(dialect: Dialect, session_id: &str, filter: &ListRuns) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(schema::run_select(dialect)).sql(" FROM asm_runs");
    let mut w = Where::new(&mut b);
    w.text("session_id = ", Some(&session_id.to_owned()));
    w.text("status = ", filter.status.map(|s| s.as_str().to_owned()).as_ref());
    b.sql(" ORDER BY started_at, id");
    limit(&mut b, filter.limit.map(u64::from));
    b.build()
}

/// The running run with the latest `started_at` (ties: the larger id).
fn select_active_run(dialect: Dialect, session_id: &str) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(schema::run_select(dialect)).sql(" FROM asm_runs WHERE session_id = ");
    b.bind(Value::Text(session_id.to_owned()), SqlType::Text).sql(" AND status = ");
    b.bind(Value::Text("running".to_owned()), SqlType::Text);
    b.sql(" ORDER BY started_at DESC, id DESC LIMIT 1");
    b.build()
}

fn select_events(dialect: Dialect, session_id: &str, filter: &EventFilter) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(schema::event_select(dialect)).sql(" FROM asm_events");
    let mut w = Where::new(&mut b);
    w.text("session_id = ", Some(&session_id.to_owned()));
    w.text("run_id = ", filter.run_id.as_ref());
    w.text("type = ", filter.event_type.map(|t| t.as_str().to_owned()).as_ref());
    w.ts("\"timestamp\" >= ", filter.since);
    if let Some(after) = filter.after {
        w.and().sql("sequence_number > ").bind(Value::Integer(after), SqlType::Int);
    }
    if let Some(before) = filter.before {
        w.and().sql("sequence_number < ").bind(Value::Integer(before), SqlType::Int);
    }
    b.sql(" ORDER BY sequence_number");
    limit(&mut b, filter.limit.map(u64::from));
    b.build()
}

impl<E: Executor> SessionStore for SqlStore<E> {
    async fn save_session(&self, session: &Session) -> Result<()> {
        validate_session(session)?;
        self.write(STORAGE, "save_session", vec![upsert_session(self.dialect(), session)]).await?;
        Ok(())
    }

    async fn get_session(&self, session_id: &str) -> Result<Session> {
        let d = self.dialect();
        let stmt = select_by_id(
            d,
            schema::session_select(d),
            " FROM asm_sessions WHERE id = ",
            session_id,
        );
        let rs = self.read(STORAGE, "get_session", stmt).await?;
        match rs.rows.first() {
            Some(row) => decode::session(row),
            None => Err(Error::new(
                ErrorCode::SessionNotFound,
                format!("Session not found: {session_id}"),
            )),
        }
    }

    async fn list_sessions(&self, filter: &ListSessions) -> Result<Vec<Session>> {
        let rs =
            self.read(STORAGE, "list_sessions", select_sessions(self.dialect(), filter)).await?;
        decode::all(&rs.rows, decode::session)
    }

    async fn delete_session(&self, session_id: &str) -> Result<()> {
        let statements = delete_sessions_cascade(self.dialect(), &[session_id]);
        self.write(STORAGE, "delete_session", statements).await?;
        Ok(())
    }

    async fn save_run(&self, run: &Run) -> Result<()> {
        validate_run(run)?;
        self.write(STORAGE, "save_run", vec![upsert_run(self.dialect(), run)]).await?;
        Ok(())
    }

    async fn get_run(&self, run_id: &str) -> Result<Run> {
        let d = self.dialect();
        let stmt = select_by_id(d, schema::run_select(d), " FROM asm_runs WHERE id = ", run_id);
        let rs = self.read(STORAGE, "get_run", stmt).await?;
        match rs.rows.first() {
            Some(row) => decode::run(row),
            None => Err(Error::new(ErrorCode::RunNotFound, format!("Run not found: {run_id}"))),
        }
    }

    async fn list_runs(&self, session_id: &str, filter: &ListRuns) -> Result<Vec<Run>> {
        let rs = self
            .read(STORAGE, "list_runs", select_runs(self.dialect(), session_id, filter))
            .await?;
        decode::all(&rs.rows, decode::run)
    }

    async fn get_active_run(&self, session_id: &str) -> Result<Option<Run>> {
        let rs = self
            .read(STORAGE, "get_active_run", select_active_run(self.dialect(), session_id))
            .await?;
        rs.rows.first().map(|row| decode::run(row)).transpose()
    }

    async fn append_event(&self, event: &Event) -> Result<()> {
        append::append(
            self,
            "append_event",
            None,
            std::slice::from_ref(event),
            AppendMode::Discard,
        )
        .await?;
        Ok(())
    }

    async fn append_event_with_sequence(&self, event: &Event) -> Result<Event> {
        let op = "append_event_with_sequence";
        let mut stored =
            append::append(self, op, None, std::slice::from_ref(event), AppendMode::ReadBack)
                .await?;
        stored
            .pop()
            .ok_or_else(|| Error::new(STORAGE, format!("{op} failed: the event was not read back")))
    }

    async fn append_events(&self, events: &[Event]) -> Result<Vec<Event>> {
        append::append(self, "append_events", None, events, AppendMode::ReadBack).await
    }

    async fn flush(&self, payload: &FlushPayload) -> Result<()> {
        validate_session(&payload.session)?;
        validate_run(&payload.run)?;
        let d = self.dialect();
        let upserts = vec![upsert_session(d, &payload.session), upsert_run(d, &payload.run)];
        append::append(self, "flush", Some(upserts), &payload.events, AppendMode::Discard).await?;
        Ok(())
    }

    async fn get_events(&self, session_id: &str, filter: &EventFilter) -> Result<Vec<Event>> {
        let rs = self
            .read(STORAGE, "get_events", select_events(self.dialect(), session_id, filter))
            .await?;
        decode::all(&rs.rows, decode::event)
    }

    async fn get_latest_sequence(&self, session_id: &str) -> Result<i64> {
        let d = self.dialect();
        let stmt = select_by_id(
            d,
            "last_sequence",
            " FROM asm_session_sequences WHERE session_id = ",
            session_id,
        );
        let rs = self.read(STORAGE, "get_latest_sequence", stmt).await?;
        Ok(decode::scalar_int(&rs.rows)?.unwrap_or(0))
    }
}
