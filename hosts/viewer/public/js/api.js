// The viewer's only way to the data: the Worker's HTTP API with the signed-in key, so the key's
// role and agents decide what the viewer sees. The key is kept in sessionStorage (gone with the tab).

const KEY = 'asm-viewer-key';

/** An answer of the API other than 2xx, with ASM's error code. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function storedKey() {
  return sessionStorage.getItem(KEY);
}

export function storeKey(key) {
  sessionStorage.setItem(KEY, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY);
}

/** Calls `method path` with the stored key (or `key`), a JSON body when given; the parsed answer. */
export async function api(method, path, body, key = storedKey()) {
  const headers = { authorization: `Bearer ${key ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'network_error', `The Worker did not answer (${e.message}).`);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = json?.error ?? {};
    throw new ApiError(response.status, error.code ?? 'http_error', error.message ?? `HTTP ${response.status}`);
  }
  return json;
}

/** A path segment: ids may hold any character. */
export const seg = (s) => encodeURIComponent(s);

/** A URL that carries the key as `?access_token=` (EventSource and downloads cannot send headers). */
export function withToken(path, params = {}) {
  const q = new URLSearchParams({ ...params, access_token: storedKey() ?? '' });
  return `${path}?${q}`;
}
