// The package in a JavaScript Worker, as a user deploys it: a Worker importing `asm-edge` is
// bundled by wrangler (`deploy --dry-run`, which resolves the package's `workerd` condition and
// bundles the full .wasm alone, as a compiled module) and run by Miniflare's workerd with a local
// D1. The Worker opens a store, writes and reads events, then asks for a report, an export and a
// health check.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';

const root = join(import.meta.dirname, '../../..');
mkdirSync(join(root, 'target'), { recursive: true });
// Under the repository, so that wrangler resolves `asm-edge` from its node_modules (→ pkg/).
const dir = mkdtempSync(join(root, 'target', 'asm-npm-workerd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  join(dir, 'worker.js'),
  `import { Store, d1Executor } from 'asm-edge';

export default {
  async fetch(request, env) {
    const store = new Store(d1Executor(env.DB));
    await store.migrate();
    const session = store.newSession({ id: 'ses_workerd', agent_id: 'agent' });
    await store.saveSession(session);
    const stored = await store.appendEvents(
      [1, 2, 3].map((n) => store.newEvent({ type: 'message_received', session_id: session.id, data: { n } })),
    );
    const read = await store.getEvents(session.id);
    const stats = await store.getSessionStats(session.id);
    const exported = await store.exportSession(session.id);
    const problems = await store.healthCheck();
    return Response.json({
      sequences: stored.map((e) => e.sequence_number),
      read: read.map((e) => e.data.n),
      eventCount: stats.event_count,
      exported: exported.events.length,
      problems,
    });
  },
};
`,
);

// A configuration of its own, or wrangler would find the repository's (the project's Worker).
writeFileSync(join(dir, 'wrangler.toml'), 'name = "asm-npm-workerd"\nmain = "worker.js"\ncompatibility_date = "2025-09-01"\n');
const out = join(dir, 'out');
const wrangler = join(root, 'node_modules/wrangler/bin/wrangler.js');
const bundled = spawnSync(
  process.execPath,
  [wrangler, 'deploy', '--dry-run', '--outdir', out, '--config', join(dir, 'wrangler.toml')],
  { cwd: dir, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' } },
);

test('wrangler bundles the package with the full module alone', () => {
  assert.equal(bundled.status, 0, `${bundled.stdout}\n${bundled.stderr}`);
  const wasm = readdirSync(out).filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `bundled .wasm files: ${wasm.join(', ')}`);
  const full = readFileSync(join(root, 'pkg/wasm-full/asm_npm_bg.wasm'));
  assert.ok(readFileSync(join(out, wasm[0])).equals(full), `${wasm[0]} is not the full module`);
});

test('the bundled Worker runs on workerd with D1, reports included', async () => {
  const mf = new Miniflare({
    scriptPath: join(out, 'worker.js'),
    modules: true,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-09-01',
    d1Databases: ['DB'],
    host: '127.0.0.1',
  });
  try {
    const response = await mf.dispatchFetch('http://localhost/');
    const text = await response.text();
    assert.equal(response.status, 200, text);
    assert.deepEqual(JSON.parse(text), {
      sequences: [1, 2, 3],
      read: [1, 2, 3],
      eventCount: 3,
      exported: 3,
      problems: [],
    });
  } finally {
    await mf.dispose();
  }
});
