//! Shared fixtures for the cases: entity builders over the case's env, and a way to turn a
//! store error into a case failure with `?`.

use asm_core::artifact::{Artifact, NewArtifact};
use asm_core::ports::{EventFilter, SessionStore};
use asm_core::{Env, Event, EventType, NewEvent, NewRun, NewSession, Run, Session, Timestamp};

/// Turns an `asm_core::Result` into a case failure that names the call.
pub(crate) trait OrFail<T> {
    /// `Ok` as is; an error becomes `"<what>: <error>"`.
    fn or_fail(self, what: &str) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> OrFail<T> for Result<T, E> {
    fn or_fail(self, what: &str) -> Result<T, String> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

/// A new session of `agent` with a generated id.
pub(crate) fn session(env: &Env, agent: &str) -> Result<Session, String> {
    Session::new(NewSession::for_agent(agent), env).or_fail("Session::new")
}

/// A new session with a chosen id.
pub(crate) fn session_with_id(env: &Env, id: &str, agent: &str) -> Result<Session, String> {
    Session::new(NewSession { id: Some(id.to_owned()), ..NewSession::for_agent(agent) }, env)
        .or_fail("Session::new")
}

/// A new pending run of `session_id`.
pub(crate) fn run(env: &Env, session_id: &str) -> Result<Run, String> {
    Run::new(NewRun::for_session(session_id), env).or_fail("Run::new")
}

/// A new run with a chosen id.
pub(crate) fn run_with_id(env: &Env, id: &str, session_id: &str) -> Result<Run, String> {
    Run::new(NewRun { id: Some(id.to_owned()), ..NewRun::for_session(session_id) }, env)
        .or_fail("Run::new")
}

/// A new session-level event.
pub(crate) fn event(env: &Env, event_type: EventType, session_id: &str) -> Result<Event, String> {
    Event::new(NewEvent::of(event_type, session_id), env).or_fail("Event::new")
}

/// A new event of a run.
pub(crate) fn run_event(
    env: &Env,
    event_type: EventType,
    session_id: &str,
    run_id: &str,
) -> Result<Event, String> {
    Event::new(
        NewEvent { run_id: Some(run_id.to_owned()), ..NewEvent::of(event_type, session_id) },
        env,
    )
    .or_fail("Event::new")
}

/// A new event with a chosen id.
pub(crate) fn event_with_id(
    env: &Env,
    id: &str,
    event_type: EventType,
    session_id: &str,
) -> Result<Event, String> {
    Event::new(NewEvent { id: Some(id.to_owned()), ..NewEvent::of(event_type, session_id) }, env)
        .or_fail("Event::new")
}

/// Registry attributes with every required field set.
pub(crate) fn artifact_attrs(key: &str, session_id: Option<&str>, byte_size: i64) -> NewArtifact {
    NewArtifact {
        session_id: session_id.map(str::to_owned),
        key: Some(key.to_owned()),
        content_type: Some("text/plain".to_owned()),
        byte_size: Some(byte_size),
        checksum_sha256: Some(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_owned(),
        ),
        storage_backend: Some("s3".to_owned()),
        storage_ref: Some(format!("s3://bucket/{key}")),
        ..NewArtifact::default()
    }
}

/// Ids of artifacts, in the given order.
pub(crate) fn artifact_ids(rows: &[Artifact]) -> Vec<String> {
    rows.iter().map(|a| a.id.clone()).collect()
}

/// Sequence numbers of events, in the given order.
pub(crate) fn seqs(events: &[Event]) -> Vec<i64> {
    events.iter().map(|e| e.sequence_number.unwrap_or(-1)).collect()
}

/// Types of events, in the given order.
pub(crate) fn types(events: &[Event]) -> Vec<EventType> {
    events.iter().map(|e| e.event_type).collect()
}

/// Ids of anything with an id, in the given order.
pub(crate) fn ids<T: HasId>(rows: &[T]) -> Vec<String> {
    rows.iter().map(|r| r.id().to_owned()).collect()
}

/// Ids sorted, for set comparisons.
pub(crate) fn sorted_ids<T: HasId>(rows: &[T]) -> Vec<String> {
    let mut v = ids(rows);
    v.sort();
    v
}

/// Entities with a string id.
pub(crate) trait HasId {
    /// The id.
    fn id(&self) -> &str;
}

impl HasId for Session {
    fn id(&self) -> &str {
        &self.id
    }
}

impl HasId for Run {
    fn id(&self) -> &str {
        &self.id
    }
}

impl HasId for Event {
    fn id(&self) -> &str {
        &self.id
    }
}

impl HasId for Artifact {
    fn id(&self) -> &str {
        &self.id
    }
}

/// All events of a session, unfiltered.
pub(crate) async fn all_events<S: SessionStore>(
    store: &S,
    session_id: &str,
) -> Result<Vec<Event>, String> {
    store.get_events(session_id, &EventFilter::default()).await.or_fail("get_events")
}

/// `base` moved by whole seconds.
pub(crate) fn secs(base: Timestamp, n: i64) -> Timestamp {
    base.add_micros(n * 1_000_000)
}
