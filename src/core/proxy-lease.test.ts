/**
 * Leases on proxies, as on toxics: a change made with `expires_in` is put back by the server when
 * the lease runs out, and a proxy created with one is removed. So whatever a scenario changes on a
 * server reverts there, even if its runner is killed. Without a lease the JSON is Toxiproxy's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { proxyJson } from '../api/serialize.js';
import { startServer, type RunningServer } from '../server.js';
import { snapshotOf } from '../state/snapshot.js';
import { apiCall } from '../testing/api.js';
import { waitFor } from '../testing/net.js';
import { FakeClock } from './clock.js';
import { ProxyRegistry } from './proxy-registry.js';

describe('proxy leases', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function setup(): { clock: FakeClock; registry: ProxyRegistry } {
    const clock = new FakeClock();
    const registry = new ProxyRegistry({ clock });
    cleanups.push(() => registry.close());
    return { clock, registry };
  }

  it('a leased change is put back when the lease runs out; a later leased change keeps the first state', async () => {
    const { clock, registry } = setup();
    const proxy = await registry.create({ name: 'db', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432' });
    const original = proxy.state;
    await proxy.update({ enabled: false }, { leaseMs: 1_000 });
    expect(proxyJson(proxy)).toMatchObject({ enabled: false, expires_in: 1_000 });
    clock.advance(400);
    await proxy.update({ upstream: '127.0.0.1:9' }, { leaseMs: 1_000 });
    expect(proxy.leasedRevert).toEqual(original);
    clock.advance(999);
    expect(proxy.state).toMatchObject({ enabled: false, upstream: '127.0.0.1:9' });
    // Saved as it was before the leased changes: a restart ends them.
    expect(snapshotOf(registry).proxies[0]).toMatchObject({ listen: original.listen, upstream: '127.0.0.1:5432', enabled: true });
    clock.advance(1);
    await waitFor(() => proxy.enabled, 2_000, 'the proxy enabled again');
    expect(proxy.state).toEqual(original);
    expect(proxyJson(proxy)).not.toHaveProperty('expires_in');
  });

  it('putting the proxy back by hand ends the lease; a leased call that changes nothing starts none', async () => {
    const { clock, registry } = setup();
    const proxy = await registry.create({ name: 'db', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432' });
    await proxy.update({ enabled: true }, { leaseMs: 1_000 });
    expect(proxy.proxyLeaseRemaining).toBeUndefined();
    await proxy.update({ enabled: false }, { leaseMs: 1_000 });
    await proxy.update({ enabled: true });
    expect(proxy.proxyLeaseRemaining).toBeUndefined();
    await proxy.update({ upstream: '127.0.0.1:9' });
    clock.advance(5_000);
    expect(proxy.state).toMatchObject({ enabled: true, upstream: '127.0.0.1:9' });
  });

  it('a proxy created with a lease is removed when it runs out, and never saved', async () => {
    const { clock, registry } = setup();
    const proxy = await registry.create({ name: 'tmp', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432' }, { leaseMs: 2_000 });
    expect(proxyJson(proxy).expires_in).toBe(2_000);
    expect(snapshotOf(registry).proxies).toEqual([]);
    clock.advance(2_000);
    await waitFor(() => registry.get('tmp') === undefined, 2_000, 'the leased proxy removed');
    expect(proxy.enabled).toBe(false);
  });

  it('the API takes expires_in on create and update, echoes it only when set, and refuses a bad one', async () => {
    const server: RunningServer = await startServer({ port: 0, metrics: false });
    cleanups.push(() => server.close());
    const plain = await apiCall(server.url, 'POST', '/proxies', { name: 'plain', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    expect(Object.keys(plain.json ?? {})).toEqual(['name', 'listen', 'upstream', 'enabled', 'toxics']);
    const leased = await apiCall(server.url, 'POST', '/proxies', {
      name: 'leased',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:9',
      expires_in: 60_000,
    });
    expect(leased.status).toBe(201);
    expect(leased.json?.['expires_in']).toBeGreaterThan(59_000);
    const updated = await apiCall(server.url, 'PATCH', '/proxies/plain', { enabled: false, expires_in: 30_000 });
    expect(updated.json).toMatchObject({ enabled: false, expires_in: expect.any(Number) as number });
    const viaPost = await apiCall(server.url, 'POST', '/proxies/plain', { enabled: true });
    expect(viaPost.json).not.toHaveProperty('expires_in');
    for (const bad of [0, -1, 1.5, 2 ** 31]) {
      const res = await apiCall(server.url, 'PATCH', '/proxies/plain', { enabled: false, expires_in: bad });
      expect(res.status, String(bad)).toBe(400);
    }
    expect(server.registry.require('plain').enabled).toBe(true);
  });
});
