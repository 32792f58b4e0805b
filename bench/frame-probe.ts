/**
 * Times the delay workload's frames inside the proxy process, at the proxy's own boundary: when a
 * frame's stamp reaches the proxy's JavaScript (a socket's 'data' event) and when the proxy hands it
 * to a socket (`write`). The difference is the time the proxy held the frame, free of the load
 * generator's scheduling and of the wake-up delay before the proxy reads. It works the same for any
 * proxy in the process (bare pipe or Faultline) because it wraps `net.Socket` itself; the bench
 * installs it only in proxy processes of setups that run the delay workload.
 * @module
 */
import { Socket } from 'node:net';
import { DELAY_FRAME_BYTES } from './protocol.js';

/** Held time of frames sent inside a window, in milliseconds. */
export interface HoldSample {
  frames: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
}

/**
 * Walks the frames in one direction of one socket, calling `onStamp` with each frame's send time
 * (ns, as a plain number: exact below 2^53 ns, about 104 days of uptime; cheaper than a bigint).
 */
class FrameCursor {
  private pos = 0;
  private readonly stamp = Buffer.alloc(8);

  feed(buf: Buffer, onStamp: (stamp: number) => void): void {
    let i = 0;
    while (i < buf.length) {
      const n = Math.min(this.pos < 8 ? 8 - this.pos : DELAY_FRAME_BYTES - this.pos, buf.length - i);
      if (this.pos < 8) {
        buf.copy(this.stamp, this.pos, i, i + n);
        if (this.pos + n === 8) onStamp(this.stamp.readUInt32LE(0) + this.stamp.readUInt32LE(4) * 2 ** 32);
      }
      this.pos += n;
      i += n;
      if (this.pos === DELAY_FRAME_BYTES) this.pos = 0;
    }
  }
}

/** Wraps `Socket.prototype.emit` and `write` for the life of the process; returns the sampler. */
export function installFrameProbe(): { sample(fromMs: number, toMs: number): HoldSample } {
  const readers = new WeakMap<Socket, FrameCursor>();
  const writers = new WeakMap<Socket, FrameCursor>();
  // Send stamp (ns) → when the proxy saw it (ms); stamps are unique per frame.
  const arrived = new Map<number, number>();
  const sentMs: number[] = [];
  const heldMs: number[] = [];
  const cursor = (map: WeakMap<Socket, FrameCursor>, socket: Socket): FrameCursor => {
    let c = map.get(socket);
    if (!c) map.set(socket, (c = new FrameCursor()));
    return c;
  };

  const emit = Socket.prototype.emit as (this: Socket, event: string | symbol, ...args: unknown[]) => boolean;
  Socket.prototype.emit = function (this: Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data' && Buffer.isBuffer(args[0])) {
      const now = performance.now();
      cursor(readers, this).feed(args[0], (stamp) => arrived.set(stamp, now));
    }
    return emit.call(this, event, ...args);
  } as typeof Socket.prototype.emit;

  const write = Socket.prototype.write;
  Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
    if (Buffer.isBuffer(chunk)) {
      const now = performance.now();
      cursor(writers, this).feed(chunk, (stamp) => {
        const at = arrived.get(stamp);
        if (at === undefined) return;
        arrived.delete(stamp);
        sentMs.push(stamp / 1e6);
        heldMs.push(now - at);
      });
    }
    return (write as (this: Socket, ...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof write;

  return {
    /** Frames sent (by the load generator's clock, the same monotonic clock) in [fromMs, toMs]; then forgets all. */
    sample(fromMs: number, toMs: number): HoldSample {
      const held = heldMs.filter((_, i) => sentMs[i]! >= fromMs && sentMs[i]! <= toMs).sort((a, b) => a - b);
      sentMs.length = 0;
      heldMs.length = 0;
      arrived.clear();
      const at = (q: number): number => held[Math.min(held.length - 1, Math.floor(q * held.length))] ?? 0;
      return { frames: held.length, p50ms: at(0.5), p99ms: at(0.99), maxMs: held[held.length - 1] ?? 0 };
    },
  };
}
