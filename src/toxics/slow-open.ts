import { z } from 'zod';
import { wholeNumber } from './attributes.js';
import { TimedQueue } from './timed-queue.js';
import { defineToxic, type StageContext, type ToxicStage } from '../core/toxic-contract.js';

const attributes = () =>
  z.object({
    delay: wholeNumber('ms').describe('how long the first data of the connection waits'),
  });
type SlowOpenAttributes = z.infer<ReturnType<typeof attributes>>;

/** Holds the first chunk `delay` ms from its arrival, and whatever follows it meanwhile; then passes everything. */
class SlowOpenStage implements ToxicStage<SlowOpenAttributes> {
  private readonly queue: TimedQueue;
  /** When the held data leaves; NaN until the first chunk arrives. */
  private opensAt = Number.NaN;

  constructor(
    private attrs: SlowOpenAttributes,
    private readonly ctx: StageContext,
  ) {
    this.queue = new TimedQueue(ctx);
  }

  get heldBytes(): number {
    return this.queue.bytes;
  }

  onChunk(buf: Buffer): void {
    if (Number.isNaN(this.opensAt)) this.opensAt = this.ctx.now() + this.attrs.delay;
    this.queue.add(buf, this.opensAt);
  }

  onEnd(): void {
    this.queue.end();
  }

  onTimer(): void {
    this.queue.release();
  }

  /** A first chunk still waiting gets the new delay, counted from its arrival. */
  update(attrs: SlowOpenAttributes): void {
    const delta = attrs.delay - this.attrs.delay;
    this.attrs = attrs;
    if (this.queue.length === 0) return;
    this.opensAt += delta;
    this.queue.shift(delta);
  }

  flush(): void {
    this.queue.flush();
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
