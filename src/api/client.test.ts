import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../server.js';
import { AdminClient, AdminClientError, normalizeBaseUrl } from './client.js';
import { FAULTLINE_VERSION } from './version.js';

describe('AdminClient', () => {
  let server: RunningServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('adds a scheme and drops a trailing slash', () => {
    expect(normalizeBaseUrl('localhost:8474/')).toBe('http://localhost:8474');
    expect(normalizeBaseUrl('https://chaos.example:443')).toBe('https://chaos.example:443');
  });

  it('drives proxies and toxics end to end', async () => {
    server = await startServer({ port: 0 });
    const client = new AdminClient(server.url);
    expect(await client.version()).toEqual({ version: '2.12.0' });
    expect(await client.info()).toMatchObject({
      version: FAULTLINE_VERSION,
      seed: server.registry.seed,
      protocols: ['tcp', 'http', 'udp', 'http2'],
    });
    const created = await client.createProxy({ name: 'db', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432' });
    expect(created.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    const toxic = await client.addToxic('db', { type: 'latency', attributes: { latency: 50 } });
    expect(toxic).toEqual({
      attributes: { latency: 50, jitter: 0 },
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
    });
    expect((await client.updateToxic('db', toxic.name, { attributes: { jitter: 5 } })).attributes).toEqual({ latency: 50, jitter: 5 });
    expect(await client.toxics('db')).toHaveLength(1);
    await client.removeToxic('db', toxic.name);
    expect((await client.updateProxy('db', { enabled: false })).enabled).toBe(false);
    await client.reset();
    expect((await client.proxy('db')).enabled).toBe(true);
    expect(Object.keys(await client.proxies())).toEqual(['db']);
    expect(await client.populate([])).toEqual([]);
    await client.deleteProxy('db');
    expect(await client.proxies()).toEqual({});
  });

  it("reports the server's error message, status and code", async () => {
    server = await startServer({ port: 0 });
    const error = await new AdminClient(server.url).proxy('nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdminClientError);
    expect((error as AdminClientError).message).toBe('HTTP 404: proxy not found');
    expect((error as AdminClientError).status).toBe(404);
    expect((error as AdminClientError).code).toBe('PROXY_NOT_FOUND');
  });

  it('sends the bearer token', async () => {
    server = await startServer({ port: 0, token: 's3cret' });
    await expect(new AdminClient(server.url).proxies()).rejects.toMatchObject({ status: 401 });
    expect(await new AdminClient(server.url, { token: 's3cret' }).proxies()).toEqual({});
  });

  it('says when the server cannot be reached', async () => {
    server = await startServer({ port: 0 });
    const url = server.url;
    await server.close();
    server = undefined;
    const error = (await new AdminClient(url, { timeoutMs: 2000 }).version().catch((e: unknown) => e)) as AdminClientError;
    expect(error.unreachable).toBe(true);
    expect(error.message).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });
});
