import { describe, expect, it } from 'vitest';
import { FakeClock, startProxy } from '../index.js';
import { connectTo, startEchoServer, waitFor } from '../testing/net.js';

interface Decisions {
  /** Upstream latency of each message, ms on the fake clock. */
  jitter: number[];
  /** Downstream delay of each echo from the loss toxic (0 = not lost), ms. */
  loss: number[];
  /** Per connection: did the toxicity-0.5 toxic apply? */
  rolls: boolean[];
}

/** Steps the fake clock 1 ms at a time until `done`; returns the steps taken. */
function stepUntil(clock: FakeClock, done: () => boolean): number {
  let steps = 0;
  while (!done()) {
    if (steps > 100_000) throw new Error('the held data never left');
    clock.advance(1);
    steps++;
  }
  return steps;
}

/**
 * The same traffic through a real proxy on a fake clock: 30 echoed messages on one connection, then
 * 16 more connections. Every random decision shows up as a delay or an active toxic.
 */
async function decisions(seed: number): Promise<Decisions> {
  const clock = new FakeClock();
  const echo = await startEchoServer();
  const proxy = await startProxy({
    upstream: echo.address,
    seed,
    clock,
    toxics: [
      { name: 'jitter', type: 'latency', stream: 'upstream', attributes: { latency: 50, jitter: 40, distribution: 'normal' } },
      { name: 'loss', type: 'loss', stream: 'downstream', attributes: { rate: 0.3, rtt: 5, rto: 20 } },
      { name: 'coin', type: 'slow_close', stream: 'upstream', toxicity: 0.5 },
    ],
  });
  const result: Decisions = { jitter: [], loss: [], rolls: [] };
  try {
    const client = await connectTo(proxy.port);
    const echoed: Buffer[] = [];
    client.on('data', (c: Buffer) => echoed.push(c));
    const up = proxy.bytes.upstream;
    const down = proxy.bytes.downstream;
    const sent: Buffer[] = [];
    for (let i = 0; i < 30; i++) {
      const message = Buffer.alloc(100, i);
      sent.push(message);
      client.write(message);
      await waitFor(() => up.received === (i + 1) * 100, 10_000, 'the proxy to read the message');
      result.jitter.push(stepUntil(clock, () => up.sent === (i + 1) * 100));
      await waitFor(() => down.received === (i + 1) * 100, 10_000, 'the echo');
      result.loss.push(stepUntil(clock, () => down.sent === (i + 1) * 100));
    }
    await waitFor(() => echoed.reduce((n, b) => n + b.length, 0) === 3000, 10_000, 'every echo');
    expect(Buffer.concat(echoed).equals(Buffer.concat(sent))).toBe(true);
    client.destroy();
    for (let n = 0; n < 16; n++) {
      const socket = await connectTo(proxy.port);
      const id = n + 2;
      await waitFor(() => proxy.connections.some((c) => c.id === id && c.upstreamLink), 10_000, 'the connection');
      const conn = proxy.connections.find((c) => c.id === id);
      result.rolls.push(conn?.upstreamLink?.chain.activeToxics().includes('coin') ?? false);
      socket.destroy();
    }
  } finally {
    await proxy.stop();
    await echo.close();
  }
  return result;
}

describe('seeds', () => {
  it('the same seed and the same traffic give the same jitter samples, loss decisions and toxicity rolls', async () => {
    const first = await decisions(42);
    const second = await decisions(42);
    expect(second).toEqual(first);
    // The run exercised every kind of decision.
    expect(new Set(first.jitter).size).toBeGreaterThan(10);
    expect(first.loss.some((d) => d === 0)).toBe(true);
    expect(first.loss.some((d) => d >= 20)).toBe(true);
    expect(first.rolls).toContain(true);
    expect(first.rolls).toContain(false);

    const other = await decisions(43);
    expect(other.jitter).not.toEqual(first.jitter);
    expect(other.loss).not.toEqual(first.loss);
    expect(other.rolls).not.toEqual(first.rolls);
  });
});
