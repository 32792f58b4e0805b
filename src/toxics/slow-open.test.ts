import { describe, expect, it } from 'vitest';
import { ChainHarness } from '../testing/chain-harness.js';

function timed(): { h: ChainHarness; times: number[] } {
  const h = new ChainHarness();
  const times: number[] = [];
  const deliver = h.deliver.bind(h);
  h.deliver = (buf: Buffer) => {
    times.push(h.clock.now());
    deliver(buf);
  };
  return { h, times };
}

describe('slow_open', () => {
  it('the first data waits `delay` ms from its arrival, what follows queues behind it, later data is untouched', () => {
    const { h, times } = timed();
    h.add({ name: 't', type: 'slow_open', attributes: { delay: 300 } });
    h.clock.advance(1000);
    h.send(Buffer.from('a'));
    h.clock.advance(100);
    h.send(Buffer.from('b'));
    h.clock.advance(199);
    expect(h.deliveredLength).toBe(0);
    h.clock.advance(1);
    expect(h.delivered.toString()).toBe('ab');
    h.send(Buffer.from('c'));
    expect(times).toEqual([1300, 1300, 1300]);
  });

  it('holds the end of stream behind held data', () => {
    const { h } = timed();
    h.add({ name: 't', type: 'slow_open', attributes: { delay: 50 } });
    h.send(Buffer.from('x'));
    h.end();
    expect(h.ended).toBe(false);
    h.clock.advance(50);
    expect(h.ended).toBe(true);
    expect(h.delivered.toString()).toBe('x');
  });

  it('an update re-times a first chunk still waiting, from its arrival', () => {
    const { h, times } = timed();
    h.add({ name: 't', type: 'slow_open', attributes: { delay: 500 } });
    h.send(Buffer.from('x'));
    h.clock.advance(100);
    h.update('t', { attributes: { delay: 150 } });
    h.clock.advance(100);
    expect(times).toEqual([150]);
  });

  it('delay 0 passes everything at once', () => {
    const { h } = timed();
    h.add({ name: 't', type: 'slow_open' });
    h.send(Buffer.from('x'));
    expect(h.deliveredLength).toBe(1);
    expect(h.clock.pendingTimers).toBe(0);
  });
});
