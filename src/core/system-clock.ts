/**
 * The real clock: `performance.now()` and Node's timers, made precise. libuv's timers count whole
 * milliseconds, so a wait would end up to a millisecond late (or, without care, early); this clock
 * never ends a wait early, and ends sparse waits within a loop turn of their time.
 * @module
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from './clock.js';

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
 * Of a longer wait, the share that may be polled out at the end (the next loop turns) when its timer
 * fired early, rather than taking another 1 ms timer: a 1 ms wait no more than {@link SHORT_WAIT_MS}.
 */
const POLL_SHARE = 1 / 20;

/**
 * Polling for precise wake-ups is bounded process-wide: the loop may spend this share of the time
 * turning without sleeping (refilled continuously, up to {@link POLL_BURST_MS}). A sparse wait, such as
 * a test's first connection through a latency toxic, always has the budget; dense traffic spends it
 * and falls back to whole-millisecond timers, so precision never costs more than this share of a core.
 */
const POLL_BUDGET_SHARE = 1 / 20;
const POLL_BURST_MS = 10;

/** Waits at least this long (ms) may be precise: their timer wakes early, then polls. */
const PRECISE_MIN_MS = 2;

/**
 * Waits are precise only while fewer than this many longer waits are armed in the process: a test's
 * few connections, not a proxy's many streams, whose timers would keep the loop polling all the time.
 */
const SPARSE_WAITS = 4;

/** A waiter the {@link Finisher} polls for: due at `due` (performance.now() time). */
interface Polled {
  readonly due: number;
  /** Polling for a remainder this short (ms) goes on when the budget is spent. */
  readonly pollLimit: number;
  /** Due now: run the wait's callback. */
  finish(): void;
  /** The budget ran out: take a timer for what is left. */
  sleep(left: number): void;
}

/**
 * The loop turns that poll out the last stretch of waits, shared by every wait in the process so
 * that one chain of `setImmediate` serves them all, and charged to the polling budget: each turn
 * costs the time since the previous one, during which the process would otherwise have slept.
 */
class Finisher {
  private readonly waiting = new Set<Polled>();
  private immediate: NodeJS.Immediate | null = null;
  private budget = POLL_BURST_MS;
  private refilledAt = performance.now();
  private lastTurn = 0;
  /** Longer waits armed in the process (see {@link SPARSE_WAITS}). */
  armed = 0;

  /** True when a wait of `ms` should wake early and poll out the rest. */
  precise(ms: number): boolean {
    return ms >= PRECISE_MIN_MS && this.armed < SPARSE_WAITS && this.affordable();
  }

  /** True while the budget allows polling. */
  affordable(): boolean {
    const now = performance.now();
    this.budget = Math.min(POLL_BURST_MS, this.budget + (now - this.refilledAt) * POLL_BUDGET_SHARE);
    this.refilledAt = now;
    return this.budget > 0;
  }

  add(waiter: Polled): void {
    this.waiting.add(waiter);
    if (this.immediate) return;
    this.lastTurn = performance.now();
    this.immediate = setImmediate(this.turn);
  }

  remove(waiter: Polled): void {
    this.waiting.delete(waiter);
    if (this.waiting.size > 0 || !this.immediate) return;
    clearImmediate(this.immediate);
    this.immediate = null;
  }

  private readonly turn = (): void => {
    this.immediate = null;
    const now = performance.now();
    // Spent polling for a wait's guaranteed remainder, the budget may go below zero, but only so far
    // that a quiet moment restores it.
    this.budget = Math.max(-POLL_BURST_MS, this.budget - (now - this.lastTurn));
    this.lastTurn = now;
    for (const waiter of this.waiting) {
      if (waiter.due > now) continue;
      this.waiting.delete(waiter);
      waiter.finish();
    }
    if (this.waiting.size === 0) return;
    if (!this.affordable()) {
      for (const waiter of this.waiting) {
        if (waiter.due - now <= waiter.pollLimit) continue;
        this.waiting.delete(waiter);
        waiter.sleep(waiter.due - now);
      }
      if (this.waiting.size === 0) return;
    }
    this.immediate ??= setImmediate(this.turn);
  };
}

const finisher = new Finisher();

/**
 * A longer wait, which never ends early. libuv's timers count whole milliseconds from the
 * millisecond the wait started in, and wake relative to when the loop went to sleep: a timer of N ms
 * fires between N - 1 and N + 1 ms later. So when the polling budget allows, the timer is
 * floor(wait) - 1 ms and the {@link Finisher} polls out the rest: the wait ends within a loop turn of
 * its time. Otherwise the timer is the wait rounded to the nearest millisecond (rounded up, a stage
 * that re-arms on waking would carry each wake's lateness to the next), and a remainder left by an
 * early fire is polled when short (see {@link POLL_SHARE}), else taken by another timer.
 */
class WholeMsTimer implements Polled {
  private timeout: NodeJS.Timeout | null = null;
  private polled = false;
  private settled = false;
  readonly due: number;
  readonly pollLimit: number;

  constructor(
    private readonly callback: () => void,
    ms: number,
  ) {
    this.due = performance.now() + ms;
    this.pollLimit = Math.max(SHORT_WAIT_MS, ms * POLL_SHARE);
    if (finisher.precise(ms)) this.timeout = setTimeout(this.poll, Math.floor(ms + ROUNDING_SLACK_MS) - 1);
    else this.timeout = setTimeout(this.fire, Math.max(1, Math.round(ms)));
    finisher.armed++;
  }

  cancel(): void {
    if (this.timeout) clearTimeout(this.timeout);
    this.timeout = null;
    if (this.polled) finisher.remove(this);
    this.polled = false;
    this.settle();
  }

  finish(): void {
    this.polled = false;
    this.settle();
    this.callback();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    finisher.armed--;
  }

  sleep(left: number): void {
    this.polled = false;
    this.timeout = setTimeout(this.fire, Math.max(1, Math.round(left)));
  }

  private readonly poll = (): void => {
    this.timeout = null;
    this.polled = true;
    finisher.add(this);
  };

  private readonly fire = (): void => {
    this.timeout = null;
    const left = this.due - performance.now();
    if (left <= 0) this.finish();
    else if (left <= this.pollLimit) this.poll();
    else this.timeout = setTimeout(this.fire, Math.ceil(left - ROUNDING_SLACK_MS));
  };
}

/**
 * The real clock: `performance.now()` and Node's timers. Longer waits never end early and, while the
 * process-wide polling budget lasts, end within a loop turn of their time (see {@link WholeMsTimer});
 * short ones take the next loop turn.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => (ms <= SHORT_WAIT_MS ? new NextTurn(callback) : new WholeMsTimer(callback, ms)),
  clearTimeout: (handle) => (handle as NextTurn | WholeMsTimer).cancel(),
};
