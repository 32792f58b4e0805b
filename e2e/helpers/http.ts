/**
 * A small fetch wrapper for API tests: Toxiproxy test conventions (JSON content type, a non-browser
 * User-Agent), raw text kept next to the parsed body.
 * @module
 */

/** One API response. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
  /** How long the request took, in ms. */
  ms: number;
}

/** Request options. */
export interface RequestOptions {
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  timeoutMs?: number;
}

/** Sends one request to `base + path`. */
export async function request(base: string, method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'test', ...options.headers };
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const started = performance.now();
  const res = await fetch(base + path, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, ms };
}

/** A client bound to one server. */
export function api(base: string, defaults: RequestOptions = {}) {
  const call =
    (method: string) =>
    (path: string, body?: unknown, options: RequestOptions = {}) =>
      request(base, method, path, {
        ...defaults,
        ...options,
        headers: { ...defaults.headers, ...options.headers },
        ...(body !== undefined ? { body } : {}),
      });
  return {
    get: call('GET'),
    post: call('POST'),
    patch: call('PATCH'),
    put: call('PUT'),
    delete: call('DELETE'),
    request: (m: string, p: string, o?: RequestOptions) => request(base, m, p, { ...defaults, ...o }),
  };
}

/** The client type returned by {@link api}. */
export type Api = ReturnType<typeof api>;

/** Deletes every proxy, so each test starts from an empty server. */
export async function deleteAllProxies(client: Api): Promise<void> {
  const res = await client.get('/proxies');
  for (const name of Object.keys(res.json as Record<string, unknown>)) {
    await client.delete(`/proxies/${encodeURIComponent(name)}`);
  }
}
