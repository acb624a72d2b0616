// Checks which of the package's two WebAssembly modules the page fetched when, runs every
// conformance case in the page on sql.js through the package's browser entry, then the artifact
// suites on the OPFS backend and the memory backend, and leaves the outcomes in
// `window.asmResults` for the Node side (chromium.test.mjs) to read.
import { Store, opfsBlobs, sqlJsExecutor } from 'asm-edge';
import init, { caseIds, runBlobSuite, runCase, runCompositeSuite, runContentSuite } from '/npm-conformance/asm_npm_conformance.js';
import { WIRE_NOT_APPLICABLE } from '/hosts/npm/tests/support/not-applicable.mjs';

const out = document.getElementById('out');
try {
  await init({ module_or_path: '/npm-conformance/asm_npm_conformance_bg.wasm' });
  const SQL = await globalThis.initSqlJs({ locateFile: (file) => `/node_modules/sql.js/dist/${file}` });
  // What the page fetched of the package's two modules: only the first until a report is asked for.
  const fetched = () =>
    performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm') && p.startsWith('/pkg/'));
  const probeDb = new SQL.Database();
  const probe = new Store(sqlJsExecutor(probeDb));
  await probe.migrate();
  await probe.saveSession(probe.newSession({ id: 'ses_probe', agent_id: 'probe' }));
  await probe.appendEvents([1, 2].map(() => probe.newEvent({ type: 'message_received', session_id: 'ses_probe' })));
  await probe.getEvents('ses_probe');
  await probe.searchSessions({});
  const beforeReport = fetched();
  const stats = await probe.getSessionStats('ses_probe');
  await probe.exportSession('ses_probe');
  const modules = { beforeReport, afterReport: fetched(), eventCount: stats.event_count };
  probe.free();
  probeDb.close();

  const seed = Number(new URL(location.href).searchParams.get('seed') ?? 0x5eed);
  const results = [];
  let db;
  const ids = caseIds();
  for (const [index, id] of ids.entries()) {
    if (WIRE_NOT_APPLICABLE.has(id)) continue;
    const why = await runCase(index, seed, async (hooks) => {
      db?.close();
      db = new SQL.Database();
      const store = new Store(sqlJsExecutor(db), hooks);
      await store.migrate();
      return store;
    });
    results.push({ id, why: why ?? null });
    out.textContent = `${results.length} / ${ids.length}`;
  }
  db?.close();

  // The artifact suites: a fresh OPFS folder per store (the previous run's are removed first).
  const opfs = await navigator.storage.getDirectory();
  const stale = [];
  for await (const name of opfs.keys()) if (name.startsWith('asm-test-')) stale.push(name);
  for (const name of stale) await opfs.removeEntry(name, { recursive: true });
  const databases = [];
  const makeStore = async (hooks, artifacts) => {
    const database = new SQL.Database();
    databases.push(database);
    const store = new Store(sqlJsExecutor(database), { ...hooks, artifacts });
    await store.migrate();
    return store;
  };
  let folders = 0;
  const blobSuites = [];
  for (const [host, backend] of [
    ['chromium-opfs', () => opfsBlobs(`asm-test-${folders++}`)],
    ['chromium-memory', () => 'memory'],
  ]) {
    const withBytes = (hooks) => makeStore(hooks, backend());
    const rowsOnly = (hooks) => makeStore(hooks, undefined);
    blobSuites.push({ host, ...(await runBlobSuite(host, withBytes)) });
    blobSuites.push({ host, ...(await runCompositeSuite(host, rowsOnly, withBytes)) });
    blobSuites.push({ host, ...(await runContentSuite(host, withBytes)) });
    out.textContent = `${host} done`;
  }
  for (const database of databases) database.close();
  window.asmResults = { userAgent: navigator.userAgent, results, blobSuites, modules };
} catch (error) {
  window.asmResults = { error: String(error?.stack ?? error) };
}
