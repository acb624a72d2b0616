//! The conformance suite against the in-memory store: `cargo test -p asm-conformance --test memory`.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use asm_conformance::artifacts::{BlobHarness, run_blob_suite, run_composite_suite};
use asm_conformance::{Harness, RealTime};
use asm_core::Env;
use asm_core::live::Timer;
use asm_core::memory::{MemoryArtifactStore, MemoryStore};

struct Memory;

/// The test host's monotonic clock (the core never reads one: it takes time from its host).
#[allow(clippy::disallowed_methods)]
fn started() -> Instant {
    Instant::now()
}

/// Pauses on futures-timer's helper thread: the cases run under `block_on`, with no runtime.
#[derive(Debug)]
struct Clock(Instant);

impl Timer for Clock {
    fn sleep(&self, ms: u64) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(futures_timer::Delay::new(Duration::from_millis(ms)))
    }
}

impl RealTime for Clock {
    fn pause(&self, ms: u64) -> Pin<Box<dyn Future<Output = ()> + '_>> {
        Timer::sleep(self, ms)
    }
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}

impl Harness for Memory {
    type Store = MemoryStore;

    async fn fresh_store(&self, env: Env) -> Result<MemoryStore, String> {
        Ok(MemoryStore::new(env).with_timer(Arc::new(Clock(started()))))
    }

    fn real_time(&self) -> Option<Rc<dyn RealTime>> {
        Some(Rc::new(Clock(started())))
    }
}

/// Artifact bytes in memory.
struct MemoryBlobs;

impl BlobHarness for MemoryBlobs {
    type Blobs = MemoryArtifactStore;

    async fn fresh_blobs(&self, env: Env) -> Result<MemoryArtifactStore, String> {
        Ok(MemoryArtifactStore::new(env))
    }
}

fn main() {
    let report = futures::executor::block_on(asm_conformance::run_all("memory", &Memory));
    let blobs = futures::executor::block_on(run_blob_suite("memory", &MemoryBlobs));
    let composite =
        futures::executor::block_on(run_composite_suite("memory", &Memory, &MemoryBlobs));
    if !report.is_success() || blobs.is_err() || composite.is_err() {
        std::process::exit(1);
    }
}
