/**
 * A UDP relay: one listening socket, a flow per client address:port, and datagram toxics per
 * direction applied to every live flow at once. It is the engine a `udp` proxy runs; it knows
 * nothing of the admin API, and reports what happens through counters and an event callback.
 *
 * Longer than 300 lines because it is the relay's one public face (lifecycle, toxics, flows and
 * listings) over one socket's receive path; flows, pipelines and fault reports have their own files.
 * @module
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { nodeDgram } from '../lazy-builtin.js';
import { isIP } from 'node:net';
import { FaultlineError, errors } from '../errors.js';
import { MAX_TOXICS_PER_DIRECTION } from '../limits.js';
import { AddressError, formatHostPort, parseHostPort, resolveListenHost } from '../core/address.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/system-clock.js';
import type { Direction } from '../direction.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { createRng, randomSeed, type Rng } from '../core/rng.js';
import type { ToxicInput, ToxicPatch } from '../toxics/spec.js';
import type { ToxicSpec } from '../core/toxic-contract.js';
import { emptyFlowCounters, type DatagramCounters, type FlowCounters } from './counters.js';
import type { DatagramFault, DatagramToxicDefinition } from './toxics/datagram-toxic.js';
import { applyDatagramToxicPatch, resolveDatagramToxic, type DatagramParseOptions } from './datagram-spec.js';
import { Flow, type FlowCloseReason, type FlowOwner, type UpstreamAddress } from './flow.js';
import {
  DEFAULT_MAX_FLOWS,
  DEFAULT_MAX_HELD_BYTES,
  DEFAULT_MAX_SEND_QUEUE_BYTES,
  DEFAULT_SOCKET_BUFFER_BYTES,
  DEFAULT_UDP_IDLE_TIMEOUT_MS,
  type FlowInfo,
  type RelayStats,
  type UdpRelayEvent,
  type UdpRelayOptions,
} from './relay-types.js';
import { FaultReporter } from './fault-reporter.js';

interface AttachedToxic {
  spec: ToxicSpec;
  definition: DatagramToxicDefinition;
}

/** At most one `flow limit reached` event and warning per this many ms. */
const REFUSAL_REPORT_MS = 10_000;

/** The UDP relay. `new UdpRelay(options)`, then `await start()`. */
export class UdpRelay {
  readonly name: string;
  readonly seed: string;
  /** The configured listen address until the first start, then the address bound. */
  listen: string;
  upstream: string;
  private readonly owner: FlowOwner & { idleTimeoutMs: number };
  private readonly clock: Clock;
  private readonly wallClock: () => number;
  private readonly log: Logger;
  private readonly maxFlows: number;
  private readonly lookup: DatagramParseOptions['lookup'];
  private readonly onEvent: ((event: UdpRelayEvent) => void) | undefined;
  private readonly reporter: FaultReporter;
  private readonly live = new Map<string, Flow>();
  private readonly byId = new Map<number, Flow>();
  private attached: AttachedToxic[] = [];
  private socket: Socket | null = null;
  private resolved: UpstreamAddress | null = null;
  private nextFlowId = 1;
  private opened = 0;
  private refused = 0;
  private lastRefusalReport = -Infinity;
  private closed = false;
  readonly totals: FlowCounters = emptyFlowCounters();

  constructor(options: UdpRelayOptions) {
    this.name = options.name ?? 'udp';
    this.seed = options.seed === undefined ? randomSeed() : String(options.seed);
    this.listen = options.listen;
    this.upstream = options.upstream;
    this.clock = options.clock ?? systemClock;
    this.wallClock = options.wallClock ?? Date.now;
    this.log = (options.logger ?? silentLogger).child({ relay: this.name });
    this.maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    this.lookup = options.lookup;
    this.onEvent = options.onEvent;
    this.reporter = new FaultReporter(
      this.clock,
      options.onEvent ? (report) => this.emit({ type: 'fault', relay: this.name, ...report }) : undefined,
    );
    this.owner = {
      clock: this.clock,
      maxHeldBytes: options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_UDP_IDLE_TIMEOUT_MS,
      maxSendQueueBytes: options.maxSendQueueBytes ?? DEFAULT_MAX_SEND_QUEUE_BYTES,
      socketBufferBytes: options.socketBufferBytes ?? DEFAULT_SOCKET_BUFFER_BYTES,
      totals: this.totals,
      log: this.log,
      rngFor: (flow, direction, toxic) => this.rngFor(flow.id, direction, toxic.name),
      counted: (flow, direction, fault, toxic, kind) => this.counted(flow, direction, fault, toxic, kind),
      faulted: (flow, direction, toxic, kind, detail) => this.reporter.report(flow.id, direction, toxic, kind, detail),
      sendToClient: (flow, datagram) => this.sendToClient(flow, datagram),
      flowClosed: (flow, reason) => this.flowClosed(flow, reason),
    };
  }

  /** True while the relay listens. */
  get enabled(): boolean {
    return this.socket !== null;
  }

  /** ms without a datagram after which a flow ends; a change applies to live flows from their next check. */
  get idleTimeoutMs(): number {
    return this.owner.idleTimeoutMs;
  }

  set idleTimeoutMs(ms: number) {
    this.owner.idleTimeoutMs = ms;
  }

  /** The bound `host:port`, or undefined while stopped. */
  address(): string | undefined {
    return this.socket ? this.listen : undefined;
  }

  /**
   * Resolves the upstream and binds the listen address (udp4 or udp6 by its family). Does nothing
   * when already listening. Throws LISTEN_FAILED or INVALID_ADDRESS.
   */
  async start(): Promise<void> {
    if (this.closed) throw new FaultlineError('LISTEN_FAILED', `relay ${this.name} is closed`);
    if (this.socket) return;
    this.resolved = await resolveUpstream(this.upstream);
    let host: string;
    let port: number;
    try {
      ({ host, port } = parseHostPort(this.listen));
      host = await resolveListenHost(host);
    } catch (err) {
      throw new FaultlineError('INVALID_ADDRESS', err instanceof Error ? err.message : String(err));
    }
    const buffer = this.owner.socketBufferBytes;
    const socket = nodeDgram().createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4', recvBufferSize: buffer, sendBufferSize: buffer });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err: NodeJS.ErrnoException) => {
        socket.close();
        const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.message;
        reject(new FaultlineError('LISTEN_FAILED', `listen udp ${formatHostPort(host, port)}: bind: ${why}`));
      });
      socket.bind({ address: host, port, exclusive: true }, () => resolve());
    });
    socket.removeAllListeners('error');
    socket.on('error', (err) => this.log.warn({ err }, 'udp listener error'));
    socket.on('message', this.fromClient);
    const bound = socket.address();
    this.listen = formatHostPort(bound.address, bound.port);
    this.socket = socket;
    this.log.info({ listen: this.listen, upstream: this.upstream }, 'udp relay started');
  }

  /** Stops listening and ends every flow, as disabling a proxy does; toxics stay. `start()` binds the same address again. */
  async stop(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    for (const flow of [...this.live.values()]) flow.close('stopped');
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    this.log.info({}, 'udp relay stopped');
  }

  /** Stops for good. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
    for (const toxic of this.attached) this.reporter.forget(toxic.spec.name);
    this.attached = [];
  }

  /** Starts or stops. */
  async setEnabled(enabled: boolean): Promise<void> {
    if (enabled) await this.start();
    else await this.stop();
  }

  /** A new upstream: live flows end (their sockets are connected to the old one); new flows use the new. */
  async setUpstream(upstream: string): Promise<void> {
    const resolved = await resolveUpstream(upstream);
    this.upstream = upstream;
    this.resolved = resolved;
    for (const flow of [...this.live.values()]) flow.close('upstream-changed');
  }

  /** The toxics, in the order they were added. */
  toxics(): ToxicSpec[] {
    return this.attached.map((t) => t.spec);
  }

  /** Validates and adds a datagram toxic; it applies to every live flow at once. */
  addToxic(input: ToxicInput, options: Pick<DatagramParseOptions, 'strict'> = {}): ToxicSpec {
    const { spec, definition } = resolveDatagramToxic(input, (name) => this.find(name) !== undefined, {
      ...options,
      ...(this.lookup ? { lookup: this.lookup } : {}),
    });
    const count = this.attached.filter((t) => t.spec.direction === spec.direction).length;
    if (count >= MAX_TOXICS_PER_DIRECTION) {
      throw new FaultlineError(
        'LIMIT_EXCEEDED',
        `proxy ${this.name} already has ${MAX_TOXICS_PER_DIRECTION} ${spec.direction} toxics, the most one direction may have: remove one first`,
      );
    }
    this.attachToxic(spec, definition);
    return spec;
  }

  /** Adds a toxic already validated (a proxy's toxic set checked it): it applies to every live flow at once. */
  attachToxic(spec: ToxicSpec, definition: DatagramToxicDefinition): void {
    this.attached.push({ spec, definition });
    for (const flow of this.live.values()) flow.pipeline(spec.direction).add(spec, definition);
  }

  /** Puts a validated new `spec` of a toxic in place on every live flow. Throws TOXIC_NOT_FOUND. */
  replaceToxic(spec: ToxicSpec): void {
    const toxic = this.find(spec.name);
    if (!toxic) throw errors.toxicNotFound();
    toxic.spec = spec;
    for (const flow of this.live.values()) flow.pipeline(spec.direction).update(spec, toxic.definition);
  }

  /** Changes a toxic's attributes or toxicity on every live flow at once. Throws TOXIC_NOT_FOUND. */
  updateToxic(name: string, patch: ToxicPatch, options: Pick<DatagramParseOptions, 'strict'> = {}): ToxicSpec {
    const toxic = this.find(name);
    if (!toxic) throw errors.toxicNotFound();
    this.replaceToxic(applyDatagramToxicPatch(toxic.spec, toxic.definition, patch, options));
    return toxic.spec;
  }

  /** Removes a toxic: what it holds is sent on at once. Throws TOXIC_NOT_FOUND. */
  removeToxic(name: string): void {
    const toxic = this.find(name);
    if (!toxic) throw errors.toxicNotFound();
    this.attached = this.attached.filter((t) => t !== toxic);
    for (const flow of this.live.values()) flow.pipeline(toxic.spec.direction).remove(name);
    this.reporter.forget(name);
  }

  /** The live flows, oldest first. */
  flows(): FlowInfo[] {
    return [...this.byId.values()].map((flow) => this.info(flow));
  }

  /** Ends one flow; false when there is none with this id. */
  killFlow(id: number): boolean {
    const flow = this.byId.get(id);
    if (!flow) return false;
    flow.close('killed');
    return true;
  }

  /** Figures for metrics. */
  stats(): RelayStats {
    return { flows: this.live.size, flowsOpened: this.opened, flowsRefused: this.refused, counters: this.totals };
  }

  /** The seeded stream of toxic `name` on flow `flowId` in `direction`; its first draw is the toxicity roll. */
  rngFor(flowId: number, direction: Direction, name: string): Rng {
    return createRng(this.seed, this.name, name, flowId, direction);
  }

  private find(name: string): AttachedToxic | undefined {
    return this.attached.find((t) => t.spec.name === name);
  }

  private readonly fromClient = (datagram: Buffer, rinfo: RemoteInfo): void => {
    const key = `${rinfo.address} ${rinfo.port}`;
    const flow = this.live.get(key) ?? this.openFlow(key, rinfo, datagram.length);
    flow?.fromClient(datagram);
  };

  private openFlow(key: string, rinfo: RemoteInfo, bytes: number): Flow | undefined {
    const upstream = this.resolved;
    if (!upstream) return undefined;
    if (this.live.size >= this.maxFlows) {
      this.refuse(rinfo, bytes);
      return undefined;
    }
    const flow = new Flow(this.owner, this.nextFlowId++, { address: rinfo.address, port: rinfo.port }, upstream, this.wallClock());
    this.live.set(key, flow);
    this.byId.set(flow.id, flow);
    this.opened++;
    for (const { spec, definition } of this.attached) flow.pipeline(spec.direction).add(spec, definition);
    if (this.log.isLevelEnabled('debug')) this.log.debug({ flow: flow.id, client: flow.clientAddress }, 'flow opened');
    if (this.onEvent) this.emit({ type: 'flow.opened', relay: this.name, flow: this.info(flow) });
    return flow;
  }

  private refuse(rinfo: RemoteInfo, bytes: number): void {
    this.refused++;
    const totals = this.totals.upstream;
    totals.received++;
    totals.receivedBytes += bytes;
    totals.dropped++;
    const now = this.clock.now();
    if (now - this.lastRefusalReport < REFUSAL_REPORT_MS) return;
    this.lastRefusalReport = now;
    const client = formatHostPort(rinfo.address, rinfo.port);
    this.log.warn({ client, flows: this.live.size, refused: this.refused }, 'flow limit reached');
    this.emit({ type: 'flow.refused', relay: this.name, client, flows: this.live.size });
  }

  private flowClosed(flow: Flow, reason: FlowCloseReason): void {
    this.live.delete(`${flow.client.address} ${flow.client.port}`);
    this.byId.delete(flow.id);
    this.reporter.flushFlow(flow.id);
    if (this.log.isLevelEnabled('debug')) this.log.debug({ flow: flow.id, reason }, 'flow closed');
    if (this.onEvent) this.emit({ type: 'flow.closed', relay: this.name, flow: this.info(flow), reason });
  }

  private counted(flow: Flow, direction: Direction, fault: DatagramFault, toxic: ToxicSpec | null, kind: string): void {
    flow.counters[direction][fault]++;
    this.totals[direction][fault]++;
    this.reporter.count(flow.id, direction, toxic, kind);
  }

  private sendToClient(flow: Flow, datagram: Buffer): boolean {
    const socket = this.socket;
    if (!socket) return false;
    if (socket.getSendQueueSize() > this.owner.maxSendQueueBytes) {
      this.counted(flow, 'downstream', 'dropped', null, 'send_queue_full');
      return false;
    }
    socket.send(datagram, flow.client.port, flow.client.address);
    return true;
  }

  private info(flow: Flow): FlowInfo {
    return {
      id: flow.id,
      client: flow.clientAddress,
      upstream: formatHostPort(flow.upstream.address, flow.upstream.port),
      openedAt: flow.openedAt,
      idleMs: Math.max(0, this.clock.now() - flow.lastActive),
      counters: { upstream: { ...flow.counters.upstream }, downstream: { ...flow.counters.downstream } },
      toxics: { upstream: flow.upstreamPipeline.activeToxics(), downstream: flow.downstreamPipeline.activeToxics() },
    };
  }

  private emit(event: UdpRelayEvent): void {
    if (!this.onEvent) return;
    try {
      this.onEvent(event);
    } catch (err) {
      this.log.error({ err }, 'udp relay event listener failed');
    }
  }
}

/** Resolves `host:port` to one address (IPv4 first, as Go does); an empty host is 127.0.0.1. */
async function resolveUpstream(upstream: string): Promise<UpstreamAddress> {
  try {
    const { host, port } = parseHostPort(upstream);
    if (port === 0) throw new AddressError(`address ${upstream}: port 0 cannot be an upstream`);
    const address = host === '' ? '127.0.0.1' : await resolveListenHost(host);
    return { address, port, family: isIP(address) === 6 ? 6 : 4 };
  } catch (err) {
    throw new FaultlineError('INVALID_ADDRESS', `upstream ${upstream}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Starts a relay; see {@link UdpRelay}. */
export async function startUdpRelay(options: UdpRelayOptions): Promise<UdpRelay> {
  const relay = new UdpRelay(options);
  await relay.start();
  return relay;
}

export type { DatagramCounters, FlowCounters, FlowCloseReason, FlowInfo, RelayStats, UdpRelayEvent, UdpRelayOptions };
export {
  DEFAULT_MAX_FLOWS,
  DEFAULT_MAX_HELD_BYTES,
  DEFAULT_MAX_SEND_QUEUE_BYTES,
  DEFAULT_SOCKET_BUFFER_BYTES,
  DEFAULT_UDP_IDLE_TIMEOUT_MS,
} from './relay-types.js';
