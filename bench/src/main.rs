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
mod workloads;

use report::{Figure, Sizes};

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
    for name in &sizes.backends {
        eprintln!("asm-bench: {name} …");
        let found = runtime.block_on(async {
            match name.as_str() {
                "sqlite" => workloads::run_all(&backend::Sqlite::new(), &sizes).await,
                "postgres" => workloads::run_all(&backend::Postgres::new().await, &sizes).await,
                other => panic!("unknown backend {other} (sqlite, postgres)"),
            }
        });
        figures.extend(found);
    }
    report::print(&sizes, &figures);
    report::write_json(&sizes, &figures);
}
