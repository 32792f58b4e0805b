/** The real clock's waits: precise while polling is affordable, whole milliseconds for libuv otherwise. */
import { stat } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StageTimer } from './clock.js';
import { systemClock } from './system-clock.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lateness (ms) of `wait` on the system clock. */
function lateness(wait: number): Promise<number> {
  const armed = performance.now();
  return new Promise((resolve) => systemClock.setTimeout(() => resolve(performance.now() - armed - wait), wait));
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(values.length * q)] as number;

describe('systemClock', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('wakes a millisecond early and polls out the rest of a wait, while polling is affordable', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const start = 12_345.678_901;
    for (const ms of [1, start + 1 - start, 1.99, 99.999_9, 100.000_000_000_1, 2.3]) {
      systemClock.clearTimeout(systemClock.setTimeout(() => {}, ms));
    }
    // Under 2 ms, a wait is a timer of whole milliseconds (rounded, never one more for float noise).
    expect(spy.mock.calls.map((call) => call[1])).toEqual([1, 1, 2, 98, 99, 1]);
  });

  it('ends a sparse wait closer to its time than a plain setTimeout does, in the same run', async () => {
    const precise: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < 30; i++) {
      precise.push(await lateness(4.5));
      const armed = performance.now();
      // A plain timer may also end early: libuv counts from the millisecond the wait started in.
      plain.push(await new Promise<number>((resolve) => setTimeout(() => resolve(Math.abs(performance.now() - armed - 4)), 4)));
      // Sparse: a wait every few dozen milliseconds, well within the polling budget.
      await sleep(20);
    }
    expect(Math.min(...precise)).toBeGreaterThanOrEqual(0);
    // The lower quartile: on busy cores, a process that polls is descheduled more often than one
    // that sleeps, which costs both some waits; it is how close a wait can end that differs.
    expect(quantile(precise, 0.25)).toBeLessThan(quantile(plain, 0.25));
  });

  it('falls back to whole-millisecond timers once polling has taken its share, and recovers', async () => {
    await sleep(400); // the budget, whatever the tests before spent of it
    // A timer of the same length armed right after the wait's early timer blocks the loop for 15 ms
    // before the first polling turn: that turn is charged the whole 15 ms, beyond the burst.
    const blocked = lateness(3);
    setTimeout(() => {
      const until = performance.now() + 15;
      while (performance.now() < until) {}
    }, 2);
    expect(await blocked).toBeGreaterThanOrEqual(0);
    const spy = vi.spyOn(globalThis, 'setTimeout');
    systemClock.clearTimeout(systemClock.setTimeout(() => {}, 10.4));
    expect(spy.mock.calls.at(-1)?.[1]).toBe(10);
    await sleep(400);
    systemClock.clearTimeout(systemClock.setTimeout(() => {}, 10.4));
    expect(spy.mock.calls.at(-1)?.[1]).toBe(9);
  });

  it('keeps whole-millisecond timers while many waits are armed, as on a proxy with many streams', () => {
    const others = Array.from({ length: 4 }, () => systemClock.setTimeout(() => {}, 50));
    const spy = vi.spyOn(globalThis, 'setTimeout');
    systemClock.clearTimeout(systemClock.setTimeout(() => {}, 10.4));
    for (const other of others) systemClock.clearTimeout(other);
    systemClock.clearTimeout(systemClock.setTimeout(() => {}, 10.4));
    expect(spy.mock.calls.map((call) => call[1])).toEqual([10, 9]);
  });

  it('runs a wait of half a millisecond or less at the next loop turn, ahead of a 1 ms timer', async () => {
    // From an I/O callback, so the loop's next phase runs immediates: timers come only after.
    await stat('.');
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

  it('cancels short, polled and timed waits alike', async () => {
    let fired = 0;
    const timer = new StageTimer(systemClock, () => fired++);
    timer.arm(0.2);
    timer.cancel();
    timer.arm(0.1);
    timer.cancel();
    timer.arm(2.5);
    await sleep(1.5);
    timer.close();
    await sleep(5);
    expect(fired).toBe(0);
    expect(timer.armed).toBe(false);
  });
});
