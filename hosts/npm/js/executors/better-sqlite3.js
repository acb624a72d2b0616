// An executor over a better-sqlite3 `Database` (Node): each batch is one `db.transaction`.

/**
 * @param {import('better-sqlite3').Database} db
 * @returns {import('../index.js').Executor}
 */
export function betterSqlite3Executor(db) {
  // The store sends the same few SQL texts again and again: prepare each once.
  const prepared = new Map();
  const prepare = (sql) => {
    let stmt = prepared.get(sql);
    if (!stmt) {
      if (prepared.size >= 512) prepared.clear();
      stmt = db.prepare(sql);
      prepared.set(sql, stmt);
    }
    return stmt;
  };
  const one = ({ sql, params, readOnly }) => {
    const stmt = prepare(sql);
    if (stmt.reader) {
      // safeIntegers keeps integers beyond 2^53 exact (as bigints).
      const rows = stmt.raw(true).safeIntegers(true).all(numbered(params));
      // A reader that writes (INSERT … RETURNING) returns a row per changed row.
      return { rows, changes: readOnly ? 0 : rows.length };
    }
    return { rows: [], changes: stmt.run(numbered(params)).changes };
  };
  const run = db.transaction((statements) => statements.map(one));
  return {
    dialect: 'sqlite',
    async batch(statements) {
      // One read is consistent by itself: BEGIN IMMEDIATE would only take the write lock.
      if (statements.length === 1 && statements[0].readOnly) return [one(statements[0])];
      return run.immediate(statements);
    },
  };
}

// better-sqlite3 binds an array only to anonymous `?`; the store's `?1, ?2 …` bind by number
// from an object. Whole numbers go as bigints so they are stored as INTEGER.
function numbered(params) {
  const byNumber = {};
  params.forEach((value, i) => {
    byNumber[i + 1] = typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
  });
  return byNumber;
}
