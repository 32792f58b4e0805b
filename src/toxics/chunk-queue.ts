/**
 * A FIFO of buffers, each with a time, and a running byte count. Stages use it to hold chunks; the
 * arrays are reused, so holding costs no allocation per chunk beyond the array slots.
 * @module
 */
export class ChunkQueue {
  private bufs: Array<Buffer | undefined> = [];
  private times: number[] = [];
  private head = 0;
  /** Bytes held. */
  bytes = 0;

  get length(): number {
    return this.bufs.length - this.head;
  }

  push(buf: Buffer, time = 0): void {
    this.bufs.push(buf);
    this.times.push(time);
    this.bytes += buf.length;
  }

  /** The oldest buffer (the queue must not be empty). */
  peek(): Buffer {
    return this.bufs[this.head] as Buffer;
  }

  /** The oldest buffer's time (the queue must not be empty). */
  peekTime(): number {
    return this.times[this.head] as number;
  }

  /** Removes and returns the oldest buffer. */
  shift(): Buffer {
    const buf = this.bufs[this.head] as Buffer;
    this.bufs[this.head] = undefined;
    this.head++;
    this.bytes -= buf.length;
    if (this.head === this.bufs.length) this.clear();
    else if (this.head >= 1024 && this.head * 2 >= this.bufs.length) this.compact();
    return buf;
  }

  /** Replaces the oldest buffer by its unsent remainder. */
  replaceHead(rest: Buffer): void {
    this.bytes -= (this.bufs[this.head] as Buffer).length - rest.length;
    this.bufs[this.head] = rest;
  }

  /** Adds `delta` to every time, keeping each at least `floor`. */
  shiftTimes(delta: number, floor: number): void {
    for (let i = this.head; i < this.times.length; i++) {
      this.times[i] = Math.max(floor, (this.times[i] as number) + delta);
    }
  }

  clear(): void {
    this.bufs = [];
    this.times = [];
    this.head = 0;
    this.bytes = 0;
  }

  private compact(): void {
    this.bufs = this.bufs.slice(this.head);
    this.times = this.times.slice(this.head);
    this.head = 0;
  }
}
