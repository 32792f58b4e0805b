/**
 * One client ↔ upstream pair: dials the upstream (or takes a protocol gateway's in-process stream in
 * its place), then runs two links. Half-closes are forwarded;
 * the connection ends when both sockets have closed, or at the first error, through one idempotent
 * {@link Connection.teardown}.
 * @module
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { CloseMode, ToxicDefinition, ToxicSpec } from './toxic-contract.js';
import { formatHostPort, type HostPort } from './address.js';
import type { Clock } from './clock.js';
import type { LiveConnection } from './live-connection.js';
import type { Direction } from '../direction.js';
import { Link, type ByteCounters, type LinkOwner } from './link.js';
import { readIntoBuffer } from './read-into.js';
import type { Rng } from './rng.js';
import { closeGracefully, dialOptions, resetSocket, type SocketTuning } from './socket-options.js';

/** Size of a socket's first read buffer: under half of `Buffer.poolSize`, so it is a slice of Node's shared pool. */
const FIRST_READ_BYTES = 2048;

/** Why a connection ended. Injected faults are reasons, not errors. */
export type TeardownReason =
  | 'both-fin'
  | 'client-error'
  | 'upstream-error'
  | 'upstream-unreachable'
  | 'toxic-reset'
  | 'toxic-close'
  | 'proxy-stopped'
  | 'closed-by-api';

/** What a connection needs from its proxy. */
export interface ConnectionOwner {
  readonly clock: Clock;
  readonly maxHeldBytes: number;
  readonly dialTimeoutMs: number;
  readonly closeGraceMs: number;
  readonly tuning: SocketTuning;
  readonly bytes: Record<Direction, ByteCounters>;
  rngFor(ordinal: number, direction: Direction, toxic: ToxicSpec): Rng;
  toxicsFor(direction: Direction): Iterable<{ spec: ToxicSpec; definition: ToxicDefinition }>;
  connectionOpened(conn: Connection): void;
  connectionClosed(conn: Connection, reason: TeardownReason, error?: Error): void;
  toxicFault(conn: { readonly id: number }, direction: Direction, toxic: ToxicSpec, kind: string, detail?: Record<string, unknown>): void;
}

/** One proxied TCP connection. */
export class Connection implements LinkOwner, LiveConnection {
  /** Wall-clock time the client was accepted (for listings, never for toxics). */
  readonly openedAt = Date.now();
  readonly clientAddress: string;
  /** The dialled upstream socket (null for a connection attached to a protocol gateway). */
  upstream: Socket | null = null;
  upstreamLink: Link | null = null;
  downstreamLink: Link | null = null;
  /** Set once the connection has ended. */
  closeReason: TeardownReason | null = null;
  private closedSockets = 0;
  /** What faces the upstream: the dialled socket, or the gateway's stream. */
  private far: Duplex | null = null;
  /** The buffers the sockets read into (see {@link Connection.readBuffer}). */
  private upstreamBuffer: Buffer | null = null;
  private clientBuffer: Buffer | null = null;
  /** Bytes of each socket's last read (see {@link Connection.readBuffer}). */
  private upstreamLastRead = 0;
  private clientLastRead = 0;
  /** The client socket is read with `onread` too (when this Node allows it: read-into.ts). */
  private clientReadsIntoBuffer = false;

  constructor(
    private readonly owner: ConnectionOwner,
    readonly client: Socket,
    /** Per-proxy ordinal: the connection's id, and part of its random streams' seed. */
    readonly id: number,
  ) {
    this.clientAddress = formatHostPort(client.remoteAddress ?? '?', client.remotePort ?? 0);
    client.on('error', this.onClientError);
    client.on('close', this.onSocketClose);
  }

  get clock(): Clock {
    return this.owner.clock;
  }

  get maxHeldBytes(): number {
    return this.owner.maxHeldBytes;
  }

  /** The link carrying bytes in `direction`. */
  link(direction: Direction): Link | null {
    return direction === 'upstream' ? this.upstreamLink : this.downstreamLink;
  }

  // LiveConnection: what listings read

  /** The dialled upstream's address once connected (none for a gateway's stream). */
  get upstreamAddress(): string | undefined {
    const socket = this.upstream;
    if (!socket || socket.remoteAddress === undefined || socket.remotePort === undefined) return undefined;
    return formatHostPort(socket.remoteAddress, socket.remotePort);
  }

  get heldBytes(): number {
    return (this.upstreamLink?.heldBytes ?? 0) + (this.downstreamLink?.heldBytes ?? 0);
  }

  bytesOf(direction: Direction): ByteCounters | undefined {
    return this.link(direction)?.bytes;
  }

  activeToxics(direction: Direction): string[] {
    return this.link(direction)?.chain.activeToxics() ?? [];
  }

  /** Dials the upstream; the client is read from only once the dial has succeeded. */
  dial(target: HostPort): void {
    this.clientReadsIntoBuffer = readIntoBuffer(this.client, { buffer: this.nextClientBuffer, callback: this.onClientRead });
    const onread = { buffer: this.nextUpstreamBuffer, callback: this.onUpstreamRead };
    const upstream = connect({ ...dialOptions(target, this.owner.tuning), onread });
    this.upstream = upstream;
    this.far = upstream;
    upstream.on('error', this.onUpstreamError);
    upstream.on('close', this.onSocketClose);
    upstream.once('connect', this.onUpstreamConnect);
    if (this.owner.dialTimeoutMs > 0) {
      upstream.setTimeout(this.owner.dialTimeoutMs, this.onDialTimeout);
    }
  }

  /**
   * Takes a protocol gateway's in-process stream as the upstream: it is connected already, so the
   * links start at once (the client, paused until now, is read from).
   */
  attach(gateway: Duplex): void {
    this.far = gateway;
    gateway.on('error', this.onUpstreamError);
    gateway.on('close', this.onSocketClose);
    this.startLinks(gateway);
  }

  /**
   * Ends the connection once. `fin` closes both sockets politely, `rst` resets both peers,
   * `error` resets the peer of a socket that was reset and closes the other politely.
   */
  teardown(reason: TeardownReason, mode: CloseMode = 'fin', error?: Error): void {
    if (this.closeReason) return;
    this.closeReason = reason;
    this.upstreamLink?.dispose();
    this.downstreamLink?.dispose();
    this.upstream?.setTimeout(0);
    for (const socket of [this.client, this.far]) {
      if (!socket) continue;
      if (mode === 'rst') resetSocket(socket);
      else closeGracefully(socket, this.owner.closeGraceMs);
    }
    this.owner.connectionClosed(this, reason, error);
  }

  // LinkOwner

  rngFor(direction: Direction, toxic: ToxicSpec): Rng {
    return this.owner.rngFor(this.id, direction, toxic);
  }

  closeByToxic(mode: CloseMode, toxic: ToxicSpec, direction: Direction): void {
    this.owner.toxicFault(this, direction, toxic, mode === 'rst' ? 'reset' : 'close');
    this.teardown(mode === 'rst' ? 'toxic-reset' : 'toxic-close', mode);
  }

  fault(direction: Direction, toxic: ToxicSpec, kind: string, detail?: Record<string, unknown>): void {
    this.owner.toxicFault(this, direction, toxic, kind, detail);
  }

  // socket events

  /**
   * Both sockets are read with `onread`, each into one buffer reused read after read: that spares an
   * allocation (and its garbage) per read. Node asks for the buffer again after every read; a new one
   * is made only while the last read's bytes may still be referenced by the link they went through.
   * A socket starts with a small buffer from Node's shared pool (most connections exchange small
   * messages, and an idle one holds little); a read that fills it moves it to full-size buffers.
   * A new buffer is sized by the last read, so a stage that holds every chunk of a stream of small
   * messages (latency) costs a small slice of the pool per read, not a full-size buffer.
   */
  private readBuffer(current: Buffer | null, link: Link | null, lastRead: number): Buffer {
    const full = this.owner.tuning.highWaterMark;
    const small = Math.min(FIRST_READ_BYTES, full);
    const filled = current !== null && lastRead === current.length;
    if (current !== null && (!filled || current.length >= full) && link?.lastReadInUse === false) return current;
    return Buffer.allocUnsafe(filled || lastRead * 2 > small ? full : small);
  }

  private readonly nextUpstreamBuffer = (): Buffer =>
    (this.upstreamBuffer = this.readBuffer(this.upstreamBuffer, this.downstreamLink, this.upstreamLastRead));

  private readonly nextClientBuffer = (): Buffer =>
    (this.clientBuffer = this.readBuffer(this.clientBuffer, this.upstreamLink, this.clientLastRead));

  /** Reading starts after 'connect', whose listener creates the links, so the link is there. */
  private readonly onUpstreamRead = (nread: number, buf: Buffer): boolean => {
    this.upstreamLastRead = nread;
    this.downstreamLink?.onRead(nread, buf);
    return true;
  };

  /** The client is resumed only by its link, so the link is there. */
  private readonly onClientRead = (nread: number, buf: Buffer): boolean => {
    this.clientLastRead = nread;
    this.upstreamLink?.onRead(nread, buf);
    return true;
  };

  private readonly onUpstreamConnect = (): void => {
    const upstream = this.upstream;
    if (!upstream || this.closeReason) return;
    upstream.setTimeout(0);
    this.startLinks(upstream);
  };

  private startLinks(far: Duplex): void {
    if (this.closeReason) return;
    // The dialled socket is read with onread (see readBuffer); a gateway's stream through 'data'.
    const farReadsIntoBuffer = far === this.upstream;
    const up = new Link(this, 'upstream', this.client, far, this.owner.bytes.upstream, this.clientReadsIntoBuffer);
    const down = new Link(this, 'downstream', far, this.client, this.owner.bytes.downstream, farReadsIntoBuffer);
    this.upstreamLink = up;
    this.downstreamLink = down;
    this.owner.connectionOpened(this);
    down.start(this.owner.toxicsFor('downstream'));
    up.start(this.owner.toxicsFor('upstream'));
  }

  private readonly onDialTimeout = (): void => {
    if (!this.upstreamLink) this.teardown('upstream-unreachable', 'fin', new Error('upstream dial timed out'));
  };

  private readonly onClientError = (err: Error): void => {
    this.onError('client-error', err);
  };

  private readonly onUpstreamError = (err: Error): void => {
    if (!this.upstreamLink) this.teardown('upstream-unreachable', 'fin', err);
    else this.onError('upstream-error', err);
  };

  private onError(reason: TeardownReason, err: Error): void {
    if (this.closeReason) return;
    // A reset on one side is passed on as a reset, so the other peer sees what really happened.
    const reset = (err as NodeJS.ErrnoException).code === 'ECONNRESET';
    this.teardown(reason, reset ? 'rst' : 'fin', err);
  }

  private readonly onSocketClose = (): void => {
    this.closedSockets++;
    const expected = this.far ? 2 : 1;
    if (this.closedSockets >= expected && !this.closeReason) this.teardown('both-fin');
  };
}
