/** The destructive toxics: timeout, reset_peer and limit_data, on a fake clock. */
import { describe, expect, it } from 'vitest';
import { ChainHarness } from '../testing/chain-harness.js';

describe('timeout', () => {
  it('drops everything and closes after the timeout', () => {
    const h = new ChainHarness();
    h.add({ type: 'timeout', attributes: { timeout: 100 } });
    h.send(Buffer.from('lost'));
    expect(h.deliveredLength).toBe(0);
    expect(h.droppedBytes).toBe(4);
    h.clock.advance(99);
    expect(h.closedWith).toBeNull();
    h.clock.advance(1);
    expect(h.closedWith).toBe('fin');
  });

  it('with timeout 0 stays silent until removed, and removal closes', () => {
    const h = new ChainHarness();
    h.add({ name: 't', type: 'timeout' });
    h.clock.advance(60_000);
    expect(h.closedWith).toBeNull();
    h.remove('t');
    expect(h.closedWith).toBe('fin');
  });

  it('restarts its countdown on update', () => {
    const h = new ChainHarness();
    h.add({ name: 't', type: 'timeout', attributes: { timeout: 100 } });
    h.clock.advance(80);
    h.update('t', { attributes: { timeout: 100 } });
    h.clock.advance(80);
    expect(h.closedWith).toBeNull();
    h.clock.advance(20);
    expect(h.closedWith).toBe('fin');
  });
});

describe('reset_peer', () => {
  it('resets on the first data, dropping it', () => {
    const h = new ChainHarness();
    h.add({ type: 'reset_peer' });
    h.send(Buffer.from('x'));
    expect(h.closedWith).toBe('rst');
    expect(h.deliveredLength).toBe(0);
  });

  it('waits timeout ms after the first data', () => {
    const h = new ChainHarness();
    h.add({ type: 'reset_peer', attributes: { timeout: 50 } });
    h.clock.advance(1000);
    expect(h.closedWith).toBeNull();
    h.send(Buffer.from('x'));
    h.clock.advance(49);
    expect(h.closedWith).toBeNull();
    h.clock.advance(1);
    expect(h.closedWith).toBe('rst');
  });

  it('also fires on end-of-stream', () => {
    const h = new ChainHarness();
    h.add({ type: 'reset_peer' });
    h.end();
    expect(h.closedWith).toBe('rst');
  });

  it('resets at once when removed after it dropped data', () => {
    const h = new ChainHarness();
    h.add({ name: 'r', type: 'reset_peer', attributes: { timeout: 1000 } });
    h.send(Buffer.from('x'));
    h.remove('r');
    expect(h.closedWith).toBe('rst');
  });
});

describe('limit_data', () => {
  it('lets the limit through, then closes', () => {
    const h = new ChainHarness();
    h.add({ type: 'limit_data', attributes: { bytes: 5 } });
    h.send(Buffer.from('0123456789'));
    expect(h.delivered.toString()).toBe('01234');
    expect(h.droppedBytes).toBe(5);
    expect(h.closedWith).toBe('fin');
  });

  it('closes on the first chunk when the limit is 0', () => {
    const h = new ChainHarness();
    h.add({ type: 'limit_data' });
    h.send(Buffer.from('abc'));
    expect(h.deliveredLength).toBe(0);
    expect(h.closedWith).toBe('fin');
  });

  it('keeps its count across updates, so lowering the limit bites on the next chunk', () => {
    const h = new ChainHarness();
    h.add({ name: 'l', type: 'limit_data', attributes: { bytes: 100 } });
    h.send(Buffer.alloc(30));
    h.update('l', { attributes: { bytes: 20 } });
    expect(h.closedWith).toBeNull();
    h.send(Buffer.alloc(1));
    expect(h.closedWith).toBe('fin');
    expect(h.deliveredLength).toBe(30);
  });
});

describe('slow_close', () => {
  it('delays only the end', () => {
    const h = new ChainHarness();
    h.add({ type: 'slow_close', attributes: { delay: 500 } });
    h.send(Buffer.from('data'));
    expect(h.delivered.toString()).toBe('data');
    h.end();
    h.clock.advance(499);
    expect(h.ended).toBe(false);
    h.clock.advance(1);
    expect(h.ended).toBe(true);
  });

  it('forwards a held end at once when removed', () => {
    const h = new ChainHarness();
    h.add({ name: 's', type: 'slow_close', attributes: { delay: 500 } });
    h.end();
    h.remove('s');
    expect(h.ended).toBe(true);
  });
});
