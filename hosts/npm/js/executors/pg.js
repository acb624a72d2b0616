// An executor over node-postgres: a `pg.Pool` (a connection per batch) or one `pg.Client`
// (batches queued one after another). A batch of two or more statements is BEGIN … COMMIT.

// Raw text for every type but booleans and small numbers: the store decodes timestamps, JSON,
// bigints and numerics from text itself (node-postgres would make them Dates and objects).
const RAW = {
  getTypeParser(oid) {
    switch (oid) {
      case 16: return (text) => text === 't';
      case 21: case 23: case 700: case 701: return Number;
      default: return (text) => text;
    }
  },
};

// A name per SQL text makes node-postgres prepare each statement once per connection. The
// store's texts are few (their values are always bound), so the names stay few too.
const names = new Map();
function statementName(sql) {
  let name = names.get(sql);
  if (name === undefined) {
    let h = 0x811c9dc5;
    for (let i = 0; i < sql.length; i++) h = Math.imul(h ^ sql.charCodeAt(i), 0x01000193) >>> 0;
    name = `asm_${h.toString(36)}_${sql.length}`;
    if (names.size < 4096) names.set(sql, name);
  }
  return name;
}

/**
 * @param {import('pg').Pool | import('pg').Client} pool
 * @returns {import('../index.js').Executor}
 */
export function pgExecutor(pool) {
  const isPool = typeof pool.totalCount === 'number';
  let queue = Promise.resolve();
  async function inTransaction(client, statements) {
    // One statement is atomic by itself: BEGIN and COMMIT would only add two round trips.
    if (statements.length === 1) return [await run(client, statements[0])];
    await client.query('BEGIN');
    try {
      const results = [];
      for (const statement of statements) results.push(await run(client, statement));
      await client.query('COMMIT');
      return results;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }
  async function run(client, { sql, params }) {
    const res = await client.query({ name: statementName(sql), text: sql, values: params, rowMode: 'array', types: RAW });
    return { rows: res.rows, changes: res.command === 'SELECT' ? 0 : (res.rowCount ?? 0) };
  }
  return {
    dialect: 'postgres',
    async batch(statements) {
      if (!isPool) {
        const turn = queue.then(() => inTransaction(pool, statements));
        queue = turn.catch(() => {});
        return turn;
      }
      const client = await pool.connect();
      let broken;
      try {
        return await inTransaction(client, statements);
      } catch (error) {
        // A connection-level failure (no SQLSTATE) must not go back to the pool.
        broken = typeof error?.code !== 'string' || error.code.length !== 5 ? error : undefined;
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}
