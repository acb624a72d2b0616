//! Sessions, runs, events, artifacts, and the options of the SessionStore port.

use asm_core::ports::{EventFilter, FlushPayload, ListRuns, ListSessions};
use asm_core::{Artifact, ArtifactStats, Error, EventType, NewArtifact, RunStatus, SessionStatus};

use super::{Result, at, json_text, micros, object, try_list, value, wit};

/// Sessions, runs and events go both ways: one source shared with the other WIT host.
#[path = "../../../wit-shared/entities.rs"]
mod both_ways;

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
