//! What the component tests share: building the component, failing loudly, and a migrated
//! SQLite file per instance.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, exit};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use asm_core::sql::{Dialect, ExecError, Executor, ResultSet, Statement};
use asm_native::SqliteExecutor;
use asm_wasmtime_host::COMPONENT_PATH;

/// Numbers temporary databases and schemas.
pub static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Stops the test with `message` (never a skip).
pub fn fail(message: &str) -> ! {
    eprintln!("FAILED: {message}");
    exit(1)
}

/// Builds `hosts/component` for wasm32-wasip2 (release) into its own target directory (the
/// outer `cargo test` holds the lock of the usual one) and returns the component's path.
pub fn build_component() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sysroot = Command::new("rustc").args(["--print", "sysroot"]).output().map(|o| o.stdout);
    let sysroot =
        String::from_utf8(sysroot.unwrap_or_else(|e| fail(&format!("cannot run rustc: {e}"))))
            .unwrap_or_default();
    if !Path::new(sysroot.trim()).join("lib/rustlib/wasm32-wasip2").is_dir() {
        fail(
            "the Rust target wasm32-wasip2 is not installed: run `rustup target add wasm32-wasip2`",
        );
    }
    let target_dir =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
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
        fail(
            "`cargo build --release --target wasm32-wasip2 -p asm-component` failed (output above)",
        );
    }
    println!("component build: {:.1} s", started.elapsed().as_secs_f64());
    target_dir.join(COMPONENT_PATH)
}

/// A SQLite database in a fresh temporary file, removed on drop.
pub struct TempDb {
    /// The executor over the file.
    pub exec: SqliteExecutor,
    path: PathBuf,
}

impl TempDb {
    /// A new migrated database.
    pub fn migrated() -> Result<TempDb, String> {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("asm-component-test-{}-{n}.db", std::process::id()));
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
