//! The shared conformance suite on both native executors: SQLite (a fresh temporary file per
//! store) and PostgreSQL (a fresh schema per store, on `DATABASE_URL`).

mod common;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Instant;

use asm_conformance::{Harness, RealTime, run_all};
use asm_core::Env;
use asm_core::sql::{Dialect, SqlStore};
use common::pg_db::{PgDb, Postgres, database_url};
use common::sqlite_db::{Sqlite, TempDb};
use common::{Backend, block_on};

/// SQLite files, written in `Dialect::Sqlite` or in D1's dialect (100 bound values at most per
/// statement, enforced by the executor).
struct SqliteHarness(Dialect);

impl Harness for SqliteHarness {
    type Store = SqlStore<TempDb>;
    async fn fresh_store(&self, env: Env) -> Result<Self::Store, String> {
        Ok(SqlStore::new(Sqlite(self.0).migrated().await, env))
    }
    fn real_time(&self) -> Option<Rc<dyn RealTime>> {
        Some(Rc::new(NativeTime(Instant::now())))
    }
}

/// The native host's real time: asm-native's pause and `Instant`.
struct NativeTime(Instant);

impl RealTime for NativeTime {
    fn pause(&self, ms: u64) -> Pin<Box<dyn Future<Output = ()> + '_>> {
        Box::pin(asm_native::pause(ms))
    }
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}

struct PostgresHarness;

impl Harness for PostgresHarness {
    type Store = SqlStore<PgDb>;
    async fn fresh_store(&self, env: Env) -> Result<Self::Store, String> {
        Ok(SqlStore::new(Postgres.migrated().await, env))
    }
    fn real_time(&self) -> Option<Rc<dyn RealTime>> {
        Some(Rc::new(NativeTime(Instant::now())))
    }
}

fn main() {
    // Fail up front (never skip) when there is no PostgreSQL to run against.
    let _ = database_url();
    let sqlite = block_on(run_all("sqlite", &SqliteHarness(Dialect::Sqlite)));
    let d1 = block_on(run_all("sqlite-d1-dialect", &SqliteHarness(Dialect::D1)));
    let postgres = block_on(run_all("postgres", &PostgresHarness));
    if !(sqlite.is_success() && d1.is_success() && postgres.is_success()) {
        std::process::exit(1);
    }
}
