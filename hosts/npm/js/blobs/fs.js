// Artifact bytes in a folder of Node's filesystem: one file per object (see layout.js), written
// to a temporary file in `<dir>/.uploads` and renamed into place once the core has checked the
// bytes, so a refused or interrupted put leaves the old object as it was. Reads stream from an
// open file descriptor (`FileHandle.createReadStream`), so a replacement during a read does not
// mix two objects.
import { TAIL_BYTES, fileName, infoOf, metaLength, selectKeys, trailer } from './layout.js';

async function node() {
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new Error('fsBlobs needs Node.js (node:fs); in a browser use opfsBlobs');
  }
  const [fs, path, stream, crypto] = await Promise.all([
    import('node:fs/promises'),
    import('node:path'),
    import('node:stream'),
    import('node:crypto'),
  ]);
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
    await n.fs.mkdir(n.path.join(dir, '.uploads'), { recursive: true });
    return n;
  });
  ready.catch(() => {});
  const file = (n, key) => n.path.join(dir, fileName(key));
  const missing = (e) => e?.code === 'ENOENT';

  async function head(key) {
    const n = await ready;
    let handle;
    try {
      handle = await n.fs.open(file(n, key), 'r');
    } catch (e) {
      if (missing(e)) return null;
      throw e;
    }
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
      let handle;
      try {
        handle = await n.fs.open(file(n, key), 'r');
      } catch (e) {
        if (missing(e)) return null;
        throw e;
      }
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
      const out = [];
      for (const key of selectKeys(names, prefix, after, names.length)) {
        if (out.length >= limit) break;
        const info = await head(key);
        if (info) out.push(info);
      }
      return out;
    },
  };
}
