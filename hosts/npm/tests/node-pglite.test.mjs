// The conformance cases through the package on PGlite (PostgreSQL compiled to WebAssembly): one
// database, its tables dropped and created again before every case.
import { PGlite } from '@electric-sql/pglite';
import { pgliteExecutor } from 'asm-edge';
import { conformanceSuite, recreatingTables } from './support/conformance.mjs';

const db = await PGlite.create();
const executor = pgliteExecutor(db);

await conformanceSuite('node-pglite', recreatingTables(executor), { teardown: () => db.close() });
