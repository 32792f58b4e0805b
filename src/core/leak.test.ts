/**
 * No leak: connections torn down by resets in the middle of a transfer through a latency toxic leave
 * no held bytes, no timers and no connections behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy } from '../index.js';
import { connectTo, startServer, waitFor, type TestServer } from '../testing/net.js';
import { StageTimer } from './clock.js';
import type { ToxicProxy } from './proxy.js';

const RESET_BY_UPSTREAM = 1;

describe('teardown leaves nothing behind', () => {
  let upstream: TestServer | undefined;
  let proxy: ToxicProxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  it('returns held bytes, timers and connections to zero after mid-transfer resets', async () => {
    const payload = Buffer.alloc(256 * 1024, 1);
    upstream = await startServer((socket) => {
      socket.write(payload);
      socket.write(payload);
      // Half the upstreams reset mid-stream: those whose client's first byte says so (the order in
      // which the upstream accepts connections need not be the order in which the clients opened
      // them). For the other half the client resets.
      socket.once('data', (first: Buffer) => {
        if (first[0] === RESET_BY_UPSTREAM) setTimeout(() => socket.resetAndDestroy(), 15);
      });
    });
    proxy = await startProxy({
      upstream: upstream.address,
      toxics: [
        { type: 'latency', attributes: { latency: 30, jitter: 10 } },
        { type: 'latency', stream: 'upstream', attributes: { latency: 30 } },
        { type: 'bandwidth', attributes: { rate: 5000 } },
      ],
    });
    const p = proxy;
    const clients = await Promise.all(Array.from({ length: 60 }, () => connectTo(p.port)));
    clients.forEach((c, i) => {
      c.on('error', () => {});
      // The clients read what comes and close when the proxy does. (A reset that reaches a socket
      // whose reader has fallen behind can surface as an end of stream instead; the proxy then
      // closes politely, and a client that never closed would hold the connection open.)
      c.resume();
      c.once('end', () => c.end());
      c.write(Buffer.alloc(10_000, i % 2 === 0 ? RESET_BY_UPSTREAM : 2));
    });
    await waitFor(() => p.heldBytes > 0, 10_000, 'toxics to hold bytes');
    await new Promise((r) => setTimeout(r, 25));
    clients.forEach((c, i) => {
      if (i % 2 === 1) c.resetAndDestroy();
    });
    await waitFor(() => p.connections.length === 0, 20_000, 'every connection to end');
    expect(p.heldBytes).toBe(0);
    expect(StageTimer.armedCount).toBe(0);
    expect(p.connectionsTotal).toBe(60);
  });
});
