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

/**
 * A live tail of a session as an async iterator (see `Store.openTail` for the follow options):
 * `{ kind: 'event', event }`, `{ kind: 'pruned', from, first_stored }` and
 * `{ kind: 'up-to-date', last_sequence }` items, until `options.signal` aborts or the loop
 * breaks. The tail itself lives in the WebAssembly core, so every host follows alike.
 */
Store.prototype.subscribe = function subscribe(sessionId, options) {
  const { signal, ...follow } = options ?? {};
  const tail = this.openTail(sessionId, follow);
  const finished = { done: true, value: undefined };
  let ended = false;
  const end = () => {
    ended = true;
    return finished;
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    get cursor() {
      return tail.cursor;
    },
    next() {
      if (ended || signal?.aborted) return Promise.resolve(end());
      const item = tail.next().then((value) => (ended ? finished : { done: false, value }));
      if (!signal) return item;
      return new Promise((resolve, reject) => {
        const onAbort = () => resolve(end());
        signal.addEventListener('abort', onAbort, { once: true });
        item.then(
          (result) => {
            signal.removeEventListener('abort', onAbort);
            resolve(result);
          },
          (error) => {
            signal.removeEventListener('abort', onAbort);
            if (ended) resolve(finished);
            else reject(error);
          },
        );
      });
    },
    return() {
      return Promise.resolve(end());
    },
  };
};

/** Opens a store over `executor` and creates the `asm_*` tables when they are missing. */
export async function openStore(executor, options) {
  const store = new Store(executor, options);
  if (options?.migrate !== false) await store.migrate();
  return store;
}
