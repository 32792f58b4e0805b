/** The real clock's waits: whole milliseconds for libuv, the next loop turn for short remainders. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StageTimer, systemClock } from './clock.js';

describe('systemClock', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('hands libuv the wait rounded to whole milliseconds, never one more for float noise', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const start = 12_345.678_901;
    for (const ms of [1, start + 1 - start, 99.999_9, 100.000_000_000_1, 2.3]) {
      systemClock.clearTimeout(systemClock.setTimeout(() => {}, ms));
    }
    expect(spy.mock.calls.map((call) => call[1])).toEqual([1, 1, 100, 100, 2]);
  });

  it('runs a wait of half a millisecond or less at the next loop turn, ahead of a 1 ms timer', async () => {
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      setTimeout(() => {
        order.push('1 ms timer');
        resolve();
      }, 1);
      systemClock.setTimeout(() => order.push('0.3 ms wait'), 0.3);
    });
    expect(order).toEqual(['0.3 ms wait', '1 ms timer']);
  });

  it('never ends a longer wait early, also when the loop crosses a millisecond before it sleeps', async () => {
    const early: number[] = [];
    // 2.9 ms is a 3 ms timer, 2.3 ms a 2 ms one that always fires early and polls out the rest.
    for (let i = 0; i < 40; i++) {
      const wait = i % 2 === 0 ? 2.9 : 2.3;
      const armed = performance.now();
      const waited = new Promise<number>((resolve) => systemClock.setTimeout(() => resolve(performance.now() - armed), wait));
      // A busy loop: libuv counts the timer from the millisecond the wait started in, but sleeps
      // from a later one, which ends the timer early about every other time.
      while (performance.now() < armed + 0.5) {}
      const ms = await waited;
      if (ms < wait) early.push(ms);
    }
    expect(early).toEqual([]);
  });

  it('cancels a short wait like a long one', async () => {
    let fired = 0;
    const timer = new StageTimer(systemClock, () => fired++);
    timer.arm(0.2);
    timer.cancel();
    timer.arm(0.1);
    timer.close();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fired).toBe(0);
    expect(timer.armed).toBe(false);
  });
});
