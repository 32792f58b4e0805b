/**
 * Smaller holes a hostile client or peer found: keys named after built-in object members are
 * ignored like any unknown key; toxicity is a probability (a 1e308 came back as `null`); names fit
 * in the request path that addresses them; a flood past `--max-connections` gives one warning per
 * interval, not one per client; and upstream host names are looked up once for many connections,
 * a name that does not resolve failing the next ones at once.
 */
import type { LookupAddress } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.js';
import { cachedLookup } from '../core/host-cache.js';
import type { Logger } from '../core/logger.js';
import { ProxyRegistry } from '../core/proxy-registry.js';
import { MAX_NAME_LENGTH } from '../limits.js';
import { startServer, type RunningServer } from '../server.js';
import { apiCall } from '../testing/api.js';
import { connectTo, readAll, startEchoServer, waitFor, type TestServer } from '../testing/net.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(): Promise<RunningServer> {
  const started = await startServer({ port: 0, metrics: false });
  cleanups.push(() => started.close());
  return started;
}

describe('request bodies', () => {
  it('ignore keys named after built-in object members, like any unknown key', async () => {
    const { url } = await server();
    const members = '"toString":1,"constructor":"x","__proto__":{"a":1},"hasOwnProperty":true,"valueOf":[]';
    const created = await fetch(`${url}/proxies`, {
      method: 'POST',
      headers: { 'User-Agent': 'test' },
      body: `{"name":"p","listen":"127.0.0.1:0","upstream":"127.0.0.1:9",${members}}`,
    });
    expect(created.status).toBe(201);
    const toxic = await fetch(`${url}/proxies/p/toxics`, {
      method: 'POST',
      headers: { 'User-Agent': 'test' },
      body: `{"type":"latency",${members}}`,
    });
    expect(toxic.status).toBe(200);
    const update = await fetch(`${url}/proxies/p/toxics/latency_downstream`, {
      method: 'PATCH',
      headers: { 'User-Agent': 'test' },
      body: `{"toxicity":0.5,${members}}`,
    });
    expect(update.status).toBe(200);
    expect(((await update.json()) as { toxicity: number }).toxicity).toBe(0.5);
  });

  it('take a toxicity from 0 to 1 only; anything else is a 400 and changes nothing', async () => {
    const { url } = await server();
    await apiCall(url, 'POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    const huge = await apiCall(url, 'POST', '/proxies/p/toxics', { type: 'latency', toxicity: 1e308 });
    expect(huge.status).toBe(400);
    expect(huge.json).toMatchObject({ error: 'bad request body: toxicity: expected a probability from 0 to 1, got 1e+308' });
    expect((await apiCall(url, 'GET', '/proxies/p/toxics')).json).toEqual([]);
    expect((await apiCall(url, 'POST', '/proxies/p/toxics', { type: 'latency', toxicity: 0 })).status).toBe(200);
    expect((await apiCall(url, 'PATCH', '/proxies/p/toxics/latency_downstream', { toxicity: -0.5 })).status).toBe(400);
    expect((await apiCall(url, 'GET', '/proxies/p/toxics/latency_downstream')).json).toMatchObject({ toxicity: 0 });
  });

  it(`take names of at most ${MAX_NAME_LENGTH} characters, each one addressable afterwards`, async () => {
    const { url } = await server();
    const longest = 'é'.repeat(MAX_NAME_LENGTH);
    const tooLong = 'n'.repeat(MAX_NAME_LENGTH + 1);
    expect((await apiCall(url, 'POST', '/proxies', { name: longest, listen: '127.0.0.1:0', upstream: '127.0.0.1:9' })).status).toBe(201);
    const path = `/proxies/${encodeURIComponent(longest)}`;
    expect((await apiCall(url, 'GET', path)).status).toBe(200);
    expect((await apiCall(url, 'POST', `${path}/toxics`, { name: longest, type: 'noop' })).status).toBe(200);
    expect((await apiCall(url, 'GET', `${path}/toxics/${encodeURIComponent(longest)}`)).status).toBe(200);

    const proxy = await apiCall(url, 'POST', '/proxies', { name: tooLong, upstream: '127.0.0.1:9' });
    expect(proxy.status).toBe(400);
    expect(proxy.json).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      error: `name: ${MAX_NAME_LENGTH + 1} characters, more than the ${MAX_NAME_LENGTH} a name may have`,
    });
    const populate = await apiCall(url, 'POST', '/populate', [
      { name: 'ok', upstream: '127.0.0.1:9', enabled: false },
      { name: tooLong, upstream: '127.0.0.1:9' },
    ]);
    expect(populate.status).toBe(400);
    expect(populate.json?.['error']).toMatch(/ at proxy 2$/);
    expect((await apiCall(url, 'POST', `${path}/toxics`, { name: tooLong, type: 'noop' })).status).toBe(400);
  });
});

describe('the connection limit', () => {
  it('warns once per interval with the number of clients refused, however many a flood brings', async () => {
    const echo: TestServer = await startEchoServer();
    cleanups.push(() => echo.close());
    const warnings: Array<Record<string, unknown>> = [];
    const logger: Logger = {
      trace: () => {},
      debug: () => {},
      info: () => {},
      warn: (fields: unknown) => warnings.push(fields as Record<string, unknown>),
      error: () => {},
      child: () => logger,
      isLevelEnabled: () => false,
    };
    const clock = new FakeClock();
    const registry = new ProxyRegistry({ maxConnections: 1, logger, clock });
    cleanups.push(() => registry.close());
    const proxy = await registry.create({ name: 'capped', listen: '127.0.0.1:0', upstream: echo.address });
    const holder = await connectTo(proxy.port);
    cleanups.push(async () => holder.destroy());
    await waitFor(() => proxy.connections.length === 1, 2_000, 'the first connection');
    const refuse = async (count: number): Promise<void> => {
      await Promise.all(Array.from({ length: count }, async () => (await readAll(await connectTo(proxy.port))).data));
    };
    await refuse(30);
    expect(warnings).toEqual([expect.objectContaining({ max: 1, refused: 1 })]);
    clock.advance(10_000);
    await refuse(1);
    expect(warnings).toEqual([expect.objectContaining({ refused: 1 }), expect.objectContaining({ refused: 30 })]);
  });
});

describe('upstream host names', () => {
  it('are looked up once for concurrent connections, kept briefly, and a failure fails the next ones at once', async () => {
    let now = 0;
    const calls: string[] = [];
    let fail = false;
    const lookup = cachedLookup({
      now: () => now,
      resolve: async (hostname): Promise<LookupAddress[]> => {
        calls.push(hostname);
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (fail) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        return [
          { address: '::1', family: 6 },
          { address: '127.0.0.1', family: 4 },
        ];
      },
    });
    const ask = (options: { all?: boolean; family?: number } = {}) =>
      new Promise<unknown>((resolve) =>
        lookup('db.test', options as never, (err, address, family) =>
          resolve(err ? (err as NodeJS.ErrnoException).code : options.all ? address : [address, family]),
        ),
      );
    expect(await Promise.all([ask(), ask({ family: 4 }), ask({ all: true })])).toEqual([
      ['::1', 6],
      ['127.0.0.1', 4],
      [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ],
    ]);
    expect(calls).toEqual(['db.test']);
    now = 6_000;
    fail = true;
    expect(await Promise.all([ask(), ask()])).toEqual(['ENOTFOUND', 'ENOTFOUND']);
    expect(await ask()).toBe('ENOTFOUND');
    expect(calls).toHaveLength(2);
    now = 7_500;
    fail = false;
    expect(await ask()).toEqual(['::1', 6]);
    expect(calls).toHaveLength(3);
  });

  it('a burst of connections to an upstream name shares one lookup, and a name that does not resolve closes them all at once', async () => {
    const echo: TestServer = await startEchoServer();
    cleanups.push(() => echo.close());
    const calls: string[] = [];
    const registry = new ProxyRegistry({
      resolveHost: async (hostname) => {
        calls.push(hostname);
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (hostname === 'nowhere.test') throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' });
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    cleanups.push(() => registry.close());
    const good = await registry.create({ name: 'good', listen: '127.0.0.1:0', upstream: `db.test:${echo.port}` });
    const bad = await registry.create({ name: 'bad', listen: '127.0.0.1:0', upstream: 'nowhere.test:5432' });
    const echoes = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const socket = await connectTo(good.port);
        socket.end(`hello ${i}`);
        return (await readAll(socket)).data.toString();
      }),
    );
    expect(echoes).toEqual(Array.from({ length: 50 }, (_, i) => `hello ${i}`));
    const refused = await Promise.all(Array.from({ length: 200 }, async () => (await readAll(await connectTo(bad.port))).data.length));
    expect(refused.every((n) => n === 0)).toBe(true);
    expect(calls.sort()).toEqual(['db.test', 'nowhere.test']);
  });
});
