//! [`SessionStore`] for [`SqlStore`]: upserts, reads, the cascade delete (docs/asm-v0.8/sql.md §4). Appends
//! are in `append.rs`.

use super::append::{self, AppendMode, Prefix};
use super::{SqlStore, Where, limit, no_nul, scope_sql};
use crate::error::{Error, ErrorCode, Result};
use crate::event::Event;
use crate::live::{LongPoll, wait_for_events};
use crate::ports::{EventFilter, FlushPayload, ListRuns, ListSessions, SessionStore};
use crate::run::Run;
use crate::scope::Scope;
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
/// sequence counters, sessions (the caller keeps `ids` under the parameter limit). Each keeps
/// to `scope`: the children go while their session row still says whose they are.
pub(crate) fn delete_sessions_cascade(
    dialect: Dialect,
    scope: &Scope,
    ids: &[&str],
) -> Vec<Statement> {
    let tables = [
        ("DELETE FROM asm_events WHERE session_id IN ", "session_id"),
        ("DELETE FROM asm_runs WHERE session_id IN ", "session_id"),
        ("DELETE FROM asm_artifacts WHERE session_id IN ", "session_id"),
        ("DELETE FROM asm_session_sequences WHERE session_id IN ", "session_id"),
        ("DELETE FROM asm_sessions WHERE id IN ", ""),
    ];
    tables
        .iter()
        .map(|(sql, column)| {
            let mut b = Builder::write(dialect);
            b.sql(sql);
            encode::bind_text_list(&mut b, ids.iter().copied());
            if let Some(agents) = scope.agent_ids() {
                b.sql(" AND ");
                match *column {
                    "" => scope_sql::agent_in(&mut b, "agent_id", agents),
                    column => scope_sql::session_in(&mut b, column, agents),
                }
            }
            b.build()
        })
        .collect()
}

/// Which rows of a table a scope reaches: sessions by their agent, the rest by their session.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner {
    /// `asm_sessions`: `agent_id`.
    Agent,
    /// A table with a `session_id` column.
    Session,
}

impl Owner {
    /// Adds the scope's predicate for this kind of table.
    pub(crate) fn keep(self, w: &mut Where<'_>, scope: &Scope) {
        match self {
            Owner::Agent => w.scope_agent(scope),
            Owner::Session => w.scope_session(scope, "session_id"),
        }
    }
}

/// `SELECT <select> FROM <table> WHERE <id_column> = <id>`, kept to `scope`.
pub(crate) fn select_by_id(
    dialect: Dialect,
    scope: &Scope,
    select: &str,
    table: &str,
    id_column: &str,
    id: &str,
    owner: Owner,
) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(select).sql(" FROM ").sql(table);
    let mut w = Where::new(&mut b);
    w.and().sql(id_column).sql(" = ").bind(Value::Text(id.to_owned()), SqlType::Text);
    owner.keep(&mut w, scope);
    b.build()
}

fn select_sessions(
    dialect: Dialect,
    scope: &Scope,
    filter: &ListSessions,
    page: Option<u32>,
) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(schema::session_select(dialect)).sql(" FROM asm_sessions");
    let mut w = Where::new(&mut b);
    w.scope_agent(scope);
    w.text("status = ", filter.status.map(|s| s.as_str().to_owned()).as_ref());
    w.text("agent_id = ", filter.agent_id.as_ref());
    b.sql(" ORDER BY created_at, id");
    limit(&mut b, page.map(u64::from));
    b.build()
}

fn select_runs(
    dialect: Dialect,
    scope: &Scope,
    session_id: &str,
    filter: &ListRuns,
    page: Option<u32>,
) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(schema::run_select(dialect)).sql(" FROM asm_runs");
    let mut w = Where::new(&mut b);
    w.text("session_id = ", Some(&session_id.to_owned()));
    w.scope_session(scope, "session_id");
    w.text("status = ", filter.status.map(|s| s.as_str().to_owned()).as_ref());
    b.sql(" ORDER BY started_at, id");
    limit(&mut b, page.map(u64::from));
    b.build()
}

/// The running run with the latest `started_at` (ties: the larger id).
fn select_active_run(dialect: Dialect, scope: &Scope, session_id: &str) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(schema::run_select(dialect)).sql(" FROM asm_runs");
    let mut w = Where::new(&mut b);
    w.text("session_id = ", Some(&session_id.to_owned()));
    w.text("status = ", Some(&"running".to_owned()));
    w.scope_session(scope, "session_id");
    b.sql(" ORDER BY started_at DESC, id DESC LIMIT 1");
    b.build()
}

/// A session's events. The select list leaves out `session_id`: the filter pins it, and text that
/// compares equal is the same text (SQLite's BINARY collation, PostgreSQL's deterministic ones).
fn select_events(
    dialect: Dialect,
    scope: &Scope,
    session_id: &str,
    filter: &EventFilter,
    page: Option<u32>,
) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(schema::event_select_of_session(dialect)).sql(" FROM asm_events");
    let mut w = Where::new(&mut b);
    w.text("session_id = ", Some(&session_id.to_owned()));
    w.scope_session(scope, "session_id");
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
    limit(&mut b, page.map(u64::from));
    b.build()
}

impl<E: Executor> SqlStore<E> {
    /// The one statement `get_events` runs for `filter`, for a host that runs it and decodes the
    /// rows itself (`row_plan`); `None` when the read waits for new events, which only the core
    /// does. When it finds no row, the answer is [`SqlStore::no_events`].
    pub fn events_statement(
        &self,
        session_id: &str,
        filter: &EventFilter,
    ) -> Result<Option<Statement>> {
        let statement = self.events_select(session_id, filter)?;
        if filter.wait_timeout_ms.unwrap_or(0) > 0 {
            return Ok(None);
        }
        no_nul(std::slice::from_ref(&statement))?;
        Ok(Some(statement))
    }

    /// What `get_events` answers when its statement found no row: no events, or the refusal of
    /// a session outside the store's scope.
    pub async fn no_events(&self, session_id: &str) -> Result<Vec<Event>> {
        self.refuse_if_foreign(STORAGE, session_id).await?;
        Ok(Vec::new())
    }

    fn events_select(&self, session_id: &str, filter: &EventFilter) -> Result<Statement> {
        let page = self.limits.page(filter.limit)?;
        Ok(select_events(self.dialect(), self.scope(), session_id, filter, page))
    }
}

impl<E: Executor> SessionStore for SqlStore<E> {
    async fn save_session(&self, session: &Session) -> Result<()> {
        validate_session(session)?;
        self.scope().check_agent(&session.agent_id)?;
        let d = self.dialect();
        let guards = scope_sql::session_not_foreign(d, self.scope(), &session.id);
        let statements = vec![upsert_session(d, session)];
        self.guarded_write(STORAGE, "save_session", &guards, statements).await?;
        Ok(())
    }

    async fn get_session(&self, session_id: &str) -> Result<Session> {
        let d = self.dialect();
        let (table, select) = ("asm_sessions", schema::session_select(d));
        let stmt = select_by_id(d, self.scope(), select, table, "id", session_id, Owner::Agent);
        let rs = self.read(STORAGE, "get_session", stmt).await?;
        match rs.rows.first() {
            Some(row) => decode::session(row),
            None => Err(self
                .missing_or_foreign(STORAGE, table, ("id", session_id), || {
                    Error::new(
                        ErrorCode::SessionNotFound,
                        format!("Session not found: {session_id}"),
                    )
                })
                .await),
        }
    }

    async fn list_sessions(&self, filter: &ListSessions) -> Result<Vec<Session>> {
        let page = self.limits.page(filter.limit)?;
        let statement = select_sessions(self.dialect(), self.scope(), filter, page);
        let rs = self.read(STORAGE, "list_sessions", statement).await?;
        decode::all(&rs.rows, decode::session)
    }

    async fn delete_session(&self, session_id: &str) -> Result<()> {
        let d = self.dialect();
        let guards = scope_sql::session_not_foreign(d, self.scope(), session_id);
        let statements = delete_sessions_cascade(d, self.scope(), &[session_id]);
        self.guarded_write(STORAGE, "delete_session", &guards, statements).await?;
        Ok(())
    }

    async fn save_run(&self, run: &Run) -> Result<()> {
        validate_run(run)?;
        let d = self.dialect();
        let mut guards = scope_sql::session_inside(d, self.scope(), &run.session_id);
        guards.extend(scope_sql::run_not_foreign(d, self.scope(), &run.id));
        self.guarded_write(STORAGE, "save_run", &guards, vec![upsert_run(d, run)]).await?;
        Ok(())
    }

    async fn get_run(&self, run_id: &str) -> Result<Run> {
        let d = self.dialect();
        let table = "asm_runs";
        let stmt = select_by_id(
            d,
            self.scope(),
            schema::run_select(d),
            table,
            "id",
            run_id,
            Owner::Session,
        );
        let rs = self.read(STORAGE, "get_run", stmt).await?;
        match rs.rows.first() {
            Some(row) => decode::run(row),
            None => Err(self
                .missing_or_foreign(STORAGE, table, ("id", run_id), || {
                    Error::new(ErrorCode::RunNotFound, format!("Run not found: {run_id}"))
                })
                .await),
        }
    }

    async fn list_runs(&self, session_id: &str, filter: &ListRuns) -> Result<Vec<Run>> {
        let page = self.limits.page(filter.limit)?;
        let statement = select_runs(self.dialect(), self.scope(), session_id, filter, page);
        let rs = self.read(STORAGE, "list_runs", statement).await?;
        if rs.rows.is_empty() {
            self.refuse_if_foreign(STORAGE, session_id).await?;
        }
        decode::all(&rs.rows, decode::run)
    }

    async fn get_active_run(&self, session_id: &str) -> Result<Option<Run>> {
        let statement = select_active_run(self.dialect(), self.scope(), session_id);
        let rs = self.read(STORAGE, "get_active_run", statement).await?;
        if rs.rows.is_empty() {
            self.refuse_if_foreign(STORAGE, session_id).await?;
        }
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
        self.scope().check_agent(&payload.session.agent_id)?;
        let (d, scope) = (self.dialect(), self.scope());
        let session_id = &payload.session.id;
        let mut guards = scope_sql::session_not_foreign(d, scope, session_id);
        if payload.run.session_id != *session_id {
            guards.extend(scope_sql::session_inside(d, scope, &payload.run.session_id));
        }
        guards.extend(scope_sql::run_not_foreign(d, scope, &payload.run.id));
        let prefix = Prefix {
            guards,
            statements: vec![upsert_session(d, &payload.session), upsert_run(d, &payload.run)],
            own_session: Some(session_id.clone()),
        };
        append::append(self, "flush", Some(prefix), &payload.events, AppendMode::Discard).await?;
        Ok(())
    }

    async fn get_events(&self, session_id: &str, filter: &EventFilter) -> Result<Vec<Event>> {
        let statement = self.events_select(session_id, filter)?;
        let read = async || {
            let rs = self.read(STORAGE, "get_events", statement.clone()).await?;
            if rs.rows.is_empty() {
                return self.no_events(session_id).await;
            }
            decode::events_of_session(rs.rows, session_id)
        };
        let wait_ms = filter.wait_timeout_ms.unwrap_or(0);
        let poll = LongPoll { wait_ms, poll_ms: self.poll_ms };
        let sleep = async |ms| self.executor().sleep(ms).await;
        wait_for_events(&self.signal, session_id, poll, self.env(), read, sleep).await
    }

    async fn get_latest_sequence(&self, session_id: &str) -> Result<i64> {
        let d = self.dialect();
        let stmt = select_by_id(
            d,
            self.scope(),
            "last_sequence",
            "asm_session_sequences",
            "session_id",
            session_id,
            Owner::Session,
        );
        let rs = self.read(STORAGE, "get_latest_sequence", stmt).await?;
        if rs.rows.is_empty() {
            self.refuse_if_foreign(STORAGE, session_id).await?;
        }
        Ok(decode::scalar_int(&rs.rows)?.unwrap_or(0))
    }
}
