//! The SQL-specific behaviours of docs/asm-v0.8/sql.md §8 that need raw SQL, written once over a
//! [`Backend`] and run by `sqlite.rs` and `postgres.rs`.
#![allow(dead_code)]

pub mod blob_backends;
pub mod bounds;
pub mod cases;
pub mod d1;
pub mod ecto;
pub mod fault;
pub mod pg_db;
pub mod rows;
pub mod scopes;
pub mod smoke;
pub mod sqlite_db;

use std::cell::Cell;
use std::sync::Arc;

use asm_core::sql::{
    Dialect, ExecError, ExecErrorKind, Executor, ResultSet, SqlStore, Statement, Value,
};
use asm_core::{
    Env, Event, EventType, NewEvent, NewRun, NewSession, Run, SeededIds, Session, SteppingClock,
    Timestamp,
};

/// 2025-01-27T12:00:00.123456Z, the first reading of every test clock.
pub const T0: Timestamp = Timestamp::from_micros(1_737_979_200_123_456);

/// A database the cases can get fresh copies of.
#[allow(async_fn_in_trait)]
pub trait Backend {
    /// The executor over one fresh database.
    type Exec: Executor;
    /// A fresh database with the migrations applied.
    async fn migrated(&self) -> Self::Exec;
    /// A fresh database without any table.
    async fn empty(&self) -> Self::Exec;
    /// Applies the up migration.
    async fn up(&self, exec: &Self::Exec);
    /// Applies the down migration.
    async fn down(&self, exec: &Self::Exec);
}

/// Named checks and their outcomes, for the suites that print `reliability <suite>: N passed,
/// M failed` and go on after a failed check.
#[derive(Default)]
pub struct Checks {
    /// Checks that held.
    pub passed: usize,
    /// `<name>: <detail>` of each check that did not.
    pub failed: Vec<String>,
}

impl Checks {
    /// Counts `ok` under `name`; `detail` says what was found when it failed.
    pub fn check(&mut self, name: String, ok: bool, detail: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.failed.push(format!("{name}: {}", detail()));
        }
    }
}

/// An env with a clock stepping 1 ms per reading from [`T0`].
pub fn env() -> (Env, Arc<SteppingClock>) {
    let clock = Arc::new(SteppingClock::new(T0, 1_000));
    (Env::new(clock.clone(), Arc::new(SeededIds::new(7))), clock)
}

/// A store over `exec` with a fresh env.
pub fn store<E: Executor>(exec: E) -> SqlStore<E> {
    SqlStore::new(exec, env().0)
}

/// A session with a chosen id.
pub fn session(id: &str, env: &Env) -> Session {
    let attrs = NewSession { id: Some(id.into()), ..NewSession::for_agent("test-agent") };
    Session::new(attrs, env).expect("valid session")
}

/// A run with a chosen id.
pub fn run(id: &str, session_id: &str, env: &Env) -> Run {
    Run::new(NewRun { id: Some(id.into()), ..NewRun::for_session(session_id) }, env)
        .expect("valid run")
}

/// An event with a chosen id and type.
pub fn event(id: &str, session_id: &str, event_type: EventType, env: &Env) -> Event {
    Event::new(NewEvent { id: Some(id.into()), ..NewEvent::of(event_type, session_id) }, env)
        .expect("valid event")
}

/// `n` message events `<prefix>-1 … <prefix>-n` of one session.
pub fn events(prefix: &str, session_id: &str, n: usize, env: &Env) -> Vec<Event> {
    (1..=n)
        .map(|i| event(&format!("{prefix}-{i}"), session_id, EventType::MessageReceived, env))
        .collect()
}

/// Runs raw SQL text without parameters and returns its rows (marked a write: it may be one).
pub async fn raw<E: Executor>(exec: &E, sql: &str) -> Vec<Vec<Value>> {
    let statement = Statement::write(sql);
    exec.query(statement).await.unwrap_or_else(|e| panic!("{sql}: {e}")).rows
}

/// The single integer a raw `SELECT COUNT(*) …` returns.
pub async fn count<E: Executor>(exec: &E, sql: &str) -> i64 {
    match raw(exec, sql).await.first().and_then(|r| r.first()) {
        Some(Value::Integer(n)) => *n,
        other => panic!("{sql}: expected an integer, got {other:?}"),
    }
}

/// The names of the `asm_*` tables and indexes that exist, sorted.
pub async fn asm_objects<E: Executor>(exec: &E) -> Vec<String> {
    let sql = if exec.dialect().is_sqlite() {
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name LIKE 'asm_%' ORDER BY name"
    } else {
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relname LIKE 'asm_%' ORDER BY 1"
    };
    raw(exec, sql)
        .await
        .into_iter()
        .map(|r| match r.first() {
            Some(Value::Text(s)) => s.clone(),
            other => panic!("object name: {other:?}"),
        })
        .collect()
}

/// An executor wrapper that counts statements and batches, and can make one statement fail.
pub struct Probe<E> {
    /// The real executor.
    pub inner: E,
    /// Statements run so far.
    pub statements: Cell<usize>,
    /// Batches run so far.
    pub batches: Cell<usize>,
    /// Statements of every batch whose SQL starts with this prefix are replaced by invalid SQL.
    pub fail_prefix: Cell<Option<&'static str>>,
}

impl<E: Executor> Probe<E> {
    /// A transparent probe.
    pub fn new(inner: E) -> Probe<E> {
        Probe {
            inner,
            statements: Cell::new(0),
            batches: Cell::new(0),
            fail_prefix: Cell::new(None),
        }
    }

    /// Resets both counters.
    pub fn reset(&self) {
        self.statements.set(0);
        self.batches.set(0);
    }
}

impl<E: Executor> Executor for Probe<E> {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }

    async fn batch(&self, mut statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        self.batches.set(self.batches.get() + 1);
        self.statements.set(self.statements.get() + statements.len());
        if let Some(prefix) = self.fail_prefix.get() {
            for s in &mut statements {
                if s.sql.starts_with(prefix) {
                    *s = Statement::write("THIS IS NOT SQL");
                }
            }
        }
        self.inner.batch(statements).await
    }
}

/// Runs a future to completion on a fresh current-thread Tokio runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}

/// Whether an executor error is of `kind`.
pub fn is_kind(result: &Result<Vec<ResultSet>, ExecError>, kind: ExecErrorKind) -> bool {
    matches!(result, Err(e) if e.kind == kind)
}
