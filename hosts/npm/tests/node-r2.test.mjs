// The artifact suites through the package's R2 backend on a real R2 binding: Miniflare (the
// runtime under `wrangler dev --local`) runs workerd with a local R2 bucket, and its binding is
// used from Node as a JavaScript Worker would use `env.BUCKET`. Rows on sql.js; the bucket is
// emptied before every store the suites make.
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Miniflare } from 'miniflare';
import initSqlJs from 'sql.js';
import { Store, r2Blobs, sqlJsExecutor } from 'asm-edge';
import { blobSuites } from './support/conformance.mjs';

const mf = new Miniflare({
  modules: true,
  script: 'export default { fetch() { return new Response(null, { status: 204 }) } }',
  r2Buckets: ['BUCKET'],
  host: '127.0.0.1',
});
const bucket = await mf.getR2Bucket('BUCKET');
const SQL = await initSqlJs();
const databases = [];

async function emptyBucket() {
  for (;;) {
    const { objects } = await bucket.list({ limit: 1000 });
    if (objects.length === 0) return;
    await bucket.delete(objects.map((o) => o.key));
  }
}

async function makeStore(hooks, artifacts) {
  if (artifacts) await emptyBucket();
  const db = new SQL.Database();
  databases.push(db);
  const store = new Store(sqlJsExecutor(db), { ...hooks, artifacts });
  await store.migrate();
  return store;
}

// Objects over one part (8 MiB) go up as multipart uploads: with a declared SHA-256 straight
// under their key, without one through a staging key; a refused one keeps the old object.
test('r2: multipart puts, declared and computed SHA-256, refusal keeps the old object', async () => {
  const store = await makeStore({}, r2Blobs(bucket));
  const big = new Uint8Array(20 * 1024 * 1024 + 123).map((_, i) => (i * 2654435761) >>> 24);
  const sha256 = createHash('sha256').update(big).digest('hex');
  const chunks = async function* () {
    for (let at = 0; at < big.length; at += 1 << 20) yield big.subarray(at, at + (1 << 20));
  };
  const read = async (key) => {
    const { body, info } = await store.getBlob(key);
    const hash = createHash('sha256');
    for await (const chunk of body) hash.update(chunk);
    return { info, sha256: hash.digest('hex') };
  };
  const declared = await store.putBlob('big/declared', chunks(), { sha256, byte_size: big.length });
  assert.equal(declared.sha256, sha256);
  const computed = await store.putBlob('big/computed', chunks());
  assert.equal(computed.sha256, sha256);
  for (const key of ['big/declared', 'big/computed']) {
    const got = await read(key);
    assert.equal(got.sha256, sha256, key);
    assert.equal(got.info.sha256, sha256, key);
    assert.equal(got.info.byte_size, big.length, key);
  }
  await assert.rejects(store.putBlob('big/computed', chunks(), { sha256: '0'.repeat(64) }), { code: 'validation_error' });
  await assert.rejects(store.putBlob('big/computed', chunks(), { byte_size: 10 * 1024 * 1024 }), { code: 'validation_error' });
  assert.equal((await read('big/computed')).sha256, sha256, 'the old object stays');
  const { objects } = await bucket.list({ limit: 1000 });
  assert.deepEqual(objects.map((o) => o.key).sort(), ['big/computed', 'big/declared'], 'no staging object is left');
});

await blobSuites('node-r2', makeStore, () => r2Blobs(bucket), {
  teardown: async () => {
    for (const db of databases) db.close();
    await mf.dispose();
  },
});
