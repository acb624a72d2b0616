//! What the component tests share: building the component, failing loudly, and a migrated
//! SQLite file per instance.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, exit};
use std::sync::atomic::AtomicUsize;
use std::time::Instant;

use asm_wasmtime_host::COMPONENT_PATH;

/// Numbers the PostgreSQL schemas of the tests.
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

/// A migrated SQLite database in a fresh temporary file, removed on drop.
pub type TempDb = asm_native::TempSqlite;

/// A fresh migrated SQLite database, its failure as text.
pub fn migrated_sqlite() -> Result<TempDb, String> {
    TempDb::migrated(asm_core::sql::Dialect::Sqlite).map_err(|e| e.to_string())
}
