import { z } from 'zod';
import { decimal, fraction } from '../../toxics/attributes.js';
import { LossProcess, maxRateForBurst } from '../../toxics/gilbert-elliott.js';
import { defineDatagramToxic, type DatagramContext, type DatagramStage } from './datagram-toxic.js';

const attributes = () =>
  z
    .object({
      /** Probability that a datagram is lost, 0 to 1 (the long-run average with `burst` or `correlation`). */
      rate: fraction(0.01, 'a probability from 0 to 1'),
      /** Mean loss burst length in datagrams (Gilbert–Elliott, as the TCP `loss` names it); 1 means independent losses. */
      burst: decimal('datagrams', { min: 1, fallback: 1 }),
      /** How much each loss decision leans on the last, 0 to 1: another way to give the same chain as `burst`. */
      correlation: fraction(0, 'a correlation from 0 to 1'),
    })
    .superRefine((a, issues) => {
      if (a.burst > 1 && a.correlation > 0) {
        issues.addIssue({ code: 'custom', path: ['correlation'], message: 'give burst or correlation, not both' });
      }
      if (a.burst > 1 && a.rate > maxRateForBurst(a.burst)) {
        const most = maxRateForBurst(a.burst).toFixed(3);
        issues.addIssue({
          code: 'custom',
          path: ['rate'],
          message: `a mean burst of ${a.burst} datagrams allows a rate of at most ${most}`,
        });
      }
    });
type LossAttributes = z.infer<ReturnType<typeof attributes>>;

/**
 * The mean burst length of the loss chain: `burst` as given, or the one `correlation` ρ implies.
 * With ρ, a datagram after a lost one is lost with probability rate + ρ·(1 − rate), so a burst lasts
 * 1 / ((1 − ρ)(1 − rate)) datagrams on average and the average loss stays `rate`.
 */
export function meanBurst(a: Pick<LossAttributes, 'rate' | 'burst' | 'correlation'>): number {
  if (a.correlation === 0 || a.rate === 0 || a.rate === 1) return a.burst;
  return 1 / ((1 - a.correlation) * (1 - a.rate));
}

/** Loses datagrams for good: one seeded draw per datagram decides it. */
class LossStage implements DatagramStage<LossAttributes> {
  readonly heldBytes = 0;
  private readonly process: LossProcess;

  constructor(
    attrs: LossAttributes,
    private readonly ctx: DatagramContext,
  ) {
    this.process = new LossProcess(attrs.rate, meanBurst(attrs));
  }

  onDatagram(datagram: Buffer): void {
    if (this.process.next(this.ctx.random())) this.ctx.count('dropped', 'loss');
    else this.ctx.forward(datagram);
  }

  /** The chain keeps its state; the new rate and burst apply from the next datagram. */
  update(attrs: LossAttributes): void {
    this.process.configure(attrs.rate, meanBurst(attrs));
  }

  flush(): void {}

  dispose(): void {}
}

/**
 * `loss` on a udp proxy: each datagram is lost at `rate`, independently or in bursts (`burst`, or
 * `correlation`); a lost datagram is gone, as on a real network.
 */
export const datagramLoss = defineDatagramToxic({
  type: 'loss',
  layer: 'datagram',
  summary: 'Drops datagrams at rate, independently or in bursts (burst or correlation); a lost datagram is gone.',
  destructive: 'drops datagrams',
  attributes,
  create: (attrs, ctx) => new LossStage(attrs, ctx),
});
