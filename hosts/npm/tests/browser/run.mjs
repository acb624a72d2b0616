// Runs every conformance case in the page on sql.js through the package's browser entry, and
// leaves the outcomes in `window.asmResults` for the Node side (chromium.test.mjs) to read.
import { Store, sqlJsExecutor } from 'asm-edge';
import init, { caseIds, runCase } from '/npm-conformance/asm_npm_conformance.js';
import { WIRE_NOT_APPLICABLE } from '/hosts/npm/tests/support/not-applicable.mjs';

const out = document.getElementById('out');
try {
  await init({ module_or_path: '/npm-conformance/asm_npm_conformance_bg.wasm' });
  const SQL = await globalThis.initSqlJs({ locateFile: (file) => `/node_modules/sql.js/dist/${file}` });
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
  window.asmResults = { userAgent: navigator.userAgent, results };
} catch (error) {
  window.asmResults = { error: String(error?.stack ?? error) };
}
