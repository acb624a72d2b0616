// Artifact bytes in a folder of Node's filesystem: one file per object (see layout.js), written
// to a temporary file in `<dir>/.uploads` and renamed into place once the core has checked the
// bytes, so a refused or interrupted put leaves the old object as it was (temporaries left by a
// crash are removed a day later, when a backend next opens the folder). Reads stream from an
// open file descriptor (`FileHandle.createReadStream`), so a replacement during a read does not
// mix two objects.
import { TAIL_BYTES, fileName, infoOf, listed, metaLength, trailer } from './layout.js';

/** How old a temporary file of `.uploads` must be to be removed when a backend opens the folder. */
const STALE_UPLOAD_MS = 24 * 60 * 60 * 1000;

/**
 * A Node built-in module, loaded when a backend is made: the specifier is computed so that the
 * bundlers of the browser and Worker entries (esbuild in wrangler, Vite, webpack) leave it alone.
 */
const builtin = (name) => import(/* webpackIgnore: true */ /* @vite-ignore */ `node:${name}`);

async function node() {
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new Error('fsBlobs needs Node.js (node:fs); in a browser use opfsBlobs');
  }
  const [fs, path, stream, crypto] = await Promise.all(['fs/promises', 'path', 'stream', 'crypto'].map(builtin));
  return { fs, path, stream, crypto };
}

/** Reads an open file's blob info, or null when it holds no complete object. */
async function readInfo(handle) {
  const { size } = await handle.stat();
  if (size < TAIL_BYTES) return null;
  const tail = new Uint8Array(TAIL_BYTES);
  await handle.read(tail, 0, TAIL_BYTES, size - TAIL_BYTES);
  const n = metaLength(tail, size);
  if (n === null) return null;
  const meta = new Uint8Array(n);
  await handle.read(meta, 0, n, size - TAIL_BYTES - n);
  return infoOf(meta, size);
}

async function writeAll(handle, bytes) {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
    done += bytesWritten;
  }
}

/**
 * A blob backend over the folder `dir` (created when missing).
 * @param {string} dir
 * @returns {import('../index.js').BlobBackend}
 */
export function fsBlobs(dir) {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('fsBlobs(dir): dir must be a folder path');
  const ready = node().then(async (n) => {
    const uploads = n.path.join(dir, '.uploads');
    await n.fs.mkdir(uploads, { recursive: true });
    // Temporaries of puts a crash cut short: nothing refers to them once a day has passed.
    const stale = Date.now() - STALE_UPLOAD_MS;
    for (const name of await n.fs.readdir(uploads)) {
      const at = await n.fs.stat(n.path.join(uploads, name)).catch(() => null);
      if (at && at.mtimeMs < stale) await n.fs.rm(n.path.join(uploads, name), { force: true });
    }
    return n;
  });
  ready.catch(() => {});
  const file = (n, key) => n.path.join(dir, fileName(key));
  /** The object's file opened for reading, or null when there is none. */
  async function open(key) {
    const n = await ready;
    try {
      return await n.fs.open(file(n, key), 'r');
    } catch (e) {
      if (e?.code === 'ENOENT') return null;
      throw e;
    }
  }

  async function head(key) {
    const handle = await open(key);
    if (!handle) return null;
    try {
      return await readInfo(handle);
    } finally {
      await handle.close();
    }
  }

  return {
    backend: 'file',
    async put(key, meta) {
      const n = await ready;
      const tmp = n.path.join(dir, '.uploads', n.crypto.randomUUID());
      const handle = await n.fs.open(tmp, 'wx');
      let open = true;
      const discard = async () => {
        if (open) {
          open = false;
          await handle.close().catch(() => {});
        }
        await n.fs.rm(tmp, { force: true });
      };
      return {
        write: (chunk) => writeAll(handle, chunk),
        async close(done) {
          try {
            await writeAll(handle, trailer(key, meta, done));
            await handle.sync();
            open = false;
            await handle.close();
            await n.fs.rename(tmp, file(n, key));
          } catch (e) {
            await discard();
            throw e;
          }
          return { key, byte_size: done.byte_size, sha256: done.sha256, content_type: meta.content_type ?? null, stored_at: meta.stored_at };
        },
        abort: discard,
      };
    },
    async get(key, offset, length) {
      const n = await ready;
      const handle = await open(key);
      if (!handle) return null;
      const info = await readInfo(handle).catch(async (e) => {
        await handle.close();
        throw e;
      });
      if (info === null || offset + length > info.byte_size) {
        await handle.close();
        return null;
      }
      if (length === 0) {
        await handle.close();
        return { info, body: new ReadableStream({ start: (c) => c.close() }) };
      }
      // The stream closes the handle when it ends or is destroyed.
      const readable = handle.createReadStream({ start: offset, end: offset + length - 1, autoClose: true });
      return { info, body: n.stream.Readable.toWeb(readable) };
    },
    head,
    async delete(key) {
      const n = await ready;
      await n.fs.rm(file(n, key), { force: true });
    },
    async list(prefix, after, limit) {
      const n = await ready;
      const entries = await n.fs.readdir(dir, { withFileTypes: true });
      const names = entries.filter((e) => e.isFile()).map((e) => e.name);
      return listed(names, prefix, after, limit, head);
    },
  };
}
