// The package's API, shared by every entry point (node.js, browser.js, workerd.js), which only
// differ in how they load the WebAssembly.
import { Store } from './wasm/asm_npm.js';

export { Store, newSession, newRun, newEvent, migrationStatements } from './wasm/asm_npm.js';
export { d1Executor } from './executors/d1.js';
export { sqlJsExecutor } from './executors/sqljs.js';
export { pgExecutor } from './executors/pg.js';
export { pgliteExecutor } from './executors/pglite.js';
export { betterSqlite3Executor } from './executors/better-sqlite3.js';

/** True for the errors the store throws (they carry `code`, `details` and `retryable`). */
export function isAsmError(error) {
  return error instanceof Error && error.name === 'AsmError' && typeof error.code === 'string';
}

/** Opens a store over `executor` and creates the `asm_*` tables when they are missing. */
export async function openStore(executor, options) {
  const store = new Store(executor, options);
  if (options?.migrate !== false) await store.migrate();
  return store;
}
