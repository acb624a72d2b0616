// Artifact bytes in an S3-compatible bucket (AWS S3, MinIO, R2's S3 API, …) over fetch, with
// requests signed (SigV4) by aws4fetch, so it runs in Node, Workers and browsers alike. Objects
// are stored path-style at `<endpoint>/<bucket>/<prefix><key>`; the SHA-256 and the store's time
// are kept as `x-amz-meta-sha256` / `x-amz-meta-stored-at`, the content type as Content-Type.
//
// As in r2.js (and through the same parts.js): an object of up to one part (8 MiB) is one PUT
// once the core has checked it; a larger one is a multipart upload that S3 makes the object only
// at CompleteMultipartUpload, aborted when the put is refused. S3 also takes metadata when a
// multipart upload starts, so a large object without a declared SHA-256 goes to a staging key
// first and is copied under its key by CopyObject with the computed SHA-256 (metadata
// REPLACE); the staging object is then deleted. Staging keys never appear in listings.
import { AwsClient } from 'aws4fetch';
import { partsOf } from './parts.js';

/** S3 key path: every byte but unreserved ones and `/` percent-encoded, as SigV4 canonicalises it. */
const keyPath = (key) =>
  encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');

const unescapeXml = (s) =>
  s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e) =>
    e[0] === '#'
      ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
      : { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e],
  );

/** The text of every `<tag>` in `xml`, unescaped. */
const tags = (xml, tag) => [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => unescapeXml(m[1]));

/** Sent as `x-amz-content-sha256`, so S3 refuses bytes that changed on the way (aws4fetch sends UNSIGNED-PAYLOAD otherwise). */
const sha256Hex = async (bytes) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');

const escapeXml = (s) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);

/**
 * A blob backend over an S3-compatible bucket.
 * @param {{ endpoint: string, bucket: string, region: string, accessKeyId: string, secretAccessKey: string, sessionToken?: string, prefix?: string }} options
 * @returns {import('../index.js').BlobBackend}
 */
export function s3Blobs({ endpoint, bucket, region, accessKeyId, secretAccessKey, sessionToken, prefix = '' } = {}) {
  for (const [name, value] of Object.entries({ endpoint, bucket, region, accessKeyId, secretAccessKey })) {
    if (typeof value !== 'string' || value === '') throw new TypeError(`s3Blobs(options): options.${name} must be a non-empty string`);
  }
  if (typeof prefix !== 'string') throw new TypeError('s3Blobs(options): options.prefix must be a string');
  const aws = new AwsClient({ accessKeyId, secretAccessKey, sessionToken, region, service: 's3' });
  const base = `${endpoint.replace(/\/+$/, '')}/${encodeURIComponent(bucket)}`;
  const stagingPrefix = `${prefix}.asm-staging/`;
  const url = (name, query = '') => `${base}/${keyPath(name)}${query}`;

  /** One signed request; a status outside `ok` (default 2xx) rejects with S3's error code. */
  async function send(target, init, ok = (s) => s >= 200 && s < 300) {
    const response = await aws.fetch(target, init);
    if (!ok(response.status)) {
      const text = await response.text().catch(() => '');
      const code = tags(text, 'Code')[0] ?? `HTTP ${response.status}`;
      const message = tags(text, 'Message')[0];
      throw new Error(`S3 ${init?.method ?? 'GET'} ${target}: ${code}${message ? ` (${message})` : ''}`);
    }
    return response;
  }

  const metaHeaders = ({ content_type, sha256, stored_at }) => ({
    ...(content_type ? { 'content-type': content_type } : {}),
    ...(sha256 ? { 'x-amz-meta-sha256': sha256 } : {}),
    'x-amz-meta-stored-at': stored_at,
  });

  // The bucket as parts.js wants it: `put` and `createMultipartUpload` (options are headers).
  const asR2 = {
    async put(name, bytes, headers) {
      await send(url(name), { method: 'PUT', body: bytes, headers: { ...headers, 'x-amz-content-sha256': await sha256Hex(bytes) } });
    },
    async createMultipartUpload(name, headers) {
      const created = await send(url(name, '?uploads'), { method: 'POST', headers });
      const uploadId = tags(await created.text(), 'UploadId')[0];
      if (!uploadId) throw new Error(`S3 CreateMultipartUpload ${name} answered no UploadId`);
      const at = (query) => url(name, `?${query}uploadId=${encodeURIComponent(uploadId)}`);
      return {
        async uploadPart(partNumber, bytes) {
          const headers = { 'x-amz-content-sha256': await sha256Hex(bytes) };
          const response = await send(at(`partNumber=${partNumber}&`), { method: 'PUT', body: bytes, headers });
          await response.arrayBuffer();
          return { partNumber, etag: response.headers.get('etag') };
        },
        async complete(parts) {
          const body = `<CompleteMultipartUpload>${parts
            .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`)
            .join('')}</CompleteMultipartUpload>`;
          const response = await send(at(''), { method: 'POST', body, headers: { 'content-type': 'application/xml' } });
          // S3 may answer 200 with an error in the body once it has started answering.
          const text = await response.text();
          if (/<Error>/.test(text)) throw new Error(`S3 CompleteMultipartUpload ${name}: ${tags(text, 'Code')[0] ?? text}`);
        },
        async abort() {
          await send(at(''), { method: 'DELETE' }, (s) => (s >= 200 && s < 300) || s === 404);
        },
      };
    },
  };

  function infoOf(key, headers) {
    const range = headers.get('content-range'); // `bytes a-b/size` on a ranged GET
    const size = range ? Number(range.slice(range.lastIndexOf('/') + 1)) : Number(headers.get('content-length'));
    const modified = headers.get('last-modified');
    return {
      key,
      byte_size: size,
      sha256: headers.get('x-amz-meta-sha256') ?? '',
      content_type: headers.get('content-type') ?? null,
      stored_at: headers.get('x-amz-meta-stored-at') ?? (modified ? new Date(modified).toISOString() : new Date(0).toISOString()),
    };
  }

  async function head(key) {
    const response = await send(url(prefix + key), { method: 'HEAD' }, (s) => (s >= 200 && s < 300) || s === 404);
    return response.status === 404 ? null : infoOf(key, response.headers);
  }

  return {
    backend: 's3',
    async put(key, meta) {
      const name = prefix + key;
      const declared = typeof meta.sha256 === 'string';
      const staged = declared ? null : `${stagingPrefix}${crypto.randomUUID()}`;
      const upload = partsOf(asR2, () =>
        declared ? { key: name, options: metaHeaders(meta) } : { key: staged, options: metaHeaders({ ...meta, sha256: null }) },
      );
      return {
        write: (chunk) => upload.write(chunk),
        async close(done) {
          if (!upload.multipart) {
            await upload.close(name, metaHeaders({ ...meta, sha256: done.sha256 }));
          } else if (declared) {
            await upload.close(name);
          } else {
            await upload.close(staged);
            try {
              const copied = await send(url(name), {
                method: 'PUT',
                headers: {
                  ...metaHeaders({ ...meta, sha256: done.sha256 }),
                  'x-amz-copy-source': `/${encodeURIComponent(bucket)}/${keyPath(staged)}`,
                  'x-amz-metadata-directive': 'REPLACE',
                },
              });
              const text = await copied.text();
              if (/<Error>/.test(text)) throw new Error(`S3 CopyObject ${staged} to ${name}: ${tags(text, 'Code')[0] ?? text}`);
            } finally {
              await send(url(staged), { method: 'DELETE' }, (s) => (s >= 200 && s < 300) || s === 404);
            }
          }
          return { key, byte_size: done.byte_size, sha256: done.sha256, content_type: meta.content_type ?? null, stored_at: meta.stored_at };
        },
        abort: () => upload.abort(),
      };
    },
    async get(key, offset, length) {
      if (length === 0) {
        const info = await head(key);
        return info && { info, body: new ReadableStream({ start: (c) => c.close() }) };
      }
      const response = await send(
        url(prefix + key),
        { headers: { range: `bytes=${offset}-${offset + length - 1}` } },
        (s) => (s >= 200 && s < 300) || s === 404 || s === 416,
      );
      if (response.status !== 206 && response.status !== 200) {
        await response.body?.cancel();
        return null;
      }
      return { info: infoOf(key, response.headers), body: response.body };
    },
    head,
    async delete(key) {
      await send(url(prefix + key), { method: 'DELETE' }, (s) => (s >= 200 && s < 300) || s === 404);
    },
    async list(listPrefix, after, limit) {
      const out = [];
      let token;
      do {
        const query = new URLSearchParams({ 'list-type': '2', prefix: prefix + listPrefix, 'max-keys': String(Math.min(1000, limit - out.length + 1)) });
        if (token) query.set('continuation-token', token);
        else if (after != null) query.set('start-after', prefix + after);
        const text = await (await send(`${base}?${query.toString().replace(/\+/g, '%20')}`, {})).text();
        const names = tags(text, 'Key').filter((k) => !k.startsWith(stagingPrefix) && k.startsWith(prefix));
        // The listing has no user metadata: a HEAD per key for its SHA-256 and content type.
        const infos = await Promise.all(names.slice(0, limit - out.length).map((k) => head(k.slice(prefix.length))));
        for (const info of infos) if (info) out.push(info);
        token = tags(text, 'IsTruncated')[0] === 'true' ? tags(text, 'NextContinuationToken')[0] : undefined;
      } while (token && out.length < limit);
      return out;
    },
  };
}
