//! Session, run, event and artifact conversions in both directions. Both WIT hosts send and receive these
//! entities, so this one source serves the guest (`hosts/component`) and the wasmtime host
//! (`hosts/wasmtime-host`): each includes it with `#[path]` from its `convert/entities.rs`, where
//! `wit` names that crate's own generated types. It holds no logic of its own.

use asm_core::{
    Artifact, ArtifactStats, Error, Event, EventType, NewArtifact, Run, RunStatus, Session,
    SessionStatus,
};

use super::{Result, at, json_text, micros, object, value, wit};
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

impl From<ArtifactStats> for wit::ArtifactStats {
    fn from(s: ArtifactStats) -> Self {
        wit::ArtifactStats { artifact_count: s.artifact_count, total_bytes: s.total_bytes }
    }
}

impl From<wit::ArtifactStats> for ArtifactStats {
    fn from(s: wit::ArtifactStats) -> Self {
        ArtifactStats { artifact_count: s.artifact_count, total_bytes: s.total_bytes }
    }
}
