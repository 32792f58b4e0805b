import { z } from 'zod';
import { fraction, wholeNumber } from '../../toxics/attributes.js';
import { DelaySampler, DISTRIBUTIONS } from '../../toxics/distributions.js';
import { defineDatagramToxic, type DatagramContext, type DatagramStage } from './datagram-toxic.js';
import { TimedDatagrams } from './timed-datagrams.js';

const attributes = () =>
  z
    .object({
      /** Mean delay added to every datagram, in milliseconds. */
      latency: wholeNumber('ms'),
      /** Spread of the delay in milliseconds; its meaning depends on `distribution`. */
      jitter: wholeNumber('ms'),
      /** Shape of the delay: uniform, normal, lognormal, pareto, paretonormal (as the TCP `latency`). */
      distribution: z.enum(DISTRIBUTIONS, { error: `expected one of ${DISTRIBUTIONS.join(', ')}` }).default('uniform'),
      /** How much each delay leans on the last, 0 to 1. */
      correlation: fraction(0, 'a correlation from 0 to 1'),
      /** Let jitter reorder datagrams, as a real network does (default false: datagrams keep their order). */
      reorder: z.boolean({ error: 'expected true or false' }).default(false),
    })
    .superRefine((a, issues) => {
      if (a.distribution === 'lognormal' && a.jitter > 0 && a.latency === 0) {
        issues.addIssue({ code: 'custom', path: ['latency'], message: 'lognormal needs a mean latency above 0 (ms)' });
      }
    });
type LatencyAttributes = z.infer<ReturnType<typeof attributes>>;

/**
 * Holds each datagram until `arrival + delay`. Without `reorder`, release times never go backwards
 * (`due = max(arrival + delay, previous due)`); with it, each datagram leaves at its own time and a
 * short delay overtakes a long one.
 */
class LatencyStage implements DatagramStage<LatencyAttributes> {
  private readonly queue: TimedDatagrams;
  private readonly sampler: DelaySampler;

  constructor(
    private attrs: LatencyAttributes,
    private readonly ctx: DatagramContext,
  ) {
    this.queue = new TimedDatagrams(ctx);
    this.sampler = new DelaySampler(ctx);
  }

  get heldBytes(): number {
    return this.queue.heldBytes;
  }

  onDatagram(datagram: Buffer): void {
    const own = this.ctx.now() + this.sampler.sample(this.attrs);
    const overtaken = this.queue.add(datagram, this.attrs.reorder ? own : Math.max(own, this.queue.lastDue));
    if (overtaken > 0) this.ctx.count('reordered', 'jitter');
  }

  onTimer(): void {
    this.queue.release();
  }

  /** Held datagrams move by the change in `latency`; the new spread, shape and order apply to new ones. */
  update(attrs: LatencyAttributes): void {
    const delta = attrs.latency - this.attrs.latency;
    this.attrs = attrs;
    if (delta !== 0 && this.queue.length > 0) this.queue.shift(delta);
  }

  flush(): void {
    this.queue.flush();
  }

  dispose(): void {
    this.queue.clear();
  }
}

/** `latency` on a udp proxy: delays datagrams by `latency` ± `jitter` ms; `reorder: true` lets jitter reorder them. */
export const datagramLatency = defineDatagramToxic({
  type: 'latency',
  layer: 'datagram',
  summary: 'Delays datagrams by latency ± jitter milliseconds; reorder: true lets jitter reorder them.',
  destructive: false,
  attributes,
  create: (attrs, ctx) => new LatencyStage(attrs, ctx),
});
