import { describe, expect, it } from 'vitest';
import { ChainHarness } from '../testing/chain-harness.js';

describe('bandwidth', () => {
  it('releases bytes at rate KB/s (1 KB = 1000 bytes)', () => {
    const h = new ChainHarness();
    h.add({ type: 'bandwidth', attributes: { rate: 10 } }); // 10 000 B/s = 10 B/ms
    h.send(Buffer.alloc(3000));
    h.clock.advance(100);
    expect(h.deliveredLength).toBe(1000);
    h.clock.advance(100);
    expect(h.deliveredLength).toBe(2000);
    h.clock.advance(99);
    expect(h.deliveredLength).toBe(2800);
    h.clock.advance(1);
    expect(h.deliveredLength).toBe(3000);
  });

  it('treats rate 0 as unlimited, as Toxiproxy does', () => {
    const h = new ChainHarness();
    h.add({ type: 'bandwidth', attributes: { rate: 0 } });
    h.send(Buffer.alloc(1_000_000));
    expect(h.deliveredLength).toBe(1_000_000);
  });

  it('gives no credit for idle time: each burst waits its own transmission time', () => {
    const h = new ChainHarness();
    h.add({ type: 'bandwidth', attributes: { rate: 1 } }); // 1 B/ms
    h.clock.advance(10_000);
    h.send(Buffer.alloc(100));
    h.clock.advance(50); // two 20-byte pieces have left; the third leaves at 60 ms
    expect(h.deliveredLength).toBe(40);
    h.clock.advance(50);
    expect(h.deliveredLength).toBe(100);
  });

  it('counts queued bytes as held, and an update to unlimited releases them', () => {
    const h = new ChainHarness();
    h.add({ name: 'b', type: 'bandwidth', attributes: { rate: 1 } });
    h.send(Buffer.alloc(5000));
    expect(h.chain.heldBytes).toBe(5000);
    h.update('b', { attributes: { rate: 0 } });
    expect(h.chain.heldBytes).toBe(0);
    expect(h.deliveredLength).toBe(5000);
  });

  it('holds the end until the queue is sent', () => {
    const h = new ChainHarness();
    h.add({ type: 'bandwidth', attributes: { rate: 1 } });
    h.send(Buffer.alloc(40));
    h.end();
    expect(h.ended).toBe(false);
    h.clock.advance(40);
    expect(h.ended).toBe(true);
  });
});
