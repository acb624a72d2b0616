// The conformance cases through the package's D1 executor on real D1: Miniflare (the runtime
// under `wrangler dev --local`) runs workerd with a local D1 database, and its binding is used
// from Node as a JavaScript Worker would use `env.DB`. Tables are dropped and created before
// every case.
import { Miniflare } from 'miniflare';
import { d1Executor } from 'asm-edge';
import { conformanceSuite, recreatingTables } from './support/conformance.mjs';

const mf = new Miniflare({
  modules: true,
  script: 'export default { fetch() { return new Response(null, { status: 204 }) } }',
  d1Databases: ['DB'],
  host: '127.0.0.1',
});
const executor = oneAtATime(d1Executor(await mf.getD1Database('DB')));

/**
 * `executor` with its batches run one after another. D1 runs a database's batches one at a time
 * anyway; Miniflare's binding proxy from Node (which a Worker's `env.DB` does not go through)
 * fails some of fifty concurrent calls under load with workerd's internal "false == true".
 */
function oneAtATime(executor) {
  let previous = Promise.resolve();
  return {
    ...executor,
    batch(statements) {
      const run = previous.then(() => executor.batch(statements));
      previous = run.catch(() => {});
      return run;
    },
  };
}

await conformanceSuite('node-d1', recreatingTables(executor), { teardown: () => mf.dispose() });
