//! Sessions, runs, events, artifacts, and the options of the SessionStore port.

use asm_core::ports::{EventFilter, FlushPayload, ListRuns, ListSessions};
use asm_core::{Artifact, ArtifactStats, Error, NewArtifact};

use super::{Result, at, json_text, list, micros, object, value, wit};

/// Sessions, runs and events go both ways: one source shared with the other WIT host.
#[path = "../../../wit-shared/entities.rs"]
mod both_ways;

impl TryFrom<wit::Artifact> for Artifact {
    type Error = Error;
    fn try_from(a: wit::Artifact) -> Result<Self> {
        Ok(Artifact {
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
            created_at: at(a.created_at),
            deleted_at: a.deleted_at.map(at),
        })
    }
}

impl From<NewArtifact> for wit::NewArtifact {
    fn from(a: NewArtifact) -> Self {
        wit::NewArtifact {
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
        }
    }
}

impl From<wit::ArtifactStats> for ArtifactStats {
    fn from(s: wit::ArtifactStats) -> Self {
        ArtifactStats { artifact_count: s.artifact_count, total_bytes: s.total_bytes }
    }
}

impl From<ListSessions> for wit::ListSessionsFilter {
    fn from(f: ListSessions) -> Self {
        wit::ListSessionsFilter { status: f.status.map(|s| s.as_str().to_owned()), agent_id: f.agent_id, limit: f.limit }
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
