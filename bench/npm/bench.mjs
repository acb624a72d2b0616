// The npm rows of the benchmark: the package in Node (pkg/, as users load it) against hand-written JavaScript
// doing the same SQL on the same driver, interleaved in one process, medians of --reps runs.
//   W1 append events one call at a time; W2 append in batches; W3 read them back in order.
// Backends: npm-sqlite (better-sqlite3, a file in WAL mode, synchronous=NORMAL unless --synchronous, as the native
// bench) and npm-postgres (node-postgres on DATABASE_URL). Prints `ratio <W> <backend>: x`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Store, betterSqlite3Executor, migrationStatements, newEvent, newSession, pgExecutor } from 'asm-edge';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    w1: { type: 'string' },
    w2: { type: 'string' },
    batch: { type: 'string', default: '100' },
    backends: { type: 'string', default: 'npm-sqlite,npm-postgres' },
    // SQLite's durability for both sides: FULL (an fsync per commit) matches the OpenAI Agents
    // SDK's SQLiteSession (bench/npm/agents_sdk.py).
    synchronous: { type: 'string', default: 'NORMAL' },
  },
  strict: false,
});
const W1 = Number(opts.w1 ?? (opts.quick ? 1000 : 5000));
const W2 = Number(opts.w2 ?? (opts.quick ? 10000 : 50000));
const BATCH = Number(opts.batch);
const REPS = Number(opts.reps ?? 3);

const INSERT_COLUMNS = 'id, type, "timestamp", session_id, run_id, sequence_number, data, metadata, schema_version, provider, correlation_id';
const READ = `SELECT ${INSERT_COLUMNS} FROM asm_events WHERE session_id = $1 ORDER BY sequence_number`;

function events(sessionId, n) {
  return Array.from({ length: n }, (_, i) =>
    newEvent({ type: 'message_received', session_id: sessionId, data: { content: `message ${i}`, role: 'user' }, provider: 'openai' }));
}

/** Row values of an event for the raw inserts (the core stores maps as JSON text). */
function row(e, seq) {
  return [e.id, e.type, e.timestamp, e.session_id, e.run_id, seq, JSON.stringify(e.data), JSON.stringify(e.metadata), e.schema_version, e.provider, e.correlation_id];
}

// ---- SQLite (better-sqlite3) ----
function sqliteBackend() {
  const dir = mkdtempSync(join(tmpdir(), 'asm-npm-bench-'));
  let n = 0;
  return {
    name: 'npm-sqlite',
    async fresh() {
      const db = new Database(join(dir, `db-${n++}.sqlite`));
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.synchronous}`);
      db.pragma('busy_timeout = 30000');
      db.exec(migrationStatements('sqlite').join(';\n'));
      return db;
    },
    ours(db) {
      return new Store(betterSqlite3Executor(db));
    },
    raw(db) {
      const bump = db.prepare('INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET last_sequence = last_sequence + excluded.last_sequence RETURNING last_sequence').pluck();
      const insert = db.prepare(`INSERT INTO asm_events (${INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      const read = db.prepare(READ.replace('$1', '?'));
      const appendBatch = db.transaction((batch) => {
        const last = bump.get(batch[0].session_id, batch.length);
        batch.forEach((e, i) => insert.run(row(e, last - batch.length + 1 + i)));
      });
      return {
        appendOne: async (e) => appendBatch.immediate([e]),
        appendBatch: async (batch) => appendBatch.immediate(batch),
        read: async (sessionId) => read.all(sessionId).map((r) => ({ ...r, data: JSON.parse(r.data), metadata: JSON.parse(r.metadata) })),
      };
    },
    close(db) {
      db.close();
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- PostgreSQL (node-postgres) ----
function postgresBackend() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (bench/run starts a PostgreSQL)');
  let n = 0;
  return {
    name: 'npm-postgres',
    async fresh() {
      const schema = `asm_npm_bench_${process.pid}_${n++}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
      await admin.end();
      const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 4 });
      for (const sql of migrationStatements('postgres')) await pool.query(sql);
      return { pool, schema };
    },
    ours({ pool }) {
      return new Store(pgExecutor(pool));
    },
    raw({ pool }) {
      const bump = 'INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES ($1, $2) ON CONFLICT (session_id) DO UPDATE SET last_sequence = asm_session_sequences.last_sequence + excluded.last_sequence RETURNING last_sequence';
      const insert = `INSERT INTO asm_events (${INSERT_COLUMNS}) VALUES ($1, $2, $3::text::timestamp, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11)`;
      async function appendBatch(batch) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const { rows } = await client.query(bump, [batch[0].session_id, batch.length]);
          const first = Number(rows[0].last_sequence) - batch.length + 1;
          for (const [i, e] of batch.entries()) await client.query(insert, row(e, first + i));
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        } finally {
          client.release();
        }
      }
      return {
        appendOne: (e) => appendBatch([e]),
        appendBatch,
        read: async (sessionId) => (await pool.query(READ, [sessionId])).rows,
      };
    },
    async close({ pool, schema }) {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
    dispose() {},
  };
}

async function seconds(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One repetition of W1–W3 on a fresh database for `side` ('ours' or 'raw'): seconds per workload. */
async function repetition(backend, side) {
  const db = await backend.fresh();
  try {
    const session = newSession({ agent_id: 'bench' });
    const store = backend.ours(db);
    await store.saveSession(session);
    const api = side === 'ours'
      ? {
          appendOne: (e) => store.appendEvent(e),
          appendBatch: (b) => store.appendEvents(b),
          read: (sid) => store.getEvents(sid),
        }
      : backend.raw(db);
    const one = events(session.id, W1);
    const w1 = await seconds(async () => { for (const e of one) await api.appendOne(e); });
    const other = newSession({ agent_id: 'bench' });
    await store.saveSession(other);
    const many = events(other.id, W2);
    const w2 = await seconds(async () => { for (let i = 0; i < many.length; i += BATCH) await api.appendBatch(many.slice(i, i + BATCH)); });
    let read;
    const w3 = await seconds(async () => { read = await api.read(other.id); });
    if (read.length !== W2) throw new Error(`${backend.name} ${side}: read ${read.length} of ${W2} events`);
    return { W1: W1 / w1, W2: W2 / w2, W3: W2 / w3 };
  } finally {
    await backend.close(db);
  }
}

console.log(`npm bench: W1 ${W1} single appends, W2 ${W2} in batches of ${BATCH}, W3 read back; ${REPS} reps (events/s); SQLite synchronous = ${opts.synchronous}; Node ${process.versions.node}`);
const wanted = opts.backends.split(',');
for (const make of [sqliteBackend, postgresBackend]) {
  const backend = make();
  if (!wanted.includes(backend.name)) continue;
  const runs = { ours: [], raw: [] };
  for (let r = 0; r < REPS; r++) {
    runs.ours.push(await repetition(backend, 'ours'));
    runs.raw.push(await repetition(backend, 'raw'));
  }
  backend.dispose();
  for (const w of ['W1', 'W2', 'W3']) {
    const ours = median(runs.ours.map((x) => x[w]));
    const raw = median(runs.raw.map((x) => x[w]));
    console.log(`  ${w} ${backend.name}: ours ${ours.toFixed(0)}/s, raw ${raw.toFixed(0)}/s`);
    console.log(`ratio ${w} ${backend.name}: ${(ours / raw).toFixed(2)}`);
  }
}
