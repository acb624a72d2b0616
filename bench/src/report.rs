//! Sizes (command-line parameters), figures, the table, the ratio lines and the JSON file.

use std::time::Duration;

/// The parameters of a run.
#[derive(Debug, Clone)]
pub struct Sizes {
    /// `quick` or `full`.
    pub mode: String,
    /// W1 events (one call each).
    pub w1: usize,
    /// W2/W3/W6 events.
    pub w2: usize,
    /// Events per W2/W6 batch.
    pub batch: usize,
    /// W4 sessions (10 events each).
    pub w4_sessions: usize,
    /// W4 cursors walked before the deep page.
    pub w4_depth: usize,
    /// W5 events (100 per session).
    pub w5: usize,
    /// W6 concurrent writers.
    pub writers: usize,
    /// Events already stored (in other sessions) before W2/W3 run; 0 for an empty store.
    pub stored: usize,
    /// Repetitions (medians over them).
    pub reps: usize,
    /// Backends to run.
    pub backends: Vec<String>,
    /// Workloads to run (empty: all).
    pub only: Vec<String>,
    /// Where the JSON goes.
    pub json: String,
}

impl Sizes {
    /// Usage text.
    pub const USAGE: &'static str = "usage: asm-bench [--quick] [--reps N] [--w1 N] [--w2 N] [--batch N] \
[--w4-sessions N] [--w4-depth N] [--w5 N] [--writers N] [--stored N] [--backends sqlite,postgres,sqlite-full,postgres-fsync] [--only W1,W4,W4-scale] [--json PATH]";

    /// The full sizes, changed by `args`; `--quick` scales them down first.
    pub fn from_args(args: impl Iterator<Item = String>) -> Result<Sizes, String> {
        let mut s = Sizes {
            mode: "full".into(),
            w1: 5_000,
            w2: 50_000,
            batch: 100,
            w4_sessions: 2_000,
            w4_depth: 50,
            w5: 1_000_000,
            writers: 8,
            stored: 0,
            reps: 3,
            backends: vec!["sqlite".into(), "postgres".into()],
            only: Vec::new(),
            json: "bench/results/latest.json".into(),
        };
        let args: Vec<String> = args.collect();
        if args.iter().any(|a| a == "--quick") {
            s.mode = "quick".into();
            s.w1 = 1_000;
            s.w2 = 10_000;
            s.w5 = 50_000;
        }
        let mut it = args.into_iter();
        while let Some(flag) = it.next() {
            if flag == "--quick" {
                continue;
            }
            let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number =
                || value.parse::<usize>().map_err(|_| format!("{flag}: not a number: {value}"));
            match flag.as_str() {
                "--reps" => s.reps = number()?.max(1),
                "--w1" => s.w1 = number()?,
                "--w2" => s.w2 = number()?,
                "--batch" => s.batch = number()?.max(1),
                "--w4-sessions" => s.w4_sessions = number()?,
                "--w4-depth" => s.w4_depth = number()?,
                "--w5" => s.w5 = number()?,
                "--writers" => s.writers = number()?.max(1),
                "--stored" => s.stored = number()?,
                "--backends" => s.backends = value.split(',').map(str::to_owned).collect(),
                "--only" => s.only = value.split(',').map(str::to_owned).collect(),
                "--json" => s.json = value,
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        // W4 reads 20 sessions per page and needs a full page after `w4_depth` cursors.
        if s.wants("W4") && s.w4_sessions < (s.w4_depth + 1) * 20 {
            return Err(format!(
                "--w4-sessions must be at least {} for --w4-depth {}",
                (s.w4_depth + 1) * 20,
                s.w4_depth
            ));
        }
        Ok(s)
    }

    /// Whether workload `w` runs.
    pub fn wants(&self, w: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == w)
    }
}

/// One workload on one backend: wall times of every repetition.
#[derive(Debug, Clone)]
pub struct Figure {
    /// W1…W7 (W4 first page, W4-deep the page after 50 cursors; W7 scoped against unscoped).
    pub workload: String,
    /// sqlite, postgres.
    pub backend: String,
    /// Operations per repetition.
    pub ops: usize,
    /// What an operation is.
    pub unit: &'static str,
    /// Seconds, ours.
    pub ours: Vec<f64>,
    /// Seconds, raw.
    pub raw: Vec<f64>,
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 }
}

impl Figure {
    /// An empty figure.
    pub fn new(workload: &str, backend: &str, ops: usize, unit: &'static str) -> Figure {
        Figure {
            workload: workload.into(),
            backend: backend.into(),
            ops,
            unit,
            ours: Vec::new(),
            raw: Vec::new(),
        }
    }

    /// Records one repetition.
    pub fn push(&mut self, ours: Duration, raw: Duration) {
        self.ours.push(ours.as_secs_f64());
        self.raw.push(raw.as_secs_f64());
    }

    /// Median over repetitions of raw time / ours time (= ours throughput / raw throughput).
    pub fn ratio(&self) -> f64 {
        median(self.ours.iter().zip(&self.raw).map(|(o, r)| r / o).collect())
    }

    fn ours_median(&self) -> f64 {
        median(self.ours.clone())
    }

    fn raw_median(&self) -> f64 {
        median(self.raw.clone())
    }
}

/// The table, the W4 depth line and the ratio lines.
pub fn print(sizes: &Sizes, figures: &[Figure]) {
    println!(
        "asm-bench ({} mode, {} repetitions, medians; ratio = ours throughput / raw throughput, higher is better, 1.00 = as fast as raw)",
        sizes.mode, sizes.reps
    );
    println!();
    println!(
        "| workload | backend | ops | unit | ours s | raw s | ours ops/s | raw ops/s | ratio |"
    );
    println!("|---|---|---:|---|---:|---:|---:|---:|---:|");
    for f in figures {
        let (o, r) = (f.ours_median(), f.raw_median());
        println!(
            "| {} | {} | {} | {} | {:.3} | {:.3} | {:.0} | {:.0} | {:.2} |",
            f.workload,
            f.backend,
            f.ops,
            f.unit,
            o,
            r,
            f.ops as f64 / o,
            f.ops as f64 / r,
            f.ratio()
        );
    }
    println!();
    for (backend, ours, raw) in depth_ratios(figures) {
        println!(
            "deep/first W4 {backend}: ours {ours:.2}, raw {raw:.2} (time of the page after {} cursors / first page; ≤ 1.5 is flat)",
            sizes.w4_depth
        );
    }
    println!("ratio lines: ours throughput / raw throughput (≥ 0.80 means within 20 % of raw)");
    for f in figures {
        println!("ratio {} {}: {:.2}", f.workload, f.backend, f.ratio());
    }
}

/// Per backend: deep-page time / first-page time, ours and raw.
fn depth_ratios(figures: &[Figure]) -> Vec<(String, f64, f64)> {
    let mut out = Vec::new();
    for deep in figures.iter().filter(|f| f.workload == "W4-deep") {
        if let Some(first) =
            figures.iter().find(|f| f.workload == "W4" && f.backend == deep.backend)
        {
            out.push((
                deep.backend.clone(),
                deep.ours_median() / first.ours_median(),
                deep.raw_median() / first.raw_median(),
            ));
        }
    }
    out
}

fn machine() -> serde_json::Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("")
        .trim();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("")
        .trim();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    serde_json::json!({
        "nproc": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu": cpu,
        "mem_total": mem,
        "loadavg_at_end": load.trim(),
    })
}

/// Writes every figure, with the sizes and the machine, to `sizes.json`.
pub fn write_json(sizes: &Sizes, figures: &[Figure]) {
    let results: Vec<_> = figures
        .iter()
        .map(|f| {
            serde_json::json!({
                "workload": f.workload, "backend": f.backend, "ops": f.ops, "unit": f.unit,
                "ours_seconds": f.ours, "raw_seconds": f.raw,
                "ours_median_seconds": f.ours_median(), "raw_median_seconds": f.raw_median(),
                "ratio_ours_over_raw_throughput": (f.ratio() * 1000.0).round() / 1000.0,
            })
        })
        .collect();
    let depth: Vec<_> = depth_ratios(figures)
        .into_iter()
        .map(|(b, o, r)| serde_json::json!({"backend": b, "ours_deep_over_first": o, "raw_deep_over_first": r}))
        .collect();
    let doc = serde_json::json!({
        "mode": sizes.mode,
        "sizes": {"w1": sizes.w1, "w2": sizes.w2, "batch": sizes.batch, "w4_sessions": sizes.w4_sessions,
                  "w4_depth": sizes.w4_depth, "w5": sizes.w5, "writers": sizes.writers, "stored": sizes.stored, "reps": sizes.reps},
        "ratio": "ours throughput / raw throughput, median of per-repetition ratios",
        "machine": machine(),
        "results": results,
        "w4_deep_vs_first": depth,
    });
    if let Some(dir) = std::path::Path::new(&sizes.json).parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(&sizes.json, serde_json::to_string_pretty(&doc).expect("json")) {
        Ok(()) => eprintln!("asm-bench: wrote {}", sizes.json),
        Err(e) => eprintln!("asm-bench: cannot write {}: {e}", sizes.json),
    }
}
