/**
 * The fake clock behind `clock_skew`: fake-now = real now + skew, where the skew starts at `offset`
 * ms and grows by `drift` parts per million of elapsed (monotonic) time. `freezeAt` pins fake-now to
 * one instant. Changes keep fake-now continuous unless they jump: a drift change keeps the skew
 * gathered so far, an offset change (or leaving a freeze) is reached by slewing the difference away
 * at `slew` ppm, as NTP corrects a clock without stepping it. Pure arithmetic: time comes in as
 * arguments.
 * @module
 */

/** The parameters of a fake clock. */
export interface SkewSettings {
  /** Skew when set, in ms (signed). */
  readonly offset: number;
  /** Extra skew per elapsed time, in parts per million (signed). */
  readonly drift: number;
  /** How fast a continuous change closes the gap to the new settings, in ppm (> 0). */
  readonly slew: number;
  /** When set, fake-now is this instant (epoch ms), whatever the time. */
  readonly freezeAt: number | undefined;
}

/** One fake clock. `mono` is monotonic ms (the engine clock), `wall` real epoch ms. */
export class DriftingClock {
  /** Skew at `anchor`, before the slewing residual. */
  private base: number;
  private anchor: number;
  /** The gap still to slew away, as it was at `residualAt`. */
  private residual = 0;
  private residualAt = 0;

  constructor(
    private settings: SkewSettings,
    mono: number,
  ) {
    this.base = settings.offset;
    this.anchor = mono;
  }

  /** fake-now − real now, in ms. */
  skew(mono: number, wall: number): number {
    if (this.settings.freezeAt !== undefined) return this.settings.freezeAt - wall;
    return this.ideal(mono) + this.remaining(mono);
  }

  /** Fake-now, epoch ms. */
  now(mono: number, wall: number): number {
    return wall + this.skew(mono, wall);
  }

  /**
   * Applies new settings. With `jump` fake-now steps to them at once; otherwise it stays where it
   * is and converges (a new offset) or keeps its gathered drift (same offset, new drift).
   */
  update(next: SkewSettings, mono: number, wall: number, jump: boolean): void {
    if (jump) {
      this.base = next.offset;
      this.residual = 0;
    } else {
      const current = this.skew(mono, wall);
      this.base = next.offset !== this.settings.offset ? next.offset : this.ideal(mono);
      this.residual = current - this.base;
      this.residualAt = mono;
    }
    this.anchor = mono;
    this.settings = next;
  }

  private ideal(mono: number): number {
    return this.base + (this.settings.drift * (mono - this.anchor)) / 1e6;
  }

  private remaining(mono: number): number {
    if (this.residual === 0) return 0;
    const left = Math.abs(this.residual) - (this.settings.slew * (mono - this.residualAt)) / 1e6;
    return left <= 0 ? 0 : Math.sign(this.residual) * left;
  }
}
