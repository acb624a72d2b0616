//! [`Maintenance`] for [`SqlStore`] (docs/asm-v0.8/sql.md §6), with chunked, atomic statements and the
//! orphaned-counter fix. Every count comes from the statements' `changes`.

use super::session_store::delete_sessions_cascade;
use super::{SqlStore, failure};
use crate::error::{ErrorCode, Result};
use crate::ports::{Maintenance, MaintenanceReport};
use crate::retention::{self, PROTECTED_EVENT_TYPES, RetentionPolicy};
use crate::sql::decode::{self, Cells};
use crate::sql::dialect::{Builder, Dialect, SqlType, chunk_size};
use crate::sql::encode;
use crate::sql::executor::{Executor, ResultSet, Statement, Value};
use crate::time::Timestamp;

const MAINTENANCE: ErrorCode = ErrorCode::MaintenanceError;

/// Candidates for soft delete: live, non-exempt status, not updated since `cutoff` (tags are
/// checked in Rust).
fn soft_delete_candidates(
    dialect: Dialect,
    policy: &RetentionPolicy,
    cutoff: Timestamp,
) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql(if dialect.is_sqlite() {
        "SELECT id, tags"
    } else {
        "SELECT id, array_to_json(tags)::text"
    });
    b.sql(" FROM asm_sessions WHERE deleted_at IS NULL AND updated_at < ");
    b.bind(Value::Text(cutoff.to_sql_text()), SqlType::Timestamp);
    if !policy.exempt_statuses.is_empty() {
        b.sql(" AND status NOT IN ");
        encode::bind_text_list(&mut b, policy.exempt_statuses.iter().map(|s| s.as_str()));
    }
    b.sql(" ORDER BY id");
    b.build()
}

/// Marks the given live sessions deleted at `now`.
fn mark_deleted(dialect: Dialect, ids: &[&str], now: Timestamp) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("UPDATE asm_sessions SET deleted_at = ")
        .bind(Value::Text(now.to_sql_text()), SqlType::Timestamp);
    b.sql(" WHERE deleted_at IS NULL AND id IN ");
    encode::bind_text_list(&mut b, ids.iter().copied());
    b.build()
}

fn hard_delete_candidates(dialect: Dialect, cutoff: Timestamp) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT id FROM asm_sessions WHERE deleted_at IS NOT NULL AND deleted_at < ");
    b.bind(Value::Text(cutoff.to_sql_text()), SqlType::Timestamp).sql(" ORDER BY id");
    b.build()
}

fn sessions_over(dialect: Dialect, max: i64) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT session_id FROM asm_events GROUP BY session_id HAVING COUNT(id) > ");
    b.bind(Value::Integer(max), SqlType::Int).sql(" ORDER BY session_id");
    b.build()
}

fn count_session_events(dialect: Dialect, session_id: &str) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT COUNT(id) FROM asm_events WHERE session_id = ")
        .bind(Value::Text(session_id.to_owned()), SqlType::Text);
    b.build()
}

/// Deletes at most `n` of the session's oldest events whose type is in (`keep == false`) or
/// not in (`keep == true`) `types`.
fn delete_oldest(
    dialect: Dialect,
    session_id: &str,
    types: &[&str],
    keep: bool,
    n: i64,
) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("DELETE FROM asm_events WHERE id IN (SELECT id FROM asm_events WHERE session_id = ");
    b.bind(Value::Text(session_id.to_owned()), SqlType::Text);
    b.sql(if keep { " AND type NOT IN " } else { " AND type IN " });
    encode::bind_text_list(&mut b, types.iter().copied());
    b.sql(" ORDER BY sequence_number LIMIT ").bind(Value::Integer(n), SqlType::Int).sql(")");
    b.build()
}

/// The session's event types in sequence order (what `plan` counts pruning over).
fn session_event_types(dialect: Dialect, session_id: &str) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT type FROM asm_events WHERE session_id = ")
        .bind(Value::Text(session_id.to_owned()), SqlType::Text);
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

const DELETE_ORPHANED_ARTIFACTS: &str = concat!("DELETE FROM ", orphaned_artifacts!());
const COUNT_ORPHANED_ARTIFACTS: &str = concat!("SELECT COUNT(*) FROM ", orphaned_artifacts!());
const DELETE_ORPHANED_SEQUENCES: &str = concat!("DELETE FROM ", orphaned_sequences!());
const COUNT_ORPHANED_SEQUENCES: &str = concat!("SELECT COUNT(*) FROM ", orphaned_sequences!());

const COUNT_ORPHANED_EVENTS: &str = "SELECT COUNT(*) FROM asm_events e WHERE NOT EXISTS (SELECT 1 FROM asm_sessions s WHERE s.id = e.session_id)";

const COUNT_ORPHANED_RUNS: &str = "SELECT COUNT(*) FROM asm_runs r WHERE NOT EXISTS (SELECT 1 FROM asm_sessions s WHERE s.id = r.session_id)";

const SEQUENCE_MISMATCHES: &str = "SELECT q.session_id, q.last_sequence, m.max_sequence FROM asm_session_sequences q \
     JOIN (SELECT session_id, MAX(sequence_number) AS max_sequence FROM asm_events GROUP BY session_id) m \
     ON m.session_id = q.session_id WHERE q.last_sequence <> m.max_sequence ORDER BY q.session_id";

fn changes(results: &[ResultSet]) -> u64 {
    results.iter().map(|rs| rs.changes).sum()
}

impl<E: Executor> SqlStore<E> {
    /// The sessions soft delete marks at `now` (execute and plan both select with this).
    async fn soft_delete_ids(
        &self,
        policy: &RetentionPolicy,
        now: Timestamp,
    ) -> Result<Vec<String>> {
        let op = "soft_delete_expired_sessions";
        let Some(days) = policy.max_completed_session_age_days.finite() else {
            return Ok(Vec::new());
        };
        let d = self.dialect();
        let rs = self
            .read(MAINTENANCE, op, soft_delete_candidates(d, policy, now.add_days(-days)))
            .await?;
        let mut ids = Vec::new();
        for row in &rs.rows {
            let mut c = Cells::new("asm_sessions", row);
            let id = c.text()?;
            if !c.tags()?.iter().any(|t| policy.exempt_tags.contains(t)) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// The sessions hard delete removes at `now` (execute and plan both select with this).
    async fn hard_delete_ids(
        &self,
        policy: &RetentionPolicy,
        now: Timestamp,
    ) -> Result<Vec<String>> {
        let op = "hard_delete_expired_sessions";
        let Some(days) = policy.hard_delete_after_days.finite() else { return Ok(Vec::new()) };
        let rs = self
            .read(MAINTENANCE, op, hard_delete_candidates(self.dialect(), now.add_days(-days)))
            .await?;
        rs.rows.iter().map(|row| Cells::new("asm_sessions", row).text()).collect()
    }

    /// The sessions over the event limit (execute and plan both select with this).
    async fn prune_candidates(&self, policy: &RetentionPolicy) -> Result<Vec<String>> {
        let Some(max) = policy.max_events_per_session.finite() else { return Ok(Vec::new()) };
        let rs = self
            .read(MAINTENANCE, "prune_session_events", sessions_over(self.dialect(), max))
            .await?;
        rs.rows.iter().map(|row| Cells::new("asm_events", row).text()).collect()
    }

    async fn soft_delete_at(&self, policy: &RetentionPolicy, now: Timestamp) -> Result<u64> {
        let op = "soft_delete_expired_sessions";
        let d = self.dialect();
        let ids = self.soft_delete_ids(policy, now).await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let per_chunk = chunk_size(d, 1, 1).min(policy.batch_size.max(1) as usize);
        let statements = ids.chunks(per_chunk).map(|chunk| mark_deleted(d, chunk, now)).collect();
        Ok(changes(&self.write(MAINTENANCE, op, statements).await?))
    }

    async fn hard_delete_at(&self, policy: &RetentionPolicy, now: Timestamp) -> Result<u64> {
        let op = "hard_delete_expired_sessions";
        let d = self.dialect();
        let ids = self.hard_delete_ids(policy, now).await?;
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let per_chunk = chunk_size(d, 0, 1).min(policy.batch_size.max(1) as usize);
        let mut deleted = 0;
        for chunk in ids.chunks(per_chunk) {
            let results = self
                .write(MAINTENANCE, op, delete_sessions_cascade(d, self.scope(), chunk))
                .await?;
            deleted += results.last().map_or(0, |rs| rs.changes);
        }
        Ok(deleted)
    }

    async fn prune_all(&self, policy: &RetentionPolicy) -> Result<u64> {
        let mut pruned = 0;
        for session_id in self.prune_candidates(policy).await? {
            pruned += self.prune_session_events(&session_id, policy).await.unwrap_or(0);
        }
        Ok(pruned)
    }

    /// Deletes up to `n` oldest events of one pass, in statements of at most `batch_size` rows.
    async fn prune_pass(
        &self,
        session_id: &str,
        types: &[&str],
        keep: bool,
        n: i64,
        batch: i64,
    ) -> Result<u64> {
        let mut pruned = 0;
        while (pruned as i64) < n {
            let step = (n - pruned as i64).min(batch);
            let statement = delete_oldest(self.dialect(), session_id, types, keep, step);
            let removed =
                changes(&self.write(MAINTENANCE, "prune_session_events", vec![statement]).await?);
            pruned += removed;
            if (removed as i64) < step {
                break;
            }
        }
        Ok(pruned)
    }

    /// `plan`'s pruning count: the candidates `execute` would prune, less the sessions its hard
    /// delete removes first, each counted over its log's types.
    async fn plan_prune(&self, policy: &RetentionPolicy, hard_deleted: &[String]) -> Result<u64> {
        let mut pruned = 0;
        for session_id in self.prune_candidates(policy).await? {
            if hard_deleted.contains(&session_id) {
                continue;
            }
            let statement = session_event_types(self.dialect(), &session_id);
            let rs = self.read(MAINTENANCE, "prune_session_events", statement).await?;
            let types = rs
                .rows
                .iter()
                .map(|row| Cells::new("asm_events", row).text())
                .collect::<Result<Vec<_>>>()?;
            pruned += retention::prune_count(&types, policy);
        }
        Ok(pruned)
    }

    async fn count(&self, op: &str, sql: &str) -> Result<u64> {
        let rs = self.read(MAINTENANCE, op, Statement::read(sql)).await?;
        Ok(decode::scalar_int(&rs.rows)?.unwrap_or(0).max(0) as u64)
    }

    async fn clean_orphaned_sequences(&self) -> Result<u64> {
        let op = "clean_orphaned_sequences";
        Ok(changes(
            &self.write(MAINTENANCE, op, vec![Statement::write(DELETE_ORPHANED_SEQUENCES)]).await?,
        ))
    }
}

/// Records a step's outcome in the report: its count, or 0 and its message.
fn step(result: Result<u64>, errors: &mut Vec<String>) -> u64 {
    result.unwrap_or_else(|e| {
        errors.push(e.message().to_owned());
        0
    })
}

impl<E: Executor> Maintenance for SqlStore<E> {
    async fn execute(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        policy.validate()?;
        let started = self.env.now();
        let mut errors = Vec::new();
        let sessions_soft_deleted = step(self.soft_delete_at(policy, started).await, &mut errors);
        let sessions_hard_deleted = step(self.hard_delete_at(policy, started).await, &mut errors);
        let events_pruned = step(self.prune_all(policy).await, &mut errors);
        let artifacts_cleaned = step(self.clean_orphaned_artifacts().await, &mut errors);
        let orphaned_sequences_cleaned = step(self.clean_orphaned_sequences().await, &mut errors);
        let elapsed = self.env.now().as_micros() - started.as_micros();
        Ok(MaintenanceReport {
            sessions_soft_deleted,
            sessions_hard_deleted,
            events_pruned,
            artifacts_cleaned,
            orphaned_sequences_cleaned,
            duration_ms: u64::try_from(elapsed / 1000).unwrap_or(0),
            errors,
        })
    }

    async fn plan(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        policy.validate()?;
        let started = self.env.now();
        let mut errors = Vec::new();
        let soft = self.soft_delete_ids(policy, started).await.map(|ids| ids.len() as u64);
        let sessions_soft_deleted = step(soft, &mut errors);
        let hard = self.hard_delete_ids(policy, started).await.unwrap_or_else(|e| {
            errors.push(e.message().to_owned());
            Vec::new()
        });
        let sessions_hard_deleted = hard.len() as u64;
        let events_pruned = step(self.plan_prune(policy, &hard).await, &mut errors);
        let artifacts_cleaned = step(
            self.count("clean_orphaned_artifacts", COUNT_ORPHANED_ARTIFACTS).await,
            &mut errors,
        );
        let sequences = self.count("clean_orphaned_sequences", COUNT_ORPHANED_SEQUENCES).await;
        let orphaned_sequences_cleaned = step(sequences, &mut errors);
        let elapsed = self.env.now().as_micros() - started.as_micros();
        Ok(MaintenanceReport {
            sessions_soft_deleted,
            sessions_hard_deleted,
            events_pruned,
            artifacts_cleaned,
            orphaned_sequences_cleaned,
            duration_ms: u64::try_from(elapsed / 1000).unwrap_or(0),
            errors,
        })
    }

    async fn prune_session_events(
        &self,
        session_id: &str,
        policy: &RetentionPolicy,
    ) -> Result<u64> {
        policy.check_not_negative()?;
        let Some(max) = policy.max_events_per_session.finite() else { return Ok(0) };
        let op = "prune_session_events";
        let rs =
            self.read(MAINTENANCE, op, count_session_events(self.dialect(), session_id)).await?;
        let to_prune = decode::scalar_int(&rs.rows)?.unwrap_or(0) - max;
        if to_prune <= 0 {
            return Ok(0);
        }
        let batch = policy.batch_size.max(1);
        let first: Vec<&str> = policy.prune_event_types_first.iter().map(|t| t.as_str()).collect();
        let pass1 = match first.is_empty() {
            true => 0,
            false => self.prune_pass(session_id, &first, false, to_prune, batch).await?,
        };
        let remaining = to_prune - pass1 as i64;
        if remaining <= 0 {
            return Ok(pass1);
        }
        let protected: Vec<&str> = PROTECTED_EVENT_TYPES.iter().map(|t| t.as_str()).collect();
        Ok(pass1 + self.prune_pass(session_id, &protected, true, remaining, batch).await?)
    }

    async fn soft_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        policy.check_not_negative()?;
        self.soft_delete_at(policy, self.env.now()).await
    }

    async fn hard_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        policy.check_not_negative()?;
        self.hard_delete_at(policy, self.env.now()).await
    }

    async fn clean_orphaned_artifacts(&self) -> Result<u64> {
        let op = "clean_orphaned_artifacts";
        Ok(changes(
            &self.write(MAINTENANCE, op, vec![Statement::write(DELETE_ORPHANED_ARTIFACTS)]).await?,
        ))
    }

    async fn health_check(&self) -> Result<Vec<String>> {
        let statements = vec![
            Statement::read(COUNT_ORPHANED_EVENTS),
            Statement::read(COUNT_ORPHANED_RUNS),
            Statement::read(SEQUENCE_MISMATCHES),
        ];
        let results = self
            .executor
            .batch(statements)
            .await
            .map_err(|e| failure(MAINTENANCE, "health_check", &e))?;
        let mut issues = Vec::new();
        let count =
            |i: usize| decode::scalar_int(results.get(i).map_or(&[], |rs| rs.rows.as_slice()));
        let orphan_events = count(0)?.unwrap_or(0);
        if orphan_events > 0 {
            issues.push(format!("{orphan_events} events reference non-existent sessions"));
        }
        let orphan_runs = count(1)?.unwrap_or(0);
        if orphan_runs > 0 {
            issues.push(format!("{orphan_runs} runs reference non-existent sessions"));
        }
        for row in results.get(2).map_or(&[][..], |rs| rs.rows.as_slice()) {
            let mut c = Cells::new("asm_session_sequences", row);
            let (session_id, counter, max) = (c.text()?, c.int()?, c.int()?);
            issues.push(format!(
                "Sequence mismatch for {session_id}: counter={counter}, max_sequence={max}"
            ));
        }
        Ok(issues)
    }
}
