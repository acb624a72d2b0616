//! The shared conformance suite through the component: every case calls the component's WIT
//! exports in wasmtime, and the component runs its SQL through this host's `executor` import,
//! on SQLite (a fresh temporary file per case) and PostgreSQL (a fresh schema per case, on
//! `DATABASE_URL`). Each case gets a fresh instance; the compiled component is shared.
// The host times the component's build and compile; the core's clock rule is not about that.
#![allow(clippy::disallowed_methods)]

use std::process::exit;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use asm_conformance::{Harness, run_all_with};
use asm_core::Env;
use asm_core::sql::{Dialect, ExecError, Executor, ResultSet, Statement};
use asm_native::PostgresExecutor;
use asm_wasmtime_host::{ComponentHost, ComponentStore, compile};
use futures::executor::block_on;
use tokio::runtime::Runtime;
use wasmtime::Engine;
use wasmtime::component::Component;

mod common;

use common::{NEXT, TempDb, build_component, fail, migrated_sqlite};

/// A fresh PostgreSQL schema on `DATABASE_URL`, dropped on drop.
struct PgDb {
    exec: PostgresExecutor,
    schema: String,
    url: String,
    rt: Arc<Runtime>,
}

fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        fail("DATABASE_URL is not set. Start a throwaway PostgreSQL with `eval \"$(scripts/postgres-up)\"` (from the repository root)")
    })
}

impl PgDb {
    fn migrated(rt: &Arc<Runtime>) -> Result<PgDb, String> {
        let url = database_url();
        let schema =
            format!("asm_component_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|e| format!("DATABASE_URL: {e}"))?;
        config.options(format!("-c search_path={schema}"));
        let exec = PostgresExecutor::from_config(config, 4).map_err(|e| e.to_string())?;
        rt.block_on(async {
            let admin = PostgresExecutor::connect(&url, 1)?;
            admin
                .simple(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
                .await?;
            exec.apply_migrations().await
        })
        .map_err(|e| format!("cannot prepare a schema on DATABASE_URL={url}: {e}"))?;
        Ok(PgDb { exec, schema, url, rt: rt.clone() })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = self.rt.block_on(async {
            let admin = PostgresExecutor::connect(&self.url, 1)?;
            admin.simple(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema)).await
        });
    }
}

impl Executor for PgDb {
    fn dialect(&self) -> Dialect {
        self.exec.dialect()
    }
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        self.exec.batch(statements).await
    }
}

struct SqliteHarness {
    host: ComponentHost<TempDb>,
    rt: Arc<Runtime>,
}

impl Harness for SqliteHarness {
    type Store = ComponentStore<TempDb>;
    async fn fresh_store(&self, env: Env) -> Result<Self::Store, String> {
        self.host
            .instantiate(migrated_sqlite()?, &env, self.rt.clone())
            .map_err(|e| format!("{e:#}"))
    }
}

struct PostgresHarness {
    host: ComponentHost<PgDb>,
    rt: Arc<Runtime>,
}

impl Harness for PostgresHarness {
    type Store = ComponentStore<PgDb>;
    async fn fresh_store(&self, env: Env) -> Result<Self::Store, String> {
        self.host
            .instantiate(PgDb::migrated(&self.rt)?, &env, self.rt.clone())
            .map_err(|e| format!("{e:#}"))
    }
}

fn link<T>(e: wasmtime::Error) -> T {
    fail(&format!("linking the component: {e:#}"))
}

/// Why a component cannot run ASM's long-poll cases (also in `docs/compatibility.md`).
const ONE_CALL_AT_A_TIME: &str = "a component instance runs one call at a time: a reader \
    blocked inside get-events would hold the instance, so no writer could append beside it; \
    the WIT executor therefore has no timer and `wait-timeout-ms` answers at once, and a host \
    that embeds the component long-polls outside it";

/// The long-poll cases (domain §7.6 items 91–95) and the live part of the tail, which need a
/// reader and a writer at once.
const NOT_APPLICABLE: &[(&str, &str)] = &[
    ("domain_7_6_91_append_wakes_a_blocked_reader", ONE_CALL_AT_A_TIME),
    ("domain_7_6_92_timeout_answers_empty", ONE_CALL_AT_A_TIME),
    ("domain_7_6_93_only_its_own_session_wakes_it", ONE_CALL_AT_A_TIME),
    ("domain_7_6_94_only_its_type_wakes_it", ONE_CALL_AT_A_TIME),
    ("domain_7_6_95_only_its_run_wakes_it", ONE_CALL_AT_A_TIME),
    ("live_tail_1_backfill_then_live_in_order", ONE_CALL_AT_A_TIME),
];

fn main() {
    // Fail up front (never skip) when there is no PostgreSQL to run against.
    let _ = database_url();
    let path = build_component();
    let bytes = std::fs::metadata(&path)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())))
        .len();
    println!("component bytes: {bytes}");

    let engine = Engine::default();
    let started = Instant::now();
    let component: Component = compile(&engine, &path)
        .unwrap_or_else(|e| fail(&format!("compiling the component: {e:#}")));
    println!("component compile: {} ms", started.elapsed().as_millis());
    let rt = Arc::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| fail(&format!("tokio runtime: {e}"))),
    );
    let sqlite = SqliteHarness {
        host: ComponentHost::new(&engine, &component).unwrap_or_else(link),
        rt: rt.clone(),
    };
    let postgres =
        PostgresHarness { host: ComponentHost::new(&engine, &component).unwrap_or_else(link), rt };

    let sqlite = block_on(run_all_with("component-sqlite", &sqlite, NOT_APPLICABLE));
    let postgres = block_on(run_all_with("component-postgres", &postgres, NOT_APPLICABLE));
    if !(sqlite.is_success() && postgres.is_success()) {
        exit(1);
    }
}
