//! JSON parsing of the port option structs, for hosts that receive options as JSON.
//!
//! `null` (or a missing options value) means "no options". Checks run in the order ASM validates
//! (limit first, then status/type filters), so the first error is ASM's first error.

mod fields;
mod retention;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::event::EventType;
use crate::ports::{
    CostQuery, EventFilter, EventOrder, EventSearch, ExportOptions, FlushPayload, ListRuns,
    ListSessions, RunOrder, RunSearch, SessionOrder, SessionSearch, UsageQuery,
};
use crate::pricing::PricingTable;
use crate::run::Run;
use crate::session::Session;
use crate::status::{RunStatus, SessionStatus};
use fields::Opts;

impl SessionOrder {
    /// The order named by a JSON string; anything else (unknown names included) is the default,
    /// as ASM silently does.
    pub fn from_json(value: &Value) -> SessionOrder {
        match value.as_str() {
            Some("created_at_asc") => SessionOrder::CreatedAtAsc,
            Some("created_at_desc") => SessionOrder::CreatedAtDesc,
            _ => SessionOrder::UpdatedAtDesc,
        }
    }
}

impl RunOrder {
    /// The order named by a JSON string; anything else is the default `started_at_desc`.
    pub fn from_json(value: &Value) -> RunOrder {
        match value.as_str() {
            Some("started_at_asc") => RunOrder::StartedAtAsc,
            Some("token_usage_desc") => RunOrder::TokenUsageDesc,
            _ => RunOrder::StartedAtDesc,
        }
    }
}

impl EventOrder {
    /// The order named by a JSON string; anything else is the default `sequence_asc`.
    pub fn from_json(value: &Value) -> EventOrder {
        match value.as_str() {
            Some("timestamp_asc") => EventOrder::TimestampAsc,
            Some("timestamp_desc") => EventOrder::TimestampDesc,
            _ => EventOrder::SequenceAsc,
        }
    }
}

impl ListSessions {
    /// Parses `{status, agent_id, limit}`; `limit` must be an integer ≥ 0 (0 means all).
    pub fn from_json(value: &Value) -> Result<ListSessions> {
        let o = Opts::new(value)?;
        Ok(ListSessions {
            status: o.one_of("status", SessionStatus::parse)?,
            agent_id: o.string("agent_id")?,
            limit: o.store_limit()?,
        })
    }
}

impl ExportOptions {
    /// Parses `{include_artifacts}`: a boolean, absent or `null` meaning `false`.
    pub fn from_json(value: &Value) -> Result<ExportOptions> {
        Ok(ExportOptions { include_artifacts: Opts::new(value)?.boolean("include_artifacts")? })
    }
}

impl ListRuns {
    /// Parses `{status, limit}`; `limit` must be an integer ≥ 0 (0 means all).
    pub fn from_json(value: &Value) -> Result<ListRuns> {
        let o = Opts::new(value)?;
        Ok(ListRuns { status: o.one_of("status", RunStatus::parse)?, limit: o.store_limit()? })
    }
}

impl EventFilter {
    /// Parses `{run_id, type, since, after, before, limit, wait_timeout_ms}`. As in ASM's
    /// in-memory store, an `after`/`before` that is not an integer ≥ 0 and a `wait_timeout_ms`
    /// that is not a positive integer are ignored; a bad `limit` is rejected.
    pub fn from_json(value: &Value) -> Result<EventFilter> {
        let o = Opts::new(value)?;
        Ok(EventFilter {
            run_id: o.string("run_id")?,
            event_type: o.one_of("type", EventType::parse)?,
            since: o.timestamp("since")?,
            after: o.non_negative("after"),
            before: o.non_negative("before"),
            limit: o.store_limit()?,
            wait_timeout_ms: o
                .non_negative("wait_timeout_ms")
                .filter(|n| *n > 0)
                .map(|n| n.unsigned_abs()),
        })
    }
}

impl crate::live::Follow {
    /// Parses a subscription's `{from_sequence, type, run_id}` (`from_sequence` an integer
    /// ≥ 1, 1 when absent); each read waits `wait_ms` once caught up.
    pub fn from_json(value: &Value, wait_ms: u64) -> Result<crate::live::Follow> {
        let o = Opts::new(value)?;
        let from_sequence = match o.get("from_sequence") {
            None => 1,
            Some(v) => v
                .as_i64()
                .filter(|n| *n >= 1)
                .ok_or_else(|| Error::validation("from_sequence must be an integer >= 1"))?,
        };
        Ok(crate::live::Follow {
            from_sequence,
            event_type: o.one_of("type", EventType::parse)?,
            run_id: o.string("run_id")?,
            wait_ms,
        })
    }
}

impl FlushPayload {
    /// Parses `{session, run, events, provider_metadata?}`. A missing or malformed session, run
    /// or events list is `validation_error "invalid execution_result payload"`; an element of
    /// `events` that is not an event map is `validation_error "events must be Event structs"`
    /// (the reason is in `details.reason`). A `provider_metadata` that is not an object is
    /// ignored, as ASM's stores ignore it.
    pub fn from_json(value: &Value) -> Result<FlushPayload> {
        let invalid = |reason: Option<&Error>| {
            let e = Error::validation("invalid execution_result payload");
            match reason {
                Some(r) => e.detail("reason", r.message()),
                None => e,
            }
        };
        let map = value.as_object().ok_or_else(|| invalid(None))?;
        let session = map.get("session").ok_or_else(|| invalid(None))?;
        let session = Session::from_map(session).map_err(|e| invalid(Some(&e)))?;
        let run = map.get("run").ok_or_else(|| invalid(None))?;
        let run = Run::from_map(run).map_err(|e| invalid(Some(&e)))?;
        let Some(Value::Array(items)) = map.get("events") else {
            return Err(invalid(None));
        };
        let events = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                crate::event::Event::from_map(item).map_err(|e| {
                    let not_event =
                        Error::validation("events must be Event structs").detail("index", i);
                    if item.is_object() {
                        not_event.detail("reason", e.message())
                    } else {
                        not_event
                    }
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let provider_metadata = match map.get("provider_metadata") {
            Some(Value::Object(m)) => Some(m.clone()),
            _ => None,
        };
        Ok(FlushPayload { session, run, events, provider_metadata })
    }
}

impl SessionSearch {
    /// Parses the `search_sessions` options, validating limit then status as ASM does; the
    /// limit's range is checked later by `query::page_limit`.
    pub fn from_json(value: &Value) -> Result<SessionSearch> {
        let o = Opts::new(value)?;
        let limit = o.query_limit()?;
        let status = o.many_of("status", SessionStatus::parse)?;
        Ok(SessionSearch {
            agent_id: o.string("agent_id")?,
            status,
            provider: o.strings_or_one("provider")?,
            tags: o.strings("tags")?,
            created_after: o.timestamp("created_after")?,
            created_before: o.timestamp("created_before")?,
            include_deleted: o.boolean("include_deleted")?,
            order_by: o.get("order_by").map_or_else(SessionOrder::default, SessionOrder::from_json),
            limit,
            cursor: o.cursor()?,
        })
    }
}

impl RunSearch {
    /// Parses the `search_runs` options, validating limit, status, then `min_tokens` (a
    /// non-integer is `query_error`; a negative one is left to `query::check_min_tokens`).
    pub fn from_json(value: &Value) -> Result<RunSearch> {
        let o = Opts::new(value)?;
        let limit = o.query_limit()?;
        let status = o.many_of("status", RunStatus::parse)?;
        Ok(RunSearch {
            session_id: o.string("session_id")?,
            provider: o.string("provider")?,
            status,
            started_after: o.timestamp("started_after")?,
            started_before: o.timestamp("started_before")?,
            min_tokens: o.min_tokens()?,
            order_by: o.get("order_by").map_or_else(RunOrder::default, RunOrder::from_json),
            limit,
            cursor: o.cursor()?,
        })
    }
}

impl EventSearch {
    /// Parses the `search_events` / `count_events` options, validating limit then types.
    pub fn from_json(value: &Value) -> Result<EventSearch> {
        let o = Opts::new(value)?;
        let limit = o.query_limit()?;
        let types = o.many_of("types", EventType::parse)?;
        Ok(EventSearch {
            session_ids: o.strings("session_ids")?,
            run_ids: o.strings("run_ids")?,
            types,
            providers: o.strings("providers")?,
            since: o.timestamp("since")?,
            until: o.timestamp("until")?,
            correlation_id: o.string("correlation_id")?,
            order_by: o.get("order_by").map_or_else(EventOrder::default, EventOrder::from_json),
            limit,
            cursor: o.cursor()?,
        })
    }
}

impl UsageQuery {
    /// Parses `{session_id, provider, since, until}`.
    pub fn from_json(value: &Value) -> Result<UsageQuery> {
        let o = Opts::new(value)?;
        Ok(UsageQuery {
            session_id: o.string("session_id")?,
            provider: o.string("provider")?,
            since: o.timestamp("since")?,
            until: o.timestamp("until")?,
        })
    }
}

impl CostQuery {
    /// Parses `{session_id, agent_id, provider, since, until, pricing_table}`. The pricing table
    /// is read by [`PricingTable::from_json`]: ASM's shape, its legacy flat shape, or
    /// `{"providers": {...}}`.
    pub fn from_json(value: &Value) -> Result<CostQuery> {
        let o = Opts::new(value)?;
        let pricing_table = match o.get("pricing_table") {
            None => None,
            Some(table) => Some(PricingTable::from_json(table)?),
        };
        Ok(CostQuery {
            session_id: o.string("session_id")?,
            agent_id: o.string("agent_id")?,
            provider: o.string("provider")?,
            since: o.timestamp("since")?,
            until: o.timestamp("until")?,
            pricing_table,
        })
    }
}

impl crate::artifact::NewArtifact {
    /// Parses `register`'s input: an object whose text fields are strings or absent, `byte_size`
    /// an integer and `metadata` an object (anything else reads as `{}`). The registry itself
    /// checks which fields are required.
    pub fn from_json(value: &Value) -> Result<crate::artifact::NewArtifact> {
        let map =
            value.as_object().ok_or_else(|| Error::validation("artifact must be a JSON object"))?;
        let text = |key: &str| attr_text(map, key);
        let byte_size = attr_int(map, "byte_size")
            .map_err(|_| Error::validation("byte_size must be an integer"))?;
        Ok(crate::artifact::NewArtifact {
            id: text("id")?,
            session_id: text("session_id")?,
            run_id: text("run_id")?,
            key: text("key")?,
            content_type: text("content_type")?,
            byte_size,
            checksum_sha256: text("checksum_sha256")?,
            storage_backend: text("storage_backend")?,
            storage_ref: text("storage_ref")?,
            metadata: match map.get("metadata") {
                Some(Value::Object(m)) => m.clone(),
                _ => crate::json::JsonMap::new(),
            },
        })
    }
}

impl crate::event::Event {
    /// Parses a batch of events: a list of event maps, or `{"events": [...]}`. A bad element's
    /// error carries its `index`.
    pub fn list_from_json(value: &Value) -> Result<Vec<crate::event::Event>> {
        let items = match value {
            Value::Array(items) => items,
            Value::Object(m) => match m.get("events") {
                Some(Value::Array(items)) => items,
                _ => return Err(Error::validation("events must be a list")),
            },
            _ => return Err(Error::validation("events must be a list")),
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| Self::from_map(item).map_err(|e| e.detail("index", i)))
            .collect()
    }
}

/// The attribute object given to an entity constructor: an object, or `null` for none.
fn attrs_object(value: &Value) -> Result<crate::json::JsonMap> {
    match value {
        Value::Object(m) => Ok(m.clone()),
        Value::Null => Ok(crate::json::JsonMap::new()),
        _ => Err(Error::validation("attributes must be a JSON object")),
    }
}

/// An optional text attribute: absent or `null` is `None`, any other non-string is an error.
fn attr_text(map: &crate::json::JsonMap, key: &str) -> Result<Option<String>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::validation(format!("{key} must be a string"))),
    }
}

/// A map attribute: absent or `null` is `{}`, any other non-object is an error.
fn attr_map(map: &crate::json::JsonMap, key: &str) -> Result<crate::json::JsonMap> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(crate::json::JsonMap::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(Error::validation(format!("{key} must be a map"))),
    }
}

/// An optional integer attribute.
fn attr_int(map: &crate::json::JsonMap, key: &str) -> Result<Option<i64>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => crate::json::as_integer(v)
            .map(Some)
            .ok_or_else(|| Error::validation(format!("{key} must be an integer"))),
    }
}

impl crate::session::NewSession {
    /// `Session.new`'s attributes from JSON (`{id?, agent_id, parent_session_id?, metadata?,
    /// context?, tags?}`); `Session::new` then validates them as ASM does.
    pub fn from_json(value: &Value) -> Result<crate::session::NewSession> {
        let map = attrs_object(value)?;
        let tags = match map.get("tags") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|t| {
                    t.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| Error::validation("tags must be a list of strings"))
                })
                .collect::<Result<_>>()?,
            Some(_) => return Err(Error::validation("tags must be a list of strings")),
        };
        Ok(crate::session::NewSession {
            id: attr_text(&map, "id")?,
            agent_id: attr_text(&map, "agent_id")?,
            parent_session_id: attr_text(&map, "parent_session_id")?,
            metadata: attr_map(&map, "metadata")?,
            context: attr_map(&map, "context")?,
            tags,
        })
    }
}

impl crate::run::NewRun {
    /// `Run.new`'s attributes from JSON (`{id?, session_id, input?, metadata?}`).
    pub fn from_json(value: &Value) -> Result<crate::run::NewRun> {
        let map = attrs_object(value)?;
        Ok(crate::run::NewRun {
            id: attr_text(&map, "id")?,
            session_id: attr_text(&map, "session_id")?,
            input: map.get("input").filter(|v| !v.is_null()).cloned(),
            metadata: attr_map(&map, "metadata")?,
        })
    }
}

impl crate::event::NewEvent {
    /// `Event.new`'s attributes from JSON (`{id?, type, session_id, run_id?, data?, metadata?,
    /// sequence_number?, schema_version?, provider?, correlation_id?}`). An unknown `type` is
    /// `invalid_event_type`, as in ASM.
    pub fn from_json(value: &Value) -> Result<crate::event::NewEvent> {
        let map = attrs_object(value)?;
        let event_type = match attr_text(&map, "type")? {
            None => None,
            Some(name) => Some(EventType::from_name(&name)?),
        };
        Ok(crate::event::NewEvent {
            id: attr_text(&map, "id")?,
            event_type,
            session_id: attr_text(&map, "session_id")?,
            run_id: attr_text(&map, "run_id")?,
            data: attr_map(&map, "data")?,
            metadata: attr_map(&map, "metadata")?,
            sequence_number: attr_int(&map, "sequence_number")?,
            schema_version: attr_int(&map, "schema_version")?,
            provider: attr_text(&map, "provider")?,
            correlation_id: attr_text(&map, "correlation_id")?,
        })
    }
}
