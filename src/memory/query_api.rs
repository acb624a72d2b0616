//! [`QueryApi`] for [`MemoryStore`]: `docs/asm-v0.8/sql.md` §5 evaluated over the maps.

use std::collections::{BTreeMap, BTreeSet};

use crate::cursor::{self, Cursor, CursorOrder, SortValue};
use crate::error::{Error, ErrorCode, Result};
use crate::event::Event;
use crate::json::number_or_zero;
use crate::ports::{
    CostQuery, CostSummary, DEFAULT_EVENT_LIMIT, DEFAULT_RUN_LIMIT, DEFAULT_SESSION_LIMIT,
    EventOrder, EventPage, EventSearch, QueryApi, RunOrder, RunPage, RunSearch, SessionExport,
    SessionOrder, SessionPage, SessionSearch, SessionStats, TokenTotals, UsageQuery, UsageSummary,
};
use crate::query::{check_min_tokens, has_all_tags, page_limit};
use crate::run::Run;
use crate::session::Session;
use crate::summary::RunFigures;
use crate::time::Timestamp;

use super::{MemoryStore, State};

/// A row with the value it sorts by (µs or a sequence number) and its tie-breaking id.
struct Keyed<T> {
    key: i64,
    id: String,
    row: T,
}

/// Sorts by `(key, id)` in the order's direction, keeps the rows strictly after the cursor,
/// takes `limit`, and makes the cursor from the last row of a non-empty page.
fn paginate<T, O: CursorOrder>(
    mut rows: Vec<Keyed<T>>,
    order: O,
    after: Option<&Cursor>,
    limit: usize,
) -> (Vec<T>, Option<String>) {
    rows.sort_by(|a, b| (a.key, &a.id).cmp(&(b.key, &b.id)));
    if !order.ascending() {
        rows.reverse();
    }
    if let Some(c) = after {
        let at = (sort_key(c.value), c.id.as_str());
        rows.retain(|r| {
            let here = (r.key, r.id.as_str());
            if order.ascending() { here > at } else { here < at }
        });
    }
    rows.truncate(limit);
    let cursor = rows.last().map(|r| {
        let value = if order.sorts_by_time() {
            SortValue::Time(Timestamp::from_micros(r.key))
        } else {
            SortValue::Int(r.key)
        };
        cursor::encode(order, value, &r.id)
    });
    (rows.into_iter().map(|r| r.row).collect(), cursor)
}

fn sort_key(value: SortValue) -> i64 {
    match value {
        SortValue::Time(t) => t.as_micros(),
        SortValue::Int(n) => n,
    }
}

fn decode_cursor<O: CursorOrder>(text: Option<&String>, order: O) -> Result<Option<Cursor>> {
    text.map(|t| cursor::decode(t, order)).transpose()
}

fn session_not_found(session_id: &str) -> Error {
    Error::new(ErrorCode::SessionNotFound, format!("Session {session_id} not found"))
}

/// Whether `value` passes an optional `IN (list)` filter (an empty list is no filter).
fn in_list<T: PartialEq>(list: &[T], value: &T) -> bool {
    list.is_empty() || list.contains(value)
}

/// ASM's `IN (…)` on a list given as is: absent passes every row, empty passes none.
fn one_of<T: PartialEq>(list: Option<&[T]>, value: &T) -> bool {
    list.is_none_or(|l| l.contains(value))
}

fn in_range(t: Timestamp, from: Option<Timestamp>, to: Option<Timestamp>) -> bool {
    from.is_none_or(|f| t >= f) && to.is_none_or(|u| t <= u)
}

fn session_matches(state: &State, s: &Session, q: &SessionSearch) -> bool {
    q.agent_id.as_ref().is_none_or(|a| &s.agent_id == a)
        && one_of(q.status.as_deref(), &s.status)
        && (q.provider.is_empty()
            || state.runs.values().any(|r| {
                r.session_id == s.id && r.provider.as_ref().is_some_and(|p| q.provider.contains(p))
            }))
        && in_range(s.created_at, q.created_after, q.created_before)
        && (q.include_deleted || s.deleted_at.is_none())
        && has_all_tags(&s.tags, &q.tags)
}

fn run_matches(r: &Run, q: &RunSearch) -> bool {
    q.session_id.as_ref().is_none_or(|s| &r.session_id == s)
        && q.provider.as_ref().is_none_or(|p| r.provider.as_ref() == Some(p))
        && one_of(q.status.as_deref(), &r.status)
        && in_range(r.started_at, q.started_after, q.started_before)
        && q.min_tokens.is_none_or(|n| number_or_zero(&r.token_usage, "total_tokens") >= n as f64)
}

fn event_matches(e: &Event, q: &EventSearch) -> bool {
    in_list(&q.session_ids, &e.session_id)
        && (q.run_ids.is_empty() || e.run_id.as_ref().is_some_and(|r| q.run_ids.contains(r)))
        && one_of(q.types.as_deref(), &e.event_type)
        && (q.providers.is_empty() || e.provider.as_ref().is_some_and(|p| q.providers.contains(p)))
        && in_range(e.timestamp, q.since, q.until)
        && q.correlation_id.as_ref().is_none_or(|c| e.correlation_id.as_ref() == Some(c))
}

/// Runs matching the filters shared by the usage and cost summaries.
fn summary_runs<'a>(
    state: &'a State,
    session_id: Option<&'a String>,
    provider: Option<&'a String>,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
) -> impl Iterator<Item = &'a Run> {
    state.runs.values().filter(move |r| {
        session_id.is_none_or(|s| &r.session_id == s)
            && provider.is_none_or(|p| r.provider.as_ref() == Some(p))
            && in_range(r.started_at, since, until)
    })
}

impl QueryApi for MemoryStore {
    async fn search_sessions(&self, query: &SessionSearch) -> Result<SessionPage> {
        let limit = page_limit(query.limit, DEFAULT_SESSION_LIMIT)?;
        let after = decode_cursor(query.cursor.as_ref(), query.order_by)?;
        let state = self.state();
        let rows: Vec<Keyed<Session>> = state
            .sessions
            .values()
            .filter(|s| session_matches(&state, s, query))
            .map(|s| {
                let at = match query.order_by {
                    SessionOrder::CreatedAtAsc | SessionOrder::CreatedAtDesc => s.created_at,
                    SessionOrder::UpdatedAtDesc => s.updated_at,
                };
                Keyed { key: at.as_micros(), id: s.id.clone(), row: s.clone() }
            })
            .collect();
        let total_count = rows.len() as u64;
        let (sessions, cursor) = paginate(rows, query.order_by, after.as_ref(), limit);
        Ok(SessionPage { sessions, cursor, total_count })
    }

    async fn get_session_stats(&self, session_id: &str) -> Result<SessionStats> {
        let state = self.state();
        if !state.sessions.contains_key(session_id) {
            return Err(session_not_found(session_id));
        }
        let log = state.log(session_id);
        let mut stats = SessionStats {
            event_count: log.len() as u64,
            run_count: 0,
            token_totals: TokenTotals::default(),
            providers_used: Vec::new(),
            first_event_at: log.iter().map(|e| e.timestamp).min(),
            last_event_at: log.iter().map(|e| e.timestamp).max(),
            status_counts: BTreeMap::new(),
        };
        let mut providers = BTreeSet::new();
        for run in state.runs.values().filter(|r| r.session_id == session_id) {
            stats.run_count += 1;
            *stats.status_counts.entry(run.status).or_insert(0) += 1;
            providers.extend(run.provider.clone());
            stats.token_totals.add(&run.token_usage);
        }
        stats.providers_used = providers.into_iter().collect();
        Ok(stats)
    }

    async fn search_runs(&self, query: &RunSearch) -> Result<RunPage> {
        let limit = page_limit(query.limit, DEFAULT_RUN_LIMIT)?;
        check_min_tokens(query.min_tokens)?;
        let after = decode_cursor(query.cursor.as_ref(), query.order_by)?;
        let state = self.state();
        let matching = state.runs.values().filter(|r| run_matches(r, query));
        if query.order_by == RunOrder::TokenUsageDesc {
            let mut runs: Vec<&Run> = matching.collect();
            let total = |r: &Run| number_or_zero(&r.token_usage, "total_tokens");
            runs.sort_by(|a, b| total(b).total_cmp(&total(a)).then_with(|| b.id.cmp(&a.id)));
            runs.truncate(limit);
            return Ok(RunPage { runs: runs.into_iter().cloned().collect(), cursor: None });
        }
        let rows = matching
            .map(|r| Keyed { key: r.started_at.as_micros(), id: r.id.clone(), row: r.clone() })
            .collect();
        let (runs, cursor) = paginate(rows, query.order_by, after.as_ref(), limit);
        Ok(RunPage { runs, cursor })
    }

    async fn get_usage_summary(&self, query: &UsageQuery) -> Result<UsageSummary> {
        let state = self.state();
        let mut summary = UsageSummary::default();
        for run in summary_runs(
            &state,
            query.session_id.as_ref(),
            query.provider.as_ref(),
            query.since,
            query.until,
        ) {
            summary.add_run(run.provider.as_deref(), &run.token_usage);
        }
        Ok(summary)
    }

    async fn get_cost_summary(&self, query: &CostQuery) -> Result<CostSummary> {
        let table = query.pricing();
        let state = self.state();
        let mut summary = CostSummary::default();
        let runs = summary_runs(
            &state,
            query.session_id.as_ref(),
            query.provider.as_ref(),
            query.since,
            query.until,
        )
        .filter(|r| {
            query
                .agent_id
                .as_ref()
                .is_none_or(|a| state.sessions.get(&r.session_id).is_some_and(|s| &s.agent_id == a))
        });
        for run in runs {
            let figures = RunFigures {
                provider: run.provider.as_deref(),
                token_usage: &run.token_usage,
                provider_metadata: &run.provider_metadata,
                cost_usd: run.cost_usd,
            };
            summary.add_run(figures, &table);
        }
        Ok(summary)
    }

    async fn search_events(&self, query: &EventSearch) -> Result<EventPage> {
        let limit = page_limit(query.limit, DEFAULT_EVENT_LIMIT)?;
        let after = decode_cursor(query.cursor.as_ref(), query.order_by)?;
        let state = self.state();
        let rows = state
            .logs
            .values()
            .flatten()
            .filter(|e| event_matches(e, query))
            .map(|e| {
                let key = match query.order_by {
                    EventOrder::SequenceAsc => e.sequence_number.unwrap_or(0),
                    EventOrder::TimestampAsc | EventOrder::TimestampDesc => e.timestamp.as_micros(),
                };
                Keyed { key, id: e.id.clone(), row: e.clone() }
            })
            .collect();
        let (events, cursor) = paginate(rows, query.order_by, after.as_ref(), limit);
        Ok(EventPage { events, cursor })
    }

    async fn count_events(&self, query: &EventSearch) -> Result<u64> {
        let state = self.state();
        Ok(state.logs.values().flatten().filter(|e| event_matches(e, query)).count() as u64)
    }

    async fn export_session(
        &self,
        session_id: &str,
        include_artifacts: bool,
    ) -> Result<SessionExport> {
        let state = self.state();
        let session =
            state.sessions.get(session_id).cloned().ok_or_else(|| session_not_found(session_id))?;
        let mut runs: Vec<Run> =
            state.runs.values().filter(|r| r.session_id == session_id).cloned().collect();
        runs.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        let artifacts = include_artifacts.then(|| {
            let mut rows: Vec<_> = state
                .artifacts
                .values()
                .filter(|a| a.session_id.as_deref() == Some(session_id))
                .cloned()
                .collect();
            rows.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            rows
        });
        Ok(SessionExport { session, runs, events: state.log(session_id).to_vec(), artifacts })
    }
}
