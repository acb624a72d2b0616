// The component's `executor` import for Node, on sql.js (SQLite compiled to wasm; Node 20 has
// no node:sqlite). The host sets the database (migrations applied) before the first call.
let db = null;

/** Sets the sql.js database the component's batches run on (migrations applied). */
export function setDatabase(database) {
  db = database;
}

export function dialect() {
  return 'sqlite';
}

function bindValue(v) {
  switch (v.tag) {
    case 'null': return null;
    case 'integer': return v.val;           // BigInt: sql.js binds it as a 64-bit integer
    case 'real': return v.val;
    default: return v.val;
  }
}

function rowValue(x) {
  if (x === null || x === undefined) return { tag: 'null' };
  if (typeof x === 'bigint') return { tag: 'integer', val: x };
  if (typeof x === 'number') return Number.isInteger(x) ? { tag: 'integer', val: BigInt(x) } : { tag: 'real', val: x };
  if (typeof x === 'string') return { tag: 'text', val: x };
  return { tag: 'text', val: String(x) };
}

function kindOf(message) {
  if (/UNIQUE constraint failed|PRIMARY KEY/.test(message)) return 'unique-violation';
  if (/no such (table|column)/.test(message)) return 'missing-schema';
  if (/database is locked|SQLITE_BUSY/.test(message)) return 'transient';
  return 'other';
}

/** Runs the statements in one transaction; throws an exec-error (the WIT `err`) on failure. */
export function batch(statements) {
  const results = [];
  try {
    db.run('BEGIN');
    for (const s of statements) {
      const stmt = db.prepare(s.sql);
      try {
        stmt.bind(s.params.map(bindValue));
        const columns = stmt.getColumnNames();
        const rows = [];
        while (stmt.step()) rows.push(stmt.get(null, { useBigInt: true }).map(rowValue));
        const changes = columns.length === 0 ? BigInt(db.getRowsModified()) : 0n;
        results.push({ columns, rows, changes });
      } finally {
        stmt.free();
      }
    }
    db.run('COMMIT');
    return results;
  } catch (e) {
    try { db.run('ROLLBACK'); } catch (_) { /* no transaction left */ }
    const message = e && e.message ? e.message : String(e);
    throw { kind: kindOf(message), message };
  }
}
