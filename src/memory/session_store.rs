//! [`SessionStore`] for [`MemoryStore`].

use crate::error::{Error, ErrorCode, Result};
use crate::event::Event;
use crate::live::{DEFAULT_POLL_MS, LongPoll, wait_for_events};
use crate::ports::{EventFilter, FlushPayload, ListRuns, ListSessions, SessionStore};
use crate::run::Run;
use crate::session::Session;
use crate::status::RunStatus;

use super::MemoryStore;
use crate::validator::{validate_event, validate_run, validate_session};

/// `None` or 0 means "no limit".
fn take_limit<T>(rows: &mut Vec<T>, limit: Option<u32>) {
    if let Some(n) = limit.filter(|n| *n > 0) {
        rows.truncate(n as usize);
    }
}

impl SessionStore for MemoryStore {
    async fn save_session(&self, session: &Session) -> Result<()> {
        validate_session(session)?;
        self.state().sessions.insert(session.id.clone(), session.clone());
        Ok(())
    }

    async fn get_session(&self, session_id: &str) -> Result<Session> {
        self.state().sessions.get(session_id).cloned().ok_or_else(|| {
            Error::new(ErrorCode::SessionNotFound, format!("Session not found: {session_id}"))
        })
    }

    async fn list_sessions(&self, filter: &ListSessions) -> Result<Vec<Session>> {
        let mut sessions: Vec<Session> = self
            .state()
            .sessions
            .values()
            .filter(|s| filter.status.is_none_or(|st| s.status == st))
            .filter(|s| filter.agent_id.as_ref().is_none_or(|a| &s.agent_id == a))
            .cloned()
            .collect();
        sessions.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        take_limit(&mut sessions, filter.limit);
        Ok(sessions)
    }

    async fn delete_session(&self, session_id: &str) -> Result<()> {
        self.state().cascade_delete(session_id);
        Ok(())
    }

    async fn save_run(&self, run: &Run) -> Result<()> {
        validate_run(run)?;
        self.state().runs.insert(run.id.clone(), run.clone());
        Ok(())
    }

    async fn get_run(&self, run_id: &str) -> Result<Run> {
        self.state()
            .runs
            .get(run_id)
            .cloned()
            .ok_or_else(|| Error::new(ErrorCode::RunNotFound, format!("Run not found: {run_id}")))
    }

    async fn list_runs(&self, session_id: &str, filter: &ListRuns) -> Result<Vec<Run>> {
        let mut runs: Vec<Run> = self
            .state()
            .runs
            .values()
            .filter(|r| r.session_id == session_id)
            .filter(|r| filter.status.is_none_or(|st| r.status == st))
            .cloned()
            .collect();
        runs.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        take_limit(&mut runs, filter.limit);
        Ok(runs)
    }

    async fn get_active_run(&self, session_id: &str) -> Result<Option<Run>> {
        Ok(self
            .state()
            .runs
            .values()
            .filter(|r| r.session_id == session_id && r.status == RunStatus::Running)
            .max_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)))
            .cloned())
    }

    async fn append_event(&self, event: &Event) -> Result<()> {
        self.append_event_with_sequence(event).await.map(drop)
    }

    async fn append_event_with_sequence(&self, event: &Event) -> Result<Event> {
        let mut stored = self.append_events(std::slice::from_ref(event)).await?;
        stored.pop().ok_or_else(|| {
            Error::new(
                ErrorCode::StorageError,
                format!("append_event_with_sequence failed: event {} was not stored", event.id),
            )
        })
    }

    async fn append_events(&self, events: &[Event]) -> Result<Vec<Event>> {
        events.iter().try_for_each(validate_event)?;
        let (events, redacted) = self.redaction.apply(events);
        let stored = {
            let mut state = self.state();
            state.check_event_ids(&events)?;
            events.iter().map(|e| state.append(e)).collect()
        };
        self.redaction.report(&redacted);
        self.notify(&events);
        Ok(stored)
    }

    async fn flush(&self, payload: &FlushPayload) -> Result<()> {
        validate_session(&payload.session)?;
        validate_run(&payload.run)?;
        payload.events.iter().try_for_each(validate_event)?;
        let (events, redacted) = self.redaction.apply(&payload.events);
        {
            let mut state = self.state();
            state.check_event_ids(&events)?;
            for event in events.iter() {
                state.append(event);
            }
            state.sessions.insert(payload.session.id.clone(), payload.session.clone());
            state.runs.insert(payload.run.id.clone(), payload.run.clone());
        }
        self.redaction.report(&redacted);
        self.notify(&events);
        Ok(())
    }

    async fn get_events(&self, session_id: &str, filter: &EventFilter) -> Result<Vec<Event>> {
        let read = async || Ok(self.read_events(session_id, filter));
        let sleep = async |ms| match &self.timer {
            Some(timer) => {
                timer.sleep(ms).await;
                true
            }
            None => false,
        };
        let poll =
            LongPoll { wait_ms: filter.wait_timeout_ms.unwrap_or(0), poll_ms: DEFAULT_POLL_MS };
        wait_for_events(&self.signal, session_id, poll, &self.env, read, sleep).await
    }

    async fn get_latest_sequence(&self, session_id: &str) -> Result<i64> {
        Ok(self.state().counters.get(session_id).copied().unwrap_or(0))
    }
}

impl MemoryStore {
    /// Wakes the long-polls of every session `events` went to.
    fn notify(&self, events: &[Event]) {
        let sessions: std::collections::BTreeSet<&str> =
            events.iter().map(|e| e.session_id.as_str()).collect();
        sessions.into_iter().for_each(|s| self.signal.notify(s));
    }

    /// One read of `get_events`, under the lock and without waiting.
    fn read_events(&self, session_id: &str, filter: &EventFilter) -> Vec<Event> {
        let state = self.state();
        let seq = |e: &Event| e.sequence_number.unwrap_or(0);
        let mut events: Vec<Event> = state
            .log(session_id)
            .iter()
            .filter(|e| filter.run_id.as_ref().is_none_or(|r| e.run_id.as_ref() == Some(r)))
            .filter(|e| filter.event_type.is_none_or(|t| e.event_type == t))
            .filter(|e| filter.since.is_none_or(|t| e.timestamp >= t))
            .filter(|e| filter.after.is_none_or(|a| seq(e) > a))
            .filter(|e| filter.before.is_none_or(|b| seq(e) < b))
            .cloned()
            .collect();
        take_limit(&mut events, filter.limit);
        events
    }
}
