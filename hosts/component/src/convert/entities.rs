//! Sessions, runs, events, artifacts, and the options of the SessionStore port.

use asm_core::ports::{EventFilter, FlushPayload, ListRuns, ListSessions};
use asm_core::{
    Artifact, ArtifactStats, Error, Event, EventType, NewArtifact, Run, RunStatus, Session, SessionStatus,
};

use super::{Result, at, json_text, micros, object, try_list, value, wit};

impl TryFrom<wit::Session> for Session {
    type Error = Error;
    fn try_from(s: wit::Session) -> Result<Self> {
        Ok(Session {
            status: SessionStatus::from_name(&s.status)?,
            metadata: object(&s.metadata, "metadata")?,
            context: object(&s.context, "context")?,
            id: s.id,
            agent_id: s.agent_id,
            parent_session_id: s.parent_session_id,
            tags: s.tags,
            created_at: at(s.created_at),
            updated_at: at(s.updated_at),
            deleted_at: s.deleted_at.map(at),
        })
    }
}

impl From<Session> for wit::Session {
    fn from(s: Session) -> Self {
        wit::Session {
            status: s.status.as_str().to_owned(),
            metadata: json_text(&s.metadata),
            context: json_text(&s.context),
            id: s.id,
            agent_id: s.agent_id,
            parent_session_id: s.parent_session_id,
            tags: s.tags,
            created_at: s.created_at.as_micros(),
            updated_at: s.updated_at.as_micros(),
            deleted_at: micros(s.deleted_at),
        }
    }
}

impl TryFrom<wit::Run> for Run {
    type Error = Error;
    fn try_from(r: wit::Run) -> Result<Self> {
        Ok(Run {
            status: RunStatus::from_name(&r.status)?,
            input: value(r.input, "input")?,
            output: value(r.output, "output")?,
            error: value(r.error, "error")?,
            metadata: object(&r.metadata, "metadata")?,
            token_usage: object(&r.token_usage, "token_usage")?,
            provider_metadata: object(&r.provider_metadata, "provider_metadata")?,
            id: r.id,
            session_id: r.session_id,
            turn_count: r.turn_count,
            cost_usd: r.cost_usd,
            started_at: at(r.started_at),
            ended_at: r.ended_at.map(at),
            provider: r.provider,
        })
    }
}

impl From<Run> for wit::Run {
    fn from(r: Run) -> Self {
        wit::Run {
            status: r.status.as_str().to_owned(),
            input: r.input.as_ref().map(json_text),
            output: r.output.as_ref().map(json_text),
            error: r.error.as_ref().map(json_text),
            metadata: json_text(&r.metadata),
            token_usage: json_text(&r.token_usage),
            provider_metadata: json_text(&r.provider_metadata),
            id: r.id,
            session_id: r.session_id,
            turn_count: r.turn_count,
            cost_usd: r.cost_usd,
            started_at: r.started_at.as_micros(),
            ended_at: micros(r.ended_at),
            provider: r.provider,
        }
    }
}

impl TryFrom<wit::Event> for Event {
    type Error = Error;
    fn try_from(e: wit::Event) -> Result<Self> {
        Ok(Event {
            event_type: EventType::from_name(&e.event_type)?,
            data: object(&e.data, "data")?,
            metadata: object(&e.metadata, "metadata")?,
            id: e.id,
            timestamp: at(e.timestamp),
            session_id: e.session_id,
            run_id: e.run_id,
            sequence_number: e.sequence_number,
            schema_version: e.schema_version,
            provider: e.provider,
            correlation_id: e.correlation_id,
        })
    }
}

impl From<Event> for wit::Event {
    fn from(e: Event) -> Self {
        wit::Event {
            event_type: e.event_type.as_str().to_owned(),
            data: json_text(&e.data),
            metadata: json_text(&e.metadata),
            id: e.id,
            timestamp: e.timestamp.as_micros(),
            session_id: e.session_id,
            run_id: e.run_id,
            sequence_number: e.sequence_number,
            schema_version: e.schema_version,
            provider: e.provider,
            correlation_id: e.correlation_id,
        }
    }
}

impl From<Artifact> for wit::Artifact {
    fn from(a: Artifact) -> Self {
        wit::Artifact {
            metadata: json_text(&a.metadata),
            id: a.id,
            session_id: a.session_id,
            run_id: a.run_id,
            key: a.key,
            content_type: a.content_type,
            byte_size: a.byte_size,
            checksum_sha256: a.checksum_sha256,
            storage_backend: a.storage_backend,
            storage_ref: a.storage_ref,
            created_at: a.created_at.as_micros(),
            deleted_at: micros(a.deleted_at),
        }
    }
}

impl TryFrom<wit::NewArtifact> for NewArtifact {
    type Error = Error;
    fn try_from(a: wit::NewArtifact) -> Result<Self> {
        Ok(NewArtifact {
            metadata: object(&a.metadata, "metadata")?,
            id: a.id,
            session_id: a.session_id,
            run_id: a.run_id,
            key: a.key,
            content_type: a.content_type,
            byte_size: a.byte_size,
            checksum_sha256: a.checksum_sha256,
            storage_backend: a.storage_backend,
            storage_ref: a.storage_ref,
        })
    }
}

impl From<ArtifactStats> for wit::ArtifactStats {
    fn from(s: ArtifactStats) -> Self {
        wit::ArtifactStats { artifact_count: s.artifact_count, total_bytes: s.total_bytes }
    }
}

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
        Ok(ListRuns { status: f.status.as_deref().map(RunStatus::from_name).transpose()?, limit: f.limit })
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
        let provider_metadata = p.provider_metadata.map(|m| object(&m, "provider_metadata")).transpose()?;
        Ok(FlushPayload {
            session: p.session.try_into()?,
            run: p.run.try_into()?,
            events: try_list(p.events)?,
            provider_metadata,
        })
    }
}
