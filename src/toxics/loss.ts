import { z } from 'zod';
import { decimal, fraction, wholeNumber } from './attributes.js';
import { LossProcess, maxRateForBurst } from './gilbert-elliott.js';
import { countLosses, RepairQueue, type RetransmitTimers } from './retransmission.js';
import { defineToxic, type StageContext, type ToxicStage } from '../core/toxic-contract.js';

/** Without `give_up`, a segment still gets through after this many losses in a row (Linux retries ~15 times). */
export const MAX_LOSSES = 16;

const attributes = () =>
  z
    .object({
      rate: fraction(0.01, 'a probability from 0 to 1').describe('probability that a segment is lost'),
      burst: decimal('segments', { min: 1, fallback: 1 }).describe('mean length of a loss burst; 1 = independent losses'),
      segment: wholeNumber('bytes', { min: 1, fallback: 1460 }).describe('the largest virtual segment (an MSS)'),
      rtt: wholeNumber('ms', { fallback: 50 }).describe('round-trip time: the cost of a fast retransmit'),
      rto: wholeNumber('ms', { min: 1, fallback: 200 }).describe("retransmission timeout (Linux's minimum), doubled on each repeated loss"),
      max_rto: wholeNumber('ms', { fallback: 120_000 }).describe("cap of the doubling timeout (Linux's `TCP_RTO_MAX`); at least `rto`"),
      give_up: wholeNumber('losses').describe('losses of one segment in a row after which both sides are reset; 0 = never'),
    })
    .superRefine((a, issues) => {
      if (a.max_rto < a.rto) issues.addIssue({ code: 'custom', path: ['max_rto'], message: `must be at least rto (${a.rto} ms)` });
      if (a.burst > 1 && a.rate > maxRateForBurst(a.burst)) {
        const most = maxRateForBurst(a.burst).toFixed(3);
        issues.addIssue({
          code: 'custom',
          path: ['rate'],
          message: `a mean burst of ${a.burst} segments allows a rate of at most ${most}`,
        });
      }
    });
type LossAttributes = z.infer<ReturnType<typeof attributes>>;

/** Cuts chunks into segments, loses some, and delivers each lost one late, with every later byte behind it. */
class LossStage implements ToxicStage<LossAttributes>, RetransmitTimers {
  private readonly queue = new RepairQueue();
  private readonly process: LossProcess;
  private good = 0;
  private armedFor = 0;
  private endPending = false;

  constructor(
    private attrs: LossAttributes,
    private readonly ctx: StageContext,
  ) {
    this.process = new LossProcess(attrs.rate, attrs.burst);
  }

  get heldBytes(): number {
    return this.queue.bytes;
  }
  get rtt(): number {
    return this.attrs.rtt;
  }
  get rto(): number {
    return this.attrs.rto;
  }
  get maxRto(): number {
    return this.attrs.max_rto;
  }

  onChunk(buf: Buffer): void {
    const { segment, rate, give_up } = this.attrs;
    const now = this.ctx.now();
    let run = 0;
    for (let start = 0; start < buf.length; start += segment) {
      const end = Math.min(buf.length, start + segment);
      if (!this.process.next(this.ctx.random())) {
        this.good++;
        continue;
      }
      if (start > run) this.forward(buf.subarray(run, start));
      const losses = countLosses(rate, give_up > 0 ? give_up : MAX_LOSSES, this.ctx);
      this.queue.holdLost(buf.subarray(start, end), now, losses, this.good);
      run = end;
    }
    if (run < buf.length) this.forward(run === 0 ? buf : buf.subarray(run));
    this.queue.resolve(this.good, now);
    if (this.queue.length > 0) this.drain();
  }

  onEnd(): void {
    if (this.queue.length === 0) this.ctx.end();
    else this.endPending = true;
  }

  onTimer(): void {
    this.drain();
  }

  update(attrs: LossAttributes): void {
    this.attrs = attrs;
    this.process.configure(attrs.rate, attrs.burst);
    if (this.queue.length > 0) this.drain();
  }

  flush(): void {
    while (this.queue.length > 0) this.ctx.push(this.queue.shift());
  }

  dispose(): void {
    this.queue.clear();
  }

  private forward(piece: Buffer): void {
    if (this.queue.length === 0) this.ctx.push(piece);
    else this.queue.holdGood(piece);
  }

  /** Delivers everything up to the first lost segment not yet repaired, and times its repair. */
  private drain(): void {
    const now = this.ctx.now();
    while (this.queue.length > 0) {
      const due = this.queue.headDue(this);
      if (due > now) {
        // Re-arm only when the repair time moved: most chunks arrive behind an unchanged head.
        if (!this.ctx.timer.armed || due !== this.armedFor) this.ctx.timer.arm(due - now);
        this.armedFor = due;
        return;
      }
      if (this.attrs.give_up > 0 && this.queue.headLost && this.queue.headLosses() >= this.attrs.give_up) {
        this.ctx.fault('give_up', { losses: this.queue.headLosses() });
        this.ctx.close('rst');
        return;
      }
      this.ctx.push(this.queue.shift());
    }
    this.ctx.timer.cancel();
    if (this.endPending) this.ctx.end();
  }
}

/**
 * `loss`: TCP packet loss as an application sees it. Segments are lost at `rate` (in bursts when
 * `burst` > 1) and arrive late, never missing: after a fast retransmit (`rtt`) or a doubling
 * timeout (`rto` … `max_rto`), with every later byte behind them. `give_up` resets both sides.
 */
export const loss = defineToxic({
  type: 'loss',
  summary: 'Loses TCP segments at rate; each arrives late (fast retransmit after rtt, or timeout rto doubling), never missing.',
  destructive: false,
  attributes,
  create: (attrs, ctx) => new LossStage(attrs, ctx),
});
