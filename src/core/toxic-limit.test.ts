/**
 * Toxics per proxy and direction are capped (MAX_TOXICS_PER_DIRECTION) on every path that adds
 * them: the engine (and so the API and scenarios), config files and state files. Before the cap,
 * a few thousand toxics in one direction overflowed the stack on the first byte and ended the
 * process.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { MAX_TOXICS_PER_DIRECTION } from '../limits.js';
import { startServer, type RunningServer } from '../server.js';
import { readStateFile } from '../state/state-file.js';
import { apiCall } from '../testing/api.js';
import { errorOf } from '../testing/errors.js';
import { connectTo, readBytes, startEchoServer, type TestServer } from '../testing/net.js';
import { ProxyRegistry } from './proxy-registry.js';

describe('toxics per proxy and direction', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it(`takes ${MAX_TOXICS_PER_DIRECTION} in each direction, refuses one more with LIMIT_EXCEEDED, and carries bytes through a full chain`, async () => {
    const echo: TestServer = await startEchoServer();
    const registry = new ProxyRegistry();
    cleanups.push(
      () => echo.close(),
      () => registry.close(),
    );
    const proxy = await registry.create({ name: 'deep', listen: '127.0.0.1:0', upstream: echo.address });
    for (let i = 0; i < MAX_TOXICS_PER_DIRECTION; i++) {
      proxy.addToxic({ name: `up${i}`, type: 'latency', stream: 'upstream' });
      proxy.addToxic({ name: `down${i}`, type: 'noop', stream: 'downstream' });
    }
    const refused = errorOf(() => proxy.addToxic({ name: 'one-more', type: 'noop', stream: 'downstream' }));
    expect(refused).toMatchObject({ code: 'LIMIT_EXCEEDED', status: 400 });
    expect(refused.message).toBe(
      `proxy deep already has ${MAX_TOXICS_PER_DIRECTION} downstream toxics, the most one direction may have: remove one first`,
    );
    expect(proxy.toxics).toHaveLength(2 * MAX_TOXICS_PER_DIRECTION);

    const client = await connectTo(proxy.port);
    const reply = readBytes(client, 5);
    client.write('hello');
    expect((await reply).toString()).toBe('hello');
    client.destroy();

    proxy.removeToxic('down0');
    expect(proxy.addToxic({ name: 'room-again', type: 'noop' }).name).toBe('room-again');
  });

  it('answers the API with a 400 that says so', async () => {
    const server: RunningServer = await startServer({ port: 0, metrics: false });
    cleanups.push(() => server.close());
    await apiCall(server.url, 'POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: '127.0.0.1:9', enabled: false });
    for (let i = 0; i < MAX_TOXICS_PER_DIRECTION; i++) server.registry.require('p').addToxic({ name: `t${i}`, type: 'noop' });
    const res = await apiCall(server.url, 'POST', '/proxies/p/toxics', { type: 'latency' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ status: 400, code: 'LIMIT_EXCEEDED' });
  });

  it('refuses a config file or a state file with too many, pointing at the first toxic past the limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-toxic-limit-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const toxics = Array.from({ length: MAX_TOXICS_PER_DIRECTION + 1 }, (_, i) => ({ name: `t${i}`, type: 'noop' }));
    const text = JSON.stringify({ proxies: [{ name: 'p', upstream: '127.0.0.1:9', toxics }] });
    const path = join(dir, 'many.json');
    await writeFile(path, text);
    const config = await loadConfig({ file: path }).catch((err: unknown) => err as Error);
    expect(config).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((config as Error).message).toMatch(
      new RegExp(
        `many\\.json:1:\\d+: proxies\\[0\\]\\.toxics\\[${MAX_TOXICS_PER_DIRECTION}\\]: more than ${MAX_TOXICS_PER_DIRECTION} downstream toxics on proxy "p"`,
      ),
    );
    const state = await readStateFile(path).catch((err: unknown) => err as Error);
    expect(state).toMatchObject({ code: 'STATE_INVALID' });
    expect((state as Error).message).toContain(`more than ${MAX_TOXICS_PER_DIRECTION} downstream toxics`);
  });
});
