import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { startProxy } from '../index.js';
import { ChainHarness } from '../testing/chain-harness.js';
import { connectTo, readAll, startServer } from '../testing/net.js';
import { LossProcess } from './gilbert-elliott.js';
import { MAX_LOSSES } from './loss.js';
import { countLosses, DUPLICATE_ACKS, repairTime } from './retransmission.js';
import { resolveToxic } from './spec.js';

interface Attrs {
  rate: number;
  burst: number;
  segment: number;
  rtt: number;
  rto: number;
  max_rto: number;
  give_up: number;
}

const DEFAULTS: Attrs = { rate: 0.01, burst: 1, segment: 1460, rtt: 50, rto: 200, max_rto: 120_000, give_up: 0 };

interface Segment {
  sent: number;
  bytes: number;
  losses: number;
  delivered: number;
}

/**
 * The model computed offline from the seed's decisions: the stage's stream (after its toxicity
 * roll) decides each segment in order, each lost one is repaired per the retransmission model, and
 * nothing is delivered before what precedes it.
 */
function model(seed: string, attrs: Attrs, chunks: ReadonlyArray<{ time: number; length: number }>): Segment[] {
  const rng = createRng(seed, 't', 'downstream');
  rng.next();
  const source = { random: () => rng.next() };
  const process = new LossProcess(attrs.rate, attrs.burst);
  const segments: Segment[] = [];
  for (const { time, length } of chunks) {
    for (let start = 0; start < length; start += attrs.segment) {
      const lost = process.next(source.random());
      const losses = lost ? countLosses(attrs.rate, attrs.give_up || MAX_LOSSES, source) : 0;
      segments.push({ sent: time, bytes: Math.min(attrs.segment, length - start), losses, delivered: 0 });
    }
  }
  const timers = { rtt: attrs.rtt, rto: attrs.rto, maxRto: attrs.max_rto };
  let previous = -Infinity;
  segments.forEach((s, i) => {
    let own = s.sent;
    if (s.losses > 0) {
      let good = 0;
      let trigger = Infinity;
      for (let j = i + 1; j < segments.length && trigger === Infinity; j++) {
        if ((segments[j] as Segment).losses === 0 && ++good === DUPLICATE_ACKS) trigger = (segments[j] as Segment).sent;
      }
      own = repairTime(s.sent, s.losses, trigger, timers);
    }
    s.delivered = previous = Math.max(previous, own);
  });
  return segments;
}

/** Runs chunks through a `loss` stage on the fake clock; returns the delivery time of every byte range. */
function run(seed: string, attrs: Attrs, input: Buffer, chunkSize: number, gap: number) {
  const h = new ChainHarness(seed);
  const deliveries: Array<{ time: number; length: number }> = [];
  const deliver = h.deliver.bind(h);
  h.deliver = (buf: Buffer) => {
    deliveries.push({ time: h.clock.now(), length: buf.length });
    deliver(buf);
  };
  h.add({ name: 't', type: 'loss', attributes: { ...attrs } });
  const chunks: Array<{ time: number; length: number }> = [];
  for (let offset = 0; offset < input.length; offset += chunkSize) {
    const chunk = input.subarray(offset, offset + chunkSize);
    chunks.push({ time: h.clock.now(), length: chunk.length });
    h.send(chunk);
    h.clock.advance(gap);
  }
  h.end();
  h.clock.runAll();
  return { h, deliveries, chunks };
}

/** The delivery time of each segment, read from the recorded deliveries. */
function segmentTimes(deliveries: ReadonlyArray<{ time: number; length: number }>, segments: readonly Segment[]): number[] {
  const times: number[] = [];
  let d = 0;
  let left = deliveries[0]?.length ?? 0;
  for (const s of segments) {
    times.push((deliveries[d] as { time: number }).time);
    let need = s.bytes;
    while (need > 0) {
      const take = Math.min(need, left);
      need -= take;
      left -= take;
      if (left === 0 && ++d < deliveries.length) left = (deliveries[d] as { length: number }).length;
    }
  }
  return times;
}

describe('loss (stage, fake clock)', () => {
  it('rate 0.05 on 16 MiB: every byte arrives in order and each delay is exactly the model from the seed', () => {
    const attrs: Attrs = { ...DEFAULTS, rate: 0.05 };
    const input = randomBytes(16 * 1024 * 1024);
    const { h, deliveries, chunks } = run('bulk', attrs, input, 64 * 1024, 5);
    expect(h.delivered.equals(input)).toBe(true);
    expect(h.ended).toBe(true);
    expect(h.droppedBytes).toBe(0);

    const segments = model('bulk', attrs, chunks);
    const observed = segmentTimes(deliveries, segments);
    expect(observed).toEqual(segments.map((s) => s.delivered));

    // The decisions behind it look like the declared model.
    const lost = segments.filter((s) => s.losses > 0);
    expect(lost.length / segments.length).toBeGreaterThan(0.044);
    expect(lost.length / segments.length).toBeLessThan(0.056);
    const retransmissionsLost = lost.filter((s) => s.losses > 1).length / lost.length;
    expect(retransmissionsLost).toBeGreaterThan(0.02);
    expect(retransmissionsLost).toBeLessThan(0.09);
    // In bulk transfer later data follows every loss, so a lost segment usually costs one rtt.
    const penalties = lost.map((s) => repairTime(s.sent, s.losses, s.sent, { rtt: 50, rto: 200, maxRto: 120_000 }) - s.sent);
    expect(penalties.filter((p) => p === 50).length / lost.length).toBeGreaterThan(0.9);
    const added = segments.reduce((sum, s) => sum + (s.delivered - s.sent) * s.bytes, 0);
    const observedAdded = segments.reduce((sum, s, i) => sum + ((observed[i] as number) - s.sent) * s.bytes, 0);
    expect(observedAdded).toBe(added);
    expect(added).toBeGreaterThan(0);
  });

  it('bursts (Gilbert–Elliott) and small request-sized chunks: timeouts, doubling, exact model', () => {
    const attrs: Attrs = { ...DEFAULTS, rate: 0.1, burst: 3, segment: 536, rto: 200, max_rto: 1000 };
    const input = randomBytes(600 * 300);
    const { h, deliveries, chunks } = run('requests', attrs, input, 300, 20);
    expect(h.delivered.equals(input)).toBe(true);
    const segments = model('requests', attrs, chunks);
    expect(segmentTimes(deliveries, segments)).toEqual(segments.map((s) => s.delivered));
    // With a chunk every 20 ms, three later segments come 60 ms later: losses are repaired by a fast
    // retransmit 110 ms after they were sent, or later when the retransmission is lost as well.
    const lost = segments.filter((s) => s.losses > 0);
    expect(lost.length).toBeGreaterThan(30);
    expect(lost.some((s) => s.losses > 1)).toBe(true);
  });

  it('a lone lost request waits rto, and rto doubles for every lost retransmission', () => {
    const h = new ChainHarness('lone');
    h.add({ name: 't', type: 'loss', attributes: { rate: 1, rto: 100, max_rto: 250, give_up: 4 } });
    // rate 1: every transmission is lost; the fourth loss in a row gives up.
    h.send(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    h.clock.advance(100 + 200 + 250 + 249);
    expect(h.closedWith).toBeNull();
    expect(h.chain.heldBytes).toBe(18);
    h.clock.advance(1);
    expect(h.closedWith).toBe('rst');
    expect(h.faults).toContain('give_up');
    expect(h.deliveredLength).toBe(0);
  });

  it('delivers a lost request after rto when nothing follows it', () => {
    const rate = 0.5;
    for (let seed = 0; seed < 20; seed++) {
      const h = new ChainHarness(`one-${seed}`);
      const times: number[] = [];
      const deliver = h.deliver.bind(h);
      h.deliver = (buf: Buffer) => {
        times.push(h.clock.now());
        deliver(buf);
      };
      h.add({ name: 't', type: 'loss', attributes: { rate, rtt: 10, rto: 100 } });
      h.send(Buffer.alloc(100));
      h.clock.runAll();
      const [segment] = model(`one-${seed}`, { ...DEFAULTS, rate, rtt: 10, rto: 100 }, [{ time: 0, length: 100 }]);
      expect(times).toEqual([segment?.delivered]);
      // Not lost (0), or lost n times: 100 + 200 + … = 100·(2ⁿ − 1) ms.
      expect([0, ...Array.from({ length: 16 }, (_, n) => 100 * (2 ** (n + 1) - 1))]).toContain(times[0]);
    }
  });

  it('removal delivers everything held at once', () => {
    const h = new ChainHarness('remove');
    h.add({ name: 't', type: 'loss', attributes: { rate: 1, rto: 1000 } });
    const input = randomBytes(10_000);
    h.send(input);
    expect(h.deliveredLength).toBe(0);
    h.remove('t');
    expect(h.delivered.equals(input)).toBe(true);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('rejects impossible parameters with messages that say why', () => {
    const message = (attributes: Record<string, unknown>): string => {
      try {
        resolveToxic({ type: 'loss', attributes }, () => false);
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(message({ rate: 0.9, burst: 2 })).toContain('attributes.rate: a mean burst of 2 segments allows a rate of at most 0.667');
    expect(message({ rto: 500, max_rto: 100 })).toContain('attributes.max_rto: must be at least rto (500 ms)');
    expect(message({ segment: 0 })).toContain('attributes.segment: must be 1 or more (bytes), got 0');
    expect(message({ burst: 0.5 })).toContain('attributes.burst: must be 1 or more (segments), got 0.5');
    expect(message({ rate: 2 })).toContain('attributes.rate: must be a probability from 0 to 1');
    expect(message({})).toBe('accepted');
  });
});

describe('loss (real proxy)', () => {
  it('16 MiB through rate 0.05 loss arrives intact (sha256)', async () => {
    const payload = randomBytes(16 * 1024 * 1024);
    const upstream = await startServer((socket: Socket) => socket.end(payload));
    const proxy = await startProxy({
      upstream: upstream.address,
      seed: 7,
      toxics: [{ type: 'loss', stream: 'downstream', attributes: { rate: 0.05, rtt: 5, rto: 20, max_rto: 200 } }],
    });
    try {
      const client = await connectTo(proxy.port);
      const started = performance.now();
      const { data, error } = await readAll(client);
      client.destroy();
      expect(error).toBeUndefined();
      const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
      expect(data.length).toBe(payload.length);
      expect(digest(data)).toBe(digest(payload));
      // Losses cost time: at 5 % some chunk waits for a repair nearly all the time.
      expect(performance.now() - started).toBeGreaterThan(20);
      expect(proxy.bytes.downstream.dropped).toBe(0);
    } finally {
      await proxy.stop();
      await upstream.close();
    }
  });
});
