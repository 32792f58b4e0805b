/**
 * Datagrams waiting for their time to leave, in order of that time (arrival order among equals),
 * with the stage's one timer armed for the earliest.
 * @module
 */
import type { DatagramContext } from './datagram-toxic.js';

interface Timed {
  datagram: Buffer;
  due: number;
}

/** Below this many spent entries the array is not compacted; above, once they are half of it. */
const COMPACT_AFTER = 1024;

/** A due-ordered queue that releases datagrams through `ctx.forward` when their time comes. */
export class TimedDatagrams {
  private items: Timed[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly ctx: Pick<DatagramContext, 'forward' | 'now' | 'timer'>) {}

  /** Bytes held. */
  get heldBytes(): number {
    return this.bytes;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** The due time of the last datagram, or -Infinity when empty. */
  get lastDue(): number {
    return this.length === 0 ? -Infinity : (this.items[this.items.length - 1] as Timed).due;
  }

  /**
   * Queues a datagram to leave at `due`; returns how many held datagrams it overtakes (0 unless
   * `due` lies before the due time of the last one).
   */
  add(datagram: Buffer, due: number): number {
    let at = this.items.length;
    while (at > this.head && (this.items[at - 1] as Timed).due > due) at--;
    const overtaken = this.items.length - at;
    if (overtaken === 0) this.items.push({ datagram, due });
    else this.items.splice(at, 0, { datagram, due });
    this.bytes += datagram.length;
    if (at === this.head) this.release();
    return overtaken;
  }

  /** Forwards every datagram that is due and arms the timer for the next. */
  release(): void {
    const now = this.ctx.now();
    while (this.head < this.items.length) {
      const next = this.items[this.head] as Timed;
      if (next.due > now) {
        this.ctx.timer.arm(next.due - now);
        return;
      }
      this.take();
      this.ctx.forward(next.datagram);
    }
    this.ctx.timer.cancel();
  }

  /** Forwards everything at once, in order. */
  flush(): void {
    this.ctx.timer.cancel();
    while (this.head < this.items.length) this.ctx.forward(this.take().datagram);
  }

  /** Moves every due time by `delta` ms (never before now), keeping the order. */
  shift(delta: number): void {
    const now = this.ctx.now();
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i] as Timed;
      item.due = Math.max(now, item.due + delta);
    }
    if (this.length > 0) this.release();
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    this.ctx.timer.cancel();
  }

  private take(): Timed {
    const item = this.items[this.head] as Timed;
    this.items[this.head] = undefined as unknown as Timed;
    this.head++;
    this.bytes -= item.datagram.length;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > COMPACT_AFTER && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
