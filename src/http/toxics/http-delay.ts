import { z } from 'zod';
import { wholeNumber } from '../../toxics/attributes.js';
import { DelaySampler, DISTRIBUTIONS, type UniformSource } from '../../toxics/distributions.js';
import { matchAttribute } from './http-match.js';
import { defineHttpToxic, type HttpHold, type HttpToxic, type HttpToxicContext, type HttpVerdict } from './http-types.js';

const attributes = () =>
  z
    .object({
      delay: wholeNumber('ms').describe('the mean wait'),
      jitter: wholeNumber('ms').describe('the spread of the wait; its meaning depends on `distribution`'),
      distribution: z
        .enum(DISTRIBUTIONS, { error: `expected one of ${DISTRIBUTIONS.join(', ')}` })
        .default('uniform')
        .describe('the shape of the wait, as for `latency`'),
      match: matchAttribute(),
    })
    .superRefine((a, issues) => {
      if (a.distribution === 'lognormal' && a.jitter > 0 && a.delay === 0) {
        issues.addIssue({ code: 'custom', path: ['delay'], message: 'lognormal needs a mean delay above 0 (ms)' });
      }
    });
type DelayAttributes = z.infer<ReturnType<typeof attributes>>;

/** One held exchange: released by its timer, by removal of the toxic, or forgotten when cancelled. */
class Hold implements HttpHold {
  readonly released: Promise<void>;
  private resolve!: () => void;
  private readonly timer: ReturnType<HttpToxicContext['timer']>;

  constructor(
    private readonly owner: Set<Hold>,
    ctx: HttpToxicContext,
    readonly ms: number,
    public due: number,
  ) {
    this.released = new Promise<void>((resolve) => (this.resolve = resolve));
    this.timer = ctx.timer(() => this.release());
    this.timer.arm(due - ctx.now());
    owner.add(this);
  }

  /** Moves the release time (never before `now`). */
  reschedule(due: number, now: number): void {
    this.due = due;
    this.timer.arm(Math.max(0, due - now));
  }

  release(): void {
    this.timer.close();
    this.owner.delete(this);
    this.resolve();
  }

  cancel(): void {
    this.release();
  }
}

/** Holds each matching request before it is forwarded, or each response before its first byte. */
class HttpDelay implements HttpToxic<DelayAttributes> {
  private readonly holds = new Set<Hold>();

  constructor(
    private attrs: DelayAttributes,
    private readonly ctx: HttpToxicContext,
  ) {}

  apply(_head: unknown, random: UniformSource): HttpVerdict {
    const ms = new DelaySampler(random).sample({ ...this.attrs, latency: this.attrs.delay, correlation: 0 });
    if (ms <= 0) return undefined;
    return { kind: 'hold', hold: new Hold(this.holds, this.ctx, ms, this.ctx.now() + ms) };
  }

  /** Held exchanges move by the change in `delay`; the new spread and shape apply to new ones. */
  update(attrs: DelayAttributes): void {
    const delta = attrs.delay - this.attrs.delay;
    this.attrs = attrs;
    if (delta === 0) return;
    const now = this.ctx.now();
    for (const hold of [...this.holds]) hold.reschedule(hold.due + delta, now);
  }

  /** Removal releases every held exchange at once. */
  dispose(): void {
    for (const hold of [...this.holds]) hold.release();
  }
}

/** `http_delay`: waits `delay` ms ± `jitter` before forwarding a request (upstream) or a response (downstream). */
export const httpDelay = defineHttpToxic({
  layer: 'http',
  type: 'http_delay',
  summary: 'Holds matching requests before forwarding, or responses before their first byte.',
  destructive: false,
  attributes,
  create: (attrs, ctx) => new HttpDelay(attrs, ctx),
});
