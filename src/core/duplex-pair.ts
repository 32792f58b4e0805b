/**
 * Two connected in-process byte streams, behaving as the two ends of a loopback TCP connection would
 * without the sockets and system calls: what one end writes, the other reads, with backpressure;
 * `end()` is the peer's `'end'` (half-close); `destroy()` lets the peer read what it has and then the
 * end, and its later writes fail with EPIPE; `resetAndDestroy()` destroys the peer with ECONNRESET.
 * A connection of a proxy with a protocol gateway writes to one end, the gateway parses the other.
 * @module
 */
import { Duplex } from 'node:stream';

function errno(code: 'EPIPE' | 'ECONNRESET', what: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${what} ${code}`), { code });
}

/** One end of a {@link duplexPair}. */
export class PairEnd extends Duplex {
  private peer: PairEnd | null = null;
  /** Our write's callback, held until the peer's reader wants more. */
  private waitingWrite: ((err?: Error | null) => void) | null = null;
  private resetting = false;

  constructor(highWaterMark: number) {
    super({ allowHalfOpen: true, highWaterMark });
  }

  /** Connects two fresh ends. */
  static connect(a: PairEnd, b: PairEnd): void {
    a.peer = b;
    b.peer = a;
  }

  /** Destroys this end and the peer with ECONNRESET, as a TCP reset would. */
  resetAndDestroy(): this {
    this.resetting = true;
    return this.destroy();
  }

  override _read(): void {
    const waiting = this.peer?.waitingWrite;
    if (!waiting || !this.peer) return;
    this.peer.waitingWrite = null;
    waiting();
  }

  /** Hands the peer a copy: the writer may reuse its buffer once the callback has run. */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    const peer = this.peer;
    if (!peer || peer.destroyed) {
      callback(errno('EPIPE', 'write'));
      return;
    }
    if (peer.push(Buffer.from(chunk))) callback();
    else this.waitingWrite = callback;
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.peer?.push(null);
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const peer = this.peer;
    this.waitingWrite = null;
    if (peer && !peer.destroyed) {
      // A write of the peer's waiting for this reader now fails, as on a closed socket.
      const theirs = peer.waitingWrite;
      peer.waitingWrite = null;
      if (this.resetting) peer.destroy(errno('ECONNRESET', 'read'));
      else {
        peer.push(null);
        theirs?.(errno('EPIPE', 'write'));
      }
    }
    callback(err);
  }
}

/** Two connected ends; each buffers up to `highWaterMark` bytes in each direction. */
export function duplexPair(highWaterMark: number): [PairEnd, PairEnd] {
  const a = new PairEnd(highWaterMark);
  const b = new PairEnd(highWaterMark);
  PairEnd.connect(a, b);
  return [a, b];
}
