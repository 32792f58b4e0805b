import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChainHarness } from '../testing/chain-harness.js';
import { cleanRun } from './corrupt.js';

/** Runs `input` through a corrupt stage in chunks of `chunk` bytes; returns what came out. */
function corruptBy(rate: number, input: Buffer, chunk: number, seed = 'corrupt'): ChainHarness {
  const h = new ChainHarness(seed);
  h.add({ name: 't', type: 'corrupt', attributes: { rate } });
  for (let i = 0; i < input.length; i += chunk) h.send(input.subarray(i, i + chunk));
  h.end();
  return h;
}

/** Positions that differ, and whether each differs in exactly one bit. */
function diff(a: Buffer, b: Buffer): { positions: number; singleBit: boolean } {
  let positions = 0;
  let singleBit = true;
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] as number) ^ (b[i] as number);
    if (x === 0) continue;
    positions++;
    if ((x & (x - 1)) !== 0) singleBit = false;
  }
  return { positions, singleBit };
}

describe('corrupt', () => {
  it('flips one bit in about `rate` of the bytes, keeping the length and the end of stream', () => {
    const input = randomBytes(1024 * 1024);
    const h = corruptBy(0.01, input, 16 * 1024);
    expect(h.ended).toBe(true);
    expect(h.droppedBytes).toBe(0);
    const { positions, singleBit } = diff(input, h.delivered);
    expect(h.delivered.length).toBe(input.length);
    expect(singleBit).toBe(true);
    // Binomial(1 MiB, 0.01): mean 10486, sd about 102.
    expect(positions).toBeGreaterThan(10_486 - 400);
    expect(positions).toBeLessThan(10_486 + 400);
  });

  it('never changes the buffer it was given, and passes untouched chunks without copying them', () => {
    const input = randomBytes(64 * 1024);
    const pristine = Buffer.from(input);
    const h = new ChainHarness();
    const seen: Buffer[] = [];
    h.deliver = (buf: Buffer) => void seen.push(buf);
    h.add({ name: 't', type: 'corrupt', attributes: { rate: 0.0001 } });
    const chunks = Array.from({ length: 64 }, (_, i) => input.subarray(i * 1024, (i + 1) * 1024));
    for (const c of chunks) h.send(c);
    expect(input.equals(pristine)).toBe(true);
    const same = seen.filter((b, i) => b === chunks[i]).length;
    const copied = seen.filter((b, i) => b !== chunks[i]);
    expect(same).toBeGreaterThan(50);
    expect(copied.length).toBeGreaterThan(0);
    for (const b of copied) expect(diff(b, chunks[seen.indexOf(b)] as Buffer).positions).toBeGreaterThan(0);
  });

  it('does the same damage however the stream is cut into chunks (the skip carries over)', () => {
    const input = randomBytes(50_000);
    const whole = corruptBy(0.003, input, input.length, 'cuts').delivered;
    const bytewise = corruptBy(0.003, input, 7, 'cuts').delivered;
    expect(bytewise.equals(whole)).toBe(true);
    expect(whole.equals(input)).toBe(false);
  });

  it('rate 0 changes nothing; rate 1 changes every byte by one bit', () => {
    const input = randomBytes(10_000);
    expect(corruptBy(0, input, 1000).delivered.equals(input)).toBe(true);
    const all = diff(input, corruptBy(1, input, 1000).delivered);
    expect(all).toEqual({ positions: input.length, singleBit: true });
  });

  it('draws geometric clean runs with mean (1 − rate) / rate', () => {
    expect(cleanRun(0, 0.5)).toBe(Infinity);
    expect(cleanRun(1, 0.5)).toBe(0);
    let sum = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) sum += cleanRun(0.1, (i + 0.5) / n);
    expect(sum / n).toBeCloseTo(9, 0);
  });
});
