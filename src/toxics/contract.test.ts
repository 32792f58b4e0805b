/**
 * The toxic contract every toxic passes: bytes arrive once and in order (or are counted as dropped)
 * while the toxic is added, updated and removed under load; FIN follows the last byte; removal flushes
 * everything held; disposal leaves no timer.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { ChainHarness } from '../testing/chain-harness.js';
import { streamToxics } from './registry.js';

/**
 * How a toxic may change the byte stream: `intact` (every byte once, in order), `prefix` (a prefix
 * arrives, the rest is counted as dropped or cut off by a close), `altered` (every byte arrives, some
 * changed).
 */
type Integrity = 'intact' | 'prefix' | 'altered';

interface ContractCase {
  attributes: Record<string, unknown>;
  /** Attributes for live updates, alternating with `attributes`. */
  updated: Record<string, unknown>;
  integrity: Integrity;
  /** The toxic holds everything until it is removed (a partition), so FIN follows its removal. */
  holdsUntilRemoved?: boolean;
}

/** One entry per toxic; a toxic without an entry fails the contract. */
const cases: Record<string, ContractCase> = {
  noop: { attributes: {}, updated: {}, integrity: 'intact' },
  latency: { attributes: { latency: 5, jitter: 3 }, updated: { latency: 1, jitter: 0 }, integrity: 'intact' },
  bandwidth: { attributes: { rate: 200 }, updated: { rate: 1000 }, integrity: 'intact' },
  slow_close: { attributes: { delay: 10 }, updated: { delay: 0 }, integrity: 'intact' },
  slicer: {
    attributes: { average_size: 16, size_variation: 8, delay: 500 },
    updated: { average_size: 3, size_variation: 0, delay: 0 },
    integrity: 'intact',
  },
  timeout: { attributes: { timeout: 50 }, updated: { timeout: 0 }, integrity: 'prefix' },
  reset_peer: { attributes: { timeout: 5 }, updated: { timeout: 0 }, integrity: 'prefix' },
  limit_data: { attributes: { bytes: 50_000 }, updated: { bytes: 80_000 }, integrity: 'prefix' },
  loss: {
    attributes: { rate: 0.2, burst: 3, rtt: 2, rto: 5, max_rto: 40 },
    updated: { rate: 0.05, burst: 1, segment: 500, rtt: 0, rto: 9 },
    integrity: 'intact',
  },
  partition: { attributes: { max_stall: 0 }, updated: { max_stall: 600_000 }, integrity: 'intact', holdsUntilRemoved: true },
  pause: { attributes: { every: 20, duration: 5, jitter: 2 }, updated: { every: 7, duration: 3, jitter: 0 }, integrity: 'intact' },
  slow_open: { attributes: { delay: 10 }, updated: { delay: 0 }, integrity: 'intact' },
  limit_time: { attributes: { time: 50 }, updated: { time: 80 }, integrity: 'prefix' },
  corrupt: { attributes: { rate: 0.01 }, updated: { rate: 0.2 }, integrity: 'altered' },
};

function checkIntegrity(h: ChainHarness, input: Buffer, integrity: Integrity, accepted: number): void {
  expect(h.violation).toBeNull();
  const out = h.delivered;
  if (integrity === 'intact') {
    expect(out.length).toBe(input.length);
    expect(out.equals(input)).toBe(true);
    expect(h.droppedBytes).toBe(0);
  } else if (integrity === 'altered') {
    expect(out.length).toBe(input.length);
    expect(h.droppedBytes).toBe(0);
  } else {
    expect(out.equals(input.subarray(0, out.length))).toBe(true);
    expect(out.length + h.droppedBytes).toBeLessThanOrEqual(accepted);
  }
}

describe.each(streamToxics().map((t) => [t.type, t] as const))('toxic contract: %s', (type, definition) => {
  const c = cases[type];

  it('has a contract case and documents itself', () => {
    expect(c, `add a contract case for ${type}`).toBeDefined();
    expect(definition.summary.length).toBeGreaterThan(10);
    expect(c?.integrity === 'intact').toBe(definition.destructive === false);
    if (c?.holdsUntilRemoved) expect(c.integrity).toBe('intact');
  });
  if (!c) return;

  it('keeps every byte in order while added, updated and removed under load', () => {
    for (let seed = 0; seed < 5; seed++) {
      const rng = createRng(`contract-${type}`, seed);
      const h = new ChainHarness(`seed-${seed}`);
      const input = randomBytes(200_000);
      const pristine = Buffer.from(input);
      let offset = 0;
      let accepted = 0;
      let flip = false;
      let step = 0;
      while (offset < input.length && h.closedWith === null) {
        const size = 1 + Math.floor(rng.next() * 3000);
        const chunk = input.subarray(offset, offset + size);
        offset += chunk.length;
        accepted = offset;
        h.send(chunk);
        const action = rng.next();
        if (action < 0.1 && !h.has('t')) h.add({ name: 't', type, attributes: c.attributes });
        else if (action < 0.2 && h.has('t')) h.update('t', { attributes: (flip = !flip) ? c.updated : c.attributes });
        else if (action < 0.27 && h.has('t')) h.remove('t');
        h.clock.advance(rng.next() * 5);
        step++;
      }
      if (h.has('t') && h.closedWith === null) h.remove('t');
      h.end();
      h.clock.runAll();
      if (c.integrity !== 'prefix') {
        expect(step).toBeGreaterThan(50);
        expect(h.ended).toBe(true);
      }
      expect(input.equals(pristine), 'a stage must never change a buffer it did not allocate').toBe(true);
      checkIntegrity(h, input, c.integrity, accepted);
      expect(h.clock.pendingTimers).toBe(0);
    }
  });

  it('forwards FIN only after the last byte it holds', () => {
    const h = new ChainHarness();
    h.add({ name: 't', type, attributes: c.attributes });
    const input = randomBytes(10_000);
    const lengthAtEnd: number[] = [];
    const deliverEnd = h.deliverEnd.bind(h);
    h.deliverEnd = () => {
      lengthAtEnd.push(h.deliveredLength);
      deliverEnd();
    };
    for (let i = 0; i < input.length; i += 1000) h.send(input.subarray(i, i + 1000));
    h.end();
    h.clock.runAll();
    if (c.holdsUntilRemoved) {
      expect(h.deliveredLength).toBe(0);
      expect(h.ended).toBe(false);
      h.remove('t');
    }
    if (h.closedWith === null) {
      expect(h.ended).toBe(true);
      expect(lengthAtEnd).toEqual([h.deliveredLength]);
    }
    checkIntegrity(h, input, c.integrity, input.length);
  });

  it('pushes everything it holds when removed, at once', () => {
    const h = new ChainHarness();
    h.add({ name: 't', type, attributes: c.attributes });
    const input = randomBytes(20_000);
    for (let i = 0; i < input.length; i += 2000) h.send(input.subarray(i, i + 2000));
    if (h.closedWith === null) h.remove('t');
    expect(h.chain.heldBytes).toBe(0);
    checkIntegrity(h, input, c.integrity, input.length);
  });

  it('leaves no timer behind when disposed', () => {
    const h = new ChainHarness();
    h.add({ name: 't', type, attributes: c.attributes });
    for (let i = 0; i < 10; i++) {
      h.send(randomBytes(1500));
      h.clock.advance(1);
    }
    h.end();
    h.chain.dispose();
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('has no effect at all where toxicity rolled inactive', () => {
    const h = new ChainHarness();
    h.add({ name: 't', type, toxicity: 0, attributes: c.attributes });
    const input = randomBytes(50_000);
    for (let i = 0; i < input.length; i += 5000) h.send(input.subarray(i, i + 5000));
    h.end();
    expect(h.clock.pendingTimers).toBe(0);
    expect(h.closedWith).toBeNull();
    expect(h.ended).toBe(true);
    expect(h.delivered.equals(input)).toBe(true);
  });
});
