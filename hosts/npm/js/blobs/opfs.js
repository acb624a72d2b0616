// Artifact bytes in the browser's Origin Private File System: one file per object (see
// layout.js) in a folder of `navigator.storage.getDirectory()`. A put writes through
// `createWritable()`, whose swap file becomes the object only at `close()`; `abort()` discards
// it, so a refused put leaves the old object as it was. A new key's file exists (empty) while
// it is written: readers skip files without a trailer.
import { TAIL_BYTES, fileName, infoOf, listed, metaLength, trailer } from './layout.js';

async function infoOfFile(file) {
  if (file.size < TAIL_BYTES) return null;
  const tail = new Uint8Array(await file.slice(file.size - TAIL_BYTES).arrayBuffer());
  const n = metaLength(tail, file.size);
  if (n === null) return null;
  const meta = new Uint8Array(await file.slice(file.size - TAIL_BYTES - n, file.size - TAIL_BYTES).arrayBuffer());
  return infoOf(meta, file.size);
}

/**
 * A blob backend in the OPFS folder `name` (created when missing).
 * @param {string} [name]
 * @returns {import('../index.js').BlobBackend}
 */
export function opfsBlobs(name = 'asm-artifacts') {
  let folder;
  const root = () => {
    if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) {
      return Promise.reject(new Error('opfsBlobs needs the Origin Private File System (navigator.storage.getDirectory)'));
    }
    folder ??= navigator.storage.getDirectory().then((d) => d.getDirectoryHandle(name, { create: true }));
    return folder;
  };
  const notFound = (e) => e?.name === 'NotFoundError';
  async function fileOf(key) {
    try {
      return await (await (await root()).getFileHandle(fileName(key))).getFile();
    } catch (e) {
      if (notFound(e)) return null;
      throw e;
    }
  }
  async function head(key) {
    const file = await fileOf(key);
    return file && (await infoOfFile(file));
  }
  return {
    backend: 'opfs',
    async put(key, meta) {
      const dir = await root();
      const created = (await fileOf(key)) === null;
      const handle = await dir.getFileHandle(fileName(key), { create: true });
      const writable = await handle.createWritable({ keepExistingData: false });
      return {
        write: (chunk) => writable.write(chunk),
        async close(done) {
          await writable.write(trailer(key, meta, done));
          await writable.close();
          return { key, byte_size: done.byte_size, sha256: done.sha256, content_type: meta.content_type ?? null, stored_at: meta.stored_at };
        },
        async abort() {
          await writable.abort();
          if (created) {
            const file = await fileOf(key);
            if (file && file.size === 0) await dir.removeEntry(fileName(key)).catch(() => {});
          }
        },
      };
    },
    async get(key, offset, length) {
      const file = await fileOf(key);
      const info = file && (await infoOfFile(file));
      if (!info || offset + length > info.byte_size) return null;
      return { info, body: file.slice(offset, offset + length).stream() };
    },
    head,
    async delete(key) {
      try {
        await (await root()).removeEntry(fileName(key));
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    },
    async list(prefix, after, limit) {
      const names = [];
      for await (const [n, h] of (await root()).entries()) if (h.kind === 'file') names.push(n);
      return listed(names, prefix, after, limit, head);
    },
  };
}
