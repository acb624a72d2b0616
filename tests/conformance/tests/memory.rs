//! The conformance suite against the in-memory store: `cargo test -p asm-conformance --test memory`.

use asm_conformance::Harness;
use asm_core::Env;
use asm_core::memory::MemoryStore;

struct Memory;

impl Harness for Memory {
    type Store = MemoryStore;

    async fn fresh_store(&self, env: Env) -> Result<MemoryStore, String> {
        Ok(MemoryStore::new(env))
    }
}

fn main() {
    let report = futures::executor::block_on(asm_conformance::run_all("memory", &Memory));
    if !report.is_success() {
        std::process::exit(1);
    }
}
