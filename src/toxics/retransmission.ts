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
import { ChunkQueue } from './chunk-queue.js';
import type { UniformSource } from './distributions.js';

/** The timers of the model, in milliseconds. */
export interface RetransmitTimers {
  readonly rtt: number;
  readonly rto: number;
  readonly maxRto: number;
}

/** Later segments that must get through before a fast retransmit (three duplicate ACKs). */
export const DUPLICATE_ACKS = 3;
const GOOD = 0;
const LOST = 1;

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
 * What a `loss` stage holds, oldest first: pieces that got through but wait behind a lost segment,
 * and lost segments waiting for their repair. Lost segments' bookkeeping lives in parallel arrays,
 * so holding costs no object per segment. Each lost segment waits for its fast-retransmit trigger:
 * `DUPLICATE_ACKS` later segments must get through first.
 */
export class RepairQueue {
  private readonly pieces = new ChunkQueue();
  private sent: number[] = [];
  private losses: number[] = [];
  private needed: number[] = [];
  private trigger: number[] = [];
  private head = 0;
  /** Index of the oldest lost segment still waiting for its trigger. */
  private waiting = 0;

  /** Pieces held. */
  get length(): number {
    return this.pieces.length;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.pieces.bytes;
  }

  /** Holds a piece that got through, behind what is already held. */
  holdGood(piece: Buffer): void {
    this.pieces.push(piece, GOOD);
  }

  /** Holds a lost segment; `goodSoFar` counts the segments that got through before it. */
  holdLost(piece: Buffer, sent: number, losses: number, goodSoFar: number): void {
    this.pieces.push(piece, LOST);
    this.sent.push(sent);
    this.losses.push(losses);
    this.needed.push(goodSoFar + DUPLICATE_ACKS);
    this.trigger.push(Infinity);
  }

  /** `good` segments have got through by time `now`: triggers every lost segment waiting for that. */
  resolve(good: number, now: number): void {
    this.waiting = Math.max(this.waiting, this.head);
    while (this.waiting < this.sent.length && (this.needed[this.waiting] as number) <= good) {
      this.trigger[this.waiting++] = now;
    }
  }

  /** Whether the oldest piece is a lost segment. */
  get headLost(): boolean {
    return this.pieces.peekTime() === LOST;
  }

  /** Consecutive losses of the oldest lost segment. */
  headLosses(): number {
    return this.losses[this.head] as number;
  }

  /** When the oldest piece may leave: at once for one that got through, at its repair for a lost one. */
  headDue(timers: RetransmitTimers): number {
    if (!this.headLost) return -Infinity;
    const i = this.head;
    return repairTime(this.sent[i] as number, this.losses[i] as number, this.trigger[i] as number, timers);
  }

  /** Removes and returns the oldest piece. */
  shift(): Buffer {
    if (this.headLost) this.forgetLost();
    return this.pieces.shift();
  }

  clear(): void {
    this.pieces.clear();
    this.sent = [];
    this.losses = [];
    this.needed = [];
    this.trigger = [];
    this.head = 0;
    this.waiting = 0;
  }

  private forgetLost(): void {
    this.head++;
    if (this.head === this.sent.length) {
      this.sent = [];
      this.losses = [];
      this.needed = [];
      this.trigger = [];
      this.head = 0;
      this.waiting = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.sent.length) {
      this.sent = this.sent.slice(this.head);
      this.losses = this.losses.slice(this.head);
      this.needed = this.needed.slice(this.head);
      this.trigger = this.trigger.slice(this.head);
      this.waiting = Math.max(0, this.waiting - this.head);
      this.head = 0;
    }
  }
}
