//! [`ArchiveAccess`] for [`MemoryStore`]: the reference the SQL store's statements follow.

use crate::error::Result;
use crate::event::Event;
use crate::ports::{
    ArchiveAccess, Removal, Removed, Restored, SessionSnapshot, restore_conflict,
    stored_as_archived,
};
use crate::retention::{PROTECTED_EVENT_TYPES, RetentionPolicy};
use crate::run::Run;
use crate::session::Session;
use crate::time::Timestamp;

use super::{MemoryStore, State};

/// Up to `limit` of `ids` (ascending) after `after`.
fn page(ids: impl Iterator<Item = String>, after: Option<&str>, limit: u64) -> Vec<String> {
    ids.filter(|id| after.is_none_or(|a| id.as_str() > a)).take(limit as usize).collect()
}

impl State {
    /// Restores one archived session after checking every event against what is stored.
    fn restore(
        &mut self,
        session_id: &str,
        session: Option<&Session>,
        runs: &[Run],
        events: &[Event],
    ) -> Result<Restored> {
        let mut new_events = Vec::new();
        for event in events {
            let stored = self.event_index.get(&event.id).map(|(s, n)| (s.as_str(), *n));
            if stored_as_archived(session_id, event, stored)? {
                continue;
            }
            let seq = event.sequence_number.unwrap_or(0);
            if self.log(session_id).iter().any(|e| e.sequence_number == Some(seq)) {
                return Err(restore_conflict(format!(
                    "sequence number {seq} of session {session_id} is held by another event \
                     than {}",
                    event.id
                )));
            }
            new_events.push(event);
        }
        let mut restored = Restored::default();
        if let Some(session) = session.filter(|s| !self.sessions.contains_key(&s.id)) {
            self.sessions.insert(session.id.clone(), session.clone());
            restored.sessions = 1;
        }
        for run in runs {
            if !self.runs.contains_key(&run.id) {
                self.runs.insert(run.id.clone(), run.clone());
                restored.runs += 1;
            }
        }
        if new_events.is_empty() {
            return Ok(restored);
        }
        let log = self.logs.entry(session_id.to_owned()).or_default();
        for event in &new_events {
            let seq = event.sequence_number.unwrap_or(0);
            self.event_index.insert(event.id.clone(), (session_id.to_owned(), seq));
            log.push((*event).clone());
        }
        log.sort_by_key(|e| e.sequence_number.unwrap_or(0));
        let max = new_events.iter().filter_map(|e| e.sequence_number).max().unwrap_or(0);
        let counter = self.counters.entry(session_id.to_owned()).or_insert(0);
        *counter = (*counter).max(max);
        restored.events = new_events.len() as u64;
        Ok(restored)
    }
}

impl ArchiveAccess for MemoryStore {
    async fn hard_delete_candidates(
        &self,
        cutoff: Timestamp,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<String>> {
        let state = self.state();
        let expired = state
            .sessions
            .values()
            .filter(|s| s.deleted_at.is_some_and(|d| d < cutoff))
            .map(|s| s.id.clone());
        Ok(page(expired, after, limit))
    }

    async fn prune_candidates(
        &self,
        policy: &RetentionPolicy,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<String>> {
        let Some(max) = policy.max_events_per_session.finite() else { return Ok(Vec::new()) };
        let state = self.state();
        let prunable = |e: &Event| {
            policy.prune_event_types_first.contains(&e.event_type)
                || !PROTECTED_EVENT_TYPES.contains(&e.event_type)
        };
        let over = state
            .logs
            .iter()
            .filter(|(_, log)| log.len() as i64 > max && log.iter().any(prunable))
            .map(|(id, _)| id.clone());
        Ok(page(over, after, limit))
    }

    async fn snapshot(&self, session_id: &str) -> Result<SessionSnapshot> {
        let state = self.state();
        let mut runs: Vec<Run> =
            state.runs.values().filter(|r| r.session_id == session_id).cloned().collect();
        runs.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        Ok(SessionSnapshot {
            session: state.sessions.get(session_id).cloned(),
            runs,
            events: state.log(session_id).to_vec(),
        })
    }

    async fn remove_archived(&self, session_id: &str, removal: Removal<'_>) -> Result<Removed> {
        let mut state = self.state();
        let (events, runs) = match removal {
            Removal::Events(events) => (events, None),
            Removal::Session { events, runs } => {
                let soft_deleted =
                    state.sessions.get(session_id).is_some_and(|s| s.deleted_at.is_some());
                if !soft_deleted {
                    return Ok(Removed::default());
                }
                (events, Some(runs))
            }
        };
        let present: Vec<String> = state
            .log(session_id)
            .iter()
            .filter(|e| events.contains(&e.id))
            .map(|e| e.id.clone())
            .collect();
        state.remove_events(session_id, &present);
        let mut removed = Removed { events: present.len() as u64, session: false };
        if let Some(runs) = runs {
            state.runs.retain(|id, r| r.session_id != session_id || !runs.contains(id));
            let left = !state.log(session_id).is_empty()
                || state.runs.values().any(|r| r.session_id == session_id);
            if !left {
                state.cascade_delete(session_id);
                removed.session = true;
            }
        }
        Ok(removed)
    }

    async fn restore_archived(
        &self,
        session_id: &str,
        session: Option<&Session>,
        runs: &[Run],
        events: &[Event],
    ) -> Result<Restored> {
        crate::archive::check_restore_input(session_id, session, runs, events)?;
        self.state().restore(session_id, session, runs, events)
    }
}
