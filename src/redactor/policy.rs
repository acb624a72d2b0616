//! The store-level redaction policy: a store made `with_redaction` runs [`redact`] over every
//! event it writes (`append_event`, `append_event_with_sequence`, `append_events`, `flush`)
//! before the event is encoded, and tells the host what it replaced through a hook.
//!
//! The write itself is unchanged (the same statements, in the same batch): redaction only
//! changes the values the store binds. The hook runs after the write succeeded, so a host
//! never reports redactions of a write that stored nothing.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Value, json};

use super::{RedactionConfig, redact};
use crate::event::Event;

/// What redaction changed in one event of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRedaction {
    /// The event's id.
    pub event_id: String,
    /// The event's session.
    pub session_id: String,
    /// How many matches were replaced (at least 1).
    pub redaction_count: usize,
    /// Top-level keys of `data` (and `metadata`) whose value changed, sorted.
    pub fields_redacted: Vec<String>,
}

impl EventRedaction {
    /// `{"event_id", "session_id", "redaction_count", "fields_redacted"}`: how the JSON hosts
    /// hand it to their callers.
    pub fn to_json(&self) -> Value {
        json!({
            "event_id": self.event_id,
            "session_id": self.session_id,
            "redaction_count": self.redaction_count,
            "fields_redacted": self.fields_redacted,
        })
    }
}

/// What redaction changed in one session's events of a write: the sum of its events'
/// [`EventRedaction`]s, which is what a host logs per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRedaction {
    /// The session.
    pub session_id: String,
    /// Matches replaced over the session's events.
    pub redaction_count: usize,
    /// Union of the events' changed fields, sorted.
    pub fields_redacted: Vec<String>,
}

impl SessionRedaction {
    /// `{"session_id", "count", "fields"}`: the Worker's `asm_redaction` log record.
    pub fn to_json(&self) -> Value {
        json!({
            "session_id": self.session_id,
            "count": self.redaction_count,
            "fields": self.fields_redacted,
        })
    }
}

/// Called once per successful write that redacted something, with one entry per changed event
/// (input order, a repeated id once).
pub type RedactionHook = Arc<dyn Fn(&[EventRedaction]) + Send + Sync>;

/// Whether and how a store redacts the events it writes; the default redacts nothing, as ASM.
#[derive(Clone, Default)]
pub struct RedactionPolicy {
    config: Option<RedactionConfig>,
    hook: Option<RedactionHook>,
}

impl std::fmt::Debug for RedactionPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedactionPolicy")
            .field("config", &self.config)
            .field("hook", &self.hook.is_some())
            .finish()
    }
}

impl RedactionPolicy {
    /// The policy with `config` (its `enabled` decides whether anything is replaced).
    pub fn with_config(mut self, config: RedactionConfig) -> RedactionPolicy {
        self.config = Some(config);
        self
    }

    /// The policy with `hook` told of every write's redactions (replacing an earlier hook).
    pub fn with_hook(mut self, hook: RedactionHook) -> RedactionPolicy {
        self.hook = Some(hook);
        self
    }

    /// The configuration, when one was set.
    pub fn config(&self) -> Option<&RedactionConfig> {
        self.config.as_ref()
    }

    /// Whether events are scanned at all.
    pub fn is_enabled(&self) -> bool {
        self.config.as_ref().is_some_and(|c| c.enabled)
    }

    /// The events as they are to be stored, and what changed: `events` themselves (borrowed)
    /// when the policy is off or nothing matched.
    pub fn apply<'a>(&self, events: &'a [Event]) -> (Cow<'a, [Event]>, Vec<EventRedaction>) {
        let Some(config) = self.config.as_ref().filter(|c| c.enabled) else {
            return (Cow::Borrowed(events), Vec::new());
        };
        let mut out = Vec::with_capacity(events.len());
        let mut changes = Vec::new();
        let mut seen = HashSet::new();
        for event in events {
            let done = redact(event, config);
            // A repeated id is a copy of its first element (event_ids): redacted alike, counted once.
            if done.redaction_count > 0 && seen.insert(event.id.as_str()) {
                changes.push(EventRedaction {
                    event_id: event.id.clone(),
                    session_id: event.session_id.clone(),
                    redaction_count: done.redaction_count,
                    fields_redacted: done.fields_redacted,
                });
            }
            out.push(done.event);
        }
        if changes.is_empty() {
            return (Cow::Borrowed(events), changes);
        }
        (Cow::Owned(out), changes)
    }

    /// Tells the hook (if any) what a successful write redacted; nothing when it redacted nothing.
    pub fn report(&self, changes: &[EventRedaction]) {
        if let (Some(hook), false) = (&self.hook, changes.is_empty()) {
            hook(changes);
        }
    }
}

/// Per-session sums of `changes`, in session-id order.
pub fn by_session(changes: &[EventRedaction]) -> Vec<SessionRedaction> {
    let mut sessions: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for change in changes {
        let entry = sessions.entry(change.session_id.as_str()).or_default();
        entry.0 += change.redaction_count;
        entry.1.extend(change.fields_redacted.iter().map(String::as_str));
    }
    sessions
        .into_iter()
        .map(|(session_id, (redaction_count, fields))| SessionRedaction {
            session_id: session_id.to_owned(),
            redaction_count,
            fields_redacted: fields.into_iter().map(str::to_owned).collect(),
        })
        .collect()
}

/// A hook that keeps what it is told until the host takes it: for hosts that report after
/// each call (the Worker's log line, npm's callback, the component's export). Clones share
/// one log.
#[derive(Debug, Clone, Default)]
pub struct RedactionLog {
    entries: Arc<Mutex<Vec<EventRedaction>>>,
}

impl RedactionLog {
    /// A hook appending to this log, for [`RedactionPolicy::with_hook`].
    pub fn hook(&self) -> RedactionHook {
        let entries = Arc::clone(&self.entries);
        Arc::new(move |changes: &[EventRedaction]| {
            entries.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(changes);
        })
    }

    /// Everything logged since the last `take`, emptying the log.
    pub fn take(&self) -> Vec<EventRedaction> {
        std::mem::take(&mut *self.entries.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
