//! Hostile input at the Rust API boundary (docs/reliability.md): hostile input on the memory, SQLite and PostgreSQL
//! stores. Every case either succeeds and stores its text verbatim (read back byte for byte), or
//! fails with an ASM error and leaves the stored data exactly as before (a full dump). Nothing
//! may panic, and nothing may be stored that cannot be read back.
//!
//! Bytes never enter the typed API (every id, filter and payload is a Rust `String` or a
//! `serde_json::Value`, UTF-8 by construction), so invalid UTF-8 has no Rust-API case; it belongs
//! to the HTTP, JS and WIT boundaries. Prints `reliability hostile-input: N passed, M failed`.
//! Needs `DATABASE_URL`; start a throwaway server with `eval "$(scripts/postgres-up)"`.

mod common;
mod hostile;

use std::sync::Arc;

use asm_core::memory::MemoryStore;
use asm_core::sql::{Executor, SqlStore};
use asm_core::{Env, SeededIds, SteppingClock};
use common::{Backend, T0, block_on};
use hostile::{Outcome, Subject};

fn fixed_env() -> Env {
    Env::new(Arc::new(SteppingClock::new(T0, 0)), Arc::new(SeededIds::new(3)))
}

impl<E: Executor> Subject for SqlStore<E> {
    async fn snapshot(&self) -> String {
        common::fault::dump(self.executor()).await
    }
}

impl Subject for MemoryStore {
    async fn snapshot(&self) -> String {
        // The state only: the env's clock and id source are not stored data.
        let text = format!("{self:?}");
        text[text.find("state:").unwrap_or(0)..].to_owned()
    }
}

fn main() {
    let mut outcome = Outcome::default();
    println!("hostile-input: wrong types and malformed values at every parser");
    hostile::parsers(&mut outcome);
    block_on(async {
        hostile::run_all("memory", &MemoryStore::new(fixed_env()), &mut outcome).await;
        let sqlite = common::sqlite_db::Sqlite(asm_core::sql::Dialect::Sqlite).migrated().await;
        hostile::run_all("sqlite", &SqlStore::new(sqlite, fixed_env()), &mut outcome).await;
        let postgres = common::pg_db::Postgres.migrated().await;
        hostile::run_all("postgres", &SqlStore::new(postgres, fixed_env()), &mut outcome).await;
    });
    for f in &outcome.failed {
        eprintln!("FAILED {f}");
    }
    println!(
        "reliability hostile-input: {} passed, {} failed",
        outcome.passed,
        outcome.failed.len()
    );
    assert!(outcome.failed.is_empty(), "hostile-input checks failed");
}
