//! The redactor's cost per event: the 22 default patterns over an ordinary assistant message and
//! over one holding two secrets, against copying the same map (what a store does with redaction
//! off), in one process. Prints `redaction <text>: X µs/event, ratio to a copy Y`.

use std::hint::black_box;
use std::time::Instant;

use asm_core::JsonMap;
use asm_core::redactor::{RedactionConfig, redact_map};
use serde_json::json;

/// An event's `data` as agents write it: a message and a tool call, about 2 KB of text.
fn data(text: &str) -> JsonMap {
    let value = json!({
        "content": text,
        "role": "assistant",
        "tool": {"name": "read_file", "input": {"path": "src/lib.rs"}, "output": text},
    });
    value.as_object().cloned().unwrap_or_default()
}

/// Seconds per call of `f`, the median of five rounds of `n` calls.
fn per_call(n: u32, mut f: impl FnMut()) -> f64 {
    let mut rounds: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_secs_f64() / f64::from(n)
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let n = if quick { 2_000 } else { 20_000 };
    let ordinary = "The assistant read the file and found that compute_totals in src/lib.rs \
                    returns the wrong sum for an empty list; it proposed a fix and a test. "
        .repeat(6);
    let secrets = format!("{ordinary} password=hunter2 and sk-proj-{}", "a".repeat(30));
    let on = RedactionConfig::enabled_default();
    let off = RedactionConfig::default();
    for (name, text) in [("ordinary text", ordinary), ("with 2 secrets", secrets)] {
        let map = data(&text);
        let copy = per_call(n, || {
            black_box(redact_map(black_box(&map), &off));
        });
        let redacted = per_call(n, || {
            black_box(redact_map(black_box(&map), &on));
        });
        println!(
            "redaction {name}: {:.1} µs/event, ratio to a copy {:.2}",
            redacted * 1e6,
            copy / redacted
        );
    }
}
