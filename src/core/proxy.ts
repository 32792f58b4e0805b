/**
 * A named proxy: its settings and their lifecycle, tying together its protocol, gateway and listener
 * (proxy-binding.ts), its toxics (toxic-set.ts), its own leases (proxy-lease.ts), its address checks
 * (proxy-address.ts) and its connections' owner (connection-host.ts). Lifecycle changes (start, stop,
 * update) are serialized per proxy; toxic changes are synchronous and reach every live connection at
 * once, without waiting on any socket.
 *
 * Longer than 300 lines because it is the one public face of a proxy that the API, config, scenarios
 * and library users call: each member is a few documented lines that delegate to the files above.
 * @module
 */
import { FaultlineError } from '../errors.js';
import type { ToxicInput, ToxicPatch } from '../toxics/spec.js';
import type { CloseMode, ToxicDefinition, ToxicSpec } from './toxic-contract.js';
import { formatHostPort, parseHostPort, resolveListen, withDefaultHost } from './address.js';
import type { Connection, ConnectionOwner } from './connection.js';
import { ConnectionHost } from './connection-host.js';
import type { Direction } from '../direction.js';
import { checkLease } from './leases.js';
import type { ByteCounters, Link } from './link.js';
import type { Logger } from './logger.js';
import type { LiveConnection, Protocol, ProtocolGateway, ProtocolHost } from './protocol.js';
import { checkListenAllowed, checkUpstream, resolveListenStrict } from './proxy-address.js';
import { ProxyLeases, type ProxyState } from './proxy-lease.js';
import type { AddToxicOptions, ProxyConfig, ProxyPatch, UpdateProxyOptions, UpdateToxicOptions } from './proxy-options.js';
import type { Runtime } from './runtime.js';
import { ProxyBinding } from './proxy-binding.js';
import { sameTls, type ProxyTls } from './tls-contract.js';
import { ToxicSet } from './toxic-set.js';

export { checkUpstream } from './proxy-address.js';
export type { ProxyState } from './proxy-lease.js';
export type { AddToxicOptions, ProxyConfig, ProxyPatch, UpdateProxyOptions, UpdateToxicOptions } from './proxy-options.js';

/** One proxy. Create it through a {@link ProxyRegistry} or `startProxy()`. */
export class ToxicProxy implements ProtocolHost {
  readonly name: string;
  /** The listen address: as configured until the first start, then the address actually bound. */
  listen: string;
  upstream: string;
  /** The name of its protocol module (`tcp`, `http`, …). */
  protocol: Protocol;
  /** ms a udp flow may go without a datagram; undefined: the default (see {@link ProxyConfig.udpIdleTimeout}). */
  udpIdleTimeout: number | undefined;
  /** Its `tls` setting: terminating and/or originating TLS (undefined: none). */
  tls: ProxyTls | undefined;
  readonly log: Logger;
  private readonly host: ConnectionHost;
  private lifecycle: Promise<unknown> = Promise.resolve();
  private readonly toxicSet: ToxicSet;
  private readonly ownLeases: ProxyLeases;
  private readonly binding: ProxyBinding;

  constructor(
    readonly runtime: Runtime,
    config: ProxyConfig,
  ) {
    this.name = config.name;
    this.listen = withDefaultHost(config.listen, runtime.listenHost);
    this.upstream = config.upstream;
    this.udpIdleTimeout = config.udpIdleTimeout;
    this.tls = config.tls;
    this.log = runtime.logger.child({ proxy: config.name });
    const proxy = this;
    this.toxicSet = new ToxicSet({
      name: this.name,
      clock: runtime.clock,
      protocols: [...runtime.protocols.values()],
      tlsLayer: runtime.tls?.layer,
      get protocolModule() {
        return proxy.binding.module;
      },
      get gateway() {
        return proxy.binding.gateway;
      },
      links: (direction) => this.links(direction),
      leaseExpired: (name) => {
        this.log.info({ toxic: name }, 'toxic lease expired');
        if (this.toxicSet.get(name)) this.removeToxic(name);
      },
    });
    this.ownLeases = new ProxyLeases(runtime.clock, {
      removalDue: () => this.log.info({}, 'proxy lease expired: removing it'),
      revert: (target) => {
        this.log.info({ listen: target.listen, upstream: target.upstream, enabled: target.enabled }, 'proxy lease expired: reverting it');
        this.update(target).catch((err: unknown) => this.log.warn({ err }, 'proxy lease could not revert the proxy'));
      },
    });
    this.host = new ConnectionHost(runtime, this);
    // A protocol the engine lacks is UNSUPPORTED (the API has already refused names it does not know).
    this.protocol = config.protocol ?? 'tcp';
    // A tls setting the protocol does not take (udp), or an engine without TLS, is refused here.
    this.binding = new ProxyBinding(this, this.protocol);
  }

  /** Bytes per direction, counted live: received from the source, sent to the destination, dropped. */
  get bytes(): Record<Direction, ByteCounters> {
    return this.binding.listenerBytes ?? this.host.bytes;
  }

  /** The settings a change can touch, as they are now. */
  get state(): ProxyState {
    return { listen: this.listen, upstream: this.upstream, enabled: this.enabled };
  }

  /** The settings a leased change will put back, or undefined when none is leased. */
  get leasedRevert(): Readonly<ProxyState> | undefined {
    return this.ownLeases.revertState;
  }

  /** True when the proxy was created with a lease: it goes away when the lease runs out. */
  get removalLeased(): boolean {
    return this.ownLeases.removalLeased;
  }

  /** Milliseconds until the server acts on the proxy by a lease (reverts or removes it), or undefined. */
  get proxyLeaseRemaining(): number | undefined {
    return this.ownLeases.remaining;
  }

  /** Leases the proxy itself: `remove` is called when `ms` milliseconds have passed (see the registry). */
  leaseRemoval(ms: number, remove: () => void): void {
    this.ownLeases.leaseRemoval(ms, remove);
  }

  /** True while the proxy is listening. */
  get enabled(): boolean {
    return this.binding.enabled;
  }

  /** The port listened on (0 before the first start with port 0). */
  get port(): number {
    try {
      return parseHostPort(this.listen).port;
    } catch {
      return 0;
    }
  }

  /** The toxic layers its protocol takes (`stream`, `http`, `datagram`, …). */
  get layers(): readonly string[] {
    return this.binding.module.layers;
  }

  /** The gateway of the proxy's protocol (null for plain TCP). */
  get gateway(): ProtocolGateway | null {
    return this.binding.gateway;
  }

  /** Connections accepted since the proxy was created. */
  get connectionsTotal(): number {
    return this.binding.accepted;
  }

  /** Bytes held by the toxics and buffers of every live connection. */
  get heldBytes(): number {
    let total = 0;
    for (const conn of this.binding.liveConnections) total += conn.heldBytes;
    return total;
  }

  /** Live connections or flows, oldest first, as listings show them (the API, metrics, the dashboard). */
  get liveConnections(): LiveConnection[] {
    return [...this.binding.liveConnections];
  }

  /** Live TCP connections, oldest first (none when the protocol brings its own listener). */
  get connections(): Connection[] {
    return this.binding.connections;
  }

  /** Toxics, upstream ones first, each direction in the order they were added. */
  get toxics(): ToxicSpec[] {
    return this.toxicSet.specs;
  }

  /** The toxic called `name`, or undefined. */
  getToxic(name: string): ToxicSpec | undefined {
    return this.toxicSet.get(name);
  }

  /** Starts listening (no-op when already listening). Bind failures throw LISTEN_FAILED. */
  start(): Promise<void> {
    return this.serialize(() => this.bind());
  }

  /** Stops listening and closes every connection. Toxics are kept. */
  stop(): Promise<void> {
    return this.serialize(async () => this.halt());
  }

  /**
   * Changes listen, upstream or enabled, as Toxiproxy does: a new address stops the proxy (closing its
   * connections) and starts it again if it was or is to be enabled. If that start fails the new
   * addresses stay stored and the proxy stays disabled.
   */
  update(patch: ProxyPatch, options: UpdateProxyOptions = {}): Promise<void> {
    const { leaseMs } = options;
    if (leaseMs !== undefined) checkLease(leaseMs);
    return this.serialize(async () => {
      const before = this.state;
      try {
        await this.apply(patch);
      } finally {
        this.ownLeases.afterChange(before, this.state, leaseMs);
      }
    });
  }

  /** Applies a change as Toxiproxy does (see {@link ToxicProxy.update}). */
  private async apply(patch: ProxyPatch): Promise<void> {
    const wasEnabled = this.enabled;
    let listenChanged = false;
    const listen = patch.listen === undefined ? undefined : withDefaultHost(patch.listen, this.runtime.listenHost);
    if (listen !== undefined) {
      const parts = await resolveListenStrict(listen);
      // Refused before anything changes, so the proxy keeps listening where it was.
      checkListenAllowed(parts, this.runtime.allowRemoteListen);
      const next = formatHostPort(parts.host, parts.port);
      const current = wasEnabled ? this.listen : await resolveListen(this.listen);
      listenChanged = next !== current;
    }
    if (patch.upstream !== undefined) checkUpstream(patch.upstream);
    const upstreamChanged = patch.upstream !== undefined && patch.upstream !== this.upstream;
    const idleChanged = patch.udpIdleTimeout !== undefined && patch.udpIdleTimeout !== this.udpIdleTimeout;
    const protocol = patch.protocol ?? this.protocol;
    const protocolChanged = protocol !== this.protocol;
    const tls = patch.tls === undefined ? this.tls : (patch.tls ?? undefined);
    const tlsChanged = !sameTls(tls, this.tls);
    const module = protocolChanged || tlsChanged ? this.binding.moduleOf(protocol, tls) : this.binding.module;
    if (protocolChanged) this.toxicSet.checkProtocolChange(module);
    else if (tlsChanged) this.toxicSet.checkProtocolChange(module, 'changing its tls setting');
    if (listenChanged || upstreamChanged || protocolChanged || idleChanged || tlsChanged) {
      this.halt();
      if (listenChanged && listen !== undefined) this.listen = listen;
      if (patch.upstream !== undefined) this.upstream = patch.upstream;
      if (patch.udpIdleTimeout !== undefined) this.udpIdleTimeout = patch.udpIdleTimeout;
      if (protocolChanged || tlsChanged) {
        this.tls = tls;
        this.binding.switchTo(module, this.toxicSet.all);
        this.protocol = module.name;
      }
    }
    const wanted = patch.enabled ?? wasEnabled;
    if (wanted && !this.enabled) await this.bind();
    else if (!wanted && this.enabled) this.halt();
    this.log.info({ listen: this.listen, upstream: this.upstream, enabled: this.enabled }, 'proxy updated');
    this.runtime.events.emit({ type: 'proxy.updated', proxy: this.name });
  }

  /**
   * Adds a toxic at the end of its direction's chain, on every live connection too. With
   * `options.leaseMs` the proxy removes it by itself when the lease runs out.
   */
  addToxic(input: ToxicInput, options?: AddToxicOptions): ToxicSpec {
    if (options?.leaseMs !== undefined) checkLease(options.leaseMs);
    const registry = this.runtime.toxicRegistry;
    const layers = this.binding.module.layers;
    const lookup = registry ? { lookup: (type: string) => registry.get(type, layers) } : {};
    const spec = this.toxicSet.add(input, { ...options, layers, ...lookup }, options?.leaseMs);
    this.log.info({ toxic: spec.name, type: spec.type, stream: spec.stream }, 'toxic added');
    this.runtime.events.emit({ type: 'toxic.added', proxy: this.name, toxic: spec });
    return spec;
  }

  /**
   * Updates attributes and/or toxicity in place, and restarts the lease when `options.leaseMs` is
   * given; validation happens first, so a failure changes nothing.
   */
  updateToxic(name: string, patch: ToxicPatch, options?: UpdateToxicOptions): ToxicSpec {
    if (!this.toxicSet.get(name)) throw new FaultlineError('TOXIC_NOT_FOUND', 'toxic not found');
    if (options?.leaseMs !== undefined) checkLease(options.leaseMs);
    const spec = this.toxicSet.update(name, patch, options, options?.leaseMs);
    this.log.info({ toxic: name }, 'toxic updated');
    this.runtime.events.emit({ type: 'toxic.updated', proxy: this.name, toxic: spec });
    return spec;
  }

  /** Removes a toxic; what it holds flows on at once. Never waits on a socket. */
  removeToxic(name: string): void {
    const spec = this.toxicSet.remove(name);
    this.log.info({ toxic: name }, 'toxic removed');
    this.runtime.events.emit({ type: 'toxic.removed', proxy: this.name, toxic: spec });
  }

  /** Removes every toxic. */
  removeAllToxics(): void {
    for (const spec of this.toxics) this.removeToxic(spec.name);
  }

  /** Milliseconds left on the toxic's lease (rounded up, at least 1), or undefined when it has none. */
  leaseRemaining(name: string): number | undefined {
    return this.toxicSet.leaseRemaining(name);
  }

  /** Toxics with a lease right now (one timer each). */
  get leasedToxics(): number {
    return this.toxicSet.leased;
  }

  /** Stops every lease timer, the proxy's own included, keeping the toxics (the proxy is being discarded). */
  cancelLeases(): void {
    this.toxicSet.cancelLeases();
    this.ownLeases.clear();
  }

  /** Closes one live connection (`rst` resets it). False when there is no such connection. */
  closeConnection(id: number, mode: CloseMode = 'fin'): boolean {
    return this.binding.kill(id, mode);
  }

  // The connections' owner

  /** What the proxy's connections see of it (their owner). */
  get connectionOwner(): ConnectionOwner {
    return this.host;
  }

  /** The toxicity roll of `toxic` on connection `ordinal` in `direction` (see {@link ConnectionHost.toxicityRoll}). */
  toxicityRoll(ordinal: number, direction: Direction, toxic: Pick<ToxicSpec, 'name'>): number {
    return this.host.toxicityRoll(ordinal, direction, toxic);
  }

  /** The byte-stream toxics of a direction: what a new connection's chain starts with. */
  toxicsFor(direction: Direction): Array<{ spec: ToxicSpec; definition: ToxicDefinition }> {
    return this.toxicSet.streamToxics(direction);
  }

  /** Reports an injected fault (see {@link ConnectionHost.toxicFault}). */
  toxicFault(...args: Parameters<ProtocolHost['toxicFault']>): void {
    this.host.toxicFault(...args);
  }

  // internals

  /** The live links of `direction`. */
  private *links(direction: Direction): Generator<Link> {
    for (const conn of this.binding.connections) {
      const link = conn.link(direction);
      if (link) yield link;
    }
  }

  /** A connection ended (its owner reports it). */
  forget(conn: Connection): void {
    this.binding.connectionEnded(conn);
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lifecycle.then(task, task);
    this.lifecycle = run.catch(() => undefined);
    return run;
  }

  private async bind(): Promise<void> {
    if (this.enabled) return;
    this.listen = await this.binding.bind(this.listen);
    this.log.info({ listen: this.listen, upstream: this.upstream }, 'proxy started');
    this.runtime.events.emit({ type: 'proxy.started', proxy: this.name, listen: this.listen });
  }

  private halt(): void {
    if (!this.binding.halt()) return;
    this.log.info({ listen: this.listen }, 'proxy stopped');
    this.runtime.events.emit({ type: 'proxy.stopped', proxy: this.name });
  }
}
