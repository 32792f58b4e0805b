import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { ChainHarness } from '../testing/chain-harness.js';
import { DelaySampler, type DelayShape } from './distributions.js';
import { latency } from './latency.js';
import { resolveToxic, wireAttributes } from './spec.js';

/** A harness that records the fake-clock time of every delivery. */
function timedHarness(seed = 'latency'): { h: ChainHarness; times: number[] } {
  const h = new ChainHarness(seed);
  const times: number[] = [];
  const deliver = h.deliver.bind(h);
  h.deliver = (buf: Buffer) => {
    times.push(h.clock.now());
    deliver(buf);
  };
  return { h, times };
}

/** The stage's random stream as the harness derives it, after the toxicity roll. */
function stageStream(seed: string): { random(): number } {
  const rng = createRng(seed, 't', 'downstream');
  rng.next();
  return { random: () => rng.next() };
}

/** Sends one 100-byte chunk every `gap` ms and returns each chunk's delay. */
function delays(h: ChainHarness, times: number[], count: number, gap: number): number[] {
  const sentAt: number[] = [];
  for (let i = 0; i < count; i++) {
    sentAt.push(h.clock.now());
    h.send(Buffer.alloc(100, i));
    h.clock.advance(gap);
  }
  h.clock.runAll();
  expect(times).toHaveLength(count);
  return times.map((t, i) => t - (sentAt[i] as number));
}

/** Each delay as expected, to a nanosecond (the clock adds and subtracts times in floating point). */
function expectClose(observed: number[], expected: number[]): void {
  expect(observed).toHaveLength(expected.length);
  observed.forEach((delay, i) => {
    expect(delay).toBeCloseTo(expected[i] as number, 6);
  });
}

describe('latency', () => {
  it('without the new attributes delays exactly as before: latency + (2u − 1)·jitter, to a fraction of a millisecond', () => {
    const { h, times } = timedHarness();
    h.add({ name: 't', type: 'latency', attributes: { latency: 100, jitter: 30 } });
    const observed = delays(h, times, 200, 1000);
    const stream = stageStream('latency');
    const expected = observed.map(() => Math.max(0, 100 + (stream.random() * 2 - 1) * 30));
    expectClose(observed, expected);
  });

  it('draws each delay from the declared distribution, correlation included', () => {
    const attributes = { latency: 200, jitter: 50, distribution: 'paretonormal', correlation: 0.7 } as const;
    const { h, times } = timedHarness();
    h.add({ name: 't', type: 'latency', attributes });
    const observed = delays(h, times, 300, 10_000);
    const sampler = new DelaySampler(stageStream('latency'));
    const shape: DelayShape = attributes;
    expectClose(
      observed,
      observed.map(() => sampler.sample(shape)),
    );
  });

  it('never reorders bytes, even with a heavy-tailed distribution', () => {
    const { h, times } = timedHarness('order');
    h.add({ name: 't', type: 'latency', attributes: { latency: 20, jitter: 30, distribution: 'pareto' } });
    const input = Buffer.alloc(50_000);
    for (let i = 0; i < input.length; i++) input[i] = i % 251;
    for (let i = 0; i < input.length; i += 500) {
      h.send(input.subarray(i, i + 500));
      h.clock.advance(1);
    }
    h.end();
    h.clock.runAll();
    expect(h.delivered.equals(input)).toBe(true);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(h.ended).toBe(true);
  });

  it('shows distribution and correlation on the wire only when they are not the default', () => {
    const plain = resolveToxic({ type: 'latency', attributes: { latency: 10 } }, () => false).spec;
    expect(wireAttributes(latency, plain.attributes)).toEqual({ latency: 10, jitter: 0 });
    const shaped = resolveToxic(
      { type: 'latency', attributes: { latency: 10, jitter: 2, distribution: 'normal', correlation: 0.25 } },
      () => false,
    ).spec;
    expect(wireAttributes(latency, shaped.attributes)).toEqual({ latency: 10, jitter: 2, distribution: 'normal', correlation: 0.25 });
  });

  it('rejects bad attributes with messages that say what is allowed', () => {
    const parse = (attributes: Record<string, unknown>): string => {
      try {
        resolveToxic({ type: 'latency', attributes }, () => false);
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(parse({ distribution: 'gamma' })).toContain(
      'attributes.distribution: expected one of uniform, normal, lognormal, pareto, paretonormal',
    );
    expect(parse({ correlation: 1.5 })).toContain('attributes.correlation: must be a correlation from 0 to 1');
    expect(parse({ distribution: 'lognormal', jitter: 5 })).toContain('attributes.latency: lognormal needs a mean latency above 0 (ms)');
    expect(parse({ distribution: 'lognormal', latency: 50, jitter: 5, correlation: 0.3 })).toBe('accepted');
  });
});
