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

describe('a chain whose stages hold nothing', () => {
  it('forwards each chunk within the call that brought it, arming no timer, in order across changes', () => {
    const h = new ChainHarness();
    h.add({ name: 'zero', type: 'latency', attributes: { latency: 0 } });
    h.add({ name: 'unlimited', type: 'bandwidth', attributes: { rate: 0 } });
    h.add({ name: 'rolled-off', type: 'latency', toxicity: 0, attributes: { latency: 1000 } });
    h.add({ name: 'noop', type: 'noop' });
    const input = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    for (let i = 0; i < input.length; i += 100) {
      const before = h.deliveredLength;
      h.send(input.subarray(i, i + 100));
      expect(h.deliveredLength).toBe(before + 100);
      expect(h.clock.pendingTimers).toBe(0);
      if (i === 1000) h.update('zero', { attributes: { latency: 0, jitter: 0 } });
      if (i === 1500) h.remove('noop');
      if (i === 2000) h.add({ name: 'another-zero', type: 'latency', attributes: { latency: 0 } });
    }
    expect(h.delivered.equals(input)).toBe(true);
  });
});

describe('a chain of thousands of stages', () => {
  // Hand-offs between stages must not nest one stack frame set per stage: a long enough chain
  // would overflow the stack on the first byte and take the whole process down.
  const STAGES = 10_000;

  function longChain(): ChainHarness {
    const h = new ChainHarness();
    for (let i = 0; i < STAGES; i++) {
      h.add(i % 2 === 0 ? { name: `n${i}`, type: 'noop' } : { name: `l${i}`, type: 'latency', attributes: { latency: 0 } });
    }
    return h;
  }

  it('carries every byte through 10,000 noop and latency-0 stages, in order, then the end', () => {
    const h = longChain();
    const input = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));
    for (let i = 0; i < input.length; i += 512) h.send(input.subarray(i, i + 512));
    expect(h.delivered.equals(input)).toBe(true);
    h.end();
    expect(h.ended).toBe(true);
    expect(h.violation).toBeNull();
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('flushes held bytes through 10,000 stages when the holding one is removed, in order', () => {
    const h = new ChainHarness();
    h.add({ name: 'hold', type: 'latency', attributes: { latency: 1000 } });
    for (let i = 0; i < STAGES; i++) h.add({ name: `n${i}`, type: 'noop' });
    h.send(Buffer.from('first '));
    h.send(Buffer.from('second'));
    h.end();
    expect(h.deliveredLength).toBe(0);
    h.remove('hold');
    expect(h.delivered.toString()).toBe('first second');
    expect(h.ended).toBe(true);
    expect(h.violation).toBeNull();
  });

  it('keeps byte order when stages are added, updated and removed between chunks', () => {
    const h = longChain();
    const input = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7) % 253));
    let sent = 0;
    for (let step = 0; sent < input.length; step++) {
      h.send(input.subarray(sent, sent + 256));
      sent += 256;
      if (step % 4 === 0) h.add({ name: `late${step}`, type: 'latency', attributes: { latency: 5 } });
      if (step % 4 === 1) h.update(`late${step - 1}`, { attributes: { latency: 0 } });
      if (step % 4 === 2) h.remove(`late${step - 2}`);
      if (step % 8 === 3) h.remove(`n${step}`);
      h.clock.advance(1);
    }
    h.clock.runAll();
    expect(h.delivered.equals(input)).toBe(true);
  });
});
