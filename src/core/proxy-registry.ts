/**
 * Proxies by name (Toxiproxy's proxy collection): create, remove, populate, reset.
 * @module
 */
import { errors, FaultlineError } from '../errors.js';
import { MAX_NAME_LENGTH, MAX_PROXIES } from '../limits.js';
import { resolveListen, withDefaultHost } from './address.js';
import { checkLease } from './leases.js';
import type { EventListener } from './events.js';
import { checkUpstream, ToxicProxy, type ProxyConfig } from './proxy.js';
import { createRuntime, type EngineOptions, type Runtime } from './runtime.js';
import { sameTls } from './tls-contract.js';

/** A proxy name must fit in the request path that addresses it (and in a request head, escaped). */
function checkName(name: string, suffix = ''): void {
  if (name.length > MAX_NAME_LENGTH) {
    throw new FaultlineError(
      'LIMIT_EXCEEDED',
      `name: ${name.length} characters, more than the ${MAX_NAME_LENGTH} a name may have${suffix}`,
    );
  }
}

/** The outcome of {@link ProxyRegistry.populate}: the proxies made so far, and the error that stopped it. */
export interface PopulateResult {
  proxies: ToxicProxy[];
  error?: FaultlineError;
}

/** Every proxy of one Faultline instance. */
export class ProxyRegistry {
  readonly runtime: Runtime;
  private readonly proxies = new Map<string, ToxicProxy>();
  /** Names being created right now (a bind is in flight), so a second create gets 409 at once. */
  private readonly pending = new Set<string>();

  constructor(options: EngineOptions = {}) {
    this.runtime = createRuntime(options);
  }

  /** The names of the protocols its proxies may speak (`tcp`, `http`, …). */
  get protocolNames(): string[] {
    return [...this.runtime.protocols.keys()];
  }

  /** The seed every random decision derives from. */
  get seed(): string {
    return this.runtime.seed;
  }

  /** Subscribes to engine events; returns the unsubscribe function. */
  on(listener: EventListener): () => void {
    return this.runtime.events.on(listener);
  }

  /** Every proxy, sorted by name. */
  list(): ToxicProxy[] {
    return [...this.proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): ToxicProxy | undefined {
    return this.proxies.get(name);
  }

  /** The proxy called `name`; throws PROXY_NOT_FOUND (404) when there is none. */
  require(name: string): ToxicProxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw errors.proxyNotFound();
    return proxy;
  }

  /**
   * Creates a proxy and, unless `enabled: false`, starts it. Checks run in Toxiproxy's order:
   * name → upstream → name exists (409) → bind (500); on failure nothing is added. With
   * `options.leaseMs` the proxy is removed when the lease runs out.
   */
  async create(config: ProxyConfig, options: { leaseMs?: number | undefined } = {}): Promise<ToxicProxy> {
    if (options.leaseMs !== undefined) checkLease(options.leaseMs);
    if (!config.name) throw errors.missingField('name');
    checkName(config.name);
    if (!config.upstream) throw errors.missingField('upstream');
    checkUpstream(config.upstream);
    if (this.proxies.has(config.name) || this.pending.has(config.name)) throw errors.proxyExists();
    if (this.proxies.size + this.pending.size >= MAX_PROXIES) {
      throw new FaultlineError('LIMIT_EXCEEDED', `this server already has ${MAX_PROXIES} proxies, the most it may have: delete one first`);
    }
    const proxy = new ToxicProxy(this.runtime, config);
    this.pending.add(config.name);
    try {
      if (config.enabled ?? true) await proxy.start();
    } finally {
      this.pending.delete(config.name);
    }
    this.proxies.set(config.name, proxy);
    if (options.leaseMs !== undefined) {
      // Removed when the lease runs out, unless it was removed (and maybe recreated) meanwhile.
      proxy.leaseRemoval(options.leaseMs, () => {
        if (this.proxies.get(config.name) !== proxy) return;
        this.remove(config.name).catch((err: unknown) =>
          this.runtime.logger.warn({ err, proxy: config.name }, 'proxy lease could not remove the proxy'),
        );
      });
    }
    this.runtime.logger.info(
      { proxy: config.name, listen: proxy.listen, upstream: proxy.upstream, enabled: proxy.enabled },
      'proxy created',
    );
    this.runtime.events.emit({ type: 'proxy.created', proxy: config.name });
    return proxy;
  }

  /** Stops a proxy, closes its connections and forgets it with its toxics. */
  async remove(name: string): Promise<void> {
    const proxy = this.require(name);
    this.proxies.delete(name);
    proxy.cancelLeases();
    await proxy.stop();
    this.runtime.logger.info({ proxy: name }, 'proxy removed');
    this.runtime.events.emit({ type: 'proxy.removed', proxy: name });
  }

  /**
   * Toxiproxy's populate: validates every item first (all or nothing), then adds or replaces in
   * order. An item whose resolved listen, upstream and protocol match an existing proxy leaves it untouched
   * (toxics, connections and enabled state kept). The first failure stops the loop; proxies made
   * before it stay.
   */
  async populate(configs: ProxyConfig[]): Promise<PopulateResult> {
    configs.forEach((config, i) => {
      if (!config.name) throw errors.missingField('name', ` at proxy ${i + 1}`);
      checkName(config.name, ` at proxy ${i + 1}`);
      if (!config.upstream) throw errors.missingField('upstream', ` at proxy ${i + 1}`);
      try {
        checkUpstream(config.upstream);
      } catch (err) {
        throw new FaultlineError('INVALID_ADDRESS', `${(err as Error).message} at proxy ${i + 1}`);
      }
    });
    const done: ToxicProxy[] = [];
    for (const config of configs) {
      try {
        const existing = this.proxies.get(config.name);
        if (existing) {
          const listen = withDefaultHost(config.listen, this.runtime.listenHost);
          const [wanted, current] = await Promise.all([resolveListen(listen), resolveListen(existing.listen)]);
          const sameProtocol =
            (config.protocol ?? 'tcp') === existing.protocol &&
            config.udpIdleTimeout === existing.udpIdleTimeout &&
            sameTls(config.tls, existing.tls);
          if (wanted !== undefined && wanted === current && config.upstream === existing.upstream && sameProtocol) {
            done.push(existing);
            continue;
          }
          await this.remove(config.name);
        }
        done.push(await this.create(config));
      } catch (err) {
        const error = err instanceof FaultlineError ? err : new FaultlineError('INTERNAL', (err as Error).message, { cause: err });
        return { proxies: done, error };
      }
    }
    return { proxies: done };
  }

  /** Toxiproxy's reset: every proxy enabled again and stripped of its toxics. Proxies are kept. */
  async reset(): Promise<void> {
    for (const proxy of this.list()) {
      if (!proxy.enabled) await proxy.start();
      proxy.removeAllToxics();
    }
    this.runtime.logger.info({ proxies: this.proxies.size }, 'proxies reset');
  }

  /** Stops every proxy and forgets them all. */
  async close(): Promise<void> {
    const all = [...this.proxies.keys()];
    await Promise.all(all.map((name) => this.remove(name)));
  }
}
