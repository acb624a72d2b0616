// The artifact suites (blob, composite, artifacts) through the package on its Node filesystem
// backend (a fresh folder per store) and on the core's memory backend, rows on sql.js.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import initSqlJs from 'sql.js';
import { Store, fsBlobs, sqlJsExecutor } from 'asm-edge';
import { blobSuites } from './support/conformance.mjs';

const SQL = await initSqlJs();
const databases = [];
const root = mkdtempSync(join(tmpdir(), 'asm-js-blobs-'));
let folders = 0;

async function makeStore(hooks, artifacts) {
  const db = new SQL.Database();
  databases.push(db);
  const store = new Store(sqlJsExecutor(db), { ...hooks, artifacts });
  await store.migrate();
  return store;
}

after(() => {
  for (const db of databases) db.close();
  rmSync(root, { recursive: true, force: true });
});

// What the suites cannot see: the folder itself. A refused put and a body that fails midway
// leave no temporary behind and the old object in place; a day-old temporary (a crash) goes
// when a backend next opens the folder.
test('fs backend: refused and broken puts leave the folder as it was', async () => {
  const dir = join(root, 'faults');
  mkdirSync(join(dir, '.uploads'), { recursive: true });
  writeFileSync(join(dir, '.uploads', 'crashed'), 'half an upload');
  const dayAgo = new Date(Date.now() - 25 * 3600 * 1000);
  utimesSync(join(dir, '.uploads', 'crashed'), dayAgo, dayAgo);
  writeFileSync(join(dir, '.uploads', 'in-flight'), 'another process is writing this');
  const store = await makeStore({}, fsBlobs(dir));
  await store.putBlob('a/b', 'old bytes');
  await assert.rejects(store.putBlob('a/b', 'new bytes', { sha256: '0'.repeat(64) }), { code: 'validation_error' });
  async function* failing() {
    yield new TextEncoder().encode('new ');
    throw new Error('the connection dropped');
  }
  await assert.rejects(store.putBlob('a/b', failing()), { code: 'storage_error', message: /connection dropped/ });
  const { body } = await store.getBlob('a/b');
  assert.equal(await new Response(body).text(), 'old bytes');
  assert.deepEqual(readdirSync(join(dir, '.uploads')), ['in-flight']);
  assert.deepEqual(readdirSync(dir).sort(), ['.uploads', 'a%2Fb']);
});

// fsBlobs loads node: modules only when called: the Worker and browser entries, which export it
// too, must still bundle (wrangler's esbuild fails on a node: import it can see).
test('the Worker and browser entries bundle with the blob backends in them', async () => {
  const { build } = await import('esbuild'); // wrangler's (the root package.json pins wrangler)
  for (const entry of ['workerd.js', 'browser.js']) {
    const result = await build({
      entryPoints: [join(import.meta.dirname, '../../../pkg', entry)],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      external: ['*.wasm'],
      logLevel: 'silent',
    });
    assert.deepEqual(result.errors, [], entry);
    assert.match(result.outputFiles[0].text, /fsBlobs/, entry);
  }
});

await blobSuites('node-fs', makeStore, () => fsBlobs(join(root, `store-${folders++}`)));
await blobSuites('node-memory', makeStore, () => 'memory');
