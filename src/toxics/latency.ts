import { z } from 'zod';
import { wholeNumber } from './attributes.js';
import { ChunkQueue } from './chunk-queue.js';
import { defineToxic, type StageContext, type ToxicStage } from './types.js';

const attributes = z.object({
  /** Delay added to every chunk, in milliseconds. */
  latency: wholeNumber('ms'),
  /** Each delay varies uniformly by up to ± this many milliseconds. */
  jitter: wholeNumber('ms'),
});
type LatencyAttributes = z.infer<typeof attributes>;

/**
 * Holds each chunk until `arrival + delay`. Release times never go backwards
 * (`due = max(arrival + delay, previous due)`), so jitter can never reorder bytes.
 */
class LatencyStage implements ToxicStage<LatencyAttributes> {
  private readonly queue = new ChunkQueue();
  private lastDue = -Infinity;
  private endPending = false;

  constructor(
    private attrs: LatencyAttributes,
    private readonly ctx: StageContext,
  ) {}

  get heldBytes(): number {
    return this.queue.bytes;
  }

  onChunk(buf: Buffer): void {
    const now = this.ctx.now();
    const due = Math.max(now + this.sampleDelay(), this.lastDue);
    this.lastDue = due;
    if (this.queue.length === 0 && due <= now) {
      this.ctx.push(buf);
      return;
    }
    this.queue.push(buf, due);
    if (!this.ctx.timer.armed) this.ctx.timer.arm(this.queue.peekTime() - now);
  }

  onEnd(): void {
    if (this.queue.length === 0) this.ctx.end();
    else this.endPending = true;
  }

  onTimer(): void {
    const now = this.ctx.now();
    while (this.queue.length > 0 && this.queue.peekTime() <= now) this.ctx.push(this.queue.shift());
    if (this.queue.length > 0) this.ctx.timer.arm(this.queue.peekTime() - now);
    else if (this.endPending) this.ctx.end();
  }

  /** Held chunks move by the change in `latency`; new jitter applies to new chunks. */
  update(attrs: LatencyAttributes): void {
    const delta = attrs.latency - this.attrs.latency;
    this.attrs = attrs;
    if (delta === 0 || this.queue.length === 0) return;
    const now = this.ctx.now();
    this.queue.shiftTimes(delta, now);
    this.lastDue = Math.max(now, this.lastDue + delta);
    this.ctx.timer.arm(this.queue.peekTime() - now);
  }

  flush(): void {
    while (this.queue.length > 0) this.ctx.push(this.queue.shift());
  }

  dispose(): void {
    this.queue.clear();
  }

  private sampleDelay(): number {
    const { latency, jitter } = this.attrs;
    if (jitter === 0) return latency;
    return Math.max(0, latency + (this.ctx.random() * 2 - 1) * jitter);
  }
}

/** `latency`: delays data by `latency` ± `jitter` ms, one way. Bytes are never reordered. */
export const latency = defineToxic({
  type: 'latency',
  summary: 'Delays data by latency ± jitter milliseconds, without reordering bytes.',
  destructive: false,
  attributes,
  create: (attrs, ctx) => new LatencyStage(attrs, ctx),
});
