/** Chain mechanics on a fake clock: toxicity rolls, hot swaps, ends and holds. */
import { describe, expect, it } from 'vitest';
import { ChainHarness } from '../testing/chain-harness.js';

describe('chain', () => {
  it('rolls toxicity once per connection: raising it keeps active slots active', () => {
    const active = (toxicity: number, seed: string): boolean => {
      const h = new ChainHarness(seed);
      h.add({ name: 'l', type: 'latency', toxicity, attributes: { latency: 10 } });
      h.send(Buffer.from('x'));
      return h.deliveredLength === 0;
    };
    const seeds = Array.from({ length: 200 }, (_, i) => `conn-${i}`);
    const at30 = seeds.filter((s) => active(0.3, s));
    const at60 = seeds.filter((s) => active(0.6, s));
    expect(at30.length).toBeGreaterThan(30);
    expect(at30.length).toBeLessThan(90);
    expect(at30.every((s) => at60.includes(s))).toBe(true);
  });

  it('activates a slot live when its toxicity is raised, and retires it (flushing) when lowered', () => {
    const h = new ChainHarness();
    h.add({ name: 'l', type: 'latency', toxicity: 0, attributes: { latency: 100 } });
    h.send(Buffer.from('a'));
    expect(h.delivered.toString()).toBe('a');
    h.update('l', { toxicity: 1 });
    h.send(Buffer.from('b'));
    expect(h.delivered.toString()).toBe('a');
    h.update('l', { toxicity: 0 });
    expect(h.delivered.toString()).toBe('ab');
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('stacks toxics in insertion order, and delays add up', () => {
    const h = new ChainHarness();
    h.add({ name: 'a', type: 'latency', attributes: { latency: 100 } });
    h.add({ name: 'b', type: 'latency', attributes: { latency: 50 } });
    h.send(Buffer.from('x'));
    h.clock.advance(149);
    expect(h.deliveredLength).toBe(0);
    h.clock.advance(1);
    expect(h.deliveredLength).toBe(1);
  });

  it('removing a middle toxic passes its held bytes to the next one, in order', () => {
    const h = new ChainHarness();
    h.add({ name: 'a', type: 'latency', attributes: { latency: 100 } });
    h.add({ name: 'b', type: 'latency', attributes: { latency: 10 } });
    h.send(Buffer.from('one'));
    h.clock.advance(50);
    h.send(Buffer.from('two'));
    h.remove('a');
    h.clock.advance(10);
    expect(h.delivered.toString()).toBe('onetwo');
  });

  it('a toxic added after the end has passed sees nothing, and the end is not repeated', () => {
    const h = new ChainHarness();
    h.send(Buffer.from('x'));
    h.end();
    h.add({ name: 'late', type: 'latency', attributes: { latency: 10 } });
    h.clock.runAll();
    expect(h.violation).toBeNull();
    expect(h.ended).toBe(true);
  });

  it('an end held by one stage reaches a stage added behind it', () => {
    const h = new ChainHarness();
    h.add({ name: 'a', type: 'latency', attributes: { latency: 100 } });
    h.send(Buffer.from('x'));
    h.end();
    h.add({ name: 'b', type: 'latency', attributes: { latency: 100 } });
    h.clock.advance(100);
    expect(h.ended).toBe(false);
    h.clock.advance(100);
    expect(h.delivered.toString()).toBe('x');
    expect(h.ended).toBe(true);
  });

  it('jitter never reorders bytes', () => {
    const h = new ChainHarness();
    h.add({ type: 'latency', attributes: { latency: 50, jitter: 50 } });
    const input = Buffer.from(Array.from({ length: 2000 }, (_, i) => i % 251));
    for (let i = 0; i < input.length; i += 10) {
      h.send(input.subarray(i, i + 10));
      h.clock.advance(1);
    }
    h.clock.runAll();
    expect(h.delivered.equals(input)).toBe(true);
  });

  it('latency update moves held chunks by the change', () => {
    const h = new ChainHarness();
    h.add({ name: 'l', type: 'latency', attributes: { latency: 10_000 } });
    h.send(Buffer.from('held'));
    h.clock.advance(100);
    h.update('l', { attributes: { latency: 0 } });
    h.clock.advance(1);
    expect(h.delivered.toString()).toBe('held');
  });
});
