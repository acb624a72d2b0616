// Chunks gathered into multipart-upload parts, shared by the R2 and S3 backends: `bucket` is an
// R2 binding or anything shaped like one (`put`, `createMultipartUpload` answering
// `uploadPart`/`complete`/`abort`), as s3.js makes of an S3 bucket.

/** R2 and S3 want every part but the last of one size, at least 5 MiB. */
const PART = 8 * 1024 * 1024;

/**
 * Chunks gathered into parts: `write` uploads each full part (starting the multipart upload
 * `start()` describes at the first), `close` answers whether it went up as parts.
 */
export function partsOf(bucket, start) {
  let chunks = [];
  let size = 0;
  let upload = null;
  const parts = [];
  const take = (n) => {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; ) {
      const chunk = chunks[0];
      const k = Math.min(chunk.length, n - at);
      out.set(chunk.subarray(0, k), at);
      at += k;
      if (k === chunk.length) chunks.shift();
      else chunks[0] = chunk.subarray(k);
    }
    size -= n;
    return out;
  };
  return {
    async write(chunk) {
      chunks.push(chunk);
      size += chunk.length;
      while (size > PART) {
        if (!upload) {
          const { key, options } = start();
          upload = await bucket.createMultipartUpload(key, options);
        }
        parts.push(await upload.uploadPart(parts.length + 1, take(PART)));
      }
    },
    /** The rest: one `put(key, bytes, options)` when no part went up, else the last part and `complete()`. */
    async close(key, options) {
      if (!upload) {
        await bucket.put(key, take(size), options);
        return;
      }
      parts.push(await upload.uploadPart(parts.length + 1, take(size)));
      await upload.complete(parts);
    },
    get multipart() {
      return upload !== null;
    },
    async abort() {
      chunks = [];
      size = 0;
      if (upload) await upload.abort();
    },
  };
}
