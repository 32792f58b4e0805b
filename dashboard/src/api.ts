/**
 * Calls to the admin API from the page: every call carries `X-Faultline-Dashboard` (the browser
 * guard lets changes through only with it) and, when the server wants one, the bearer token the
 * user typed, kept for this tab only (sessionStorage).
 */

/** The header the browser guard requires on every change from a page. */
export const DASHBOARD_HEADER = 'X-Faultline-Dashboard';
const TOKEN_KEY = 'faultline.token';

/** An error answer of the API: its message, status, code and, for scenarios, located issues. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

/** The token kept for this tab, or null. */
export function savedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** Keeps `token` for this tab (null forgets it). */
export function saveToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage disabled: the token lasts until the page is reloaded.
  }
  memoryToken = token;
}

let memoryToken: string | null = savedToken();

/** The headers of every API call. */
export function apiHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { [DASHBOARD_HEADER]: '1', ...(memoryToken ? { Authorization: `Bearer ${memoryToken}` } : {}), ...extra };
}

/** Called when the API answers 401: the page asks for the token. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

async function errorOf(res: Response): Promise<ApiError> {
  if (res.status === 401) onUnauthorized();
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: unknown; code?: unknown; issues?: unknown };
    const issues = Array.isArray(body.issues) ? body.issues.map(String) : [];
    return new ApiError(
      typeof body.error === 'string' ? body.error : `HTTP ${res.status}`,
      res.status,
      typeof body.code === 'string' ? body.code : undefined,
      issues,
    );
  } catch {
    return new ApiError(text.trim() || `HTTP ${res.status}`, res.status, undefined);
  }
}

/** Sends one API call; resolves to the parsed JSON answer (undefined for an empty one). */
export async function call<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const init: RequestInit = { method, headers: apiHeaders(body === undefined ? {} : { 'Content-Type': contentType }), cache: 'no-store' };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(path, init);
  if (!res.ok) throw await errorOf(res);
  const text = await res.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** A path segment for a proxy or toxic name (names may hold any character). */
export function seg(name: string): string {
  return encodeURIComponent(name);
}
