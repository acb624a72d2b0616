//! The conformance suite: named cases from the ASM spec, run unchanged against every store.
//!
//! A case is an async function over a fresh [`Ctx`] (a store plus its clock and env). Its id
//! names the spec behaviour it checks: `domain_7_6_81_…` is behaviour 81 of `docs/asm-v0.8/domain.md` §7.6,
//! `sql_8_42_…` behaviour 42 of `docs/asm-v0.8/sql.md` §8. `manifest.txt` lists every id; a host runs
//! [`run_all`], which prints each id with its outcome and the closing line
//! `conformance <host>: N passed, M failed`, and writes the ids to
//! `conformance-results/<host>.txt`.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use asm_core::{Env, SeededIds, SteppingClock, Timestamp};

pub mod artifacts;
pub mod cases;
mod check;

pub use check::{CaseResult, ensure, ensure_eq, expect_code};

pub use asm_core::ports::Store;

/// What a host gives the suite: a way to make a fresh, empty store.
#[allow(async_fn_in_trait)]
pub trait Harness {
    /// The store under test.
    type Store: Store;
    /// A new store with no data, using `env` for time and ids.
    async fn fresh_store(&self, env: Env) -> Result<Self::Store, String>;
    /// The host's real time, for the long-poll cases; a host whose store cannot block gives
    /// none and lists those cases as not applicable.
    fn real_time(&self) -> Option<Rc<dyn RealTime>> {
        None
    }
}

/// Real time on the host running the cases: the long-poll cases pause a writer beside a
/// blocked reader and time how long the reader waited.
pub trait RealTime {
    /// Waits about `ms` milliseconds.
    fn pause(&self, ms: u64) -> Pin<Box<dyn Future<Output = ()> + '_>>;
    /// Milliseconds on a monotonic clock.
    fn now_ms(&self) -> f64;
}

/// Everything a case gets: its own empty store and the clock behind it.
pub struct Ctx<S> {
    /// The store under test.
    pub store: S,
    /// The env the store was made with (build entities with it).
    pub env: Env,
    /// The clock behind `env`: 1 ms per reading from [`START`], movable by the case.
    pub clock: Arc<SteppingClock>,
    /// The host's real time, when its store can block.
    pub real_time: Option<Rc<dyn RealTime>>,
}

/// The first reading of every case's clock: 2025-01-27T12:00:00Z.
pub const START: Timestamp = Timestamp::from_micros(1_737_979_200_000_000);

/// A boxed case future (not `Send`: the ports' futures need not be).
pub type CaseFuture<'a> = Pin<Box<dyn Future<Output = CaseResult> + 'a>>;

/// One named case.
pub struct Case<S> {
    /// The spec-derived id.
    pub id: &'static str,
    /// The case body.
    pub run: for<'a> fn(&'a Ctx<S>) -> CaseFuture<'a>,
}

/// Declares a list of cases from async functions generic over the store.
#[macro_export]
macro_rules! case_list {
    ($($name:ident),* $(,)?) => {
        vec![$($crate::Case { id: stringify!($name), run: |cx| Box::pin($name(cx)) }),*]
    };
}

/// Every case, in manifest order.
pub fn all_cases<S: Store>() -> Vec<Case<S>> {
    cases::all()
}

/// The ids every host must run.
pub const MANIFEST: &str = include_str!("../manifest.txt");

/// The manifest's ids.
pub fn manifest_ids() -> Vec<&'static str> {
    MANIFEST.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
}

/// What one host's run gave.
#[derive(Debug, Default)]
pub struct Report {
    /// Ids of passing cases.
    pub passed: Vec<&'static str>,
    /// Ids of failing cases with why.
    pub failed: Vec<(&'static str, String)>,
}

impl Report {
    /// True when every case passed and the ids equal the manifest.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
    }
}

/// The seed of a run: `ASM_TEST_SEED`, or a fixed default.
pub fn seed_from_env() -> u64 {
    std::env::var("ASM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SEED)
}

/// The seed when `ASM_TEST_SEED` is not set.
pub const DEFAULT_SEED: u64 = 0x5eed;

/// Runs case number `index` of a run seeded with `seed` against a fresh store from `harness`:
/// its clock starts at [`START`] and its ids come from `seed + index`, so every host sees the
/// same ids and times. For hosts that drive the cases one at a time (the npm package's tests).
pub async fn run_case<H: Harness>(
    harness: &H,
    case: &Case<H::Store>,
    seed: u64,
    index: usize,
) -> CaseResult {
    let clock = Arc::new(SteppingClock::new(START, 1_000));
    let env = Env::new(clock.clone(), Arc::new(SeededIds::new(seed.wrapping_add(index as u64))));
    match harness.fresh_store(env.clone()).await {
        Ok(store) => (case.run)(&Ctx { store, env, clock, real_time: harness.real_time() }).await,
        Err(e) => Err(format!("could not make a fresh store: {e}")),
    }
}

/// Runs every case against fresh stores from `harness`, printing each id and the closing line,
/// and writes the ids run to `conformance-results/<host>.txt` (under `CONFORMANCE_RESULTS_DIR`
/// when set, else the current directory).
///
/// A case list that differs from the manifest counts as a failure, so no case can go missing.
pub async fn run_all<H: Harness>(host: &str, harness: &H) -> Report {
    run_all_with(host, harness, &[]).await
}

/// [`run_all`] for a host on which some cases cannot apply (each listed with why, e.g. in
/// `docs/compatibility.md`). Those cases are not run: each prints as `n/a` with its
/// reason, the closing line adds `, K not applicable`, and their ids go to
/// `conformance-results/<host>.not-applicable.txt` (so run + not applicable = the manifest).
/// An id that is not in the manifest is a failure.
pub async fn run_all_with<H: Harness>(
    host: &str,
    harness: &H,
    not_applicable: &[(&str, &str)],
) -> Report {
    let seed = seed_from_env();
    println!("conformance {host}: seed {seed} (set ASM_TEST_SEED to change)");
    let mut report = Report::default();
    let cases = all_cases::<H::Store>();
    let ids: Vec<&str> = cases.iter().map(|c| c.id).collect();
    let manifest = manifest_ids();
    if ids != manifest {
        let missing: Vec<_> = manifest.iter().filter(|m| !ids.contains(m)).collect();
        let extra: Vec<_> = ids.iter().filter(|i| !manifest.contains(i)).collect();
        report.failed.push((
            "manifest",
            format!("case list differs from manifest.txt (or its order): missing {missing:?}, extra {extra:?}"),
        ));
    }
    for (id, _) in not_applicable {
        if !manifest.contains(id) {
            report.failed.push((
                "not-applicable",
                format!("{id} is listed as not applicable but is not in the manifest"),
            ));
        }
    }
    let mut skipped = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        if let Some((_, why)) = not_applicable.iter().find(|(id, _)| *id == case.id) {
            println!("  n/a  {host} {}: {why}", case.id);
            skipped.push(case.id);
            continue;
        }
        match run_case(harness, case, seed, i).await {
            Ok(()) => {
                println!("  ok   {host} {}", case.id);
                report.passed.push(case.id);
            }
            Err(why) => {
                println!("  FAIL {host} {}: {why}", case.id);
                report.failed.push((case.id, why));
            }
        }
    }
    let dir = std::env::var("CONFORMANCE_RESULTS_DIR")
        .unwrap_or_else(|_| "conformance-results".to_owned());
    let _ = std::fs::create_dir_all(&dir);
    let listing: String =
        cases.iter().filter(|c| !skipped.contains(&c.id)).map(|c| format!("{}\n", c.id)).collect();
    if let Err(e) = std::fs::write(format!("{dir}/{host}.txt"), listing) {
        report.failed.push(("results-file", format!("could not write {dir}/{host}.txt: {e}")));
    }
    if skipped.is_empty() {
        println!(
            "conformance {host}: {} passed, {} failed",
            report.passed.len(),
            report.failed.len()
        );
    } else {
        let listing: String = skipped.iter().map(|id| format!("{id}\n")).collect();
        if let Err(e) = std::fs::write(format!("{dir}/{host}.not-applicable.txt"), listing) {
            report.failed.push((
                "results-file",
                format!("could not write {dir}/{host}.not-applicable.txt: {e}"),
            ));
        }
        println!(
            "conformance {host}: {} passed, {} failed, {} not applicable",
            report.passed.len(),
            report.failed.len(),
            skipped.len()
        );
    }
    report
}
