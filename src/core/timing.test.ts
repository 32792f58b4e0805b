/**
 * Timing through a real proxy on real sockets. On the proxy's clock (a fake one) the toxics are exact:
 * latency 100 ms releases a reply at 100 ms, not at 99; bandwidth 100 KB/s delivers 200 KB at 2 s,
 * not before. On the real clock they are never early. How close to the mark real timers land on a
 * given machine is a benchmark question (bench/), not a test's.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy } from '../index.js';
import { connectTo, readBytes, startEchoServer, startServer, waitFor, type TestServer } from '../testing/net.js';
import { FakeClock } from './clock.js';
import type { ToxicProxy } from './proxy.js';

async function roundTrips(client: Socket, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    client.write('ping');
    await readBytes(client, 4);
    times.push(performance.now() - t0);
  }
  return times;
}

describe('timing', () => {
  let upstream: TestServer | undefined;
  let proxy: ToxicProxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  it('latency 100 ms releases each reply exactly 100 ms after it came, on the proxy clock', async () => {
    const clock = new FakeClock();
    upstream = await startEchoServer();
    proxy = await startProxy({ upstream: upstream.address, clock, toxics: [{ type: 'latency', attributes: { latency: 100 } }] });
    const down = proxy.bytes.downstream;
    const client = await connectTo(proxy.port);
    try {
      for (let i = 1; i <= 3; i++) {
        const reply = readBytes(client, 4);
        client.write('ping');
        await waitFor(() => down.received === 4 * i, 10_000, 'the echo to reach the proxy');
        clock.advance(99);
        expect(down.sent).toBe(4 * (i - 1));
        clock.advance(1);
        expect(down.sent).toBe(4 * i);
        expect((await reply).toString()).toBe('ping');
      }
    } finally {
      client.destroy();
    }
  });

  it('latency 100 ms on the real clock: no round trip comes back sooner', async () => {
    upstream = await startEchoServer();
    proxy = await startProxy({ upstream: upstream.address });
    const client = await connectTo(proxy.port);
    proxy.addToxic({ type: 'latency', attributes: { latency: 100 } });
    const delayed = await roundTrips(client, 5);
    client.destroy();
    for (const ms of delayed) expect(ms).toBeGreaterThanOrEqual(100);
  });

  it('bandwidth 100 KB/s delivers 200 KB in exactly 2 s, on the proxy clock', async () => {
    const size = 200_000;
    const clock = new FakeClock();
    upstream = await startServer((socket) => socket.end(Buffer.alloc(size, 3)));
    proxy = await startProxy({ upstream: upstream.address, clock, toxics: [{ type: 'bandwidth', attributes: { rate: 100 } }] });
    const down = proxy.bytes.downstream;
    const client = await connectTo(proxy.port);
    try {
      const data = readBytes(client, size);
      await waitFor(() => down.received === size, 10_000, 'the upstream to send everything');
      // Halfway: half the bytes, short of it by at most the piece still on the wire (20 ms at the rate).
      clock.advance(1000);
      expect(down.sent).toBeLessThanOrEqual(size / 2);
      expect(down.sent).toBeGreaterThanOrEqual(size / 2 - 2000);
      clock.advance(999);
      expect(down.sent).toBeLessThan(size);
      clock.advance(1);
      expect(down.sent).toBe(size);
      expect((await data).length).toBe(size);
    } finally {
      client.destroy();
    }
  });

  it('bandwidth 100 KB/s on the real clock: 200 KB take no less than 2 s', async () => {
    const size = 200_000;
    upstream = await startServer((socket) => socket.end(Buffer.alloc(size, 3)));
    proxy = await startProxy({ upstream: upstream.address, toxics: [{ type: 'bandwidth', attributes: { rate: 100 } }] });
    const t0 = performance.now();
    const client = await connectTo(proxy.port);
    const data = await readBytes(client, size);
    const elapsed = performance.now() - t0;
    client.destroy();
    expect(data.length).toBe(size);
    expect(elapsed).toBeGreaterThanOrEqual(2000);
  });
});
