// The package's API, shared by every entry point (node.js, browser.js, workerd.js), which only
// differ in how they load the WebAssembly. workerd.js imports a copy of it whose
// `./wasm/asm_npm.js` is the full module's glue (scripts/build-npm).
import { Store as FirstStore } from './wasm/asm_npm.js';
import { coreEventsOfRows, eventsOfRows } from './events.js';
import { fullModule } from './full.js';
import { FULL_ONLY } from './full-only.js';

export { newSession, newRun, newEvent, migrationStatements } from './wasm/asm_npm.js';
export { d1Executor } from './executors/d1.js';
export { sqlJsExecutor } from './executors/sqljs.js';
export { pgExecutor } from './executors/pg.js';
export { pgliteExecutor } from './executors/pglite.js';
export { betterSqlite3Executor } from './executors/better-sqlite3.js';
export { fsBlobs } from './blobs/fs.js';
export { opfsBlobs } from './blobs/opfs.js';
export { r2Blobs } from './blobs/r2.js';
export { s3Blobs } from './blobs/s3.js';

/**
 * A session store over `executor` (the first module's `Store`). The methods only the full module
 * has (`FULL_ONLY`, listed at build time from the two modules' glue: reports, maintenance,
 * artifacts) go to a twin of it in the full module, made on the first such call with the same
 * executor and options: both hold no state of their own beyond them, so they answer as one
 * store. (In the Workers entry the first module is the full one, and the list is empty.)
 */
export class Store extends FirstStore {
  #made;
  #twin;

  constructor(executor, options) {
    super(executor, options);
    this.#made = [executor, options];
  }

  /** The twin in the full module (loaded on the first call), or a `dependency_not_available`. */
  __twin() {
    this.#twin ??= fullModule().then(
      (full) => new full.Store(...this.#made),
      (cause) => {
        this.#twin = undefined;
        throw asmError(
          'dependency_not_available',
          `the package's full WebAssembly module did not load: ${cause?.message ?? cause}`,
          { module: 'wasm-full/asm_npm_bg.wasm' },
          true,
        );
      },
    );
    return this.#twin;
  }

  /** Frees the store's WebAssembly memory, and its twin's when it was made. */
  free() {
    const twin = this.#twin;
    this.#twin = undefined;
    twin?.then((store) => store.free(), () => {});
    super.free();
  }
}
if (Symbol.dispose) Store.prototype[Symbol.dispose] = Store.prototype.free;
for (const name of FULL_ONLY) {
  Store.prototype[name] = async function (...args) {
    return (await this.__twin())[name](...args);
  };
}

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

/**
 * A session's events in sequence order, filtered by `{ run_id?, type?, since?, after?, before?,
 * limit?, wait_timeout_ms? }`. The core's statement runs here and the rows become events here
 * (events.js); a read that finds nothing asks the core whether the session may be read, and
 * a read that waits or fails is the core's `getEvents` to answer, as is every error.
 */
Store.prototype.getEvents = async function getEvents(sessionId, filter) {
  let read;
  try {
    read = this.__eventsRead(sessionId, filter);
  } catch {
    read = undefined;
  }
  if (read) {
    let answers;
    try {
      answers = await read.executor.batch(JSON.parse(read.statements));
    } catch {
      answers = undefined;
    }
    const rows = Array.isArray(answers) && answers.length === 1 ? answers[0]?.rows : undefined;
    if (Array.isArray(rows) && rows.length === 0) return this.__noEvents(sessionId);
    if (Array.isArray(rows)) {
      const events = eventsOfRows(rows, read.sessionId);
      if (events) return events;
      try {
        return coreEventsOfRows(rows, read.sessionId);
      } catch {
        // The error is the core's getEvents's to give, with its own details.
      }
    }
  }
  return this.__getEvents(sessionId, filter);
};

/** Chunks handed to the WebAssembly at most this large (a bigger one is passed in slices). */
const SLICE = 256 * 1024;

/** An `AsmError` made in JavaScript, shaped as the WebAssembly's are. */
function asmError(code, message, details = {}, retryable = false) {
  const error = new Error(message);
  error.name = 'AsmError';
  error.code = code;
  error.details = details;
  error.retryable = retryable;
  return error;
}

function invalid(message) {
  return asmError('validation_error', message);
}

/** One chunk as bytes, or a validation_error. */
function bytesOf(chunk) {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw invalid('a body must be a Uint8Array, ArrayBuffer, string, Blob, ReadableStream or async iterable of bytes');
}

/**
 * A caller's body as the source the WebAssembly pulls, `{ read() }` answering Uint8Arrays and
 * `undefined` at the end: bytes and text at once, a `Blob` or `ReadableStream` through its
 * reader, an async iterable (a Node stream) through its iterator; large chunks in slices.
 */
function toSource(body) {
  let next;
  if (body instanceof Uint8Array || body instanceof ArrayBuffer || ArrayBuffer.isView(body) || typeof body === 'string') {
    let bytes = bytesOf(body);
    next = async () => {
      const out = bytes;
      bytes = undefined;
      return out;
    };
  } else if (typeof body?.getReader === 'function' || typeof body?.stream === 'function') {
    const reader = (typeof body.getReader === 'function' ? body : body.stream()).getReader();
    next = async () => {
      const { done, value } = await reader.read();
      return done ? undefined : bytesOf(value);
    };
  } else if (typeof body?.[Symbol.asyncIterator] === 'function') {
    const iterator = body[Symbol.asyncIterator]();
    next = async () => {
      const { done, value } = await iterator.next();
      return done ? undefined : bytesOf(value);
    };
  } else {
    throw invalid('a body must be a Uint8Array, ArrayBuffer, string, Blob, ReadableStream or async iterable of bytes');
  }
  let rest;
  return {
    async read() {
      while (!rest || rest.length === 0) {
        rest = await next();
        if (rest === undefined) return undefined;
      }
      const out = rest.subarray(0, SLICE);
      rest = rest.subarray(out.length);
      return out;
    },
  };
}

/** An opened body (the WebAssembly's `BlobBody`) as a `ReadableStream` pulled chunk by chunk. */
function toReadable(body) {
  return new ReadableStream(
    {
      async pull(controller) {
        const chunk = await body.next();
        if (chunk === undefined) {
          controller.close();
          body.free();
        } else {
          controller.enqueue(chunk);
        }
      },
      cancel() {
        body.cancel();
        body.free();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Stores an artifact's bytes, then its row (the core's protocol): `attrs` as `registerArtifact`
 * takes them, `body` bytes, text, a Blob, a ReadableStream or an async iterable of bytes.
 */
Store.prototype.storeArtifact = async function storeArtifact(attrs, body, options) {
  return this.__storeArtifact(attrs, toSource(body), options);
};

/** Opens a live artifact: `{ artifact, info, span, body }`, `body` a ReadableStream. */
Store.prototype.openArtifact = async function openArtifact(key, range) {
  const opened = await this.__openArtifact(key, range);
  return { ...opened, body: toReadable(opened.body) };
};

/** ASM's `ArtifactStore.put`, streamed: stores `body` under `key`. */
Store.prototype.putBlob = async function putBlob(key, body, options) {
  return this.__putBlob(key, toSource(body), options);
};

/** ASM's `ArtifactStore.get`, streamed: `{ info, span, body }`, `body` a ReadableStream. */
Store.prototype.getBlob = async function getBlob(key, range) {
  const opened = await this.__getBlob(key, range);
  return { ...opened, body: toReadable(opened.body) };
};

/** Opens a store over `executor` and creates the `asm_*` tables when they are missing. */
export async function openStore(executor, options) {
  const store = new Store(executor, options);
  if (options?.migrate !== false) await store.migrate();
  return store;
}
