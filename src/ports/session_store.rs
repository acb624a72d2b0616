//! The SessionStore port: sessions, runs and the per-session event log.

use crate::error::Result;
use crate::event::{Event, EventType};
use crate::json::JsonMap;
use crate::run::Run;
use crate::session::Session;
use crate::status::{RunStatus, SessionStatus};
use crate::time::Timestamp;

/// Filters of `list_sessions`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListSessions {
    /// Only sessions in this status.
    pub status: Option<SessionStatus>,
    /// Only sessions of this agent.
    pub agent_id: Option<String>,
    /// At most this many; `None` or 0 means all.
    pub limit: Option<u32>,
}

/// Filters of `list_runs`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListRuns {
    /// Only runs in this status.
    pub status: Option<RunStatus>,
    /// At most this many; `None` or 0 means all.
    pub limit: Option<u32>,
}

/// Filters of `get_events`, ANDed; `limit` applies after all of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Only events of this run.
    pub run_id: Option<String>,
    /// Only events of exactly this type.
    pub event_type: Option<EventType>,
    /// Only events with `timestamp >= since` (inclusive in every store; see compatibility.md).
    pub since: Option<Timestamp>,
    /// Only events with `sequence_number > after`.
    pub after: Option<i64>,
    /// Only events with `sequence_number < before`.
    pub before: Option<i64>,
    /// At most this many; `None` or 0 means all.
    pub limit: Option<u32>,
    /// Long-poll: with no matching event yet, wait up to this many milliseconds for one to be
    /// appended, then answer `[]` (ASM's `wait_timeout_ms`; stores whose host has no timer
    /// answer at once).
    pub wait_timeout_ms: Option<u64>,
}

/// What `flush` persists atomically: the result of one execution.
#[derive(Debug, Clone, PartialEq)]
pub struct FlushPayload {
    /// Upserted.
    pub session: Session,
    /// Upserted.
    pub run: Run,
    /// Appended in order, sequenced and deduplicated.
    pub events: Vec<Event>,
    /// Optional; no store persists it (ASM's stores ignore it too).
    pub provider_metadata: Option<JsonMap>,
}

/// ASM's SessionStore: upserts, reads, and an append-only log with gap-free sequence numbers.
///
/// Every write is atomic; a write is visible to the very next read.
#[allow(async_fn_in_trait)]
pub trait SessionStore {
    /// Inserts or fully replaces the session with this id.
    async fn save_session(&self, session: &Session) -> Result<()>;
    /// The session, soft-deleted or not; `session_not_found` when absent.
    async fn get_session(&self, session_id: &str) -> Result<Session>;
    /// Sessions matching the filters, in no particular order.
    async fn list_sessions(&self, filter: &ListSessions) -> Result<Vec<Session>>;
    /// Removes the session with its runs, events, artifacts and sequence counter. Idempotent.
    async fn delete_session(&self, session_id: &str) -> Result<()>;
    /// Inserts or fully replaces the run with this id.
    async fn save_run(&self, run: &Run) -> Result<()>;
    /// The run; `run_not_found` when absent.
    async fn get_run(&self, run_id: &str) -> Result<Run>;
    /// Runs of one session matching the filters, in no particular order.
    async fn list_runs(&self, session_id: &str, filter: &ListRuns) -> Result<Vec<Run>>;
    /// A run of the session whose status is `running`, if any.
    async fn get_active_run(&self, session_id: &str) -> Result<Option<Run>>;
    /// Appends one event (assigning its sequence number), under the event-id rules of
    /// [`crate::event_ids`] like every append.
    async fn append_event(&self, event: &Event) -> Result<()>;
    /// Appends one event and returns it as stored. An id already stored in the same session with
    /// the same content is not written again: the stored event comes back (a safe retry); an id
    /// of another session is `session_mismatch`, other content `already_exists`
    /// ([`crate::event_ids`]).
    async fn append_event_with_sequence(&self, event: &Event) -> Result<Event>;
    /// Appends events in order, all or nothing; returns one stored event per input element.
    async fn append_events(&self, events: &[Event]) -> Result<Vec<Event>>;
    /// Persists events, session and run together, all or nothing.
    async fn flush(&self, payload: &FlushPayload) -> Result<()>;
    /// Events of one session in ascending sequence order.
    async fn get_events(&self, session_id: &str, filter: &EventFilter) -> Result<Vec<Event>>;
    /// The highest sequence number ever assigned in the session, 0 if none.
    async fn get_latest_sequence(&self, session_id: &str) -> Result<i64>;
}
