/**
 * The toxic contract as a reusable suite: every byte-stream toxic, built-in or custom, passes it.
 * Bytes arrive once and in order (or are counted as dropped) while the toxic is added, updated and
 * removed under load; FIN follows the last byte; removal flushes everything held; disposal leaves no
 * timer; an inactive toxic has no effect. Call {@link describeToxicContract} from a test file.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import type { ToxicDefinition, ToxicLookup } from '../core/toxic-contract.js';
import { ChainHarness } from './chain-harness.js';

/**
 * How a toxic may change the byte stream: `intact` (every byte once, in order), `prefix` (a prefix
 * arrives, the rest is counted as dropped or cut off by a close), `altered` (every byte arrives, some
 * changed).
 */
export type Integrity = 'intact' | 'prefix' | 'altered';

export interface ContractCase {
  attributes: Record<string, unknown>;
  /** Attributes for live updates, alternating with `attributes`. */
  updated: Record<string, unknown>;
  integrity: Integrity;
  /** The toxic holds everything until it is removed (a partition), so FIN follows its removal. */
  holdsUntilRemoved?: boolean;
}

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

/**
 * The contract's tests for one toxic, run with `c`'s attributes; `toxics` are the types the chain
 * accepts (for a custom toxic, `ToxicRegistry.builtin.with([definition])`).
 */
export function describeToxicContract(definition: ToxicDefinition, c: ContractCase, toxics?: ToxicLookup): void {
  const type = definition.type;
  describe(`toxic contract: ${type}`, () => {
    it('documents itself, and says whether it is destructive as its contract case does', () => {
      expect(definition.summary.length).toBeGreaterThan(10);
      expect(c.integrity === 'intact').toBe(definition.destructive === false);
      if (c.holdsUntilRemoved) expect(c.integrity).toBe('intact');
    });

    it('keeps every byte in order while added, updated and removed under load', () => {
      for (let seed = 0; seed < 5; seed++) {
        const rng = createRng(`contract-${type}`, seed);
        const h = new ChainHarness(`seed-${seed}`, toxics);
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
          else if (action < 0.2 && h.has('t')) {
            flip = !flip;
            h.update('t', { attributes: flip ? c.updated : c.attributes });
          } else if (action < 0.27 && h.has('t')) h.remove('t');
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
      const h = new ChainHarness('test', toxics);
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
      const h = new ChainHarness('test', toxics);
      h.add({ name: 't', type, attributes: c.attributes });
      const input = randomBytes(20_000);
      for (let i = 0; i < input.length; i += 2000) h.send(input.subarray(i, i + 2000));
      if (h.closedWith === null) h.remove('t');
      expect(h.chain.heldBytes).toBe(0);
      checkIntegrity(h, input, c.integrity, input.length);
    });

    it('leaves no timer behind when disposed', () => {
      const h = new ChainHarness('test', toxics);
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
      const h = new ChainHarness('test', toxics);
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
}
