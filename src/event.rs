//! Event: one immutable entry of a session's append-only log.

use crate::error::{Error, ErrorCode, Result, require_text};
use crate::id::{Env, IdKind};
use crate::json::JsonMap;
use crate::time::Timestamp;

/// How ASM groups the event types (its category accessors; `usage` has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventGroup {
    /// Session lifecycle.
    Session,
    /// Run lifecycle.
    Run,
    /// Messages to and from the model.
    Message,
    /// Tool calls.
    Tool,
    /// Errors and recoveries.
    Error,
    /// Token usage and turns.
    Usage,
    /// Workspace snapshots and diffs.
    Workspace,
    /// Policy violations.
    Policy,
    /// Tool approvals.
    Approval,
}

macro_rules! event_types {
    ($( $group:ident: [ $( $variant:ident => $text:literal ),* $(,)? ] )*) => {
        /// The 28 event types, in ASM's `all_types` order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventType {
            $($(
                #[doc = concat!("`", $text, "`")]
                $variant,
            )*)*
        }

        impl EventType {
            /// All 28 types, in ASM's order.
            pub const ALL: &'static [EventType] = &[$($(EventType::$variant,)*)*];

            /// The name stored in SQL and sent on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($(EventType::$variant => $text,)*)* }
            }

            /// `Some` for one of the 28 names.
            pub fn parse(name: &str) -> Option<EventType> {
                match name { $($($text => Some(EventType::$variant),)*)* _ => None }
            }

            /// The group ASM files the type under.
            pub fn group(self) -> EventGroup {
                match self { $($(EventType::$variant => EventGroup::$group,)*)* }
            }
        }
    };
}

event_types! {
    Session: [
        SessionCreated => "session_created",
        SessionStarted => "session_started",
        SessionPaused => "session_paused",
        SessionResumed => "session_resumed",
        SessionCompleted => "session_completed",
        SessionFailed => "session_failed",
        SessionCancelled => "session_cancelled",
    ]
    Run: [
        RunStarted => "run_started",
        RunCompleted => "run_completed",
        RunFailed => "run_failed",
        RunCancelled => "run_cancelled",
        RunTimeout => "run_timeout",
    ]
    Message: [
        MessageSent => "message_sent",
        MessageReceived => "message_received",
        MessageStreamed => "message_streamed",
    ]
    Tool: [
        ToolCallStarted => "tool_call_started",
        ToolCallCompleted => "tool_call_completed",
        ToolCallFailed => "tool_call_failed",
    ]
    Error: [
        ErrorOccurred => "error_occurred",
        ErrorRecovered => "error_recovered",
    ]
    Usage: [
        TokenUsageUpdated => "token_usage_updated",
        TurnCompleted => "turn_completed",
    ]
    Workspace: [
        WorkspaceSnapshotTaken => "workspace_snapshot_taken",
        WorkspaceDiffComputed => "workspace_diff_computed",
    ]
    Policy: [
        PolicyViolation => "policy_violation",
    ]
    Approval: [
        ToolApprovalRequested => "tool_approval_requested",
        ToolApprovalGranted => "tool_approval_granted",
        ToolApprovalDenied => "tool_approval_denied",
    ]
}

impl EventType {
    /// The types of one group, in ASM's order.
    pub fn in_group(group: EventGroup) -> Vec<EventType> {
        EventType::ALL.iter().copied().filter(|t| t.group() == group).collect()
    }

    /// ASM's `Event.new` check: an unknown name is `invalid_event_type`.
    pub fn from_name(name: &str) -> Result<EventType> {
        EventType::parse(name).ok_or_else(|| {
            Error::new(ErrorCode::InvalidEventType, format!("Invalid event type: {name}"))
        })
    }

    /// `EventNormalizer.resolve_type`: a known name, else `error_occurred`.
    pub fn resolve(name: &str) -> EventType {
        EventType::parse(name).unwrap_or(EventType::ErrorOccurred)
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An event (`core/event.ex`).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `evt_` + 32 hex unless the caller chose one; unique across all sessions.
    pub id: String,
    /// What happened.
    pub event_type: EventType,
    /// When it happened.
    pub timestamp: Timestamp,
    /// The session whose log holds it; not checked for existence.
    pub session_id: String,
    /// The run it belongs to, if any.
    pub run_id: Option<String>,
    /// The payload.
    pub data: JsonMap,
    /// Extras (e.g. `_validation_warnings`).
    pub metadata: JsonMap,
    /// Assigned by the store on append; a caller's value is overwritten.
    pub sequence_number: Option<i64>,
    /// Payload schema version, ≥ 1.
    pub schema_version: i64,
    /// The provider that produced it; on the struct only, never in metadata.
    pub provider: Option<String>,
    /// Ties events of one request together across sessions.
    pub correlation_id: Option<String>,
}

/// What `Event::new` takes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewEvent {
    /// A caller-chosen id; generated when `None`.
    pub id: Option<String>,
    /// Required.
    pub event_type: Option<EventType>,
    /// Required and non-empty.
    pub session_id: Option<String>,
    /// The run, if any.
    pub run_id: Option<String>,
    /// The payload.
    pub data: JsonMap,
    /// Extras.
    pub metadata: JsonMap,
    /// Kept as given; stores overwrite it.
    pub sequence_number: Option<i64>,
    /// Defaults to 1; not validated here (ASM validates it only in `from_map`).
    pub schema_version: Option<i64>,
    /// The provider.
    pub provider: Option<String>,
    /// The correlation id.
    pub correlation_id: Option<String>,
}

impl NewEvent {
    /// Attributes with the two required fields set.
    pub fn of(event_type: EventType, session_id: impl Into<String>) -> NewEvent {
        NewEvent {
            event_type: Some(event_type),
            session_id: Some(session_id.into()),
            ..NewEvent::default()
        }
    }
}

impl Event {
    /// ASM's `Event.new/1`: type first, then session; the timestamp is always now.
    pub fn new(attrs: NewEvent, env: &Env) -> Result<Event> {
        let Some(event_type) = attrs.event_type else {
            return Err(Error::validation("type is required"));
        };
        let session_id = require_text(attrs.session_id, "session_id")?;
        let id = env.chosen_or_new_id(attrs.id, IdKind::Event)?;
        Ok(Event {
            id,
            event_type,
            timestamp: env.now(),
            session_id,
            run_id: attrs.run_id,
            data: attrs.data,
            metadata: attrs.metadata,
            sequence_number: attrs.sequence_number,
            schema_version: attrs.schema_version.unwrap_or(1),
            provider: attrs.provider,
            correlation_id: attrs.correlation_id,
        })
    }
}
