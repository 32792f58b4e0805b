/**
 * When a lost TCP segment gets through: the retransmission model of the `loss` toxic, as pure
 * functions and a small ledger of lost segments.
 *
 * A segment first sent at `sent` and lost `losses` times in a row is repaired:
 * - first by a fast retransmit one `rtt` after the third later segment that got through arrived
 *   (the third duplicate ACK), when that comes before the retransmission timer; otherwise by the
 *   timer, `rto` after it was sent;
 * - then, for each retransmission lost again, after another timeout that doubles each time
 *   (`rto`, 2·`rto`, 4·`rto` … counting the first timeout, if there was one), each capped at `maxRto`.
 * @module
 */
import type { UniformSource } from './distributions.js';

/** The timers of the model, in milliseconds. */
export interface RetransmitTimers {
  readonly rtt: number;
  readonly rto: number;
  readonly maxRto: number;
}

/** Later segments that must get through before a fast retransmit (three duplicate ACKs). */
export const DUPLICATE_ACKS = 3;

/** The `k`-th timeout (0-based): `rto · 2^k`, capped at `maxRto`. */
export function backoff(timers: RetransmitTimers, k: number): number {
  return Math.min(timers.maxRto, timers.rto * 2 ** k);
}

/**
 * When a segment sent at `sent` and lost `losses` (≥ 1) times gets through. `trigger` is when the
 * fast-retransmit condition was met (the third later segment arrived), or Infinity if it never was.
 */
export function repairTime(sent: number, losses: number, trigger: number, timers: RetransmitTimers): number {
  const fast = trigger + timers.rtt < sent + backoff(timers, 0);
  let time = fast ? trigger + timers.rtt : sent + backoff(timers, 0);
  let timeouts = fast ? 0 : 1;
  for (let i = 1; i < losses; i++) time += backoff(timers, timeouts++);
  return time;
}

/**
 * How many times in a row a segment is lost: its first transmission was, and each retransmission is
 * lost again with probability `rate` (retransmissions go out an rtt or more later, when a burst has
 * usually passed), up to `cap`.
 */
export function countLosses(rate: number, cap: number, source: UniformSource): number {
  let losses = 1;
  while (losses < cap && source.random() < rate) losses++;
  return losses;
}

/**
 * The lost segments a stage holds, oldest first, in parallel arrays (no object per segment). Each
 * waits for its fast-retransmit trigger: `good` later segments must get through first.
 */
export class LostSegments {
  private sent: number[] = [];
  private losses: number[] = [];
  private needed: number[] = [];
  private trigger: number[] = [];
  private head = 0;
  /** Index of the oldest segment still waiting for its trigger. */
  private waiting = 0;

  get length(): number {
    return this.sent.length - this.head;
  }

  /** Records a lost segment; `goodSoFar` is the count of segments that got through before it. */
  push(sent: number, losses: number, goodSoFar: number): void {
    this.sent.push(sent);
    this.losses.push(losses);
    this.needed.push(goodSoFar + DUPLICATE_ACKS);
    this.trigger.push(Infinity);
  }

  /** `good` segments have got through by time `now`: triggers every segment that was waiting for that. */
  resolve(good: number, now: number): void {
    this.waiting = Math.max(this.waiting, this.head);
    while (this.waiting < this.sent.length && (this.needed[this.waiting] as number) <= good) {
      this.trigger[this.waiting++] = now;
    }
  }

  /** Consecutive losses of the oldest segment. */
  headLosses(): number {
    return this.losses[this.head] as number;
  }

  /** When the oldest segment gets through. */
  headRepair(timers: RetransmitTimers): number {
    const i = this.head;
    return repairTime(this.sent[i] as number, this.losses[i] as number, this.trigger[i] as number, timers);
  }

  /** Forgets the oldest segment. */
  shift(): void {
    this.head++;
    if (this.head === this.sent.length) this.clear();
    else if (this.head >= 1024 && this.head * 2 >= this.sent.length) {
      this.sent = this.sent.slice(this.head);
      this.losses = this.losses.slice(this.head);
      this.needed = this.needed.slice(this.head);
      this.trigger = this.trigger.slice(this.head);
      this.waiting = Math.max(0, this.waiting - this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.sent = [];
    this.losses = [];
    this.needed = [];
    this.trigger = [];
    this.head = 0;
    this.waiting = 0;
  }
}
