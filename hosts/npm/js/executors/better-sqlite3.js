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
    const bound = numbered(params);
    if (stmt.reader && readOnly) {
      // Integers as numbers (a bigint per cell made a read 20 % slower); a number beyond 2^53 may
      // be an integer that lost digits, so then the read runs again with every integer exact.
      // In a batch it runs inside the same transaction, so both runs see the same rows.
      const rows = stmt.raw(true).safeIntegers(false).all(bound);
      return { rows: rows.some(beyondSafe) ? stmt.safeIntegers(true).all(bound) : rows, changes: 0 };
    }
    if (stmt.reader) {
      // A reader that writes (INSERT … RETURNING) runs once, with integers beyond 2^53 exact
      // (as bigints), and returns a row per changed row.
      const rows = stmt.raw(true).safeIntegers(true).all(bound);
      return { rows, changes: rows.length };
    }
    return { rows: [], changes: stmt.run(bound).changes };
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

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Whether a cell of `row` is a number JavaScript may not hold exactly as an integer. */
function beyondSafe(row) {
  for (let i = 0; i < row.length; i++) {
    const cell = row[i];
    if (typeof cell === 'number' && (cell > MAX_SAFE || cell < -MAX_SAFE)) return true;
  }
  return false;
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
