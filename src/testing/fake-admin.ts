/**
 * An in-memory admin API for scenario runner tests: proxies and toxics in maps, every call logged
 * with the fake clock's time, failures injectable per method. Not part of the package.
 * @module
 */
import {
  AdminClientError,
  type ConnectionJson,
  type ServerInfoJson,
  type ProxyCreate,
  type ProxyJson,
  type ProxyUpdate,
  type ToxicCreate,
  type ToxicJson,
  type ToxicUpdate,
} from '../api/client.js';
import type { Clock } from '../core/clock.js';
import type { ScenarioClient } from '../scenario/runner.js';

interface FakeProxy {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: Map<string, ToxicJson>;
}

/** One call made to the fake. */
export interface FakeCall {
  at: number;
  call: string;
}

/** Options for {@link FakeAdmin}. */
export interface FakeAdminOptions {
  /** The server has the connections API (default true). */
  connections?: boolean;
  /** The server is Toxiproxy: no connections API, no `/faultline/info`. */
  toxiproxy?: boolean;
  /** No server answers: every call fails as unreachable. */
  unreachable?: boolean;
}

/** A fake admin API that behaves like Faultline's for the calls a scenario run makes. */
export class FakeAdmin implements ScenarioClient {
  readonly calls: FakeCall[] = [];
  readonly proxyMap = new Map<string, FakeProxy>();
  /** Live connection ids per proxy, for kill_connections. */
  readonly open = new Map<string, number[]>();
  /** Makes the next calls of a method fail with this error. */
  readonly failures = new Map<string, AdminClientError>();

  constructor(
    private readonly clock: Clock,
    private readonly options: FakeAdminOptions = {},
  ) {}

  /** Adds a proxy that exists before the run. */
  seedProxy(name: string, upstream = '127.0.0.1:1', listen = '127.0.0.1:10000'): void {
    this.proxyMap.set(name, { name, listen, upstream, enabled: true, toxics: new Map() });
  }

  /** Every toxic, as `proxy/name`. */
  toxicNames(): string[] {
    return [...this.proxyMap.values()].flatMap((p) => [...p.toxics.keys()].map((t) => `${p.name}/${t}`));
  }

  private log(call: string): void {
    if (this.options.unreachable) throw new AdminClientError('cannot reach http://fake: ECONNREFUSED', 0);
    const method = call.split(' ')[0] ?? '';
    const failure = this.failures.get(method);
    this.calls.push({ at: Math.round(this.clock.now()), call });
    if (failure) throw failure;
  }

  private require(name: string): FakeProxy {
    const proxy = this.proxyMap.get(name);
    if (!proxy) throw new AdminClientError('HTTP 404: proxy not found', 404, 'PROXY_NOT_FOUND');
    return proxy;
  }

  private json(proxy: FakeProxy): ProxyJson {
    return { name: proxy.name, listen: proxy.listen, upstream: proxy.upstream, enabled: proxy.enabled, toxics: [...proxy.toxics.values()] };
  }

  async version(): Promise<{ version: string }> {
    this.log('version');
    return { version: '2.12.0' };
  }

  async info(): Promise<ServerInfoJson> {
    this.log('info');
    if (this.options.toxiproxy) throw new AdminClientError('HTTP 404: 404 page not found', 404);
    return {
      version: 'test',
      toxiproxy_api: '2.12.0',
      node: process.version,
      seed: '1',
      uptime_ms: 0,
      protocols: ['tcp'],
      toxic_types: ['noop'],
      toxic_layers: { stream: ['noop'] },
    };
  }

  async proxies(): Promise<Record<string, ProxyJson>> {
    this.log('proxies');
    return Object.fromEntries([...this.proxyMap.values()].map((p) => [p.name, this.json(p)]));
  }

  async proxy(name: string): Promise<ProxyJson> {
    this.log(`proxy ${name}`);
    return this.json(this.require(name));
  }

  async createProxy(create: ProxyCreate): Promise<ProxyJson> {
    this.log(`createProxy ${create.name}`);
    if (this.proxyMap.has(create.name)) throw new AdminClientError('HTTP 409: proxy already exists', 409, 'PROXY_EXISTS');
    const proxy = {
      name: create.name,
      listen: create.listen ?? ':0',
      upstream: create.upstream,
      enabled: create.enabled ?? true,
      toxics: new Map(),
    };
    this.proxyMap.set(create.name, proxy);
    return { ...this.json(proxy), ...(create.expires_in === undefined ? {} : { expires_in: create.expires_in }) };
  }

  async updateProxy(name: string, update: ProxyUpdate): Promise<ProxyJson> {
    this.log(`updateProxy ${name} ${JSON.stringify(update)}`);
    const proxy = this.require(name);
    const { expires_in: lease, ...changes } = update;
    Object.assign(proxy, changes);
    if (update.enabled === false) this.open.set(name, []);
    // A Faultline server echoes a lease it keeps.
    return { ...this.json(proxy), ...(lease === undefined ? {} : { expires_in: lease }) };
  }

  async deleteProxy(name: string): Promise<void> {
    this.log(`deleteProxy ${name}`);
    this.require(name);
    this.proxyMap.delete(name);
  }

  async toxics(proxy: string): Promise<ToxicJson[]> {
    this.log(`toxics ${proxy}`);
    return [...this.require(proxy).toxics.values()];
  }

  async addToxic(proxy: string, toxic: ToxicCreate): Promise<ToxicJson> {
    const lease = toxic['expires_in'];
    this.log(
      `addToxic ${proxy}/${toxic.name ?? ''} ${JSON.stringify(toxic.attributes ?? {})}${lease === undefined ? '' : ` lease=${String(lease)}`}`,
    );
    const target = this.require(proxy);
    const name = toxic.name ?? `${toxic.type}_${toxic.stream ?? 'downstream'}`;
    if (target.toxics.has(name)) throw new AdminClientError('HTTP 409: toxic already exists', 409, 'TOXIC_EXISTS');
    const json: ToxicJson = {
      attributes: toxic.attributes ?? {},
      name,
      type: toxic.type,
      stream: toxic.stream ?? 'downstream',
      toxicity: toxic.toxicity ?? 1,
      ...(typeof lease === 'number' && !this.options.toxiproxy ? { expires_in: lease } : {}),
    };
    target.toxics.set(name, json);
    return json;
  }

  async updateToxic(proxy: string, name: string, update: ToxicUpdate): Promise<ToxicJson> {
    this.log(`updateToxic ${proxy}/${name} ${JSON.stringify(update.attributes ?? {})}`);
    const toxic = this.require(proxy).toxics.get(name);
    if (!toxic) throw new AdminClientError('HTTP 404: toxic not found', 404, 'TOXIC_NOT_FOUND');
    toxic.attributes = { ...toxic.attributes, ...update.attributes };
    return toxic;
  }

  async removeToxic(proxy: string, name: string): Promise<void> {
    this.log(`removeToxic ${proxy}/${name}`);
    if (!this.require(proxy).toxics.delete(name)) throw new AdminClientError('HTTP 404: toxic not found', 404, 'TOXIC_NOT_FOUND');
  }

  async connections(proxy: string): Promise<ConnectionJson[]> {
    this.log(`connections ${proxy}`);
    if (this.options.connections === false || this.options.toxiproxy) throw new AdminClientError('HTTP 404: 404 page not found', 404);
    this.require(proxy);
    return (this.open.get(proxy) ?? []).map((id) => ({ id }) as ConnectionJson);
  }

  async closeConnection(proxy: string, id: number, options: { reset?: boolean } = {}): Promise<void> {
    this.log(`closeConnection ${proxy}/${id}${options.reset === true ? ' rst' : ''}`);
    const ids = this.open.get(proxy) ?? [];
    this.open.set(
      proxy,
      ids.filter((x) => x !== id),
    );
  }
}
