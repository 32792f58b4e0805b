import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FakeClock, startProxy } from '../index.js';
import { ChainHarness } from '../testing/chain-harness.js';
import { connectTo, startServer, waitFor } from '../testing/net.js';
import { resolveToxic } from './spec.js';

/** Sends one 1000-byte chunk per ms for `ms` ms; returns each chunk's send and delivery time. */
function stream(h: ChainHarness, ms: number): Array<{ sent: number; delivered: number }> {
  const delivered: number[] = [];
  const deliver = h.deliver.bind(h);
  h.deliver = (buf: Buffer) => {
    for (let i = 0; i < buf.length; i += 1000) delivered.push(h.clock.now());
    deliver(buf);
  };
  const sent: number[] = [];
  for (let t = 0; t < ms; t++) {
    sent.push(h.clock.now());
    h.send(Buffer.alloc(1000, t % 256));
    h.clock.advance(1);
  }
  h.clock.runAll();
  return sent.map((s, i) => ({ sent: s, delivered: delivered[i] as number }));
}

describe('pause (stage, fake clock)', () => {
  it('stalls at every multiple of `every` for `duration` ms; outside the stalls nothing is delayed', () => {
    const h = new ChainHarness();
    h.add({ name: 'gc', type: 'pause', attributes: { every: 100, duration: 20 } });
    const chunks = stream(h, 1000);
    for (const { sent, delivered } of chunks) {
      const phase = sent % 100;
      expect(delivered).toBe(phase < 20 ? sent - phase + 20 : sent);
    }
    expect(h.deliveredLength).toBe(1000 * 1000);
    const bytes = h.delivered;
    for (let t = 0; t < 1000; t++) expect(bytes[t * 1000]).toBe(t % 256);
  });

  it('holds the source during a stall and lets go after it', () => {
    const h = new ChainHarness();
    h.add({ name: 'gc', type: 'pause', attributes: { every: 100, duration: 20 } });
    h.clock.advance(105);
    h.send(Buffer.from('x'));
    expect(h.holding).toBe(true);
    h.end();
    h.clock.advance(14);
    expect(h.ended).toBe(false);
    h.clock.advance(1);
    expect(h.holding).toBe(false);
    expect(h.delivered.toString()).toBe('x');
    expect(h.ended).toBe(true);
  });

  it('with jitter each stall lasts duration ± jitter, still starting on the period', () => {
    const h = new ChainHarness('jitter');
    h.add({ name: 'gc', type: 'pause', attributes: { every: 200, duration: 50, jitter: 30 } });
    const chunks = stream(h, 4000);
    const lengths = new Map<number, number>();
    for (const { sent, delivered } of chunks) {
      if (delivered === sent) continue;
      const window = Math.floor(sent / 200);
      expect(sent % 200).toBeLessThan(80);
      lengths.set(window, delivered - window * 200);
    }
    const values = [...lengths.values()];
    expect(values.length).toBe(20);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(20);
      expect(v).toBeLessThanOrEqual(80);
    }
    expect(new Set(values).size).toBeGreaterThan(5);
  });

  it('requires the stalls to fit in the period', () => {
    expect(() => resolveToxic({ type: 'pause', attributes: { every: 100, duration: 80, jitter: 20 } }, () => false)).toThrow(
      'attributes.duration: duration + jitter must be less than every (100 ms)',
    );
    expect(() => resolveToxic({ type: 'pause', attributes: { every: 0 } }, () => false)).toThrow(
      'attributes.every: must be 1 or more (ms), got 0',
    );
  });
});

describe('pause (real proxy, fake clock)', () => {
  it('stalls a steady stream at the configured period, and only then; nothing is lost', async () => {
    const EVERY = 300;
    const DURATION = 100;
    const CHUNK = 16 * 1024;
    const clock = new FakeClock(150);
    let writer: NodeJS.Timeout | undefined;
    let written = 0;
    const upstream = await startServer((socket: Socket) => {
      const chunk = Buffer.alloc(CHUNK, 7);
      writer = setInterval(() => {
        socket.write(chunk);
        written += CHUNK;
      }, 2);
    });
    const proxy = await startProxy({
      upstream: upstream.address,
      clock,
      toxics: [{ type: 'pause', stream: 'downstream', attributes: { every: EVERY, duration: DURATION } }],
    });
    const down = proxy.bytes.downstream;
    const client = await connectTo(proxy.port);
    let received = 0;
    client.on('data', (c: Buffer) => (received += c.length));
    /** Waits until the upstream has written `chunks` more chunks. */
    const upstreamWrites = (chunks: number): Promise<void> => {
      const target = written + chunks * CHUNK;
      return waitFor(() => written >= target, 10_000, `${chunks} more chunks from the upstream`);
    };
    try {
      for (const stall of [EVERY, 2 * EVERY, 3 * EVERY]) {
        // Between stalls the stream flows.
        const before = down.sent;
        await waitFor(() => down.sent > before + 4 * CHUNK, 10_000, `the stream to flow at ${clock.now()} ms`);
        // From the multiple of `every` on, nothing leaves, however long the upstream keeps writing.
        clock.advance(stall - clock.now());
        await waitFor(() => down.received > down.sent, 10_000, 'a chunk to be held');
        const stalledAt = down.sent;
        await upstreamWrites(10);
        clock.advance(DURATION - 1);
        expect(down.sent).toBe(stalledAt);
        // At the end of the stall the backlog leaves at once.
        clock.advance(1);
        expect(down.sent).toBe(down.received);
        expect(down.sent).toBeGreaterThan(stalledAt);
        clock.advance(EVERY / 2 - DURATION);
      }
      clearInterval(writer);
      await waitFor(() => received === written, 10_000, 'every byte written to arrive');
      expect(down.dropped).toBe(0);
    } finally {
      clearInterval(writer);
      client.destroy();
      await proxy.stop();
      await upstream.close();
    }
  });
});
