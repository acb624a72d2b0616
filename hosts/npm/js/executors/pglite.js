// An executor over PGlite (PostgreSQL in WebAssembly, Node and browsers): each batch is one
// `db.transaction`.

const raw = (text) => text;
// Raw text for the types the store decodes itself: int8, numeric, json, jsonb, date, timestamp(tz).
const RAW = { 20: raw, 1700: raw, 114: raw, 3802: raw, 1082: raw, 1114: raw, 1184: raw };

/**
 * @param {import('@electric-sql/pglite').PGlite} db
 * @returns {import('../index.js').Executor}
 */
export function pgliteExecutor(db) {
  return {
    dialect: 'postgres',
    async batch(statements) {
      return db.transaction(async (tx) => {
        const results = [];
        for (const { sql, params } of statements) {
          const res = await tx.query(sql, params, { rowMode: 'array', parsers: RAW });
          results.push({ rows: res.rows, changes: res.affectedRows ?? 0 });
        }
        return results;
      });
    },
  };
}
