//! Same-process wake-ups: an append tells the waiters of its session at once, so a long-poll in
//! the process that wrote does not wait for its next read.

use std::collections::HashMap;
use std::future::poll_fn;
use std::sync::{Mutex, MutexGuard};
use std::task::{Poll, Waker};

/// Append notifications by session id, kept only for sessions someone is watching (so the map
/// stays as small as the number of waiters, however many sessions are written).
#[derive(Debug, Default)]
pub struct AppendSignal {
    watched: Mutex<HashMap<String, Watched>>,
}

#[derive(Debug, Default)]
struct Watched {
    generation: u64,
    watchers: usize,
    wakers: Vec<Waker>,
}

impl AppendSignal {
    /// A new signal with no watchers.
    pub fn new() -> AppendSignal {
        AppendSignal::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Watched>> {
        // Every update is a counter bump or a waker list change: a panic elsewhere leaves it usable.
        self.watched.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts watching `session_id`. Take the watch *before* reading, so that an append landing
    /// between the read and the wait still wakes it.
    pub fn watch(&self, session_id: &str) -> Watch<'_> {
        let mut watched = self.lock();
        let entry = watched.entry(session_id.to_owned()).or_default();
        entry.watchers += 1;
        Watch { signal: self, session_id: session_id.to_owned(), seen: entry.generation }
    }

    /// Tells the watchers of `session_id` that events were appended to it.
    pub fn notify(&self, session_id: &str) {
        let wakers = match self.lock().get_mut(session_id) {
            Some(entry) => {
                entry.generation += 1;
                std::mem::take(&mut entry.wakers)
            }
            None => return,
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    /// How many sessions are being watched (for tests of the clean-up).
    pub fn watched_sessions(&self) -> usize {
        self.lock().len()
    }
}

/// One waiter's interest in a session; dropping it ends the interest.
#[derive(Debug)]
pub struct Watch<'a> {
    signal: &'a AppendSignal,
    session_id: String,
    seen: u64,
}

impl Watch<'_> {
    /// Resolves once an append to the session was notified after the last one this watch saw.
    pub async fn changed(&mut self) {
        poll_fn(|cx| {
            let mut watched = self.signal.lock();
            let Some(entry) = watched.get_mut(&self.session_id) else {
                return Poll::Ready(());
            };
            if entry.generation != self.seen {
                self.seen = entry.generation;
                return Poll::Ready(());
            }
            if !entry.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                entry.wakers.push(cx.waker().clone());
            }
            Poll::Pending
        })
        .await
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        let mut watched = self.signal.lock();
        if let Some(entry) = watched.get_mut(&self.session_id) {
            entry.watchers -= 1;
            if entry.watchers == 0 {
                watched.remove(&self.session_id);
            }
        }
    }
}
