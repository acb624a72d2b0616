//! The in-memory store: ASM's reference semantics with no database behind them.
//!
//! [`MemoryStore`] implements all four ports over plain maps behind one [`Mutex`]. It is what a
//! browser user gets without SQL, and the store the conformance suite treats as the reference.
//! It follows the same decisions as the SQL store (see `docs/compatibility.md`): an event id
//! belongs to one session and one content ([`crate::event_ids`]), `delete_session` cascades,
//! lists come back in a fixed order, and every write is all or nothing.
//!
//! Locking: each port method takes the lock once, does all its work synchronously and releases
//! it before returning, so no guard ever lives across an `.await`. A write validates everything
//! first and only then mutates, so a batch either lands whole or not at all.

mod archive;
mod artifacts;
mod blobs;
mod maintenance;
mod query_api;
mod session_store;

pub use blobs::MemoryArtifactStore;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::artifact::Artifact;
use crate::event::Event;
use crate::id::Env;
use crate::live::{AppendSignal, Timer};
use crate::redactor::{RedactionConfig, RedactionHook, RedactionPolicy};
use crate::run::Run;
use crate::session::Session;

/// A store that keeps everything in memory, for one process.
///
/// Cheap to create; data lives as long as the value. Safe to share across threads (all state
/// sits behind one mutex); the clock and ids come from the [`Env`] it was made with.
#[derive(Debug)]
pub struct MemoryStore {
    env: Env,
    state: Mutex<State>,
    signal: AppendSignal,
    timer: Option<Arc<dyn Timer>>,
    redaction: RedactionPolicy,
}

impl MemoryStore {
    /// An empty store that reads time and ids from `env`. Its long-polls answer at once until
    /// it is given a timer ([`MemoryStore::with_timer`]).
    pub fn new(env: Env) -> MemoryStore {
        MemoryStore {
            env,
            state: Mutex::new(State::default()),
            signal: AppendSignal::new(),
            timer: None,
            redaction: RedactionPolicy::default(),
        }
    }

    /// The same store with the host's timer, so that `get_events` with `wait_timeout_ms` waits
    /// for an append (or the timeout) as ASM's in-memory store does.
    pub fn with_timer(mut self, timer: Arc<dyn Timer>) -> MemoryStore {
        self.timer = Some(timer);
        self
    }

    /// The same store redacting every event it writes with `config` before storing it, as
    /// [`crate::sql::SqlStore::with_redaction`] does; off until set.
    pub fn with_redaction(mut self, config: RedactionConfig) -> MemoryStore {
        self.redaction = self.redaction.with_config(config);
        self
    }

    /// The same store telling `hook` what each successful write redacted.
    pub fn on_redaction(mut self, hook: RedactionHook) -> MemoryStore {
        self.redaction = self.redaction.with_hook(hook);
        self
    }

    /// The lock, even after a panic elsewhere: every mutation is computed before it is applied,
    /// so a poisoned state is still a consistent one.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Everything the store holds.
#[derive(Debug, Default, Clone)]
struct State {
    /// Sessions by id.
    sessions: BTreeMap<String, Session>,
    /// Runs by id.
    runs: BTreeMap<String, Run>,
    /// Each session's log, in ascending sequence order.
    logs: BTreeMap<String, Vec<Event>>,
    /// Every stored event id (all sessions) → its session and sequence number.
    event_index: HashMap<String, (String, i64)>,
    /// Per session, the highest sequence number ever handed out.
    counters: BTreeMap<String, i64>,
    /// Artifact rows by id, soft-deleted ones included.
    artifacts: BTreeMap<String, Artifact>,
}

impl State {
    /// The stored event with this id, in whichever session holds it.
    fn stored_event(&self, id: &str) -> Option<&Event> {
        let (session_id, seq) = self.event_index.get(id)?;
        let log = self.logs.get(session_id)?;
        let at = log.binary_search_by_key(seq, |e| e.sequence_number.unwrap_or(0)).ok()?;
        log.get(at)
    }

    /// The event-id rules of [`crate::event_ids`] for a whole call, checked before anything is
    /// written: within the call, then against the stored events.
    fn check_event_ids(&self, events: &[Event]) -> crate::error::Result<()> {
        crate::event_ids::check_repeats(events)?;
        let found = events.iter().filter_map(|e| self.stored_event(&e.id).map(|s| (e, s)));
        crate::event_ids::refuse_clashes(found, false)
    }

    /// Appends one event of a call that passed [`crate::validator::validate_event`] and
    /// [`State::check_event_ids`]: an id already stored comes back as stored (no write, no
    /// sequence consumed); otherwise the next sequence number of its session is assigned,
    /// overwriting the caller's.
    fn append(&mut self, event: &Event) -> Event {
        if let Some(stored) = self.stored_event(&event.id) {
            return stored.clone();
        }
        let counter = self.counters.entry(event.session_id.clone()).or_insert(0);
        *counter += 1;
        let mut stored = event.clone();
        stored.sequence_number = Some(*counter);
        self.event_index.insert(stored.id.clone(), (stored.session_id.clone(), *counter));
        self.logs.entry(stored.session_id.clone()).or_default().push(stored.clone());
        stored
    }

    /// Removes a session with its events, runs, artifacts and sequence counter.
    fn cascade_delete(&mut self, session_id: &str) {
        if let Some(log) = self.logs.remove(session_id) {
            for event in log {
                self.event_index.remove(&event.id);
            }
        }
        self.runs.retain(|_, run| run.session_id != session_id);
        self.artifacts.retain(|_, a| a.session_id.as_deref() != Some(session_id));
        self.counters.remove(session_id);
        self.sessions.remove(session_id);
    }

    /// Removes the events with these ids from one session's log (the counter is untouched).
    fn remove_events(&mut self, session_id: &str, ids: &[String]) {
        if let Some(log) = self.logs.get_mut(session_id) {
            log.retain(|e| !ids.contains(&e.id));
            if log.is_empty() {
                self.logs.remove(session_id);
            }
        }
        for id in ids {
            self.event_index.remove(id);
        }
    }

    /// Events of one session, ascending sequence (empty for an unknown session).
    fn log(&self, session_id: &str) -> &[Event] {
        self.logs.get(session_id).map_or(&[], Vec::as_slice)
    }
}
