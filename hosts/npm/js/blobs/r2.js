// Artifact bytes in an R2 bucket through the binding of a JavaScript Worker (`env.BUCKET`), or
// Miniflare's from Node. R2 takes a stream only of known length, so a put gathers the core's
// checked chunks: an object of up to one part (8 MiB) is one `bucket.put()` once the core has
// checked it (with its SHA-256, which R2 checks again); a larger one goes up as a multipart
// upload, one part in memory at a time, which R2 makes the object only at `complete()` —
// `abort()` discards it, so a refused put leaves the old object as it was.
//
// R2 takes an object's metadata (where its SHA-256 is kept) when a multipart upload starts:
// when the SHA-256 of a large object is not declared, its parts go to a staging key first and
// are copied, with the SHA-256 the core computed, under their key; the staging object is then
// deleted. Staging keys start with `stagingPrefix` and never appear in listings.

import { partsOf } from './parts.js';

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');

function infoOf(object) {
  const sha256 = object.customMetadata?.sha256 ?? (object.checksums?.sha256 ? hex(object.checksums.sha256) : null);
  return {
    key: object.key,
    byte_size: object.size,
    sha256: sha256 ?? '',
    content_type: object.httpMetadata?.contentType ?? null,
    stored_at: object.customMetadata?.stored_at ?? new Date(object.uploaded).toISOString(),
  };
}

/**
 * A blob backend over an R2 bucket binding.
 * @param {import('../index.js').R2Bucket} bucket
 * @param {{ stagingPrefix?: string }} [options]
 * @returns {import('../index.js').BlobBackend}
 */
export function r2Blobs(bucket, { stagingPrefix = '.asm-staging/' } = {}) {
  if (!bucket || typeof bucket.put !== 'function') throw new TypeError('r2Blobs(bucket): bucket must be an R2 binding');
  const staging = (key) => key.startsWith(stagingPrefix);
  return {
    backend: 'r2',
    async put(key, meta) {
      const httpMetadata = meta.content_type ? { contentType: meta.content_type } : undefined;
      const described = (sha256) => ({ httpMetadata, customMetadata: { stored_at: meta.stored_at, sha256 } });
      const declared = typeof meta.sha256 === 'string';
      const staged = declared ? null : `${stagingPrefix}${crypto.randomUUID()}`;
      const upload = partsOf(bucket, () =>
        declared ? { key, options: described(meta.sha256) } : { key: staged, options: { httpMetadata } },
      );
      return {
        write: (chunk) => upload.write(chunk),
        async close(done) {
          if (!upload.multipart) {
            await upload.close(key, { ...described(done.sha256), sha256: done.sha256 });
          } else if (declared) {
            await upload.close(key);
          } else {
            await upload.close(staged);
            try {
              const object = await bucket.get(staged);
              if (!object) throw new Error(`the staged upload ${staged} vanished`);
              const copy = partsOf(bucket, () => ({ key, options: described(done.sha256) }));
              try {
                const reader = object.body.getReader();
                for (let r = await reader.read(); !r.done; r = await reader.read()) await copy.write(r.value);
                await copy.close(key, { ...described(done.sha256), sha256: done.sha256 });
              } catch (e) {
                await copy.abort().catch(() => {});
                throw e;
              }
            } finally {
              await bucket.delete(staged);
            }
          }
          return { key, byte_size: done.byte_size, sha256: done.sha256, content_type: meta.content_type ?? null, stored_at: meta.stored_at };
        },
        abort: () => upload.abort(),
      };
    },
    async get(key, offset, length) {
      if (length === 0) {
        const object = await bucket.head(key);
        return object && { info: infoOf(object), body: new ReadableStream({ start: (c) => c.close() }) };
      }
      const object = await bucket.get(key, { range: { offset, length } });
      return object && { info: infoOf(object), body: object.body };
    },
    async head(key) {
      const object = await bucket.head(key);
      return object && infoOf(object);
    },
    async delete(key) {
      await bucket.delete(key);
    },
    async list(prefix, after, limit) {
      const out = [];
      let cursor;
      do {
        const page = await bucket.list({
          prefix,
          limit: Math.min(1000, limit - out.length + 1),
          include: ['httpMetadata', 'customMetadata'],
          ...(cursor ? { cursor } : after != null ? { startAfter: after } : {}),
        });
        for (const object of page.objects) {
          if (out.length < limit && !staging(object.key)) out.push(infoOf(object));
        }
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor && out.length < limit);
      return out;
    },
  };
}
