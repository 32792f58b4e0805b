import { describe, expect, it } from 'vitest';
import { DatagramHarness } from '../testing/datagram-harness.js';
import { DATAGRAM_TOXICS } from './datagram-toxics.js';
import { meanBurst } from './toxics/loss.js';

/** Runs a fixed datagram sequence through loss, duplicate, reorder and jittered latency. */
function mixedRun(seed: string) {
  const h = new DatagramHarness(seed);
  h.add({ name: 'loss', type: 'loss', attributes: { rate: 0.1 } });
  h.add({ name: 'dup', type: 'duplicate', attributes: { rate: 0.1 } });
  h.add({ name: 'reorder', type: 'reorder', attributes: { rate: 0.1, gap: 2 } });
  h.add({ name: 'lat', type: 'latency', attributes: { latency: 20, jitter: 15, reorder: true } });
  h.sendNumbered(2000, 1);
  h.clock.runAll();
  return { numbers: h.numbers, times: h.output.map((d) => d.time), counts: { ...h.counts } };
}

describe('datagram toxics: seeded decisions', () => {
  it('a fixed datagram sequence gets the same drops, duplicates and reorders from the same seed, and others from another', () => {
    const first = mixedRun('seed-1');
    const again = mixedRun('seed-1');
    const other = mixedRun('seed-2');
    expect(again).toEqual(first);
    expect(first.counts.dropped).toBeGreaterThan(100);
    expect(first.counts.duplicated).toBeGreaterThan(100);
    expect(first.counts.reordered).toBeGreaterThan(100);
    expect(first.numbers.length).toBe(2000 - first.counts.dropped + first.counts.duplicated);
    expect(other.numbers).not.toEqual(first.numbers);
  });

  it('decisions depend on the flow: another flow number gets other drops from the same seed', () => {
    const drops = (flow: number) => {
      const h = new DatagramHarness('s', 'upstream', 1 << 20, flow);
      h.add({ type: 'loss', attributes: { rate: 0.3 } });
      h.sendNumbered(200);
      return h.numbers;
    };
    expect(drops(1)).toEqual(drops(1));
    expect(drops(2)).not.toEqual(drops(1));
  });

  it('toxicity is rolled once per flow and direction: 0 leaves the flow alone, and the roll decides the same way twice', () => {
    const h = new DatagramHarness();
    h.add({ name: 'p', type: 'partition', toxicity: 0 });
    h.sendNumbered(5);
    expect(h.numbers).toEqual([0, 1, 2, 3, 4]);
    const active = (flow: number) => {
      const x = new DatagramHarness('roll', 'downstream', 1 << 20, flow);
      x.add({ name: 'p', type: 'partition', toxicity: 0.5 });
      x.sendNumbered(3);
      return x.numbers.length === 0;
    };
    const decisions = Array.from({ length: 40 }, (_, i) => active(i + 1));
    expect(Array.from({ length: 40 }, (_, i) => active(i + 1))).toEqual(decisions);
    expect(decisions.filter(Boolean).length).toBeGreaterThan(5);
    expect(decisions.filter((d) => !d).length).toBeGreaterThan(5);
  });
});

describe('loss', () => {
  it('drops datagrams for good at rate, counted as dropped', () => {
    const h = new DatagramHarness();
    h.add({ type: 'loss', attributes: { rate: 0.05 } });
    h.sendNumbered(20_000);
    const lost = 20_000 - h.output.length;
    expect(h.counts.dropped).toBe(lost);
    expect(lost / 20_000).toBeGreaterThan(0.04);
    expect(lost / 20_000).toBeLessThan(0.06);
    expect(h.faults.every((f) => f.kind === 'loss')).toBe(true);
  });

  it('burst loses datagrams in runs of the mean length, at the same average rate', () => {
    const h = new DatagramHarness();
    h.add({ type: 'loss', attributes: { rate: 0.1, burst: 5 } });
    h.sendNumbered(50_000);
    const delivered = new Set(h.numbers);
    let runs = 0;
    let lost = 0;
    for (let i = 0; i < 50_000; i++) {
      if (delivered.has(i)) continue;
      lost++;
      if (i === 0 || delivered.has(i - 1)) runs++;
    }
    expect(lost / 50_000).toBeGreaterThan(0.08);
    expect(lost / 50_000).toBeLessThan(0.12);
    expect(lost / runs).toBeGreaterThan(4);
    expect(lost / runs).toBeLessThan(6);
  });

  it('correlation gives the chain whose loss after a loss is rate + ρ(1 − rate)', () => {
    expect(meanBurst({ rate: 0.1, burst: 1, correlation: 0 })).toBe(1);
    expect(meanBurst({ rate: 0.1, burst: 1, correlation: 0.5 })).toBeCloseTo(1 / (0.5 * 0.9));
    const h = new DatagramHarness();
    h.add({ type: 'loss', attributes: { rate: 0.1, correlation: 0.5 } });
    h.sendNumbered(50_000);
    const delivered = new Set(h.numbers);
    let afterLoss = 0;
    let lostAfterLoss = 0;
    for (let i = 1; i < 50_000; i++) {
      if (delivered.has(i - 1)) continue;
      afterLoss++;
      if (!delivered.has(i)) lostAfterLoss++;
    }
    expect(lostAfterLoss / afterLoss).toBeGreaterThan(0.5);
    expect(lostAfterLoss / afterLoss).toBeLessThan(0.6);
  });

  it('refuses burst and correlation together, and a rate the burst cannot reach', () => {
    const h = new DatagramHarness();
    expect(() => h.add({ type: 'loss', attributes: { burst: 3, correlation: 0.2 } })).toThrow(/burst or correlation/);
    expect(() => h.add({ type: 'loss', attributes: { burst: 2, rate: 0.9 } })).toThrow(/at most 0.667/);
  });
});

describe('latency', () => {
  it('delays every datagram and keeps their order by default, whatever the jitter', () => {
    const h = new DatagramHarness();
    h.add({ type: 'latency', attributes: { latency: 50, jitter: 40 } });
    h.sendNumbered(500, 1);
    h.clock.runAll();
    expect(h.numbers).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(h.counts.reordered).toBe(0);
    expect(h.output[0]?.time).toBeGreaterThanOrEqual(10);
  });

  it('reorder: true lets jitter reorder datagrams, and counts each that overtook another', () => {
    const h = new DatagramHarness();
    h.add({ type: 'latency', attributes: { latency: 50, jitter: 40, reorder: true } });
    h.sendNumbered(500, 1);
    h.clock.runAll();
    expect([...h.numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(h.numbers).not.toEqual([...h.numbers].sort((a, b) => a - b));
    expect(h.counts.reordered).toBeGreaterThan(50);
    for (const d of h.output) expect(d.time - d.datagram.readUInt32BE(0)).toBeGreaterThanOrEqual(10);
  });

  it('holds each datagram exactly latency ms without jitter, and a change of latency moves held ones', () => {
    const h = new DatagramHarness();
    h.add({ name: 'l', type: 'latency', attributes: { latency: 100 } });
    h.sendNumbered(2, 10);
    h.clock.advance(50);
    h.update('l', { attributes: { latency: 300 } });
    h.clock.runAll();
    expect(h.output.map((d) => d.time)).toEqual([300, 310]);
  });

  it('removal sends what it holds at once, in order', () => {
    const h = new DatagramHarness();
    h.add({ name: 'l', type: 'latency', attributes: { latency: 1000, jitter: 500, reorder: true } });
    h.sendNumbered(50, 1);
    expect(h.output).toHaveLength(0);
    h.remove('l');
    expect(h.output).toHaveLength(50);
    expect(h.clock.pendingTimers).toBe(0);
  });
});

describe('duplicate', () => {
  it('rate 1 sends every datagram twice in a row; rate 0 none', () => {
    const h = new DatagramHarness();
    h.add({ name: 'd', type: 'duplicate', attributes: { rate: 1 } });
    h.sendNumbered(3);
    expect(h.numbers).toEqual([0, 0, 1, 1, 2, 2]);
    expect(h.counts.duplicated).toBe(3);
    h.update('d', { attributes: { rate: 0 } });
    h.sendNumbered(2, 0, 3);
    expect(h.numbers.slice(6)).toEqual([3, 4]);
  });
});

describe('reorder', () => {
  it('a held datagram leaves right after the next gap datagrams', () => {
    const h = new DatagramHarness();
    h.add({ name: 'r', type: 'reorder', attributes: { rate: 0.2, gap: 3 } });
    h.sendNumbered(1000);
    h.clock.runAll();
    expect([...h.numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(h.counts.reordered).toBeGreaterThan(100);
    // A datagram held back is overtaken by at most `gap` later ones (more only when they were held too).
    const position = new Map(h.numbers.map((n, i) => [n, i]));
    const late = h.numbers.filter((n, i) => i > n);
    expect(late.length).toBeGreaterThan(0);
    for (const n of late) expect((position.get(n) as number) - n).toBeLessThanOrEqual(3 + 10);
  });

  it('a held datagram leaves after timeout ms when no others follow, so reordering never turns into loss', () => {
    const h = new DatagramHarness();
    h.add({ type: 'reorder', attributes: { rate: 1, gap: 5, timeout: 200 } });
    h.sendNumbered(1);
    expect(h.output).toHaveLength(0);
    h.clock.advance(199);
    expect(h.output).toHaveLength(0);
    h.clock.advance(1);
    expect(h.numbers).toEqual([0]);
    expect(h.counts.reordered).toBe(0);
  });
});

describe('bandwidth', () => {
  it('sends at rate KB/s (1 KB = 1000 bytes), each datagram whole', () => {
    const h = new DatagramHarness();
    h.add({ type: 'bandwidth', attributes: { rate: 10, queue: 1_000_000 } });
    for (let i = 0; i < 10; i++) h.pipeline.push(Buffer.alloc(1000, i));
    h.clock.runAll();
    expect(h.output.map((d) => d.time)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(h.output.every((d, i) => d.datagram.length === 1000 && d.datagram[0] === i)).toBe(true);
  });

  it('drops what does not fit the queue (tail drop), counted as dropped', () => {
    const h = new DatagramHarness();
    h.add({ type: 'bandwidth', attributes: { rate: 1, queue: 3000 } });
    for (let i = 0; i < 10; i++) h.pipeline.push(Buffer.alloc(1000, i));
    h.clock.runAll();
    expect(h.output.map((d) => d.datagram[0])).toEqual([0, 1, 2]);
    expect(h.counts.dropped).toBe(7);
  });

  it('rate 0 is unlimited', () => {
    const h = new DatagramHarness();
    h.add({ type: 'bandwidth', attributes: { rate: 0 } });
    h.sendNumbered(5);
    expect(h.numbers).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('corrupt', () => {
  it('flips bits at rate per byte in a copy, keeping every datagram and its length', () => {
    const h = new DatagramHarness();
    h.add({ type: 'corrupt', attributes: { rate: 0.01 } });
    const originals = Array.from({ length: 200 }, () => Buffer.alloc(500, 0x55));
    for (const d of originals) h.pipeline.push(d);
    expect(h.output).toHaveLength(200);
    expect(originals.every((d) => d.every((b) => b === 0x55))).toBe(true);
    let flipped = 0;
    for (const { datagram } of h.output) {
      expect(datagram.length).toBe(500);
      for (const b of datagram) if (b !== 0x55) flipped++;
    }
    expect(flipped).toBeGreaterThan(700);
    expect(flipped).toBeLessThan(1300);
    expect(h.counts.corrupted).toBeGreaterThan(150);
  });
});

describe('partition', () => {
  it('drops everything one way until removed, reporting when the cut began and healed', () => {
    const h = new DatagramHarness();
    h.add({ name: 'cut', type: 'partition' });
    h.sendNumbered(5, 10);
    expect(h.output).toHaveLength(0);
    expect(h.counts.dropped).toBe(5);
    h.remove('cut');
    h.sendNumbered(2, 0, 5);
    expect(h.numbers).toEqual([5, 6]);
    expect(h.faults.map((f) => f.kind)).toEqual(['partition_begin', ...Array(5).fill('partition'), 'partition_heal']);
    expect(h.faults.at(-1)?.detail).toEqual({ duration_ms: 50 });
  });
});

describe('limits', () => {
  it('a flow direction holds at most its held-bytes limit; more is dropped as held_limit', () => {
    const h = new DatagramHarness('s', 'upstream', 10_000);
    h.add({ type: 'latency', attributes: { latency: 1000 } });
    for (let i = 0; i < 20; i++) h.pipeline.push(Buffer.alloc(1000));
    expect(h.pipeline.heldBytes).toBe(10_000);
    expect(h.counts.dropped).toBe(10);
    expect(h.faults.filter((f) => f.kind === 'held_limit')).toHaveLength(10);
  });

  it('every datagram toxic is on the datagram layer, with a summary and every attribute defaulted', () => {
    const types = DATAGRAM_TOXICS.map((d) => d.type);
    expect(types).toEqual(['latency', 'loss', 'duplicate', 'reorder', 'bandwidth', 'corrupt', 'partition']);
    for (const d of DATAGRAM_TOXICS) {
      expect(d.layer).toBe('datagram');
      expect(d.summary.length).toBeGreaterThan(10);
      expect(() => d.attributes.parse({})).not.toThrow();
    }
  });

  it('bad attributes are refused with what was wrong', () => {
    const h = new DatagramHarness();
    expect(() => h.add({ type: 'duplicate', attributes: { rate: 2 } })).toThrow(/attributes.rate/);
    expect(() => h.add({ type: 'latency', attributes: { reorder: 'yes' } })).toThrow(/true or false/);
    expect(() => h.add({ type: 'slicer' })).toThrow(/invalid toxic type/);
    expect(() => h.add({ type: 'loss', stream: 'sideways' })).toThrow(/stream/);
  });
});
