/**
 * One direction of one connection: source socket 'data' → toxic chain → destination socket (or an
 * in-process stream to a protocol gateway, on either side that faces the upstream).
 * Plain callbacks, no streams in between. The source is paused for as long as any reason holds:
 * the destination is full, the stages hold too many bytes, or a toxic holds the direction.
 * @module
 */
import type { Duplex } from 'node:stream';
import type { CloseMode, ToxicDefinition, ToxicSpec } from './toxic-contract.js';
import { Chain, type ChainHost } from './chain.js';
import type { Clock } from './clock.js';
import type { Direction } from '../direction.js';
import type { Rng } from './rng.js';

const SINK_FULL = 1;
const HELD_HIGH = 2;
const TOXIC_HOLD = 4;

/** Reads shorter than this are copied when they are likely to be held: Node's pool serves them. */
const COPY_BELOW_BYTES = Buffer.poolSize >>> 1;

/** Byte counters; a link adds to its own and to its proxy's. */
export interface ByteCounters {
  received: number;
  sent: number;
  dropped: number;
}

/** What a link needs from its connection. */
export interface LinkOwner {
  readonly clock: Clock;
  readonly maxHeldBytes: number;
  rngFor(direction: Direction, toxic: ToxicSpec): Rng;
  closeByToxic(mode: CloseMode, toxic: ToxicSpec, direction: Direction): void;
  fault(direction: Direction, toxic: ToxicSpec, kind: string, detail?: Record<string, unknown>): void;
}

/** A one-way pipe through the toxic chain. */
export class Link implements ChainHost {
  readonly chain: Chain = new Chain(this);
  readonly bytes: ByteCounters = { received: 0, sent: 0, dropped: 0 };
  private reasons = 0;
  private sourceEnded = false;
  private sinkEnded = false;
  private disposed = false;
  /** The last `onread` read went on as a copy (see {@link Link.onRead}). */
  private lastReadCopied = false;

  constructor(
    private readonly owner: LinkOwner,
    readonly direction: Direction,
    private readonly source: Duplex,
    private readonly sink: Duplex,
    private readonly proxyBytes: ByteCounters,
    /** The source is read with `onread`: its bytes come through {@link Link.onRead}, not 'data'. */
    private readonly readsIntoBuffer = false,
  ) {}

  get clock(): Clock {
    return this.owner.clock;
  }

  /** Bytes held by the stages and queued in the destination socket. */
  get heldBytes(): number {
    return this.chain.heldBytes + this.sink.writableLength;
  }

  /** True while reading from the source is paused. */
  get paused(): boolean {
    return this.reasons !== 0;
  }

  /** Attaches the toxics this direction starts with, then starts reading. */
  start(toxics: Iterable<{ spec: ToxicSpec; definition: ToxicDefinition }>): void {
    for (const { spec, definition } of toxics) this.chain.add(spec, definition);
    if (!this.readsIntoBuffer) this.source.on('data', this.onData);
    this.source.on('end', this.onEnd);
    this.sink.on('drain', this.onDrain);
    this.refresh();
    if (this.reasons === 0) this.source.resume();
  }

  /** Re-evaluates the pause reasons after the chain changed. */
  refresh(): void {
    this.holdChanged();
    this.checkHeld();
  }

  /** Stops listening and drops every stage (teardown). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.source.off('data', this.onData);
    this.source.off('end', this.onEnd);
    this.sink.off('drain', this.onDrain);
    this.chain.dispose();
  }

  // ChainHost

  deliver(buf: Buffer): void {
    if (this.sinkEnded || this.sink.destroyed) return;
    this.bytes.sent += buf.length;
    this.proxyBytes.sent += buf.length;
    if (!this.sink.write(buf)) this.pause(SINK_FULL);
  }

  deliverEnd(): void {
    if (this.sinkEnded) return;
    this.sinkEnded = true;
    if (!this.sink.destroyed) this.sink.end();
  }

  dropped(bytes: number): void {
    this.bytes.dropped += bytes;
    this.proxyBytes.dropped += bytes;
  }

  closeConnection(mode: CloseMode, toxic: ToxicSpec): void {
    this.owner.closeByToxic(mode, toxic, this.direction);
  }

  holdChanged(): void {
    if (this.chain.holdCount > 0) this.pause(TOXIC_HOLD);
    else this.clear(TOXIC_HOLD);
  }

  afterTimer(): void {
    this.checkHeld();
  }

  rngFor(toxic: ToxicSpec): Rng {
    return this.owner.rngFor(this.direction, toxic);
  }

  fault(toxic: ToxicSpec, kind: string, detail?: Record<string, unknown>): void {
    this.owner.fault(this.direction, toxic, kind, detail);
  }

  // socket events

  /**
   * Whether the bytes of the last read may still be referenced: the destination did not take them at
   * once (they wait in its write queue), or a toxic stage holds bytes (a stage that keeps a chunk
   * counts it in `heldBytes`). An `onread` buffer can be read into again only when not.
   */
  get lastReadInUse(): boolean {
    if (this.lastReadCopied) return false;
    return this.sink.writableLength > 0 || (!this.chain.isEmpty && this.chain.heldBytes > 0);
  }

  /**
   * `onread`'s callback: `nread` bytes landed in `buf`. Once disposed, reads are discarded. A small
   * read that arrives while the stages hold bytes is likely to be held too (a latency queue): it goes
   * on as a copy, a slice of Node's buffer pool as long as the read, so the read buffer can be read
   * into again instead of a fresh buffer being made for every read.
   */
  readonly onRead = (nread: number, buf: Buffer): boolean => {
    if (this.disposed) return true;
    this.lastReadCopied = nread < COPY_BELOW_BYTES && !this.chain.isEmpty && this.chain.heldBytes > 0;
    if (this.lastReadCopied) {
      const copy = Buffer.allocUnsafe(nread);
      buf.copy(copy, 0, 0, nread);
      this.onData(copy);
    } else this.onData(buf.subarray(0, nread));
    return true;
  };

  private readonly onData = (buf: Buffer): void => {
    this.bytes.received += buf.length;
    this.proxyBytes.received += buf.length;
    if (this.chain.isEmpty) {
      this.deliver(buf);
      return;
    }
    this.chain.receive(buf);
    this.checkHeld();
  };

  private readonly onEnd = (): void => {
    this.sourceEnded = true;
    this.chain.receiveEnd();
  };

  private readonly onDrain = (): void => {
    this.clear(SINK_FULL);
    this.checkHeld();
  };

  // pause reasons

  private checkHeld(): void {
    if (this.disposed) return;
    const held = this.heldBytes;
    const limit = this.owner.maxHeldBytes;
    if (held > limit) this.pause(HELD_HIGH);
    else if (held <= limit / 2) this.clear(HELD_HIGH);
  }

  private pause(reason: number): void {
    if (this.reasons === 0 && !this.disposed) this.source.pause();
    this.reasons |= reason;
  }

  private clear(reason: number): void {
    if ((this.reasons & reason) === 0) return;
    this.reasons &= ~reason;
    if (this.reasons === 0 && !this.sourceEnded && !this.disposed) this.source.resume();
  }
}
