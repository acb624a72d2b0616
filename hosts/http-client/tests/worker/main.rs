//! The Worker over its real runtime (`wrangler dev --local`): the shared conformance cases
//! through [`HttpStore`] on D1 and on PostgreSQL via Hyperdrive, then auth, error mapping,
//! the creating routes, body limits (chunked too) and a cron-triggered maintenance run (see
//! `checks.rs`), hostile requests (`hostile/`) and keys and scopes (`scopes.rs`) on both
//! backends, 16 concurrent appending clients on D1 (`concurrency.rs`), a Worker without test
//! mode (`production.rs`), and redaction (`redaction.rs`): off on the conformance Workers, on in
//! a Worker per backend with `ASM_REDACTION`.
// The harness times child processes with the OS clock; only the core must not read it.
#![allow(clippy::disallowed_methods)]

mod artifacts;
mod bounds;
mod checks;
mod chunked;
mod concurrency;
mod creating;
mod hostile;
mod live_tail;
mod production;
mod redaction;
mod scopes;
mod transfer;
mod wrangler;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Instant;

use asm_conformance::{Harness, RealTime, run_all_with};
use asm_core::Env;
use asm_http_client::HttpStore;
use futures::executor::block_on;
use wrangler::{Build, Wrangler, migrate_d1};

/// Cases that cannot apply over HTTP, with why (also in `docs/compatibility.md`).
const NOT_APPLICABLE: &[(&str, &str)] = &[
    (
        "sql_8_39_invalid_event_consumes_nothing",
        "an event with an empty id has no wire form: the API parses with ASM's Event.from_map, which \
         rejects it (validation_error \"id cannot be empty\") before the store's own check \
         (\"id can't be blank\") can run; nothing is written either way",
    ),
    (
        "sql_8_45_append_events_invalid_element_writes_nothing",
        "as above for an empty session_id: Event.from_map answers \"session_id cannot be empty\" \
         (same code, nothing written) where the store would say \"session_id can't be blank\"",
    ),
];

/// The conformance Workers answer ASM's unbounded lists (the cases read 3,000 events in one
/// call); the bounds suite runs its own Worker with the default limits.
const ASM_UNBOUNDED: &str = r#"ASM_LIMITS:{"default_page":null,"max_page":null,"max_events_per_call":null,"max_statements_per_batch":null}"#;

/// The token the test Worker is started with.
pub const TOKEN: &str = "test-token-0123456789abcdef";

struct WorkerHarness {
    url: String,
}

impl Harness for WorkerHarness {
    type Store = HttpStore;
    async fn fresh_store(&self, env: Env) -> Result<HttpStore, String> {
        let store = HttpStore::new(&self.url, TOKEN).with_test_clock(env);
        store.reset().map_err(|e| format!("reset: {e}"))?;
        Ok(store)
    }
    fn real_time(&self) -> Option<Rc<dyn RealTime>> {
        Some(Rc::new(ClientTime(Instant::now())))
    }
}

/// The test client's real time: futures-timer pauses (no runtime) and `Instant`.
struct ClientTime(Instant);

impl RealTime for ClientTime {
    fn pause(&self, ms: u64) -> Pin<Box<dyn Future<Output = ()> + '_>> {
        Box::pin(futures_timer::Delay::new(std::time::Duration::from_millis(ms)))
    }
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}

/// DATABASE_URL with a password (Miniflare's Hyperdrive requires one) and `sslmode=disable`.
fn hyperdrive_url() -> String {
    let url = std::env::var("DATABASE_URL").expect(
        "DATABASE_URL is not set: run scripts/test, or start PostgreSQL with scripts/postgres-up",
    );
    let (scheme, rest) = url.split_once("://").expect("DATABASE_URL is postgres://…");
    let (userinfo, host) = rest.split_once('@').expect("DATABASE_URL names a user");
    let userinfo =
        if userinfo.contains(':') { userinfo.to_owned() } else { format!("{userinfo}:asm") };
    let sep = if host.contains('?') { '&' } else { '?' };
    format!("{scheme}://{userinfo}@{host}{sep}sslmode=disable")
}

/// The vars of a test Worker: the backend, the keys, test mode, plus `extra`.
fn vars(backend: &str, extra: &[&str]) -> Vec<String> {
    let mut v = production::vars(backend);
    v.extend(["ASM_TEST_MODE:1".to_owned(), scopes::keys_var(), ASM_UNBOUNDED.to_owned()]);
    v.push(format!("ASM_STREAM_SECONDS:{}", live_tail::STREAM_SECONDS));
    v.push(format!("ASM_MAX_ARTIFACT_BYTES:{}", artifacts::TEST_LIMIT));
    v.extend(extra.iter().map(|s| (*s).to_owned()));
    v
}

/// The D1 Worker's body limit: bodies up to 3 MB are let through, so that D1's own 2 MB row
/// limit is what refuses.
const D1_TEST_BODY_LIMIT: usize = 3_000_000;
/// The Worker's default body limit (1 MiB), which the Hyperdrive Worker keeps.
const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// What both backends run against their Worker: conformance, the HTTP checks and hostile
/// requests, keys and scopes. Returns (all passed, hostile (passed, failed), scopes (passed,
/// failed)).
fn common_suite(
    w: &Wrangler,
    host: &str,
    backend: &str,
    limit: usize,
    raw: &redaction::Raw,
) -> Outcome {
    let started = std::time::Instant::now();
    let harness = WorkerHarness { url: w.url.clone() };
    let report = block_on(run_all_with(host, &harness, NOT_APPLICABLE));
    println!("{host} conformance took {:.0} s", started.elapsed().as_secs_f64());
    let ok = report.is_success() & checks::run_all_checks(w, backend, limit);
    let (_, tail_failed) = live_tail::run(&w.url, host.trim_start_matches("worker-"));
    let ok = ok & (tail_failed == 0);
    let artifacts = artifacts::run(w, host);
    let hostile = hostile::run(&w.url, backend, limit);
    let mut scopes = scopes::run(&w.url, backend);
    // The audit lines reach the runtime's log (what `wrangler tail` shows in production).
    let log = w.log_text();
    let audited = log.contains(r#""asm_audit""#)
        && log.contains(r#""key":"test-key-read-a""#)
        && log.contains(r#""status":403"#);
    if audited {
        scopes.0 += 1;
    } else {
        scopes.1 += 1;
        println!("FAIL scopes: {backend}: no asm_audit line of a refused request in the log");
    }
    // Last, as the cases reset the tables: without ASM_REDACTION events are stored as sent.
    let redaction = redaction::run(w, backend, false, raw);
    Outcome { ok, hostile, scopes, bounds: (0, 0), redaction, artifacts }
}

/// What a backend's suite found.
struct Outcome {
    ok: bool,
    hostile: (usize, usize),
    scopes: (usize, usize),
    bounds: (usize, usize),
    redaction: (usize, usize),
    artifacts: (usize, usize),
}

/// The D1 Worker, as the D1-only build a D1 deployment ships (the other D1 Workers here run the
/// full build): the common suite, then concurrent clients, then that build asked for PostgreSQL,
/// then a full Worker in production mode.
fn d1_suite() -> Outcome {
    let state = tempdir("d1");
    migrate_d1(&state);
    let limit = format!("ASM_MAX_BODY_BYTES:{D1_TEST_BODY_LIMIT}");
    let w = Wrangler::start_build(Build::D1Only, "d1", &state, &vars("d1", &[&limit]), &[]);
    let raw = redaction::Raw::D1(state.clone());
    let outcome = common_suite(&w, "worker-d1", "d1", D1_TEST_BODY_LIMIT, &raw);
    let ok = outcome.ok & concurrency::run(&w.url);
    drop(w);
    let ok = ok & d1_only_refuses_postgres();
    Outcome { ok: ok & production::run(&tempdir("production")), ..outcome }
}

/// The D1-only build with `ASM_BACKEND = "postgres"`: a store route answers
/// `dependency_not_available` naming the build that has PostgreSQL, and the health check still
/// answers (the Worker is up, only misconfigured).
fn d1_only_refuses_postgres() -> bool {
    let vars = production::vars("postgres");
    let state = tempdir("d1-only-postgres");
    let w = Wrangler::start_build(Build::D1Only, "d1-only-postgres", &state, &vars, &[]);
    let (status, body) = checks::Http::new(&w.url).req("GET", "/v1/sessions", Some(TOKEN), None);
    let named = body["error"]["message"].as_str().is_some_and(|m| m.contains("hyperdrive"));
    let ok = status == 500 && checks::code(&body) == "dependency_not_available" && named;
    let name = "postgres_is_refused_naming_the_full_build";
    checks::report("worker-d1-only", name, ok, &format!("{status} {body}"))
}

/// A D1 Worker with the default limits (no `ASM_LIMITS`): the bounds suite.
fn bounds_suite() -> (usize, usize) {
    let state = tempdir("bounds");
    migrate_d1(&state);
    let mut vars = production::vars("d1");
    vars.push("ASM_TEST_MODE:1".to_owned());
    let w = Wrangler::start("bounds", &state, &vars, &[]);
    bounds::run(&w)
}

/// A D1 Worker with a small artifact size limit: the streamed upload past it.
fn artifact_limit_suite() -> (usize, usize) {
    let state = tempdir("artifact-limit");
    migrate_d1(&state);
    let mut vars = production::vars("d1");
    vars.extend([
        "ASM_TEST_MODE:1".to_owned(),
        format!("ASM_MAX_ARTIFACT_BYTES:{}", artifacts::SMALL_LIMIT),
    ]);
    let w = Wrangler::start("artifact-limit", &state, &vars, &[]);
    artifacts::limit_run(&w, &state)
}

/// A D1 Worker with `ASM_REDACTION` set: the redaction checks with it on.
fn redaction_d1_suite() -> (usize, usize) {
    let state = tempdir("redaction");
    migrate_d1(&state);
    let mut vars = production::vars("d1");
    vars.extend(["ASM_TEST_MODE:1".to_owned(), redaction::D1_CONFIG.to_owned()]);
    let w = Wrangler::start("redaction-d1", &state, &vars, &[]);
    redaction::run(&w, "d1", true, &redaction::Raw::D1(state.clone()))
}

/// The Hyperdrive Worker on the test PostgreSQL: the common suite, then (the tables being the
/// same) a Hyperdrive Worker with `ASM_REDACTION` set: the redaction checks with it on.
fn hyperdrive_suite(hyperdrive: String) -> Outcome {
    let envs = [("CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE", hyperdrive)];
    let w = Wrangler::start("hyperdrive", &tempdir("pg"), &vars("postgres", &[]), &envs);
    let raw = redaction::Raw::Postgres;
    let outcome = common_suite(&w, "worker-hyperdrive", "postgres", DEFAULT_BODY_LIMIT, &raw);
    drop(w);
    let vars = vars("postgres", &[redaction::PG_CONFIG]);
    let w = Wrangler::start("redaction-hyperdrive", &tempdir("pg-redaction"), &vars, &envs);
    let on = redaction::run(&w, "postgres", true, &raw);
    Outcome { redaction: (outcome.redaction.0 + on.0, outcome.redaction.1 + on.1), ..outcome }
}

/// Both backends at once, each against its own `wrangler dev`: the Hyperdrive run waits on a
/// connection per batch through Miniflare's proxy, so running them side by side halves the time.
fn main() {
    let hyperdrive = hyperdrive_url();
    let (d1, pg) = std::thread::scope(|s| {
        let pg = s.spawn(|| hyperdrive_suite(hyperdrive));
        let d1 = d1_suite();
        let bounds = bounds_suite();
        let limit = artifact_limit_suite();
        let on = redaction_d1_suite();
        let redaction = (d1.redaction.0 + on.0, d1.redaction.1 + on.1);
        let artifacts = (d1.artifacts.0 + limit.0, d1.artifacts.1 + limit.1);
        (
            Outcome { bounds, redaction, artifacts, ..d1 },
            pg.join().expect("the Hyperdrive suite panicked"),
        )
    });
    let mut ok = d1.ok && pg.ok;
    let hostile = (d1.hostile.0 + pg.hostile.0, d1.hostile.1 + pg.hostile.1);
    println!("reliability hostile-input-http: {} passed, {} failed", hostile.0, hostile.1);
    let scopes = (d1.scopes.0 + pg.scopes.0, d1.scopes.1 + pg.scopes.1);
    println!("reliability scopes: {} passed, {} failed", scopes.0, scopes.1);
    println!("reliability bounds: {} passed, {} failed", d1.bounds.0, d1.bounds.1);
    let redaction = (d1.redaction.0 + pg.redaction.0, d1.redaction.1 + pg.redaction.1);
    println!("reliability redaction-http: {} passed, {} failed", redaction.0, redaction.1);
    let artifacts = (d1.artifacts.0 + pg.artifacts.0, d1.artifacts.1 + pg.artifacts.1);
    println!("reliability artifacts-http: {} passed, {} failed", artifacts.0, artifacts.1);
    ok &= artifacts.1 == 0;
    ok &= hostile.1 == 0 && scopes.1 == 0 && d1.bounds.1 == 0 && redaction.1 == 0;
    if !ok {
        std::process::exit(1);
    }
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("asm-worker-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
