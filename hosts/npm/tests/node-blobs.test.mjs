// The artifact suites (blob, composite, artifacts) through the package on its Node filesystem
// backend (a fresh folder per store) and on the core's memory backend, rows on sql.js.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
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

await blobSuites('node-fs', makeStore, () => fsBlobs(join(root, `store-${folders++}`)));
await blobSuites('node-memory', makeStore, () => 'memory');
