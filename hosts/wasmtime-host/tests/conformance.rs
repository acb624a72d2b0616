//! The shared conformance suite through the component: every case calls the component's WIT
//! exports in wasmtime, and the component runs its SQL through this host's `executor` import,
//! on SQLite (a fresh temporary file per case) and PostgreSQL (a fresh schema per case, on
//! `DATABASE_URL`). Each case gets a fresh instance; the compiled component is shared.
// The host times the component's build and compile; the core's clock rule is not about that.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::{Command, exit};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use asm_conformance::{Harness, run_all};
use asm_core::Env;
use asm_core::sql::{Dialect, ExecError, Executor, ResultSet, Statement};
use asm_native::{PostgresExecutor, SqliteExecutor};
use asm_wasmtime_host::{COMPONENT_PATH, ComponentHost, ComponentStore, compile};
use futures::executor::block_on;
use tokio::runtime::Runtime;
use wasmtime::Engine;
use wasmtime::component::Component;

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Stops the test with `message` (never a skip).
fn fail(message: &str) -> ! {
    eprintln!("FAILED: {message}");
    exit(1)
}

/// Builds `hosts/component` for wasm32-wasip2 (release) into its own target directory (the
/// outer `cargo test` holds the lock of the usual one) and returns the component's path.
fn build_component() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sysroot = Command::new("rustc").args(["--print", "sysroot"]).output().map(|o| o.stdout);
    let sysroot = String::from_utf8(sysroot.unwrap_or_else(|e| fail(&format!("cannot run rustc: {e}")))).unwrap_or_default();
    if !Path::new(sysroot.trim()).join("lib/rustlib/wasm32-wasip2").is_dir() {
        fail("the Rust target wasm32-wasip2 is not installed: run `rustup target add wasm32-wasip2`");
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let target_dir = target_dir.join("component-guest");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = Instant::now();
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["build", "--release", "--target", "wasm32-wasip2", "-p", "asm-component"])
        .env("CARGO_TARGET_DIR", &target_dir)
        .status()
        .unwrap_or_else(|e| fail(&format!("cannot run cargo: {e}")));
    if !status.success() {
        fail("`cargo build --release --target wasm32-wasip2 -p asm-component` failed (output above)");
    }
    println!("component build: {:.1} s", started.elapsed().as_secs_f64());
    target_dir.join(COMPONENT_PATH)
}

/// A SQLite database in a fresh temporary file, removed on drop.
struct TempDb {
    exec: SqliteExecutor,
    path: PathBuf,
}

impl TempDb {
    fn migrated() -> Result<TempDb, String> {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("asm-component-test-{}-{n}.db", std::process::id()));
        let exec = SqliteExecutor::open(&path).map_err(|e| e.to_string())?;
        exec.apply_migrations().map_err(|e| e.to_string())?;
        Ok(TempDb { exec, path })
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Executor for TempDb {
    fn dialect(&self) -> Dialect {
        self.exec.dialect()
    }
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        self.exec.batch(statements).await
    }
}

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
        let schema = format!("asm_component_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| format!("DATABASE_URL: {e}"))?;
        config.options(format!("-c search_path={schema}"));
        let exec = PostgresExecutor::from_config(config, 4).map_err(|e| e.to_string())?;
        rt.block_on(async {
            let admin = PostgresExecutor::connect(&url, 1)?;
            admin.simple(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).await?;
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
        self.host.instantiate(TempDb::migrated()?, &env, self.rt.clone()).map_err(|e| format!("{e:#}"))
    }
}

struct PostgresHarness {
    host: ComponentHost<PgDb>,
    rt: Arc<Runtime>,
}

impl Harness for PostgresHarness {
    type Store = ComponentStore<PgDb>;
    async fn fresh_store(&self, env: Env) -> Result<Self::Store, String> {
        self.host.instantiate(PgDb::migrated(&self.rt)?, &env, self.rt.clone()).map_err(|e| format!("{e:#}"))
    }
}

fn link<T>(e: wasmtime::Error) -> T {
    fail(&format!("linking the component: {e:#}"))
}

fn main() {
    // Fail up front (never skip) when there is no PostgreSQL to run against.
    let _ = database_url();
    let path = build_component();
    let bytes = std::fs::metadata(&path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display()))).len();
    println!("component bytes: {bytes}");

    let engine = Engine::default();
    let started = Instant::now();
    let component: Component =
        compile(&engine, &path).unwrap_or_else(|e| fail(&format!("compiling the component: {e:#}")));
    println!("component compile: {} ms", started.elapsed().as_millis());
    let rt = Arc::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| fail(&format!("tokio runtime: {e}"))),
    );
    let sqlite = SqliteHarness { host: ComponentHost::new(&engine, &component).unwrap_or_else(link), rt: rt.clone() };
    let postgres = PostgresHarness { host: ComponentHost::new(&engine, &component).unwrap_or_else(link), rt };

    let sqlite = block_on(run_all("component-sqlite", &sqlite));
    let postgres = block_on(run_all("component-postgres", &postgres));
    if !(sqlite.is_success() && postgres.is_success()) {
        exit(1);
    }
}
