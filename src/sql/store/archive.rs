//! [`ArchiveAccess`] for [`SqlStore`]: the session read whole in one read batch, deletes of
//! exactly the archived ids in one atomic batch, and restores with the original sequence
//! numbers in one atomic batch. Every statement keeps to the store's scope.

use std::collections::HashMap;

use super::append::{lock_counter, raise_counter, read_stored};
use super::guard::Guard;
use super::query_sql::{rows_of_session, session_row};
use super::{SqlStore, failure, scope_sql};
use crate::error::{ErrorCode, Result};
use crate::event::Event;
use crate::ports::{
    ArchiveAccess, Removal, Removed, Restored, SessionSnapshot, restore_conflict,
    stored_as_archived,
};
use crate::retention::RetentionPolicy;
use crate::run::Run;
use crate::scope::Scope;
use crate::session::Session;
use crate::sql::decode;
use crate::sql::dialect::{Builder, Dialect, SqlType, chunk_size};
use crate::sql::encode::{self, Bound};
use crate::sql::executor::{ExecErrorKind, Executor, Statement, Value};
use crate::sql::schema;
use crate::time::Timestamp;

const MAINTENANCE: ErrorCode = ErrorCode::MaintenanceError;
const OP_SNAPSHOT: &str = "archive_snapshot";
const OP_REMOVE: &str = "remove_archived";
const OP_RESTORE: &str = "restore_archived";

/// Ids per `IN` set of a delete: the set binds as one JSON array (one parameter), so this
/// bounds the size of that one value, not the parameter count.
const IDS_PER_STATEMENT: usize = 500;

/// Values bound per restored event row (every column of `asm_events`).
const VALUES_PER_EVENT_ROW: usize = 11;

/// ` AND <column> IN (the scope's sessions)` for a restricted scope.
fn keep_to_sessions(b: &mut Builder, scope: &Scope, column: &str) {
    if let Some(agents) = scope.agent_ids() {
        b.sql(" AND ");
        scope_sql::session_in(b, column, agents);
    }
}

/// ` AND EXISTS (the session, still soft-deleted, inside the scope)`; the session id is `?1`.
fn still_soft_deleted(b: &mut Builder, scope: &Scope) {
    b.sql(" AND EXISTS (SELECT 1 FROM asm_sessions WHERE id = ").rebind(1, SqlType::Text);
    b.sql(" AND deleted_at IS NOT NULL");
    if let Some(agents) = scope.agent_ids() {
        b.sql(" AND ");
        scope_sql::agent_in(b, "agent_id", agents);
    }
    b.sql(")");
}

/// ` AND nothing of session ?1 is left in asm_events or asm_runs`.
fn nothing_left(b: &mut Builder) {
    b.sql(" AND NOT EXISTS (SELECT 1 FROM asm_events WHERE session_id = ").rebind(1, SqlType::Text);
    b.sql(") AND NOT EXISTS (SELECT 1 FROM asm_runs WHERE session_id = ").rebind(1, SqlType::Text);
    b.sql(")");
}

/// `DELETE FROM <table> WHERE session_id = ?1 AND id IN <ids>`, kept to `scope`, and (for a
/// hard delete) only while the session is still soft-deleted.
fn delete_ids(
    dialect: Dialect,
    scope: &Scope,
    table: &str,
    session_id: &str,
    ids: &[String],
    hard: bool,
) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("DELETE FROM ").sql(table).sql(" WHERE session_id = ");
    b.bind(Value::Text(session_id.to_owned()), SqlType::Text);
    b.sql(" AND id IN ");
    encode::bind_text_list(&mut b, ids.iter().map(String::as_str));
    if hard {
        still_soft_deleted(&mut b, scope);
    } else {
        keep_to_sessions(&mut b, scope, "session_id");
    }
    b.build()
}

/// The rest of a hard delete once the archived events and runs are gone: the session's
/// artifact rows and counter, then its row, each only when nothing of it is left and it is
/// still soft-deleted.
fn delete_session_rest(dialect: Dialect, scope: &Scope, session_id: &str) -> Vec<Statement> {
    let mut statements = Vec::new();
    for table in ["asm_artifacts", "asm_session_sequences"] {
        let mut b = Builder::write(dialect);
        b.sql("DELETE FROM ").sql(table).sql(" WHERE session_id = ");
        b.bind(Value::Text(session_id.to_owned()), SqlType::Text);
        still_soft_deleted(&mut b, scope);
        nothing_left(&mut b);
        statements.push(b.build());
    }
    let mut b = Builder::write(dialect);
    b.sql("DELETE FROM asm_sessions WHERE id = ");
    b.bind(Value::Text(session_id.to_owned()), SqlType::Text);
    b.sql(" AND deleted_at IS NOT NULL");
    if let Some(agents) = scope.agent_ids() {
        b.sql(" AND ");
        scope_sql::agent_in(&mut b, "agent_id", agents);
    }
    nothing_left(&mut b);
    statements.push(b.build());
    statements
}

/// `INSERT INTO <table> (<columns>) VALUES <rows> ON CONFLICT (id) DO NOTHING`.
fn insert_absent(dialect: Dialect, table: &str, columns: &str, rows: Vec<Vec<Bound>>) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("INSERT INTO ").sql(table).sql(" (").sql(columns).sql(") VALUES ");
    for (i, row) in rows.into_iter().enumerate() {
        if i > 0 {
            b.sql(", ");
        }
        encode::bind_tuple(&mut b, row);
    }
    b.sql(" ON CONFLICT (id) DO NOTHING");
    b.build()
}

/// An event in the order of `schema::EVENT_COLUMNS`, with its own sequence number.
fn full_event_row(e: &Event) -> Vec<Bound> {
    vec![
        encode::text(&e.id),
        encode::text(e.event_type.as_str()),
        encode::ts(e.timestamp),
        encode::text(&e.session_id),
        encode::opt_text(e.run_id.as_deref()),
        encode::int(e.sequence_number.unwrap_or(0)),
        encode::json_map(&e.data),
        encode::json_map(&e.metadata),
        encode::int(e.schema_version),
        encode::opt_text(e.provider.as_deref()),
        encode::opt_text(e.correlation_id.as_deref()),
    ]
}

impl<E: Executor> ArchiveAccess for SqlStore<E> {
    async fn hard_delete_candidates(
        &self,
        cutoff: Timestamp,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<String>> {
        self.hard_delete_page(cutoff, after, limit).await
    }

    async fn prune_candidates(
        &self,
        policy: &RetentionPolicy,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<String>> {
        let Some(max) = policy.max_events_per_session.finite() else { return Ok(Vec::new()) };
        self.prune_page(policy, max, after, limit).await
    }

    async fn snapshot(&self, session_id: &str) -> Result<SessionSnapshot> {
        let (d, scope) = (self.dialect(), self.scope());
        let statements = vec![
            session_row(d, scope, schema::session_select(d), session_id),
            rows_of_session(
                d,
                scope,
                schema::run_select(d),
                "asm_runs",
                session_id,
                " ORDER BY started_at, id",
            ),
            rows_of_session(
                d,
                scope,
                schema::event_select(d),
                "asm_events",
                session_id,
                " ORDER BY sequence_number",
            ),
        ];
        super::no_nul(&statements)?;
        let results = self
            .executor
            .batch(statements)
            .await
            .map_err(|e| failure(MAINTENANCE, OP_SNAPSHOT, &e))?;
        let rows = |i: usize| results.get(i).map_or(&[][..], |rs| rs.rows.as_slice());
        Ok(SessionSnapshot {
            session: rows(0).first().map(|row| decode::session(row)).transpose()?,
            runs: decode::all(rows(1), decode::run)?,
            events: decode::all(rows(2), decode::event)?,
        })
    }

    async fn remove_archived(&self, session_id: &str, removal: Removal<'_>) -> Result<Removed> {
        let (d, scope) = (self.dialect(), self.scope());
        let (events, runs) = match removal {
            Removal::Events(events) => (events, None),
            Removal::Session { events, runs } => (events, Some(runs)),
        };
        let hard = runs.is_some();
        let mut statements: Vec<Statement> = events
            .chunks(IDS_PER_STATEMENT)
            .map(|c| delete_ids(d, scope, "asm_events", session_id, c, hard))
            .collect();
        let event_statements = statements.len();
        if let Some(runs) = runs {
            statements.extend(
                runs.chunks(IDS_PER_STATEMENT)
                    .map(|c| delete_ids(d, scope, "asm_runs", session_id, c, true)),
            );
            statements.extend(delete_session_rest(d, scope, session_id));
        }
        if statements.is_empty() {
            return Ok(Removed::default());
        }
        let results = self.write(MAINTENANCE, OP_REMOVE, statements).await?;
        Ok(Removed {
            events: results[..event_statements].iter().map(|rs| rs.changes).sum(),
            session: hard && results.last().is_some_and(|rs| rs.changes > 0),
        })
    }

    async fn restore_archived(
        &self,
        session_id: &str,
        session: Option<&Session>,
        runs: &[Run],
        events: &[Event],
    ) -> Result<Restored> {
        crate::archive::check_restore_input(session_id, session, runs, events)?;
        let (d, scope) = (self.dialect(), self.scope());
        // Ids stored already: the same session and number is this archive restored before;
        // anything else contradicts it and nothing is written.
        let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        let mut stored: HashMap<String, (String, Option<i64>)> = HashMap::new();
        for row in read_stored(self, OP_RESTORE, &ids).await? {
            let e = decode::event(&row)?;
            stored.insert(e.id, (e.session_id, e.sequence_number));
        }
        let mut new: Vec<&Event> = Vec::new();
        for event in events {
            let at = stored.get(&event.id).map(|(s, n)| (s.as_str(), n.unwrap_or(0)));
            if !stored_as_archived(session_id, event, at)? {
                new.push(event);
            }
        }
        let mut guards: Vec<Guard> = Vec::new();
        match session {
            Some(s) => {
                scope.check_agent(&s.agent_id)?;
                guards.extend(scope_sql::session_not_foreign(d, scope, session_id));
            }
            None => guards.extend(scope_sql::session_inside(d, scope, session_id)),
        }
        for run in runs {
            guards.extend(scope_sql::run_not_foreign(d, scope, &run.id));
        }
        let mut statements = Vec::new();
        if let Some(s) = session {
            let row = vec![encode::session(s)];
            statements.push(insert_absent(d, "asm_sessions", schema::SESSION_COLUMNS, row));
        }
        let runs_at = statements.len();
        for run in runs {
            let row = vec![encode::run(run)];
            statements.push(insert_absent(d, "asm_runs", schema::RUN_COLUMNS, row));
        }
        let events_at = statements.len() + 1;
        if !new.is_empty() {
            statements.push(lock_counter(d, session_id));
            for chunk in new.chunks(chunk_size(d, 0, VALUES_PER_EVENT_ROW)) {
                let rows = chunk.iter().map(|e| full_event_row(e)).collect();
                statements.push(insert_absent(d, "asm_events", schema::EVENT_COLUMNS, rows));
            }
            statements.push(raise_counter(d, session_id));
        }
        if statements.is_empty() {
            return Ok(Restored::default());
        }
        let mut batch: Vec<Statement> = guards.iter().map(Guard::statement).collect();
        batch.extend(statements);
        super::no_nul(&batch)?;
        let results = match self.executor.batch(batch).await {
            Ok(mut results) => results.split_off(guards.len().min(results.len())),
            Err(e) => {
                if let Some(refusal) = self.tripped(&guards).await? {
                    return Err(refusal);
                }
                if e.kind == ExecErrorKind::UniqueViolation {
                    return Err(restore_conflict(format!(
                        "a sequence number of session {session_id} in the archive is held by \
                         another event: {}",
                        e.message
                    )));
                }
                return Err(failure(ErrorCode::StorageError, OP_RESTORE, &e));
            }
        };
        let changes = |range: std::ops::Range<usize>| -> u64 {
            results.get(range).map_or(0, |rs| rs.iter().map(|r| r.changes).sum())
        };
        let event_end = if new.is_empty() { events_at - 1 } else { results.len() - 1 };
        let restored = Restored {
            sessions: changes(0..runs_at),
            runs: changes(runs_at..runs_at + runs.len()),
            events: if new.is_empty() { 0 } else { changes(events_at..event_end) },
        };
        self.append_signal().notify(session_id);
        Ok(restored)
    }
}
