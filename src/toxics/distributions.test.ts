import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import {
  DelaySampler,
  delayCdf,
  DISTRIBUTIONS,
  erfc,
  normalCdf,
  normalQuantile,
  type DelayShape,
  type Distribution,
} from './distributions.js';

/** Kolmogorov–Smirnov statistic: the largest gap between the empirical CDF and `cdf`. */
function ksStatistic(samples: readonly number[], cdf: (x: number) => number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  let d = 0;
  sorted.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  });
  return d;
}

/** KS critical value at significance 0.01 for n samples (asymptotic). */
const ksCritical = (n: number): number => 1.628 / Math.sqrt(n);

/** Pearson correlation of consecutive samples. */
function lag1Autocorrelation(xs: readonly number[]): number {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = (xs[i] as number) - mean;
    den += d * d;
    if (i > 0) num += d * ((xs[i - 1] as number) - mean);
  }
  return num / den;
}

function draw(shape: DelayShape, n: number, seed = 'fidelity'): number[] {
  const rng = createRng(seed, shape.distribution, shape.correlation);
  const sampler = new DelaySampler({ random: () => rng.next() });
  return Array.from({ length: n }, () => sampler.sample(shape));
}

// latency 400 ms with 40 ms of spread keeps every shape clear of 0, so clamping plays no part.
// lognormal never goes below 0, so it gets a wide spread, where its skew shows.
const LATENCY = 400;
const JITTER = 40;
const PARAMS: Record<Distribution, { latency: number; jitter: number }> = {
  uniform: { latency: LATENCY, jitter: JITTER },
  normal: { latency: LATENCY, jitter: JITTER },
  lognormal: { latency: 100, jitter: 80 },
  pareto: { latency: LATENCY, jitter: JITTER },
  paretonormal: { latency: LATENCY, jitter: JITTER },
};
const N = 4000;

describe('normal helpers', () => {
  it('erfc, Φ and Φ⁻¹ match known values', () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(1)).toBeCloseTo(0.157299207, 7);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 7);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 7);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 7);
    for (const p of [1e-9, 0.01, 0.3, 0.5, 0.8, 0.999999]) expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 5);
    expect(Number.isFinite(normalQuantile(0))).toBe(true);
  });
});

describe.each(DISTRIBUTIONS.map((d) => [d] as const))('latency distribution %s', (distribution: Distribution) => {
  const { latency, jitter } = PARAMS[distribution];
  const shape: DelayShape = { latency, jitter, distribution, correlation: 0 };
  const cdf = (x: number): number => delayCdf(distribution, latency, jitter, x);

  it(`matches its declared CDF (Kolmogorov–Smirnov, ${N} samples, fixed seed)`, () => {
    const d = ksStatistic(draw(shape, N), cdf);
    expect(d).toBeLessThan(ksCritical(N));
  });

  it('keeps its declared shape with correlation (AR(1) on the normal score)', () => {
    const d = ksStatistic(draw({ ...shape, correlation: 0.5 }, 4 * N), cdf);
    // Correlated samples carry less information than independent ones, hence the wider bound.
    expect(d).toBeLessThan(2 * ksCritical(N));
  });

  it('is told apart from a different shape (the test has power)', () => {
    const other: Distribution = distribution === 'normal' ? 'uniform' : 'normal';
    const d = ksStatistic(draw(shape, N), (x) => delayCdf(other, latency, jitter, x));
    expect(d).toBeGreaterThan(2 * ksCritical(N));
  });

  it('has latency as its mean', () => {
    const xs = draw(shape, 20_000);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean - latency)).toBeLessThan(jitter * 0.05);
  });

  it('correlation raises the lag-1 autocorrelation', () => {
    const independent = lag1Autocorrelation(draw(shape, N));
    const correlated = lag1Autocorrelation(draw({ ...shape, correlation: 0.8 }, N));
    expect(Math.abs(independent)).toBeLessThan(0.06);
    // Exactly ρ for normal delays; heavy tails pull Pearson's coefficient down a little.
    expect(correlated).toBeGreaterThan(distribution === 'normal' ? 0.75 : 0.5);
    const full = draw({ ...shape, correlation: 1 }, 100);
    expect(new Set(full).size).toBe(1);
  });
});

describe('declared meanings', () => {
  it('normal and lognormal: jitter is the standard deviation', () => {
    for (const distribution of ['normal', 'lognormal'] as const) {
      const xs = draw({ latency: LATENCY, jitter: JITTER, distribution, correlation: 0 }, 40_000);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
      expect(sd / JITTER).toBeGreaterThan(0.97);
      expect(sd / JITTER).toBeLessThan(1.03);
    }
  });

  it('uniform without correlation draws exactly as Toxiproxy (latency + (2u − 1)·jitter)', () => {
    const rng = createRng('same');
    const expected = Array.from({ length: 100 }, () => LATENCY + (rng.next() * 2 - 1) * JITTER);
    const again = createRng('same');
    const sampler = new DelaySampler({ random: () => again.next() });
    const shape: DelayShape = { latency: LATENCY, jitter: JITTER, distribution: 'uniform', correlation: 0 };
    expect(Array.from({ length: 100 }, () => sampler.sample(shape))).toEqual(expected);
  });

  it('pareto: never below latency − 2/3·jitter, with a heavy right tail', () => {
    const xs = draw({ latency: LATENCY, jitter: JITTER, distribution: 'pareto', correlation: 0 }, N);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(LATENCY - (2 / 3) * JITTER - 1e-9);
    expect(Math.max(...xs)).toBeGreaterThan(LATENCY + 4 * JITTER);
  });

  it('delays are never negative and jitter 0 draws nothing', () => {
    let draws = 0;
    const sampler = new DelaySampler({
      random: () => {
        draws++;
        return 0.001;
      },
    });
    expect(sampler.sample({ latency: 5, jitter: 100, distribution: 'normal', correlation: 0 })).toBe(0);
    draws = 0;
    expect(sampler.sample({ latency: 7, jitter: 0, distribution: 'pareto', correlation: 0.5 })).toBe(7);
    expect(draws).toBe(0);
  });
});
