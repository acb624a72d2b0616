//! Artifact bytes through the Worker and its local R2 bucket: the row-and-bytes cases through
//! [`HttpStore`] (`conformance artifacts-<host>`), then a 100 MB artifact up and down with its
//! SHA-256 checked both ways while the memory of the Worker's runtime is sampled, ranges,
//! `ETag`/`If-None-Match`, a wrong checksum, the size limit and the query-string key.
//! Returns its counts for the caller's `reliability artifacts-http` line, and prints
//! `artifacts worker-<backend> 100 MB: …` with the transfer rates and peak memory.

use std::io::Read;
use std::path::Path;

use asm_conformance::artifacts::{ContentHarness, run_content_suite};
use asm_core::Env;
use asm_http_client::HttpStore;
use futures::executor::block_on;

use crate::TOKEN;
use crate::checks::Http;
use crate::transfer::{Pattern, round_trip};
use crate::wrangler::{Wrangler, bounded_agent, open_d1};

/// The big artifact's size.
pub const BIG_BYTES: u64 = 100 * 1024 * 1024;

/// The size limit the test Workers are started with (`ASM_MAX_ARTIFACT_BYTES`).
pub const TEST_LIMIT: u64 = 150 * 1024 * 1024;

struct ContentWorker {
    url: String,
}

impl ContentHarness for ContentWorker {
    type Store = HttpStore;
    async fn fresh_content(&self, env: Env) -> Result<HttpStore, String> {
        let store = HttpStore::new(&self.url, TOKEN).with_test_clock(env);
        store.reset().map_err(|e| format!("reset: {e}"))?;
        Ok(store)
    }
}

fn check(ok: bool, what: &str, passed: &mut usize, failed: &mut usize) {
    if ok {
        *passed += 1;
    } else {
        *failed += 1;
        println!("FAIL artifacts: {what}");
    }
}

/// The 100 MB transfer and the HTTP details; (passed, failed).
fn http_checks(w: &Wrangler, host: &str) -> (usize, usize) {
    let (mut passed, mut failed) = (0, 0);
    let http = Http::new(&w.url);
    let agent = bounded_agent();
    let auth = format!("Bearer {TOKEN}");
    assert_eq!(http.req("POST", "/v1/_test/reset", Some(TOKEN), None).0, 204, "reset");

    // A first, smaller round trip grows the runtime's heaps to their working size; the big one
    // is measured from there. Up, streamed from a generator with its SHA-256 declared; down,
    // hashed as it arrives.
    let warm = round_trip(&w.url, TOKEN, "warm.bin", 24 << 20, w.pid());
    check(
        warm.put.0 == 201 && warm.got.1 == warm.sha,
        "a 24 MiB round trip",
        &mut passed,
        &mut failed,
    );
    let t = round_trip(&w.url, TOKEN, "big.bin", BIG_BYTES, w.pid());
    let (status, row) = &t.put;
    check(*status == 201, &format!("100 MB upload: {status} {row}"), &mut passed, &mut failed);
    let row: serde_json::Value = serde_json::from_str(row).unwrap_or_default();
    check(
        row["checksum_sha256"] == t.sha.as_str() && row["byte_size"] == BIG_BYTES,
        &format!("the row records the SHA-256 and size: {row}"),
        &mut passed,
        &mut failed,
    );
    let (size, got_sha, etag) = &t.got;
    check(
        *size == BIG_BYTES && *got_sha == t.sha,
        &format!("100 MB download matches: {size} bytes, {got_sha}"),
        &mut passed,
        &mut failed,
    );
    check(
        *etag == format!("\"{}\"", t.sha),
        &format!("ETag is the SHA-256: {etag}"),
        &mut passed,
        &mut failed,
    );
    println!("artifacts {host} 100 MB: {}", t.summary(BIG_BYTES));
    // Bounded: the runtime holds a few 8 MiB parts (and the garbage collector's lag), never the
    // object, so it grows by less than the object; a whole-object copy would grow by more. The
    // growth itself is a figure (38–60 MB on a 2-core machine, by load), not a bound on speed.
    let growth = t.rss.1.saturating_sub(t.rss.0);
    check(
        growth < BIG_BYTES,
        &format!("workerd grew by {} MB (< 100) during a 100 MB transfer", growth >> 20),
        &mut passed,
        &mut failed,
    );
    let url = format!("{}/v1/artifacts/big.bin/content", w.url);
    let etag = etag.clone();

    // A range in the middle, across a part boundary.
    let start = 8 * 1024 * 1024 - 10;
    let range = agent
        .get(&url)
        .header("authorization", &auth)
        .header("range", &format!("bytes={start}-{}", start + 99))
        .call();
    match range {
        Ok(r) => {
            let status = r.status().as_u16();
            let cr = r
                .headers()
                .get("content-range")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            // The row travels with the bytes: what `HttpStore::open_artifact` reads instead of
            // asking for it.
            let row = r
                .headers()
                .get(asm_core::wire::ARTIFACT_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(asm_core::wire::artifact_from_header);
            let stored = http.req("GET", "/v1/artifacts/big.bin", Some(TOKEN), None).1;
            check(
                matches!(&row, Some(Ok(a)) if a.to_map() == stored),
                &format!("x-asm-artifact is the row: {row:?}"),
                &mut passed,
                &mut failed,
            );
            let mut body = Vec::new();
            let _ = r.into_body().into_reader().read_to_end(&mut body);
            let mut expected = vec![0; 100];
            let mut p = Pattern { left: BIG_BYTES - start, at: start };
            let _ = p.read(&mut expected);
            check(
                status == 206 && body == expected,
                &format!("range: {status}, {} bytes", body.len()),
                &mut passed,
                &mut failed,
            );
            check(
                cr == format!("bytes {start}-{}/{BIG_BYTES}", start + 99),
                &format!("content-range {cr}"),
                &mut passed,
                &mut failed,
            );
        }
        Err(e) => check(false, &format!("range: {e}"), &mut passed, &mut failed),
    }
    let status = |r: Result<ureq::http::Response<ureq::Body>, ureq::Error>| {
        r.map(|r| r.status().as_u16()).unwrap_or(0)
    };
    let past = agent
        .get(&url)
        .header("authorization", &auth)
        .header("range", &format!("bytes={BIG_BYTES}-"))
        .call();
    check(status(past) == 416, "a range past the end is 416", &mut passed, &mut failed);
    let cached =
        agent.get(&url).header("authorization", &auth).header("if-none-match", &etag).call();
    check(status(cached) == 304, "If-None-Match with the ETag is 304", &mut passed, &mut failed);
    // The download link form: the key in the query string, as a browser link carries it.
    let token_url = format!("{url}?access_token={TOKEN}");
    let linked = agent.get(&token_url).header("range", "bytes=0-9").call();
    check(status(linked) == 206, "?access_token= works for a download", &mut passed, &mut failed);

    // A wrong declared checksum stores nothing.
    let bad = agent
        .put(&format!("{}/v1/artifacts/bad.bin/content", w.url))
        .header("authorization", &auth)
        .header("x-asm-sha256", &"0".repeat(64))
        .send(&b"some bytes"[..]);
    let (bad_status, bad_body) = match bad {
        Ok(mut r) => (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default()),
        Err(e) => (0, e.to_string()),
    };
    check(
        bad_status == 400 && bad_body.contains("checksum_sha256 mismatch"),
        &format!("a wrong checksum is 400: {bad_status} {bad_body}"),
        &mut passed,
        &mut failed,
    );
    let row = http.req("GET", "/v1/artifacts/bad.bin", Some(TOKEN), None).0;
    check(row == 404, "no row after a refused upload", &mut passed, &mut failed);

    // The health check sees the bytes: clean now, and a row whose bytes vanished is reported.
    let (health_status, health) = http.req("GET", "/v1/maintenance/health", Some(TOKEN), None);
    check(
        health_status == 200 && health["healthy"] == true,
        &format!("healthy: {health}"),
        &mut passed,
        &mut failed,
    );
    let deleted = agent.delete(&url).header("authorization", &auth).call();
    check(status(deleted) == 204, "delete", &mut passed, &mut failed);
    let gone = agent.get(&url).header("authorization", &auth).call();
    check(status(gone) == 404, "a deleted artifact's bytes are 404", &mut passed, &mut failed);
    (passed, failed)
}

/// The size limit of a Worker started with `ASM_MAX_ARTIFACT_BYTES` = [`SMALL_LIMIT`]: a body
/// that streams past it (no declared length) is 413 and leaves no row. Alone on its Worker: a
/// request answered before its body was read wedges `wrangler dev`'s local proxy
/// (docs/toolchain.md §4), so nothing may follow it there; the row is looked for in the D1 file
/// under `state` instead.
pub fn limit_run(w: &Wrangler, state: &Path) -> (usize, usize) {
    let (mut passed, mut failed) = (0, 0);
    let http = Http::new(&w.url);
    assert_eq!(http.req("POST", "/v1/_test/reset", Some(TOKEN), None).0, 204, "reset");
    let huge = bounded_agent()
        .put(&format!("{}/v1/artifacts/huge.bin/content", w.url))
        .header("authorization", &format!("Bearer {TOKEN}"))
        .send(ureq::SendBody::from_reader(&mut Pattern { left: SMALL_LIMIT + (16 << 10), at: 0 }));
    let status = huge.map(|r| r.status().as_u16()).unwrap_or(0);
    check(
        status == 413,
        &format!("an upload past the size limit is 413, not {status}"),
        &mut passed,
        &mut failed,
    );
    let rows = open_d1(state).and_then(|db| {
        db.query_row("SELECT count(*) FROM asm_artifacts WHERE key = 'huge.bin'", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|e| e.to_string())
    });
    check(
        rows == Ok(0),
        &format!("no row after an upload past the limit: {rows:?}"),
        &mut passed,
        &mut failed,
    );
    (passed, failed)
}

/// The size limit of the Worker that [`limit_run`] checks.
pub const SMALL_LIMIT: u64 = 100_000;

/// Everything above against the Worker `w`; (passed, failed).
pub fn run(w: &Wrangler, host: &str) -> (usize, usize) {
    let harness = ContentWorker { url: w.url.clone() };
    let (mut passed, mut failed) = match block_on(run_content_suite(host, &harness)) {
        Ok(n) => (n, 0),
        Err(failures) => (0, failures.len()),
    };
    let (p, f) = http_checks(w, host);
    passed += p;
    failed += f;
    (passed, failed)
}
