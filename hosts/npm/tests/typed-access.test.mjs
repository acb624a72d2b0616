// Typed direct access (asm-edge/drizzle, asm-edge/kysely, asm-edge/sql), tested against real
// databases so that the typed views can never drift from migrations/ unnoticed:
//
// - drift: the `asm-edge/sql` text equals the files under migrations/ and the core's own
//   statements; applied to SQLite (better-sqlite3) and PostgreSQL (DATABASE_URL), the catalog
//   (pragma table_info / index_list / index_info; information_schema and pg_index) must equal
//   what Drizzle's getTableConfig says of every table: columns, types, nullability, defaults,
//   primary keys, indexes. The Kysely interfaces are checked by tsc against a file generated
//   from the same catalogs (tables, columns, select types, nullability, optional on insert).
// - examples: "the events of a session in sequence order", written by the real store through
//   its public API, read back with Drizzle and with Kysely on better-sqlite3, D1 (Miniflare)
//   and PostgreSQL: the same ids as the store answers, sequence numbers 1..n.
// - README: the ```ts blocks of hosts/npm/README.md's "Reading the tables directly" section
//   (the root README's are the same text) are transpiled and run on such rows: their output must
//   list the store's events in sequence order.
//
// Prints `typed-access node: N passed, M failed` and fails the run on any failure. A missing
// DATABASE_URL is a failure, never a skip.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Miniflare } from 'miniflare';
import { asc, eq } from 'drizzle-orm';
import { getTableConfig as sqliteTableConfig } from 'drizzle-orm/sqlite-core';
import { getTableConfig as pgTableConfig } from 'drizzle-orm/pg-core';
import { drizzle as drizzleBetterSqlite3 } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzleD1 } from 'drizzle-orm/d1';
import { drizzle as drizzleNodePostgres } from 'drizzle-orm/node-postgres';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { D1Dialect } from 'kysely-d1';
import { betterSqlite3Executor, d1Executor, migrationStatements, openStore, pgExecutor } from 'asm-edge';
import * as drizzleAll from 'asm-edge/drizzle';
import * as sqliteTables from 'asm-edge/drizzle/sqlite';
import * as pgTables from 'asm-edge/drizzle/pg';
import * as sqlText from 'asm-edge/sql';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');

const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL is not set: run scripts/test, or start PostgreSQL with `eval "$(scripts/postgres-up)"`');
}

// --- Report -------------------------------------------------------------------------------------

const outcomes = [];
let registered = 0;
/** A node:test test whose outcome is counted in the report line. */
function check(name, fn) {
  registered += 1;
  test(name, async () => {
    try {
      await fn();
      outcomes.push({ name, ok: true });
    } catch (error) {
      outcomes.push({ name, ok: false, why: String(error?.message ?? error).split('\n')[0] });
      throw error;
    }
  });
}

// --- Databases: a SQLite file, a PostgreSQL schema of this run's own, a Miniflare D1 -----------

const dir = mkdtempSync(join(tmpdir(), 'asm-typed-'));
const schema = `asm_typed_${process.pid}`;
const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
const pgPool = (extra = {}) => new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 4, ...extra });
const pools = [];
const mf = new Miniflare({
  modules: true,
  script: 'export default { fetch() { return new Response(null, { status: 204 }) } }',
  d1Databases: ['DB'],
  host: '127.0.0.1',
});

// --- Catalogs -----------------------------------------------------------------------------------

/**
 * The asm_* tables of a SQLite database as { table: { columns, indexes } }. A non-INTEGER
 * PRIMARY KEY column is reported NOT NULL: SQLite accepts NULL there only by a legacy quirk,
 * and the store never writes it (Drizzle's primaryKey() is NOT NULL by definition).
 */
function sqliteCatalog(db) {
  const out = {};
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'asm!_%' ESCAPE '!'").all();
  for (const { name: table } of tables) {
    const columns = {};
    for (const c of db.prepare(`PRAGMA table_info("${table}")`).all()) {
      columns[c.name] = {
        type: c.type.toLowerCase(),
        notNull: c.notnull === 1 || c.pk > 0,
        primaryKey: c.pk > 0,
        hasDefault: c.dflt_value !== null,
      };
    }
    const indexes = {};
    for (const i of db.prepare(`PRAGMA index_list("${table}")`).all()) {
      if (i.origin === 'pk') continue; // the primary key's own index: compared as primaryKey
      const cols = db.prepare(`PRAGMA index_info("${i.name}")`).all().sort((a, b) => a.seqno - b.seqno);
      indexes[i.name] = { unique: i.unique === 1, columns: cols.map((c) => c.name) };
    }
    out[table] = { columns, indexes };
  }
  return out;
}

/** The asm_* tables of the current PostgreSQL schema, in the same shape. */
async function pgCatalog(client) {
  const out = {};
  const { rows: columns } = await client.query(`
    SELECT c.table_name, c.column_name, c.is_nullable, c.column_default,
           format_type(a.atttypid, a.atttypmod) AS type
      FROM information_schema.columns c
      JOIN pg_attribute a
        ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND a.attname = c.column_name
     WHERE c.table_schema = current_schema() AND c.table_name LIKE 'asm!_%' ESCAPE '!'`);
  const { rows: keys } = await client.query(`
    SELECT k.table_name, k.column_name
      FROM information_schema.table_constraints t
      JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name, table_name)
     WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = current_schema()`);
  const { rows: indexes } = await client.query(`
    SELECT i.tablename, i.indexname, x.indisunique, x.indisprimary,
           (SELECT array_agg(a.attname::text ORDER BY k.ord)
              FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum) AS columns
      FROM pg_indexes i
      JOIN pg_namespace n ON n.nspname = i.schemaname
      JOIN pg_class ic ON ic.relname = i.indexname AND ic.relnamespace = n.oid
      JOIN pg_index x ON x.indexrelid = ic.oid
     WHERE i.schemaname = current_schema() AND i.tablename LIKE 'asm!_%' ESCAPE '!'`);
  const primary = new Set(keys.map((k) => `${k.table_name}.${k.column_name}`));
  for (const c of columns) {
    out[c.table_name] ??= { columns: {}, indexes: {} };
    out[c.table_name].columns[c.column_name] = {
      type: c.type,
      notNull: c.is_nullable === 'NO',
      primaryKey: primary.has(`${c.table_name}.${c.column_name}`),
      hasDefault: c.column_default !== null,
    };
  }
  for (const i of indexes) {
    if (i.indisprimary) continue; // the primary key's own index: compared as primaryKey
    out[i.tablename].indexes[i.indexname] = { unique: i.indisunique, columns: i.columns };
  }
  return out;
}

/** Drizzle's spelling of a PostgreSQL type, in format_type()'s. */
function pgTypeName(sqlType) {
  return sqlType
    .replace(/^varchar\b/, 'character varying')
    .replace(/^timestamp(\s*\(\d+\))?$/, (_, p) => `timestamp${p ? p.replace(/\s/g, '') : ''} without time zone`)
    .replace(/^timestamp(\s*\(\d+\))? with time zone$/, (_, p) => `timestamp${p ? p.replace(/\s/g, '') : ''} with time zone`);
}

/** What a module of Drizzle tables says, in the catalogs' shape. */
function drizzleCatalog(module, getTableConfig, typeName) {
  const out = {};
  for (const table of Object.values(module)) {
    const config = getTableConfig(table);
    const composite = new Set(config.primaryKeys.flatMap((k) => k.columns.map((c) => c.name)));
    const columns = {};
    for (const c of config.columns) {
      columns[c.name] = {
        type: typeName(c.getSQLType()),
        notNull: c.notNull,
        primaryKey: c.primary || composite.has(c.name),
        hasDefault: c.hasDefault,
      };
    }
    const indexes = {};
    for (const i of config.indexes) {
      indexes[i.config.name] = { unique: i.config.unique, columns: i.config.columns.map((c) => c.name) };
    }
    for (const u of config.uniqueConstraints) {
      indexes[u.getName()] = { unique: true, columns: u.columns.map((c) => c.name) };
    }
    out[config.name] = { columns, indexes };
  }
  return out;
}

// --- The Kysely interfaces, type-checked against a catalog -------------------------------------

/** The select type (NULL aside) each dialect's driver answers for a column type. */
const KYSELY_SELECT = {
  sqlite: { text: 'string', integer: 'number', numeric: 'number' },
  postgres: {
    'character varying(255)': 'string',
    'character varying(255)[]': 'string[]',
    jsonb: 'json',
    'timestamp without time zone': 'Date',
    integer: 'number',
    bigint: 'string',
    'double precision': 'number',
  },
};

/** A TypeScript file of assertions, one per fact of the catalogs, each named by a comment. */
function kyselyAssertions(catalogs) {
  const lines = [
    "import type { Insertable, Selectable } from 'kysely';",
    "import type { Database, PostgresDatabase, SqliteDatabase } from 'asm-edge/kysely';",
    "import type { JsonObject, JsonValue } from 'asm-edge';",
    'type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;',
    'type Fits<A, B> = [A] extends [never] ? false : [A] extends [B] ? true : false;',
    'type Sel<DB, T extends keyof DB, C extends keyof Selectable<DB[T]>> = Selectable<DB[T]>[C];',
    'type Optional<R, K extends keyof R> = {} extends Pick<R, K> ? true : false;',
  ];
  let n = 0;
  const assert = (what, type) => lines.push(`// ${what}`, `export const a${n++}: ${type} = true;`);
  const union = (names) => names.map((s) => `'${s}'`).join(' | ') || 'never';
  const names = { sqlite: 'SqliteDatabase', postgres: 'PostgresDatabase' };
  const tables = Object.keys(catalogs.sqlite).sort();
  assert('SQLite and PostgreSQL have the same asm_* tables', `Equal<${union(tables)}, ${union(Object.keys(catalogs.postgres))}>`);
  for (const [dialect, db] of Object.entries(names)) {
    assert(`${db} has exactly the tables of ${dialect}`, `Equal<keyof ${db}, ${union(tables)}>`);
  }
  assert('Database has exactly the tables', `Equal<keyof Database, ${union(tables)}>`);
  for (const table of tables) {
    const cols = Object.keys(catalogs.sqlite[table].columns).sort();
    for (const dialect of ['sqlite', 'postgres']) {
      const db = names[dialect];
      const catalog = catalogs[dialect][table];
      assert(`${db}.${table} has exactly the columns of ${dialect}`, `Equal<keyof ${db}['${table}'], ${union(Object.keys(catalog.columns))}>`);
      for (const [col, c] of Object.entries(catalog.columns)) {
        const sel = `Sel<${db}, '${table}', '${col}'>`;
        const what = `${db}.${table}.${col} (${dialect} ${c.type}${c.notNull ? ' NOT NULL' : ''}${c.hasDefault ? ' DEFAULT' : ''})`;
        const expected = KYSELY_SELECT[dialect][c.type];
        if (!expected) throw new Error(`${dialect} ${table}.${col}: no Kysely select type known for ${c.type}; add it to KYSELY_SELECT`);
        if (expected === 'json') {
          assert(`${what}: select type is JSON`, `Fits<NonNullable<${sel}>, JsonValue>`);
          assert(`${what}: select type takes a JSON object`, `Fits<JsonObject, NonNullable<${sel}>>`);
        } else {
          assert(`${what}: select type fits ${expected}`, `Fits<NonNullable<${sel}>, ${expected}>`);
        }
        assert(`${what}: nullable is ${!c.notNull}`, `Equal<null extends ${sel} ? true : false, ${!c.notNull}>`);
        const optional = !c.notNull || c.hasDefault;
        assert(`${what}: optional on insert is ${optional}`, `Equal<Optional<Insertable<${db}['${table}']>, '${col}'>, ${optional}>`);
      }
    }
    for (const col of cols) {
      assert(
        `Database.${table}.${col} selects what either dialect does`,
        `Equal<Sel<Database, '${table}', '${col}'>, Sel<SqliteDatabase, '${table}', '${col}'> | Sel<PostgresDatabase, '${table}', '${col}'>>`,
      );
    }
  }
  return { text: `${lines.join('\n')}\n`, count: n };
}

/** Runs tsc over the assertions; answers the failed assertions' comments, or []. */
function typeCheck(text) {
  const out = join(here, 'types', 'typed-access');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'kysely-drift.ts'), text);
  writeFileSync(join(out, 'tsconfig.json'), `${JSON.stringify({ extends: '../tsconfig.json', files: ['kysely-drift.ts'] }, null, 2)}\n`);
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(out, 'tsconfig.json'), '--noEmit', '--pretty', 'false'], { encoding: 'utf8' });
  if (result.status === 0) return [];
  const source = text.split('\n');
  const failed = [];
  for (const m of `${result.stdout}${result.stderr}`.matchAll(/kysely-drift\.ts\((\d+),\d+\): (.*)/g)) {
    const line = Number(m[1]) - 1;
    failed.push(source[line - 1]?.startsWith('// ') ? source[line - 1].slice(3) : m[2]);
  }
  return failed.length ? failed : [`tsc failed: ${result.stdout}${result.stderr}`];
}

// --- The migration text ------------------------------------------------------------------------

/** The files of migrations/<dir>, in name order (or reversed). */
function migrationFiles(dirName, reverse = false) {
  const path = join(repo, 'migrations', dirName);
  const files = readdirSync(path).filter((f) => f.endsWith('.sql')).sort();
  if (reverse) files.reverse();
  return files.map((f) => readFileSync(join(path, f), 'utf8')).join('\n');
}

/** The statements of a migration text, split as the core does (src/sql/migrations.rs). */
function statementsOf(text) {
  const body = text.split('\n').filter((l) => !l.trimStart().startsWith('--')).map((l) => `${l}\n`).join('');
  return body.split(';').map((s) => s.trim()).filter((s) => s.length > 0);
}

// --- The store's writes, for the examples ------------------------------------------------------

/** A session, a run, and four events appended through the store; answers what the store says. */
async function writeThroughStore(executor) {
  const store = await openStore(executor);
  const session = store.newSession({ agent_id: 'support-bot', tags: ['beta', 'typed'], metadata: { team: 'a' } });
  await store.saveSession({ ...session, status: 'active' });
  const run = store.newRun({ session_id: session.id, input: { prompt: 'Hello' } });
  await store.saveRun({ ...run, status: 'running', provider: 'claude' });
  const first = await store.appendEvent(
    store.newEvent({ type: 'message_received', session_id: session.id, run_id: run.id, data: { content: 'Hi!' } }),
  );
  const rest = await store.appendEvents([
    store.newEvent({ type: 'message_sent', session_id: session.id, run_id: run.id, data: { content: 'Hello!' } }),
    store.newEvent({ type: 'token_usage_updated', session_id: session.id, run_id: run.id, data: { input_tokens: 3 } }),
    store.newEvent({ type: 'run_completed', session_id: session.id, run_id: run.id }),
  ]);
  // Another session's events interleave with none of these.
  const other = store.newSession({ agent_id: 'other-bot' });
  await store.saveSession(other);
  await store.appendEvent(store.newEvent({ type: 'session_created', session_id: other.id }));
  const events = await store.getEvents(session.id, { after: 0, limit: 100 });
  assert.deepEqual(events.map((e) => e.id), [first, ...rest].map((e) => e.id), 'the store answers what it appended');
  return { store, session, run, events };
}

/** The rows a typed query answered are the store's events: same ids, sequence 1..n, same data. */
function assertSameEvents(rows, events, { idOf, sequenceOf, dataOf, timestampOf }) {
  assert.deepEqual(rows.map(idOf), events.map((e) => e.id), 'same ids, in sequence order');
  assert.deepEqual(rows.map(sequenceOf), events.map((_, i) => i + 1), 'sequence numbers 1..n, gap-free');
  assert.deepEqual(rows.map(dataOf), events.map((e) => e.data), 'same data');
  assert.deepEqual(
    rows.map((r) => timestampOf(r).getTime()),
    events.map((e) => new Date(e.timestamp).getTime()),
    'same timestamps (to the millisecond a Date holds)',
  );
}

/** The session's events and its row through Drizzle (either dialect's tables), checked. */
async function readWithDrizzle(db, { asmEvents, asmSessions }, session, events, timeOf) {
  const rows = await db.select().from(asmEvents).where(eq(asmEvents.sessionId, session.id)).orderBy(asc(asmEvents.sequenceNumber));
  assertSameEvents(rows, events, { idOf: (r) => r.id, sequenceOf: (r) => r.sequenceNumber, dataOf: (r) => r.data, timestampOf: (r) => timeOf(r.timestamp) });
  const [s] = await db.select().from(asmSessions).where(eq(asmSessions.id, session.id));
  assert.deepEqual([s.tags, s.metadata, s.status], [['beta', 'typed'], { team: 'a' }, 'active']);
}

/** The session's events through Kysely, checked; `dataOf` and `timestampOf` read the dialect's encodings. */
async function readWithKysely(k, session, events, { dataOf, timestampOf }) {
  const rows = await k.selectFrom('asm_events').selectAll().where('session_id', '=', session.id).orderBy('sequence_number').execute();
  assertSameEvents(rows, events, { idOf: (r) => r.id, sequenceOf: (r) => r.sequence_number, dataOf, timestampOf });
}

/** SQLite's timestamp text (`2025-01-27T12:00:00.123456`, UTC) as a Date. */
const sqliteTime = (text) => {
  assert.match(text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  return new Date(`${text}Z`);
};
/** PostgreSQL's `timestamp` text (`2025-01-27 12:00:00.123456`, UTC) as a Date. */
const pgTime = (text) => {
  assert.match(text, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?$/);
  return new Date(`${text.replace(' ', 'T')}Z`);
};
/** node-postgres' reader for `timestamp without time zone` as UTC (the README's advice). */
const utcTimestamps = {
  getTypeParser: (oid, format) =>
    oid === pg.types.builtins.TIMESTAMP ? (text) => new Date(`${text.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format),
};

// --- The README's snippets ---------------------------------------------------------------------

/** The ```ts blocks of a README section: from its heading to the next heading of its level or above. */
function sectionBlocks(file, heading) {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `${file}: no section "${heading}"`);
  const level = heading.match(/^#+/)[0].length;
  const rest = text.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`\\n#{1,${level}} `));
  return [...(end >= 0 ? rest.slice(0, end) : rest).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** The one block that contains `marker`. */
function blockWith(blocks, marker) {
  const found = blocks.filter((b) => b.includes(marker));
  assert.equal(found.length, 1, `exactly one README block contains ${marker}`);
  return found[0];
}

const runDir = join(here, 'types', 'typed-access', `run-${process.pid}`);

/** A README block as an ES module file in runDir (inside the repository, so imports resolve). */
function snippetFile(name, code) {
  mkdirSync(runDir, { recursive: true });
  const options = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true };
  const file = join(runDir, `${name}.mjs`);
  writeFileSync(file, ts.transpileModule(code, { compilerOptions: options }).outputText);
  return file;
}

/** Runs a README block with node in runDir; answers its output lines. */
function runSnippet(name, code, { args = [], env = {} } = {}) {
  const file = snippetFile(name, code);
  const result = spawnSync(process.execPath, [file, ...args], {
    cwd: runDir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  assert.equal(result.status, 0, `README block ${name} failed: ${result.error?.message ?? ''}${result.stderr}`);
  return result.stdout.trim().split('\n');
}

/** The `<sequence> <type>` heads of output lines, and what the store's events say they must be. */
const heads = (lines) => lines.map((l) => l.split(' ').slice(0, 2).join(' '));
const expectedHeads = (events) => events.map((e) => `${e.sequence_number} ${e.type}`);

// --- The tests ---------------------------------------------------------------------------------

describe('typed access', () => {
  let sqliteDb;
  const catalogs = {};
  /** What the D1 and PostgreSQL examples wrote, for the README's snippets. */
  const written = {};

  check('asm-edge/sql is the text of migrations/ and the core statements', () => {
    assert.equal(sqlText.sqlite.up, migrationFiles('d1'));
    assert.equal(sqlText.sqlite.down, migrationFiles('d1-down', true));
    assert.equal(sqlText.postgres.up, migrationFiles('postgres'));
    assert.equal(sqlText.postgres.down, migrationFiles('postgres-down', true));
    assert.equal(sqlText.d1, sqlText.sqlite);
    for (const [dialect, text] of [['sqlite', sqlText.sqlite], ['d1', sqlText.d1], ['postgres', sqlText.postgres]]) {
      assert.deepEqual(statementsOf(text.up), migrationStatements(dialect), `${dialect} up`);
      assert.deepEqual(statementsOf(text.down), migrationStatements(dialect, 'down'), `${dialect} down`);
    }
  });

  check('asm-edge/drizzle holds both dialects, the same objects as their own entry points', () => {
    assert.deepEqual(Object.keys(drizzleAll).sort(), ['pg', 'sqlite']);
    for (const [name, module] of [['sqlite', sqliteTables], ['pg', pgTables]]) {
      assert.deepEqual(Object.keys(drizzleAll[name]).sort(), Object.keys(module).sort());
      for (const key of Object.keys(module)) assert.equal(drizzleAll[name][key], module[key], `${name}.${key}`);
    }
  });

  check('the packed package holds every file its exports map names (npm pack --dry-run)', () => {
    const pkgDir = dirname(fileURLToPath(import.meta.resolve('asm-edge/package.json')));
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    const npm = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkgDir, encoding: 'utf8' });
    assert.equal(npm.status, 0, `npm pack --dry-run failed: ${npm.stderr}`);
    const packed = new Set(JSON.parse(npm.stdout)[0].files.map((f) => f.path));
    const targets = [];
    const walk = (node) => (typeof node === 'string' ? targets.push(node.replace(/^\.\//, '')) : Object.values(node).forEach(walk));
    for (const subpath of ['./drizzle', './drizzle/sqlite', './drizzle/pg', './kysely', './sql']) {
      assert.ok(manifest.exports[subpath], `exports["${subpath}"]`);
      walk(manifest.exports[subpath]);
    }
    walk(manifest.exports);
    const missing = [...new Set(targets)].filter((file) => !packed.has(file));
    assert.deepEqual(missing, [], 'files the exports map names that npm pack leaves out');
  });

  check('drift sqlite: Drizzle tables = the catalog of asm-edge/sql applied to better-sqlite3', () => {
    sqliteDb = new Database(join(dir, 'drift.db'));
    sqliteDb.exec(sqlText.sqlite.up);
    catalogs.sqlite = sqliteCatalog(sqliteDb);
    assert.equal(Object.keys(catalogs.sqlite).length, 5, 'the up migration creates five asm_* tables');
    assert.deepEqual(drizzleCatalog(sqliteTables, sqliteTableConfig, (t) => t.toLowerCase()), catalogs.sqlite);
    sqliteDb.exec(sqlText.sqlite.down);
    assert.deepEqual(sqliteCatalog(sqliteDb), {}, 'the down migration drops every asm_* table');
  });

  check('drift postgres: Drizzle tables = the catalog of asm-edge/sql applied to PostgreSQL', async () => {
    const pool = pgPool();
    pools.push(pool);
    await pool.query(sqlText.postgres.up);
    catalogs.postgres = await pgCatalog(pool);
    assert.equal(Object.keys(catalogs.postgres).length, 5, 'the up migration creates five asm_* tables');
    assert.deepEqual(drizzleCatalog(pgTables, pgTableConfig, pgTypeName), catalogs.postgres);
    await pool.query(sqlText.postgres.down);
    assert.deepEqual(await pgCatalog(pool), {}, 'the down migration drops every asm_* table');
  });

  check('drift kysely: tsc checks SqliteDatabase, PostgresDatabase and Database against both catalogs', () => {
    assert.ok(catalogs.sqlite && catalogs.postgres, 'the two drift tests above ran first');
    const { text, count } = kyselyAssertions(catalogs);
    assert.ok(count > 200, `${count} assertions`);
    assert.deepEqual(typeCheck(text), [], 'Kysely interfaces that differ from the databases');
  });

  check('example better-sqlite3: a session\'s events in sequence order, with Drizzle and Kysely', async () => {
    const file = join(dir, 'example.db');
    const { session, events } = await writeThroughStore(betterSqlite3Executor(new Database(file)));
    const sqlite = new Database(file, { readonly: true });
    await readWithDrizzle(drizzleBetterSqlite3(sqlite), sqliteTables, session, events, sqliteTime);
    const k = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) });
    await readWithKysely(k, session, events, { dataOf: (r) => JSON.parse(r.data), timestampOf: (r) => sqliteTime(r.timestamp) });
    await k.destroy();
  });

  check('example D1 (Miniflare): a session\'s events in sequence order, with Drizzle and Kysely', async () => {
    const d1 = await mf.getD1Database('DB');
    const { session, events } = await writeThroughStore(d1Executor(d1));
    written.d1 = { d1, session, events };
    await readWithDrizzle(drizzleD1(d1), sqliteTables, session, events, sqliteTime);
    const k = new Kysely({ dialect: new D1Dialect({ database: d1 }) });
    await readWithKysely(k, session, events, { dataOf: (r) => JSON.parse(r.data), timestampOf: (r) => sqliteTime(r.timestamp) });
  });

  check('example PostgreSQL: a session\'s events in sequence order, with Drizzle and Kysely', async () => {
    const storePool = pgPool();
    const drizzlePool = pgPool();
    pools.push(storePool, drizzlePool);
    const { session, events } = await writeThroughStore(pgExecutor(storePool));
    written.postgres = { session, events };
    await readWithDrizzle(drizzleNodePostgres({ client: drizzlePool }), pgTables, session, events, pgTime);
    const k = new Kysely({ dialect: new PostgresDialect({ pool: pgPool({ types: utcTimestamps }) }) });
    await readWithKysely(k, session, events, { dataOf: (r) => r.data, timestampOf: (r) => r.timestamp });
    await k.destroy(); // ends its pool
  });

  check('README: the root README\'s snippets are the npm README\'s', () => {
    const npm = sectionBlocks(join(repo, 'hosts/npm/README.md'), '## Reading the tables directly (Drizzle, Kysely, SQL)');
    const root = sectionBlocks(join(repo, 'README.md'), '### Reading the tables directly (Drizzle, Kysely, SQL)');
    assert.ok(root.length >= 2, 'the root README shows the Drizzle and the Kysely query');
    for (const block of root) assert.ok(npm.includes(block), `a root README block that hosts/npm/README.md lacks:\n${block}`);
  });

  check('README: the SQLite snippets (Drizzle, Kysely) list the store\'s events in sequence order', async () => {
    const blocks = sectionBlocks(join(repo, 'hosts/npm/README.md'), '## Reading the tables directly (Drizzle, Kysely, SQL)');
    mkdirSync(runDir, { recursive: true });
    const { session, events } = await writeThroughStore(betterSqlite3Executor(new Database(join(runDir, 'asm.db'))));
    const viaDrizzle = runSnippet('drizzle-sqlite', blockWith(blocks, "'drizzle-orm/better-sqlite3'"), { args: [session.id] });
    assert.deepEqual(heads(viaDrizzle), expectedHeads(events));
    const viaKysely = runSnippet('kysely-sqlite', blockWith(blocks, 'new SqliteDialect('), { args: [session.id] });
    assert.deepEqual(heads(viaKysely), expectedHeads(events));
  });

  check('README: the D1 Worker snippet answers the store\'s events in sequence order', async () => {
    assert.ok(written.d1, 'the D1 example above ran first');
    const blocks = sectionBlocks(join(repo, 'hosts/npm/README.md'), '## Reading the tables directly (Drizzle, Kysely, SQL)');
    const file = snippetFile('worker-d1', blockWith(blocks, "'drizzle-orm/d1'"));
    const worker = (await import(pathToFileURL(file).href)).default;
    const { d1, session, events } = written.d1;
    const response = await worker.fetch(new Request(`http://asm.test/?session=${session.id}`), { DB: d1 });
    const body = await response.json();
    assert.deepEqual(body.drizzle.map((r) => r.id), events.map((e) => e.id));
    assert.deepEqual(body.drizzle.map((r) => r.sequenceNumber), events.map((e) => e.sequence_number));
    assert.deepEqual(body.kysely.map((r) => r.id), events.map((e) => e.id));
    assert.deepEqual(body.kysely.map((r) => r.sequence_number), events.map((e) => e.sequence_number));
  });

  check('README: the PostgreSQL snippet lists the store\'s events in sequence order, timestamps as UTC', () => {
    assert.ok(written.postgres, 'the PostgreSQL example above ran first');
    const blocks = sectionBlocks(join(repo, 'hosts/npm/README.md'), '## Reading the tables directly (Drizzle, Kysely, SQL)');
    const { session, events } = written.postgres;
    const lines = runSnippet('postgres', blockWith(blocks, "'drizzle-orm/node-postgres'"), {
      args: [session.id],
      // A zone far from UTC: node-postgres' default reading would shift every Kysely timestamp.
      env: { DATABASE_URL: url, PGOPTIONS: `-c search_path=${schema}`, TZ: 'Pacific/Auckland' },
    });
    assert.equal(lines.length, 2 * events.length, lines.join('\n'));
    const drizzleLines = lines.slice(0, events.length);
    const kyselyLines = lines.slice(events.length);
    assert.deepEqual(heads(drizzleLines), expectedHeads(events));
    assert.deepEqual(heads(kyselyLines), expectedHeads(events));
    const millis = (iso) => iso.slice(0, 23); // a Date holds milliseconds
    assert.deepEqual(drizzleLines.map((l) => pgTime(l.split(' ').slice(2).join(' ')).toISOString()), events.map((e) => new Date(e.timestamp).toISOString()));
    assert.deepEqual(kyselyLines.map((l) => millis(l.split(' ')[2])), events.map((e) => millis(new Date(e.timestamp).toISOString())));
  });

  check('README: the asm-edge/sql snippet creates the schema Drizzle describes', async () => {
    assert.ok(catalogs.postgres, 'the PostgreSQL drift test above ran first');
    const blocks = sectionBlocks(join(repo, 'hosts/npm/README.md'), '## Reading the tables directly (Drizzle, Kysely, SQL)');
    const fresh = `${schema}_sql`;
    await admin.query(`DROP SCHEMA IF EXISTS ${fresh} CASCADE; CREATE SCHEMA ${fresh}`);
    runSnippet('sql-postgres', blockWith(blocks, "from 'asm-edge/sql'"), { env: { DATABASE_URL: url, PGOPTIONS: `-c search_path=${fresh}` } });
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${fresh}` });
    await client.connect();
    try {
      assert.deepEqual(await pgCatalog(client), catalogs.postgres);
    } finally {
      await client.end();
      await admin.query(`DROP SCHEMA IF EXISTS ${fresh} CASCADE`);
    }
  });

  after(async () => {
    sqliteDb?.close();
    for (const pool of pools) await pool.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    await mf.dispose();
    rmSync(dir, { recursive: true, force: true });
    rmSync(runDir, { recursive: true, force: true });
    const failed = outcomes.filter((o) => !o.ok);
    // A line of its own: the dot reporter's dots may precede it (scripts/test greps it).
    console.log('');
    for (const o of failed) console.log(`  FAIL ${o.name}: ${o.why}`);
    // Tests registered but never finished (a crash) count as failed too.
    const missing = registered - outcomes.length;
    console.log(`\ntyped-access node: ${outcomes.length - failed.length} passed, ${failed.length + Math.max(missing, 0)} failed`);
    if (failed.length || missing > 0) process.exitCode = 1;
  });
});
