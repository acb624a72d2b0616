//! The artifact suites on the native backends: `conformance blobs-file` (a folder),
//! `conformance blobs-s3` (a bucket on moto's S3-compatible server, started here on
//! 127.0.0.1), `conformance composite-sqlite-file` (SQLite rows, bytes in a folder) and
//! `conformance composite-postgres-s3` (PostgreSQL rows on `DATABASE_URL`, bytes in a bucket);
//! then the folder's layout (`file layout`) and the S3 backend's multipart path, which the
//! shared suite's objects are too small for (`s3 multipart`).
//!
//! Needs `DATABASE_URL` (`eval "$(scripts/postgres-up)"`) and moto (`. scripts/tools.sh &&
//! asm_moto_install`); fails, never skips, without them.

mod common;

use std::sync::Arc;

use asm_conformance::Harness;
use asm_conformance::artifacts::{BlobHarness, pattern, run_blob_suite, run_composite_suite};
use asm_core::blob::{ByteRange, PutOptions, bytes_stream, sha256_hex};
use asm_core::ports::ArtifactStore;
use asm_core::sql::{Dialect, SqlStore};
use asm_core::{Env, ErrorCode, SeededIds, SteppingClock};
use asm_native::{FsArtifactStore, PART_BYTES, S3ArtifactStore, UPLOAD_PREFIX};
use common::blob_backends::{Folders, Moto};
use common::pg_db::{PgDb, Postgres, database_url};
use common::sqlite_db::{Sqlite, TempDb};
use common::{Backend, T0, block_on};

struct FileBlobs(Folders);

impl BlobHarness for FileBlobs {
    type Blobs = FsArtifactStore;
    async fn fresh_blobs(&self, env: Env) -> Result<FsArtifactStore, String> {
        self.0.fresh_store(env)
    }
}

struct S3Blobs<'a>(&'a Moto);

impl BlobHarness for S3Blobs<'_> {
    type Blobs = S3ArtifactStore;
    async fn fresh_blobs(&self, env: Env) -> Result<S3ArtifactStore, String> {
        self.0.fresh_store(env)
    }
}

struct SqliteRows;

impl Harness for SqliteRows {
    type Store = SqlStore<TempDb>;
    async fn fresh_store(&self, env: Env) -> Result<Self::Store, String> {
        Ok(SqlStore::new(Sqlite(Dialect::Sqlite).migrated().await, env))
    }
}

struct PostgresRows;

impl Harness for PostgresRows {
    type Store = SqlStore<PgDb>;
    async fn fresh_store(&self, env: Env) -> Result<Self::Store, String> {
        Ok(SqlStore::new(Postgres.migrated().await, env))
    }
}

/// One backend-specific check's outcome, printed like a conformance case.
fn check(host: &str, name: &str, result: Result<(), String>, failed: &mut usize) {
    match result {
        Ok(()) => println!("  ok   {host} {name}"),
        Err(why) => {
            println!("  FAIL {host} {name}: {why}");
            *failed += 1;
        }
    }
}

/// The folder's layout: an object and objects under its key side by side, keys in byte order
/// across directories, and files that are not objects (a crash's temporary file, a stranger's
/// file) never listed; a refused put leaves no temporary file.
async fn file_layout(folders: &Folders) -> usize {
    let mut failed = 0;
    let env = Env::new(Arc::new(SteppingClock::new(T0, 1_000)), Arc::new(SeededIds::new(6)));
    let store = folders.fresh_store(env).expect("folder");
    let keys = |v: Vec<asm_core::blob::BlobInfo>| v.into_iter().map(|i| i.key).collect::<Vec<_>>();
    let result = async {
        for key in ["p/c/d", "p/c", "p/c.txt", "p/.hidden", "p/c/d/e"] {
            store.put_bytes(key, key.as_bytes().to_vec()).await.map_err(|e| e.to_string())?;
        }
        let listed = keys(store.list("p/", None, 10).await.map_err(|e| e.to_string())?);
        let expected = ["p/.hidden", "p/c", "p/c.txt", "p/c/d", "p/c/d/e"];
        if listed != expected {
            return Err(format!("list answered {listed:?}"));
        }
        let after = keys(store.list("p/", Some("p/c.txt"), 1).await.map_err(|e| e.to_string())?);
        if after != ["p/c/d"] {
            return Err(format!("the page after p/c.txt is {after:?}"));
        }
        for key in expected {
            let back = store.get_bytes(key).await.map_err(|e| e.to_string())?;
            if back != key.as_bytes() {
                return Err(format!("{key} reads back {back:?}"));
            }
        }
        Ok(())
    }
    .await;
    check("file", "objects_and_folders_share_a_name_in_key_order", result, &mut failed);

    let result = async {
        let dir = store.root().join("@p");
        std::fs::write(dir.join(".tmp-0123"), b"half an upload").map_err(|e| e.to_string())?;
        std::fs::write(dir.join("not an object"), b"x").map_err(|e| e.to_string())?;
        let wrong = PutOptions { sha256: Some(sha256_hex(b"other")), ..Default::default() };
        let refused = store.put("p/c", bytes_stream(b"new".to_vec()), &wrong).await;
        if refused.is_ok() {
            return Err("a wrong checksum was accepted".into());
        }
        let temporaries = std::fs::read_dir(&dir)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
            .count();
        if temporaries != 1 {
            return Err(format!("{temporaries} temporary files (the planted one only expected)"));
        }
        let listed = keys(store.list("", None, 10).await.map_err(|e| e.to_string())?);
        if listed.len() != 5 || store.get_bytes("p/c").await.map_err(|e| e.to_string())? != b"p/c" {
            return Err(format!("list answered {listed:?} (or p/c changed)"));
        }
        Ok(())
    }
    .await;
    check("file", "strangers_and_temporaries_are_not_objects", result, &mut failed);
    println!("file layout: {} passed, {failed} failed", 2 - failed);
    failed
}

/// The multipart uploads the bucket still has in progress (moto answers unsigned requests).
fn uploads_in_progress(moto: &Moto, bucket: &str) -> Result<usize, String> {
    let mut resp = ureq::get(format!("{}/{bucket}?uploads", moto.endpoint))
        .call()
        .map_err(|e| e.to_string())?;
    let text = resp.body_mut().read_to_string().map_err(|e| e.to_string())?;
    Ok(text.matches("<Upload>").count())
}

/// Objects under the temporary upload prefix, listed without the backend (which hides them).
fn temporary_objects(moto: &Moto, bucket: &str) -> Result<usize, String> {
    let url = format!("{}/{bucket}?list-type=2&prefix={UPLOAD_PREFIX}", moto.endpoint);
    let mut resp = ureq::get(url).call().map_err(|e| e.to_string())?;
    let text = resp.body_mut().read_to_string().map_err(|e| e.to_string())?;
    Ok(text.matches("<Key>").count())
}

/// Bodies larger than one part: multipart upload, checked before it completes, aborted when
/// refused; reads across part boundaries.
async fn multipart(moto: &Moto) -> usize {
    let mut failed = 0;
    let env = Env::new(Arc::new(SteppingClock::new(T0, 1_000)), Arc::new(SeededIds::new(5)));
    let bucket = format!("asm-multipart-{}", std::process::id());
    let store = S3ArtifactStore::new(&moto.config(&bucket), env).expect("store");
    store.create_bucket().expect("bucket");
    let big = pattern(2 * PART_BYTES + 12_345, 9);
    let declared = PutOptions {
        byte_size: Some(big.len() as u64),
        sha256: Some(sha256_hex(&big)),
        content_type: Some("image/png".into()),
    };
    let result = async {
        let info = store
            .put("shots/big.png", bytes_stream(big.clone()), &declared)
            .await
            .map_err(|e| e.to_string())?;
        if (info.byte_size, info.sha256.as_str()) != (big.len() as u64, sha256_hex(&big).as_str()) {
            return Err(format!("put answered {info:?}"));
        }
        let head = store.head("shots/big.png").await.map_err(|e| e.to_string())?;
        let head = head.ok_or("head: missing")?;
        if head.sha256 != info.sha256 || head.content_type.as_deref() != Some("image/png") {
            return Err(format!("head answered {head:?}"));
        }
        let back = store.get_bytes("shots/big.png").await.map_err(|e| e.to_string())?;
        if back != big {
            return Err("the bytes read back differ".into());
        }
        let start = PART_BYTES as u64 - 10;
        let range = ByteRange::From { start, end: Some(start + 19) };
        let part = store.get("shots/big.png", Some(range)).await.map_err(|e| e.to_string())?;
        let part = part.into_bytes().await.map_err(|e| e.to_string())?;
        if part != big[start as usize..start as usize + 20] {
            return Err("the range across the part boundary differs".into());
        }
        Ok(())
    }
    .await;
    check("s3", "multipart_put_and_get", result, &mut failed);

    let result = async {
        let other = pattern(PART_BYTES + 1, 3);
        let wrong = PutOptions { sha256: Some(sha256_hex(b"not these")), ..Default::default() };
        let e = store.put("shots/big.png", bytes_stream(other.clone()), &wrong).await;
        match e {
            Err(e) if e.code() == ErrorCode::ValidationError => {}
            other => return Err(format!("a wrong checksum answered {other:?}")),
        }
        let short = PutOptions { byte_size: Some(PART_BYTES as u64 + 100), ..Default::default() };
        let e = store.put("shots/big.png", bytes_stream(pattern(3 * PART_BYTES, 1)), &short).await;
        match e {
            Err(e) if e.message().contains("byte_size mismatch") => {}
            other => return Err(format!("an oversized body answered {other:?}")),
        }
        let back = store.get_bytes("shots/big.png").await.map_err(|e| e.to_string())?;
        if back != big {
            return Err("the old object was not kept".into());
        }
        let new_key = store.put("shots/new.png", bytes_stream(other), &wrong).await;
        if new_key.is_ok()
            || store.head("shots/new.png").await.map_err(|e| e.to_string())?.is_some()
        {
            return Err("a refused upload left an object".into());
        }
        let (uploads, temps) =
            (uploads_in_progress(moto, &bucket)?, temporary_objects(moto, &bucket)?);
        if (uploads, temps) != (0, 0) {
            return Err(format!(
                "{uploads} uploads in progress and {temps} temporary objects left"
            ));
        }
        let listed = store.list("", None, 10).await.map_err(|e| e.to_string())?;
        let keys: Vec<_> = listed.iter().map(|i| i.key.as_str()).collect();
        if keys != ["shots/big.png"] {
            return Err(format!("list answered {keys:?}"));
        }
        let reserved = store.put_bytes(&format!("{UPLOAD_PREFIX}x"), b"x".to_vec()).await;
        match reserved {
            Err(e) if e.code() == ErrorCode::ValidationError => Ok(()),
            other => Err(format!("a key under {UPLOAD_PREFIX} answered {other:?}")),
        }
    }
    .await;
    check("s3", "multipart_refused_keeps_the_old_object_and_nothing_else", result, &mut failed);
    println!("s3 multipart: {} passed, {failed} failed", 2 - failed);
    failed
}

fn main() {
    // Fail up front (never skip) when there is no PostgreSQL or no moto to run against.
    let _ = database_url();
    let moto = Moto::start();
    let file = FileBlobs(Folders::new("blobs-test"));
    let results = {
        let s3 = S3Blobs(&moto);
        [
            block_on(run_blob_suite("file", &file)).is_ok(),
            block_on(run_blob_suite("s3", &s3)).is_ok(),
            block_on(run_composite_suite("sqlite-file", &SqliteRows, &file)).is_ok(),
            block_on(run_composite_suite("postgres-s3", &PostgresRows, &s3)).is_ok(),
            block_on(file_layout(&file.0)) == 0,
            block_on(multipart(&moto)) == 0,
        ]
    };
    // Stop the server and remove the folders before exiting (exit runs no destructor).
    drop((file, moto));
    if results.contains(&false) {
        std::process::exit(1);
    }
}
