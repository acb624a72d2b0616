//! `to_map` / `from_map` of Session, Run, Event and Artifact (`core/*.ex`, docs/asm-v0.8/domain.md §1.1–1.3).

use serde_json::{Value, json};

use super::{
    float_value, iso_or_null, object_or_empty, optional_datetime, optional_integer,
    optional_string, optional_value, present, required_datetime, required_string, string_or_null,
};
use crate::artifact::Artifact;
use crate::error::{Error, ErrorCode, Result};
use crate::event::{Event, EventType};
use crate::json::JsonMap;
use crate::run::Run;
use crate::session::Session;
use crate::status::{RunStatus, SessionStatus};

/// The argument of every `from_map`: an object, else `validation_error "Invalid <what> map"`.
fn as_object<'a>(value: &'a Value, what: &str) -> Result<&'a JsonMap> {
    value.as_object().ok_or_else(|| Error::validation(format!("Invalid {what} map")))
}

/// ASM's status check: nil → validation, an unknown string → `invalid_status "Invalid status: <raw>"`,
/// a non-string → validation.
fn required_status<T>(map: &JsonMap, parse: fn(&str) -> Option<T>) -> Result<T> {
    match present(map, "status") {
        None => Err(Error::validation("status is required")),
        Some(Value::String(s)) => parse(s)
            .ok_or_else(|| Error::new(ErrorCode::InvalidStatus, format!("Invalid status: {s}"))),
        Some(_) => Err(Error::validation("status must be a string")),
    }
}

/// Tags as stored: the string elements of a list, in order; anything else reads as `[]`.
fn tags(map: &JsonMap) -> Vec<String> {
    match map.get("tags") {
        Some(Value::Array(items)) => {
            items.iter().filter_map(Value::as_str).map(str::to_owned).collect()
        }
        _ => Vec::new(),
    }
}

impl Session {
    /// ASM's `Session.to_map/1`: every key, statuses as strings, timestamps in ISO-8601.
    pub fn to_map(&self) -> Value {
        json!({
            "id": self.id,
            "agent_id": self.agent_id,
            "status": self.status.as_str(),
            "parent_session_id": string_or_null(&self.parent_session_id),
            "metadata": self.metadata,
            "context": self.context,
            "tags": self.tags,
            "created_at": self.created_at.to_iso8601(),
            "updated_at": self.updated_at.to_iso8601(),
            "deleted_at": iso_or_null(self.deleted_at),
        })
    }

    /// ASM's `Session.from_map/1`: checks id, agent_id, status, created_at, updated_at in that
    /// order and answers the first failure; the other fields are lenient.
    pub fn from_map(value: &Value) -> Result<Session> {
        let map = as_object(value, "session")?;
        let id = required_string(map, "id")?;
        let agent_id = required_string(map, "agent_id")?;
        let status = required_status(map, SessionStatus::parse)?;
        let created_at = required_datetime(map, "created_at", "datetime")?;
        let updated_at = required_datetime(map, "updated_at", "datetime")?;
        Ok(Session {
            id,
            agent_id,
            status,
            parent_session_id: optional_string(map, "parent_session_id"),
            metadata: object_or_empty(map, "metadata"),
            context: object_or_empty(map, "context"),
            tags: tags(map),
            created_at,
            updated_at,
            deleted_at: optional_datetime(map, "deleted_at"),
        })
    }
}

impl Run {
    /// ASM's `Run.to_map/1`: every key, `cost_usd` and `ended_at` as `null` when unset.
    pub fn to_map(&self) -> Value {
        json!({
            "id": self.id,
            "session_id": self.session_id,
            "status": self.status.as_str(),
            "input": self.input,
            "output": self.output,
            "error": self.error,
            "metadata": self.metadata,
            "token_usage": self.token_usage,
            "provider_metadata": self.provider_metadata,
            "turn_count": self.turn_count,
            "started_at": self.started_at.to_iso8601(),
            "ended_at": iso_or_null(self.ended_at),
            "provider": string_or_null(&self.provider),
            "cost_usd": self.cost_usd.map_or(Value::Null, float_value),
        })
    }

    /// ASM's `Run.from_map/1`: checks id, session_id, status, started_at in that order; the other
    /// fields are lenient (`turn_count` defaults to 0, `cost_usd` takes any number).
    pub fn from_map(value: &Value) -> Result<Run> {
        let map = as_object(value, "run")?;
        let id = required_string(map, "id")?;
        let session_id = required_string(map, "session_id")?;
        let status = required_status(map, RunStatus::parse)?;
        let started_at = required_datetime(map, "started_at", "datetime")?;
        Ok(Run {
            id,
            session_id,
            status,
            input: optional_value(map, "input"),
            output: optional_value(map, "output"),
            error: optional_value(map, "error"),
            metadata: object_or_empty(map, "metadata"),
            turn_count: optional_integer(map, "turn_count").unwrap_or(0),
            token_usage: object_or_empty(map, "token_usage"),
            cost_usd: present(map, "cost_usd").and_then(Value::as_f64),
            started_at,
            ended_at: optional_datetime(map, "ended_at"),
            provider: optional_string(map, "provider"),
            provider_metadata: object_or_empty(map, "provider_metadata"),
        })
    }
}

impl Event {
    /// ASM's `Event.to_map/1`: every key, the type as its name, `schema_version` always written.
    pub fn to_map(&self) -> Value {
        json!({
            "id": self.id,
            "type": self.event_type.as_str(),
            "timestamp": self.timestamp.to_iso8601(),
            "session_id": self.session_id,
            "run_id": string_or_null(&self.run_id),
            "data": self.data,
            "metadata": self.metadata,
            "sequence_number": self.sequence_number,
            "schema_version": self.schema_version,
            "provider": string_or_null(&self.provider),
            "correlation_id": string_or_null(&self.correlation_id),
        })
    }

    /// ASM's `Event.from_map/1`: checks id, type, session_id, timestamp, schema_version in that
    /// order; an unknown type name is `invalid_event_type`, a `schema_version` that is not an
    /// integer ≥ 1 is rejected.
    pub fn from_map(value: &Value) -> Result<Event> {
        let map = as_object(value, "event")?;
        let id = required_string(map, "id")?;
        let event_type = match present(map, "type") {
            None => return Err(Error::validation("type is required")),
            Some(Value::String(s)) => EventType::from_name(s)?,
            Some(_) => return Err(Error::validation("type must be a string")),
        };
        let session_id = required_string(map, "session_id")?;
        let timestamp = required_datetime(map, "timestamp", "timestamp")?;
        let schema_version = match present(map, "schema_version") {
            None => return Err(Error::validation("schema_version is required")),
            Some(v) => crate::json::as_integer(v).filter(|n| *n >= 1).ok_or_else(|| {
                Error::validation("schema_version must be an integer greater than or equal to 1")
            })?,
        };
        Ok(Event {
            id,
            event_type,
            timestamp,
            session_id,
            run_id: optional_string(map, "run_id"),
            data: object_or_empty(map, "data"),
            metadata: object_or_empty(map, "metadata"),
            sequence_number: optional_integer(map, "sequence_number"),
            schema_version,
            provider: optional_string(map, "provider"),
            correlation_id: optional_string(map, "correlation_id"),
        })
    }
}

impl Artifact {
    /// The registry's meta map plus `deleted_at` (ASM's meta map omits it; we keep it so the
    /// map round-trips), timestamps in ISO-8601.
    pub fn to_map(&self) -> Value {
        json!({
            "id": self.id,
            "session_id": string_or_null(&self.session_id),
            "run_id": string_or_null(&self.run_id),
            "key": self.key,
            "content_type": string_or_null(&self.content_type),
            "byte_size": self.byte_size,
            "checksum_sha256": self.checksum_sha256,
            "storage_backend": self.storage_backend,
            "storage_ref": self.storage_ref,
            "metadata": self.metadata,
            "created_at": self.created_at.to_iso8601(),
            "deleted_at": iso_or_null(self.deleted_at),
        })
    }

    /// Reads a meta map back (ASM has no `from_map` for artifacts; the checks follow Session's
    /// style): id, key, byte_size, checksum_sha256, storage_backend, storage_ref, created_at.
    pub fn from_map(value: &Value) -> Result<Artifact> {
        let map = as_object(value, "artifact")?;
        let id = required_string(map, "id")?;
        let key = required_string(map, "key")?;
        let byte_size = match present(map, "byte_size") {
            None => return Err(Error::validation("byte_size is required")),
            Some(v) => crate::json::as_integer(v)
                .ok_or_else(|| Error::validation("byte_size must be an integer"))?,
        };
        let checksum_sha256 = required_string(map, "checksum_sha256")?;
        let storage_backend = required_string(map, "storage_backend")?;
        let storage_ref = required_string(map, "storage_ref")?;
        let created_at = required_datetime(map, "created_at", "datetime")?;
        Ok(Artifact {
            id,
            session_id: optional_string(map, "session_id"),
            run_id: optional_string(map, "run_id"),
            key,
            content_type: optional_string(map, "content_type"),
            byte_size,
            checksum_sha256,
            storage_backend,
            storage_ref,
            metadata: object_or_empty(map, "metadata"),
            created_at,
            deleted_at: optional_datetime(map, "deleted_at"),
        })
    }
}

macro_rules! serialize_via_to_map {
    ($($ty:ty),*) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                self.to_map().serialize(s)
            }
        }
    )*};
}

serialize_via_to_map!(Session, Run, Artifact);

/// [`Event::to_map`] written straight out, keys in the map's (sorted) order: events are most of
/// what a store answers, and building the map first deep-copied every `data`.
impl serde::Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(11))?;
        map.serialize_entry("correlation_id", &self.correlation_id)?;
        map.serialize_entry("data", &self.data)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("metadata", &self.metadata)?;
        map.serialize_entry("provider", &self.provider)?;
        map.serialize_entry("run_id", &self.run_id)?;
        map.serialize_entry("schema_version", &self.schema_version)?;
        map.serialize_entry("sequence_number", &self.sequence_number)?;
        map.serialize_entry("session_id", &self.session_id)?;
        map.serialize_entry("timestamp", &self.timestamp.to_iso8601())?;
        map.serialize_entry("type", self.event_type.as_str())?;
        map.end()
    }
}
