//! The QueryAPI port: search, stats, usage and cost summaries, export.

use std::collections::BTreeMap;

use crate::artifact::Artifact;
use crate::error::Result;
use crate::event::{Event, EventType};
use crate::pricing::PricingTable;
use crate::run::Run;
use crate::session::Session;
use crate::status::{RunStatus, SessionStatus};
use crate::time::Timestamp;

/// Largest `limit` any query accepts.
pub const MAX_QUERY_LIMIT: i64 = 1000;
/// `search_sessions` page size when no limit is given.
pub const DEFAULT_SESSION_LIMIT: i64 = 50;
/// `search_runs` page size when no limit is given.
pub const DEFAULT_RUN_LIMIT: i64 = 50;
/// `search_events` page size when no limit is given.
pub const DEFAULT_EVENT_LIMIT: i64 = 100;

/// Order of `search_sessions`; ties break on id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SessionOrder {
    /// `created_at ASC, id ASC`.
    CreatedAtAsc,
    /// `created_at DESC, id DESC`.
    CreatedAtDesc,
    /// `updated_at DESC, id DESC` (the default).
    #[default]
    UpdatedAtDesc,
}

/// Order of `search_runs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RunOrder {
    /// `started_at DESC, id DESC` (the default).
    #[default]
    StartedAtDesc,
    /// `started_at ASC, id ASC`.
    StartedAtAsc,
    /// `total_tokens DESC, id DESC`; no cursor paging.
    TokenUsageDesc,
}

/// Order of `search_events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EventOrder {
    /// `sequence_number ASC, id ASC` (the default; interleaves sessions).
    #[default]
    SequenceAsc,
    /// `timestamp ASC, id ASC`.
    TimestampAsc,
    /// `timestamp DESC, id DESC`.
    TimestampDesc,
}

/// Options of `search_sessions` (all ANDed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionSearch {
    /// `agent_id =`.
    pub agent_id: Option<String>,
    /// Status in this list; `None` means no filter and an empty list matches nothing, as in ASM.
    pub status: Option<Vec<SessionStatus>>,
    /// Sessions having a run by one of these providers; empty means no filter.
    pub provider: Vec<String>,
    /// Sessions carrying every one of these tags.
    pub tags: Vec<String>,
    /// `created_at >=`.
    pub created_after: Option<Timestamp>,
    /// `created_at <=`.
    pub created_before: Option<Timestamp>,
    /// Include soft-deleted sessions.
    pub include_deleted: bool,
    /// Sort order.
    pub order_by: SessionOrder,
    /// Page size, 1..=1000; default 50.
    pub limit: Option<i64>,
    /// Continue after the page this cursor ended.
    pub cursor: Option<String>,
}

/// Options of `search_runs` (all ANDed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSearch {
    /// `session_id =`.
    pub session_id: Option<String>,
    /// `provider =`.
    pub provider: Option<String>,
    /// Status in this list; `None` means no filter and an empty list matches nothing.
    pub status: Option<Vec<RunStatus>>,
    /// `started_at >=`.
    pub started_after: Option<Timestamp>,
    /// `started_at <=`.
    pub started_before: Option<Timestamp>,
    /// Stored `token_usage.total_tokens >=` (missing counts as 0); must be ≥ 0.
    pub min_tokens: Option<i64>,
    /// Sort order.
    pub order_by: RunOrder,
    /// Page size, 1..=1000; default 50.
    pub limit: Option<i64>,
    /// Continue after the page this cursor ended.
    pub cursor: Option<String>,
}

/// Options of `search_events` and `count_events` (all ANDed; an empty id or provider list means
/// no filter, an empty `types` list matches nothing, as in ASM).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventSearch {
    /// `session_id IN`.
    pub session_ids: Vec<String>,
    /// `run_id IN`.
    pub run_ids: Vec<String>,
    /// `type IN`; `None` means no filter and an empty list matches nothing.
    pub types: Option<Vec<EventType>>,
    /// `provider IN`.
    pub providers: Vec<String>,
    /// `timestamp >=`.
    pub since: Option<Timestamp>,
    /// `timestamp <=`.
    pub until: Option<Timestamp>,
    /// `correlation_id =`.
    pub correlation_id: Option<String>,
    /// Sort order.
    pub order_by: EventOrder,
    /// Page size, 1..=1000; default 100. Ignored by `count_events`.
    pub limit: Option<i64>,
    /// Continue after the page this cursor ended. Ignored by `count_events`.
    pub cursor: Option<String>,
}

/// Options of `get_usage_summary` (runs matching all of them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageQuery {
    /// `session_id =`.
    pub session_id: Option<String>,
    /// `provider =`.
    pub provider: Option<String>,
    /// `started_at >=`.
    pub since: Option<Timestamp>,
    /// `started_at <=`.
    pub until: Option<Timestamp>,
}

/// Options of `get_cost_summary`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CostQuery {
    /// `session_id =`.
    pub session_id: Option<String>,
    /// Runs of sessions of this agent.
    pub agent_id: Option<String>,
    /// `provider =`.
    pub provider: Option<String>,
    /// `started_at >=`.
    pub since: Option<Timestamp>,
    /// `started_at <=`.
    pub until: Option<Timestamp>,
    /// Rates for runs without a stored cost; the built-in table when `None`.
    pub pricing_table: Option<PricingTable>,
}

/// One page of sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionPage {
    /// The page.
    pub sessions: Vec<Session>,
    /// Cursor after the last session of the page; `None` when the page is empty.
    pub cursor: Option<String>,
    /// All sessions matching the filters, ignoring cursor and limit.
    pub total_count: u64,
}

/// One page of runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPage {
    /// The page.
    pub runs: Vec<Run>,
    /// Cursor after the last run; `None` when the page is empty or the order is by tokens.
    pub cursor: Option<String>,
}

/// One page of events.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPage {
    /// The page.
    pub events: Vec<Event>,
    /// Cursor after the last event; `None` when the page is empty.
    pub cursor: Option<String>,
}

/// Token sums; floats stay floats, missing or non-numeric values count as 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct TokenTotals {
    /// Sum of `input_tokens`.
    pub input_tokens: f64,
    /// Sum of `output_tokens`.
    pub output_tokens: f64,
    /// Sum of the stored `total_tokens` (never computed from the other two).
    pub total_tokens: f64,
}

/// `get_session_stats`.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionStats {
    /// Events in the log.
    pub event_count: u64,
    /// Runs of the session.
    pub run_count: u64,
    /// Token sums over the runs.
    pub token_totals: TokenTotals,
    /// Distinct non-null run providers, sorted.
    pub providers_used: Vec<String>,
    /// Earliest event timestamp.
    pub first_event_at: Option<Timestamp>,
    /// Latest event timestamp.
    pub last_event_at: Option<Timestamp>,
    /// Runs per status (statuses with no run are absent).
    pub status_counts: BTreeMap<RunStatus, u64>,
}

/// Usage of one provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ProviderUsage {
    /// Sum of `input_tokens`.
    pub input_tokens: f64,
    /// Sum of `output_tokens`.
    pub output_tokens: f64,
    /// Sum of `total_tokens`.
    pub total_tokens: f64,
    /// Runs counted.
    pub run_count: u64,
}

/// `get_usage_summary`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageSummary {
    /// Sum of `input_tokens`.
    pub total_input_tokens: f64,
    /// Sum of `output_tokens`.
    pub total_output_tokens: f64,
    /// Sum of `total_tokens`.
    pub total_tokens: f64,
    /// Runs counted.
    pub run_count: u64,
    /// Per provider; runs without one under `"unknown"`.
    pub by_provider: BTreeMap<String, ProviderUsage>,
}

/// Cost of one provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ProviderCost {
    /// Dollars.
    pub cost_usd: f64,
    /// Runs priced.
    pub run_count: u64,
}

/// Cost of one model.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ModelCost {
    /// Dollars.
    pub cost_usd: f64,
    /// Sum of `input_tokens` of the priced runs.
    pub input_tokens: f64,
    /// Sum of `output_tokens` of the priced runs.
    pub output_tokens: f64,
}

/// `get_cost_summary`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CostSummary {
    /// Dollars over all priced runs.
    pub total_cost_usd: f64,
    /// All matching runs, unmapped ones included.
    pub run_count: u64,
    /// Per provider; runs without one under `"unknown"`.
    pub by_provider: BTreeMap<String, ProviderCost>,
    /// Per `provider_metadata.model`; runs without one under `"unknown"`.
    pub by_model: BTreeMap<String, ModelCost>,
    /// Runs with no stored cost and no rate in the pricing table.
    pub unmapped_runs: u64,
}

/// The options of `export_session`, as hosts receive them (`{include_artifacts}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Whether the export lists the session's artifacts too.
    pub include_artifacts: bool,
}

/// `export_session`.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionExport {
    /// The session.
    pub session: Session,
    /// Its runs.
    pub runs: Vec<Run>,
    /// Its events in sequence order.
    pub events: Vec<Event>,
    /// Its artifacts (deleted ones included) when asked for; `None` otherwise.
    pub artifacts: Option<Vec<Artifact>>,
}

/// ASM's QueryAPI.
#[allow(async_fn_in_trait)]
pub trait QueryApi {
    /// Sessions matching the filters, one page at a time.
    async fn search_sessions(&self, query: &SessionSearch) -> Result<SessionPage>;
    /// Counts and sums of one session; `session_not_found` when absent.
    async fn get_session_stats(&self, session_id: &str) -> Result<SessionStats>;
    /// Runs matching the filters, one page at a time.
    async fn search_runs(&self, query: &RunSearch) -> Result<RunPage>;
    /// Token usage of matching runs.
    async fn get_usage_summary(&self, query: &UsageQuery) -> Result<UsageSummary>;
    /// Cost of matching runs.
    async fn get_cost_summary(&self, query: &CostQuery) -> Result<CostSummary>;
    /// Events matching the filters, one page at a time.
    async fn search_events(&self, query: &EventSearch) -> Result<EventPage>;
    /// Number of events matching the filters.
    async fn count_events(&self, query: &EventSearch) -> Result<u64>;
    /// The session with its runs, events and optionally artifacts.
    async fn export_session(
        &self,
        session_id: &str,
        include_artifacts: bool,
    ) -> Result<SessionExport>;
}
