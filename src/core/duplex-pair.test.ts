/** The duplex pair behaves as the two ends of a loopback TCP connection would. */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { duplexPair } from './duplex-pair.js';

describe('duplexPair', () => {
  it('carries bytes both ways, in order, as copies the writer may reuse', async () => {
    const [a, b] = duplexPair(1024);
    const atB: Buffer[] = [];
    const atA: Buffer[] = [];
    b.on('data', (c: Buffer) => atB.push(c));
    a.on('data', (c: Buffer) => atA.push(c));
    const scratch = Buffer.alloc(4);
    for (let i = 0; i < 100; i++) {
      scratch.fill(i);
      a.write(scratch);
    }
    b.write('back');
    a.end();
    b.end();
    await Promise.all([once(a, 'close'), once(b, 'close')]);
    const sent = Buffer.concat(atB);
    expect(sent.length).toBe(400);
    for (let i = 0; i < 100; i++) expect(sent.subarray(i * 4, i * 4 + 4).every((x) => x === i)).toBe(true);
    expect(Buffer.concat(atA).toString()).toBe('back');
  });

  it('holds the writer while the reader is paused (backpressure), and lets it go when the reader reads', async () => {
    const [a, b] = duplexPair(1024);
    b.pause();
    let writes = 0;
    while (a.write(Buffer.alloc(256))) writes++;
    expect(writes).toBeLessThan(16);
    expect(a.writableLength).toBeGreaterThan(0);
    const drained = once(a, 'drain');
    b.resume();
    await drained;
    expect(a.writableLength).toBe(0);
    a.destroy();
    b.destroy();
  });

  it('end is a half-close: the peer reads the end and can still write back', async () => {
    const [a, b] = duplexPair(1024);
    const ended = once(b, 'end');
    b.resume();
    a.end('last');
    await ended;
    const reply = once(a, 'data');
    b.write('still here');
    expect(String((await reply)[0])).toBe('still here');
    a.destroy();
    b.destroy();
  });

  it('destroy: the peer reads what it had and the end; its later writes fail with EPIPE', async () => {
    const [a, b] = duplexPair(1024);
    b.pause();
    a.write('pending');
    a.destroy();
    const chunks: Buffer[] = [];
    b.on('data', (c: Buffer) => chunks.push(c));
    const ended = once(b, 'end');
    b.resume();
    await ended;
    expect(Buffer.concat(chunks).toString()).toBe('pending');
    const failed = once(b, 'error');
    b.write('to nobody');
    const [err] = (await failed) as [NodeJS.ErrnoException];
    expect(err.code).toBe('EPIPE');
  });

  it('resetAndDestroy: the peer fails with ECONNRESET', async () => {
    const [a, b] = duplexPair(1024);
    const failed = once(b, 'error');
    a.resetAndDestroy();
    const [err] = (await failed) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNRESET');
    expect(b.destroyed).toBe(true);
  });
});
