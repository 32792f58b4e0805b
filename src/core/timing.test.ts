/**
 * Timing within tolerance on the real clock: latency 100 ms adds 100 ms (±5 ms, medians), bandwidth
 * 100 KB/s holds within ±10 % over 2 s.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy } from '../index.js';
import { connectTo, readBytes, startEchoServer, startServer, type TestServer } from '../testing/net.js';
import type { Proxy } from './proxy.js';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

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
  let proxy: Proxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  it('latency 100 ms adds 100 ms to a round trip (±5 ms)', async () => {
    upstream = await startEchoServer();
    proxy = await startProxy({ upstream: upstream.address });
    const client = await connectTo(proxy.port);
    const baseline = median(await roundTrips(client, 15));
    proxy.addToxic({ type: 'latency', attributes: { latency: 100 } });
    const delayed = median(await roundTrips(client, 9));
    client.destroy();
    expect(delayed - baseline).toBeGreaterThanOrEqual(95);
    expect(delayed - baseline).toBeLessThanOrEqual(105);
  });

  it('bandwidth 100 KB/s delivers 200 KB in 2 s (±10 %)', async () => {
    const size = 200_000;
    upstream = await startServer((socket) => socket.end(Buffer.alloc(size, 3)));
    proxy = await startProxy({ upstream: upstream.address, toxics: [{ type: 'bandwidth', attributes: { rate: 100 } }] });
    const t0 = performance.now();
    const client = await connectTo(proxy.port);
    const data = await readBytes(client, size);
    const elapsed = performance.now() - t0;
    client.destroy();
    expect(data.length).toBe(size);
    expect(elapsed).toBeGreaterThanOrEqual(1800);
    expect(elapsed).toBeLessThanOrEqual(2200);
  });
});
