//! `asm-bench`: our SQL store against minimal hand-written SQL on the same driver, schema and
//! durability settings, in the same process, interleaved per repetition.
//!
//! Run it through `bench/run` (which builds it in release mode and starts PostgreSQL when
//! `DATABASE_URL` is unset). Every figure is a ratio: **ours throughput / raw throughput**
//! (1.0 = as fast as hand-written SQL; 0.8 = 20 % slower), the median over the repetitions of
//! the per-repetition ratio.

mod backend;
mod data;
mod raw_pg;
mod raw_sqlite;
mod report;
mod scale;
mod workloads;

use report::{Figure, Sizes};

/// W4 at scale (`scale.rs`) when the run wants `W4-scale`.
async fn w4_scale<B: backend::Backend>(backend: &B, sizes: &Sizes) -> Vec<String> {
    if !sizes.wants("W4-scale") {
        return Vec::new();
    }
    let lines = scale::w4_scale(backend).await;
    eprintln!("  W4-scale {} done", backend.name());
    lines
}

fn main() {
    if std::env::args().any(|a| a == "--help" || a == "-h") {
        println!("{}", Sizes::USAGE);
        return;
    }
    let sizes = match Sizes::from_args(std::env::args().skip(1)) {
        Ok(sizes) => sizes,
        Err(message) => {
            eprintln!("asm-bench: {message}\n\n{}", Sizes::USAGE);
            std::process::exit(2);
        }
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let mut figures: Vec<Figure> = Vec::new();
    let mut scale_lines: Vec<String> = Vec::new();
    for name in &sizes.backends {
        eprintln!("asm-bench: {name} …");
        let (found, scale) = runtime.block_on(async {
            match name.as_str() {
                "sqlite" => {
                    let backend = backend::Sqlite::new();
                    (workloads::run_all(&backend, &sizes).await, w4_scale(&backend, &sizes).await)
                }
                "postgres" => {
                    let backend = backend::Postgres::new().await;
                    (workloads::run_all(&backend, &sizes).await, w4_scale(&backend, &sizes).await)
                }
                "sqlite-full" => {
                    let backend = backend::Sqlite::full();
                    (workloads::run_all(&backend, &sizes).await, w4_scale(&backend, &sizes).await)
                }
                "postgres-fsync" => {
                    let backend = backend::Postgres::with_fsync().await;
                    let found = (
                        workloads::run_all(&backend, &sizes).await,
                        w4_scale(&backend, &sizes).await,
                    );
                    backend.restore_fsync().await;
                    found
                }
                other => panic!(
                    "unknown backend {other} (sqlite, postgres, sqlite-full, postgres-fsync)"
                ),
            }
        });
        figures.extend(found);
        scale_lines.extend(scale);
    }
    report::print(&sizes, &figures);
    for line in scale_lines {
        println!("{line}");
    }
    report::write_json(&sizes, &figures);
}
