/**
 * A typed client for the admin API (Toxiproxy's endpoints plus Faultline's). The CLI's client verbs,
 * the scenario runner and the tests all talk to servers through it, so a local, a remote and a fleet
 * of servers are one code path.
 * @module
 */
import type { ConnectionJson } from './connection-json.js';
import type { ProxyJson, ToxicJson } from './serialize.js';
import type { ServerInfoJson } from './server-info.js';

export type { ProxyJson, ToxicJson } from './serialize.js';
export type { ConnectionBytesJson, ConnectionJson } from './connection-json.js';
export type { ServerInfoJson } from './server-info.js';

/** Options for {@link AdminClient}. */
export interface AdminClientOptions {
  /** Sent as `Authorization: Bearer <token>` when the server requires one. */
  token?: string | undefined;
  /** Per-request timeout in ms (default 30 s, as Toxiproxy's Go client). */
  timeoutMs?: number | undefined;
  /** User-Agent header (default `faultline-client`). */
  userAgent?: string | undefined;
}

/** A proxy to create. */
export interface ProxyCreate {
  name: string;
  listen?: string;
  upstream: string;
  enabled?: boolean;
  /** Faultline's proxy protocol: `tcp` (the default), `http`, `http2` or `udp`. */
  protocol?: string;
  /** Faultline's `udp_idle_timeout` (ms), for udp proxies. */
  udp_idle_timeout?: number;
  /** Faultline's `tls`: terminate and/or originate TLS (docs/tls.md). */
  tls?: Record<string, unknown>;
  /** Faultline's lease, in ms: the server removes the proxy when it runs out. */
  expires_in?: number;
}

/** A change to a proxy; missing fields keep their values. */
export interface ProxyUpdate {
  listen?: string;
  upstream?: string;
  enabled?: boolean;
  /** Faultline's lease, in ms: the server puts the proxy back as it was when it runs out. */
  expires_in?: number;
}

/** A toxic to add (Toxiproxy's envelope); `type` is required, the rest defaults. */
export interface ToxicCreate {
  name?: string;
  type: string;
  stream?: string;
  toxicity?: number;
  attributes?: Record<string, unknown>;
  [extension: string]: unknown;
}

/** A change to a toxic. */
export interface ToxicUpdate {
  toxicity?: number;
  attributes?: Record<string, unknown>;
  [extension: string]: unknown;
}

/** A scenario run hosted by a server (`/scenarios`, a Faultline extension). */
export interface ScenarioRunJson {
  id: string;
  name: string;
  status: 'pending' | 'running' | 'rolling_back' | 'finished';
  verdict: 'passed' | 'failed' | 'aborted' | null;
  seed: string;
  started_at: string | null;
  finished_at: string | null;
  planned_duration_ms: number;
  elapsed_ms: number;
  /** The journal so far (see docs/scenarios.md); in single-run answers only. */
  journal?: Record<string, unknown>;
}

/** An error answered by the server (`status` ≥ 400) or a server that could not be reached (`status` 0). */
export class AdminClientError extends Error {
  override readonly name = 'AdminClientError';

  constructor(
    message: string,
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The server's stable error code, when it sent one. */
    readonly code?: string,
  ) {
    super(message);
  }

  /** True when no answer came back (connection refused, DNS failure, timeout). */
  get unreachable(): boolean {
    return this.status === 0;
  }
}

/** Adds `http://` when the URL has no scheme, as Toxiproxy's clients do, and drops a trailing slash. */
export function normalizeBaseUrl(url: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
  return withScheme.replace(/\/+$/, '');
}

/** Talks to one Faultline (or Toxiproxy) admin API. */
export class AdminClient {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(url: string, options: AdminClientOptions = {}) {
    this.baseUrl = normalizeBaseUrl(url);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.headers = { 'user-agent': options.userAgent ?? 'faultline-client' };
    if (options.token) this.headers.authorization = `Bearer ${options.token}`;
  }

  /** `GET /version`: the Toxiproxy API version, as Toxiproxy reports it. */
  version(): Promise<{ version: string }> {
    return this.json('GET', '/version');
  }

  /**
   * `GET /faultline/info`: Faultline's own version, seed, protocols and toxic types. Toxiproxy has no
   * such route: it answers 404.
   */
  info(): Promise<ServerInfoJson> {
    return this.json('GET', '/faultline/info');
  }

  /** `GET /proxies`: every proxy, keyed by name. */
  proxies(): Promise<Record<string, ProxyJson>> {
    return this.json('GET', '/proxies');
  }

  proxy(name: string): Promise<ProxyJson> {
    return this.json('GET', `/proxies/${encodeURIComponent(name)}`);
  }

  createProxy(proxy: ProxyCreate): Promise<ProxyJson> {
    return this.json('POST', '/proxies', proxy);
  }

  updateProxy(name: string, update: ProxyUpdate): Promise<ProxyJson> {
    return this.json('PATCH', `/proxies/${encodeURIComponent(name)}`, update);
  }

  async deleteProxy(name: string): Promise<void> {
    await this.request('DELETE', `/proxies/${encodeURIComponent(name)}`);
  }

  /** `POST /populate`: create or replace proxies in one call. */
  async populate(proxies: ProxyCreate[]): Promise<ProxyJson[]> {
    const body = await this.json<{ proxies: ProxyJson[] | null }>('POST', '/populate', proxies);
    return body.proxies ?? [];
  }

  /** `POST /reset`: every proxy enabled, every toxic removed. */
  async reset(): Promise<void> {
    await this.request('POST', '/reset');
  }

  toxics(proxy: string): Promise<ToxicJson[]> {
    return this.json('GET', `/proxies/${encodeURIComponent(proxy)}/toxics`);
  }

  toxic(proxy: string, name: string): Promise<ToxicJson> {
    return this.json('GET', `${toxicPath(proxy)}/${encodeURIComponent(name)}`);
  }

  addToxic(proxy: string, toxic: ToxicCreate): Promise<ToxicJson> {
    return this.json('POST', toxicPath(proxy), toxic);
  }

  updateToxic(proxy: string, name: string, update: ToxicUpdate): Promise<ToxicJson> {
    return this.json('PATCH', `${toxicPath(proxy)}/${encodeURIComponent(name)}`, update);
  }

  async removeToxic(proxy: string, name: string): Promise<void> {
    await this.request('DELETE', `${toxicPath(proxy)}/${encodeURIComponent(name)}`);
  }

  /** `GET /proxies/{proxy}/connections`: the proxy's live connections, oldest first (Faultline only). */
  connections(proxy: string): Promise<ConnectionJson[]> {
    return this.json('GET', `/proxies/${encodeURIComponent(proxy)}/connections`);
  }

  /**
   * `DELETE /proxies/{proxy}/connections/{id}`: closes one connection, politely (FIN) or, with
   * `reset`, with a TCP reset (Faultline only).
   */
  async closeConnection(proxy: string, id: number, options: { reset?: boolean } = {}): Promise<void> {
    const query = options.reset === true ? '?reset=true' : '';
    await this.request('DELETE', `/proxies/${encodeURIComponent(proxy)}/connections/${id}${query}`);
  }

  /** `POST /scenarios`: starts running a scenario (YAML or JSON text) on the server. */
  startScenario(text: string): Promise<ScenarioRunJson> {
    return this.json('POST', '/scenarios', text, 'application/yaml');
  }

  /** `GET /scenarios`: the server's scenario runs, oldest first. */
  scenarios(): Promise<ScenarioRunJson[]> {
    return this.json('GET', '/scenarios');
  }

  /** `GET /scenarios/{id}`: one run with its journal so far. */
  scenario(id: string): Promise<ScenarioRunJson> {
    return this.json('GET', `/scenarios/${encodeURIComponent(id)}`);
  }

  /** `DELETE /scenarios/{id}`: aborts a run; answers once its rollback is done. */
  abortScenario(id: string): Promise<ScenarioRunJson> {
    return this.json('DELETE', `/scenarios/${encodeURIComponent(id)}`);
  }

  /** Sends a request and parses a JSON answer; errors become {@link AdminClientError}. */
  async json<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const text = await this.request(method, path, body, contentType);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new AdminClientError(`${method} ${path}: the server sent a body that is not JSON`, 502);
    }
  }

  /** Sends a request and returns the body text of a 2xx answer; errors become {@link AdminClientError}. */
  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<string> {
    const headers: Record<string, string> = { ...this.headers };
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = contentType;
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new AdminClientError(`cannot reach ${this.baseUrl}: ${why}`, 0);
    }
    const text = await response.text();
    if (response.ok) return text;
    let message = text.trim() || response.statusText;
    let code: string | undefined;
    try {
      const parsed = JSON.parse(text) as { error?: unknown; code?: unknown };
      if (typeof parsed.error === 'string') message = parsed.error;
      if (typeof parsed.code === 'string') code = parsed.code;
    } catch {
      // A non-JSON error body (a plain proxy in between, say) is shown as it is.
    }
    throw new AdminClientError(`HTTP ${response.status}: ${message}`, response.status, code);
  }
}

function toxicPath(proxy: string): string {
  return `/proxies/${encodeURIComponent(proxy)}/toxics`;
}
