import { z } from 'zod';
import { fraction, wholeNumber } from './attributes.js';
import { DelaySampler, DISTRIBUTIONS } from './distributions.js';
import { TimedQueue } from './timed-queue.js';
import { defineToxic, type StageContext, type ToxicStage } from '../core/toxic-contract.js';

const attributes = () =>
  z
    .object({
      latency: wholeNumber('ms').describe('the mean delay'),
      jitter: wholeNumber('ms').describe('the spread of the delay; its exact meaning depends on `distribution`'),
      distribution: z
        .enum(DISTRIBUTIONS, { error: `expected one of ${DISTRIBUTIONS.join(', ')}` })
        .default('uniform')
        .describe("the shape of the delay; `uniform` is Toxiproxy's"),
      correlation: fraction(0, 'a correlation from 0 to 1').describe('how much each delay leans on the previous one'),
    })
    .superRefine((a, issues) => {
      if (a.distribution === 'lognormal' && a.jitter > 0 && a.latency === 0) {
        issues.addIssue({ code: 'custom', path: ['latency'], message: 'lognormal needs a mean latency above 0 (ms)' });
      }
    });
type LatencyAttributes = z.infer<ReturnType<typeof attributes>>;

/**
 * Holds each chunk until `arrival + delay`. Release times never go backwards
 * (`due = max(arrival + delay, previous due)`), so jitter can never reorder bytes.
 */
class LatencyStage implements ToxicStage<LatencyAttributes> {
  private readonly queue: TimedQueue;
  private readonly sampler: DelaySampler;
  private lastDue = -Infinity;

  constructor(
    private attrs: LatencyAttributes,
    private readonly ctx: StageContext,
  ) {
    this.queue = new TimedQueue(ctx);
    this.sampler = new DelaySampler(ctx);
  }

  get heldBytes(): number {
    return this.queue.bytes;
  }

  onChunk(buf: Buffer): void {
    const due = Math.max(this.ctx.now() + this.sampler.sample(this.attrs), this.lastDue);
    this.lastDue = due;
    this.queue.add(buf, due);
  }

  onEnd(): void {
    this.queue.end();
  }

  onTimer(): void {
    this.queue.release();
  }

  /** Held chunks move by the change in `latency`; the new spread and shape apply to new chunks. */
  update(attrs: LatencyAttributes): void {
    const delta = attrs.latency - this.attrs.latency;
    this.attrs = attrs;
    if (delta === 0 || this.queue.length === 0) return;
    this.queue.shift(delta);
    this.lastDue = Math.max(this.ctx.now(), this.lastDue + delta);
  }

  flush(): void {
    this.queue.flush();
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
