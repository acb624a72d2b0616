// The conformance cases through the package on PGlite (PostgreSQL compiled to WebAssembly): one
// database, its tables dropped and created again before every case.
import { PGlite } from '@electric-sql/pglite';
import { Store, migrationStatements, pgliteExecutor } from 'asm-edge';
import { conformanceSuite } from './support/conformance.mjs';

const db = await PGlite.create();
const executor = pgliteExecutor(db);
const down = migrationStatements('postgres', 'down').map((sql) => ({ sql, params: [] }));

await conformanceSuite('node-pglite', async (hooks) => {
  await executor.batch(down);
  const store = new Store(executor, hooks);
  await store.migrate();
  return store;
}, { teardown: () => db.close() });
