//! [`Maintenance`] for [`SqlStore`] (docs/asm-v0.8/sql.md §6), with the orphaned-counter fix, in
//! bounded work: every candidate read is one keyset page (`… > last key ORDER BY key LIMIT n`),
//! every write batch holds a bounded number of chunked statements, and `execute` and `plan`
//! stop at the store's [`MaintenanceBudget`] of statements, reporting `complete: false` and the
//! steps left; the next run picks up from what the database then holds. Every count comes from
//! the statements' `changes`, and every failure (each session's pruning included) is reported.

use std::collections::HashSet;

use super::maintenance_sql as m;
use super::session_store::delete_sessions_cascade;
use super::{SqlStore, failure};
use crate::error::{Error, ErrorCode, Result};
use crate::ports::{Maintenance, MaintenanceReport};
use crate::retention::{self, MaintenanceBudget, PROTECTED_EVENT_TYPES, RetentionPolicy};
use crate::sql::decode::{self, Cells};
use crate::sql::dialect::chunk_size;
use crate::sql::executor::{Executor, ResultSet, Statement};
use crate::time::Timestamp;

const MAINTENANCE: ErrorCode = ErrorCode::MaintenanceError;
const SOFT: &str = "soft_delete_expired_sessions";
const HARD: &str = "hard_delete_expired_sessions";
const PRUNE: &str = "prune_session_events";
const ARTIFACTS: &str = "clean_orphaned_artifacts";
const SEQUENCES: &str = "clean_orphaned_sequences";

/// Write statements in one soft-delete batch (each marks up to one chunk of sessions), which
/// also sets the page size of its candidate read: chunk × this.
const SOFT_DELETE_WRITES_PER_BATCH: u64 = 10;
/// Sessions per pruning-candidate page.
const PRUNE_PAGE: u64 = 100;
/// Sessions pruned in one batch (at most two statements each): few enough that the batch
/// holds SQLite's write lock briefly, enough that a page of candidates takes four round trips.
const PRUNE_SESSIONS_PER_BATCH: usize = 25;
/// Statements of one hard-delete chunk: its page read and the five-table cascade.
const HARD_DELETE_CHUNK_STATEMENTS: u64 = 6;

/// A prune batch that failed: the sessions it held, and why.
struct PruneFailure {
    sessions: Vec<String>,
    error: Error,
}

impl PruneFailure {
    /// The report's message: "<message> (session <id>)" or "(sessions <id>, <id>, …)".
    fn message(&self) -> String {
        let which = if self.sessions.len() == 1 { "session" } else { "sessions" };
        format!("{} ({which} {})", self.error.message(), self.sessions.join(", "))
    }
}

fn changes(results: &[ResultSet]) -> u64 {
    results.iter().map(|rs| rs.changes).sum()
}

/// The statements a run may still send; once something did not fit, the run is `stopped`.
struct Budget {
    left: Option<u64>,
    stopped: bool,
}

impl Budget {
    fn new(budget: MaintenanceBudget) -> Budget {
        Budget { left: budget.max_statements, stopped: false }
    }

    fn room(&self) -> u64 {
        self.left.unwrap_or(u64::MAX)
    }

    /// Whether `n` more statements fit; if not, the run stops here.
    fn fits(&mut self, n: u64) -> bool {
        let fits = !self.stopped && self.room() >= n;
        self.stopped |= !fits;
        fits
    }

    /// Counts `n` statements about to be sent (after [`Budget::fits`] said they fit).
    fn spend(&mut self, n: u64) {
        if let Some(left) = &mut self.left {
            *left = left.saturating_sub(n);
        }
    }
}

/// The last key of a page, where the next page starts, when the page was full.
fn next_after(keys: &[String], limit: u64) -> Option<String> {
    if (keys.len() as u64) < limit { None } else { keys.last().cloned() }
}

impl<E: Executor> SqlStore<E> {
    /// One page of soft-delete candidates: every id read (for the keyset) and the ids without
    /// an exempt tag (what gets marked). `execute` and `plan` both read with this.
    async fn soft_delete_page(
        &self,
        policy: &RetentionPolicy,
        cutoff: Timestamp,
        after: Option<&str>,
        limit: u64,
    ) -> Result<(Vec<String>, Vec<String>)> {
        let statement =
            m::soft_delete_candidates(self.dialect(), self.scope(), policy, cutoff, after, limit);
        let rs = self.read(MAINTENANCE, SOFT, statement).await?;
        let (mut read, mut eligible) = (Vec::new(), Vec::new());
        for row in &rs.rows {
            let mut c = Cells::new("asm_sessions", row);
            let id = c.text()?;
            if !c.tags()?.iter().any(|t| policy.exempt_tags.contains(t)) {
                eligible.push(id.clone());
            }
            read.push(id);
        }
        Ok((read, eligible))
    }

    /// One page of hard-delete candidates (`execute`, `plan` and archiving read with this).
    pub(super) async fn hard_delete_page(
        &self,
        cutoff: Timestamp,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<String>> {
        let statement =
            m::hard_delete_candidates(self.dialect(), self.scope(), cutoff, after, limit);
        let rs = self.read(MAINTENANCE, HARD, statement).await?;
        rs.rows.iter().map(|row| Cells::new("asm_sessions", row).text()).collect()
    }

    /// One page of at most `limit` sessions over the event limit (`execute`, `plan` and
    /// archiving read with this).
    pub(super) async fn prune_page(
        &self,
        policy: &RetentionPolicy,
        max: i64,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<String>> {
        let statement =
            m::prune_candidates(self.dialect(), self.scope(), policy, max, after, limit);
        let rs = self.read(MAINTENANCE, PRUNE, statement).await?;
        rs.rows.iter().map(|row| Cells::new("asm_events", row).text()).collect()
    }

    /// Sessions per soft-delete `UPDATE` (and hard-delete cascade): the dialect's chunk, at
    /// most `batch_size`.
    fn per_chunk(&self, policy: &RetentionPolicy, fixed: usize) -> u64 {
        chunk_size(self.dialect(), fixed, 1).min(policy.batch_size.max(1) as usize) as u64
    }

    /// §6.3 in pages: each page read is followed by one batch of at most
    /// [`SOFT_DELETE_WRITES_PER_BATCH`] chunked `UPDATE`s; `count` grows with every batch.
    async fn soft_delete_run(
        &self,
        policy: &RetentionPolicy,
        now: Timestamp,
        budget: &mut Budget,
        count: &mut u64,
    ) -> Result<()> {
        let Some(days) = policy.max_completed_session_age_days.finite() else { return Ok(()) };
        let (d, per_chunk) = (self.dialect(), self.per_chunk(policy, 1));
        let mut after: Option<String> = None;
        while budget.fits(2) {
            let writes = SOFT_DELETE_WRITES_PER_BATCH.min(budget.room() - 1);
            let limit = per_chunk * writes;
            budget.spend(1);
            let cutoff = now.add_days(-days);
            let (read, ids) =
                self.soft_delete_page(policy, cutoff, after.as_deref(), limit).await?;
            if !ids.is_empty() {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                let statements: Vec<Statement> = ids
                    .chunks(per_chunk as usize)
                    .map(|c| m::mark_deleted(d, self.scope(), c, now))
                    .collect();
                budget.spend(statements.len() as u64);
                *count += changes(&self.write(MAINTENANCE, SOFT, statements).await?);
            }
            after = next_after(&read, limit);
            if after.is_none() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// §6.4 in chunks: each page of at most a chunk of ids is removed by one atomic cascade
    /// batch (as ASM's per-session transactions, but a chunk at a time); the first failure ends
    /// the step, the chunks before it stay deleted.
    async fn hard_delete_run(
        &self,
        policy: &RetentionPolicy,
        now: Timestamp,
        budget: &mut Budget,
        count: &mut u64,
    ) -> Result<()> {
        let Some(days) = policy.hard_delete_after_days.finite() else { return Ok(()) };
        let per_chunk = self.per_chunk(policy, 0);
        let mut after: Option<String> = None;
        while budget.fits(HARD_DELETE_CHUNK_STATEMENTS) {
            budget.spend(1);
            let ids =
                self.hard_delete_page(now.add_days(-days), after.as_deref(), per_chunk).await?;
            if ids.is_empty() {
                return Ok(());
            }
            let chunk: Vec<&str> = ids.iter().map(String::as_str).collect();
            let statements = delete_sessions_cascade(self.dialect(), self.scope(), &chunk);
            budget.spend(statements.len() as u64);
            let results = self.write(MAINTENANCE, HARD, statements).await?;
            *count += results.last().map_or(0, |rs| rs.changes);
            after = next_after(&ids, per_chunk);
            if after.is_none() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// §6.5 over every session above the limit, a page of candidates at a time, its sessions in
    /// groups of [`PRUNE_SESSIONS_PER_BATCH`]. A batch that fails adds one message naming its
    /// sessions to `errors` and the others still run. A session cut short by the budget is
    /// finished by the next run (pruning is idempotent: it recounts and removes the same oldest
    /// events).
    async fn prune_run(
        &self,
        policy: &RetentionPolicy,
        budget: &mut Budget,
        count: &mut u64,
        errors: &mut Vec<String>,
    ) -> Result<()> {
        let Some(max) = policy.max_events_per_session.finite() else { return Ok(()) };
        let mut after: Option<String> = None;
        while budget.fits(1) {
            budget.spend(1);
            let ids = self.prune_page(policy, max, after.as_deref(), PRUNE_PAGE).await?;
            for group in ids.chunks(PRUNE_SESSIONS_PER_BATCH) {
                let failures = self.prune_sessions(group, policy, budget, count).await;
                errors.extend(failures.iter().map(PruneFailure::message));
                if budget.stopped {
                    return Ok(());
                }
            }
            after = next_after(&ids, PRUNE_PAGE);
            if after.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// The pruning of `sessions`: rounds of one batch holding every unfinished session's round
    /// ([`SqlStore::prune_round`]), as many sessions as the budget has room for, until no pass
    /// of any session reached its cap; `count` grows with every batch. One batch for many
    /// sessions: a pipelining executor sends it in one round trip, and every executor commits it
    /// once. A failed batch changed nothing; its sessions are left for the next run.
    async fn prune_sessions(
        &self,
        sessions: &[String],
        policy: &RetentionPolicy,
        budget: &mut Budget,
        count: &mut u64,
    ) -> Vec<PruneFailure> {
        let cap = policy.batch_size.max(1);
        // Every round of a session sends the same statements: each counts what is left itself.
        let mut pending: Vec<(&str, Vec<Statement>)> = sessions
            .iter()
            .map(|id| (id.as_str(), self.prune_round(id, policy)))
            .filter(|(_, round)| !round.is_empty())
            .collect();
        let mut failures = Vec::new();
        while let Some((_, round)) = pending.first() {
            let per_session = round.len() as u64;
            let take = (budget.room() / per_session).min(pending.len() as u64);
            if take == 0 {
                budget.stopped = true;
                break;
            }
            budget.spend(per_session * take);
            let rest = pending.split_off(take as usize);
            let statements = pending.iter().flat_map(|(_, round)| round.iter().cloned()).collect();
            match self.write(MAINTENANCE, PRUNE, statements).await {
                Ok(results) => {
                    *count += changes(&results);
                    let again = results
                        .chunks(per_session as usize)
                        .map(|r| r.iter().any(|rs| rs.changes as i64 >= cap));
                    pending = pending
                        .into_iter()
                        .zip(again)
                        .filter_map(|(session, again)| again.then_some(session))
                        .chain(rest)
                        .collect();
                }
                Err(error) => {
                    let sessions = pending.iter().map(|(id, _)| (*id).to_owned()).collect();
                    failures.push(PruneFailure { sessions, error });
                    pending = rest;
                }
            }
        }
        failures
    }

    /// One round of a session's pruning: pass 1 (when the policy names types to prune first)
    /// and pass 2, each deleting at most `batch_size` rows and counting the session itself; no
    /// statement when the policy sets no limit.
    fn prune_round(&self, session_id: &str, policy: &RetentionPolicy) -> Vec<Statement> {
        let Some(max) = policy.max_events_per_session.finite() else { return Vec::new() };
        let cap = policy.batch_size.max(1);
        let first: Vec<&str> = policy.prune_event_types_first.iter().map(|t| t.as_str()).collect();
        let protected: Vec<&str> = PROTECTED_EVENT_TYPES.iter().map(|t| t.as_str()).collect();
        let mut passes = Vec::new();
        if !first.is_empty() {
            passes.push(m::PrunePass { types: &first, keep: false, unless: &[] });
        }
        passes.push(m::PrunePass { types: &protected, keep: true, unless: &first });
        passes
            .iter()
            .map(|&pass| m::delete_oldest(self.dialect(), self.scope(), session_id, pass, max, cap))
            .collect()
    }

    /// One statement of an orphan step, if it fits the budget.
    async fn orphan_step(
        &self,
        op: &str,
        sql: &str,
        budget: &mut Budget,
        count: &mut u64,
    ) -> Result<()> {
        // Orphans belong to no agent: a store restricted to some agents leaves them alone.
        if budget.fits(1) && self.scope().is_all() {
            budget.spend(1);
            *count += changes(&self.write(MAINTENANCE, op, vec![Statement::write(sql)]).await?);
        }
        Ok(())
    }

    /// `plan`'s soft-delete count: the same pages as [`SqlStore::soft_delete_run`], reads only.
    async fn plan_soft(
        &self,
        policy: &RetentionPolicy,
        now: Timestamp,
        budget: &mut Budget,
    ) -> Result<u64> {
        let Some(days) = policy.max_completed_session_age_days.finite() else { return Ok(0) };
        let limit = self.per_chunk(policy, 1) * SOFT_DELETE_WRITES_PER_BATCH;
        let (mut n, mut after) = (0, None::<String>);
        while budget.fits(1) {
            budget.spend(1);
            let cutoff = now.add_days(-days);
            let (read, ids) =
                self.soft_delete_page(policy, cutoff, after.as_deref(), limit).await?;
            n += ids.len() as u64;
            after = next_after(&read, limit);
            if after.is_none() {
                break;
            }
        }
        Ok(n)
    }

    /// `plan`'s hard-delete candidates, read in the pages of [`SqlStore::hard_delete_run`].
    async fn plan_hard(
        &self,
        policy: &RetentionPolicy,
        now: Timestamp,
        budget: &mut Budget,
    ) -> Result<HashSet<String>> {
        let mut ids = HashSet::new();
        let Some(days) = policy.hard_delete_after_days.finite() else { return Ok(ids) };
        let per_chunk = self.per_chunk(policy, 0);
        let mut after = None::<String>;
        while budget.fits(1) {
            budget.spend(1);
            let page =
                self.hard_delete_page(now.add_days(-days), after.as_deref(), per_chunk).await?;
            after = next_after(&page, per_chunk);
            ids.extend(page);
            if after.is_none() {
                break;
            }
        }
        Ok(ids)
    }

    /// `plan`'s pruning count: the candidates `execute` would prune, less the sessions its hard
    /// delete removes first, each counted over its log's types.
    async fn plan_prune(
        &self,
        policy: &RetentionPolicy,
        hard_deleted: &HashSet<String>,
        budget: &mut Budget,
    ) -> Result<u64> {
        let Some(max) = policy.max_events_per_session.finite() else { return Ok(0) };
        let (mut pruned, mut after) = (0, None::<String>);
        while budget.fits(1) {
            budget.spend(1);
            let ids = self.prune_page(policy, max, after.as_deref(), PRUNE_PAGE).await?;
            for session_id in ids.iter().filter(|id| !hard_deleted.contains(*id)) {
                if !budget.fits(1) {
                    return Ok(pruned);
                }
                budget.spend(1);
                let statement = m::session_event_types(self.dialect(), self.scope(), session_id);
                let rs = self.read(MAINTENANCE, PRUNE, statement).await?;
                let types = rs
                    .rows
                    .iter()
                    .map(|row| Cells::new("asm_events", row).text())
                    .collect::<Result<Vec<_>>>()?;
                pruned += retention::prune_count(&types, policy);
            }
            after = next_after(&ids, PRUNE_PAGE);
            if after.is_none() {
                break;
            }
        }
        Ok(pruned)
    }

    /// `plan`'s count of one orphan step, if its statement fits the budget.
    async fn plan_count(&self, op: &str, sql: &str, budget: &mut Budget) -> Result<u64> {
        if !budget.fits(1) || !self.scope().is_all() {
            return Ok(0);
        }
        budget.spend(1);
        let rs = self.read(MAINTENANCE, op, Statement::read(sql)).await?;
        Ok(decode::scalar_int(&rs.rows)?.unwrap_or(0).max(0) as u64)
    }
}

/// What a run is collecting: errors and the steps that did not run to their end.
struct Outcome {
    budget: Budget,
    errors: Vec<String>,
    remaining: Vec<String>,
}

impl Outcome {
    fn new(budget: MaintenanceBudget) -> Outcome {
        Outcome { budget: Budget::new(budget), errors: Vec::new(), remaining: Vec::new() }
    }

    /// Whether step `name` may start; a stopped run lists it as remaining instead.
    fn starts(&mut self, name: &str) -> bool {
        if self.budget.stopped {
            self.remaining.push(name.to_owned());
        }
        !self.budget.stopped
    }

    /// Records how step `name` ended: its error, or that the budget cut it short.
    fn ended<T>(&mut self, name: &str, result: Result<T>) -> Option<T> {
        match result {
            Ok(value) => {
                if self.budget.stopped {
                    self.remaining.push(name.to_owned());
                }
                Some(value)
            }
            Err(e) => {
                self.errors.push(e.message().to_owned());
                self.remaining.push(name.to_owned());
                None
            }
        }
    }

    /// The report of the run that started at `started`.
    fn report(
        self,
        mut counts: MaintenanceReport,
        started: Timestamp,
        now: Timestamp,
    ) -> MaintenanceReport {
        let elapsed = now.as_micros() - started.as_micros();
        counts.duration_ms = u64::try_from(elapsed / 1000).unwrap_or(0);
        counts.complete = self.remaining.is_empty();
        counts.errors = self.errors;
        counts.remaining = self.remaining;
        counts
    }
}

impl<E: Executor> Maintenance for SqlStore<E> {
    async fn execute(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        policy.validate()?;
        let started = self.env.now();
        let mut r = MaintenanceReport::default();
        let mut run = Outcome::new(self.budget);
        if run.starts(SOFT) {
            let result = self
                .soft_delete_run(policy, started, &mut run.budget, &mut r.sessions_soft_deleted)
                .await;
            run.ended(SOFT, result);
        }
        if run.starts(HARD) {
            let result = self
                .hard_delete_run(policy, started, &mut run.budget, &mut r.sessions_hard_deleted)
                .await;
            run.ended(HARD, result);
        }
        if run.starts(PRUNE) {
            let mut errors = Vec::new();
            let result =
                self.prune_run(policy, &mut run.budget, &mut r.events_pruned, &mut errors).await;
            let failed = !errors.is_empty();
            run.errors.append(&mut errors);
            if run.ended(PRUNE, result).is_some() && failed && !run.budget.stopped {
                run.remaining.push(PRUNE.to_owned());
            }
        }
        if run.starts(ARTIFACTS) {
            let result = self
                .orphan_step(
                    ARTIFACTS,
                    m::DELETE_ORPHANED_ARTIFACTS,
                    &mut run.budget,
                    &mut r.artifacts_cleaned,
                )
                .await;
            run.ended(ARTIFACTS, result);
        }
        if run.starts(SEQUENCES) {
            let result = self
                .orphan_step(
                    SEQUENCES,
                    m::DELETE_ORPHANED_SEQUENCES,
                    &mut run.budget,
                    &mut r.orphaned_sequences_cleaned,
                )
                .await;
            run.ended(SEQUENCES, result);
        }
        Ok(run.report(r, started, self.env.now()))
    }

    async fn plan(&self, policy: &RetentionPolicy) -> Result<MaintenanceReport> {
        policy.validate()?;
        let started = self.env.now();
        let mut r = MaintenanceReport::default();
        let mut run = Outcome::new(self.budget);
        if run.starts(SOFT) {
            let result = self.plan_soft(policy, started, &mut run.budget).await;
            r.sessions_soft_deleted = run.ended(SOFT, result).unwrap_or(0);
        }
        let mut hard = HashSet::new();
        if run.starts(HARD) {
            let result = self.plan_hard(policy, started, &mut run.budget).await;
            hard = run.ended(HARD, result).unwrap_or_default();
            r.sessions_hard_deleted = hard.len() as u64;
        }
        if run.starts(PRUNE) {
            let result = self.plan_prune(policy, &hard, &mut run.budget).await;
            r.events_pruned = run.ended(PRUNE, result).unwrap_or(0);
        }
        if run.starts(ARTIFACTS) {
            let result =
                self.plan_count(ARTIFACTS, m::COUNT_ORPHANED_ARTIFACTS, &mut run.budget).await;
            r.artifacts_cleaned = run.ended(ARTIFACTS, result).unwrap_or(0);
        }
        if run.starts(SEQUENCES) {
            let result =
                self.plan_count(SEQUENCES, m::COUNT_ORPHANED_SEQUENCES, &mut run.budget).await;
            r.orphaned_sequences_cleaned = run.ended(SEQUENCES, result).unwrap_or(0);
        }
        Ok(run.report(r, started, self.env.now()))
    }

    async fn prune_session_events(
        &self,
        session_id: &str,
        policy: &RetentionPolicy,
    ) -> Result<u64> {
        policy.check_not_negative()?;
        self.refuse_if_foreign(MAINTENANCE, session_id).await?;
        let (mut budget, mut count) = (Budget::new(MaintenanceBudget::UNBOUNDED), 0);
        let sessions = [session_id.to_owned()];
        match self.prune_sessions(&sessions, policy, &mut budget, &mut count).await.pop() {
            Some(failure) => Err(failure.error),
            None => Ok(count),
        }
    }

    async fn soft_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        policy.check_not_negative()?;
        let (mut budget, mut count) = (Budget::new(MaintenanceBudget::UNBOUNDED), 0);
        self.soft_delete_run(policy, self.env.now(), &mut budget, &mut count).await?;
        Ok(count)
    }

    async fn hard_delete_expired_sessions(&self, policy: &RetentionPolicy) -> Result<u64> {
        policy.check_not_negative()?;
        let (mut budget, mut count) = (Budget::new(MaintenanceBudget::UNBOUNDED), 0);
        self.hard_delete_run(policy, self.env.now(), &mut budget, &mut count).await?;
        Ok(count)
    }

    async fn clean_orphaned_artifacts(&self) -> Result<u64> {
        let (mut budget, mut count) = (Budget::new(MaintenanceBudget::UNBOUNDED), 0);
        self.orphan_step(ARTIFACTS, m::DELETE_ORPHANED_ARTIFACTS, &mut budget, &mut count).await?;
        Ok(count)
    }

    async fn health_check(&self) -> Result<Vec<String>> {
        // A store restricted to some agents counts no orphans (they belong to no agent) and
        // checks only its own sessions' counters.
        let scoped = !self.scope().is_all();
        let orphans = |sql| Statement::read(if scoped { "SELECT 0" } else { sql });
        let statements = vec![
            orphans(m::COUNT_ORPHANED_EVENTS),
            orphans(m::COUNT_ORPHANED_RUNS),
            m::sequence_mismatches(self.dialect(), self.scope()),
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
