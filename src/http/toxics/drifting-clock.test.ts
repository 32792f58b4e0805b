import { describe, expect, it } from 'vitest';
import { DriftingClock, type SkewSettings } from './drifting-clock.js';

const base: SkewSettings = { offset: 0, drift: 0, slew: 500, freezeAt: undefined };

describe('DriftingClock', () => {
  it('starts at the offset and drifts by parts per million of elapsed monotonic time', () => {
    const clock = new DriftingClock({ ...base, offset: -300_000, drift: 250 }, 1_000);
    expect(clock.skew(1_000, 5e12)).toBe(-300_000);
    expect(clock.skew(1_000 + 4_000_000, 5e12)).toBe(-299_000);
    expect(clock.now(1_000, 5e12)).toBe(5e12 - 300_000);
  });

  it('keeps the gathered drift when only the drift changes', () => {
    const clock = new DriftingClock({ ...base, drift: 1000 }, 0);
    clock.update({ ...base, drift: -1000 }, 1_000_000, 0, false);
    expect(clock.skew(1_000_000, 0)).toBe(1000);
    expect(clock.skew(2_000_000, 0)).toBe(0);
  });

  it('slews to a new offset at the slew rate without a step, and steps with jump', () => {
    const clock = new DriftingClock({ ...base, offset: 10_000 }, 0);
    clock.update({ ...base, offset: 0, slew: 1000 }, 100, 0, false);
    expect(clock.skew(100, 0)).toBe(10_000);
    expect(clock.skew(100 + 5_000_000, 0)).toBe(5_000);
    expect(clock.skew(100 + 10_000_000, 0)).toBe(0);
    expect(clock.skew(100 + 20_000_000, 0)).toBe(0);
    clock.update({ ...base, offset: -7_000 }, 30_000_000, 0, true);
    expect(clock.skew(30_000_000, 0)).toBe(-7_000);
  });

  it('is continuous at every update without jump, whatever changes', () => {
    const clock = new DriftingClock({ ...base, offset: 3_000, drift: 800 }, 0);
    let mono = 0;
    const steps: SkewSettings[] = [
      { ...base, offset: 3_000, drift: -400 },
      { ...base, offset: -60_000, drift: -400, slew: 20_000 },
      { ...base, offset: -60_000, drift: 0, freezeAt: 1e12 },
      { ...base, offset: 500, drift: 100 },
    ];
    for (const next of steps) {
      mono += 777_777;
      const wall = 2e12 + mono;
      const before = clock.now(mono, wall);
      clock.update(next, mono, wall, false);
      if (next.freezeAt === undefined) expect(clock.now(mono, wall)).toBeCloseTo(before, 6);
      else expect(clock.now(mono, wall)).toBe(1e12);
    }
  });

  it('freezes fake-now at an instant', () => {
    const clock = new DriftingClock({ ...base, offset: 99, freezeAt: 1_000_000 }, 0);
    expect(clock.now(0, 5e12)).toBe(1_000_000);
    expect(clock.now(1e9, 6e12)).toBe(1_000_000);
  });
});
