//! [`QueryApi`] for [`SqlStore`] (docs/asm-v0.8/sql.md §5): filters, orders and keyset paging in SQL; the tag
//! filter, token sums and pricing in Rust.

use std::collections::{BTreeMap, BTreeSet};

use super::{SqlStore, query_sql as q};
use crate::cursor::{self, Cursor, CursorOrder, SortValue};
use crate::error::{Error, ErrorCode, Result};
use crate::ports::{
    CostQuery, CostSummary, DEFAULT_EVENT_LIMIT, DEFAULT_RUN_LIMIT, DEFAULT_SESSION_LIMIT,
    EventOrder, EventPage, EventSearch, QueryApi, RunOrder, RunPage, RunSearch, SessionExport,
    SessionOrder, SessionPage, SessionSearch, SessionStats, TokenTotals, UsageQuery, UsageSummary,
};
use crate::query::{check_min_tokens, page_limit};
use crate::sql::decode::{self, Cells};
use crate::sql::executor::{Executor, ResultSet, Statement, Value};
use crate::sql::schema;
use crate::summary::RunFigures;

const QUERY: ErrorCode = ErrorCode::QueryError;

fn decode_cursor<O: CursorOrder>(text: Option<&String>, order: O) -> Result<Option<Cursor>> {
    text.map(|t| cursor::decode(t, order)).transpose()
}

fn rows(results: &[ResultSet], index: usize) -> &[Vec<Value>] {
    results.get(index).map_or(&[], |rs| rs.rows.as_slice())
}

impl<E: Executor> SqlStore<E> {
    /// QueryAPI's `session_not_found` ("Session <id> not found"), or `policy_violation` for a
    /// session outside the scope.
    pub(crate) async fn session_not_found(&self, session_id: &str) -> Error {
        self.missing_or_foreign(QUERY, "asm_sessions", ("id", session_id), || {
            Error::new(ErrorCode::SessionNotFound, format!("Session {session_id} not found"))
        })
        .await
    }

    /// Reads a run summary's pages one after the other (see [`q::SUMMARY_CHUNK`]) and feeds
    /// every row to `fold`; the last two columns of a row (`started_at`, `id`) are the keyset of
    /// the next page. Memory holds one page, whatever the number of runs.
    async fn fold_runs(
        &self,
        op: &str,
        page: impl Fn(Option<&Cursor>) -> Statement,
        mut fold: impl FnMut(&[Value]) -> Result<()>,
    ) -> Result<()> {
        let mut after: Option<Cursor> = None;
        loop {
            let rs = self.read(QUERY, op, page(after.as_ref())).await?;
            for row in &rs.rows {
                fold(row)?;
            }
            let Some(last) = rs.rows.last().filter(|_| rs.rows.len() as u64 >= q::SUMMARY_CHUNK)
            else {
                return Ok(());
            };
            let mut c = Cells::new("asm_runs", &last[last.len().saturating_sub(2)..]);
            after = Some(Cursor { value: SortValue::Time(c.ts()?), id: c.text()? });
        }
    }

    async fn read_all(
        &self,
        op: &str,
        statements: Vec<crate::sql::executor::Statement>,
    ) -> Result<Vec<ResultSet>> {
        super::no_nul(&statements)?;
        self.executor.batch(statements).await.map_err(|e| super::failure(QUERY, op, &e))
    }
}

impl<E: Executor> QueryApi for SqlStore<E> {
    async fn search_sessions(&self, query: &SessionSearch) -> Result<SessionPage> {
        let limit = page_limit(query.limit, DEFAULT_SESSION_LIMIT)?;
        let after = decode_cursor(query.cursor.as_ref(), query.order_by)?;
        let d = self.dialect();
        let page = q::session_page(d, self.scope(), query, after.as_ref(), Some(limit as u64));
        let count = q::count_sessions(d, self.scope(), query);
        let results = self.read_all("search_sessions", vec![count, page]).await?;
        let total_count = decode::scalar_int(rows(&results, 0))?.unwrap_or(0) as u64;
        let sessions = decode::all(rows(&results, 1), decode::session)?;
        let cursor = sessions.last().map(|s| {
            let at = match query.order_by {
                SessionOrder::CreatedAtAsc | SessionOrder::CreatedAtDesc => s.created_at,
                SessionOrder::UpdatedAtDesc => s.updated_at,
            };
            cursor::encode(query.order_by, SortValue::Time(at), &s.id)
        });
        Ok(SessionPage { sessions, cursor, total_count })
    }

    async fn get_session_stats(&self, session_id: &str) -> Result<SessionStats> {
        let d = self.dialect();
        let scope = self.scope();
        let exists = q::session_row(d, scope, "id", session_id);
        let statements = vec![exists, q::event_stats(d, scope, session_id)];
        let results = self.read_all("get_session_stats", statements).await?;
        if rows(&results, 0).is_empty() {
            return Err(self.session_not_found(session_id).await);
        }
        let mut stats = SessionStats {
            event_count: 0,
            run_count: 0,
            token_totals: TokenTotals::default(),
            providers_used: Vec::new(),
            first_event_at: None,
            last_event_at: None,
            status_counts: BTreeMap::new(),
        };
        if let Some(row) = rows(&results, 1).first() {
            let mut c = Cells::new("asm_events", row);
            stats.event_count = c.int()? as u64;
            stats.first_event_at = c.opt_ts()?;
            stats.last_event_at = c.opt_ts()?;
        }
        let mut providers = BTreeSet::new();
        let page = |after: Option<&Cursor>| q::run_stats(d, scope, session_id, after);
        self.fold_runs("get_session_stats", page, |row| {
            let mut c = Cells::new("asm_runs", row);
            let status = c.run_status()?;
            providers.extend(c.opt_text()?);
            stats.token_totals.add(&c.map()?);
            stats.run_count += 1;
            *stats.status_counts.entry(status).or_insert(0) += 1;
            Ok(())
        })
        .await?;
        stats.providers_used = providers.into_iter().collect();
        Ok(stats)
    }

    async fn search_runs(&self, query: &RunSearch) -> Result<RunPage> {
        let limit = page_limit(query.limit, DEFAULT_RUN_LIMIT)?;
        check_min_tokens(query.min_tokens)?;
        let after = decode_cursor(query.cursor.as_ref(), query.order_by)?;
        let statement =
            q::run_page(self.dialect(), self.scope(), query, after.as_ref(), limit as u64);
        let rs = self.read(QUERY, "search_runs", statement).await?;
        let runs = decode::all(&rs.rows, decode::run)?;
        let cursor = match query.order_by {
            RunOrder::TokenUsageDesc => None,
            order => {
                runs.last().map(|r| cursor::encode(order, SortValue::Time(r.started_at), &r.id))
            }
        };
        Ok(RunPage { runs, cursor })
    }

    async fn get_usage_summary(&self, query: &UsageQuery) -> Result<UsageSummary> {
        let (d, scope) = (self.dialect(), self.scope());
        let mut summary = UsageSummary::default();
        let page = |after: Option<&Cursor>| q::usage_runs(d, scope, query, after);
        self.fold_runs("get_usage_summary", page, |row| {
            let mut c = Cells::new("asm_runs", row);
            let provider = c.opt_text()?;
            summary.add_run(provider.as_deref(), &c.map()?);
            Ok(())
        })
        .await?;
        Ok(summary)
    }

    async fn get_cost_summary(&self, query: &CostQuery) -> Result<CostSummary> {
        let table = query.pricing();
        let (d, scope) = (self.dialect(), self.scope());
        let mut summary = CostSummary::default();
        let page = |after: Option<&Cursor>| q::cost_runs(d, scope, query, after);
        self.fold_runs("get_cost_summary", page, |row| {
            let mut c = Cells::new("asm_runs", row);
            let provider = c.opt_text()?;
            let usage = c.map()?;
            let provider_metadata = c.map()?;
            let cost_usd = c.opt_real()?;
            let figures = RunFigures {
                provider: provider.as_deref(),
                token_usage: &usage,
                provider_metadata: &provider_metadata,
                cost_usd,
            };
            summary.add_run(figures, &table);
            Ok(())
        })
        .await?;
        Ok(summary)
    }

    async fn search_events(&self, query: &EventSearch) -> Result<EventPage> {
        let limit = page_limit(query.limit, DEFAULT_EVENT_LIMIT)?;
        let after = decode_cursor(query.cursor.as_ref(), query.order_by)?;
        let statement =
            q::event_page(self.dialect(), self.scope(), query, after.as_ref(), limit as u64);
        let rs = self.read(QUERY, "search_events", statement).await?;
        let events = decode::events(rs.rows)?;
        let cursor = events.last().map(|e| {
            let value = match query.order_by {
                EventOrder::SequenceAsc => SortValue::Int(e.sequence_number.unwrap_or(0)),
                EventOrder::TimestampAsc | EventOrder::TimestampDesc => {
                    SortValue::Time(e.timestamp)
                }
            };
            cursor::encode(query.order_by, value, &e.id)
        });
        Ok(EventPage { events, cursor })
    }

    async fn count_events(&self, query: &EventSearch) -> Result<u64> {
        let rs = self
            .read(QUERY, "count_events", q::count_events(self.dialect(), self.scope(), query))
            .await?;
        Ok(decode::scalar_int(&rs.rows)?.unwrap_or(0) as u64)
    }

    async fn export_session(
        &self,
        session_id: &str,
        include_artifacts: bool,
    ) -> Result<SessionExport> {
        let d = self.dialect();
        let scope = self.scope();
        let mut statements = vec![
            q::session_row(d, scope, schema::session_select(d), session_id),
            q::rows_of_session(
                d,
                scope,
                schema::run_select(d),
                "asm_runs",
                session_id,
                " ORDER BY started_at, id",
            ),
            q::rows_of_session(
                d,
                scope,
                schema::event_select(d),
                "asm_events",
                session_id,
                " ORDER BY sequence_number",
            ),
        ];
        if include_artifacts {
            statements.push(q::rows_of_session(
                d,
                scope,
                schema::artifact_select(d),
                "asm_artifacts",
                session_id,
                " ORDER BY created_at, id",
            ));
        }
        let results = self.read_all("export_session", statements).await?;
        let session = match rows(&results, 0).first() {
            Some(row) => decode::session(row)?,
            None => return Err(self.session_not_found(session_id).await),
        };
        let artifacts = match include_artifacts {
            true => Some(decode::all(rows(&results, 3), decode::artifact)?),
            false => None,
        };
        Ok(SessionExport {
            session,
            runs: decode::all(rows(&results, 1), decode::run)?,
            events: decode::all(rows(&results, 2), decode::event)?,
            artifacts,
        })
    }
}
