// The package's two WebAssembly modules (js/full.js): the agent's path (sessions, runs, events,
// search) runs on the first module alone, the reports, maintenance and artifact methods load the
// full one on their first call, and a full module that cannot load is a `dependency_not_available`
// that a later call retries. The package is copied under target/ (so that its dependencies still
// resolve from the repository's node_modules) with the full module's .wasm moved away.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import initSqlJs from 'sql.js';

const root = join(import.meta.dirname, '../../..');
mkdirSync(join(root, 'target'), { recursive: true });
const copy = mkdtempSync(join(root, 'target', 'asm-npm-modules-'));
after(() => rmSync(copy, { recursive: true, force: true }));
cpSync(join(root, 'pkg'), copy, { recursive: true });
const fullWasm = join(copy, 'wasm-full', 'asm_npm_bg.wasm');
renameSync(fullWasm, `${fullWasm}.away`);

const { Store, isAsmError, sqlJsExecutor } = await import(pathToFileURL(join(copy, 'node.js')).href);
const SQL = await initSqlJs();

describe('two WebAssembly modules', () => {
  const db = new SQL.Database();
  const store = new Store(sqlJsExecutor(db), { artifacts: 'memory' });

  test('the agent path needs only the first module', async () => {
    await store.migrate();
    const session = store.newSession({ id: 'ses_modules', agent_id: 'agent' });
    await store.saveSession(session);
    const run = store.newRun({ session_id: session.id });
    await store.saveRun(run);
    const stored = await store.appendEvents(
      [1, 2, 3].map((n) => store.newEvent({ type: 'message_received', session_id: session.id, run_id: run.id, data: { n } })),
    );
    assert.deepEqual(stored.map((e) => e.sequence_number), [1, 2, 3]);
    assert.equal((await store.getEvents(session.id)).length, 3);
    assert.equal(await store.getLatestSequence(session.id), 3);
    assert.equal((await store.searchSessions({})).sessions.length, 1);
    assert.equal((await store.searchEvents({ session_ids: [session.id] })).events.length, 3);
    assert.equal(await store.countEvents({}), 3);
    assert.equal(store.artifactBackend, 'memory');
    const tail = store.openTail(session.id, { from_sequence: 1 });
    assert.equal((await tail.next()).event.sequence_number, 1);
  });

  test('a full module that cannot load is a retryable dependency_not_available', async () => {
    for (const call of [() => store.getSessionStats('ses_modules'), () => store.healthCheck(), () => store.listBlobs('')]) {
      const error = await call().then(() => undefined, (e) => e);
      assert.ok(isAsmError(error), `expected an AsmError, got ${error}`);
      assert.equal(error.code, 'dependency_not_available');
      assert.equal(error.retryable, true);
      assert.equal(error.details.module, 'wasm-full/asm_npm_bg.wasm');
      assert.match(error.message, /full WebAssembly module did not load/);
    }
  });

  test('once it can, the same store loads it and answers from the same rows', async () => {
    renameSync(`${fullWasm}.away`, fullWasm);
    const stats = await store.getSessionStats('ses_modules');
    assert.equal(stats.event_count, 3);
    assert.equal(stats.run_count, 1);
    const exported = await store.exportSession('ses_modules');
    assert.deepEqual(exported.events.map((e) => e.data.n), [1, 2, 3]);
    assert.deepEqual(await store.healthCheck(), []);
    // Artifacts written through the full module are read back through it.
    const artifact = await store.storeArtifact({ session_id: 'ses_modules', key: 'notes.txt', content_type: 'text/plain' }, 'hello');
    assert.equal(artifact.byte_size, 5);
    const opened = await store.openArtifact('notes.txt');
    assert.equal(await new Response(opened.body).text(), 'hello');
    // Events appended through the first module afterwards are what the full one reports.
    await store.appendEvent(store.newEvent({ type: 'message_sent', session_id: 'ses_modules' }));
    assert.equal((await store.getSessionStats('ses_modules')).event_count, 4);
  });

  test('a bad argument to a full-module method is its validation_error', async () => {
    const error = await store.getSessionStats(42).then(() => undefined, (e) => e);
    assert.ok(isAsmError(error));
    assert.equal(error.code, 'validation_error');
  });

  test('free() frees both, and the store is unusable after', async () => {
    store.free();
    assert.throws(() => store.newSession({ agent_id: 'a' }));
    db.close();
  });
});
