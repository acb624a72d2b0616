// An executor over a D1 binding (JavaScript Workers): each batch is one `db.batch()`, which D1
// runs as a single transaction. D1 allows at most 100 bound values per statement; the store
// chunks its statements to fit.

/**
 * @param {import('../index.js').D1Database} db
 * @returns {import('../index.js').Executor}
 */
export function d1Executor(db) {
  return {
    dialect: 'd1',
    async batch(statements) {
      const results = await db.batch(statements.map(({ sql, params }) => db.prepare(sql).bind(...params)));
      // D1 answers rows as objects whose keys keep the select-list order.
      return results.map((r) => ({ rows: (r.results ?? []).map((row) => Object.values(row)), changes: r.meta?.changes ?? 0 }));
    },
  };
}
