import { z } from 'zod';
import { wholeNumber } from './attributes.js';
import { ChunkQueue } from './chunk-queue.js';
import { defineToxic, type StageContext, type ToxicStage } from './types.js';

const attributes = z.object({
  /** How long the first data of the connection waits, in ms. */
  delay: wholeNumber('ms'),
});
type SlowOpenAttributes = z.infer<typeof attributes>;

/** Holds the first chunk `delay` ms from its arrival, and whatever follows it meanwhile; then passes everything. */
class SlowOpenStage implements ToxicStage<SlowOpenAttributes> {
  private readonly queue = new ChunkQueue();
  /** When the first chunk arrived; NaN until then. */
  private firstAt = Number.NaN;
  private open = false;
  private endPending = false;

  constructor(
    private attrs: SlowOpenAttributes,
    private readonly ctx: StageContext,
  ) {}

  get heldBytes(): number {
    return this.queue.bytes;
  }

  onChunk(buf: Buffer): void {
    if (this.open) {
      this.ctx.push(buf);
      return;
    }
    if (Number.isNaN(this.firstAt)) {
      this.firstAt = this.ctx.now();
      if (this.attrs.delay === 0) {
        this.open = true;
        this.ctx.push(buf);
        return;
      }
      this.ctx.timer.arm(this.attrs.delay);
    }
    this.queue.push(buf);
  }

  onEnd(): void {
    if (this.queue.length === 0) this.ctx.end();
    else this.endPending = true;
  }

  onTimer(): void {
    this.open = true;
    this.flush();
    if (this.endPending) this.ctx.end();
  }

  /** A first chunk still waiting gets the new delay, counted from its arrival. */
  update(attrs: SlowOpenAttributes): void {
    this.attrs = attrs;
    if (!this.open && this.queue.length > 0) this.ctx.timer.arm(this.firstAt + attrs.delay - this.ctx.now());
  }

  flush(): void {
    while (this.queue.length > 0) this.ctx.push(this.queue.shift());
  }

  dispose(): void {
    this.queue.clear();
  }
}

/**
 * `slow_open`: the first data in this direction waits `delay` ms, like a slow handshake; later data
 * queues behind it, then everything flows untouched. Added to a live connection, it delays the next
 * chunk once. Toxiproxy PR #536.
 */
export const slowOpen = defineToxic({
  type: 'slow_open',
  summary: 'Delays the first data of a connection by delay ms (a slow handshake), then passes everything.',
  destructive: false,
  attributes,
  create: (attrs, ctx) => new SlowOpenStage(attrs, ctx),
});
