/**
 * Delay distributions for the `latency` toxic, modelled on tc-netem. Every distribution is described
 * by `latency` (the mean delay, ms) and `jitter` (its spread, ms):
 *
 * | distribution   | delay                                                         | jitter is            |
 * |----------------|---------------------------------------------------------------|----------------------|
 * | `uniform`      | uniform in [latency − jitter, latency + jitter]              | the half-width       |
 * | `normal`       | normal, mean latency                                          | the standard deviation |
 * | `lognormal`    | log-normal, mean latency (never negative, long right tail)    | the standard deviation |
 * | `pareto`       | latency + jitter·(4/3)·(X − 1.5), X ~ Pareto(shape 3, scale 1) | netem's table scale (σ ≈ 1.155·jitter) |
 * | `paretonormal` | latency + jitter·(Φ⁻¹(p)/4 + (1 − p)^(−1/3) − 1.5)            | netem's table scale (σ ≈ 1.05·jitter) |
 *
 * `pareto` and `paretonormal` are netem's tables in closed form (netem's 16-bit tables also clip
 * the tail at 4·jitter; these do not). Delays below 0 become 0.
 *
 * Correlation (ρ in [0, 1]) makes each delay lean on the last through a Gaussian AR(1) process:
 * `z = ρ·z_prev + √(1 − ρ²)·ε` with ε standard normal, and the delay is the distribution's quantile
 * at Φ(z). Unlike netem's correlation, which averages uniform draws and so narrows the distribution,
 * this keeps the declared distribution exactly and only orders the samples in time.
 * @module
 */

/** The latency distributions, `uniform` first (the default, Toxiproxy's meaning). */
export const DISTRIBUTIONS = ['uniform', 'normal', 'lognormal', 'pareto', 'paretonormal'] as const;

/** One of {@link DISTRIBUTIONS}. */
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** The parameters of a delay distribution. */
export interface DelayShape {
  /** Mean delay, ms. */
  readonly latency: number;
  /** Spread, ms (see the module table). */
  readonly jitter: number;
  readonly distribution: Distribution;
  /** 0 (independent samples) to 1 (every sample equals the last). */
  readonly correlation: number;
}

/** Complementary error function (Chebyshev fit; fractional error below 1.2e-7 everywhere). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

const A = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;
/** Keeps a uniform draw inside (0, 1), so quantiles stay finite. */
const EDGE = 2 ** -40;

/** Inverse standard normal CDF Φ⁻¹(p) (Acklam; relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  const [a0, a1, a2, a3, a4, a5] = A as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = B as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = C as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = D as [number, number, number, number];
  const u = Math.min(1 - EDGE, Math.max(EDGE, p));
  if (u < P_LOW || u > 1 - P_LOW) {
    const q = Math.sqrt(-2 * Math.log(u < P_LOW ? u : 1 - u));
    const x = (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
    return u < P_LOW ? x : -x;
  }
  const q = u - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

/** σ² of the log-normal with this mean and standard deviation (its μ is ln(mean) − σ²/2). */
function lognormalVariance(mean: number, sd: number): number {
  return Math.log(1 + (sd / mean) ** 2);
}

/**
 * The delay at standard-normal score `z`, i.e. the distribution's quantile at Φ(z), before clamping
 * at 0. Upper tails use Φ(−z) directly so they keep their precision.
 */
export function delayAtScore(distribution: Distribution, latency: number, jitter: number, z: number): number {
  switch (distribution) {
    case 'uniform':
      return latency + (2 * normalCdf(z) - 1) * jitter;
    case 'normal':
      return latency + jitter * z;
    case 'lognormal': {
      const sigma2 = lognormalVariance(latency, jitter);
      return Math.exp(Math.log(latency) - sigma2 / 2 + Math.sqrt(sigma2) * z);
    }
    case 'pareto':
      return latency + jitter * (4 / 3) * (normalCdf(-z) ** (-1 / 3) - 1.5);
    case 'paretonormal':
      return latency + jitter * (z / 4 + normalCdf(-z) ** (-1 / 3) - 1.5);
  }
}

/** The CDF of the (unclamped) delay: P(delay ≤ x). For the clamped delay it holds for x ≥ 0. */
export function delayCdf(distribution: Distribution, latency: number, jitter: number, x: number): number {
  if (jitter === 0) return x >= latency ? 1 : 0;
  switch (distribution) {
    case 'uniform':
      return Math.min(1, Math.max(0, (x - (latency - jitter)) / (2 * jitter)));
    case 'normal':
      return normalCdf((x - latency) / jitter);
    case 'lognormal': {
      if (x <= 0) return 0;
      const sigma2 = lognormalVariance(latency, jitter);
      return normalCdf((Math.log(x) - Math.log(latency) + sigma2 / 2) / Math.sqrt(sigma2));
    }
    case 'pareto': {
      const scale = 1.5 + (0.75 * (x - latency)) / jitter;
      return scale <= 1 ? 0 : 1 - scale ** -3;
    }
    case 'paretonormal': {
      // The quantile is increasing in p, so bisect on p.
      let lo = 0;
      let hi = 1;
      for (let i = 0; i < 60; i++) {
        const mid = (lo + hi) / 2;
        const q = latency + jitter * (normalQuantile(mid) / 4 + (1 - mid) ** (-1 / 3) - 1.5);
        if (q <= x) lo = mid;
        else hi = mid;
      }
      return lo;
    }
  }
}

/** A source of uniform numbers in [0, 1), such as a stage context. */
export interface UniformSource {
  random(): number;
}

/**
 * Draws delays for one stage. Keeps the AR(1) state between samples, so correlation carries across
 * chunks; with `jitter` 0 it draws nothing, and `uniform` without correlation draws exactly as
 * Toxiproxy does (one uniform number per delay).
 */
export class DelaySampler {
  private z = 0;
  private primed = false;

  constructor(private readonly source: UniformSource) {}

  /** The next delay in ms, never negative. */
  sample(shape: DelayShape): number {
    const { latency, jitter, distribution, correlation } = shape;
    if (jitter === 0) return latency;
    const u = this.source.random();
    if (correlation === 0 && distribution === 'uniform') return Math.max(0, latency + (u * 2 - 1) * jitter);
    const e = normalQuantile(u);
    this.z = correlation > 0 && this.primed ? correlation * this.z + Math.sqrt(1 - correlation * correlation) * e : e;
    this.primed = true;
    return Math.max(0, delayAtScore(distribution, latency, jitter, this.z));
  }
}
