// getEvents decodes rows in JavaScript by the core's plan (js/events.js): every row it answers
// must be exactly what the core's decoder answers, every row the core refuses it must leave to
// the core, and the store must answer through it as through the core's getEvents.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Store, betterSqlite3Executor, newEvent, newSession } from 'asm-edge';
import { coreEventsOfRows, eventsOfRows } from '../../../pkg/events.js';

/** The session every row below is read for (the rows have no session_id column). */
const SESSION = 'ses_1';

/** A canonical row of `get_events` (SQLite's column forms), with `change` applied. */
function row(change = {}) {
  const cells = {
    id: 'evt_0123456789abcdef0123456789abcdef',
    type: 'message_received',
    timestamp: '2026-12-06T07:00:00.123456',
    run_id: 'run_1',
    sequence_number: 7n,
    data: '{"content":"hello","role":"user","n":[1,2.5,-3,{"deep":null}]}',
    metadata: '{}',
    schema_version: 1n,
    provider: 'anthropic',
    correlation_id: null,
    ...change,
  };
  return [
    cells.id, cells.type, cells.timestamp, cells.run_id, cells.sequence_number,
    cells.data, cells.metadata, cells.schema_version, cells.provider, cells.correlation_id,
  ];
}

/** What the core answers for one row: its events, or the error's code. */
function core(r) {
  try {
    return { events: coreEventsOfRows([r.slice()], SESSION) };
  } catch (error) {
    return { code: error.code };
  }
}

// Each case: the change to the canonical row, and whether the plan answers it itself.
const cases = [
  ['canonical', {}, true],
  ['PostgreSQL cells: integers as text', { sequence_number: '7', schema_version: 2 }, true],
  ['integers as numbers', { sequence_number: 7, schema_version: 3 }, true],
  ['an Ecto timestamp ending in Z', { timestamp: '2026-12-06T07:00:00.123456Z' }, true],
  ['a leap day', { timestamp: '2024-02-29T23:59:59.999999' }, true],
  ['NULL optional columns', { run_id: null, provider: null, correlation_id: 'cor_1' }, true],
  ['NULL maps and version', { data: null, metadata: 'null', schema_version: null }, true],
  ['unicode and escapes', { data: '{"t":"\\"ü\\n\\t€","a":"\\u00e9","z":{"y":[true,false,null]}}' }, true],
  ['repeated keys', { data: '{"a":1,"a":2}' }, true],
  ['big and small numbers', { data: '{"big":12345678901234567890,"small":1e-7,"neg":-0.5,"x":1E+20}' }, true],
  ['a timestamp with a space', { timestamp: '2026-12-06 07:00:00.123456' }, false],
  ['a timestamp with 3 digits', { timestamp: '2026-12-06T07:00:00.123' }, false],
  ['a timestamp with an offset', { timestamp: '2026-12-06T07:00:00.123456+01:00' }, false],
  ['no such day', { timestamp: '2025-02-29T00:00:00.000000' }, false],
  ['no such hour', { timestamp: '2025-01-01T24:00:00.000000' }, false],
  ['not a timestamp', { timestamp: 'yesterday, about noon' }, false],
  ['an unknown type', { type: 'message_lost' }, false],
  ['an id as a number', { id: 42 }, false],
  ['a sequence beyond 2^53', { sequence_number: 9007199254740993n }, false],
  ['a fractional sequence', { sequence_number: 3.5 }, false],
  ['a NULL sequence', { sequence_number: null }, false],
  ['an array for data', { data: '[1,2]' }, false],
  ['text that is not JSON', { data: '{"a":' }, false],
  ['an integer -0', { data: '{"z":-0}' }, false],
  ['a surrogate pair escape', { data: '{"e":"\\ud83d\\ude00"}' }, false],
  ['a lone surrogate escape', { data: '{"e":"\\ud800"}' }, false],
  ['an exponent beyond a double', { data: '{"e":1e400}' }, false],
  ['a number where text belongs', { run_id: 5n }, false],
];

for (const [name, change, planned] of cases) {
  test(`a row: ${name}`, () => {
    const r = row(change);
    const fast = eventsOfRows([r.slice()], SESSION);
    const expected = core(r);
    assert.equal(fast !== undefined, planned, planned ? 'the plan answers it' : 'the plan leaves it to the core');
    if (fast) assert.deepStrictEqual(fast, expected.events);
    if (fast) assert.equal(fast[0].session_id, SESSION, 'the session read, not a cell');
  });
}

test('rows out of sequence order are left to the core', () => {
  const rows = [row({ sequence_number: 1n }), row({ sequence_number: 2n }), row({ sequence_number: 3n })];
  assert.equal(eventsOfRows(rows.map((r) => r.slice()), SESSION).length, 3);
  assert.equal(eventsOfRows([rows[0], rows[2], rows[1]].map((r) => r.slice()), SESSION), undefined);
  assert.equal(eventsOfRows([rows[1], rows[1]].map((r) => r.slice()), SESSION), undefined, 'a number twice');
});

/** A random JSON value of depth at most `depth` (numbers as JSON.stringify writes them). */
function randomJson(random, depth) {
  const pick = Math.floor(random() * (depth > 0 ? 7 : 5));
  switch (pick) {
    case 0: return null;
    case 1: return random() < 0.5;
    case 2: return Math.floor((random() - 0.5) * 2 ** (1 + Math.floor(random() * 60)));
    case 3: return (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
    case 4: return Array.from({ length: Math.floor(random() * 6) }, () => String.fromCodePoint(32 + Math.floor(random() * 0x2fff))).join('');
    case 5: return Array.from({ length: Math.floor(random() * 4) }, () => randomJson(random, depth - 1));
    default: {
      const object = {};
      for (let i = Math.floor(random() * 5); i > 0; i--) object[`k${Math.floor(random() * 8)}`] = randomJson(random, depth - 1);
      return object;
    }
  }
}

test('random data and metadata decode as the core decodes them', () => {
  let seed = 20261206;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let planned = 0;
  for (let i = 0; i < 2000; i++) {
    const data = { ...randomJson(random, 3), v: randomJson(random, 3) };
    const r = row({ data: JSON.stringify(data), metadata: JSON.stringify({ m: randomJson(random, 2) }), sequence_number: BigInt(i) });
    const fast = eventsOfRows([r.slice()], SESSION);
    if (fast) {
      planned++;
      assert.deepStrictEqual(fast, core(r).events, `case ${i}: ${r[5]}`);
    }
  }
  assert.ok(planned > 1900, `the plan answered ${planned} of 2000`);
});

test('getEvents through the plan answers as the core getEvents', async () => {
  const db = new Database(':memory:');
  const store = new Store(betterSqlite3Executor(db));
  await store.migrate();
  const session = newSession({ agent_id: 'agent' });
  await store.saveSession(session);
  const events = Array.from({ length: 30 }, (_, i) =>
    newEvent({ type: i % 3 ? 'message_received' : 'tool_call_started', session_id: session.id, run_id: i < 10 ? null : 'run_x', data: { i, text: `message ${i}` } }));
  await store.appendEvents(events);

  const coreReads = [];
  const coreGetEvents = Store.prototype.__getEvents;
  Store.prototype.__getEvents = function spy(...args) {
    coreReads.push(args);
    return coreGetEvents.apply(this, args);
  };
  const emptyAnswers = [];
  const coreNoEvents = Store.prototype.__noEvents;
  Store.prototype.__noEvents = function spy(...args) {
    emptyAnswers.push(args);
    return coreNoEvents.apply(this, args);
  };
  try {
    for (const filter of [undefined, { limit: 5 }, { after: 10, before: 20 }, { type: 'tool_call_started' }, { run_id: 'run_x', limit: 3 }]) {
      const planned = await store.getEvents(session.id, filter);
      assert.equal(coreReads.length, 0, 'a non-empty read is answered by the plan');
      assert.ok(planned.length > 0);
      assert.deepStrictEqual(planned, await coreGetEvents.call(store, session.id, filter));
    }

    // An empty answer asks the core only whether the session may be read (no second read);
    // a bad filter and a read that waits are the core's.
    assert.deepStrictEqual(await store.getEvents(session.id, { after: 1000 }), []);
    assert.equal(emptyAnswers.length, 1);
    await assert.rejects(store.getEvents(session.id, { limit: -1 }), { code: 'validation_error' });
    await assert.rejects(store.getEvents(42), { code: 'validation_error' });
    assert.equal((await store.getEvents(session.id, { wait_timeout_ms: 50, after: 29 })).length, 1);
    assert.equal(coreReads.length, 3);

    // A stored row outside the plan (a timestamp with a space) reads as the core reads it, and
    // a row the core cannot read fails as the core's getEvents fails.
    db.prepare("UPDATE asm_events SET \"timestamp\" = replace(\"timestamp\", 'T', ' ') WHERE sequence_number = 2").run();
    const odd = await store.getEvents(session.id, { limit: 3 });
    assert.equal(odd[1].timestamp, events[1].timestamp);
    db.prepare("UPDATE asm_events SET data = '[1]' WHERE sequence_number = 3").run();
    const fails = await coreGetEvents.call(store, session.id, {}).catch((e) => e);
    assert.equal(fails.code, 'storage_error');
    const failsToo = await store.getEvents(session.id, {}).catch((e) => e);
    assert.deepStrictEqual({ ...failsToo, message: failsToo.message }, { ...fails, message: fails.message });
  } finally {
    Store.prototype.__getEvents = coreGetEvents;
    Store.prototype.__noEvents = coreNoEvents;
    db.close();
  }
});

test('better-sqlite3 reads integers as numbers, and again as bigints when one is beyond 2^53', async () => {
  const db = new Database(':memory:');
  try {
    const executor = betterSqlite3Executor(db);
    const read = (sql) => executor.batch([{ sql, params: [], readOnly: true }]).then(([answer]) => answer.rows);
    assert.deepStrictEqual(await read('SELECT 7, 2.5, -9007199254740991'), [[7, 2.5, -9007199254740991]]);
    // A real that large may have been an integer too: read again, it stays a number.
    assert.deepStrictEqual(await read('SELECT 7, 1e300'), [[7n, 1e300]]);
    assert.deepStrictEqual(await read('SELECT 7, 2.5, 9007199254740993'), [[7n, 2.5, 9007199254740993n]]);
    assert.deepStrictEqual(await read('SELECT -9007199254740993 UNION ALL SELECT 1'), [[-9007199254740993n], [1n]]);
    // Inside a batch, the second run sees what the first saw.
    db.exec('CREATE TABLE t (n INTEGER)');
    const [, answer] = await executor.batch([
      { sql: 'INSERT INTO t (n) VALUES (?1)', params: [9007199254740993n] },
      { sql: 'SELECT n FROM t', params: [], readOnly: true },
    ]);
    assert.deepStrictEqual(answer.rows, [[9007199254740993n]]);
  } finally {
    db.close();
  }
});
