/**
 * Segment loss decisions: independent (Bernoulli) losses, or bursts from a Gilbert–Elliott chain
 * parameterised the way people describe loss: the average loss `rate` and the mean burst length.
 *
 * The chain has a good state (segments get through) and a bad state (segments are lost). It moves
 * good → bad with probability `p` and bad → good with probability `r` per segment, so a burst lasts
 * 1/r segments on average and the long-run loss rate is p / (p + r). Solving for the two knobs:
 * `r = 1 / burst`, `p = rate · r / (1 − rate)`. Since p ≤ 1, a mean burst of `b` segments allows an
 * average loss of at most b / (1 + b).
 * @module
 */

/** Transition probabilities of the two-state chain. */
export interface GilbertElliottParams {
  /** P(good → bad) per segment. */
  readonly p: number;
  /** P(bad → good) per segment. */
  readonly r: number;
}

/** The highest average loss rate a mean burst length of `burst` segments allows. */
export function maxRateForBurst(burst: number): number {
  return burst / (1 + burst);
}

/** The chain for an average loss `rate` (0–1) and a mean burst length `burst` (> 1 segments). */
export function gilbertElliott(rate: number, burst: number): GilbertElliottParams {
  const r = 1 / burst;
  return { p: Math.min(1, rate === 1 ? 1 : (rate * r) / (1 - rate)), r: rate === 1 ? 0 : r };
}

/**
 * Decides, one uniform draw per segment, whether each segment's first transmission is lost.
 * `burst` ≤ 1 gives independent losses; above 1, Gilbert–Elliott bursts. The chain starts in its
 * stationary distribution (the first draw is a plain loss with probability `rate`), so the first
 * segments are no less lossy than later ones.
 */
export class LossProcess {
  private rate = 0;
  private bursty = false;
  private params: GilbertElliottParams = { p: 0, r: 1 };
  private bad: boolean | null = null;

  constructor(rate: number, burst: number) {
    this.configure(rate, burst);
  }

  /** New parameters; the chain keeps its current state. */
  configure(rate: number, burst: number): void {
    this.rate = rate;
    this.bursty = burst > 1;
    if (this.bursty) this.params = gilbertElliott(rate, burst);
  }

  /** Whether the next segment is lost, given a uniform draw `u` in [0, 1). */
  next(u: number): boolean {
    if (!this.bursty) return u < this.rate;
    if (this.bad === null) this.bad = u < this.rate;
    else if (this.bad) this.bad = u >= this.params.r;
    else this.bad = u < this.params.p;
    return this.bad;
  }
}
