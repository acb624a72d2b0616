// The package's JavaScript surface, and hostile input at the JavaScript boundary: every
// bad argument is rejected with an AsmError carrying a clear code, the stored rows are byte for
// byte what they were, and odd-but-valid text is stored verbatim. Prints
// `reliability hostile-input-js: N passed, M failed`.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import initSqlJs from 'sql.js';
import {
  Store, isAsmError, migrationStatements, newEvent, newRun, newSession, openStore, sqlJsExecutor,
} from 'asm-edge';

const SQL = await initSqlJs();
const TABLES = ['asm_sessions', 'asm_runs', 'asm_events', 'asm_session_sequences', 'asm_artifacts'];
const NOW = '2025-01-27T12:00:00.000000Z';

/** A fresh store on sql.js with a fixed clock, one session and one event already stored. */
async function seeded() {
  const db = new SQL.Database();
  const executor = sqlJsExecutor(db);
  const store = await openStore(executor, { now: () => NOW });
  const session = store.newSession({ id: 'ses_seed', agent_id: 'agent' });
  await store.saveSession(session);
  await store.appendEvent(store.newEvent({ id: 'evt_seed', type: 'message_received', session_id: 'ses_seed' }));
  return { db, executor, store };
}

/** Every row of every asm_* table. */
async function dump(executor) {
  const results = await executor.batch(TABLES.map((t) => ({ sql: `SELECT * FROM ${t} ORDER BY 1`, params: [], readOnly: true })));
  return JSON.stringify(results.map((r) => r.rows), (_, v) => (typeof v === 'bigint' ? v.toString() : v));
}

async function rejectsWith(promiseOrFn, code) {
  let error;
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected an AsmError ${code}, got success`);
  assert.ok(isAsmError(error), `expected an AsmError, got ${error}`);
  assert.ok(error instanceof Error);
  assert.equal(error.code, code, error.message);
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0);
  assert.equal(typeof error.retryable, 'boolean');
  assert.equal(typeof error.details, 'object');
  return error;
}

describe('the API', () => {
  test('entity constructors validate as ASM does', async () => {
    const s = newSession({ agent_id: 'a', tags: ['x'] });
    assert.match(s.id, /^ses_[0-9a-f]{32}$/);
    assert.equal(s.status, 'pending');
    assert.deepEqual(s.tags, ['x']);
    assert.match(newRun({ session_id: s.id }).id, /^run_[0-9a-f]{32}$/);
    assert.equal(newEvent({ type: 'run_started', session_id: s.id }).sequence_number, null);
    const e = await rejectsWith(() => newSession({}), 'validation_error');
    assert.equal(e.message, 'agent_id is required');
    await rejectsWith(() => newEvent({ type: 'no_such_type', session_id: 's' }), 'invalid_event_type');
    await rejectsWith(() => newEvent({ session_id: 's' }), 'validation_error');
  });

  test('a store takes its clock and randomness from the options', async () => {
    const store = new Store(sqlJsExecutor(new SQL.Database()), { now: () => new Date('2030-01-02T03:04:05.678Z'), randomBytes: (n) => new Uint8Array(n) });
    const s = store.newSession({ agent_id: 'a' });
    assert.equal(s.created_at, '2030-01-02T03:04:05.678000Z');
    assert.equal(s.id, 'ses_00000000000000000000000000000000');
    assert.equal(store.dialect, 'sqlite');
  });

  test('limits in the store options cap pages, events per call and statements per batch', async () => {
    const store = await openStore(sqlJsExecutor(new SQL.Database()), {
      now: () => NOW, limits: { default_page: 2, max_page: 3, max_events_per_call: 4, max_statements_per_batch: 7 },
    });
    await store.saveSession(store.newSession({ id: 's', agent_id: 'a' }));
    const events = (n, sid = 's') => Array.from({ length: n }, () => store.newEvent({ type: 'message_sent', session_id: sid }));
    assert.equal((await store.appendEvents(events(4))).length, 4);
    assert.equal((await store.getEvents('s')).length, 2);
    assert.equal((await store.getEvents('s', { limit: 3 })).length, 3);
    const page = await rejectsWith(store.getEvents('s', { limit: 4 }), 'validation_error');
    assert.equal(page.details.limit, 3);
    const many = await rejectsWith(store.appendEvents(events(5)), 'validation_error');
    assert.equal(many.details.reason, 'too_many_events');
    // Two statements per session (insert, raise): four sessions need 8.
    const spread = await rejectsWith(store.appendEvents([...events(1, 's1'), ...events(1, 's2'), ...events(1, 's3'), ...events(1, 's4')]), 'validation_error');
    assert.equal(spread.details.reason, 'too_many_statements');
    assert.equal(await store.getLatestSequence('s1'), 0);
    await rejectsWith(() => new Store(sqlJsExecutor(new SQL.Database()), { limits: { max_page: -1 } }), 'validation_error');
  });

  test('round trip, sequences and not-found errors', async () => {
    const { store } = await seeded();
    const appended = await store.appendEvents([
      store.newEvent({ type: 'message_sent', session_id: 'ses_seed' }),
      store.newEvent({ type: 'message_sent', session_id: 'ses_seed' }),
    ]);
    assert.deepEqual(appended.map((e) => e.sequence_number), [2, 3]);
    assert.equal(await store.getLatestSequence('ses_seed'), 3);
    assert.equal((await store.getEvents('ses_seed', { after: 1 })).length, 2);
    assert.equal(await store.getActiveRun('ses_seed'), null);
    assert.equal(await store.getArtifact('nope'), null);
    const e = await rejectsWith(store.getSession('ses_missing'), 'session_not_found');
    assert.equal(e.retryable, false);
    const page = await store.searchSessions({ created_after: new Date('2020-01-01T00:00:00Z') });
    assert.equal(page.total_count, 1);
    assert.deepEqual(await store.healthCheck(), []);
  });

  test("ASM's pricing tables and empty filter lists, as JavaScript passes them", async () => {
    const { store } = await seeded();
    const run = store.newRun({ id: 'run_priced', session_id: 'ses_seed' });
    await store.saveRun({ ...run, provider: 'claude', provider_metadata: { model: 'claude-sonnet-4-5-20250929' },
      token_usage: { input_tokens: 1000, output_tokens: 500, cache_read_tokens: 2000 } });
    const close = (got, want) => assert.ok(Math.abs(got - want) <= want * 1e-12, `${got} != ${want}`);
    close((await store.getCostSummary()).total_cost_usd, 0.0111);
    // A table copied from an ASM configuration: dollars per token, `default` and `models`.
    const asm = { claude: { default: { input: 0.000001, output: 0.000002 }, models: { 'claude-sonnet-4-5': { input: 0.00001, output: 0.00002 } } } };
    close((await store.getCostSummary({ pricing_table: asm })).total_cost_usd, 1000 * 0.00001 + 500 * 0.00002 + 2000 * 0.00001);
    const legacy = { claude: { input: 0.001, output: 0.002 } };
    close((await store.getCostSummary({ pricing_table: legacy })).total_cost_usd, 1000 * 0.001 + 500 * 0.002 + 2000 * 0.001);
    assert.equal((await store.searchSessions({ status: [] })).total_count, 0);
    assert.equal((await store.searchSessions({ status: null })).total_count, 1);
    assert.equal((await store.searchRuns({ status: [] })).runs.length, 0);
    assert.equal(await store.countEvents({ types: [] }), 0);
    assert.equal(await store.countEvents({}), 1);
  });

  test('migrationStatements', () => {
    assert.ok(migrationStatements('postgres').some((s) => s.includes('asm_events')));
    assert.ok(migrationStatements('d1', 'down').every((s) => s.startsWith('DROP TABLE')));
    assert.throws(() => migrationStatements('oracle'), (e) => isAsmError(e) && e.code === 'validation_error');
  });

  test('executor errors map to ASM errors', async () => {
    const failing = (error) => ({ dialect: 'postgres', batch: async () => { throw error; } });
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    const missing = Object.assign(new Error('relation "asm_sessions" does not exist'), { code: '42P01' });
    const s = newSession({ agent_id: 'a' });
    const m = await rejectsWith(new Store(failing(missing)).saveSession(s), 'migration_required');
    assert.match(m.message, /requires Migration/);
    const lost = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const e = await rejectsWith(new Store(failing(lost)).getSession('x'), 'storage_error');
    assert.match(e.message, /ECONNRESET/);
    assert.equal(e.details.kind, 'transient');
    const u = await rejectsWith(new Store(failing(unique)).getSession('x'), 'storage_error');
    assert.equal(u.details.kind, 'unique_violation');
    const sqlite = { dialect: 'sqlite', batch: async () => { throw new Error('database is locked'); } };
    assert.equal((await rejectsWith(new Store(sqlite).getSession('x'), 'storage_error')).details.kind, 'transient');
  });
});

// ---- hostile input ----

let passed = 0;
let failed = 0;
const hostile = (name, fn) =>
  test(name, async () => {
    try {
      await fn();
      passed++;
    } catch (e) {
      failed++;
      throw e;
    }
  });

/** `call(store)` must reject with `code` and leave every row as it was. */
const refused = (name, code, call) =>
  hostile(`${name} → ${code}, nothing changed`, async () => {
    const { executor, store } = await seeded();
    const before = await dump(executor);
    await rejectsWith(() => call(store), code);
    assert.equal(await dump(executor), before);
  });

describe('hostile input at the JavaScript boundary', () => {
  const cyclic = { id: 'ses_c', agent_id: 'a' };
  cyclic.metadata = { self: cyclic };
  const deep = (n) => { let v = {}; for (let i = 0; i < n; i++) v = { v }; return v; };
  const session = (over) => ({ ...newSession({ id: 'ses_x', agent_id: 'a' }), ...over });
  const event = (over) => ({ ...newEvent({ id: 'evt_x', type: 'message_received', session_id: 'ses_seed' }), ...over });

  for (const [what, value] of [['a number', 42], ['a string', 'session'], ['an array', []], ['null', null], ['a function', () => 1]]) {
    refused(`saveSession(${what})`, 'validation_error', (s) => s.saveSession(value));
    refused(`appendEvent(${what})`, 'validation_error', (s) => s.appendEvent(value));
    if (what !== 'an array') refused(`appendEvents(${what})`, 'validation_error', (s) => s.appendEvents(value));
    refused(`flush(${what})`, 'validation_error', (s) => s.flush(value));
  }
  refused('a session whose agent_id is a number', 'validation_error', (s) => s.saveSession(session({ agent_id: 5 })));
  refused('a session whose status is unknown', 'invalid_status', (s) => s.saveSession(session({ status: 'exploded' })));
  refused('an event whose type is unknown', 'invalid_event_type', (s) => s.appendEvent(event({ type: 'rm -rf' })));
  refused('an event whose timestamp is not a date', 'validation_error', (s) => s.appendEvent(event({ timestamp: 'yesterday' })));
  refused('a BigInt in event data', 'validation_error', (s) => s.appendEvent(event({ data: { n: 10n } })));
  refused('a cyclic object', 'validation_error', (s) => s.saveSession(cyclic));
  refused('data nested 150 deep', 'validation_error', (s) => s.appendEvent(event({ data: deep(150) })));
  refused('data nested 10 000 deep', 'validation_error', (s) => s.appendEvent(event({ data: deep(10_000) })));
  refused('a lone surrogate (text that is not Unicode)', 'validation_error', (s) => s.saveSession(session({ agent_id: 'a\uD800b' })));
  // PostgreSQL stores no NUL and at most 255 characters per id: every store refuses them alike.
  refused('a NUL in a session id', 'validation_error', (s) => s.saveSession(session({ id: 'ses_\u0000nul', agent_id: 'a' })));
  refused('a NUL in event data', 'validation_error', (s) => s.appendEvent(event({ data: { text: 'a\u0000b' } })));
  refused('a 256-character agent id', 'validation_error', (s) => s.saveSession(session({ agent_id: 'é'.repeat(256) })));
  refused('a batch with one bad event', 'invalid_event_type', (s) => s.appendEvents([event({ id: 'evt_ok' }), event({ type: 'nope' })]));
  refused('a non-string session id', 'validation_error', (s) => s.getSession({ id: 1 }));
  refused('a non-string artifact key', 'validation_error', (s) => s.deleteArtifact(7));
  for (const limit of [-1, 0, 1001, 1e12, 'ten', 1.5]) {
    refused(`searchSessions limit ${limit}`, 'validation_error', (s) => s.searchSessions({ limit }));
    refused(`searchEvents limit ${limit}`, 'validation_error', (s) => s.searchEvents({ limit }));
  }
  refused('listSessions limit -5', 'validation_error', (s) => s.listSessions({ limit: -5 }));
  for (const cursor of ['garbage', '', 'eyJ4IjoxfQ', '%%%', 'a'.repeat(10_000)]) {
    refused(`a forged cursor ${JSON.stringify(cursor.slice(0, 12))}`, 'invalid_cursor', (s) => s.searchSessions({ cursor }));
  }
  hostile('a cursor of another query is refused', async () => {
    const { executor, store } = await seeded();
    await store.appendEvent(event({ id: 'evt_2' }));
    const { cursor } = await store.searchEvents({ limit: 1 });
    assert.ok(cursor);
    const before = await dump(executor);
    await rejectsWith(store.searchSessions({ cursor }), 'invalid_cursor');
    assert.equal(await dump(executor), before);
  });
  refused('a retention policy with a negative age', 'validation_error', (s) => s.execute({ max_session_age_days: -3 }));
  refused('a retention policy that is a string', 'validation_error', (s) => s.execute('all'));
  refused('a pricing table of the wrong shape', 'validation_error', (s) => s.getCostSummary({ pricing_table: { openai: 3 } }));

  for (const id of ["x'); DROP TABLE asm_events; --", 'ses_"quoted"', 'ses_ünïcødé_🙂', 'é'.repeat(255), ' ']) {
    hostile(`the id ${JSON.stringify(id)} is stored verbatim and executes nothing`, async () => {
      const { executor, store } = await seeded();
      await store.saveSession(session({ id, agent_id: id }));
      const got = await store.getSession(id);
      assert.equal(got.id, id);
      assert.equal(got.agent_id, id);
      assert.equal((await store.getEvents('ses_seed')).length, 1);
      assert.equal((await store.listSessions({ agent_id: id })).length, 1);
      assert.match(await dump(executor), /evt_seed/);
    });
  }
  hostile('filters carrying SQL match nothing and change nothing', async () => {
    const { executor, store } = await seeded();
    const before = await dump(executor);
    for (const text of ["' OR 1=1 --", '") OR ("1"="1', '%', '_']) {
      assert.deepEqual(await store.listSessions({ agent_id: text }), []);
      assert.equal((await store.searchSessions({ agent_id: text, tags: [text] })).total_count, 0);
      assert.equal(await store.countEvents({ session_ids: [text], types: ['message_received'] }), 0);
    }
    assert.equal(await dump(executor), before);
  });
  hostile('a 1 MiB text and odd Unicode are stored verbatim', async () => {
    const { store } = await seeded();
    const text = 'é🙂\u2028\u0001'.repeat(1 << 16);
    const [stored] = await store.appendEvents([event({ id: 'evt_big', data: { text } })]);
    assert.equal(stored.data.text, text);
    const [read] = await store.getEvents('ses_seed', { after: 1 });
    assert.equal(read.data.text, text);
  });
  hostile('a broken executor answer is a storage error, not a crash', async () => {
    const liar = { dialect: 'sqlite', batch: async () => [{ rows: 'not rows' }] };
    await rejectsWith(new Store(liar).getSession('x'), 'storage_error');
    const short = { dialect: 'sqlite', batch: async () => [] };
    await rejectsWith(new Store(short).getSession('x'), 'storage_error');
    const weird = { dialect: 'sqlite', batch: async () => [{ rows: [[{ not: 'a cell' }]] }] };
    await rejectsWith(new Store(weird).getSession('x'), 'storage_error');
  });
  hostile('a store with a bad executor or options is refused', async () => {
    await rejectsWith(() => new Store({}), 'validation_error');
    await rejectsWith(() => new Store({ dialect: 'oracle', batch() {} }), 'validation_error');
    await rejectsWith(() => new Store(sqlJsExecutor(new SQL.Database()), { now: 'noon' }), 'validation_error');
    await rejectsWith(() => new Store(sqlJsExecutor(new SQL.Database()), { now: () => 'noon' }), 'validation_error');
    await rejectsWith(() => new Store(sqlJsExecutor(new SQL.Database()), { randomBytes: () => new Uint8Array(1) }), 'validation_error');
  });

  after(() => {
    // On a line of its own: the dot reporter leaves its dots unterminated.
    console.log(`\nreliability hostile-input-js: ${passed} passed, ${failed} failed`);
  });
});
