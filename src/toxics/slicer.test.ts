import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { ChainHarness } from '../testing/chain-harness.js';
import { sliceEnds } from './slicer.js';

describe('slicer', () => {
  it('cuts into pieces within the variation of the average', () => {
    const rng = createRng('slices');
    const ends = sliceEnds(10_000, 100, 20, () => rng.next());
    let start = 0;
    for (const end of ends) {
      const size = end - start;
      expect(size).toBeGreaterThan(0);
      expect(size - 100).toBeLessThanOrEqual(20);
      start = end;
    }
    expect(start).toBe(10_000);
  });

  it('cuts down to single bytes when average and variation are 0', () => {
    expect(sliceEnds(5, 0, 0, () => 0.5)).toEqual([1, 2, 3, 4, 5]);
  });

  it('leaves a chunk within the target size whole', () => {
    expect(sliceEnds(10, 100, 0, () => 0.5)).toEqual([10]);
  });

  it('spaces slices by delay microseconds, first one at once', () => {
    const h = new ChainHarness();
    h.add({ type: 'slicer', attributes: { average_size: 10, size_variation: 0, delay: 5000 } });
    h.send(Buffer.alloc(80, 1));
    expect(h.output.length).toBeGreaterThanOrEqual(1);
    const first = h.output.length;
    h.clock.advance(5);
    expect(h.output.length).toBe(first + 1);
    h.clock.runAll();
    expect(h.deliveredLength).toBe(80);
    expect(h.output.every((b) => b.length <= 10)).toBe(true);
  });
});
