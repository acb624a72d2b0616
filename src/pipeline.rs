//! Turning adapter output into stored events: EventBuilder, EventPipeline and ExecutionState
//! (`persistence/event_builder.ex`, `event_pipeline.ex`, `execution_state.ex`; docs/asm-v0.8/domain.md
//! §6.4–6.6).
//!
//! ASM also emits telemetry from these steps; the core has no telemetry (hosts can observe the
//! returned events and errors instead).

use serde_json::Value;

use crate::error::{Error, Result};
use crate::event::{Event, EventType, NewEvent};
use crate::id::Env;
use crate::json::JsonMap;
use crate::ports::{FlushPayload, SessionStore};
use crate::redactor::{RedactionConfig, redact};
use crate::run::Run;
use crate::session::Session;
use crate::time::Timestamp;
use crate::validator::{validate_event, validate_shape};

/// Metadata key under which shape warnings are stored (only when there are some).
pub const VALIDATION_WARNINGS_KEY: &str = "_validation_warnings";

/// Where built events belong and how they are treated.
#[derive(Debug, Clone, Default)]
pub struct BuildContext {
    /// The session every event is filed under; must not be empty.
    pub session_id: String,
    /// The run, if any.
    pub run_id: Option<String>,
    /// The provider, set on the event (never in its metadata).
    pub provider: Option<String>,
    /// Ties the events of one request together.
    pub correlation_id: Option<String>,
    /// Redaction settings, used as given (its `enabled` included). `None` means no redaction,
    /// which is what ASM's application config gives by default.
    pub redaction: Option<RedactionConfig>,
}

/// ASM's EventBuilder: normalises one raw adapter event into a validated, unsequenced [`Event`].
#[derive(Debug, Clone, Copy, Default)]
pub struct EventBuilder;

impl EventBuilder {
    /// Builds the event from `raw` (`{type, data, metadata, timestamp}`): an unknown or missing
    /// type becomes `error_occurred`, non-object `data`/`metadata` become `{}`, a valid ISO-8601
    /// `timestamp` replaces "now"; then redaction, validation, and shape warnings under
    /// `metadata._validation_warnings`. Nothing is persisted and `sequence_number` is `None`.
    pub fn process(raw: &Value, ctx: &BuildContext, env: &Env) -> Result<Event> {
        let field = |key: &str| raw.as_object().and_then(|m| m.get(key));
        let object = |key: &str| match field(key) {
            Some(Value::Object(m)) => m.clone(),
            _ => JsonMap::new(),
        };
        let event_type = field("type")
            .and_then(Value::as_str)
            .map_or(EventType::ErrorOccurred, EventType::resolve);
        let mut event = Event::new(
            NewEvent {
                event_type: Some(event_type),
                session_id: Some(ctx.session_id.clone()),
                run_id: ctx.run_id.clone(),
                data: object("data"),
                metadata: object("metadata"),
                provider: ctx.provider.clone(),
                correlation_id: ctx.correlation_id.clone(),
                ..NewEvent::default()
            },
            env,
        )?;
        if let Some(at) =
            field("timestamp").and_then(Value::as_str).and_then(Timestamp::parse_iso8601)
        {
            event.timestamp = at;
        }
        if let Some(config) = &ctx.redaction {
            event = redact(&event, config).event;
        }
        event.provider.clone_from(&ctx.provider);
        event.correlation_id.clone_from(&ctx.correlation_id);
        validate_event(&event)?;
        let warnings = validate_shape(event.event_type, &event.data);
        if !warnings.is_empty() {
            event.metadata.insert(VALIDATION_WARNINGS_KEY.to_owned(), warnings.into());
        }
        Ok(event)
    }
}

/// ASM's EventPipeline: build, then persist with a sequence number.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventPipeline;

impl EventPipeline {
    /// Builds one event and appends it with `append_event_with_sequence`; returns it as stored.
    /// A `raw` that is not an object is `validation_error "raw event data must be a map"`.
    pub async fn process<S: SessionStore>(
        store: &S,
        raw: &Value,
        ctx: &BuildContext,
        env: &Env,
    ) -> Result<Event> {
        let event = build(raw, ctx, env)?;
        store.append_event_with_sequence(&event).await
    }

    /// Builds every event first — the first failure rejects the whole batch and nothing is
    /// persisted — then appends them with `append_events`, returning them as stored.
    pub async fn process_batch<S: SessionStore>(
        store: &S,
        raws: &[Value],
        ctx: &BuildContext,
        env: &Env,
    ) -> Result<Vec<Event>> {
        let events = raws.iter().map(|raw| build(raw, ctx, env)).collect::<Result<Vec<_>>>()?;
        if events.is_empty() {
            return Ok(Vec::new());
        }
        store.append_events(&events).await
    }
}

fn build(raw: &Value, ctx: &BuildContext, env: &Env) -> Result<Event> {
    if !raw.is_object() {
        return Err(Error::validation("raw event data must be a map"));
    }
    EventBuilder::process(raw, ctx, env)
}

/// ASM's ExecutionState: what one execution accumulates before it is flushed in one go.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionState {
    /// The session being executed.
    pub session: Session,
    /// The run being executed.
    pub run: Run,
    /// Events recorded so far, in order; not yet sequenced.
    pub events: Vec<Event>,
    /// Provider extras gathered along the way.
    pub provider_metadata: JsonMap,
    /// How many events were recorded (never written into the events).
    pub sequence_counter: u64,
}

impl ExecutionState {
    /// A state with no events and no provider metadata.
    pub fn new(session: Session, run: Run) -> ExecutionState {
        ExecutionState {
            session,
            run,
            events: Vec::new(),
            provider_metadata: JsonMap::new(),
            sequence_counter: 0,
        }
    }

    /// Records an event and bumps the counter; the event's `sequence_number` is left alone
    /// (the store assigns it at flush).
    pub fn append_event(&mut self, event: Event) {
        self.events.push(event);
        self.sequence_counter += 1;
    }

    /// The recorded events, in append order.
    pub fn finalized_events(&self) -> &[Event] {
        &self.events
    }

    /// Shallow-merges `metadata` into the provider metadata (new keys win).
    pub fn cache_provider_metadata(&mut self, metadata: &JsonMap) {
        for (k, v) in metadata {
            self.provider_metadata.insert(k.clone(), v.clone());
        }
    }

    /// Applies `f` to the session.
    pub fn update_session(&mut self, f: impl FnOnce(&mut Session)) {
        f(&mut self.session);
    }

    /// Applies `f` to the run.
    pub fn update_run(&mut self, f: impl FnOnce(&mut Run)) {
        f(&mut self.run);
    }

    /// The flush payload: session, run, events and provider metadata.
    pub fn to_result(&self) -> FlushPayload {
        FlushPayload {
            session: self.session.clone(),
            run: self.run.clone(),
            events: self.events.clone(),
            provider_metadata: Some(self.provider_metadata.clone()),
        }
    }
}
