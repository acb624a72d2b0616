// The live tail through the package on better-sqlite3: getEvents' long-poll, and
// `store.subscribe` as an async iterator. Writers append events through one store while
// subscribers follow through another (its own connection to the same file, so they see the
// writes by reading again, as another process would), drop out at random points (`break` or an
// AbortSignal) and resume after the last event they saw; each must end with exactly 1..N, in
// order, once each. Prints `reliability live-tail-node: N passed, M failed` with the resumes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { betterSqlite3Executor, openStore } from 'asm-edge';

const EVENTS = 600;
const SUBSCRIBERS = 4;
const dir = mkdtempSync(join(tmpdir(), 'asm-npm-live-tail-'));
let files = 0;
let passed = 0;
let failed = 0;
let resumes = 0;

after(() => {
  rmSync(dir, { recursive: true, force: true });
  // On a line of its own: the dot reporter leaves its line open.
  console.log(
    `\nreliability live-tail-node: ${passed} passed, ${failed} failed ` +
      `(${SUBSCRIBERS} subscribers, ${resumes} resumes, ${EVENTS} events)`,
  );
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

/** Two stores on one new database file: each has its own connection. */
async function twoStores() {
  const file = join(dir, `tail-${files++}.db`);
  const open = () => {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    return openStore(betterSqlite3Executor(db));
  };
  const writer = await open();
  return { writer, reader: await open() };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (store, sid) => store.newEvent({ type: 'message_received', session_id: sid, data: { content: 'hi' } });

counted('getEvents with wait_timeout_ms waits for an append, or answers [] after the wait', async () => {
  const { writer, reader } = await twoStores();
  const started = Date.now();
  const [got] = await Promise.all([
    reader.getEvents('ses_poll', { after: 0, wait_timeout_ms: 10_000 }),
    sleep(50).then(() => writer.appendEvent(message(writer, 'ses_poll'))),
  ]);
  assert.equal(got.length, 1);
  assert.ok(Date.now() - started < 5_000, 'woken well before the 10 s wait');
  const t0 = Date.now();
  assert.deepEqual(await reader.getEvents('ses_quiet', { after: 0, wait_timeout_ms: 150 }), []);
  assert.ok(Date.now() - t0 >= 120, 'waited for the timeout');
});

counted('a pruned range is reported, then the tail goes on', async () => {
  const { writer, reader } = await twoStores();
  await writer.appendEvents(Array.from({ length: 10 }, () => message(writer, 'ses_pruned')));
  assert.equal(await writer.pruneSessionEvents('ses_pruned', { max_events_per_session: 4 }), 6);
  const items = [];
  for await (const item of reader.subscribe('ses_pruned', { wait_ms: 0 })) {
    if (item.kind === 'up-to-date') break;
    items.push(item.kind === 'event' ? item.event.sequence_number : item);
  }
  assert.deepEqual(items, [{ kind: 'pruned', from: 1, first_stored: 7 }, 7, 8, 9, 10]);
});

counted(`${SUBSCRIBERS} subscribers resuming at random points see 1..${EVENTS} exactly`, async () => {
  const { writer, reader } = await twoStores();
  const sid = 'ses_stress';
  let seed = 7;
  const below = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const write = async () => {
    let left = EVENTS;
    while (left > 0) {
      const n = Math.min(left, 1 + below(4));
      await writer.appendEvents(Array.from({ length: n }, () => message(writer, sid)));
      left -= n;
      await sleep(below(4));
    }
  };
  const follow = async (k) => {
    const seen = [];
    const deadline = Date.now() + 120_000;
    while (seen.length < EVENTS && Date.now() < deadline) {
      const budget = 1 + below(3);
      const abort = new AbortController();
      const from_sequence = (seen.at(-1) ?? 0) + 1;
      let taken = 0;
      for await (const item of reader.subscribe(sid, { from_sequence, wait_ms: 200, signal: abort.signal })) {
        if (item.kind !== 'event') continue;
        seen.push(item.event.sequence_number);
        taken += 1;
        if (taken >= budget || seen.length >= EVENTS) {
          // Half the subscribers leave by aborting, half by breaking out of the loop.
          if (k % 2) abort.abort();
          else break;
        }
      }
      resumes += 1;
    }
    return seen;
  };
  const [, ...seen] = await Promise.all([write(), ...Array.from({ length: SUBSCRIBERS }, (_, k) => follow(k))]);
  const want = Array.from({ length: EVENTS }, (_, i) => i + 1);
  for (const s of seen) assert.deepEqual(s, want);
  assert.ok(resumes >= 1_000, `only ${resumes} resumes`);
});
