import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';

function draw(seed: string, ...parts: Array<string | number>): number[] {
  const rng = createRng(seed, ...parts);
  return Array.from({ length: 5 }, () => rng.next());
}

describe('seeded streams', () => {
  it('repeat for the same seed and path', () => {
    expect(draw('42', 'redis', 'lat', 1, 'upstream')).toEqual(draw('42', 'redis', 'lat', 1, 'upstream'));
  });

  it('differ by seed, toxic, connection and direction', () => {
    const base = draw('42', 'redis', 'lat', 1, 'upstream');
    expect(draw('43', 'redis', 'lat', 1, 'upstream')).not.toEqual(base);
    expect(draw('42', 'redis', 'lat2', 1, 'upstream')).not.toEqual(base);
    expect(draw('42', 'redis', 'lat', 2, 'upstream')).not.toEqual(base);
    expect(draw('42', 'redis', 'lat', 1, 'downstream')).not.toEqual(base);
  });

  it('are uniform in [0, 1)', () => {
    const rng = createRng('uniform');
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng.next();
      if (x < 0 || x >= 1) outside++;
      else buckets[Math.floor(x * 10)]!++;
    }
    expect(outside).toBe(0);
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});
