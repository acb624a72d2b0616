//! The live tail: long-polls and subscriptions that follow a session's event log by sequence
//! number.
//!
//! The cursor is the durable per-session sequence number, so a follower that reconnects resumes
//! with no gap and no duplicate. Appends in the same process wake waiters at once through an
//! [`AppendSignal`]; appends from other processes are seen by reading again at a bounded interval
//! on the host's timer. The core owns no timer: the store asks its host for each pause.

mod long_poll;
mod race;
mod signal;
mod sse;
mod tail;

pub(crate) use long_poll::wait_for_events;
pub use long_poll::{DEFAULT_POLL_MS, LongPoll};
pub use race::{Either, first_of};
pub use signal::{AppendSignal, Watch};
pub use sse::{SseFrame, read_sse_frame, resume_after, sse_frame, sse_preamble};
pub use tail::{Follow, TAIL_PAGE, Tail, TailItem};

use std::future::Future;
use std::pin::Pin;

/// The host's timer, for a store that has no executor to ask (the in-memory store).
pub trait Timer: Send + Sync + std::fmt::Debug {
    /// A future that is ready about `ms` milliseconds from now.
    fn sleep(&self, ms: u64) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}
