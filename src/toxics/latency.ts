import { z } from 'zod';
import { fraction, wholeNumber } from './attributes.js';
import { ChunkQueue } from './chunk-queue.js';
import { DelaySampler, DISTRIBUTIONS } from './distributions.js';
import { defineToxic, type StageContext, type ToxicStage } from './types.js';

const attributes = z
  .object({
    /** Mean delay added to every chunk, in milliseconds. */
    latency: wholeNumber('ms'),
    /** Spread of the delay in milliseconds; its meaning depends on `distribution`. */
    jitter: wholeNumber('ms'),
    /** Shape of the delay (extension): uniform (Toxiproxy's), normal, lognormal, pareto, paretonormal. */
    distribution: z.enum(DISTRIBUTIONS, { error: `expected one of ${DISTRIBUTIONS.join(', ')}` }).default('uniform'),
    /** How much each delay leans on the last, 0 to 1 (extension). */
    correlation: fraction(0, 'a correlation from 0 to 1'),
  })
  .superRefine((a, issues) => {
    if (a.distribution === 'lognormal' && a.jitter > 0 && a.latency === 0) {
      issues.addIssue({ code: 'custom', path: ['latency'], message: 'lognormal needs a mean latency above 0 (ms)' });
    }
  });
type LatencyAttributes = z.infer<typeof attributes>;

/**
 * Holds each chunk until `arrival + delay`. Release times never go backwards
 * (`due = max(arrival + delay, previous due)`), so jitter can never reorder bytes.
 */
class LatencyStage implements ToxicStage<LatencyAttributes> {
  private readonly queue = new ChunkQueue();
  private readonly sampler: DelaySampler;
  private lastDue = -Infinity;
  private endPending = false;

  constructor(
    private attrs: LatencyAttributes,
    private readonly ctx: StageContext,
  ) {
    this.sampler = new DelaySampler(ctx);
  }

  get heldBytes(): number {
    return this.queue.bytes;
  }

  onChunk(buf: Buffer): void {
    const now = this.ctx.now();
    const due = Math.max(now + this.sampler.sample(this.attrs), this.lastDue);
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

  /** Held chunks move by the change in `latency`; the new spread and shape apply to new chunks. */
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
}

/** `latency`: delays data by `latency` ms ± `jitter`, one way, shaped by `distribution` (distributions.ts). */
export const latency = defineToxic({
  type: 'latency',
  summary: 'Delays data by latency ± jitter milliseconds, without reordering bytes.',
  destructive: false,
  attributes,
  extensions: ['distribution', 'correlation'],
  create: (attrs, ctx) => new LatencyStage(attrs, ctx),
});
