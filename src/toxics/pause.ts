import { z } from 'zod';
import { wholeNumber } from './attributes.js';
import { TimedQueue } from './timed-queue.js';
import { defineToxic, type StageContext, type ToxicStage } from '../core/toxic-contract.js';

const attributes = () =>
  z
    .object({
      every: wholeNumber('ms', { min: 1, fallback: 1000 }).describe('period: a stall starts at every multiple of it'),
      duration: wholeNumber('ms', { fallback: 100 }).describe('how long each stall lasts'),
      jitter: wholeNumber('ms').describe('each stall lasts `duration` ± up to `jitter` ms (uniform)'),
    })
    .superRefine((a, issues) => {
      if (a.duration + a.jitter >= a.every) {
        issues.addIssue({ code: 'custom', path: ['duration'], message: `duration + jitter must be less than every (${a.every} ms)` });
      }
    });
type PauseAttributes = z.infer<ReturnType<typeof attributes>>;

/**
 * Stall windows are `[k·every, k·every + d_k)` on the proxy's monotonic clock, so every connection
 * through the toxic stalls at the same moments, like clients of a paused process. The window is
 * looked up when data arrives, so an idle connection costs no timer.
 */
class PauseStage implements ToxicStage<PauseAttributes> {
  private readonly queue: TimedQueue;
  private window = -1;
  private windowLength = 0;
  /** When the stall under way ends; -Infinity when none is. */
  private stalledUntil = -Infinity;

  constructor(
    private attrs: PauseAttributes,
    private readonly ctx: StageContext,
  ) {
    this.queue = new TimedQueue(ctx);
  }

  get heldBytes(): number {
    return this.queue.bytes;
  }

  onChunk(buf: Buffer): void {
    if (this.queue.length === 0) {
      const now = this.ctx.now();
      this.stalledUntil = this.stallEnd(now);
      if (this.stalledUntil > now) this.ctx.hold(true);
    }
    this.queue.add(buf, this.stalledUntil);
  }

  onEnd(): void {
    this.queue.end();
  }

  onTimer(): void {
    this.queue.release();
    this.ctx.hold(false);
  }

  /** A stall under way keeps its end; new values apply from the next window. */
  update(attrs: PauseAttributes): void {
    this.attrs = attrs;
    this.window = -1;
  }

  flush(): void {
    this.queue.flush();
  }

  dispose(): void {
    this.queue.clear();
  }

  /** When the stall covering `now` ends (≤ now when there is none). Draws one length per window. */
  private stallEnd(now: number): number {
    const { every, duration, jitter } = this.attrs;
    const k = Math.floor(now / every);
    if (k !== this.window) {
      this.window = k;
      this.windowLength = jitter > 0 ? Math.max(0, duration + (this.ctx.random() * 2 - 1) * jitter) : duration;
    }
    return k * every + this.windowLength;
  }
}

/**
 * `pause`: the remote stops responding for a while, as in a GC pause or VM steal. Every `every` ms
 * this direction stalls for `duration` (± `jitter`) ms: reading stops and arriving data waits,
 * nothing is lost. Outside the stalls data flows untouched.
 */
export const pause = defineToxic({
  type: 'pause',
  summary: 'Stalls this direction for duration ± jitter ms every every ms (like a GC pause); nothing is lost.',
  destructive: false,
  attributes,
  create: (attrs, ctx) => new PauseStage(attrs, ctx),
});
