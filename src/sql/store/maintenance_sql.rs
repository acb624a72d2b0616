//! The statements of [`super::maintenance`] (docs/asm-v0.8/sql.md §6). Each candidate selection
//! lives in one function that both `execute` and `plan` call, and reads one keyset page: rows
//! after the last key seen, in key order, at most `limit` of them, so no read grows with the
//! store.

use super::scope_sql;
use crate::retention::{PROTECTED_EVENT_TYPES, RetentionPolicy};
use crate::scope::Scope;
use crate::sql::dialect::{Builder, Dialect, SqlType};
use crate::sql::encode;
use crate::sql::executor::{Statement, Value};
use crate::time::Timestamp;

/// Writes ` AND <the scope's predicate>` for a restricted scope: `agent_id IN …` on
/// `asm_sessions` (`column` empty), `<column> IN (the scope's sessions)` elsewhere.
fn keep_to(b: &mut Builder, scope: &Scope, column: &str) {
    if let Some(agents) = scope.agent_ids() {
        b.sql(" AND ");
        match column {
            "" => scope_sql::agent_in(b, "agent_id", agents),
            column => scope_sql::session_in(b, column, agents),
        }
    }
}

/// Writes ` AND <column> > ?` when a page has a predecessor, then ` ORDER BY <column> LIMIT ?`.
fn page(b: &mut Builder, column: &str, after: Option<&str>, limit: u64, order: &str) {
    if let Some(after) = after {
        b.sql(" AND ").sql(column).sql(" > ");
        b.bind(Value::Text(after.to_owned()), SqlType::Text);
    }
    b.sql(order).sql(column).sql(" LIMIT ");
    b.bind(Value::Integer(limit.min(i64::MAX as u64) as i64), SqlType::Int);
}

/// Soft-delete candidates (§6.3), by id after `after`: live, non-exempt status, not updated
/// since `cutoff`, and carrying no exempt tag. The tag test is in SQL so that a page holds only
/// sessions the run marks: exempt sessions read again by every run could otherwise fill a
/// budget forever. (The caller checks the `(id, tags)` rows in Rust too, as before.)
pub(super) fn soft_delete_candidates(
    dialect: Dialect,
    scope: &Scope,
    policy: &RetentionPolicy,
    cutoff: Timestamp,
    after: Option<&str>,
    limit: u64,
) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql(if dialect.is_sqlite() {
        "SELECT id, tags"
    } else {
        "SELECT id, array_to_json(tags)::text"
    });
    b.sql(" FROM asm_sessions WHERE deleted_at IS NULL AND updated_at < ");
    b.bind(Value::Text(cutoff.to_sql_text()), SqlType::Timestamp);
    keep_to(&mut b, scope, "");
    if !policy.exempt_statuses.is_empty() {
        b.sql(" AND status NOT IN ");
        encode::bind_text_list(&mut b, policy.exempt_statuses.iter().map(|s| s.as_str()));
    }
    if !policy.exempt_tags.is_empty() {
        let tags = serde_json::Value::from(policy.exempt_tags.clone()).to_string();
        if dialect.is_sqlite() {
            b.sql(" AND NOT EXISTS (SELECT 1 FROM json_each(tags) t WHERE t.value IN ");
            b.sql("(SELECT value FROM json_each(").bind(Value::Text(tags), SqlType::Json);
            b.sql(")))");
        } else {
            b.sql(" AND NOT (COALESCE(tags, ARRAY[]::varchar[]) && ");
            b.bind(Value::Text(tags), SqlType::TextArray).sql(")");
        }
    }
    page(&mut b, "id", after, limit, " ORDER BY ");
    b.build()
}

/// Marks the given live sessions deleted at `now`.
pub(super) fn mark_deleted(
    dialect: Dialect,
    scope: &Scope,
    ids: &[&str],
    now: Timestamp,
) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("UPDATE asm_sessions SET deleted_at = ")
        .bind(Value::Text(now.to_sql_text()), SqlType::Timestamp);
    b.sql(" WHERE deleted_at IS NULL AND id IN ");
    encode::bind_text_list(&mut b, ids.iter().copied());
    keep_to(&mut b, scope, "");
    b.build()
}

/// Hard-delete candidates (§6.4), by id after `after`: soft-deleted before `cutoff`.
pub(super) fn hard_delete_candidates(
    dialect: Dialect,
    scope: &Scope,
    cutoff: Timestamp,
    after: Option<&str>,
    limit: u64,
) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT id FROM asm_sessions WHERE deleted_at IS NOT NULL AND deleted_at < ");
    b.bind(Value::Text(cutoff.to_sql_text()), SqlType::Timestamp);
    keep_to(&mut b, scope, "");
    page(&mut b, "id", after, limit, " ORDER BY ");
    b.build()
}

/// Pruning candidates (§6.5), by session id after `after`: sessions (saved or not) with more
/// than the policy's maximum of events, of which pruning can still remove one (a type of
/// `prune_event_types_first`, or one not protected). A session over the limit with only
/// protected events left would be pruned by 0 in every run: leaving it out lets a run with a
/// budget finish instead of spending its statements on it each time.
pub(super) fn prune_candidates(
    dialect: Dialect,
    scope: &Scope,
    policy: &RetentionPolicy,
    max: i64,
    after: Option<&str>,
    limit: u64,
) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT session_id FROM asm_events WHERE 1 = 1");
    keep_to(&mut b, scope, "session_id");
    if let Some(after) = after {
        b.sql(" AND session_id > ").bind(Value::Text(after.to_owned()), SqlType::Text);
    }
    b.sql(" GROUP BY session_id HAVING COUNT(id) > ");
    b.bind(Value::Integer(max), SqlType::Int);
    b.sql(" AND SUM(CASE WHEN type IN ");
    encode::bind_text_list(&mut b, policy.prune_event_types_first.iter().map(|t| t.as_str()));
    b.sql(" OR type NOT IN ");
    encode::bind_text_list(&mut b, PROTECTED_EVENT_TYPES.iter().map(|t| t.as_str()));
    b.sql(" THEN 1 ELSE 0 END) > 0 ORDER BY session_id LIMIT ");
    b.bind(Value::Integer(limit.min(i64::MAX as u64) as i64), SqlType::Int);
    b.build()
}

/// Deletes the session's oldest events whose type is in (`keep == false`) or not in
/// (`keep == true`) `types`: as many as the session holds over `max`, at most `cap`. The
/// statement counts the session itself, so both passes of a session go in one batch after one
/// another (no count read first, one round trip); with `unless` (pass 2 after pass 1's types)
/// it deletes nothing while an event of those types is left and the session is still over
/// `max`, which is exactly when pass 1 stopped at its cap and runs again first.
pub(super) fn delete_oldest(
    dialect: Dialect,
    scope: &Scope,
    session_id: &str,
    pass: PrunePass<'_>,
    max: i64,
    cap: i64,
) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("DELETE FROM asm_events WHERE id IN (SELECT id FROM asm_events WHERE session_id = ");
    b.bind(Value::Text(session_id.to_owned()), SqlType::Text);
    keep_to(&mut b, scope, "session_id");
    b.sql(if pass.keep { " AND type NOT IN " } else { " AND type IN " });
    encode::bind_text_list(&mut b, pass.types.iter().copied());
    b.sql(" ORDER BY sequence_number LIMIT (SELECT CASE");
    if !pass.unless.is_empty() {
        b.sql(" WHEN EXISTS (SELECT 1 FROM asm_events f WHERE f.session_id = ");
        b.rebind(1, SqlType::Text).sql(" AND f.type IN ");
        encode::bind_text_list(&mut b, pass.unless.iter().copied());
        b.sql(") THEN 0");
    }
    b.sql(" WHEN COUNT(*) - ").bind(Value::Integer(max), SqlType::Int);
    let max_at = b.param_count();
    b.sql(" > ").bind(Value::Integer(cap), SqlType::Int);
    let cap_at = b.param_count();
    b.sql(" THEN ").rebind(cap_at, SqlType::Int);
    b.sql(" WHEN COUNT(*) > ").rebind(max_at, SqlType::Int);
    b.sql(" THEN COUNT(*) - ").rebind(max_at, SqlType::Int);
    b.sql(" ELSE 0 END FROM asm_events c WHERE c.session_id = ").rebind(1, SqlType::Text);
    b.sql("))");
    b.build()
}

/// One pruning pass: which event types it deletes, and which must be gone before it does.
#[derive(Debug, Clone, Copy)]
pub(super) struct PrunePass<'a> {
    /// The types the pass deletes (`keep == false`) or spares (`keep == true`).
    pub types: &'a [&'a str],
    /// Whether `types` are spared rather than deleted.
    pub keep: bool,
    /// Types that must have no event left (while the session is over the limit).
    pub unless: &'a [&'a str],
}

/// The session's event types in sequence order (what `plan` counts pruning over).
pub(super) fn session_event_types(dialect: Dialect, scope: &Scope, session_id: &str) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT type FROM asm_events WHERE session_id = ")
        .bind(Value::Text(session_id.to_owned()), SqlType::Text);
    keep_to(&mut b, scope, "session_id");
    b.sql(" ORDER BY sequence_number");
    b.build()
}

/// The rows the orphaned-artifact step removes; `DELETE FROM` and `plan`'s `SELECT COUNT(*) FROM`
/// share it.
macro_rules! orphaned_artifacts {
    () => {
        "asm_artifacts WHERE session_id IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM asm_sessions s WHERE s.id = asm_artifacts.session_id)"
    };
}

/// The counters the orphaned-sequence step removes, shared the same way.
macro_rules! orphaned_sequences {
    () => {
        "asm_session_sequences WHERE NOT EXISTS \
         (SELECT 1 FROM asm_sessions s WHERE s.id = asm_session_sequences.session_id) AND NOT EXISTS \
         (SELECT 1 FROM asm_events e WHERE e.session_id = asm_session_sequences.session_id)"
    };
}

pub(super) const DELETE_ORPHANED_ARTIFACTS: &str = concat!("DELETE FROM ", orphaned_artifacts!());
pub(super) const COUNT_ORPHANED_ARTIFACTS: &str =
    concat!("SELECT COUNT(*) FROM ", orphaned_artifacts!());
pub(super) const DELETE_ORPHANED_SEQUENCES: &str = concat!("DELETE FROM ", orphaned_sequences!());
pub(super) const COUNT_ORPHANED_SEQUENCES: &str =
    concat!("SELECT COUNT(*) FROM ", orphaned_sequences!());

pub(super) const COUNT_ORPHANED_EVENTS: &str = "SELECT COUNT(*) FROM asm_events e WHERE NOT EXISTS (SELECT 1 FROM asm_sessions s WHERE s.id = e.session_id)";

pub(super) const COUNT_ORPHANED_RUNS: &str = "SELECT COUNT(*) FROM asm_runs r WHERE NOT EXISTS (SELECT 1 FROM asm_sessions s WHERE s.id = r.session_id)";

pub(super) fn sequence_mismatches(dialect: Dialect, scope: &Scope) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql(
        "SELECT q.session_id, q.last_sequence, m.max_sequence FROM asm_session_sequences q \
         JOIN (SELECT session_id, MAX(sequence_number) AS max_sequence FROM asm_events GROUP BY session_id) m \
         ON m.session_id = q.session_id WHERE q.last_sequence <> m.max_sequence",
    );
    keep_to(&mut b, scope, "q.session_id");
    b.sql(" ORDER BY q.session_id");
    b.build()
}
