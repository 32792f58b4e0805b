/**
 * A test's call to the admin API of an in-process server: the body sent as JSON, a non-browser
 * User-Agent (the browser guard refuses `Mozilla/…`), the answer kept as text and parsed JSON.
 * Not part of the package.
 * @module
 */

/** One answer of the admin API. */
export interface ApiAnswer {
  status: number;
  text: string;
  /** The body parsed as JSON; undefined when it is empty. */
  json: Record<string, unknown> | undefined;
}

/** Sends `method path` to the server at `baseUrl`. */
export async function apiCall(baseUrl: string, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { 'User-Agent': 'test' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}
