// An executor over a sql.js `Database` (Node and browsers). sql.js is synchronous, so a batch
// runs start to end inside one JavaScript turn: BEGIN … COMMIT can interleave with nothing.

/**
 * @param {import('sql.js').Database} db
 * @returns {import('../index.js').Executor}
 */
export function sqlJsExecutor(db) {
  return {
    dialect: 'sqlite',
    async batch(statements) {
      db.exec('BEGIN IMMEDIATE');
      try {
        const results = statements.map(({ sql, params, readOnly }) => {
          const stmt = db.prepare(sql);
          try {
            stmt.bind(params);
            const rows = [];
            // bigints keep integers beyond 2^53 exact; the store reads them back as integers.
            while (stmt.step()) rows.push(stmt.get(null, { useBigInt: true }));
            // getRowsModified() keeps the last write's count through reads.
            return { rows, changes: readOnly ? 0 : db.getRowsModified() };
          } finally {
            stmt.free();
          }
        });
        db.exec('COMMIT');
        return results;
      } catch (error) {
        try {
          db.exec('ROLLBACK');
        } catch {
          // SQLite already ended the transaction; the statement's error is the one to report.
        }
        throw error;
      }
    },
  };
}
