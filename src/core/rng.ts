/**
 * Seeded randomness. Every random decision draws from a stream derived from
 * (seed, proxy, toxic, connection ordinal, direction), so one seed and the same traffic give the same
 * decisions, whatever else runs concurrently.
 * @module
 */
import { randomInt } from 'node:crypto';

/** A source of uniform numbers in [0, 1). */
export interface Rng {
  next(): number;
}

/** Hashes a string to four 32-bit words (cyrb128), used as a PRNG state. */
function hash128(key: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < key.length; i++) {
    const k = key.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** sfc32: small, fast, and passes PractRand; plenty for fault decisions. */
class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor([a, b, c, d]: [number, number, number, number]) {
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
}

/** A PRNG stream for `seed` and the path parts that name one decision maker. */
export function createRng(seed: string, ...parts: ReadonlyArray<string | number>): Rng {
  return new Sfc32(hash128([seed, ...parts].join('\u0000')));
}

/** A fresh seed for a server started without `--seed` (logged, so a run can be replayed). */
export function randomSeed(): string {
  return String(randomInt(0, 2 ** 48 - 1));
}
