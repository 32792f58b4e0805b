/**
 * Injected time. The data path reads a monotonic clock and arms timers only through a {@link Clock},
 * so tests can run on a {@link FakeClock} without sleeping.
 * @module
 */

/** An opaque timer handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Monotonic time (milliseconds, fractional) and one-shot timers. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

interface FakeTimer {
  due: number;
  seq: number;
  callback: () => void;
}

/** A manual clock for tests: time moves only on {@link FakeClock.advance}. */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Set<FakeTimer>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer: FakeTimer = { due: this.current + Math.max(0, ms), seq: this.seq++, callback };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as FakeTimer);
  }

  /** Timers armed and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > target) break;
      this.timers.delete(next);
      this.current = Math.max(this.current, next.due);
      next.callback();
    }
    this.current = target;
  }

  /** Fires timers until none is left (bounded, so a timer loop cannot hang a test). */
  runAll(maxSteps = 100_000): void {
    for (let i = 0; i < maxSteps; i++) {
      const next = this.earliest();
      if (!next) return;
      this.advance(next.due - this.current);
    }
    throw new Error('FakeClock.runAll: timers keep re-arming');
  }

  private earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One re-armable timer. Each toxic stage owns exactly one, so a stage never has more than one timer
 * pending, whatever the traffic.
 */
export class StageTimer {
  /** Stage timers armed right now, process-wide (a leak check for tests and diagnostics). */
  static armedCount = 0;
  private handle: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly onFire: () => void,
  ) {}

  /** True while armed. */
  get armed(): boolean {
    return this.handle !== undefined;
  }

  /**
   * (Re)arms the timer to fire in `ms` milliseconds (fractional). The real clock may fire it a little
   * early on a busy loop, so a stage that must not act early checks `now()` when it fires.
   */
  arm(ms: number): void {
    if (this.closed) return;
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    else StageTimer.armedCount++;
    // Node caps timers at 2^31-1 ms; a stage whose deadline lies further re-arms when this fires.
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, ms));
    this.handle = this.clock.setTimeout(this.fire, delay);
  }

  cancel(): void {
    if (this.handle === undefined) return;
    this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    StageTimer.armedCount--;
  }

  /** Cancels and refuses every later `arm` (the stage is gone). */
  close(): void {
    this.cancel();
    this.closed = true;
  }

  private readonly fire = (): void => {
    this.handle = undefined;
    StageTimer.armedCount--;
    this.onFire();
  };
}
