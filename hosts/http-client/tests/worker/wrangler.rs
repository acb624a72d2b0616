//! `wrangler dev --local` on 127.0.0.1 in its own process group, stopped (the whole group) on drop.
//! Also compiled into the Worker benchmark (`bench/src/bin/worker.rs`).

use std::io::Read;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Why a `wrangler dev` did not come up, with its log.
enum Startup {
    /// It exited before answering (worth another try).
    Exited(String),
    /// Its build failed or it never answered (not).
    Failed(String),
}

/// A running `wrangler dev`.
pub struct Wrangler {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Where its output goes.
    pub log: PathBuf,
}

/// The repository root: the nearest directory above the compiling crate with `wrangler.toml`.
pub fn root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = crate_dir
        .ancestors()
        .find(|d| d.join("wrangler.toml").is_file())
        .expect("wrangler.toml above the crate");
    root.canonicalize().expect("repository root")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wrangler_bin() -> PathBuf {
    let bin = root().join("node_modules/.bin/wrangler");
    assert!(bin.exists(), "{} is missing: run `npm ci` (scripts/test does)", bin.display());
    bin
}

/// The longest any request of the harness may take: a hung answer fails the check instead of
/// stopping the harness.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// An agent whose every request ends within [`REQUEST_TIMEOUT`], answering any status.
pub fn bounded_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .build()
        .into()
}

/// Applies the D1 migrations to a local D1 kept under `state`.
pub fn migrate_d1(state: &Path) {
    let out = Command::new(wrangler_bin())
        .args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"])
        .arg(state)
        .current_dir(root())
        .env("CI", "true")
        .output()
        .expect("wrangler d1 migrations apply");
    assert!(
        out.status.success(),
        "d1 migrations apply failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The local D1 under `state`, opened read-only beside the running Worker: what is stored,
/// seen without asking the Worker (whose answer a check may not trust, or cannot get).
pub fn open_d1(state: &Path) -> Result<rusqlite::Connection, String> {
    let dir = state.join("v3/d1/miniflare-D1DatabaseObject");
    let files = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for file in files.flatten().map(|f| f.path()) {
        if file.extension().is_none_or(|x| x != "sqlite") || file.ends_with("metadata.sqlite") {
            continue;
        }
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
        let db = rusqlite::Connection::open_with_flags(&file, flags).map_err(|e| e.to_string())?;
        if db.prepare("SELECT 1 FROM asm_events LIMIT 0").is_ok() {
            return Ok(db);
        }
    }
    Err(format!("no D1 database with the asm_* tables under {}", dir.display()))
}

/// Which Worker build a `wrangler dev` runs: scripts/build-worker's `ASM_WORKER_VARIANT`, which
/// its `[build]` command reads, and the entry point that build writes.
#[derive(Clone, Copy)]
pub enum Build {
    /// D1 and PostgreSQL through Hyperdrive (wrangler.toml's `main`).
    Full,
    /// D1 only, the smaller bundle a D1 deployment can ship.
    D1Only,
}

impl Build {
    fn variant(self) -> &'static str {
        match self {
            Build::Full => "full",
            Build::D1Only => "d1",
        }
    }

    fn entry(self) -> &'static str {
        match self {
            Build::Full => "hosts/worker/build/index.js",
            Build::D1Only => "hosts/worker/build-d1/index.js",
        }
    }
}

impl Wrangler {
    /// Starts the full Worker build with `vars` (`KEY:VALUE`) and extra environment, and waits
    /// for `GET /v1/health`.
    pub fn start(name: &str, state: &Path, vars: &[String], envs: &[(&str, String)]) -> Wrangler {
        Wrangler::start_build(Build::Full, name, state, vars, envs)
    }

    /// [`Wrangler::start`] of the given build.
    ///
    /// A `wrangler dev` that exits before answering is started again (twice at most, on fresh
    /// ports): wrangler 4.86 sometimes restarts its custom build at startup and then fails to
    /// bind the port it still holds ("Address already in use"). A failed build is not retried.
    pub fn start_build(
        build: Build,
        name: &str,
        state: &Path,
        vars: &[String],
        envs: &[(&str, String)],
    ) -> Wrangler {
        let spawn = || {
            let port = free_port();
            let inspector = free_port();
            let log = std::env::temp_dir().join(format!("asm-wrangler-{name}-{port}.log"));
            let out = std::fs::File::create(&log).expect("log file");
            let mut cmd = Command::new(wrangler_bin());
            cmd.args([
                "dev",
                build.entry(),
                "--local",
                "--ip",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .args(["--inspector-ip", "127.0.0.1", "--inspector-port", &inspector.to_string()])
            .args(["--show-interactive-dev-session=false", "--test-scheduled", "--persist-to"])
            .arg(state)
            .current_dir(root())
            .env("ASM_WORKER_VARIANT", build.variant())
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .process_group(0);
            for v in vars {
                cmd.args(["--var", v]);
            }
            for (k, v) in envs {
                cmd.env(k, v);
            }
            let child = cmd.spawn().expect("wrangler dev starts");
            Wrangler { child, url: format!("http://127.0.0.1:{port}"), log }
        };
        let mut attempt = 1;
        loop {
            let mut w = spawn();
            match w.wait_ready() {
                Ok(()) => return w,
                Err(Startup::Exited(_)) if attempt < 3 => {
                    println!("wrangler dev {name} exited before answering; starting it again");
                    attempt += 1;
                }
                Err(Startup::Exited(log) | Startup::Failed(log)) => panic!("{log}"),
            }
        }
    }

    /// Waits for `/v1/health`, failing at once when wrangler exits or its build step fails
    /// (it keeps running after a failed build, waiting for a file change).
    fn wait_ready(&mut self) -> Result<(), Startup> {
        let started = Instant::now();
        let agent = bounded_agent();
        while started.elapsed() < Duration::from_secs(600) {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = self.log_text();
                return Err(Startup::Exited(format!(
                    "wrangler dev exited ({status}) before answering; its log:\n{log}"
                )));
            }
            let log = self.log_text();
            if log.contains("Running custom build") && log.contains("failed") {
                return Err(Startup::Failed(format!(
                    "wrangler dev's [build] command failed; its log:\n{log}"
                )));
            }
            if let Ok(r) = agent.get(&format!("{}/v1/health", self.url)).call()
                && r.status() == 200
            {
                println!(
                    "wrangler dev ready at {} after {:.1} s",
                    self.url,
                    started.elapsed().as_secs_f64()
                );
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(Startup::Failed(format!(
            "wrangler dev did not answer /v1/health within 600 s (it runs the [build] command first); its log:\n{}",
            self.log_text()
        )))
    }

    /// The process id of `wrangler`, which leads the process group of its runtime.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it printed so far.
    pub fn log_text(&self) -> String {
        let mut s = String::new();
        let _ = std::fs::File::open(&self.log).and_then(|mut f| f.read_to_string(&mut s));
        s
    }
}

impl Drop for Wrangler {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}
