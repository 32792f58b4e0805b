/**
 * Chunks held until their release time, in order, with the end of the stream behind them: the
 * mechanism of every toxic that delays data (latency, slicer, slow_open, pause). One timer, armed for
 * the oldest chunk; release times must not decrease, so bytes are never reordered.
 * @module
 */
import { ChunkQueue } from './chunk-queue.js';
import type { StageContext } from '../core/toxic-contract.js';

export class TimedQueue {
  private readonly queue = new ChunkQueue();
  private endPending = false;

  constructor(private readonly ctx: StageContext) {}

  /** Bytes held. */
  get bytes(): number {
    return this.queue.bytes;
  }

  /** Chunks held. */
  get length(): number {
    return this.queue.length;
  }

  /** Holds `buf` until `due` (ms, on the stage's clock); with nothing waiting and `due` past, pushes it at once. */
  add(buf: Buffer, due: number): void {
    const now = this.ctx.now();
    if (this.queue.length === 0 && due <= now) {
      this.ctx.push(buf);
      return;
    }
    this.queue.push(buf, due);
    if (!this.ctx.timer.armed) this.ctx.timer.arm(this.queue.peekTime() - now);
  }

  /** The stage's `onTimer`: pushes every chunk that is due, re-arms for the next, then a pending end. */
  release(): void {
    const now = this.ctx.now();
    while (this.queue.length > 0 && this.queue.peekTime() <= now) this.ctx.push(this.queue.shift());
    if (this.queue.length > 0) this.ctx.timer.arm(this.queue.peekTime() - now);
    else if (this.endPending) this.ctx.end();
  }

  /** The stage's `onEnd`: the end goes at once when nothing waits, otherwise after the last chunk. */
  end(): void {
    if (this.queue.length === 0) this.ctx.end();
    else this.endPending = true;
  }

  /** Moves every held chunk by `delta` ms (never to before now) and re-arms. */
  shift(delta: number): void {
    if (delta === 0 || this.queue.length === 0) return;
    const now = this.ctx.now();
    this.queue.shiftTimes(delta, now);
    this.ctx.timer.arm(this.queue.peekTime() - now);
  }

  /** Pushes everything held at once, in order (the end stays with the chain). */
  flush(): void {
    while (this.queue.length > 0) this.ctx.push(this.queue.shift());
  }

  clear(): void {
    this.queue.clear();
  }
}
