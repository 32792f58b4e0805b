/**
 * A named proxy: a listener, its upstream, its toxics and its live connections.
 * Lifecycle changes (start, stop, update) are serialized per proxy; toxic changes are synchronous
 * and reach every live connection at once, without waiting on any socket.
 * @module
 */
import { createServer, type Server, type Socket } from 'node:net';
import { FaultlineError } from '../errors.js';
import { MAX_TOXICS_PER_DIRECTION } from '../limits.js';
import { checkLease, Leases } from './leases.js';
import { applyToxicPatch, resolveToxic, type ParseOptions, type ToxicInput, type ToxicPatch } from '../toxics/spec.js';
import type { HttpToxic, HttpToxicContext, HttpToxicDefinition } from '../http/toxics/http-types.js';
import type { AnyToxicDefinition, ToxicDefinition, ToxicSpec } from '../toxics/types.js';
import {
  AddressError,
  formatAddressInfo,
  formatHostPort,
  isLoopback,
  parseHostPort,
  resolveListen,
  resolveListenHost,
  withDefaultHost,
  type HostPort,
} from './address.js';
import { StageTimer } from './clock.js';
import { Connection, type ConnectionOwner, type TeardownReason } from './connection.js';
import { parseProtocol, type Protocol, type ProtocolGateway } from './gateway.js';
import { DIRECTIONS, type Direction } from './direction.js';
import type { ByteCounters } from './link.js';
import type { Logger } from './logger.js';
import { createRng, type Rng } from './rng.js';
import type { Runtime } from './runtime.js';
import { listenerOptions } from './socket-options.js';
import type { CloseMode } from '../toxics/types.js';

/** A proxy's address settings. */
export interface ProxyConfig {
  name: string;
  /** `host:port` to listen on; port 0 picks a free port, reported back in {@link Proxy.listen}. */
  listen: string;
  /** `host:port` of the service behind the proxy. */
  upstream: string;
  /** Listen at once (default true). */
  enabled?: boolean;
  /** `tcp` (default) or `http` (needs an HTTP gateway in the engine). */
  protocol?: Protocol | undefined;
}

/** A change to a proxy; missing fields keep their values. */
export interface ProxyPatch {
  listen?: string | undefined;
  upstream?: string | undefined;
  enabled?: boolean | undefined;
  protocol?: Protocol | undefined;
}

interface AttachedToxic {
  spec: ToxicSpec;
  definition: AnyToxicDefinition;
  /** An HTTP toxic's one object on this proxy (HTTP toxics only). */
  http?: HttpToxic | undefined;
}

/** The settings of a proxy a change can touch, and a lease can put back. */
export interface ProxyState {
  listen: string;
  upstream: string;
  enabled: boolean;
}

/** Options for {@link Proxy.update}. */
export interface UpdateProxyOptions {
  /**
   * Leases the change: this many milliseconds from now the proxy returns to the settings it had
   * before the first leased change (a whole number from 1 to {@link MAX_LEASE_MS}). A later leased
   * change restarts the lease and keeps that first state; an unleased change that brings the proxy
   * back to it ends the lease.
   */
  leaseMs?: number | undefined;
}

/** Options for {@link Proxy.addToxic}. */
export interface AddToxicOptions extends ParseOptions {
  /**
   * Milliseconds until the proxy removes the toxic by itself (a whole number from 1 to
   * {@link MAX_LEASE_MS}). Without it the toxic stays until it is removed.
   */
  leaseMs?: number | undefined;
}

/** Options for {@link Proxy.updateToxic}. */
export interface UpdateToxicOptions extends Pick<ParseOptions, 'strict'> {
  /** Restarts the lease: the toxic expires this many milliseconds from now. Without it the lease (or its absence) is kept. */
  leaseMs?: number | undefined;
}

/**
 * Bind failures: Go's wording, and the error they become. A busy port stays Toxiproxy's 500 (its
 * client tests compare it); an address that is not this machine's, or a port the server may not
 * use, is the client's mistake.
 */
const BIND_ERRORS: Record<string, { why: string; code: 'LISTEN_FAILED' | 'INVALID_ADDRESS' | 'LISTEN_NOT_ALLOWED' }> = {
  EADDRINUSE: { why: 'address already in use', code: 'LISTEN_FAILED' },
  EACCES: { why: 'permission denied', code: 'LISTEN_NOT_ALLOWED' },
  EADDRNOTAVAIL: { why: 'cannot assign requested address (not an address of this machine)', code: 'INVALID_ADDRESS' },
};

/** At most one `connection limit reached` warning per proxy in this many ms (with the count refused). */
const LIMIT_WARNING_INTERVAL_MS = 10_000;

/** One proxy. Create it through a {@link ProxyRegistry} or `startProxy()`. */
export class Proxy implements ConnectionOwner {
  readonly name: string;
  /** The listen address: as configured until the first start, then the address actually bound. */
  listen: string;
  upstream: string;
  /** `tcp`, or `http`: connections then hand their bytes to the proxy's HTTP gateway, which forwards to the upstream. */
  protocol: Protocol;
  /** Bytes per direction, counted live: received from the source, sent to the destination, dropped. */
  readonly bytes: Record<Direction, ByteCounters> = {
    upstream: { received: 0, sent: 0, dropped: 0 },
    downstream: { received: 0, sent: 0, dropped: 0 },
  };
  /** Connections accepted since the proxy was created. */
  connectionsTotal = 0;
  private server: Server | null = null;
  private ordinal = 0;
  /** Clients refused by the connection limit since the last warning, and when that was. */
  private refusedSinceWarning = 0;
  private lastLimitWarning = Number.NEGATIVE_INFINITY;
  private readonly live = new Map<number, Connection>();
  private readonly attached: AttachedToxic[] = [];
  private lifecycle: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;
  private readonly leases: Leases;
  /** The proxy's own leases: `revert` (a leased change) and `remove` (a proxy created with a lease). */
  private readonly ownLeases: Leases;
  /** The settings a `revert` lease puts back. */
  private revertTo: ProxyState | undefined;
  private onRemoveLease: (() => void) | undefined;
  private gateway: ProtocolGateway | null;

  constructor(
    private readonly runtime: Runtime,
    config: ProxyConfig,
  ) {
    this.name = config.name;
    this.listen = withDefaultHost(config.listen, runtime.listenHost);
    this.upstream = config.upstream;
    this.log = runtime.logger.child({ proxy: config.name });
    this.leases = new Leases(runtime.clock, (name) => {
      this.log.info({ toxic: name }, 'toxic lease expired');
      if (this.find(name)) this.removeToxic(name);
    });
    this.ownLeases = new Leases(runtime.clock, (key) => {
      if (key === 'remove') {
        this.log.info({}, 'proxy lease expired: removing it');
        this.onRemoveLease?.();
      } else this.revertLeased();
    });
    this.protocol = parseProtocol(config.protocol ?? 'tcp');
    this.gateway = this.makeGateway(this.protocol);
  }

  /** The settings a change can touch, as they are now. */
  get state(): ProxyState {
    return { listen: this.listen, upstream: this.upstream, enabled: this.enabled };
  }

  /** The settings a leased change will put back, or undefined when none is leased. */
  get leasedRevert(): Readonly<ProxyState> | undefined {
    return this.revertTo;
  }

  /** True when the proxy was created with a lease: it goes away when the lease runs out. */
  get removalLeased(): boolean {
    return this.ownLeases.remaining('remove') !== undefined;
  }

  /** Milliseconds until the server acts on the proxy by a lease (reverts or removes it), or undefined. */
  get proxyLeaseRemaining(): number | undefined {
    const times = [this.ownLeases.remaining('remove'), this.ownLeases.remaining('revert')].filter((t): t is number => t !== undefined);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** Leases the proxy itself: `remove` is called when `ms` milliseconds have passed (see the registry). */
  leaseRemoval(ms: number, remove: () => void): void {
    checkLease(ms);
    this.onRemoveLease = remove;
    this.ownLeases.arm('remove', ms);
  }

  /** True while the proxy is listening. */
  get enabled(): boolean {
    return this.server !== null;
  }

  /** The port listened on (0 before the first start with port 0). */
  get port(): number {
    try {
      return parseHostPort(this.listen).port;
    } catch {
      return 0;
    }
  }

  /** Engine-wide counters for live diagnostics: connections and bytes held by their links. */
  get heldBytes(): number {
    let total = 0;
    for (const conn of this.live.values()) {
      total += (conn.upstreamLink?.heldBytes ?? 0) + (conn.downstreamLink?.heldBytes ?? 0);
    }
    return total;
  }

  /** Live connections, oldest first. */
  get connections(): Connection[] {
    return [...this.live.values()];
  }

  /** Toxics, upstream ones first, each direction in the order they were added. */
  get toxics(): ToxicSpec[] {
    return DIRECTIONS.flatMap((d) => this.attached.filter((t) => t.spec.direction === d).map((t) => t.spec));
  }

  /** The toxic called `name`, or undefined. */
  getToxic(name: string): ToxicSpec | undefined {
    return this.find(name)?.spec;
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
        this.afterChange(before, leaseMs);
      }
    });
  }

  /** Arms or ends the `revert` lease after a change (even one that failed half-way). */
  private afterChange(before: ProxyState, leaseMs: number | undefined): void {
    if (leaseMs !== undefined) {
      if (this.revertTo === undefined && sameState(before, this.state)) return;
      this.revertTo ??= before;
      this.ownLeases.arm('revert', leaseMs);
    } else if (this.revertTo !== undefined && sameState(this.revertTo, this.state)) {
      // Put back by hand (a scenario's rollback): nothing is left for the lease to do.
      this.revertTo = undefined;
      this.ownLeases.disarm('revert');
    }
  }

  /** A `revert` lease ran out: the proxy gets back the settings it had before the leased change. */
  private revertLeased(): void {
    const target = this.revertTo;
    this.revertTo = undefined;
    if (!target) return;
    this.log.info({ listen: target.listen, upstream: target.upstream, enabled: target.enabled }, 'proxy lease expired: reverting it');
    this.update(target).catch((err: unknown) => this.log.warn({ err }, 'proxy lease could not revert the proxy'));
  }

  /** Applies a change as Toxiproxy does (see {@link Proxy.update}). */
  private async apply(patch: ProxyPatch): Promise<void> {
    const wasEnabled = this.enabled;
    let listenChanged = false;
    const listen = patch.listen === undefined ? undefined : withDefaultHost(patch.listen, this.runtime.listenHost);
    if (listen !== undefined) {
      const parts = await resolveStrict(listen, true);
      // Refused before anything changes, so the proxy keeps listening where it was.
      this.checkListenAllowed(parts);
      const next = formatHostPort(parts.host, parts.port);
      const current = wasEnabled ? this.listen : await resolveListen(this.listen);
      listenChanged = next !== current;
    }
    if (patch.upstream !== undefined) checkUpstream(patch.upstream);
    const upstreamChanged = patch.upstream !== undefined && patch.upstream !== this.upstream;
    const protocol = patch.protocol === undefined ? this.protocol : parseProtocol(patch.protocol);
    const gateway = protocol === this.protocol ? this.gateway : this.switchGateway(protocol);
    if (listenChanged || upstreamChanged || gateway !== this.gateway) {
      this.halt();
      if (listenChanged && listen !== undefined) this.listen = listen;
      if (patch.upstream !== undefined) this.upstream = patch.upstream;
      this.protocol = protocol;
      this.gateway = gateway;
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
    const toxic: AttachedToxic = resolveToxic(input, (name) => this.find(name) !== undefined, options);
    this.checkRoom(toxic.spec.direction);
    if (toxic.definition.layer === 'http') toxic.http = this.createHttpToxic(toxic.spec, toxic.definition);
    this.attached.push(toxic);
    if (options?.leaseMs !== undefined) this.leases.arm(toxic.spec.name, options.leaseMs);
    if (toxic.definition.layer !== 'http') {
      for (const conn of this.live.values()) {
        const link = conn.link(toxic.spec.direction);
        if (!link) continue;
        link.chain.add(toxic.spec, toxic.definition);
        link.refresh();
      }
    }
    this.log.info({ toxic: toxic.spec.name, type: toxic.spec.type, stream: toxic.spec.stream }, 'toxic added');
    this.runtime.events.emit({ type: 'toxic.added', proxy: this.name, toxic: toxic.spec });
    return toxic.spec;
  }

  /**
   * Updates attributes and/or toxicity in place, and restarts the lease when `options.leaseMs` is
   * given; validation happens first, so a failure changes nothing.
   */
  updateToxic(name: string, patch: ToxicPatch, options?: UpdateToxicOptions): ToxicSpec {
    const toxic = this.find(name);
    if (!toxic) throw new FaultlineError('TOXIC_NOT_FOUND', 'toxic not found');
    if (options?.leaseMs !== undefined) checkLease(options.leaseMs);
    toxic.spec = applyToxicPatch(toxic.spec, toxic.definition, patch, options);
    if (options?.leaseMs !== undefined) this.leases.arm(toxic.spec.name, options.leaseMs);
    if (toxic.definition.layer === 'http') {
      // In place when the toxic can (clock_skew keeps its clock); otherwise recreated.
      if (toxic.http?.update) toxic.http.update(toxic.spec.attributes);
      else {
        toxic.http?.dispose();
        toxic.http = this.createHttpToxic(toxic.spec, toxic.definition);
      }
    } else {
      for (const conn of this.live.values()) {
        const link = conn.link(toxic.spec.direction);
        if (!link) continue;
        link.chain.update(toxic.spec, toxic.definition);
        link.refresh();
      }
    }
    this.log.info({ toxic: name }, 'toxic updated');
    this.runtime.events.emit({ type: 'toxic.updated', proxy: this.name, toxic: toxic.spec });
    return toxic.spec;
  }

  /** Removes a toxic; what it holds flows on at once. Never waits on a socket. */
  removeToxic(name: string): void {
    const index = this.attached.findIndex((t) => t.spec.name === name);
    const toxic = this.attached[index];
    if (!toxic) throw new FaultlineError('TOXIC_NOT_FOUND', 'toxic not found');
    this.attached.splice(index, 1);
    this.leases.disarm(toxic.spec.name);
    toxic.http?.dispose();
    for (const conn of [...this.live.values()]) {
      const link = conn.link(toxic.spec.direction);
      if (!link) continue;
      link.chain.remove(name);
      link.refresh();
    }
    this.log.info({ toxic: name }, 'toxic removed');
    this.runtime.events.emit({ type: 'toxic.removed', proxy: this.name, toxic: toxic.spec });
  }

  /** Removes every toxic. */
  removeAllToxics(): void {
    for (const spec of this.toxics) this.removeToxic(spec.name);
  }

  /** Milliseconds left on the toxic's lease (rounded up, at least 1), or undefined when it has none. */
  leaseRemaining(name: string): number | undefined {
    return this.leases.remaining(name);
  }

  /** Toxics with a lease right now (one timer each). */
  get leasedToxics(): number {
    return this.leases.size;
  }

  /** Stops every lease timer, the proxy's own included, keeping the toxics (the proxy is being discarded). */
  cancelLeases(): void {
    this.leases.clear();
    this.ownLeases.clear();
    this.revertTo = undefined;
  }

  /** Closes one live connection (`rst` resets it). False when there is no such connection. */
  closeConnection(id: number, mode: CloseMode = 'fin'): boolean {
    const conn = this.live.get(id);
    if (!conn) return false;
    conn.teardown('closed-by-api', mode);
    return true;
  }

  // ConnectionOwner

  get clock() {
    return this.runtime.clock;
  }

  get maxHeldBytes(): number {
    return this.runtime.maxHeldBytes;
  }

  get dialTimeoutMs(): number {
    return this.runtime.dialTimeoutMs;
  }

  get closeGraceMs(): number {
    return this.runtime.closeGraceMs;
  }

  get tuning() {
    return this.runtime.tuning;
  }

  rngFor(ordinal: number, direction: Direction, toxic: ToxicSpec): Rng {
    return createRng(this.runtime.seed, this.name, toxic.name, ordinal, direction);
  }

  /**
   * The toxicity roll of `toxic` on connection `ordinal` in `direction`: the first draw of its seeded
   * stream, so the same seed gives the same roll. The toxic is active there while the roll is below
   * its toxicity.
   */
  toxicityRoll(ordinal: number, direction: Direction, toxic: Pick<ToxicSpec, 'name'>): number {
    return createRng(this.runtime.seed, this.name, toxic.name, ordinal, direction).next();
  }

  /** The byte-stream toxics of a direction: what a connection's chain runs. */
  toxicsFor(direction: Direction): Array<{ spec: ToxicSpec; definition: ToxicDefinition }> {
    const out: Array<{ spec: ToxicSpec; definition: ToxicDefinition }> = [];
    for (const t of this.attached) {
      if (t.spec.direction === direction && t.definition.layer !== 'http') out.push({ spec: t.spec, definition: t.definition });
    }
    return out;
  }

  /** The HTTP toxics of a stream, in the order they were added (read by the HTTP layer per message). */
  httpToxics(direction: Direction): Array<{ readonly spec: ToxicSpec; readonly http: HttpToxic }> {
    return this.attached.filter((t): t is AttachedToxic & { http: HttpToxic } => t.http !== undefined && t.spec.direction === direction);
  }

  connectionOpened(conn: Connection): void {
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug({ conn: conn.id, client: conn.clientAddress }, 'connection opened');
    }
    this.runtime.events.emit({ type: 'connection.opened', proxy: this.name, connection: conn });
  }

  connectionClosed(conn: Connection, reason: TeardownReason, error?: Error): void {
    this.live.delete(conn.id);
    this.gateway?.connectionClosed(conn);
    if (reason === 'upstream-unreachable') {
      this.log.warn({ conn: conn.id, upstream: this.upstream, err: error }, 'unable to open connection to upstream');
    } else if (this.log.isLevelEnabled('debug')) {
      this.log.debug({ conn: conn.id, reason, err: error }, 'connection closed');
    }
    this.runtime.events.emit({
      type: 'connection.closed',
      proxy: this.name,
      connection: conn,
      reason,
      ...(error ? { error } : {}),
    });
  }

  /**
   * Reports an injected fault. `decision` defaults to the toxic's per-connection toxicity roll; HTTP
   * toxics, which decide per request, pass their own.
   */
  toxicFault(
    conn: Connection,
    direction: Direction,
    toxic: ToxicSpec,
    kind: string,
    detail?: Record<string, unknown>,
    decision?: { roll: number; toxicity: number },
  ): void {
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug({ conn: conn.id, direction, toxic: toxic.name, kind, ...detail }, 'fault injected');
    }
    this.runtime.events.emit({
      type: 'fault',
      proxy: this.name,
      connection: conn.id,
      direction,
      toxic: toxic.name,
      toxicType: toxic.type,
      kind,
      decision: decision ?? { roll: this.toxicityRoll(conn.id, direction, toxic), toxicity: toxic.toxicity },
      ...(detail ? { detail } : {}),
    });
  }

  // internals

  /** Throws LISTEN_NOT_ALLOWED for a non-loopback address unless the engine allows those. */
  private checkListenAllowed({ host, port }: HostPort): void {
    if (this.runtime.allowRemoteListen || isLoopback(host)) return;
    throw new FaultlineError(
      'LISTEN_NOT_ALLOWED',
      `listen ${formatHostPort(host, port)}: not a loopback address, and this server keeps proxies on this machine ` +
        '(start it with --allow-remote-listen, or server.allow_remote_listen, to open proxies to the network)',
    );
  }

  /** Throws LIMIT_EXCEEDED when `direction` already has {@link MAX_TOXICS_PER_DIRECTION} toxics. */
  private checkRoom(direction: Direction): void {
    let count = 0;
    for (const t of this.attached) if (t.spec.direction === direction) count++;
    if (count >= MAX_TOXICS_PER_DIRECTION) {
      throw new FaultlineError(
        'LIMIT_EXCEEDED',
        `proxy ${this.name} already has ${MAX_TOXICS_PER_DIRECTION} ${direction} toxics, the most one direction may have: remove one first`,
      );
    }
  }

  private find(name: string): AttachedToxic | undefined {
    return this.attached.find((t) => t.spec.name === name);
  }

  private makeGateway(protocol: Protocol): ProtocolGateway | null {
    if (protocol === 'tcp') return null;
    const factory = this.runtime.gateways[protocol];
    if (!factory) {
      throw new FaultlineError('UNSUPPORTED', `protocol ${protocol} is not available: this engine was created without an ${protocol} gateway`);
    }
    return factory(this, this.runtime);
  }

  /** The gateway for a protocol change, after checking that the toxics still fit. */
  private switchGateway(protocol: Protocol): ProtocolGateway | null {
    const http = this.attached.find((t) => t.definition.layer === 'http');
    if (protocol !== 'http' && http) {
      throw new FaultlineError(
        'CONFLICT',
        `proxy ${this.name} has HTTP toxics (${http.spec.name}): remove them before changing its protocol to ${protocol}`,
      );
    }
    return this.makeGateway(protocol);
  }

  /** An HTTP toxic's object for this proxy; only `http` proxies take HTTP toxics. */
  private createHttpToxic(spec: ToxicSpec, definition: HttpToxicDefinition): HttpToxic {
    if (this.protocol !== 'http') {
      throw new FaultlineError(
        'INVALID_TOXIC_TYPE',
        `toxic type ${spec.type} works on HTTP proxies only; proxy ${this.name} has protocol ${this.protocol} (create it with "protocol": "http")`,
      );
    }
    const clock = this.runtime.clock;
    const context: HttpToxicContext = {
      now: () => clock.now(),
      wallNow: () => this.runtime.wallClock(),
      timer: (onFire) => new StageTimer(clock, onFire),
    };
    return definition.create(spec.attributes, context);
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lifecycle.then(task, task);
    this.lifecycle = run.catch(() => undefined);
    return run;
  }

  private async bind(): Promise<void> {
    if (this.server) return;
    const { host, port } = await resolveStrict(this.listen, true);
    this.checkListenAllowed({ host, port });
    const server = createServer(listenerOptions(this.runtime.tuning), this.onClient);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      const known = BIND_ERRORS[err.code ?? ''];
      this.gateway?.stop();
      throw new FaultlineError(known?.code ?? 'LISTEN_FAILED', `listen tcp ${formatHostPort(host, port)}: bind: ${known?.why ?? err.message}`, { cause: err });
    });
    server.on('error', (err) => this.log.error({ err }, 'listener error'));
    this.server = server;
    const address = server.address();
    if (address && typeof address === 'object') this.listen = formatAddressInfo(address);
    this.log.info({ listen: this.listen, upstream: this.upstream }, 'proxy started');
    this.runtime.events.emit({ type: 'proxy.started', proxy: this.name, listen: this.listen });
  }

  private halt(): void {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.close();
    for (const conn of [...this.live.values()]) conn.teardown('proxy-stopped');
    this.gateway?.stop();
    this.log.info({ listen: this.listen }, 'proxy stopped');
    this.runtime.events.emit({ type: 'proxy.stopped', proxy: this.name });
  }

  private readonly onClient = (client: Socket): void => {
    const max = this.runtime.maxConnections;
    if (max > 0 && this.live.size >= max) {
      this.refusedSinceWarning++;
      // One line per interval, however many clients a flood brings: the log is not a second flood.
      const now = this.runtime.clock.now();
      if (now - this.lastLimitWarning >= LIMIT_WARNING_INTERVAL_MS) {
        this.log.warn({ client: client.remoteAddress, max, refused: this.refusedSinceWarning }, 'connection limit reached, client closed');
        this.lastLimitWarning = now;
        this.refusedSinceWarning = 0;
      }
      client.on('error', () => {});
      client.destroy();
      return;
    }
    this.connectionsTotal++;
    const conn = new Connection(this, client, ++this.ordinal);
    this.live.set(conn.id, conn);
    if (this.gateway) {
      conn.attach(this.gateway.attach(conn));
      return;
    }
    let target: HostPort;
    try {
      target = parseHostPort(this.upstream);
    } catch (err) {
      conn.teardown('upstream-unreachable', 'fin', err as Error);
      return;
    }
    conn.dial(target);
  };
}

function sameState(a: ProxyState, b: ProxyState): boolean {
  return a.listen === b.listen && a.upstream === b.upstream && a.enabled === b.enabled;
}

/** Throws INVALID_ADDRESS unless `upstream` is `host:port`. */
export function checkUpstream(upstream: string): void {
  try {
    const { host } = parseHostPort(upstream);
    if (host === '') throw new AddressError(`address ${upstream}: missing host in address`);
  } catch (err) {
    throw new FaultlineError('INVALID_ADDRESS', `upstream: ${(err as Error).message}`, { cause: err });
  }
}

/** Parses and resolves a listen address; bad input throws INVALID_ADDRESS (a 400, not a bind failure). */
async function resolveStrict(listen: string): Promise<string>;
async function resolveStrict(listen: string, parts: true): Promise<HostPort>;
async function resolveStrict(listen: string, parts?: true): Promise<string | HostPort> {
  try {
    const { host, port } = parseHostPort(listen);
    const ip = await resolveListenHost(host);
    return parts ? { host: ip, port } : formatHostPort(ip, port);
  } catch (err) {
    const message = err instanceof AddressError ? err.message : `lookup ${listen}: ${(err as Error).message}`;
    throw new FaultlineError('INVALID_ADDRESS', `listen tcp: ${message}`, { cause: err });
  }
}
