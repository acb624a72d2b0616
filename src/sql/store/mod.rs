//! [`SqlStore`]: the four ports over any [`Executor`], in the dialect it reports.
//!
//! Every write is one [`Executor::batch`] (D1 has no interactive transactions), with no read
//! before it; reads are single statements or read-only batches. No value is ever formatted into
//! SQL: every statement is written through [`Builder`].

mod append;
mod archive;
mod artifacts;
mod event_ids;
mod export;
mod guard;
mod maintenance;
mod maintenance_sql;
mod query_api;
mod query_sql;
mod scope_sql;
mod session_store;

use serde_json::Value as Json;

use super::dialect::{Builder, Dialect, SqlType};
use super::executor::{ExecError, ExecErrorKind, Executor, ResultSet, Statement, Value};
use super::schema;
use crate::error::{Cause, Error, ErrorCode, Result};
use crate::id::Env;
use crate::json::JsonMap;
use crate::limits::Limits;
use crate::live::{AppendSignal, DEFAULT_POLL_MS};
use crate::redactor::{RedactionConfig, RedactionHook, RedactionPolicy};
use crate::retention::MaintenanceBudget;
use crate::scope::Scope;
pub use export::{EXPORT_PAGE, ExportChunks};
use guard::Guard;

/// ASM's SQL stores (`EctoSessionStore`, `EctoQueryAPI`, `EctoMaintenance`, `ArtifactRegistry`)
/// over a host's executor: SQLite, D1 or PostgreSQL, on ASM's own schema.
///
/// Apply `migrations/` (see [`crate::sql::migrations`]) first; [`SqlStore::check_schema`]
/// tells whether that was done.
#[derive(Debug)]
pub struct SqlStore<E: Executor> {
    executor: E,
    env: Env,
    scope: Scope,
    limits: Limits,
    budget: MaintenanceBudget,
    signal: std::sync::Arc<AppendSignal>,
    poll_ms: u64,
    redaction: RedactionPolicy,
}

impl<E: Executor> SqlStore<E> {
    /// A store over `executor`, taking time and ids from `env`, with the dialect's default
    /// maintenance budget ([`SqlStore::default_budget`]).
    pub fn new(executor: E, env: Env) -> SqlStore<E> {
        let budget = Self::default_budget(executor.dialect());
        SqlStore {
            executor,
            env,
            scope: Scope::All,
            limits: Limits::NONE,
            budget,
            signal: std::sync::Arc::default(),
            poll_ms: DEFAULT_POLL_MS,
            redaction: RedactionPolicy::default(),
        }
    }

    /// The same store restricted to `scope`: every statement it writes from now on keeps to the
    /// scope's sessions, and a request outside it is `policy_violation` with nothing written
    /// (docs/scopes.md).
    pub fn with_scope(mut self, scope: Scope) -> SqlStore<E> {
        self.scope = scope;
        self
    }

    /// The same store with caps on each call's work (pages, events per call, statements per
    /// batch); [`Limits::NONE`], ASM's behaviour, until set.
    pub fn with_limits(mut self, limits: Limits) -> SqlStore<E> {
        self.limits = limits;
        self
    }

    /// The same store waking and woken by the stores sharing `signal`: give every store of one
    /// process (one per key scope, say) the same signal, so that an append through any of them
    /// answers the long-polls of all of them at once.
    pub fn with_append_signal(mut self, signal: std::sync::Arc<AppendSignal>) -> SqlStore<E> {
        self.signal = signal;
        self
    }

    /// The signal this store's appends notify and its long-polls wait on.
    pub fn append_signal(&self) -> &std::sync::Arc<AppendSignal> {
        &self.signal
    }

    /// The same store reading again every `ms` milliseconds while a long-poll waits
    /// ([`DEFAULT_POLL_MS`] until set): the bound on how late an append from another process is
    /// seen.
    pub fn with_poll_interval(mut self, ms: u64) -> SqlStore<E> {
        self.poll_ms = ms.max(1);
        self
    }

    /// The same store redacting every event it writes (`append_event`, `append_events`,
    /// `flush`) with `config` before encoding it, in the same batch; off (ASM's default)
    /// until set, so events are stored as given.
    pub fn with_redaction(mut self, config: RedactionConfig) -> SqlStore<E> {
        self.redaction = self.redaction.with_config(config);
        self
    }

    /// The same store telling `hook` what each successful write redacted, so a host can count
    /// or log it ([`crate::redactor::RedactionLog`] keeps it for the host to take).
    pub fn on_redaction(mut self, hook: RedactionHook) -> SqlStore<E> {
        self.redaction = self.redaction.with_hook(hook);
        self
    }

    /// How the store redacts the events it writes.
    pub fn redaction(&self) -> &RedactionPolicy {
        &self.redaction
    }

    /// The caps each call keeps to.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The scope every statement keeps to.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The maintenance budget a new store gets: D1 refuses queries past a per-invocation cap,
    /// so it gets [`MaintenanceBudget::D1_DEFAULT_STATEMENTS`]; SQLite and PostgreSQL have no
    /// such cap and run every step to its end, as ASM does.
    pub fn default_budget(dialect: Dialect) -> MaintenanceBudget {
        match dialect {
            Dialect::D1 => MaintenanceBudget::statements(MaintenanceBudget::D1_DEFAULT_STATEMENTS),
            Dialect::Sqlite | Dialect::Postgres => MaintenanceBudget::UNBOUNDED,
        }
    }

    /// The same store with another budget for `Maintenance::execute` and `plan`, e.g. a
    /// Worker's `ASM_MAINTENANCE_BUDGET` on the Paid plan.
    pub fn with_maintenance_budget(mut self, budget: MaintenanceBudget) -> SqlStore<E> {
        self.budget = budget;
        self
    }

    /// The statements one `execute` or `plan` run may send.
    pub fn maintenance_budget(&self) -> MaintenanceBudget {
        self.budget
    }

    /// The executor, e.g. for a host's own migrations or raw checks.
    pub fn executor(&self) -> &E {
        &self.executor
    }

    /// The clock and id source the store uses.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The dialect the executor speaks.
    pub fn dialect(&self) -> Dialect {
        self.executor.dialect()
    }

    /// Creates the `asm_*` tables and indexes when missing (the dialect's up migration, one
    /// atomic batch), for hosts that have no migration tool of their own.
    pub async fn migrate(&self) -> Result<()> {
        let statements = super::migrations::statements(super::migrations::up(self.dialect()))
            .into_iter()
            .map(Statement::write)
            .collect();
        self.write(ErrorCode::StorageWriteFailed, "migrate", statements).await.map(drop)
    }

    /// ASM's schema-presence check (docs/asm-v0.8/sql.md §1.6): probes the required columns in ASM's order;
    /// the first one missing is `migration_required` with `details.missing_column`.
    pub async fn check_schema(&self) -> Result<()> {
        for (column, sql) in schema::SCHEMA_PROBES {
            let probe = Statement::read(*sql);
            match self.executor.query(probe).await {
                Ok(_) => {}
                Err(e) if e.kind == ExecErrorKind::MissingSchema => {
                    return Err(
                        migration_required("check_schema", &e).detail("missing_column", *column)
                    );
                }
                Err(e) => {
                    let message = "SqlStore could not verify required schema columns. Apply the \
                                   migrations in migrations/ before using the store.";
                    return Err(Error::with_details(
                        ErrorCode::MigrationRequired,
                        message,
                        details("check_schema", &e),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Runs one read; failures become `code` errors named after `op`.
    async fn read(&self, code: ErrorCode, op: &str, statement: Statement) -> Result<ResultSet> {
        no_nul(std::slice::from_ref(&statement))?;
        self.executor.query(statement).await.map_err(|e| failure(code, op, &e))
    }

    /// Runs statements as one atomic batch; failures become `code` errors named after `op`.
    async fn write(
        &self,
        code: ErrorCode,
        op: &str,
        statements: Vec<Statement>,
    ) -> Result<Vec<ResultSet>> {
        no_nul(&statements)?;
        self.executor.batch(statements).await.map_err(|e| failure(code, op, &e))
    }

    /// Runs `guards` and then `statements` as one atomic batch; the answer holds the results
    /// of `statements` only. When the batch fails, the guard that tripped (if any) answers.
    async fn guarded_write(
        &self,
        code: ErrorCode,
        op: &str,
        guards: &[Guard],
        statements: Vec<Statement>,
    ) -> Result<Vec<ResultSet>> {
        let mut batch: Vec<Statement> = guards.iter().map(Guard::statement).collect();
        batch.extend(statements);
        no_nul(&batch)?;
        match self.executor.batch(batch).await {
            Ok(mut results) => {
                results.drain(..guards.len().min(results.len()));
                Ok(results)
            }
            Err(e) => Err(self.tripped(guards).await?.unwrap_or_else(|| failure(code, op, &e))),
        }
    }

    /// The answer for a row (by `id`) that a read kept to the scope did not find: `not_found()`,
    /// or `policy_violation` when the row exists outside the scope.
    async fn missing_or_foreign(
        &self,
        code: ErrorCode,
        table: &str,
        (id_column, id): (&str, &str),
        not_found: impl FnOnce() -> Error,
    ) -> Error {
        if self.scope.is_all() {
            return not_found();
        }
        let d = self.dialect();
        let probe = session_store::select_by_id(
            d,
            &Scope::All,
            "1",
            table,
            id_column,
            id,
            session_store::Owner::Agent,
        );
        match self.read(code, "scope", probe).await {
            Ok(rs) if !rs.rows.is_empty() => {
                crate::scope::out_of_scope(format!("{id} ({table}) is outside this caller's scope"))
            }
            Ok(_) => not_found(),
            Err(e) => e,
        }
    }

    /// After a read kept to the scope found nothing for session `session_id`: `policy_violation`
    /// when the session exists outside the scope (a caller learns nothing of it but that), else
    /// `Ok` (an empty answer, as for a session that does not exist or has no such rows).
    async fn refuse_if_foreign(&self, code: ErrorCode, session_id: &str) -> Result<()> {
        if self.scope.is_all() {
            return Ok(());
        }
        let d = self.dialect();
        let owner = session_store::Owner::Agent;
        let probe = session_store::select_by_id(
            d,
            &Scope::All,
            "agent_id",
            "asm_sessions",
            "id",
            session_id,
            owner,
        );
        let rs = self.read(code, "scope", probe).await?;
        match rs.rows.first().and_then(|row| row.first()) {
            Some(Value::Text(agent_id)) if !self.scope.allows(agent_id) => {
                Err(scope_sql::foreign_session(session_id))
            }
            _ => Ok(()),
        }
    }

    /// The error of the first guard whose condition holds now, if any (after a failed batch).
    async fn tripped(&self, guards: &[Guard]) -> Result<Option<Error>> {
        if guards.is_empty() {
            return Ok(None);
        }
        let probes = guards.iter().map(Guard::probe).collect();
        let results = self
            .executor
            .batch(probes)
            .await
            .map_err(|e| failure(ErrorCode::StorageError, "guard", &e))?;
        Ok(guards.iter().zip(&results).find(|(_, rs)| !rs.rows.is_empty()).map(|(g, _)| g.error()))
    }
}

/// Refuses a text value with a NUL character before it reaches the database: PostgreSQL
/// cannot hold one (its error would be a 500 for what is bad input), and a read or filter must
/// answer alike on every backend. Writes are refused earlier, field by field, by the validators.
pub(crate) fn no_nul(statements: &[Statement]) -> Result<()> {
    let nul = |v: &Value| matches!(v, Value::Text(t) if t.contains('\0'));
    if statements.iter().any(|s| s.params.iter().any(nul)) {
        return Err(Error::validation("text must not contain NUL characters")
            .detail("reason", "nul_character"));
    }
    Ok(())
}

fn details(op: &str, e: &ExecError) -> JsonMap {
    let mut details = JsonMap::new();
    details.insert("reason".into(), Json::String(e.message.clone()));
    details.insert("operation".into(), Json::from(op));
    details
}

fn migration_required(op: &str, e: &ExecError) -> Error {
    let message = "SqlStore requires Migration. Run the asm_* migration (migrations/ or \
                   asm_core::sql::migrations::up, the equivalent of \
                   AgentSessionManager.Adapters.EctoSessionStore.Migration.up()) before starting the store.";
    Error::with_details(ErrorCode::MigrationRequired, message, details(op, e))
        .with_cause(Cause::Database(e.kind))
}

/// An executor failure as the port's error: `migration_required` for a missing table or column,
/// else `code` with "<op> failed: <driver message>".
pub(crate) fn failure(code: ErrorCode, op: &str, e: &ExecError) -> Error {
    if e.kind == ExecErrorKind::MissingSchema {
        return migration_required(op, e);
    }
    Error::with_details(code, format!("{op} failed: {}", e.message), details(op, e))
        .with_cause(Cause::Database(e.kind))
}

/// ANDs predicates onto a statement: the first one opens the `WHERE`.
pub(crate) struct Where<'a> {
    b: &'a mut Builder,
    open: bool,
}

impl<'a> Where<'a> {
    /// Starts the clause list of `b`.
    pub(crate) fn new(b: &'a mut Builder) -> Where<'a> {
        Where { b, open: false }
    }

    /// Starts one more predicate and returns the builder to write it.
    pub(crate) fn and(&mut self) -> &mut Builder {
        self.b.sql(if self.open { " AND " } else { " WHERE " });
        self.open = true;
        self.b
    }

    /// Adds `<column_eq>` followed by a bound text: `column_eq` is e.g. `"agent_id = "`.
    pub(crate) fn text(&mut self, column_eq: &str, value: Option<&String>) {
        if let Some(v) = value {
            self.and().sql(column_eq).bind(Value::Text(v.clone()), SqlType::Text);
        }
    }

    /// Adds `<column_op>` followed by a bound timestamp.
    pub(crate) fn ts(&mut self, column_op: &str, value: Option<crate::time::Timestamp>) {
        if let Some(t) = value {
            self.and().sql(column_op).bind(Value::Text(t.to_sql_text()), SqlType::Timestamp);
        }
    }

    /// Keeps to the scope's sessions on `asm_sessions` (`agent_id IN <agents>`).
    pub(crate) fn scope_agent(&mut self, scope: &Scope) {
        if let Some(agents) = scope.agent_ids() {
            scope_sql::agent_in(self.and(), "agent_id", agents);
        }
    }

    /// Keeps to the scope's sessions on a table whose `column` names a session.
    pub(crate) fn scope_session(&mut self, scope: &Scope, column: &str) {
        if let Some(agents) = scope.agent_ids() {
            scope_sql::session_in(self.and(), column, agents);
        }
    }

    /// Adds `<column_in>(…)` for a list filter where ASM writes `IN (…)` as given: `None` adds
    /// nothing, an empty list adds a predicate no row meets (ASM's `IN ()`).
    pub(crate) fn text_one_of<'v, I: IntoIterator<Item = &'v str>>(
        &mut self,
        column_in: &str,
        values: Option<I>,
    ) {
        let Some(values) = values else { return };
        let mut values = values.into_iter().peekable();
        if values.peek().is_none() {
            self.and().sql("1 = 0");
        } else {
            self.text_in(column_in, values);
        }
    }

    /// Adds `<column_in>(…)` when `values` is non-empty (an empty list means no filter).
    pub(crate) fn text_in<'v>(
        &mut self,
        column_in: &str,
        values: impl IntoIterator<Item = &'v str>,
    ) {
        let values: Vec<&str> = values.into_iter().collect();
        if !values.is_empty() {
            let b = self.and();
            b.sql(column_in);
            super::encode::bind_text_list(b, values);
        }
    }
}

/// Writes ` LIMIT ?` when `limit` is a positive number (`None` or 0 means no limit).
pub(crate) fn limit(b: &mut Builder, limit: Option<u64>) {
    if let Some(n) = limit.filter(|n| *n > 0) {
        b.sql(" LIMIT ").bind(Value::Integer(n.min(i64::MAX as u64) as i64), SqlType::Int);
    }
}
