//! The host side of the core's [`Env`](asm_core::Env): the OS clock and the OS CSPRNG.

use asm_core::{Clock, IdSource, RandomUnavailable, Timestamp};

/// The system wall clock, truncated to microseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let since_epoch =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        Timestamp::from_secs_nanos(since_epoch.as_secs() as i64, since_epoch.subsec_nanos())
    }
}

/// Random bytes from the operating system (getrandom), for `ses_`/`run_`/`evt_`/`art_` ids.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl IdSource for OsRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), RandomUnavailable> {
        getrandom::fill(buf).map_err(RandomUnavailable::new)
    }
}

/// An [`asm_core::Env`] over the system clock and the OS generator.
pub fn system_env() -> asm_core::Env {
    asm_core::Env::new(std::sync::Arc::new(SystemClock), std::sync::Arc::new(OsRandom))
}

/// The host's timer for long-polls: a pause under any executor (see [`pause`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemTimer;

impl asm_core::live::Timer for SystemTimer {
    fn sleep(&self, ms: u64) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(pause(ms))
    }
}

/// Waits `ms` milliseconds on futures-timer's helper thread, so the native executors can pause
/// under tokio or under a plain `block_on` alike.
pub async fn pause(ms: u64) {
    futures_timer::Delay::new(std::time::Duration::from_millis(ms)).await;
}
