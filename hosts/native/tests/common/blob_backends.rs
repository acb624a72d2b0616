//! The artifact backends of the blob tests: folders under one temporary directory per test
//! process, and moto's S3-compatible server (PyPI `moto[server]`, installed by
//! `scripts/tools.sh`), started on 127.0.0.1 on a free port, with a fresh bucket per store.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use asm_core::Env;
use asm_native::{FsArtifactStore, S3ArtifactStore, S3Config};

/// A running moto server, stopped on drop.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

static BUCKETS: AtomicUsize = AtomicUsize::new(0);

/// Where moto_server is: `$ASM_MOTO_SERVER`, or where `asm_moto_install` puts it.
fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("ASM_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let dir = std::env::var("ASM_MOTO_DIR").map(PathBuf::from).unwrap_or_else(|_| {
        PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/asm-edge/moto-5.2.5")
    });
    dir.join("bin/moto_server")
}

impl Moto {
    /// Starts the server and waits until it answers; panics with how to install it when it is
    /// missing (the tests never skip).
    pub fn start() -> Moto {
        let bin = binary();
        if !bin.is_file() {
            panic!(
                "moto_server (the S3-compatible test server) is not at {}. Install it with \
                 `. scripts/tools.sh && asm_moto_install` (pip install 'moto[server]==5.2.5' into \
                 a venv), or point ASM_MOTO_SERVER at a moto_server binary.",
                bin.display()
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("{} exited before it listened: {status}", bin.display());
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{} did not listen on port {port} within 60 s",
                bin.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// The configuration of bucket `name` on this server.
    pub fn config(&self, name: &str) -> S3Config {
        S3Config {
            endpoint: self.endpoint.clone(),
            bucket: name.to_owned(),
            region: "us-east-1".into(),
            access_key: "test".into(),
            secret_key: "test".into(),
            path_style: true,
        }
    }

    /// A store over a new, empty bucket.
    pub fn fresh_store(&self, env: Env) -> Result<S3ArtifactStore, String> {
        let name =
            format!("asm-test-{}-{}", std::process::id(), BUCKETS.fetch_add(1, Ordering::SeqCst));
        let store = S3ArtifactStore::new(&self.config(&name), env).map_err(|e| e.to_string())?;
        store.create_bucket().map_err(|e| e.to_string())?;
        Ok(store)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Fresh folders under one temporary directory, removed (with everything in it) on drop.
pub struct Folders {
    root: PathBuf,
    next: AtomicUsize,
}

impl Folders {
    /// A new temporary directory named after `what` and the process.
    pub fn new(what: &str) -> Folders {
        let root = std::env::temp_dir().join(format!("asm-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        Folders { root, next: AtomicUsize::new(0) }
    }

    /// A store over a new, empty folder.
    pub fn fresh_store(&self, env: Env) -> Result<FsArtifactStore, String> {
        let dir = self.root.join(self.next.fetch_add(1, Ordering::SeqCst).to_string());
        FsArtifactStore::new(dir, env).map_err(|e| e.to_string())
    }
}

impl Drop for Folders {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
