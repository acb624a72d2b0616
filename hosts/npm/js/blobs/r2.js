// Artifact bytes in an R2 bucket through the binding of a JavaScript Worker (`env.BUCKET`), or
// Miniflare's from Node. A put streams the core's checked chunks into one `bucket.put()`; the
// core aborts the stream when the bytes contradict what was declared, and R2 then keeps nothing
// (the old object stays). A declared SHA-256 is also given to R2, which checks it again.
//
// R2 takes an object's metadata before its bytes, so when no SHA-256 is declared the bytes go
// to a staging key first and are copied, with the SHA-256 the core computed, under their key
// (R2 checks it on the copy); the staging object is then deleted. Staging keys start with
// `stagingPrefix` and never appear in listings.
//
// In a Worker, R2 accepts a stream only of known length: declare `byte_size` (the upload's
// Content-Length) and the bytes stream through a `FixedLengthStream`.

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
      const direct = typeof meta.sha256 === 'string';
      const target = direct ? key : `${stagingPrefix}${crypto.randomUUID()}`;
      const { readable, writable } =
        typeof FixedLengthStream === 'function' && meta.byte_size != null
          ? new FixedLengthStream(meta.byte_size) // eslint-disable-line no-undef
          : new TransformStream();
      const httpMetadata = meta.content_type ? { contentType: meta.content_type } : undefined;
      const customMetadata = { stored_at: meta.stored_at };
      const stored = bucket.put(target, readable, {
        httpMetadata,
        customMetadata: direct ? { ...customMetadata, sha256: meta.sha256 } : customMetadata,
        ...(direct ? { sha256: meta.sha256 } : {}),
      });
      stored.catch(() => {});
      const writer = writable.getWriter();
      return {
        write: (chunk) => writer.write(chunk),
        async close(done) {
          await writer.close();
          await stored;
          if (!direct) {
            try {
              const staged = await bucket.get(target);
              if (!staged) throw new Error(`the staged upload ${target} vanished`);
              await bucket.put(key, staged.body, {
                httpMetadata,
                customMetadata: { ...customMetadata, sha256: done.sha256 },
                sha256: done.sha256,
              });
            } finally {
              await bucket.delete(target);
            }
          }
          return { key, byte_size: done.byte_size, sha256: done.sha256, content_type: meta.content_type ?? null, stored_at: meta.stored_at };
        },
        async abort() {
          await writer.abort(new Error('put refused')).catch(() => {});
          await stored.catch(() => {});
          if (!direct) await bucket.delete(target);
        },
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
