//! Sessions, runs, events, artifacts, and the options of the SessionStore port.

use asm_core::ports::{EventFilter, FlushPayload, ListRuns, ListSessions};
use asm_core::{Error, EventType, RunStatus, SessionStatus};

use super::{Result, at, json_text, micros, object, try_list, value, wit};

/// Sessions, runs, events and artifacts go both ways: one source shared with the other WIT host.
#[path = "../../../wit-shared/entities.rs"]
mod both_ways;

impl TryFrom<wit::ListSessionsFilter> for ListSessions {
    type Error = Error;
    fn try_from(f: wit::ListSessionsFilter) -> Result<Self> {
        let status = f.status.as_deref().map(SessionStatus::from_name).transpose()?;
        Ok(ListSessions { status, agent_id: f.agent_id, limit: f.limit })
    }
}

impl TryFrom<wit::ListRunsFilter> for ListRuns {
    type Error = Error;
    fn try_from(f: wit::ListRunsFilter) -> Result<Self> {
        Ok(ListRuns {
            status: f.status.as_deref().map(RunStatus::from_name).transpose()?,
            limit: f.limit,
        })
    }
}

impl TryFrom<wit::EventFilter> for EventFilter {
    type Error = Error;
    fn try_from(f: wit::EventFilter) -> Result<Self> {
        Ok(EventFilter {
            event_type: f.event_type.as_deref().map(EventType::from_name).transpose()?,
            run_id: f.run_id,
            since: f.since.map(at),
            after: f.after,
            before: f.before,
            limit: f.limit,
            wait_timeout_ms: f.wait_timeout_ms,
        })
    }
}

impl TryFrom<wit::FlushPayload> for FlushPayload {
    type Error = Error;
    fn try_from(p: wit::FlushPayload) -> Result<Self> {
        let provider_metadata =
            p.provider_metadata.map(|m| object(&m, "provider_metadata")).transpose()?;
        Ok(FlushPayload {
            session: p.session.try_into()?,
            run: p.run.try_into()?,
            events: try_list(p.events)?,
            provider_metadata,
        })
    }
}
