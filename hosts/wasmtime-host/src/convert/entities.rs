//! Sessions, runs, events, artifacts, and the options of the SessionStore port.

use asm_core::ports::{EventFilter, FlushPayload, ListRuns, ListSessions};

use super::{Result, at, json_text, list, micros, object, value, wit};

/// Sessions, runs, events and artifacts go both ways: one source shared with the other WIT host.
#[path = "../../../wit-shared/entities.rs"]
mod both_ways;

impl From<ListSessions> for wit::ListSessionsFilter {
    fn from(f: ListSessions) -> Self {
        wit::ListSessionsFilter {
            status: f.status.map(|s| s.as_str().to_owned()),
            agent_id: f.agent_id,
            limit: f.limit,
        }
    }
}

impl From<ListRuns> for wit::ListRunsFilter {
    fn from(f: ListRuns) -> Self {
        wit::ListRunsFilter { status: f.status.map(|s| s.as_str().to_owned()), limit: f.limit }
    }
}

impl From<EventFilter> for wit::EventFilter {
    fn from(f: EventFilter) -> Self {
        wit::EventFilter {
            event_type: f.event_type.map(|t| t.as_str().to_owned()),
            run_id: f.run_id,
            since: micros(f.since),
            after: f.after,
            before: f.before,
            limit: f.limit,
            wait_timeout_ms: f.wait_timeout_ms,
        }
    }
}

impl From<FlushPayload> for wit::FlushPayload {
    fn from(p: FlushPayload) -> Self {
        wit::FlushPayload {
            session: p.session.into(),
            run: p.run.into(),
            events: list(p.events),
            provider_metadata: p.provider_metadata.as_ref().map(json_text),
        }
    }
}
