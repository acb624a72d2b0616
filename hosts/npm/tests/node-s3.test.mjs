// The artifact suites through the package's S3 backend on a real S3-compatible server: moto's
// server (installed by scripts/tools.sh's asm_moto_install, or named by $ASM_MOTO_SERVER) on a
// free port of 127.0.0.1, one bucket per run, a fresh key prefix per store. Rows on sql.js.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AwsClient } from 'aws4fetch';
import initSqlJs from 'sql.js';
import { Store, s3Blobs, sqlJsExecutor } from 'asm-edge';
import { blobSuites } from './support/conformance.mjs';

const motoServer = process.env.ASM_MOTO_SERVER ?? join(homedir(), '.cache/asm-edge/moto-5.2.5/bin/moto_server');
if (!existsSync(motoServer)) {
  throw new Error(
    `node-s3: moto_server not found at ${motoServer}; install it with \`. scripts/tools.sh && asm_moto_install\` or ` +
      "`python3 -m venv ~/.cache/asm-edge/moto-5.2.5 && ~/.cache/asm-edge/moto-5.2.5/bin/pip install 'moto[server]==5.2.5'` " +
      '(or set ASM_MOTO_SERVER to a moto_server binary)',
  );
}

const port = await new Promise((resolve, reject) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
  probe.on('error', reject);
});
const server = spawn(motoServer, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
let serverLog = '';
server.stderr.on('data', (d) => (serverLog = (serverLog + d).slice(-4000)));
const exited = new Promise((resolve) => server.on('exit', resolve));

const endpoint = `http://127.0.0.1:${port}`;
const credentials = { region: 'us-east-1', accessKeyId: 'test', secretAccessKey: 'test' };
const bucket = `asm-npm-${process.pid}`;
const aws = new AwsClient({ ...credentials, service: 's3' });

for (let tries = 0; ; tries++) {
  const ok = await fetch(`${endpoint}/`).then(
    (r) => r.body?.cancel().then(() => true) ?? true,
    () => false,
  );
  if (ok) break;
  if (server.exitCode !== null || tries > 300) throw new Error(`node-s3: moto_server did not start on port ${port}:\n${serverLog}`);
  await new Promise((r) => setTimeout(r, 100));
}
const created = await aws.fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
assert.ok(created.ok, `creating bucket ${bucket}: HTTP ${created.status} ${await created.text()}`);

const SQL = await initSqlJs();
const databases = [];
let stores = 0;
const backend = (prefix = `store-${stores++}/`) => s3Blobs({ endpoint, bucket, ...credentials, prefix });

async function makeStore(hooks, artifacts) {
  const db = new SQL.Database();
  databases.push(db);
  const store = new Store(sqlJsExecutor(db), { ...hooks, artifacts });
  await store.migrate();
  return store;
}

/** Every key in the bucket under `prefix`, straight from ListObjectsV2 (staging keys too). */
async function bucketKeys(prefix) {
  const text = await (await aws.fetch(`${endpoint}/${bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`)).text();
  return [...text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]).sort();
}

// Objects over one part (8 MiB) go up as multipart uploads: with a declared SHA-256 straight
// under their key, without one through a staging key and CopyObject; a refused one keeps the
// old object and leaves no upload behind.
test('s3: 12 MiB multipart puts, declared and computed SHA-256, a range across parts, refusal keeps the old object', async () => {
  const prefix = 'multipart/';
  const store = await makeStore({}, backend(prefix));
  const big = new Uint8Array(12 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24);
  const sha256 = createHash('sha256').update(big).digest('hex');
  const chunks = async function* () {
    for (let at = 0; at < big.length; at += 1 << 20) yield big.subarray(at, at + (1 << 20));
  };
  const read = async (key, range) => {
    const { body, info } = await store.getBlob(key, range);
    const parts = [];
    for await (const chunk of body) parts.push(chunk);
    return { info, bytes: Buffer.concat(parts) };
  };
  const declared = await store.putBlob('big/declared', chunks(), { sha256, byte_size: big.length, content_type: 'application/x-big' });
  assert.equal(declared.sha256, sha256);
  const computed = await store.putBlob('big/computed', chunks(), { content_type: 'application/x-big' });
  assert.equal(computed.sha256, sha256);
  for (const key of ['big/declared', 'big/computed']) {
    const got = await read(key);
    assert.equal(createHash('sha256').update(got.bytes).digest('hex'), sha256, key);
    assert.equal(got.info.sha256, sha256, key);
    assert.equal(got.info.byte_size, big.length, key);
    assert.equal(got.info.content_type, 'application/x-big', key);
    // The first part is 8 MiB: this range is the last 1000 bytes of one and the first 1000 of the next.
    const offset = 8 * 1024 * 1024 - 1000;
    const ranged = await read(key, { start: offset, end: offset + 1999 });
    assert.deepEqual(new Uint8Array(ranged.bytes), big.subarray(offset, offset + 2000), `${key} across the part boundary`);
  }
  await assert.rejects(store.putBlob('big/computed', chunks(), { sha256: '0'.repeat(64) }), { code: 'validation_error' });
  await assert.rejects(store.putBlob('big/computed', chunks(), { byte_size: 10 * 1024 * 1024 }), { code: 'validation_error' });
  await assert.rejects(store.putBlob('big/refused', chunks(), { sha256: '0'.repeat(64) }), { code: 'validation_error' });
  assert.equal(createHash('sha256').update((await read('big/computed')).bytes).digest('hex'), sha256, 'the old object stays');
  assert.deepEqual(await bucketKeys(prefix), ['multipart/big/computed', 'multipart/big/declared'], 'no staging or refused object is left');
  const uploads = await (await aws.fetch(`${endpoint}/${bucket}?uploads`)).text();
  assert.doesNotMatch(uploads, /<Upload>/, 'no multipart upload is left open');
});

await blobSuites('node-s3', makeStore, () => backend(), {
  teardown: async () => {
    for (const db of databases) db.close();
    server.kill('SIGTERM');
    await exited;
  },
});
