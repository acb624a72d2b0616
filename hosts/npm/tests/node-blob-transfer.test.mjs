// Bounded memory: a 256 MB artifact through the Node filesystem backend, streamed in (an async
// generator of 1 MiB chunks) and out (the ReadableStream of openArtifact), its SHA-256 checked
// both ways. Prints `npm blob-transfer node-fs: …` with the peak RSS growth over the transfer
// (sampled every 2 ms) and the throughput; fails when the growth reaches half the object. The
// size is past the garbage Node 24 lets chunks leave before it collects (up to ~64 MB, seen at
// 100 MB and 300 MB alike), so only a copy of the object can reach the limit.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import initSqlJs from 'sql.js';
import { fsBlobs, openStore, sqlJsExecutor } from 'asm-edge';

const SIZE = 256 * 1024 * 1024;
const CHUNK = 1024 * 1024;

test('a 256 MB artifact streams through the Node filesystem backend in bounded memory', async () => {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  const dir = mkdtempSync(join(tmpdir(), 'asm-js-transfer-'));
  try {
    const store = await openStore(sqlJsExecutor(db), { artifacts: fsBlobs(dir) });
    const session = store.newSession({ agent_id: 'agent-1' });
    await store.saveSession(session);
    // Warm up both paths so that compiled code and pools are not counted as the transfer's.
    await store.storeArtifact({ key: 'warm', session_id: session.id }, new Uint8Array(4 * CHUNK));
    for await (const chunk of (await store.openArtifact('warm')).body) void chunk;
    globalThis.gc?.();

    const sent = createHash('sha256');
    async function* body() {
      const chunk = new Uint8Array(CHUNK);
      for (let at = 0; at < SIZE; at += CHUNK) {
        for (let i = 0; i < CHUNK; i += 4096) chunk[i] = (at / CHUNK + i) & 0xff;
        sent.update(chunk);
        // A copy per chunk, as a network stream hands them over.
        yield chunk.slice();
      }
    }
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 2);
    const t0 = performance.now();
    const artifact = await store.storeArtifact({ key: 'big.bin', session_id: session.id, content_type: 'application/octet-stream' }, body());
    const t1 = performance.now();
    const opened = await store.openArtifact('big.bin');
    const received = createHash('sha256');
    let bytes = 0;
    for await (const chunk of opened.body) {
      received.update(chunk);
      bytes += chunk.length;
    }
    const t2 = performance.now();
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);

    const sha256 = sent.digest('hex');
    assert.equal(artifact.byte_size, SIZE);
    assert.equal(artifact.checksum_sha256, sha256, 'the row has the SHA-256 of what was sent');
    assert.equal(artifact.storage_backend, 'file');
    assert.equal(bytes, SIZE);
    assert.equal(received.digest('hex'), sha256, 'what came back is what was sent');
    const growth = (peak - base) / 2 ** 20;
    const mbps = (ms) => (SIZE / 2 ** 20 / (ms / 1000)).toFixed(0);
    process.stdout.write(`\nnpm blob-transfer node-fs: ${SIZE / 2 ** 20} MB in ${mbps(t1 - t0)} MB/s, out ${mbps(t2 - t1)} MB/s, peak RSS growth ${growth.toFixed(1)} MB, sha256 matched\n`);
    assert.ok(growth < SIZE / 2 ** 20 / 2, `peak RSS growth ${growth.toFixed(1)} MB`);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
