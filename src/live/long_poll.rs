//! ASM's long-poll (`get_events` with `wait_timeout_ms`), one loop for every store.

use crate::error::Result;
use crate::event::Event;
use crate::id::Env;

use super::race::{Either, first_of};
use super::signal::AppendSignal;

/// How often a waiting long-poll reads again when no same-process append woke it: appends from
/// other processes (another Worker isolate, an Elixir node) are seen within this bound.
pub const DEFAULT_POLL_MS: u64 = 250;

/// The settings of one long-poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongPoll {
    /// How long to wait for a matching event, in milliseconds.
    pub wait_ms: u64,
    /// How often to read again while waiting.
    pub poll_ms: u64,
}

/// Reads; while the answer is empty and the wait has not passed, waits for an append to the
/// session (or the poll interval) and reads again. `sleep` is the host's timer and answers
/// `false` when the host cannot wait, which ends the poll at once with what was read.
///
/// The deadline is measured on the env's clock, and on the time slept as well, so a clock that
/// does not move cannot keep a caller waiting forever.
pub(crate) async fn wait_for_events(
    signal: &AppendSignal,
    session_id: &str,
    poll: LongPoll,
    env: &Env,
    mut read: impl AsyncFnMut() -> Result<Vec<Event>>,
    mut sleep: impl AsyncFnMut(u64) -> bool,
) -> Result<Vec<Event>> {
    let mut watch = signal.watch(session_id);
    let started = env.now();
    let mut slept = 0u64;
    loop {
        let events = read().await?;
        if !events.is_empty() || poll.wait_ms == 0 {
            return Ok(events);
        }
        let elapsed =
            u64::try_from((env.now().as_micros() - started.as_micros()) / 1000).unwrap_or(0);
        let remaining = poll.wait_ms.saturating_sub(elapsed.max(slept));
        if remaining == 0 {
            return Ok(events);
        }
        let step = remaining.min(poll.poll_ms.max(1));
        match first_of(watch.changed(), sleep(step)).await {
            Either::Left(()) => {}
            Either::Right(true) => slept += step,
            Either::Right(false) => return Ok(events),
        }
    }
}
