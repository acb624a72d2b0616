//! Fault injection into the row-and-bytes protocol of `CompositeStore` (docs/artifacts.md):
//! `store_artifact` (bytes put, then the row insert) and `remove_artifact` (the row delete,
//! then the bytes delete), with a failure injected at every step — every SQL statement failing
//! (its transaction rolled back), every batch's answer lost after it committed, every call to
//! the artifact store failing before it acts or losing its answer after it acted — and every
//! pair of one SQL fault and one artifact-store fault.
//!
//! After each faulty operation: no live row points at missing or different bytes (the protocol
//! orders its steps so that the state left by a fault at any step is a state between two
//! steps). Then a sweep past the grace period (the SteppingClock moves): `health_check()` is
//! empty and the bytes under `blobs/` are exactly those of the live rows. Then a retry of the
//! operation succeeds and leaves the artifact fully present (store) or fully absent (remove).
//!
//! Runs SQLite rows with bytes in a folder, and PostgreSQL rows (`DATABASE_URL`) with bytes in
//! a bucket of moto's S3-compatible server (started here). Prints `reliability
//! artifact-faults: N passed, M failed`, N counting (backend, operation, faults) scenarios.

mod common;

use std::cell::Cell;
use std::collections::BTreeSet;
use std::sync::Arc;

use asm_core::blob::{BlobInfo, BlobRead, ByteRange, ByteStream, PutOptions, bytes_stream};
use asm_core::composite::{BLOB_PREFIX, CompositeStore};
use asm_core::ports::{
    ArtifactContent, ArtifactRegistry, ArtifactScan, ArtifactStore, Maintenance,
};
use asm_core::sql::{Dialect, ExecError, Executor, ResultSet, SqlStore, Statement};
use asm_core::{Env, Error, ErrorCode, NewArtifact, Result, SeededIds, SteppingClock};
use common::blob_backends::{Folders, Moto};
use common::fault::{Fault, Faulty};
use common::pg_db::{Postgres, database_url};
use common::sqlite_db::Sqlite;
use common::{Backend, T0, block_on};

/// The composite's grace period in these tests.
const GRACE_MS: i64 = 60_000;

/// The artifact under test and its bytes.
const KEY: &str = "report.bin";

fn bytes() -> Vec<u8> {
    asm_conformance::artifacts::pattern(100_000, 7)
}

/// A borrowed fault-injecting executor, so the composite can own its store.
struct Shared<'a, E>(&'a Faulty<E>);

impl<E: Executor> Executor for Shared<'_, E> {
    fn dialect(&self) -> Dialect {
        self.0.dialect()
    }
    async fn batch(
        &self,
        statements: Vec<Statement>,
    ) -> std::result::Result<Vec<ResultSet>, ExecError> {
        self.0.batch(statements).await
    }
}

/// What the artifact-store wrapper does to its calls (counted over every call, from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlobFault {
    /// Pass everything through.
    Off,
    /// Call `n` fails without reaching the backend.
    FailAt(usize),
    /// Call `n` reaches the backend, then fails as if its answer was lost.
    LoseAnswer(usize),
}

/// An artifact store failing one chosen call.
struct Flaky<'a, B> {
    inner: &'a B,
    fault: Cell<BlobFault>,
    calls: Cell<usize>,
    fired: Cell<bool>,
}

impl<'a, B: ArtifactStore> Flaky<'a, B> {
    fn new(inner: &'a B) -> Flaky<'a, B> {
        Flaky {
            inner,
            fault: Cell::new(BlobFault::Off),
            calls: Cell::new(0),
            fired: Cell::new(false),
        }
    }

    fn arm(&self, fault: BlobFault) {
        self.fault.set(fault);
        self.calls.set(0);
        self.fired.set(false);
    }

    /// Counts a call: `Some(true)` to fail it before the backend, `Some(false)` after.
    fn next(&self) -> Option<bool> {
        let n = self.calls.get();
        self.calls.set(n + 1);
        let hit = match self.fault.get() {
            BlobFault::FailAt(k) if k == n => Some(true),
            BlobFault::LoseAnswer(k) if k == n => Some(false),
            _ => None,
        };
        if hit.is_some() {
            self.fired.set(true);
        }
        hit
    }

    async fn guard<T>(&self, call: impl Future<Output = Result<T>>) -> Result<T> {
        let injected = || Error::new(ErrorCode::StorageError, "injected artifact store failure");
        match self.next() {
            Some(true) => Err(injected()),
            Some(false) => {
                let _ = call.await;
                Err(injected())
            }
            None => call.await,
        }
    }
}

impl<B: ArtifactStore> ArtifactStore for Flaky<'_, B> {
    fn backend(&self) -> &str {
        self.inner.backend()
    }
    async fn put(&self, key: &str, body: ByteStream<'_>, options: &PutOptions) -> Result<BlobInfo> {
        self.guard(self.inner.put(key, body, options)).await
    }
    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<BlobRead<'_>> {
        self.guard(self.inner.get(key, range)).await
    }
    async fn head(&self, key: &str) -> Result<Option<BlobInfo>> {
        self.guard(self.inner.head(key)).await
    }
    async fn delete(&self, key: &str) -> Result<()> {
        self.guard(self.inner.delete(key)).await
    }
    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<BlobInfo>> {
        self.guard(self.inner.list(prefix, after, limit)).await
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Store,
    Remove,
}

type Composite<'a, E, B> = CompositeStore<SqlStore<Shared<'a, E>>, Flaky<'a, B>>;

async fn store<E: Executor, B: ArtifactStore>(c: &Composite<'_, E, B>) -> Result<()> {
    let attrs = NewArtifact { key: Some(KEY.into()), ..Default::default() };
    c.store_artifact(attrs, bytes_stream(bytes()), &PutOptions::default()).await.map(drop)
}

/// No live row points at missing or different bytes.
async fn rows_have_bytes<E: Executor, B: ArtifactStore>(
    c: &Composite<'_, E, B>,
) -> std::result::Result<Vec<String>, String> {
    let rows = c.store().scan_artifacts(None, 1000).await.map_err(|e| e.to_string())?;
    let mut live = Vec::new();
    for row in rows.into_iter().filter(|r| r.deleted_at.is_none()) {
        let blob = c.blobs().inner.head(&row.storage_ref).await.map_err(|e| e.to_string())?;
        match blob {
            Some(b) if b.sha256 == row.checksum_sha256 && b.byte_size as i64 == row.byte_size => {}
            other => return Err(format!("live row {} has bytes {other:?}", row.key)),
        }
        live.push(row.storage_ref);
    }
    Ok(live)
}

/// After a sweep past the grace period: healthy, and the objects are exactly the live rows'.
async fn converged<E: Executor, B: ArtifactStore>(
    c: &Composite<'_, E, B>,
    clock: &SteppingClock,
) -> std::result::Result<(), String> {
    clock.advance((GRACE_MS + 1_000) * 1_000);
    c.sweep().await.map_err(|e| format!("sweep: {e}"))?;
    let issues = c.health_check().await.map_err(|e| e.to_string())?;
    if !issues.is_empty() {
        return Err(format!("health after the sweep: {issues:?}"));
    }
    let live: BTreeSet<String> = rows_have_bytes(c).await?.into_iter().collect();
    let objects = c.blobs().inner.list(BLOB_PREFIX, None, 1000).await.map_err(|e| e.to_string())?;
    let objects: BTreeSet<String> = objects.into_iter().map(|o| o.key).collect();
    if live != objects {
        return Err(format!("live rows' bytes {live:?}, objects {objects:?}"));
    }
    Ok(())
}

/// One scenario on fresh row and byte stores (the byte store stamps objects with `env`, whose
/// clock is `clock`): whether each fault fired, and the checks.
async fn scenario<E: Executor, B: ArtifactStore>(
    (db, backend, env, clock): &(Faulty<E>, B, Env, Arc<SteppingClock>),
    op: Op,
    sql: Fault,
    blob: BlobFault,
) -> (bool, bool, std::result::Result<(), String>) {
    let c = CompositeStore::new(
        SqlStore::new(Shared(db), env.clone()),
        Flaky::new(backend),
        env.clone(),
    )
    .with_grace_ms(GRACE_MS);
    db.arm(Fault::Off);
    if op == Op::Remove
        && let Err(e) = store(&c).await
    {
        return (false, false, Err(format!("setup: {e}")));
    }
    db.arm(sql);
    c.blobs().arm(blob);
    let first = match op {
        Op::Store => store(&c).await,
        Op::Remove => c.remove_artifact(KEY).await,
    };
    let fired = (db.at_fault.borrow().is_some(), c.blobs().fired.get());
    db.arm(Fault::Off);
    c.blobs().arm(BlobFault::Off);
    let checks = async {
        // A step that failed (rather than losing its answer) fails the operation.
        let failed_step = (fired.0 && matches!(sql, Fault::FailAt(_)))
            || (fired.1 && matches!(blob, BlobFault::FailAt(_)));
        if failed_step && first.is_ok() {
            return Err("the operation succeeded although a step failed".to_owned());
        }
        rows_have_bytes(&c).await.map_err(|e| format!("right after the fault: {e}"))?;
        converged(&c, clock).await.map_err(|e| format!("after the first sweep: {e}"))?;
        match op {
            Op::Store => store(&c).await.or_else(|e| match e.code() {
                // The first attempt registered the row.
                ErrorCode::PersistenceError if e.message() == "key has already been taken" => {
                    Ok(())
                }
                _ => Err(format!("retry: {e}")),
            })?,
            Op::Remove => c.remove_artifact(KEY).await.map_err(|e| format!("retry: {e}"))?,
        }
        converged(&c, clock).await.map_err(|e| format!("after the retry: {e}"))?;
        let row = c.get_by_key(KEY).await.map_err(|e| e.to_string())?;
        match (op, row) {
            (Op::Store, Some(_)) => {
                let (_, read) = c.open_artifact(KEY, None).await.map_err(|e| e.to_string())?;
                let back = read.into_bytes().await.map_err(|e| e.to_string())?;
                if back != bytes() {
                    return Err("the stored bytes differ".into());
                }
                Ok(())
            }
            (Op::Remove, None) => Ok(()),
            (op, row) => Err(format!("after {op:?} and its retry the row is {row:?}")),
        }
    };
    (fired.0, fired.1, checks.await)
}

/// Every fault of every step of both operations, alone and in pairs (one SQL fault, one
/// artifact-store fault), on fresh stores from `fresh`; prints failures and returns (passed,
/// failed).
async fn run<E: Executor, B: ArtifactStore>(
    name: &str,
    fresh: impl AsyncFn(Env) -> (Faulty<E>, B),
) -> (usize, usize) {
    let setup = async || {
        let clock = Arc::new(SteppingClock::new(T0, 1_000));
        let env = Env::new(clock.clone(), Arc::new(SeededIds::new(23)));
        let (db, backend) = fresh(env.clone()).await;
        (db, backend, env, clock)
    };
    let (mut passed, mut failed) = (0, 0);
    for op in [Op::Store, Op::Remove] {
        // The faults that fire on their own: every statement, every batch, every call.
        let mut sql_faults = vec![Fault::Off];
        for make in [Fault::FailAt as fn(usize) -> Fault, Fault::LoseAnswer] {
            for k in 0.. {
                let stores = setup().await;
                let (fired, _, result) = scenario(&stores, op, make(k), BlobFault::Off).await;
                if !fired {
                    break;
                }
                sql_faults.push(make(k));
                record(name, op, make(k), BlobFault::Off, result, &mut passed, &mut failed);
            }
        }
        for make in [BlobFault::FailAt as fn(usize) -> BlobFault, BlobFault::LoseAnswer] {
            // Every call of the artifact store, alone and after each SQL fault (a failed row
            // insert makes a call of its own: the delete of the bytes just written).
            for &sql in &sql_faults {
                for k in 0.. {
                    let stores = setup().await;
                    let (_, fired, result) = scenario(&stores, op, sql, make(k)).await;
                    if !fired {
                        break;
                    }
                    record(name, op, sql, make(k), result, &mut passed, &mut failed);
                }
            }
        }
        let stores = setup().await;
        let (_, _, result) = scenario(&stores, op, Fault::Off, BlobFault::Off).await;
        record(name, op, Fault::Off, BlobFault::Off, result, &mut passed, &mut failed);
    }
    (passed, failed)
}

fn record(
    name: &str,
    op: Op,
    sql: Fault,
    blob: BlobFault,
    result: std::result::Result<(), String>,
    passed: &mut usize,
    failed: &mut usize,
) {
    match result {
        Ok(()) => {
            println!("  ok   {name} {op:?} sql {sql:?} blobs {blob:?}");
            *passed += 1;
        }
        Err(why) => {
            println!("  FAIL {name} {op:?} sql {sql:?} blobs {blob:?}: {why}");
            *failed += 1;
        }
    }
}

fn main() {
    // Fail up front (never skip) when there is no PostgreSQL or no moto to run against.
    let _ = database_url();
    let moto = Moto::start();
    let folders = Folders::new("artifact-faults");
    let sqlite_file = block_on(run("sqlite-file", async |env| {
        let db = Faulty::new(Sqlite(Dialect::Sqlite).migrated().await);
        (db, folders.fresh_store(env).expect("folder"))
    }));
    let postgres_s3 = block_on(run("postgres-s3", async |env| {
        let db = Faulty::new(Postgres.migrated().await);
        (db, moto.fresh_store(env).expect("bucket"))
    }));
    drop((folders, moto));
    for (name, (p, f)) in [("sqlite-file", sqlite_file), ("postgres-s3", postgres_s3)] {
        println!("  {name}: {p} passed, {f} failed");
    }
    let passed = sqlite_file.0 + postgres_s3.0;
    let failed = sqlite_file.1 + postgres_s3.1;
    println!("reliability artifact-faults: {passed} passed, {failed} failed");
    assert_eq!(failed, 0, "{failed} artifact fault scenarios failed");
}
