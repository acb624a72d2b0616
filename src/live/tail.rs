//! Subscriptions: a session's events from a sequence number on, backfilled from the store and
//! then followed live, in order, with no gap and no duplicate across the switch.
//!
//! The cursor is the last sequence number accounted for. Reads take every event after it
//! (filters are applied here, not in SQL), so a jump in the numbers can only mean that those
//! events were removed (retention prunes whole ranges and, with `prune_event_types_first`,
//! single types): the subscriber is told with [`TailItem::Pruned`], never handed a silent hole.
//! Sequence numbers commit in order per session (the counter row serialises the writers of a
//! session on every backend), so an event never appears behind one already read.

use std::collections::VecDeque;
use std::ops::Deref;

use crate::error::{Error, Result};
use crate::event::{Event, EventType};
use crate::ports::{EventFilter, SessionStore};

/// How many events one read of a tail takes at most.
pub const TAIL_PAGE: u32 = 100;

/// What a subscription starts from and keeps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Follow {
    /// The first sequence number wanted (1 for the whole log); resuming after the last event
    /// seen is `last + 1`.
    pub from_sequence: i64,
    /// Only events of exactly this type.
    pub event_type: Option<EventType>,
    /// Only events of this run.
    pub run_id: Option<String>,
    /// How long one read waits for new events once the backlog is delivered, in ms; each wait
    /// that ends empty yields [`TailItem::UpToDate`] again (a heartbeat).
    pub wait_ms: u64,
}

impl Follow {
    /// Every event from `from_sequence` on, waiting `wait_ms` per read once caught up.
    pub fn from(from_sequence: i64, wait_ms: u64) -> Follow {
        Follow { from_sequence, event_type: None, run_id: None, wait_ms }
    }

    /// Whether `e` passes the subscription's filters.
    pub fn matches(&self, e: &Event) -> bool {
        self.event_type.is_none_or(|t| e.event_type == t)
            && self.run_id.as_ref().is_none_or(|r| e.run_id.as_ref() == Some(r))
    }

    /// What a subscriber at `cursor` gets of `page` (every stored event after some cursor, in
    /// sequence order): the matching events past its cursor, a [`TailItem::Pruned`] before any
    /// jump in the numbers; `cursor` moves past every event, matching or not. Shared by [`Tail`]
    /// and fan-outs that read one page for many subscribers.
    pub fn deliver(&self, cursor: &mut i64, page: &[Event]) -> Vec<TailItem> {
        let mut items = Vec::new();
        for event in page {
            let sequence = event.sequence_number.unwrap_or(*cursor + 1);
            if sequence <= *cursor {
                continue;
            }
            if sequence > *cursor + 1 {
                items.push(TailItem::Pruned { from: *cursor + 1, first_stored: sequence });
            }
            *cursor = sequence;
            if self.matches(event) {
                items.push(TailItem::Event(event.clone()));
            }
        }
        items
    }
}

/// One step of a subscription.
#[derive(Debug, Clone, PartialEq)]
pub enum TailItem {
    /// The next matching event, in sequence order.
    Event(Event),
    /// Sequences `from..first_stored` are no longer stored (retention removed them); the tail
    /// goes on at `first_stored`.
    Pruned {
        /// The first missing sequence number.
        from: i64,
        /// The next sequence number still stored.
        first_stored: i64,
    },
    /// Every event up to `last_sequence` has been delivered; the tail is waiting for new ones.
    UpToDate {
        /// The last sequence number accounted for.
        last_sequence: i64,
    },
}

impl TailItem {
    /// The item as JSON for the JavaScript and HTTP hosts: `{"kind": "event", "event": <the
    /// event's wire map>}`, `{"kind": "pruned", "from", "first_stored"}` or
    /// `{"kind": "up-to-date", "last_sequence"}`.
    pub fn to_map(&self) -> serde_json::Value {
        match self {
            TailItem::Event(event) => {
                serde_json::json!({ "kind": "event", "event": event.to_map() })
            }
            TailItem::Pruned { from, first_stored } => {
                serde_json::json!({ "kind": "pruned", "from": from, "first_stored": first_stored })
            }
            TailItem::UpToDate { last_sequence } => {
                serde_json::json!({ "kind": "up-to-date", "last_sequence": last_sequence })
            }
        }
    }
}

/// A subscription to one session's log, pulled with [`Tail::next`] or used as a `Stream`
/// ([`Tail::into_stream`]). It owns (or borrows, with `&store`) its store.
#[derive(Debug)]
pub struct Tail<P> {
    store: P,
    session_id: String,
    follow: Follow,
    cursor: i64,
    queue: VecDeque<TailItem>,
    caught_up: bool,
}

impl<P: Deref> Tail<P>
where
    P::Target: SessionStore,
{
    /// A subscription to `session_id` from `follow.from_sequence` (at least 1).
    pub fn new(store: P, session_id: &str, follow: Follow) -> Result<Tail<P>> {
        if follow.from_sequence < 1 {
            return Err(Error::validation("from_sequence must be an integer >= 1"));
        }
        let cursor = follow.from_sequence - 1;
        Ok(Tail {
            store,
            session_id: session_id.to_owned(),
            follow,
            cursor,
            queue: VecDeque::new(),
            caught_up: false,
        })
    }

    /// Sets how long each read waits once caught up, e.g. the time left before a stream ends.
    pub fn set_wait_ms(&mut self, ms: u64) {
        self.follow.wait_ms = ms;
    }

    /// The last sequence number accounted for (delivered, skipped by the filters, or reported
    /// pruned): resume with `from_sequence = cursor + 1`.
    pub fn cursor(&self) -> i64 {
        self.cursor
    }

    /// The next item: an event, a pruned range, or (when a read finds nothing new) the
    /// up-to-date marker. Errors of the store end nothing: the next call reads again.
    pub async fn next(&mut self) -> Result<TailItem> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Ok(item);
            }
            let filter = EventFilter {
                after: Some(self.cursor),
                limit: Some(TAIL_PAGE),
                // The backlog is read at once; only a caught-up tail waits.
                wait_timeout_ms: self.caught_up.then_some(self.follow.wait_ms),
                ..EventFilter::default()
            };
            let page = self.store.get_events(&self.session_id, &filter).await?;
            if page.is_empty() {
                self.caught_up = true;
                return Ok(TailItem::UpToDate { last_sequence: self.cursor });
            }
            self.queue.extend(self.follow.deliver(&mut self.cursor, &page));
        }
    }

    /// The subscription as a `Stream` of its items; it never ends by itself (drop it to stop),
    /// and an error is one item, after which it reads again.
    pub fn into_stream(self) -> impl futures_core::Stream<Item = Result<TailItem>> {
        futures_util::stream::unfold(self, |mut tail| async move {
            let item = tail.next().await;
            Some((item, tail))
        })
    }
}
