// Redaction through the package (`openStore(executor, { redaction, onRedaction })`) on
// better-sqlite3: with it on, the secrets in a tool call's arguments never reach the database
// (appendEvent, appendEvents, flush), and `onRedaction` hears each write's count; off (the
// default) they are stored as given and the callback stays silent. The database is read with
// better-sqlite3's own SELECT, not through the store. Prints
// `reliability redaction-js: N passed, M failed`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { betterSqlite3Executor, isAsmError, openStore } from 'asm-edge';

const SECRETS = [
  'sk-ant-api03-Zq8xV2mN4pL7rT1yW6cB9dF3',
  'AKIAIOSFODNN7EXAMPLE',
  'Bearer abcdefghijklmnopqrstuvwxyz0123456789',
];
const PER_EVENT = SECRETS.length;
const SID = 'ses_redaction';
const NOW = '2025-01-27T12:00:00.000000Z';

const dir = mkdtempSync(join(tmpdir(), 'asm-npm-redaction-'));
let files = 0;
let passed = 0;
let failed = 0;

after(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nreliability redaction-js: ${passed} passed, ${failed} failed`);
});

/** A node:test test that also counts towards the report line. */
function counted(name, fn) {
  test(name, async () => {
    try {
      await fn();
      passed += 1;
    } catch (e) {
      failed += 1;
      throw e;
    }
  });
}

const toolInput = () => ({
  url: 'https://api.example.com/v1/items',
  headers: { Authorization: SECRETS[2] },
  aws_key: SECRETS[1],
  note: `retry with ${SECRETS[0]} if it fails`,
});

/** A store on a fresh better-sqlite3 file with `options`, and every report `onRedaction` got. */
async function open(options) {
  const db = new Database(join(dir, `redaction-${files++}.db`));
  const reports = [];
  const store = await openStore(betterSqlite3Executor(db), {
    now: () => NOW,
    onRedaction: (report) => reports.push(report),
    ...options,
  });
  await store.saveSession(store.newSession({ id: SID, agent_id: 'agent' }));
  return { db, store, reports };
}

const toolCall = (store, id) =>
  store.newEvent({ id, type: 'tool_call_started', session_id: SID, data: { tool_name: 'http_get', tool_input: toolInput() } });

/** Every write path; answers what each call answered. */
async function writeAll(store) {
  const single = await store.appendEvent(toolCall(store, 'evt_1'));
  const batch = await store.appendEvents([
    toolCall(store, 'evt_2'),
    store.newEvent({ id: 'evt_plain', type: 'message_received', session_id: SID, data: { content: 'hello, nothing to hide' } }),
    toolCall(store, 'evt_3'),
  ]);
  const run = store.newRun({ id: 'run_1', session_id: SID });
  await store.flush({
    session: store.newSession({ id: SID, agent_id: 'agent' }),
    run,
    events: [toolCall(store, 'evt_4'), toolCall(store, 'evt_5')],
  });
  return { single, batch };
}

/** The session's stored `(id, data)` rows, read with better-sqlite3 itself. */
const rawRows = (db) => db.prepare('SELECT id, data FROM asm_events WHERE session_id = ? ORDER BY id').all(SID);

const secretsIn = (text) => SECRETS.filter((s) => text.includes(s)).length;

for (const [name, options] of [
  ['defaults', { redaction: {} }],
  ['categorized', { redaction: { replacement: 'categorized' } }],
]) {
  counted(`redaction on (${name}): no secret reaches the database`, async () => {
    const { db, store, reports } = await open(options);
    const { single, batch } = await writeAll(store);
    assert.equal(secretsIn(JSON.stringify(single)), 0, 'appendEvent answers the stored event');
    assert.equal(secretsIn(JSON.stringify(batch)), 0, 'appendEvents answers the stored events');
    const rows = rawRows(db);
    assert.equal(rows.length, 6);
    for (const { id, data } of rows) {
      assert.equal(secretsIn(data), 0, `${id}: ${data}`);
      const parsed = JSON.parse(data);
      if (id === 'evt_plain') {
        assert.equal(parsed.content, 'hello, nothing to hide');
      } else {
        assert.equal(parsed.tool_input.url, 'https://api.example.com/v1/items', data);
        const want = name === 'categorized' ? '[REDACTED:aws_access_key]' : '[REDACTED]';
        assert.equal(parsed.tool_input.aws_key, want, data);
      }
    }
    // One report per write: appendEvent, appendEvents, flush.
    assert.deepEqual(reports.map((r) => r.redaction_count), [PER_EVENT, 2 * PER_EVENT, 2 * PER_EVENT]);
    assert.deepEqual(reports.map((r) => r.events.map((e) => e.event_id)), [['evt_1'], ['evt_2', 'evt_3'], ['evt_4', 'evt_5']]);
    for (const event of reports.flatMap((r) => r.events)) {
      assert.deepEqual(event, { event_id: event.event_id, session_id: SID, redaction_count: PER_EVENT, fields_redacted: ['tool_input'] });
    }
    db.close();
  });
}

counted('redaction off (the default): stored as given, no report', async () => {
  const { db, store, reports } = await open({});
  const { single } = await writeAll(store);
  assert.equal(secretsIn(JSON.stringify(single)), PER_EVENT);
  const rows = rawRows(db);
  assert.equal(rows.length, 6);
  for (const { id, data } of rows) {
    assert.equal(secretsIn(data), id === 'evt_plain' ? 0 : PER_EVENT, `${id}: ${data}`);
  }
  assert.deepEqual(reports, []);
  db.close();
});

counted('redaction with enabled: false stores as given', async () => {
  const { db, store, reports } = await open({ redaction: { enabled: false } });
  await writeAll(store);
  for (const { id, data } of rawRows(db)) {
    assert.equal(secretsIn(data), id === 'evt_plain' ? 0 : PER_EVENT, `${id}: ${data}`);
  }
  assert.deepEqual(reports, []);
  db.close();
});

counted('a refused write reports nothing', async () => {
  const { db, store, reports } = await open({ redaction: {} });
  const event = toolCall(store, 'evt_1');
  await store.appendEvent(event);
  reports.length = 0;
  await store.saveSession(store.newSession({ id: 'ses_other', agent_id: 'agent' }));
  await assert.rejects(store.appendEvents([{ ...event, session_id: 'ses_other' }]), (e) => isAsmError(e));
  assert.deepEqual(reports, []);
  db.close();
});

counted('bad redaction options are a validation_error', async () => {
  const db = new Database(':memory:');
  for (const options of [
    { redaction: 'on' },
    { redaction: { patterns: ['('] } },
    { redaction: { deep_scan: 'yes' } },
    { redaction: {}, onRedaction: 'not a function' },
  ]) {
    await assert.rejects(openStore(betterSqlite3Executor(db), options), (e) => isAsmError(e) && e.code === 'validation_error', JSON.stringify(options));
  }
  db.close();
});
