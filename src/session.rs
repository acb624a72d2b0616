//! Session: one agent conversation, the root of runs and events.

use crate::error::{Result, require_text};
use crate::id::{Env, IdKind};
use crate::json::JsonMap;
use crate::status::SessionStatus;
use crate::time::Timestamp;

/// A session (`core/session.ex`).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// `ses_` + 32 hex unless the caller chose one.
    pub id: String,
    /// The agent that owns the session; never empty.
    pub agent_id: String,
    /// Current status; any status may follow any other.
    pub status: SessionStatus,
    /// The session this one was forked from; not checked for existence.
    pub parent_session_id: Option<String>,
    /// Free-form caller data.
    pub metadata: JsonMap,
    /// Shared context: system prompts, configuration.
    pub context: JsonMap,
    /// Labels, order kept; retention exempts sessions tagged with an exempt tag.
    pub tags: Vec<String>,
    /// Set once at creation.
    pub created_at: Timestamp,
    /// Bumped by every status change; the age that retention measures.
    pub updated_at: Timestamp,
    /// Set by soft-delete maintenance; a session with it set is soft-deleted.
    pub deleted_at: Option<Timestamp>,
}

/// What `Session::new` takes (ASM's `new/1` attributes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewSession {
    /// A caller-chosen id; generated when `None`.
    pub id: Option<String>,
    /// Required and non-empty.
    pub agent_id: Option<String>,
    /// The parent session, if any.
    pub parent_session_id: Option<String>,
    /// Initial metadata.
    pub metadata: JsonMap,
    /// Initial context.
    pub context: JsonMap,
    /// Initial tags.
    pub tags: Vec<String>,
}

impl NewSession {
    /// Attributes with only the agent set.
    pub fn for_agent(agent_id: impl Into<String>) -> NewSession {
        NewSession { agent_id: Some(agent_id.into()), ..NewSession::default() }
    }
}

impl Session {
    /// ASM's `Session.new/1`: validates `agent_id`, starts `pending`, stamps both times with one
    /// reading of the clock.
    pub fn new(attrs: NewSession, env: &Env) -> Result<Session> {
        let agent_id = require_text(attrs.agent_id, "agent_id")?;
        let id = env.chosen_or_new_id(attrs.id, IdKind::Session)?;
        let now = env.now();
        Ok(Session {
            id,
            agent_id,
            status: SessionStatus::Pending,
            parent_session_id: attrs.parent_session_id,
            metadata: attrs.metadata,
            context: attrs.context,
            tags: attrs.tags,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        })
    }

    /// ASM's `update_status/2`: any status from any status; always bumps `updated_at`.
    pub fn update_status(&mut self, status: SessionStatus, env: &Env) {
        self.status = status;
        self.updated_at = env.now();
    }
}
