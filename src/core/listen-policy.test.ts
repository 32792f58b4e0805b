/**
 * Where proxies may listen. An empty `listen` (or an empty host) binds the admin API's own host, so
 * a loopback API never opens relays to the network; a non-loopback address is refused with 403
 * LISTEN_NOT_ALLOWED unless the server opts in. Before, an empty listen bound every interface.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../server.js';
import { apiCall } from '../testing/api.js';
import { isLoopback, withDefaultHost } from './address.js';
import { ProxyRegistry } from './proxy-registry.js';

describe('listen addresses', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function registry(options: ConstructorParameters<typeof ProxyRegistry>[0] = {}): ProxyRegistry {
    const made = new ProxyRegistry(options);
    cleanups.push(() => made.close());
    return made;
  }

  it('tells loopback addresses apart and fills in an empty host', () => {
    for (const ip of ['127.0.0.1', '127.3.2.1', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopback(ip), ip).toBe(true);
    for (const ip of ['0.0.0.0', '::', '10.0.0.1', '192.0.2.1', '::ffff:10.0.0.1', 'fe80::1', 'localhost'])
      expect(isLoopback(ip), ip).toBe(false);
    expect(withDefaultHost('', '127.0.0.1')).toBe('127.0.0.1:0');
    expect(withDefaultHost(':8080', '127.0.0.1')).toBe('127.0.0.1:8080');
    expect(withDefaultHost(':8080', '::1')).toBe('[::1]:8080');
    expect(withDefaultHost('', '::1')).toBe('[::1]:0');
    expect(withDefaultHost('0.0.0.0:1', '127.0.0.1')).toBe('0.0.0.0:1');
  });

  it('binds an empty listen on the engine’s listen host (loopback by default), never on every interface', async () => {
    const proxies = registry();
    const empty = await proxies.create({ name: 'empty', listen: '', upstream: '127.0.0.1:9' });
    expect(empty.listen).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    const portOnly = await proxies.create({ name: 'port-only', listen: ':0', upstream: '127.0.0.1:9' });
    expect(portOnly.listen).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    const v6 = await registry({ listenHost: '::1' }).create({ name: 'v6', listen: '', upstream: '127.0.0.1:9' });
    expect(v6.listen).toMatch(/^\[::1\]:[1-9]\d*$/);
  });

  it('refuses a non-loopback listen with LISTEN_NOT_ALLOWED, on create, enable and update, unless allowed', async () => {
    const proxies = registry();
    for (const listen of ['0.0.0.0:0', '[::]:0', '192.0.2.1:0']) {
      await expect(proxies.create({ name: 'open', listen, upstream: '127.0.0.1:9' })).rejects.toMatchObject({
        code: 'LISTEN_NOT_ALLOWED',
        status: 403,
      });
      expect(proxies.get('open')).toBeUndefined();
    }
    // An API on every interface makes an empty listen every interface too: refused just the same.
    await expect(registry({ listenHost: '0.0.0.0' }).create({ name: 'open', listen: '', upstream: '127.0.0.1:9' })).rejects.toMatchObject({
      code: 'LISTEN_NOT_ALLOWED',
      message: expect.stringContaining('listen 0.0.0.0:0: not a loopback address'),
    });

    const disabled = await proxies.create({ name: 'later', listen: '0.0.0.0:0', upstream: '127.0.0.1:9', enabled: false });
    await expect(disabled.start()).rejects.toMatchObject({ code: 'LISTEN_NOT_ALLOWED' });
    const live = await proxies.create({ name: 'live', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    const before = live.listen;
    await expect(live.update({ listen: '0.0.0.0:0' })).rejects.toMatchObject({ code: 'LISTEN_NOT_ALLOWED' });
    expect(live.listen).toBe(before);
    expect(live.enabled).toBe(true);

    // Allowed: the policy lets it through, and binding is up to the system (192.0.2.1 is nobody's).
    await expect(
      registry({ allowRemoteListen: true }).create({ name: 'open', listen: '192.0.2.1:0', upstream: '127.0.0.1:9' }),
    ).rejects.toMatchObject({
      code: 'INVALID_ADDRESS',
      status: 400,
      message: expect.stringContaining('bind: cannot assign requested address (not an address of this machine)'),
    });
  });

  it('the admin API creates a proxy without listen on its own host', async () => {
    const server: RunningServer = await startServer({ port: 0, metrics: false });
    cleanups.push(() => server.close());
    const created = await apiCall(server.url, 'POST', '/proxies', { name: 'db', upstream: '127.0.0.1:5432' });
    expect(created.status).toBe(201);
    expect(created.json?.['listen']).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    const open = await apiCall(server.url, 'POST', '/proxies', { name: 'open', listen: '0.0.0.0:0', upstream: '127.0.0.1:5432' });
    expect(open.status).toBe(403);
    expect(open.json).toMatchObject({ status: 403, code: 'LISTEN_NOT_ALLOWED' });
  });
});
