//! Artifact bytes through the Worker and its local R2 bucket: the row-and-bytes cases through
//! [`HttpStore`] (`conformance artifacts-<host>`), then a 100 MB artifact up and down with its
//! SHA-256 checked both ways while the memory of the Worker's runtime is sampled, ranges,
//! `ETag`/`If-None-Match`, a wrong checksum, the size limit and the query-string key.
//! Prints `reliability artifacts-http: N passed, M failed` lines' parts (the caller sums them) and
//! `artifacts worker-<backend> 100 MB: …` with the transfer rates and peak memory.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use asm_conformance::artifacts::{ContentHarness, run_content_suite};
use asm_core::Env;
use asm_core::blob::{BlobDigest, CHUNK_BYTES};
use asm_http_client::HttpStore;
use futures::executor::block_on;

use crate::TOKEN;
use crate::checks::Http;
use crate::wrangler::Wrangler;

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

/// `n` bytes of a fixed pattern, generated as they are read (the test never holds them).
struct Pattern {
    left: u64,
    at: u64,
}

impl Read for Pattern {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = (out.len() as u64).min(self.left) as usize;
        for b in &mut out[..n] {
            *b = (self.at.wrapping_mul(2_654_435_761) >> 7) as u8;
            self.at += 1;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn pattern_sha(n: u64) -> String {
    let mut reader = Pattern { left: n, at: 0 };
    let mut digest = BlobDigest::new();
    let mut buf = vec![0; CHUNK_BYTES];
    loop {
        let k = reader.read(&mut buf).expect("pattern");
        if k == 0 {
            return digest.finish().sha256;
        }
        digest.update(&buf[..k]);
    }
}

/// The resident memory of the Worker's runtime: every process in wrangler's process group
/// (wrangler, Miniflare's Node and workerd), in bytes, by name.
fn rss_by_process(pgid: u32) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else { return out };
    for entry in entries.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // pid (comm) state ppid pgrp …
        let Some((head, rest)) = stat.rsplit_once(") ") else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(2).and_then(|p| p.parse::<u32>().ok()) != Some(pgid) {
            continue;
        }
        let name = head.split_once(" (").map_or("?", |(_, n)| n).to_owned();
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        let rss = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0);
        out.push((name, rss * 1024));
    }
    out
}

/// Samples workerd's resident memory every 50 ms until stopped; the peak.
struct Sampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn workerd_rss(pgid: u32) -> u64 {
    rss_by_process(pgid).iter().filter(|(n, _)| n.contains("workerd")).map(|(_, r)| r).sum()
}

impl Sampler {
    fn start(pgid: u32) -> Sampler {
        let (stop, peak) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
        let (s, p) = (stop.clone(), peak.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                p.fetch_max(workerd_rss(pgid), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        Sampler { stop, peak, thread: Some(thread) }
    }

    fn peak(mut self) -> u64 {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Ordering::SeqCst)
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
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let auth = format!("Bearer {TOKEN}");
    assert_eq!(http.req("POST", "/v1/_test/reset", Some(TOKEN), None).0, 204, "reset");

    // Up: streamed from a generator, with its SHA-256 declared.
    let sha = pattern_sha(BIG_BYTES);
    let base = workerd_rss(w.pid());
    let sampler = Sampler::start(w.pid());
    let started = Instant::now();
    let url = format!("{}/v1/artifacts/big.bin/content", w.url);
    let put = agent
        .put(&url)
        .header("authorization", &auth)
        .header("content-type", "application/octet-stream")
        .header("content-length", &BIG_BYTES.to_string())
        .header("x-asm-sha256", &sha)
        .send(ureq::SendBody::from_reader(&mut Pattern { left: BIG_BYTES, at: 0 }));
    let up_s = started.elapsed().as_secs_f64();
    let up_peak = sampler.peak();
    let (status, row) = match put {
        Ok(mut r) => (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default()),
        Err(e) => (0, e.to_string()),
    };
    check(status == 201, &format!("100 MB upload: {status} {row}"), &mut passed, &mut failed);
    let row: serde_json::Value = serde_json::from_str(&row).unwrap_or_default();
    check(
        row["checksum_sha256"] == sha.as_str() && row["byte_size"] == BIG_BYTES,
        &format!("the row records the SHA-256 and size: {row}"),
        &mut passed,
        &mut failed,
    );

    // Down: hashed as it arrives.
    let sampler = Sampler::start(w.pid());
    let started = Instant::now();
    let mut got = BlobDigest::new();
    let mut etag = String::new();
    match agent.get(&url).header("authorization", &auth).call() {
        Ok(r) => {
            etag = r.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            let mut reader = r.into_body().into_reader();
            let mut buf = vec![0; CHUNK_BYTES];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => got.update(&buf[..n]),
                    Err(e) => {
                        check(false, &format!("download: {e}"), &mut passed, &mut failed);
                        break;
                    }
                }
            }
        }
        Err(e) => check(false, &format!("download: {e}"), &mut passed, &mut failed),
    }
    let down_s = started.elapsed().as_secs_f64();
    let down_peak = sampler.peak();
    let got = got.finish();
    check(
        got.byte_size == BIG_BYTES && got.sha256 == sha,
        &format!("100 MB download matches: {} bytes, {}", got.byte_size, got.sha256),
        &mut passed,
        &mut failed,
    );
    check(
        etag == format!("\"{sha}\""),
        &format!("ETag is the SHA-256: {etag}"),
        &mut passed,
        &mut failed,
    );
    let mb = BIG_BYTES as f64 / (1024.0 * 1024.0);
    let growth = up_peak.max(down_peak).saturating_sub(base);
    println!(
        "artifacts {host} 100 MB: upload {:.1} MB/s, download {:.1} MB/s, workerd peak RSS {:.0} MB (+{:.0} MB over {:.0} MB idle)",
        mb / up_s,
        mb / down_s,
        up_peak.max(down_peak) as f64 / 1048576.0,
        growth as f64 / 1048576.0,
        base as f64 / 1048576.0,
    );
    // Bounded: the runtime holds about one 8 MiB part (and its copies), never the object.
    check(
        growth < 64 * 1024 * 1024,
        "workerd grew by less than 64 MB during a 100 MB transfer",
        &mut passed,
        &mut failed,
    );

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

    // Over the size limit by its declared length: 413 before any byte is read.
    let mut tcp =
        std::net::TcpStream::connect(w.url.trim_start_matches("http://")).expect("connect");
    let head = format!(
        "PUT /v1/artifacts/huge.bin/content HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: {auth}\r\ncontent-length: {}\r\n\r\n",
        TEST_LIMIT + 1
    );
    let _ = tcp.write_all(head.as_bytes());
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(30)));
    let mut answer = [0u8; 12];
    let _ = tcp.read_exact(&mut answer);
    check(
        answer.ends_with(b"413"),
        &format!("an oversized upload is 413: {:?}", String::from_utf8_lossy(&answer)),
        &mut passed,
        &mut failed,
    );

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
