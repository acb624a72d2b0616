// How a batch crosses the WebAssembly boundary: the statements come in as one JSON text and the
// answers go back as one JSON text, because crossing once per value (every parameter, every
// cell) costs more than the SQL itself. The executor contract stays `batch(statements)` with
// plain objects, so users' executors work unchanged.

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Runs `statementsJson` (`[{ sql, params, readOnly }]`) on `executor` and resolves to the
 * answers as JSON text (`[{ rows, changes }]`), or to the answers themselves when a cell has no
 * exact JSON form (a bigint beyond 2^53, a non-finite number, an object): the caller then reads
 * them value by value.
 */
export async function runBatch(executor, statementsJson) {
  return answersForWasm(await executor.batch(JSON.parse(statementsJson)));
}

/** Answers as the WebAssembly reads them: their JSON text when every cell has an exact JSON form, else themselves. */
export function answersForWasm(answers) {
  return Array.isArray(answers) && answers.every(plainAnswer) ? JSON.stringify(answers) : answers;
}

/** Whether `answer` goes into JSON exactly; safe bigints become numbers on the way. */
function plainAnswer(answer) {
  if (answer === null || typeof answer !== 'object') return false;
  const { rows } = answer;
  if (rows === undefined || rows === null) return true;
  if (!Array.isArray(rows)) return false;
  for (const row of rows) {
    if (!Array.isArray(row)) return false;
    for (let i = 0; i < row.length; i++) {
      const cell = row[i];
      switch (typeof cell) {
        case 'string':
        case 'boolean':
          break;
        case 'number':
          if (!Number.isFinite(cell)) return false;
          break;
        case 'bigint':
          if (cell > MAX_SAFE || cell < -MAX_SAFE) return false;
          row[i] = Number(cell);
          break;
        case 'undefined':
          row[i] = null;
          break;
        default:
          if (cell !== null) return false;
      }
    }
  }
  return true;
}
