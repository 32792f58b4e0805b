import { z } from 'zod';
import { wholeNumber } from './attributes.js';
import { ChunkQueue } from './chunk-queue.js';
import { defineToxic, type StageContext, type ToxicStage } from '../core/toxic-contract.js';

const attributes = () =>
  z.object({
    rate: wholeNumber('KB/s').describe('the rate limit, with 1 KB = 1000 bytes; 0 = unlimited, as in Toxiproxy'),
  });
type BandwidthAttributes = z.infer<ReturnType<typeof attributes>>;

/** Large chunks leave in pieces of at most this much transmission time, so delivery stays smooth. */
const PIECE_MS = 20;

/**
 * A virtual transmitter: each piece leaves when the previous one has finished "sending" at `rate`.
 * Queued bytes count as held, so a slow rate closes the sender's TCP window instead of buffering.
 */
class BandwidthStage implements ToxicStage<BandwidthAttributes> {
  private readonly queue = new ChunkQueue();
  /**
   * When the transmitter became busy (ms) and the bytes it has sent since: the time it is free again
   * is computed from the two, not summed piece by piece, so rounding never drifts past the clock.
   */
  private busySince = -Infinity;
  private sentSince = 0;
  private endPending = false;

  constructor(
    private attrs: BandwidthAttributes,
    private readonly ctx: StageContext,
  ) {}

  get heldBytes(): number {
    return this.queue.bytes;
  }

  onChunk(buf: Buffer): void {
    if (this.queue.length === 0) {
      const now = this.ctx.now();
      if (this.freeAt() < now) this.rebase(now);
    }
    this.queue.push(buf);
    if (!this.ctx.timer.armed) this.drain();
  }

  onEnd(): void {
    if (this.queue.length === 0) this.ctx.end();
    else this.endPending = true;
  }

  onTimer(): void {
    this.drain();
  }

  update(attrs: BandwidthAttributes): void {
    // Time already spent sending stays spent; the new rate applies from there.
    this.rebase(Math.max(this.freeAt(), this.ctx.now()));
    this.attrs = attrs;
    this.ctx.timer.cancel();
    this.drain();
  }

  flush(): void {
    while (this.queue.length > 0) this.ctx.push(this.queue.shift());
  }

  dispose(): void {
    this.queue.clear();
  }

  /** When the transmitter is free again (ms). */
  private freeAt(): number {
    return this.attrs.rate > 0 ? this.busySince + this.sentSince / this.attrs.rate : this.busySince;
  }

  private rebase(time: number): void {
    this.busySince = time;
    this.sentSince = 0;
  }

  private drain(): void {
    const bytesPerMs = this.attrs.rate; // KB/s with KB = 1000 bytes is bytes per millisecond
    if (bytesPerMs <= 0) {
      this.flush();
    } else {
      const now = this.ctx.now();
      const maxPiece = Math.max(1, Math.floor(bytesPerMs * PIECE_MS));
      while (this.queue.length > 0) {
        const head = this.queue.peek();
        const size = Math.min(head.length, maxPiece);
        const leaves = this.busySince + (this.sentSince + size) / bytesPerMs;
        if (leaves > now) {
          this.ctx.timer.arm(leaves - now);
          return;
        }
        this.sentSince += size;
        if (size === head.length) {
          this.ctx.push(this.queue.shift());
        } else {
          this.queue.replaceHead(head.subarray(size));
          this.ctx.push(head.subarray(0, size));
        }
      }
    }
    if (this.endPending && this.queue.length === 0) this.ctx.end();
  }
}

/** `bandwidth`: limits throughput to `rate` KB/s (KB = 1000 bytes; 0 = unlimited). */
export const bandwidth = defineToxic({
  type: 'bandwidth',
  summary: 'Limits throughput to rate KB/s (1 KB = 1000 bytes; 0 = unlimited).',
  destructive: false,
  attributes,
  create: (attrs, ctx) => new BandwidthStage(attrs, ctx),
});
