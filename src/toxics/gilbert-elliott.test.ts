import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { gilbertElliott, LossProcess, maxRateForBurst } from './gilbert-elliott.js';

/** Loss fraction and mean burst length of `n` decisions. */
function measure(rate: number, burst: number, n: number): { loss: number; meanBurst: number } {
  const rng = createRng('ge', rate, burst);
  const process = new LossProcess(rate, burst);
  let lost = 0;
  let bursts = 0;
  let previous = false;
  for (let i = 0; i < n; i++) {
    const now = process.next(rng.next());
    if (now) lost++;
    if (now && !previous) bursts++;
    previous = now;
  }
  return { loss: lost / n, meanBurst: lost / bursts };
}

describe('Gilbert–Elliott loss', () => {
  it('derives p and r from the average loss and the mean burst length', () => {
    const { p, r } = gilbertElliott(0.05, 4);
    expect(r).toBeCloseTo(0.25, 12);
    expect(p / (p + r)).toBeCloseTo(0.05, 12);
    expect(maxRateForBurst(2)).toBeCloseTo(2 / 3, 12);
  });

  it.each([
    [0.05, 4],
    [0.01, 10],
    [0.2, 2.5],
  ])('rate %f with mean burst %f: both show in a long run', (rate, burst) => {
    // Bursty losses vary more than independent ones: at 1 % and bursts of 10, 4M segments give
    // about 4000 bursts, so a relative spread of about 2 %.
    const { loss, meanBurst } = measure(rate, burst, 4_000_000);
    expect(Math.abs(loss - rate) / rate).toBeLessThan(0.08);
    expect(Math.abs(meanBurst - burst) / burst).toBeLessThan(0.08);
  });

  it('burst 1 gives independent losses (mean burst 1 / (1 − rate))', () => {
    const { loss, meanBurst } = measure(0.2, 1, 500_000);
    expect(loss).toBeCloseTo(0.2, 2);
    expect(meanBurst).toBeCloseTo(1 / 0.8, 1);
  });

  it('rate 0 never loses and rate 1 always does', () => {
    expect(measure(0, 1, 10_000).loss).toBe(0);
    expect(measure(0, 3, 10_000).loss).toBe(0);
    expect(measure(1, 1, 10_000).loss).toBe(1);
  });
});
