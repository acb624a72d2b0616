//! The artifact suites: ASM's `ArtifactStore` on every blob backend (`conformance blobs-<host>`),
//! the composite store over a host's session store and backend (sql §8 items 117–120 and the
//! row-and-bytes protocol: `conformance composite-<host>`), and the protocol alone through a
//! remote store such as `HttpStore` (`conformance artifacts-<host>`).

use std::sync::Arc;

use asm_core::blob::{
    BlobInfo, BlobRead, ByteRange, ByteStream, PutOptions, bytes_stream, sha256_hex,
};
use asm_core::composite::{CompositeStore, blob_key};
use asm_core::ports::{
    ArchiveAccess, ArtifactContent, ArtifactRegistry, ArtifactScan, ArtifactStore, Maintenance,
    SessionStore, Store,
};
use asm_core::{
    Env, ErrorCode, NewArtifact, NewEvent, NewSession, SeededIds, Session, SteppingClock,
};

use crate::check::{CaseResult, ensure, ensure_eq, expect_code};
use crate::{Harness, START, seed_from_env};

/// What a host gives the blob suite: a fresh, empty artifact store.
#[allow(async_fn_in_trait)]
pub trait BlobHarness {
    /// The backend under test.
    type Blobs: ArtifactStore;
    /// A new, empty store (its own folder, bucket prefix, …) stamping objects with `env`.
    async fn fresh_blobs(&self, env: Env) -> Result<Self::Blobs, String>;
}

/// What a remote host gives the artifact suite: a fresh store that keeps rows and bytes.
#[allow(async_fn_in_trait)]
pub trait ContentHarness {
    /// The store under test.
    type Store: Store + ArtifactContent;
    /// A new, empty store.
    async fn fresh_content(&self, env: Env) -> Result<Self::Store, String>;
}

fn env_for(index: usize) -> (Env, Arc<SteppingClock>) {
    let clock = Arc::new(SteppingClock::new(START, 1_000));
    let ids = Arc::new(SeededIds::new(seed_from_env().wrapping_add(1_000 + index as u64)));
    (Env::new(clock.clone(), ids), clock)
}

/// Prints one case's outcome and counts it.
fn record(host: &str, id: &str, result: CaseResult, failed: &mut Vec<String>, passed: &mut usize) {
    match result {
        Ok(()) => {
            println!("  ok   {host} {id}");
            *passed += 1;
        }
        Err(why) => {
            println!("  FAIL {host} {id}: {why}");
            failed.push(format!("{id}: {why}"));
        }
    }
}

fn close(
    suite: &str,
    host: &str,
    passed: usize,
    failed: Vec<String>,
) -> Result<usize, Vec<String>> {
    println!("conformance {suite}-{host}: {passed} passed, {} failed", failed.len());
    if failed.is_empty() { Ok(passed) } else { Err(failed) }
}

/// A deterministic body of `n` bytes.
pub fn pattern(n: usize, salt: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) as u8 ^ salt).collect()
}

async fn read_all(read: BlobRead<'_>) -> Result<Vec<u8>, String> {
    read.into_bytes().await.map_err(|e| e.to_string())
}

fn body<'a>(bytes: &[u8]) -> ByteStream<'a> {
    bytes_stream(bytes.to_vec())
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        vec![$((stringify!($name), { let run: BlobFn<_> = |s| Box::pin($name(s)); run })),*]
    };
}

type BlobFn<A> = for<'a> fn(&'a A) -> crate::CaseFuture<'a>;
type BlobCase<A> = (&'static str, BlobFn<A>);

// ---- ASM's ArtifactStore (domain §5.5) ----

async fn blob_put_then_get_returns_the_bytes<A: ArtifactStore>(s: &A) -> CaseResult {
    let bytes = pattern(1000, 1);
    let info = s.put_bytes("ses_1/out.bin", bytes.clone()).await.map_err(|e| e.to_string())?;
    ensure_eq(info.byte_size, 1000, "byte_size")?;
    ensure_eq(info.sha256.clone(), sha256_hex(&bytes), "sha256")?;
    ensure_eq(s.get_bytes("ses_1/out.bin").await.map_err(|e| e.to_string())?, bytes, "bytes")
}

async fn blob_put_overwrites<A: ArtifactStore>(s: &A) -> CaseResult {
    s.put_bytes("k", b"first".to_vec()).await.map_err(|e| e.to_string())?;
    s.put_bytes("k", b"second".to_vec()).await.map_err(|e| e.to_string())?;
    ensure_eq(s.get_bytes("k").await.map_err(|e| e.to_string())?, b"second".to_vec(), "bytes")
}

async fn blob_get_missing_is_not_found<A: ArtifactStore>(s: &A) -> CaseResult {
    let e = expect_code(s.get_bytes("nope/x").await, ErrorCode::NotFound)?;
    ensure_eq(e.message(), "Artifact not found: nope/x", "message")?;
    ensure(s.head("nope/x").await.map_err(|e| e.to_string())?.is_none(), "head of a missing key")
}

async fn blob_delete_is_idempotent<A: ArtifactStore>(s: &A) -> CaseResult {
    s.put_bytes("d", b"x".to_vec()).await.map_err(|e| e.to_string())?;
    s.delete("d").await.map_err(|e| e.to_string())?;
    s.delete("d").await.map_err(|e| e.to_string())?;
    s.delete("never").await.map_err(|e| e.to_string())?;
    expect_code(s.get_bytes("d").await, ErrorCode::NotFound).map(drop)
}

async fn blob_empty_object<A: ArtifactStore>(s: &A) -> CaseResult {
    let info = s.put_bytes("empty", Vec::new()).await.map_err(|e| e.to_string())?;
    ensure_eq(info.byte_size, 0, "byte_size")?;
    ensure_eq(s.get_bytes("empty").await.map_err(|e| e.to_string())?, Vec::new(), "bytes")
}

async fn blob_large_object_streams_in_chunks<A: ArtifactStore>(s: &A) -> CaseResult {
    let bytes = pattern(3 * 1024 * 1024 + 17, 2);
    let opts = PutOptions {
        byte_size: Some(bytes.len() as u64),
        sha256: Some(sha256_hex(&bytes)),
        content_type: Some("application/octet-stream".into()),
    };
    let info = s.put("big", body(&bytes), &opts).await.map_err(|e| e.to_string())?;
    ensure_eq(info.content_type.as_deref(), Some("application/octet-stream"), "content_type")?;
    let head = s.head("big").await.map_err(|e| e.to_string())?.ok_or("head: missing")?;
    ensure_eq(head.byte_size, bytes.len() as u64, "head byte_size")?;
    ensure_eq(head.sha256, sha256_hex(&bytes), "head sha256")?;
    ensure(read_all(s.get("big", None).await.map_err(|e| e.to_string())?).await? == bytes, "bytes")
}

async fn blob_declared_mismatch_keeps_the_old_object<A: ArtifactStore>(s: &A) -> CaseResult {
    s.put_bytes("m", b"old".to_vec()).await.map_err(|e| e.to_string())?;
    let wrong_sha = PutOptions { sha256: Some("0".repeat(64)), ..Default::default() };
    let e = expect_code(s.put("m", body(b"new"), &wrong_sha).await, ErrorCode::ValidationError)?;
    ensure(e.message().contains("checksum_sha256 mismatch"), format!("message: {}", e.message()))?;
    let wrong_size = PutOptions { byte_size: Some(2), ..Default::default() };
    let e = expect_code(s.put("m", body(b"new"), &wrong_size).await, ErrorCode::ValidationError)?;
    ensure(e.message().contains("byte_size mismatch"), format!("message: {}", e.message()))?;
    let short = PutOptions { byte_size: Some(10), ..Default::default() };
    expect_code(s.put("m", body(b"new"), &short).await, ErrorCode::ValidationError)?;
    ensure_eq(
        s.get_bytes("m").await.map_err(|e| e.to_string())?,
        b"old".to_vec(),
        "old bytes kept",
    )?;
    let e = expect_code(s.put("n", body(b"new"), &wrong_sha).await, ErrorCode::ValidationError)?;
    drop(e);
    ensure(s.head("n").await.map_err(|e| e.to_string())?.is_none(), "nothing kept for a new key")
}

async fn blob_ranges<A: ArtifactStore>(s: &A) -> CaseResult {
    let bytes = pattern(200_000, 3);
    s.put_bytes("r", bytes.clone()).await.map_err(|e| e.to_string())?;
    for (range, (start, len)) in [
        (ByteRange::From { start: 0, end: Some(99) }, (0usize, 100usize)),
        (ByteRange::From { start: 70_000, end: None }, (70_000, 130_000)),
        (ByteRange::Suffix(10), (199_990, 10)),
        (ByteRange::From { start: 199_999, end: Some(500_000) }, (199_999, 1)),
    ] {
        let read = s.get("r", Some(range)).await.map_err(|e| e.to_string())?;
        ensure_eq(read.span, (start as u64, len as u64), "span")?;
        ensure_eq(read.info.byte_size, 200_000, "whole size")?;
        ensure(read_all(read).await? == bytes[start..start + len], format!("bytes of {range:?}"))?;
    }
    let e = s.get("r", Some(ByteRange::From { start: 200_000, end: None })).await;
    expect_code(e.map(|r| r.span), ErrorCode::ValidationError).map(drop)
}

async fn blob_list_by_prefix_in_key_order<A: ArtifactStore>(s: &A) -> CaseResult {
    for k in ["p/b", "p/a", "q/a", "p/c/d", "pp"] {
        s.put_bytes(k, k.as_bytes().to_vec()).await.map_err(|e| e.to_string())?;
    }
    let keys = |v: Vec<BlobInfo>| v.into_iter().map(|i| i.key).collect::<Vec<_>>();
    let all = keys(s.list("p/", None, 100).await.map_err(|e| e.to_string())?);
    ensure_eq(all, vec!["p/a".to_string(), "p/b".into(), "p/c/d".into()], "list p/")?;
    let page = keys(s.list("p/", Some("p/a"), 1).await.map_err(|e| e.to_string())?);
    ensure_eq(page, vec!["p/b".to_string()], "page after p/a")?;
    let info = s.list("q/", None, 10).await.map_err(|e| e.to_string())?;
    ensure_eq(info.first().map(|i| i.byte_size), Some(3), "listed size")
}

async fn blob_invalid_keys_are_refused<A: ArtifactStore>(s: &A) -> CaseResult {
    for key in ["", "../escape", "a//b", "/abs", "a/./b"] {
        expect_code(s.put_bytes(key, b"x".to_vec()).await, ErrorCode::ValidationError)?;
    }
    Ok(())
}

fn blob_cases<A: ArtifactStore>() -> Vec<BlobCase<A>> {
    cases![
        blob_put_then_get_returns_the_bytes,
        blob_put_overwrites,
        blob_get_missing_is_not_found,
        blob_delete_is_idempotent,
        blob_empty_object,
        blob_large_object_streams_in_chunks,
        blob_declared_mismatch_keeps_the_old_object,
        blob_ranges,
        blob_list_by_prefix_in_key_order,
        blob_invalid_keys_are_refused,
    ]
}

/// Runs the `ArtifactStore` cases against fresh stores from `harness`; prints
/// `conformance blobs-<host>: N passed, M failed`.
pub async fn run_blob_suite<B: BlobHarness>(host: &str, harness: &B) -> Result<usize, Vec<String>> {
    let (mut passed, mut failed) = (0, Vec::new());
    for (i, (id, case)) in blob_cases::<B::Blobs>().into_iter().enumerate() {
        let result = match harness.fresh_blobs(env_for(i).0).await {
            Ok(store) => case(&store).await,
            Err(e) => Err(format!("could not make a fresh store: {e}")),
        };
        record(host, id, result, &mut failed, &mut passed);
    }
    close("blobs", host, passed, failed)
}

// ---- An artifact with its bytes (ArtifactContent), on any store that keeps both ----

fn new_artifact(key: &str, session_id: Option<&str>) -> NewArtifact {
    NewArtifact {
        key: Some(key.to_owned()),
        session_id: session_id.map(str::to_owned),
        content_type: Some("text/plain".into()),
        ..Default::default()
    }
}

async fn a_session<S: SessionStore>(store: &S, env: &Env) -> Result<Session, String> {
    let session =
        Session::new(NewSession { agent_id: Some("agent-1".into()), ..Default::default() }, env)
            .map_err(|e| e.to_string())?;
    store.save_session(&session).await.map_err(|e| e.to_string())?;
    Ok(session)
}

type ContentFn<C> = for<'a> fn(&'a C, &'a Env) -> crate::CaseFuture<'a>;
type ContentCase<C> = (&'static str, ContentFn<C>);

macro_rules! content_cases {
    ($($name:ident),* $(,)?) => {
        vec![$((stringify!($name), { let run: ContentFn<_> = |s, e| Box::pin($name(s, e)); run })),*]
    };
}

async fn artifact_store_then_open<C: Store + ArtifactContent>(s: &C, env: &Env) -> CaseResult {
    let session = a_session(s, env).await?;
    let bytes = pattern(300_000, 4);
    let stored = s
        .store_artifact(
            new_artifact("report.txt", Some(&session.id)),
            body(&bytes),
            &PutOptions::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
    ensure_eq(stored.byte_size, 300_000, "byte_size")?;
    ensure_eq(stored.checksum_sha256.clone(), sha256_hex(&bytes), "checksum")?;
    ensure_eq(stored.storage_ref.clone(), blob_key(&stored.id), "storage_ref")?;
    let row = s.get_by_key("report.txt").await.map_err(|e| e.to_string())?.ok_or("row missing")?;
    ensure_eq(row.id.clone(), stored.id.clone(), "registered row")?;
    let (artifact, read) = s.open_artifact("report.txt", None).await.map_err(|e| e.to_string())?;
    ensure_eq(artifact.id, stored.id, "opened row")?;
    ensure_eq(read.info.sha256.clone(), sha256_hex(&bytes), "opened sha")?;
    ensure(read_all(read).await? == bytes, "opened bytes")?;
    let (_, part) = s
        .open_artifact("report.txt", Some(ByteRange::From { start: 10, end: Some(19) }))
        .await
        .map_err(|e| e.to_string())?;
    ensure_eq(part.span, (10, 10), "range span")?;
    ensure(read_all(part).await? == bytes[10..20], "range bytes")
}

async fn artifact_declared_checksum_is_checked<C: Store + ArtifactContent>(
    s: &C,
    _: &Env,
) -> CaseResult {
    let opts = PutOptions { sha256: Some(sha256_hex(b"other")), ..Default::default() };
    let e = expect_code(
        s.store_artifact(new_artifact("bad.txt", None), body(b"these bytes"), &opts).await,
        ErrorCode::ValidationError,
    )?;
    ensure(e.message().contains("checksum_sha256 mismatch"), e.message().to_owned())?;
    ensure(s.get_by_key("bad.txt").await.map_err(|e| e.to_string())?.is_none(), "no row")?;
    let good = PutOptions {
        sha256: Some(sha256_hex(b"these bytes")),
        byte_size: Some(11),
        ..Default::default()
    };
    let stored = s
        .store_artifact(new_artifact("bad.txt", None), body(b"these bytes"), &good)
        .await
        .map_err(|e| e.to_string())?;
    ensure_eq(stored.byte_size, 11, "stored after a refused attempt")
}

async fn artifact_key_taken_keeps_the_first<C: Store + ArtifactContent>(
    s: &C,
    _: &Env,
) -> CaseResult {
    s.store_artifact(new_artifact("k.txt", None), body(b"first"), &PutOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let e = expect_code(
        s.store_artifact(new_artifact("k.txt", None), body(b"second"), &PutOptions::default())
            .await,
        ErrorCode::PersistenceError,
    )?;
    ensure_eq(e.message(), "key has already been taken", "message")?;
    let (_, read) = s.open_artifact("k.txt", None).await.map_err(|e| e.to_string())?;
    ensure_eq(read_all(read).await?, b"first".to_vec(), "first bytes kept")
}

async fn artifact_open_missing_is_not_found<C: Store + ArtifactContent>(
    s: &C,
    _: &Env,
) -> CaseResult {
    let e = expect_code(
        s.open_artifact("absent.bin", None).await.map(|(a, _)| a),
        ErrorCode::NotFound,
    )?;
    ensure_eq(e.message(), "Artifact not found: absent.bin", "message")
}

async fn artifact_remove_deletes_row_and_bytes<C: Store + ArtifactContent>(
    s: &C,
    _: &Env,
) -> CaseResult {
    s.store_artifact(new_artifact("gone.txt", None), body(b"bytes"), &PutOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    s.remove_artifact("gone.txt").await.map_err(|e| e.to_string())?;
    s.remove_artifact("gone.txt").await.map_err(|e| e.to_string())?;
    ensure(s.get_by_key("gone.txt").await.map_err(|e| e.to_string())?.is_none(), "row gone")?;
    expect_code(s.open_artifact("gone.txt", None).await.map(|(a, _)| a), ErrorCode::NotFound)
        .map(drop)
}

async fn artifact_health_is_clean_after_the_protocol<C: Store + ArtifactContent>(
    s: &C,
    _: &Env,
) -> CaseResult {
    for k in ["h1", "h2", "h3"] {
        s.store_artifact(new_artifact(k, None), body(k.as_bytes()), &PutOptions::default())
            .await
            .map_err(|e| e.to_string())?;
    }
    s.remove_artifact("h2").await.map_err(|e| e.to_string())?;
    let issues = s.health_check().await.map_err(|e| e.to_string())?;
    ensure(issues.is_empty(), format!("health: {issues:?}"))
}

fn content_cases<C: Store + ArtifactContent>() -> Vec<ContentCase<C>> {
    content_cases![
        artifact_store_then_open,
        artifact_declared_checksum_is_checked,
        artifact_key_taken_keeps_the_first,
        artifact_open_missing_is_not_found,
        artifact_remove_deletes_row_and_bytes,
        artifact_health_is_clean_after_the_protocol,
    ]
}

/// Runs the row-and-bytes cases against fresh stores from `harness`; prints
/// `conformance artifacts-<host>: N passed, M failed`.
pub async fn run_content_suite<H: ContentHarness>(
    host: &str,
    harness: &H,
) -> Result<usize, Vec<String>> {
    let (mut passed, mut failed) = (0, Vec::new());
    for (i, (id, case)) in content_cases::<H::Store>().into_iter().enumerate() {
        let (env, _) = env_for(100 + i);
        let result = match harness.fresh_content(env.clone()).await {
            Ok(store) => case(&store, &env).await,
            Err(e) => Err(format!("could not make a fresh store: {e}")),
        };
        record(host, id, result, &mut failed, &mut passed);
    }
    close("artifacts", host, passed, failed)
}

// ---- The composite store (sql §7.4, §8 items 117–120) and its sweeper ----

/// An artifact store whose every call fails, as a backend that is down.
#[derive(Debug)]
pub struct DownBackend;

impl ArtifactStore for DownBackend {
    fn backend(&self) -> &str {
        "down"
    }
    async fn put(&self, _: &str, _: ByteStream<'_>, _: &PutOptions) -> asm_core::Result<BlobInfo> {
        Err(asm_core::Error::new(ErrorCode::StorageError, "backend is unavailable"))
    }
    async fn get(&self, _: &str, _: Option<ByteRange>) -> asm_core::Result<BlobRead<'_>> {
        Err(asm_core::Error::new(ErrorCode::StorageError, "backend is unavailable"))
    }
    async fn head(&self, _: &str) -> asm_core::Result<Option<BlobInfo>> {
        Err(asm_core::Error::new(ErrorCode::StorageError, "backend is unavailable"))
    }
    async fn delete(&self, _: &str) -> asm_core::Result<()> {
        Err(asm_core::Error::new(ErrorCode::StorageError, "backend is unavailable"))
    }
    async fn list(&self, _: &str, _: Option<&str>, _: usize) -> asm_core::Result<Vec<BlobInfo>> {
        Err(asm_core::Error::new(ErrorCode::StorageError, "backend is unavailable"))
    }
}

async fn sql_8_117_composite_forwards_session_operations<S: Store, A: ArtifactStore>(
    c: &CompositeStore<S, A>,
    env: &Env,
) -> CaseResult {
    let session = a_session(c, env).await?;
    ensure_eq(
        c.get_session(&session.id).await.map_err(|e| e.to_string())?.id,
        session.id.clone(),
        "get",
    )?;
    ensure_eq(
        c.list_sessions(&Default::default()).await.map_err(|e| e.to_string())?.len(),
        1,
        "list",
    )?;
    let event = |t: &str| {
        asm_core::Event::new(
            NewEvent {
                event_type: asm_core::EventType::parse(t),
                session_id: Some(session.id.clone()),
                ..Default::default()
            },
            env,
        )
    };
    let first = event("message_received").map_err(|e| e.to_string())?;
    let stored = c.append_event_with_sequence(&first).await.map_err(|e| e.to_string())?;
    ensure_eq(stored.sequence_number, Some(1), "first sequence")?;
    let second = event("message_sent").map_err(|e| e.to_string())?;
    c.append_event_with_sequence(&second).await.map_err(|e| e.to_string())?;
    ensure_eq(c.get_latest_sequence(&session.id).await.map_err(|e| e.to_string())?, 2, "latest")?;
    c.delete_session(&session.id).await.map_err(|e| e.to_string())?;
    expect_code(c.get_session(&session.id).await, ErrorCode::SessionNotFound).map(drop)
}

async fn sql_8_118_composite_artifact_calls_pass_through<S: Store, A: ArtifactStore>(
    c: &CompositeStore<S, A>,
    _: &Env,
) -> CaseResult {
    c.put_bytes("art/1", b"payload".to_vec()).await.map_err(|e| e.to_string())?;
    ensure_eq(c.get_bytes("art/1").await.map_err(|e| e.to_string())?, b"payload".to_vec(), "get")?;
    ensure_eq(
        c.blobs().get_bytes("art/1").await.map_err(|e| e.to_string())?,
        b"payload".to_vec(),
        "in the backend",
    )?;
    ArtifactStore::delete(c, "art/1").await.map_err(|e| e.to_string())?;
    let e = expect_code(ArtifactStore::get_bytes(c, "art/1").await, ErrorCode::NotFound)?;
    ensure_eq(e.message(), "Artifact not found: art/1", "message")
}

async fn sql_8_120_deleting_a_session_keeps_its_artifact_bytes<S: Store, A: ArtifactStore>(
    c: &CompositeStore<S, A>,
    env: &Env,
) -> CaseResult {
    let session = a_session(c, env).await?;
    let key = format!("{}/notes.txt", session.id);
    c.put_bytes(&key, b"kept".to_vec()).await.map_err(|e| e.to_string())?;
    c.delete_session(&session.id).await.map_err(|e| e.to_string())?;
    ensure_eq(c.get_bytes(&key).await.map_err(|e| e.to_string())?, b"kept".to_vec(), "bytes")
}

async fn composite_sweep_reaps_only_old_bytes_without_rows<
    S: Store + ArtifactScan + ArchiveAccess,
    A: ArtifactStore,
>(
    c: &CompositeStore<S, A>,
    _: &Env,
) -> CaseResult {
    c.store_artifact(new_artifact("kept.txt", None), body(b"kept"), &PutOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    // Bytes of an upload whose row never came (a crash between the two steps).
    c.blobs()
        .put_bytes(&blob_key("art_crashed"), b"orphan".to_vec())
        .await
        .map_err(|e| e.to_string())?;
    let young = c.sweep().await.map_err(|e| e.to_string())?;
    ensure_eq((young.blobs_removed, young.blobs_in_grace), (0, 1), "inside the grace period")?;
    ensure(
        c.health_check().await.map_err(|e| e.to_string())?.is_empty(),
        "young orphans are healthy",
    )?;
    Ok(())
}

fn composite_cases<S: Store + ArtifactScan + ArchiveAccess, A: ArtifactStore>()
-> Vec<ContentCase<CompositeStore<S, A>>> {
    content_cases![
        sql_8_117_composite_forwards_session_operations,
        sql_8_118_composite_artifact_calls_pass_through,
        sql_8_120_deleting_a_session_keeps_its_artifact_bytes,
        composite_sweep_reaps_only_old_bytes_without_rows,
    ]
}

/// Item 119, and the sweeper past the grace period: cases that build their own composites.
async fn special_cases<H: Harness, B: BlobHarness>(
    host: &str,
    h: &H,
    b: &B,
    failed: &mut Vec<String>,
    passed: &mut usize,
) where
    H::Store: ArtifactScan + ArchiveAccess,
{
    let (env, _) = env_for(300);
    let result = async {
        let store = h.fresh_store(env.clone()).await?;
        let c = CompositeStore::new(store, DownBackend, env.clone());
        let e = expect_code(c.put_bytes("x", b"y".to_vec()).await, ErrorCode::StorageError)?;
        ensure_eq(e.message(), "Artifact store put failed: backend is unavailable", "message")?;
        let e = expect_code(
            c.store_artifact(new_artifact("x.txt", None), body(b"y"), &PutOptions::default()).await,
            ErrorCode::StorageError,
        )?;
        ensure(e.message().starts_with("Artifact store put failed"), e.message().to_owned())?;
        ensure(
            c.get_by_key("x.txt").await.map_err(|e| e.to_string())?.is_none(),
            "no row without bytes",
        )?;
        let session = a_session(&c, &env).await?;
        ensure_eq(
            c.get_session(&session.id).await.map_err(|e| e.to_string())?.id,
            session.id,
            "sessions still work",
        )
    }
    .await;
    record(
        host,
        "sql_8_119_backend_failure_is_storage_error_and_sessions_keep_working",
        result,
        failed,
        passed,
    );

    let (env, clock) = env_for(301);
    let result = async {
        let store = h.fresh_store(env.clone()).await?;
        let blobs = b.fresh_blobs(env.clone()).await?;
        let c = CompositeStore::new(store, blobs, env.clone()).with_grace_ms(60_000);
        c.store_artifact(new_artifact("live.txt", None), body(b"live"), &PutOptions::default())
            .await
            .map_err(|e| e.to_string())?;
        c.store_artifact(new_artifact("deleted.txt", None), body(b"gone"), &PutOptions::default())
            .await
            .map_err(|e| e.to_string())?;
        c.blobs()
            .put_bytes(&blob_key("art_crashed"), b"orphan".to_vec())
            .await
            .map_err(|e| e.to_string())?;
        // A delete cut short after the row: the bytes stay behind.
        c.store().delete("deleted.txt").await.map_err(|e| e.to_string())?;
        clock.advance(61_000_000);
        let issues = c.health_check().await.map_err(|e| e.to_string())?;
        ensure(
            issues.iter().any(|i| i == "2 artifact blobs have no artifact row"),
            format!("health: {issues:?}"),
        )?;
        let report = c.sweep().await.map_err(|e| e.to_string())?;
        ensure_eq((report.blobs_examined, report.blobs_removed), (3, 2), "sweep")?;
        ensure(
            c.health_check().await.map_err(|e| e.to_string())?.is_empty(),
            "healthy after the sweep",
        )?;
        let (_, read) = c.open_artifact("live.txt", None).await.map_err(|e| e.to_string())?;
        ensure_eq(read_all(read).await?, b"live".to_vec(), "live artifact untouched")?;
        // A row whose bytes vanished (someone emptied the bucket) is reported, not repaired.
        let live = c.get_by_key("live.txt").await.map_err(|e| e.to_string())?.ok_or("live row")?;
        c.blobs().delete(&live.storage_ref).await.map_err(|e| e.to_string())?;
        let issues = c.health_check().await.map_err(|e| e.to_string())?;
        ensure(
            issues
                .iter()
                .any(|i| i.starts_with("1 artifacts have missing or different bytes: live.txt")),
            format!("health: {issues:?}"),
        )
    }
    .await;
    record(host, "composite_sweep_and_health_past_the_grace_period", result, failed, passed);
}

/// Runs the composite cases (and the row-and-bytes cases through the composite) over fresh
/// session stores from `harness` and fresh artifact stores from `blobs`; prints
/// `conformance composite-<host>: N passed, M failed`.
pub async fn run_composite_suite<H: Harness, B: BlobHarness>(
    host: &str,
    harness: &H,
    blobs: &B,
) -> Result<usize, Vec<String>>
where
    H::Store: ArtifactScan + ArchiveAccess,
{
    let (mut passed, mut failed) = (0, Vec::new());
    let make = |i: usize| async move {
        let (env, _) = env_for(200 + i);
        let store = harness.fresh_store(env.clone()).await?;
        let b = blobs.fresh_blobs(env.clone()).await?;
        Ok::<_, String>((CompositeStore::new(store, b, env.clone()), env))
    };
    for (i, (id, case)) in composite_cases::<H::Store, B::Blobs>().into_iter().enumerate() {
        let result = match make(i).await {
            Ok((c, env)) => case(&c, &env).await,
            Err(e) => Err(format!("could not make a fresh store: {e}")),
        };
        record(host, id, result, &mut failed, &mut passed);
    }
    for (i, (id, case)) in
        content_cases::<CompositeStore<H::Store, B::Blobs>>().into_iter().enumerate()
    {
        let result = match make(50 + i).await {
            Ok((c, env)) => case(&c, &env).await,
            Err(e) => Err(format!("could not make a fresh store: {e}")),
        };
        record(host, id, result, &mut failed, &mut passed);
    }
    special_cases(host, harness, blobs, &mut failed, &mut passed).await;
    close("composite", host, passed, failed)
}

/// How many cases [`run_blob_suite`] runs (a host that cannot print counts them from this).
pub fn blob_case_count() -> usize {
    blob_cases::<DownBackend>().len()
}

/// How many cases [`run_content_suite`] runs.
pub fn content_case_count() -> usize {
    content_cases::<CompositeStore<asm_core::memory::MemoryStore, DownBackend>>().len()
}

/// How many cases [`run_composite_suite`] runs: its own, the row-and-bytes cases, and the two
/// that build their own composites.
pub fn composite_case_count() -> usize {
    composite_cases::<asm_core::memory::MemoryStore, DownBackend>().len() + content_case_count() + 2
}
