/**
 * Server-owned leases: a toxic added or updated with `leaseMs` is removed by the proxy itself when
 * the lease runs out, with one timer per leased toxic (never one per connection), and every way of
 * removing the toxic or the proxy clears that timer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FaultlineError } from '../errors.js';
import { connectTo, readBytes, startEchoServer, waitFor, type TestServer } from '../testing/net.js';
import { FakeClock } from './clock.js';
import type { FaultlineEvent } from './events.js';
import { MAX_LEASE_MS } from './leases.js';
import { ProxyRegistry } from './proxy-registry.js';

describe('toxic leases', () => {
  let registry: ProxyRegistry | undefined;
  let echo: TestServer | undefined;

  afterEach(async () => {
    await registry?.close();
    await echo?.close();
    registry = undefined;
    echo = undefined;
  });

  async function setup(enabled = false) {
    const clock = new FakeClock(1_000);
    registry = new ProxyRegistry({ clock, dialTimeoutMs: 0 });
    echo = await startEchoServer();
    const proxy = await registry.create({ name: 'db', listen: '127.0.0.1:0', upstream: echo.address, enabled });
    const events: FaultlineEvent[] = [];
    registry.on((e) => events.push(e));
    return { clock, proxy, events, registry };
  }

  it('removes the toxic when the lease runs out, and reports the time left until then', async () => {
    const { clock, proxy, events } = await setup();
    proxy.addToxic({ name: 'slow', type: 'latency', attributes: { latency: 50 } }, { leaseMs: 5_000 });
    expect(proxy.leaseRemaining('slow')).toBe(5_000);
    clock.advance(1_999.5);
    expect(proxy.leaseRemaining('slow')).toBe(3_001);
    clock.advance(3_000);
    expect(proxy.getToxic('slow')).toBeDefined();
    expect(proxy.leaseRemaining('slow')).toBe(1);
    clock.advance(0.5);
    expect(proxy.getToxic('slow')).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['toxic.added', 'toxic.removed']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('leaves toxics without a lease alone', async () => {
    const { clock, proxy } = await setup();
    proxy.addToxic({ name: 'forever', type: 'noop' });
    expect(proxy.leaseRemaining('forever')).toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(MAX_LEASE_MS);
    expect(proxy.getToxic('forever')).toBeDefined();
  });

  it('arms one timer per leased toxic, whatever the number of live connections', async () => {
    const { clock, proxy } = await setup(true);
    const clients = await Promise.all([1, 2, 3].map(() => connectTo(proxy.port)));
    try {
      for (const client of clients) {
        client.write('x');
        expect((await readBytes(client, 1)).toString()).toBe('x');
      }
      expect(clock.pendingTimers).toBe(0);
      proxy.addToxic({ name: 'a', type: 'noop' }, { leaseMs: 1_000 });
      proxy.addToxic({ name: 'b', type: 'noop', stream: 'upstream' }, { leaseMs: 2_000 });
      expect(clock.pendingTimers).toBe(2);
      expect(proxy.leasedToxics).toBe(2);
      clock.advance(1_000);
      expect(proxy.toxics.map((t) => t.name)).toEqual(['b']);
      // The connections carry on through the expiry.
      clients[0]?.write('y');
      expect((await readBytes(clients[0]!, 1)).toString()).toBe('y');
      clock.advance(1_000);
      expect(proxy.toxics).toEqual([]);
      expect(clock.pendingTimers).toBe(0);
    } finally {
      for (const client of clients) client.destroy();
      await waitFor(() => proxy.connections.length === 0, 10_000, 'connections closed');
    }
  });

  it('restarts the lease on an update that gives one, and keeps it on one that does not', async () => {
    const { clock, proxy } = await setup();
    proxy.addToxic({ name: 'slow', type: 'latency' }, { leaseMs: 1_000 });
    clock.advance(900);
    proxy.updateToxic('slow', { attributes: { latency: 10 } });
    expect(proxy.leaseRemaining('slow')).toBe(100);
    proxy.updateToxic('slow', { attributes: { latency: 20 } }, { leaseMs: 1_000 });
    expect(clock.pendingTimers).toBe(1);
    clock.advance(900);
    expect(proxy.getToxic('slow')?.attributes['latency']).toBe(20);
    clock.advance(100);
    expect(proxy.getToxic('slow')).toBeUndefined();
  });

  it('puts a lease on a toxic that had none through an update', async () => {
    const { clock, proxy } = await setup();
    proxy.addToxic({ name: 'slow', type: 'latency' });
    proxy.updateToxic('slow', {}, { leaseMs: 300 });
    clock.advance(300);
    expect(proxy.toxics).toEqual([]);
  });

  it('clears the timer when the toxic is removed, reset, or its proxy deleted', async () => {
    const { clock, proxy, registry: reg } = await setup();
    proxy.addToxic({ name: 'a', type: 'noop' }, { leaseMs: 1_000 });
    proxy.removeToxic('a');
    expect(clock.pendingTimers).toBe(0);

    proxy.addToxic({ name: 'b', type: 'noop' }, { leaseMs: 1_000 });
    await reg.reset();
    expect(clock.pendingTimers).toBe(0);

    proxy.addToxic({ name: 'c', type: 'noop' }, { leaseMs: 1_000 });
    await reg.remove('db');
    expect(clock.pendingTimers).toBe(0);
    expect(proxy.getToxic('c')).toBeDefined();
  });

  it('a toxic re-added under the same name is not removed by the old lease', async () => {
    const { clock, proxy } = await setup();
    proxy.addToxic({ name: 'a', type: 'noop' }, { leaseMs: 1_000 });
    proxy.removeToxic('a');
    proxy.addToxic({ name: 'a', type: 'noop' });
    clock.advance(5_000);
    expect(proxy.getToxic('a')).toBeDefined();
  });

  it.each([0, -1, 1.5, Number.NaN, MAX_LEASE_MS + 1])('rejects a lease of %s and changes nothing', async (ms) => {
    const { clock, proxy } = await setup();
    expect(() => proxy.addToxic({ name: 'a', type: 'noop' }, { leaseMs: ms })).toThrow(FaultlineError);
    expect(() => proxy.addToxic({ name: 'a', type: 'noop' }, { leaseMs: ms })).toThrow(
      /expires_in: expected a whole number of milliseconds from 1 to 2147483647/,
    );
    expect(proxy.toxics).toEqual([]);
    proxy.addToxic({ name: 'b', type: 'latency' });
    expect(() => proxy.updateToxic('b', { attributes: { latency: 9 } }, { leaseMs: ms })).toThrow(FaultlineError);
    expect(proxy.getToxic('b')?.attributes['latency']).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});
