/**
 * One flow: the datagrams between one client address:port and the upstream, through an upstream
 * socket of its own (connected, so only the upstream's replies reach it, and each reply goes back
 * to the client it belongs to). A flow ends after its idle timeout without a datagram either way.
 * @module
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { nodeDgram } from '../lazy-builtin.js';
import { formatHostPort } from '../core/address.js';
import type { TimerHandle } from '../core/clock.js';
import type { Direction } from '../direction.js';
import type { Logger } from '../core/logger.js';
import type { Rng } from '../core/rng.js';
import type { ToxicSpec } from '../core/toxic-contract.js';
import { emptyFlowCounters, type FlowCounters } from './counters.js';
import type { DatagramFault } from './toxics/datagram-toxic.js';
import { DatagramPipeline, type PipelineHost } from './pipeline.js';

/** Why a flow ended. */
export type FlowCloseReason = 'idle' | 'killed' | 'stopped' | 'upstream-changed';

/** A resolved upstream address. */
export interface UpstreamAddress {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** What a flow needs from its relay. */
export interface FlowOwner extends Pick<PipelineHost, 'clock' | 'maxHeldBytes'> {
  readonly idleTimeoutMs: number;
  /** Bytes a socket may have queued in the kernel's stead before datagrams to it are dropped. */
  readonly maxSendQueueBytes: number;
  /** Kernel buffer asked for on each socket, each way. */
  readonly socketBufferBytes: number;
  /** The relay's totals, counted with each flow's own. */
  readonly totals: FlowCounters;
  readonly log: Logger;
  rngFor(flow: Flow, direction: Direction, toxic: ToxicSpec): Rng;
  counted(flow: Flow, direction: Direction, fault: DatagramFault, toxic: ToxicSpec | null, kind: string): void;
  faulted(flow: Flow, direction: Direction, toxic: ToxicSpec, kind: string, detail?: Record<string, unknown>): void;
  /** Sends a datagram to the flow's client from the listening socket; false when it was dropped. */
  sendToClient(flow: Flow, datagram: Buffer): boolean;
  flowClosed(flow: Flow, reason: FlowCloseReason): void;
}

/** One client's datagrams to and from the upstream. */
export class Flow {
  readonly counters: FlowCounters = emptyFlowCounters();
  readonly upstreamPipeline: DatagramPipeline;
  readonly downstreamPipeline: DatagramPipeline;
  /** Monotonic time of the last datagram either way. */
  lastActive: number;
  private readonly socket: Socket;
  private connected = false;
  /** Datagrams for the upstream that arrived while the socket was connecting. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private idleTimer: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly owner: FlowOwner,
    /** The flow's number within its relay (1, 2, …): its id, and part of its random streams' seed. */
    readonly id: number,
    /** The client's address and port as the relay sees them. */
    readonly client: { readonly address: string; readonly port: number },
    readonly upstream: UpstreamAddress,
    /** Wall time the flow opened, ms since the epoch. */
    readonly openedAt: number,
  ) {
    const host: PipelineHost = {
      clock: owner.clock,
      maxHeldBytes: owner.maxHeldBytes,
      rngFor: (direction, toxic) => owner.rngFor(this, direction, toxic),
      counted: (direction, fault, toxic, kind) => owner.counted(this, direction, fault, toxic, kind),
      faulted: (direction, toxic, kind, detail) => owner.faulted(this, direction, toxic, kind, detail),
    };
    this.upstreamPipeline = new DatagramPipeline(host, 'upstream', this.sendUpstream);
    this.downstreamPipeline = new DatagramPipeline(host, 'downstream', this.sendDownstream);
    this.lastActive = owner.clock.now();
    const buffer = owner.socketBufferBytes;
    this.socket = nodeDgram().createSocket({
      type: upstream.family === 6 ? 'udp6' : 'udp4',
      recvBufferSize: buffer,
      sendBufferSize: buffer,
    });
    this.socket.on('message', this.fromUpstream);
    // ICMP port unreachable arrives as ECONNREFUSED on a connected socket: the upstream is down now,
    // and may be up for the next datagram. The flow stays.
    this.socket.on('error', (err) => {
      if (owner.log.isLevelEnabled('debug')) owner.log.debug({ flow: id, err }, 'flow upstream socket error');
    });
    this.socket.connect(upstream.port, upstream.address, () => {
      this.connected = true;
      const queued = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      for (const datagram of queued) this.sendUpstream(datagram);
    });
    this.idleTimer = owner.clock.setTimeout(this.checkIdle, owner.idleTimeoutMs);
  }

  /** `host:port` of the client. */
  get clientAddress(): string {
    return formatHostPort(this.client.address, this.client.port);
  }

  /** The pipeline of a direction. */
  pipeline(direction: Direction): DatagramPipeline {
    return direction === 'upstream' ? this.upstreamPipeline : this.downstreamPipeline;
  }

  /** A datagram from the client. */
  fromClient(datagram: Buffer): void {
    this.lastActive = this.owner.clock.now();
    const mine = this.counters.upstream;
    const all = this.owner.totals.upstream;
    mine.received++;
    mine.receivedBytes += datagram.length;
    all.received++;
    all.receivedBytes += datagram.length;
    this.upstreamPipeline.push(datagram);
  }

  /** Ends the flow: timers, held datagrams and the upstream socket go. Idempotent. */
  close(reason: FlowCloseReason): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer !== undefined) this.owner.clock.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.upstreamPipeline.close();
    this.downstreamPipeline.close();
    this.pending = [];
    this.socket.removeAllListeners('message');
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
    this.owner.flowClosed(this, reason);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private readonly fromUpstream = (datagram: Buffer, _rinfo: RemoteInfo): void => {
    this.lastActive = this.owner.clock.now();
    const mine = this.counters.downstream;
    const all = this.owner.totals.downstream;
    mine.received++;
    mine.receivedBytes += datagram.length;
    all.received++;
    all.receivedBytes += datagram.length;
    this.downstreamPipeline.push(datagram);
  };

  private readonly sendUpstream = (datagram: Buffer): void => {
    if (this.closed) return;
    if (!this.connected) {
      if (this.pendingBytes + datagram.length > this.owner.maxHeldBytes) {
        this.owner.counted(this, 'upstream', 'dropped', null, 'held_limit');
        return;
      }
      this.pending.push(datagram);
      this.pendingBytes += datagram.length;
      return;
    }
    if (this.socket.getSendQueueSize() > this.owner.maxSendQueueBytes) {
      this.owner.counted(this, 'upstream', 'dropped', null, 'send_queue_full');
      return;
    }
    this.socket.send(datagram);
    const mine = this.counters.upstream;
    const all = this.owner.totals.upstream;
    mine.sent++;
    mine.sentBytes += datagram.length;
    all.sent++;
    all.sentBytes += datagram.length;
  };

  private readonly sendDownstream = (datagram: Buffer): void => {
    if (this.closed || !this.owner.sendToClient(this, datagram)) return;
    const mine = this.counters.downstream;
    const all = this.owner.totals.downstream;
    mine.sent++;
    mine.sentBytes += datagram.length;
    all.sent++;
    all.sentBytes += datagram.length;
  };

  /** The idle timer is armed once per timeout, not per datagram: it checks the last activity when it fires. */
  private readonly checkIdle = (): void => {
    this.idleTimer = undefined;
    const idle = this.owner.clock.now() - this.lastActive;
    if (idle >= this.owner.idleTimeoutMs) this.close('idle');
    else this.idleTimer = this.owner.clock.setTimeout(this.checkIdle, this.owner.idleTimeoutMs - idle);
  };
}
