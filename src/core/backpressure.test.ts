/**
 * Memory stays bounded: a client that stops reading while the upstream streams 1 GiB never makes the
 * proxy hold more than its high-water mark plus one chunk, and the stream completes once the client
 * reads again. Removing a toxic while the destination is wedged returns at once: it does no more
 * than a few milliseconds of work (CPU time, which a busy machine does not stretch as it does the
 * wall clock).
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy } from '../index.js';
import { connectTo, startServer, waitFor, type TestServer } from '../testing/net.js';
import type { ToxicProxy } from './proxy.js';

const GiB = 1024 * 1024 * 1024;
const MAX_HELD = 1024 * 1024;
const CHUNK = 64 * 1024;

/** What a streamer wrote, and whether it is waiting for its socket to drain. */
interface Written {
  bytes: number;
  waiting: boolean;
}

/** Streams `total` bytes to every client, respecting backpressure; counts what it wrote. */
function startStreamer(total: number, written: Written): Promise<TestServer> {
  const block = Buffer.alloc(CHUNK, 7);
  return startServer((socket: Socket) => {
    const pump = (): void => {
      while (written.bytes < total) {
        const size = Math.min(CHUNK, total - written.bytes);
        written.bytes += size;
        if (!socket.write(size === CHUNK ? block : block.subarray(0, size))) {
          written.waiting = true;
          socket.once('drain', () => {
            written.waiting = false;
            pump();
          });
          return;
        }
      }
      socket.end();
    };
    pump();
  });
}

/** Milliseconds of CPU time `fn` takes (user and system, this process). */
function cpuMs(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** The upstream's reads are paused and the upstream waits for a drain: nothing moves until the client reads. */
function stalled(p: ToxicProxy, written: Written): boolean {
  return written.waiting && p.connections.length === 1 && p.connections[0]?.downstreamLink?.paused === true;
}

describe('backpressure', () => {
  let upstream: TestServer | undefined;
  let proxy: ToxicProxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  it('holds at most the high-water mark plus one chunk for a client that stopped reading, then completes 1 GiB', async () => {
    const written = { bytes: 0, waiting: false };
    upstream = await startStreamer(GiB, written);
    proxy = await startProxy({
      upstream: upstream.address,
      maxHeldBytes: MAX_HELD,
      toxics: [{ name: 'lag', type: 'latency', attributes: { latency: 5, jitter: 2 } }],
    });
    const p = proxy;
    const client = await connectTo(p.port);
    client.pause();

    // Until the stream stalls, the proxy's held bytes stay under the bound. Stalled: the proxy stopped
    // reading, the upstream waits for a drain, and its count has not moved for 20 polls in a row
    // (each a turn of the event loop that would have seen a drain).
    let maxHeld = 0;
    let last = -1;
    let still = 0;
    await waitFor(
      () => {
        maxHeld = Math.max(maxHeld, p.heldBytes);
        still = written.bytes === last && stalled(p, written) ? still + 1 : 0;
        last = written.bytes;
        return still >= 20;
      },
      60_000,
      'the stream to stall',
    );
    expect(maxHeld).toBeGreaterThan(0);
    expect(maxHeld).toBeLessThanOrEqual(MAX_HELD + CHUNK);
    // Nothing runs away upstream either: the upstream's writes stalled far short of 1 GiB.
    expect(written.bytes).toBeLessThan(64 * 1024 * 1024);

    // Removing the toxic while the destination is wedged returns at once; held bytes move on later.
    const heldBefore = p.heldBytes;
    expect(cpuMs(() => p.removeToxic('lag'))).toBeLessThan(20);
    expect(heldBefore).toBeGreaterThan(0);

    let received = 0;
    const done = new Promise<void>((resolve, reject) => {
      client.on('data', (c: Buffer) => (received += c.length));
      client.once('end', resolve);
      client.once('error', reject);
    });
    client.resume();
    await done;
    expect(received).toBe(GiB);
    client.end();
    await waitFor(() => p.connections.length === 0, 10_000, 'connection to close');
  }, 180_000);

  it('answers toxic add, update and remove at once while the destination is wedged', async () => {
    const written = { bytes: 0, waiting: false };
    upstream = await startStreamer(256 * 1024 * 1024, written);
    proxy = await startProxy({
      upstream: upstream.address,
      toxics: [{ name: 'slow', type: 'bandwidth', attributes: { rate: 50 } }],
    });
    const p = proxy;
    const client = await connectTo(p.port);
    client.pause();
    await waitFor(() => p.heldBytes > 0 && stalled(p, written), 30_000, 'bytes to pile up');

    const timings: number[] = [];
    const time = (fn: () => void): void => {
      timings.push(cpuMs(fn));
    };
    time(() => p.addToxic({ name: 'lag', type: 'latency', attributes: { latency: 1000 } }));
    time(() => p.updateToxic('slow', { attributes: { rate: 0 } }));
    time(() => p.updateToxic('lag', { attributes: { latency: 0 } }));
    time(() => p.removeToxic('lag'));
    time(() => p.removeToxic('slow'));
    expect(Math.max(...timings)).toBeLessThan(20);
    expect(p.heldBytes).toBeLessThanOrEqual(1024 * 1024 + CHUNK);
    client.destroy();
  });
});
