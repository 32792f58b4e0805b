/**
 * Memory stays bounded: a client that stops reading while the upstream streams 1 GiB never makes the
 * proxy hold more than its high-water mark plus one chunk, and the stream completes once the client
 * reads again. Removing a toxic while the destination is wedged returns at once.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy } from '../index.js';
import { connectTo, startServer, waitFor, type TestServer } from '../testing/net.js';
import type { Proxy } from './proxy.js';

const GiB = 1024 * 1024 * 1024;
const MAX_HELD = 1024 * 1024;
const CHUNK = 64 * 1024;

/** Streams `total` bytes to every client, respecting backpressure; counts what it wrote. */
function startStreamer(total: number, written: { bytes: number }): Promise<TestServer> {
  const block = Buffer.alloc(CHUNK, 7);
  return startServer((socket: Socket) => {
    const pump = (): void => {
      while (written.bytes < total) {
        const size = Math.min(CHUNK, total - written.bytes);
        written.bytes += size;
        if (!socket.write(size === CHUNK ? block : block.subarray(0, size))) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end();
    };
    pump();
  });
}

describe('backpressure', () => {
  let upstream: TestServer | undefined;
  let proxy: Proxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  it('holds at most the high-water mark plus one chunk for a client that stopped reading, then completes 1 GiB', async () => {
    const written = { bytes: 0 };
    upstream = await startStreamer(GiB, written);
    proxy = await startProxy({
      upstream: upstream.address,
      maxHeldBytes: MAX_HELD,
      toxics: [{ name: 'lag', type: 'latency', attributes: { latency: 5, jitter: 2 } }],
    });
    const p = proxy;
    const client = await connectTo(p.port);
    client.pause();

    // While the client is wedged, the proxy's held bytes stay under the bound.
    let maxHeld = 0;
    const sampleUntil = Date.now() + 600;
    while (Date.now() < sampleUntil) {
      maxHeld = Math.max(maxHeld, p.heldBytes);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(maxHeld).toBeGreaterThan(0);
    expect(maxHeld).toBeLessThanOrEqual(MAX_HELD + CHUNK);
    // Nothing runs away upstream either: the upstream's writes stalled far short of 1 GiB.
    const stalledAt = written.bytes;
    await new Promise((r) => setTimeout(r, 100));
    expect(written.bytes).toBe(stalledAt);
    expect(written.bytes).toBeLessThan(64 * 1024 * 1024);

    // Removing the toxic while the destination is wedged returns at once; held bytes move on later.
    const heldBefore = p.heldBytes;
    const started = performance.now();
    p.removeToxic('lag');
    expect(performance.now() - started).toBeLessThan(20);
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
    await waitFor(() => p.connections.length === 0, 5000, 'connection to close');
  });

  it('answers toxic add, update and remove at once while the destination is wedged', async () => {
    const written = { bytes: 0 };
    upstream = await startStreamer(256 * 1024 * 1024, written);
    proxy = await startProxy({
      upstream: upstream.address,
      toxics: [{ name: 'slow', type: 'bandwidth', attributes: { rate: 50 } }],
    });
    const p = proxy;
    const client = await connectTo(p.port);
    client.pause();
    await waitFor(() => p.heldBytes > 0, 2000, 'bytes to pile up');
    await new Promise((r) => setTimeout(r, 200));

    const timings: number[] = [];
    const time = (fn: () => void): void => {
      const t0 = performance.now();
      fn();
      timings.push(performance.now() - t0);
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
