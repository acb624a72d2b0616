// The conformance cases through the package on better-sqlite3 (native SQLite, a file in WAL mode).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store, betterSqlite3Executor } from 'asm-edge';
import { conformanceSuite } from './support/conformance.mjs';

const dir = mkdtempSync(join(tmpdir(), 'asm-npm-'));
let db;
let n = 0;

await conformanceSuite('node-better-sqlite3', async (hooks) => {
  db?.close();
  db = new Database(join(dir, `case-${n++}.db`));
  db.pragma('journal_mode = WAL');
  const store = new Store(betterSqlite3Executor(db), hooks);
  await store.migrate();
  return store;
}, { teardown: () => { db?.close(); rmSync(dir, { recursive: true, force: true }); } });
