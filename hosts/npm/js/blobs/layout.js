// What the folder backends (Node's filesystem, OPFS) share: one file per object, named by its
// key, holding the bytes followed by a trailer that describes them. One file is replaced at
// once (a rename, an OPFS commit), so bytes and their description never disagree.
//
// File: <bytes> <meta: UTF-8 JSON { key, sha256, content_type, stored_at }> <u32 BE meta
// length> "ASM1".

const MAGIC = [0x41, 0x53, 0x4d, 0x31];
/** Bytes after the meta: its length and the magic. */
export const TAIL_BYTES = 8;

/** A key as one file name: percent-encoded, with no `.` (names of temporaries start with one). */
export function fileName(key) {
  return encodeURIComponent(key).replace(/[.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** The key of a file name, or null for a name no key makes. */
export function keyOf(name) {
  if (name.includes('.')) return null;
  try {
    return decodeURIComponent(name);
  } catch {
    return null;
  }
}

/** Keys in byte order of their UTF-8 (the order of the core's and S3's listings): code point order. */
export function compareKeys(a, b) {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** The trailer to append after the bytes. */
export function trailer(key, meta, done) {
  const json = new TextEncoder().encode(
    JSON.stringify({ key, sha256: done.sha256, content_type: meta.content_type ?? null, stored_at: meta.stored_at }),
  );
  const out = new Uint8Array(json.length + TAIL_BYTES);
  out.set(json, 0);
  new DataView(out.buffer).setUint32(json.length, json.length);
  out.set(MAGIC, json.length + 4);
  return out;
}

/** The meta length in the last bytes of a file, or null when they are no trailer's. */
export function metaLength(tail, fileSize) {
  if (tail.length !== TAIL_BYTES || !MAGIC.every((b, i) => tail[4 + i] === b)) return null;
  const n = new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0);
  return n + TAIL_BYTES <= fileSize ? n : null;
}

/** The blob info of a file of `fileSize` bytes whose meta is `metaBytes`. */
export function infoOf(metaBytes, fileSize) {
  const meta = JSON.parse(new TextDecoder().decode(metaBytes));
  return {
    key: meta.key,
    byte_size: fileSize - metaBytes.length - TAIL_BYTES,
    sha256: meta.sha256,
    content_type: meta.content_type ?? null,
    stored_at: meta.stored_at,
  };
}

/**
 * The infos of the objects among the file `names` whose keys start with `prefix`, after
 * `after`, in key order, at most `limit`: `head(key)` of each (null for a file being written).
 */
export async function listed(names, prefix, after, limit, head) {
  const keys = names
    .map(keyOf)
    .filter((k) => k !== null && k.startsWith(prefix) && (after == null || compareKeys(k, after) > 0))
    .sort(compareKeys);
  const out = [];
  for (const key of keys) {
    if (out.length >= limit) break;
    const info = await head(key);
    if (info) out.push(info);
  }
  return out;
}
