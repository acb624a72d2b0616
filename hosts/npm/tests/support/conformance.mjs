// Runs the shared conformance cases (the Rust suite compiled to WebAssembly, see
// hosts/npm/conformance) as node:test tests against stores the caller makes from the built
// package, then prints `conformance <host>: N passed, M failed` and writes
// conformance-results/<host>.txt, as every other host does.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Store, migrationStatements } from 'asm-edge';
import { WIRE_NOT_APPLICABLE } from './not-applicable.mjs';

export { WIRE_NOT_APPLICABLE };

/** The conformance driver built by hosts/npm/tests/run (ASM_NPM_CONFORMANCE names its folder). */
export async function loadDriver() {
  const dir = process.env.ASM_NPM_CONFORMANCE;
  if (!dir) {
    throw new Error('ASM_NPM_CONFORMANCE is not set: run hosts/npm/tests/run (it builds the driver and the package)');
  }
  const driver = await import(pathToFileURL(join(dir, 'asm_npm_conformance.js')).href);
  driver.initSync({ module: readFileSync(join(dir, 'asm_npm_conformance_bg.wasm')) });
  return driver;
}

/** The seed of the run: ASM_TEST_SEED, or the suite's default (0x5eed). */
export const SEED = Number(process.env.ASM_TEST_SEED ?? 0x5eed);

/**
 * The host's name in results: with `-<lane>` when the suite runs on another Node than the
 * project's (ASM_NODE_LANE, set by hosts/npm/tests/run), so both runs are kept and checked.
 */
const laneHost = (host) => (process.env.ASM_NODE_LANE ? `${host}-${process.env.ASM_NODE_LANE}` : host);

/** Writes the ids run and prints the closing line; fails when the ids differ from the manifest. */
export function report(suiteHost, driver, outcomes) {
  const host = laneHost(suiteHost);
  const ids = driver.caseIds();
  const manifest = driver.manifestIds();
  const failed = outcomes.filter((o) => o.why !== null);
  const passed = outcomes.length - failed.length;
  const listed = ids.length === manifest.length && ids.every((id, i) => id === manifest[i]);
  const dir = process.env.CONFORMANCE_RESULTS_DIR ?? 'conformance-results';
  mkdirSync(dir, { recursive: true });
  const skipped = ids.filter((id) => WIRE_NOT_APPLICABLE.has(id));
  writeFileSync(join(dir, `${host}.txt`), outcomes.map((o) => `${o.id}\n`).join(''));
  writeFileSync(join(dir, `${host}.not-applicable.txt`), skipped.map((id) => `${id}\n`).join(''));
  for (const o of failed) console.log(`  FAIL ${o.id}: ${o.why}`);
  for (const id of skipped) console.log(`  n/a  ${id}: ${WIRE_NOT_APPLICABLE.get(id)}`);
  const complete = outcomes.length + skipped.length === ids.length;
  const failures = failed.length + (listed ? 0 : 1) + (complete ? 0 : 1);
  console.log(`\nconformance ${host}: ${passed} passed, ${failures} failed, ${skipped.length} not applicable`);
  return failures === 0;
}

/**
 * Registers one node:test test per case. `makeStore(hooks)` returns a fresh, migrated store
 * whose options include `hooks` (the case's `now` and `randomBytes`).
 */
export async function conformanceSuite(host, makeStore, { teardown } = {}) {
  const driver = await loadDriver();
  const outcomes = [];
  describe(`conformance ${laneHost(host)}`, () => {
    driver.caseIds().forEach((id, index) => {
      if (WIRE_NOT_APPLICABLE.has(id)) return;
      test(id, async () => {
        const why = (await driver.runCase(index, SEED, makeStore)) ?? null;
        outcomes.push({ id, why });
        assert.equal(why, null, why ?? '');
      });
    });
    after(async () => {
      await teardown?.();
      if (!report(host, driver, outcomes)) process.exitCode = 1;
    });
  });
}

/**
 * A store factory over one long-lived database: before every case its `asm_*` tables are
 * dropped (the down migration) and created again.
 */
export function recreatingTables(executor) {
  const down = migrationStatements(executor.dialect, 'down').map((sql) => ({ sql, params: [], readOnly: false }));
  return async (hooks) => {
    await executor.batch(down);
    const store = new Store(executor, hooks);
    await store.migrate();
    return store;
  };
}

/** Prints a blob-suite outcome (`{ suite, passed, failed }`) as `conformance <suite>-<host>: …`. */
export function reportSuite(host, outcome) {
  // Each on a line of its own: the dot reporter leaves its dots unterminated.
  const lines = outcome.failed.map((why) => `  FAIL ${outcome.suite}-${host} ${why}`);
  lines.push(`conformance ${outcome.suite}-${host}: ${outcome.passed} passed, ${outcome.failed.length} failed`);
  process.stdout.write(`\n${lines.join('\n')}\n`);
  return outcome.failed.length === 0 && outcome.passed > 0;
}

/**
 * Runs the artifact suites of the driver on one blob backend: ASM's `ArtifactStore`
 * (`blobs-<host>`), the composite store over the package's session store and that backend
 * (`composite-<host>`), and the package's own `storeArtifact`/`openArtifact`/`removeArtifact`
 * (`artifacts-<host>`). `makeStore(hooks, artifacts)` answers a fresh migrated store with
 * `options.artifacts` set (or none when `artifacts` is undefined); `backend()` a fresh backend.
 */
export async function blobSuites(host, makeStore, backend, { teardown } = {}) {
  const driver = await loadDriver();
  const withBytes = (hooks) => makeStore(hooks, backend());
  const rowsOnly = (hooks) => makeStore(hooks, undefined);
  describe(`artifact suites ${host}`, () => {
    test(`blobs-${host}`, async () => {
      assert.ok(reportSuite(host, await driver.runBlobSuite(host, withBytes)));
    });
    test(`composite-${host}`, async () => {
      assert.ok(reportSuite(host, await driver.runCompositeSuite(host, rowsOnly, withBytes)));
    });
    test(`artifacts-${host}`, async () => {
      assert.ok(reportSuite(host, await driver.runContentSuite(host, withBytes)));
    });
    after(async () => teardown?.());
  });
}
