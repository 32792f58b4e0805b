/**
 * The `expires_in` extension on toxic create and update: validated before anything changes, echoed
 * only on leased toxics (so a Toxiproxy client sees Toxiproxy's JSON), and enforced by the server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.js';
import { startServer, type RunningServer } from '../server.js';
import { apiCall } from '../testing/api.js';

/** The engine's clock: leases run out only when a test moves it. */
const clock = new FakeClock();
let server: RunningServer;

const call = (method: string, path: string, body?: unknown) => apiCall(server.url, method, path, body);

beforeAll(async () => {
  server = await startServer({ port: 0, seed: 1, metrics: false, clock });
});

afterAll(() => server.close());

beforeEach(async () => {
  for (const proxy of server.registry.list()) await server.registry.remove(proxy.name);
  await call('POST', '/proxies', { name: 'db', upstream: '127.0.0.1:1', enabled: false });
});

describe('toxic leases over the API', () => {
  it('echoes expires_in on a leased toxic everywhere it appears, and nothing on others', async () => {
    const plain = await call('POST', '/proxies/db/toxics', { name: 'plain', type: 'latency' });
    expect(plain.text).toBe('{"attributes":{"latency":0,"jitter":0},"name":"plain","type":"latency","stream":"downstream","toxicity":1}');
    const leased = await call('POST', '/proxies/db/toxics', { name: 'leased', type: 'latency', expires_in: 60_000 });
    expect(leased.status).toBe(200);
    expect(leased.json).toMatchObject({ name: 'leased', expires_in: expect.any(Number) as number });
    expect(Object.keys(leased.json ?? {})).toEqual(['attributes', 'name', 'type', 'stream', 'toxicity', 'expires_in']);
    expect(leased.json?.['expires_in']).toBe(60_000);

    clock.advance(1_500);
    const one = await call('GET', '/proxies/db/toxics/leased');
    expect(one.json?.['expires_in']).toBe(58_500);
    const list = (await call('GET', '/proxies/db/toxics')).json as unknown as Array<Record<string, unknown>>;
    expect(list.map((t) => 'expires_in' in t)).toEqual([false, true]);
    const proxy = (await call('GET', '/proxies/db')).json as { toxics: Array<Record<string, unknown>> };
    expect(proxy.toxics.map((t) => 'expires_in' in t)).toEqual([false, true]);
  });

  it('removes the toxic when the lease runs out', async () => {
    await call('POST', '/proxies/db/toxics', { name: 'brief', type: 'latency', expires_in: 150 });
    clock.advance(149);
    expect((await call('GET', '/proxies/db/toxics/brief')).json).toMatchObject({ expires_in: 1 });
    clock.advance(1);
    expect(server.registry.get('db')?.getToxic('brief')).toBeUndefined();
    expect((await call('GET', '/proxies/db/toxics/brief')).json).toMatchObject({ status: 404, code: 'TOXIC_NOT_FOUND' });
  });

  it('restarts the lease on update, or adds one to a toxic that had none', async () => {
    await call('POST', '/proxies/db/toxics', { name: 't', type: 'latency' });
    const updated = await call('PATCH', '/proxies/db/toxics/t', { attributes: { latency: 5 }, expires_in: 30_000 });
    expect(updated.json).toMatchObject({ attributes: { latency: 5 }, expires_in: 30_000 });
    clock.advance(10_000);
    // An update without expires_in leaves the running lease alone; one with it starts it again.
    const again = await call('POST', '/proxies/db/toxics/t', { attributes: { latency: 6 } });
    expect(again.json?.['expires_in']).toBe(20_000);
    const restarted = await call('POST', '/proxies/db/toxics/t', { attributes: { latency: 7 }, expires_in: 30_000 });
    expect(restarted.json?.['expires_in']).toBe(30_000);
  });

  it.each([
    [0, '0'],
    [-5, '-5'],
    [1.5, '1.5'],
    [2 ** 31, '2147483648'],
  ])('rejects expires_in %s with 400 and changes nothing', async (value, shown) => {
    const res = await call('POST', '/proxies/db/toxics', { name: 'x', type: 'latency', expires_in: value });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: `bad request body: expires_in: expected a whole number of milliseconds from 1 to 2147483647, got ${shown}`,
      status: 400,
      code: 'BAD_REQUEST_BODY',
    });
    expect((await call('GET', '/proxies/db/toxics')).json).toEqual([]);
  });

  it('rejects a non-number expires_in with the field named', async () => {
    const res = await call('POST', '/proxies/db/toxics', { type: 'latency', expires_in: '5s' });
    expect(res.json).toMatchObject({ status: 400, error: 'bad request body: expires_in: expected a number, got the string "5s"' });
    await call('POST', '/proxies/db/toxics', { name: 'kept', type: 'latency', attributes: { latency: 1 } });
    const update = await call('PATCH', '/proxies/db/toxics/kept', { attributes: { latency: 2 }, expires_in: 0 });
    expect(update.status).toBe(400);
    expect((await call('GET', '/proxies/db/toxics/kept')).text).not.toContain('expires_in');
    expect((await call('GET', '/proxies/db/toxics/kept')).json).toMatchObject({ attributes: { latency: 1 } });
  });

  it('forgets the lease when the toxic is removed or the server reset', async () => {
    await call('POST', '/proxies/db/toxics', { name: 'a', type: 'latency', expires_in: 60_000 });
    await call('POST', '/proxies/db/toxics', { name: 'b', type: 'latency', expires_in: 60_000 });
    expect(server.registry.get('db')?.leasedToxics).toBe(2);
    await call('DELETE', '/proxies/db/toxics/a');
    expect(server.registry.get('db')?.leasedToxics).toBe(1);
    await call('POST', '/reset');
    expect(server.registry.get('db')?.leasedToxics).toBe(0);
  });
});
