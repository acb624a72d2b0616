// The conformance cases through the package on the test command's PostgreSQL server with
// node-postgres: a schema of this run's own, its tables dropped and created before every case.
import pg from 'pg';
import { pgExecutor } from 'asm-edge';
import { conformanceSuite, recreatingTables } from './support/conformance.mjs';

const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL is not set: run scripts/test, or start PostgreSQL with `eval "$(scripts/postgres-up)"`');
}
const schema = `asm_npm_${process.pid}`;
const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 8 });
const executor = pgExecutor(pool);

await conformanceSuite('node-postgres', recreatingTables(executor), {
  teardown: async () => {
    await pool.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  },
});
