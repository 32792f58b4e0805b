/**
 * Injected time. The data path reads a monotonic clock and arms timers only through a {@link Clock},
 * so tests can run on a {@link FakeClock} without sleeping.
 * @module
 */
import { performance } from 'node:perf_hooks';

/** An opaque timer handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Monotonic time (milliseconds, fractional) and one-shot timers. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Waits up to this long (ms) skip libuv's timers, whose clock counts whole milliseconds: a 0.3 ms
 * remainder would take a full millisecond or more. They run at the next turn of the event loop
 * instead (`setImmediate`; whoever waits checks the time again), which polls for at most this long.
 */
export const SHORT_WAIT_MS = 0.5;

/** Slack in rounding a wait up to whole milliseconds, so float noise never turns 1 ms into 2. */
const ROUNDING_SLACK_MS = 1e-6;

/** A wait of {@link SHORT_WAIT_MS} or less: the next turn of the event loop. */
class NextTurn {
  private readonly immediate: NodeJS.Immediate;
  constructor(callback: () => void) {
    this.immediate = setImmediate(callback);
  }
  cancel(): void {
    clearImmediate(this.immediate);
  }
}

/**
 * Of a longer wait, the share that may be spent polling at the end (the next loop turns) rather than
 * on another 1 ms timer: a 100 ms wait may poll out its last millisecond, a 1 ms wait no more than
 * {@link SHORT_WAIT_MS}, so precision costs at most this share of the wait in CPU.
 */
const POLL_SHARE = 1 / 20;

/**
 * A longer wait: a libuv timer of whole milliseconds, which never ends the wait early. libuv counts
 * from the millisecond the wait started in and wakes up relative to when the loop went to sleep; when
 * the loop crosses a millisecond boundary in between, the timer fires up to a millisecond early. The
 * remainder then takes the next loop turns when it is short (see {@link POLL_SHARE}), otherwise
 * another whole-millisecond timer. The first timer is the wait rounded to the nearest millisecond,
 * not up: a stage re-arms its timer when it wakes, so rounding up would carry each wake's lateness
 * to the next one (up to a millisecond, half of one on average); rounded, a wake is at most half a
 * millisecond late, and an early one polls out the rest.
 */
class WholeMsTimer {
  private timeout: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly due: number;
  private readonly pollLimit: number;

  constructor(
    private readonly callback: () => void,
    ms: number,
  ) {
    this.due = performance.now() + ms;
    this.pollLimit = Math.max(SHORT_WAIT_MS, ms * POLL_SHARE);
    this.timeout = setTimeout(this.fire, Math.max(1, Math.round(ms)));
  }

  cancel(): void {
    if (this.timeout) clearTimeout(this.timeout);
    if (this.immediate) clearImmediate(this.immediate);
    this.timeout = null;
    this.immediate = null;
  }

  private readonly fire = (): void => {
    this.timeout = null;
    this.immediate = null;
    const left = this.due - performance.now();
    if (left <= 0) this.callback();
    else if (left <= this.pollLimit) this.immediate = setImmediate(this.fire);
    else this.timeout = setTimeout(this.fire, Math.ceil(left - ROUNDING_SLACK_MS));
  };
}

/**
 * The real clock: `performance.now()` and Node's timers. Longer waits are rounded up to whole
 * milliseconds for libuv and never end early (see {@link WholeMsTimer}); short ones take the next
 * loop turn.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => (ms <= SHORT_WAIT_MS ? new NextTurn(callback) : new WholeMsTimer(callback, ms)),
  clearTimeout: (handle) => (handle as NextTurn | WholeMsTimer).cancel(),
};

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
