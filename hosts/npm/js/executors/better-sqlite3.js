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
  const run = db.transaction((statements) =>
    statements.map(({ sql, params, readOnly }) => {
      const stmt = prepare(sql);
      if (stmt.reader) {
        // safeIntegers keeps integers beyond 2^53 exact (as bigints).
        const rows = stmt.raw(true).safeIntegers(true).all(params);
        // A reader that writes (INSERT … RETURNING) returns a row per changed row.
        return { rows, changes: readOnly ? 0 : rows.length };
      }
      return { rows: [], changes: stmt.run(params).changes };
    }),
  );
  return {
    dialect: 'sqlite',
    async batch(statements) {
      return run.immediate(
        statements.map(({ sql, params, readOnly }) => ({ sql, params: numbered(params), readOnly })),
      );
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
