/**
 * Times the delay workload's frames inside the proxy process, at the proxy's own boundary: when a
 * frame's stamp reaches the proxy's JavaScript (a socket's 'data' event, or its `onread` callback)
 * and when the proxy hands it to a socket (`write`). The difference is the time the proxy held the
 * frame, free of the load generator's scheduling and of the wake-up delay before the proxy reads. It
 * works the same for any proxy in the process (bare pipe or Faultline) because it wraps `net.Socket`
 * itself; the bench installs it only in proxy processes of setups that run the delay workload. It is
 * kept cheap (no allocation per event beyond a map entry per frame), since its own work delays the
 * proxy too.
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
  minMs: number;
}

/**
 * Walks the frames in one direction of one socket. A frame's send time (ns) is read as a plain
 * number: exact below 2^53 ns (about 104 days of uptime), and cheaper than a bigint.
 */
class FrameCursor {
  private pos = 0;
  private readonly stamp = Buffer.alloc(8);

  /** Calls `probe.arrived` (reading side) or `probe.left` (writing side) for each stamp completed in `buf`. */
  feed(buf: Buffer, probe: Probe, reading: boolean, now: number): void {
    let i = 0;
    while (i < buf.length) {
      const n = Math.min(this.pos < 8 ? 8 - this.pos : DELAY_FRAME_BYTES - this.pos, buf.length - i);
      if (this.pos < 8) {
        buf.copy(this.stamp, this.pos, i, i + n);
        if (this.pos + n === 8) {
          const stamp = this.stamp.readUInt32LE(0) + this.stamp.readUInt32LE(4) * 2 ** 32;
          if (reading) probe.arrived(stamp, now);
          else probe.left(stamp, now);
        }
      }
      this.pos += n;
      i += n;
      if (this.pos === DELAY_FRAME_BYTES) this.pos = 0;
    }
  }
}

class Probe {
  readonly readers = new WeakMap<Socket, FrameCursor>();
  readonly writers = new WeakMap<Socket, FrameCursor>();
  /** Send stamp (ns) → when the proxy saw the frame (ms); stamps are unique per frame. */
  private readonly seen = new Map<number, number>();
  private sentMs: number[] = [];
  private heldMs: number[] = [];

  cursor(map: WeakMap<Socket, FrameCursor>, socket: Socket): FrameCursor {
    let c = map.get(socket);
    if (!c) {
      c = new FrameCursor();
      map.set(socket, c);
    }
    return c;
  }

  arrived(stamp: number, now: number): void {
    this.seen.set(stamp, now);
  }

  left(stamp: number, now: number): void {
    const at = this.seen.get(stamp);
    if (at === undefined) return;
    this.seen.delete(stamp);
    this.sentMs.push(stamp / 1e6);
    this.heldMs.push(now - at);
  }

  sample(fromMs: number, toMs: number): HoldSample {
    const held = this.heldMs.filter((_, i) => this.sentMs[i]! >= fromMs && this.sentMs[i]! <= toMs).sort((a, b) => a - b);
    this.sentMs = [];
    this.heldMs = [];
    this.seen.clear();
    const at = (q: number): number => held[Math.min(held.length - 1, Math.floor(q * held.length))] ?? 0;
    return { frames: held.length, p50ms: at(0.5), p99ms: at(0.99), maxMs: held[held.length - 1] ?? 0, minMs: held[0] ?? 0 };
  }
}

/** Wraps `Socket.prototype.emit` and `write` for the life of the process; returns the sampler. */
export function installFrameProbe(): { sample(fromMs: number, toMs: number): HoldSample } {
  const probe = new Probe();
  const emit = Socket.prototype.emit;
  Socket.prototype.emit = function (this: Socket, event: string | symbol, chunk?: unknown): boolean {
    if (event === 'data' && Buffer.isBuffer(chunk)) probe.cursor(probe.readers, this).feed(chunk, probe, true, performance.now());
    // biome-ignore lint/complexity/noArguments: passed straight to apply, so no array is made per event.
    return emit.apply(this, arguments as unknown as Parameters<typeof emit>);
  } as typeof emit;
  const write = Socket.prototype.write;
  Socket.prototype.write = function (this: Socket, chunk: unknown): boolean {
    if (Buffer.isBuffer(chunk)) probe.cursor(probe.writers, this).feed(chunk, probe, false, performance.now());
    // biome-ignore lint/complexity/noArguments: as above, no array per write.
    return write.apply(this, arguments as unknown as Parameters<typeof write>);
  } as typeof write;
  wrapOnread(probe);
  return { sample: (fromMs, toMs) => probe.sample(fromMs, toMs) };
}

type OnreadCallback = (nread: number, buf: Buffer) => boolean | undefined;

/**
 * Sockets read with `onread` emit no 'data': node:net keeps their callback in a module-private
 * field (a symbol it assigns on every socket), read back on each read. An accessor of that name on
 * `Socket.prototype` sees the assignment and hands node:net a wrapper that feeds the probe first.
 */
function wrapOnread(probe: Probe): void {
  const field = Object.getOwnPropertySymbols(new Socket()).find((s) => s.description === 'kBufferCb');
  if (!field) throw new Error('this Node keeps no onread callback field: the frame probe cannot see onread reads');
  const wrapped = new WeakMap<Socket, OnreadCallback | null>();
  Object.defineProperty(Socket.prototype, field, {
    configurable: true,
    get(this: Socket): OnreadCallback | null {
      return wrapped.get(this) ?? null;
    },
    set(this: Socket, callback: OnreadCallback | null) {
      wrapped.set(
        this,
        callback &&
          ((nread: number, buf: Buffer) => {
            probe.cursor(probe.readers, this).feed(buf.subarray(0, nread), probe, true, performance.now());
            return callback(nread, buf);
          }),
      );
    },
  });
}
