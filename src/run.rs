//! Run: one execution inside a session (a prompt, its tool calls, its answer).

use serde_json::Value;

use crate::error::{Result, require_text};
use crate::id::{Env, IdKind};
use crate::json::JsonMap;
use crate::status::RunStatus;
use crate::time::Timestamp;

/// A run (`core/run.ex`).
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// `run_` + 32 hex unless the caller chose one.
    pub id: String,
    /// The owning session; not checked for existence.
    pub session_id: String,
    /// Current status; only `running` counts as active.
    pub status: RunStatus,
    /// The run's input, any JSON.
    pub input: Option<Value>,
    /// Set by [`Run::set_output`].
    pub output: Option<Value>,
    /// Set by [`Run::set_error`].
    pub error: Option<Value>,
    /// Free-form caller data.
    pub metadata: JsonMap,
    /// Conversation turns taken so far.
    pub turn_count: i64,
    /// `input_tokens`, `output_tokens`, `total_tokens`, cache counters.
    pub token_usage: JsonMap,
    /// A cost the provider reported; when absent, cost summaries price the usage.
    pub cost_usd: Option<f64>,
    /// Stamped at creation, even though the run is still pending.
    pub started_at: Timestamp,
    /// Stamped by every terminal status.
    pub ended_at: Option<Timestamp>,
    /// The AI provider that ran it (`claude`, `codex`, …).
    pub provider: Option<String>,
    /// Provider extras; `model` is what cost summaries price by.
    pub provider_metadata: JsonMap,
}

/// What `Run::new` takes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewRun {
    /// A caller-chosen id; generated when `None`.
    pub id: Option<String>,
    /// Required and non-empty.
    pub session_id: Option<String>,
    /// The run's input.
    pub input: Option<Value>,
    /// Initial metadata.
    pub metadata: JsonMap,
}

impl NewRun {
    /// Attributes with only the session set.
    pub fn for_session(session_id: impl Into<String>) -> NewRun {
        NewRun { session_id: Some(session_id.into()), ..NewRun::default() }
    }
}

impl Run {
    /// ASM's `Run.new/1`: validates `session_id`, starts `pending` with `started_at = now`.
    pub fn new(attrs: NewRun, env: &Env) -> Result<Run> {
        let session_id = require_text(attrs.session_id, "session_id")?;
        let id = env.chosen_or_new_id(attrs.id, IdKind::Run)?;
        Ok(Run {
            id,
            session_id,
            status: RunStatus::Pending,
            input: attrs.input,
            output: None,
            error: None,
            metadata: attrs.metadata,
            turn_count: 0,
            token_usage: JsonMap::new(),
            cost_usd: None,
            started_at: env.now(),
            ended_at: None,
            provider: None,
            provider_metadata: JsonMap::new(),
        })
    }

    /// ASM's `update_status/2`: a terminal status stamps `ended_at` (overwriting); others keep it.
    pub fn update_status(&mut self, status: RunStatus, env: &Env) {
        self.status = status;
        if status.is_terminal() {
            self.ended_at = Some(env.now());
        }
    }

    /// Completes the run with its output.
    pub fn set_output(&mut self, output: JsonMap, env: &Env) {
        self.output = Some(Value::Object(output));
        self.status = RunStatus::Completed;
        self.ended_at = Some(env.now());
    }

    /// Fails the run with an error map.
    pub fn set_error(&mut self, error: JsonMap, env: &Env) {
        self.error = Some(Value::Object(error));
        self.status = RunStatus::Failed;
        self.ended_at = Some(env.now());
    }

    /// One more turn.
    pub fn increment_turn(&mut self) {
        self.turn_count += 1;
    }

    /// Merges usage key by key: numbers are summed, anything else is replaced.
    pub fn update_token_usage(&mut self, usage: &JsonMap) {
        for (key, new) in usage {
            let merged = match (self.token_usage.get(key), new) {
                (Some(Value::Number(a)), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
                    (Some(x), Some(y)) => Value::from(x.saturating_add(y)),
                    _ => serde_json::Number::from_f64(
                        a.as_f64().unwrap_or(0.0) + b.as_f64().unwrap_or(0.0),
                    )
                    .map_or(Value::Null, Value::Number),
                },
                _ => new.clone(),
            };
            self.token_usage.insert(key.clone(), merged);
        }
    }
}
