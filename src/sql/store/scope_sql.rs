//! The SQL of a [`Scope`]: the predicates that keep reads to the scope's sessions, and the
//! guards that refuse writes reaching past them (docs/scopes.md has the design and its cost).
//!
//! A scope costs one bound value per predicate, whatever the number of agents: the agent ids
//! bind as one JSON array (`Builder::bind_text_set`). Child tables (runs, events, artifacts,
//! counters) are kept to the scope through their session:
//! `session_id IN (SELECT id FROM asm_sessions WHERE agent_id IN <agents>)`, which both
//! databases answer from the sessions' primary key and the `agent_id` index.

use std::collections::BTreeSet;

use super::guard::Guard;
use crate::error::Error;
use crate::scope::{Scope, out_of_scope};
use crate::sql::dialect::{Builder, Dialect, SqlType};
use crate::sql::executor::Value;

/// Writes `<column> IN <agents>`, or `<column> = ?` for one agent (the usual key: an index
/// lookup the planner needs no estimate for; `bench/run --only W7` measured the set form at
/// 0.56× the unscoped search on PostgreSQL).
pub(crate) fn agent_in(b: &mut Builder, column: &str, agents: &BTreeSet<String>) {
    match agents.first().filter(|_| agents.len() == 1) {
        Some(agent) => {
            b.sql(column).sql(" = ").bind(Value::Text(agent.clone()), SqlType::Text);
        }
        None => {
            b.sql(column).sql(" IN ");
            b.bind_text_set(agents.iter().map(String::as_str));
        }
    }
}

/// Writes `<column> IN (SELECT id FROM asm_sessions WHERE agent_id IN <agents>)`.
pub(crate) fn session_in(b: &mut Builder, column: &str, agents: &BTreeSet<String>) {
    b.sql(column).sql(" IN (SELECT id FROM asm_sessions WHERE ");
    agent_in(b, "agent_id", agents);
    b.sql(")");
}

fn text(b: &mut Builder, value: &str) {
    b.bind(Value::Text(value.to_owned()), SqlType::Text);
}

/// Refuses when session `session_id` exists and belongs to an agent outside the scope (a
/// session the caller may create, but not take over).
pub(crate) fn session_not_foreign(dialect: Dialect, scope: &Scope, session_id: &str) -> Vec<Guard> {
    session_guard(dialect, scope, session_id, "EXISTS", " AND NOT ")
}

/// Refuses unless session `session_id` exists inside the scope (what a run, an event or an
/// artifact of it needs).
pub(crate) fn session_inside(dialect: Dialect, scope: &Scope, session_id: &str) -> Vec<Guard> {
    session_guard(dialect, scope, session_id, "NOT EXISTS", " AND ")
}

/// `<exists> (SELECT 1 FROM asm_sessions WHERE id = ? <and> agent_id IN <agents>)`.
fn session_guard(
    dialect: Dialect,
    scope: &Scope,
    session_id: &str,
    exists: &str,
    and: &str,
) -> Vec<Guard> {
    let Some(agents) = scope.agent_ids() else { return Vec::new() };
    let condition = |b: &mut Builder| {
        b.sql(exists).sql(" (SELECT 1 FROM asm_sessions WHERE id = ");
        text(b, session_id);
        b.sql(and);
        agent_in(b, "agent_id", agents);
        b.sql(")");
    };
    vec![Guard::new(dialect, condition, foreign_session(session_id))]
}

/// Refuses when run `run_id` exists in a session outside the scope (a run the caller may not
/// overwrite, even into one of its own sessions).
pub(crate) fn run_not_foreign(dialect: Dialect, scope: &Scope, run_id: &str) -> Vec<Guard> {
    let Some(agents) = scope.agent_ids() else { return Vec::new() };
    vec![Guard::new(
        dialect,
        |b| {
            b.sql("EXISTS (SELECT 1 FROM asm_runs WHERE id = ");
            text(b, run_id);
            b.sql(" AND NOT ");
            session_in(b, "session_id", agents);
            b.sql(")");
        },
        out_of_scope(format!("run {run_id} belongs to a session outside this caller's scope")),
    )]
}

/// Refuses when a live artifact with `key` exists outside the scope (or in no session).
pub(crate) fn artifact_not_foreign(dialect: Dialect, scope: &Scope, key: &str) -> Vec<Guard> {
    let Some(agents) = scope.agent_ids() else { return Vec::new() };
    vec![Guard::new(
        dialect,
        |b| {
            b.sql("EXISTS (SELECT 1 FROM asm_artifacts WHERE deleted_at IS NULL AND key = ");
            text(b, key);
            b.sql(" AND (session_id IS NULL OR NOT ");
            session_in(b, "session_id", agents);
            b.sql("))");
        },
        out_of_scope(format!("artifact {key} is outside this caller's scope")),
    )]
}

/// The refusal for a session outside the scope.
pub(crate) fn foreign_session(session_id: &str) -> Error {
    out_of_scope(format!("session {session_id} is outside this caller's scope"))
}
