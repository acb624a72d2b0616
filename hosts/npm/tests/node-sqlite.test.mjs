// The conformance cases through the package on sql.js (SQLite compiled to WebAssembly).
import initSqlJs from 'sql.js';
import { Store, sqlJsExecutor } from 'asm-edge';
import { conformanceSuite } from './support/conformance.mjs';

const SQL = await initSqlJs();
let db;

await conformanceSuite('node-sqlite', async (hooks) => {
  db?.close();
  db = new SQL.Database();
  const store = new Store(sqlJsExecutor(db), hooks);
  await store.migrate();
  return store;
}, { teardown: () => db?.close() });
