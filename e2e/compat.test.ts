/**
 * The 30 Toxiproxy compatibility cases (shared reference §8), against the real `faultline serve`
 * process. Where a case names fixed ports, free ports are used instead.
 */
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api, deleteAllProxies, type Api } from './helpers/http.js';
import { canConnect, connectTo, freePort, readAll, readBytes, startEchoServer, type TestServer } from './helpers/net.js';

let server: FaultlineProcess;
let b: Api;
let echo: TestServer;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startFaultline();
  b = api(server.url);
  echo = await startEchoServer();
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await deleteAllProxies(b);
});

afterAll(async () => {
  await server?.stop();
  await echo?.close();
});

const ERROR_KEYS = ['error', 'status', 'code'];

describe('Toxiproxy compatibility (§8)', () => {
  it('1. GET /version: Toxiproxy’s hand-written body with a version ≥ 2.6.0', async () => {
    const res = await b.get('/version');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const match = /^\{"version": "(\d+)\.(\d+)\.(\d+)"\}\n$/.exec(res.text);
    expect(match, res.text).not.toBeNull();
    const [major, minor] = [Number(match?.[1]), Number(match?.[2])];
    expect(major > 2 || (major === 2 && minor >= 6)).toBe(true);
  });

  it('2. empty list is {}', async () => {
    const res = await b.get('/proxies');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.text).toBe('{}');
  });

  it('3. create: 201, listen resolved to 127.0.0.1 and the real port, and the port accepts', async () => {
    const res = await b.post('/proxies', { name: 'redis', listen: 'localhost:0', upstream: 'localhost:6379' });
    expect(res.status).toBe(201);
    const proxy = res.json as { listen: string };
    expect(proxy).toEqual({
      name: 'redis',
      listen: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      upstream: 'localhost:6379',
      enabled: true,
      toxics: [],
    });
    expect(res.text).toBe(`{"name":"redis","listen":"${proxy.listen}","upstream":"localhost:6379","enabled":true,"toxics":[]}`);
    const port = Number(proxy.listen.split(':')[1]);
    expect(port).not.toBe(0);
    expect(await canConnect(port)).toBe(true);
    // A fixed port given as localhost:P comes back as 127.0.0.1:P (the Go test's 3310 case).
    const fixed = await freePort();
    const res2 = await b.post('/proxies', { name: 'fixed', listen: `localhost:${fixed}`, upstream: 'localhost:6379' });
    expect((res2.json as { listen: string }).listen).toBe(`127.0.0.1:${fixed}`);
  });

  it('4. duplicate name: 409 proxy already exists', async () => {
    const body = { name: 'redis', listen: 'localhost:0', upstream: 'localhost:6379' };
    expect((await b.post('/proxies', body)).status).toBe(201);
    const res = await b.post('/proxies', body);
    expect(res.status).toBe(409);
    expect(res.json).toEqual({ error: 'proxy already exists', status: 409, code: 'PROXY_EXISTS' });
    expect(Object.keys(res.json as object)).toEqual(ERROR_KEYS);
  });

  it('5. missing fields: name first, then upstream', async () => {
    const a = await b.post('/proxies', { name: '', listen: '', upstream: '' });
    expect(a.status).toBe(400);
    expect((a.json as { error: string }).error).toBe('missing required field: name');
    const c = await b.post('/proxies', { name: 't', listen: '', upstream: '' });
    expect(c.status).toBe(400);
    expect((c.json as { error: string }).error).toBe('missing required field: upstream');
  });

  it('6. port conflict: 500 with Go’s exact bind error; the second proxy does not exist', async () => {
    const port = await freePort();
    expect((await b.post('/proxies', { name: 'a', listen: `127.0.0.1:${port}`, upstream: 'localhost:6379' })).status).toBe(201);
    const res = await b.post('/proxies', { name: 'b', listen: `localhost:${port}`, upstream: 'localhost:6379' });
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ error: `listen tcp 127.0.0.1:${port}: bind: address already in use`, status: 500, code: 'LISTEN_FAILED' });
    expect((await b.get('/proxies/b')).status).toBe(404);
    expect((await b.delete('/proxies/a')).status).toBe(204);
    expect((await b.post('/proxies', { name: 'b', listen: `localhost:${port}`, upstream: 'localhost:6379' })).status).toBe(201);
  });

  it('7. create disabled keeps listen as given; enable with the Go client’s whole object; disable', async () => {
    const port = await freePort();
    const listen = `localhost:${port}`;
    const res = await b.post('/proxies', { name: 'd', listen, upstream: 'x:1', enabled: false });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: 'd', listen, enabled: false });
    expect(await canConnect(port)).toBe(false);
    const on = await b.post('/proxies/d', { name: 'd', listen, upstream: 'x:1', enabled: true, toxics: [] });
    expect(on.status).toBe(200);
    expect(on.json).toMatchObject({ enabled: true, listen: `127.0.0.1:${port}` });
    expect(await canConnect(port)).toBe(true);
    const off = await b.post('/proxies/d', { enabled: false });
    expect(off.status).toBe(200);
    expect(off.json).toMatchObject({ enabled: false });
    expect(await canConnect(port)).toBe(false);
  });

  it('8. get, and 404 for a missing proxy on GET and DELETE', async () => {
    await b.post('/proxies', { name: 'redis', listen: 'localhost:0', upstream: 'localhost:6379' });
    const got = await b.get('/proxies/redis');
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ name: 'redis', enabled: true, toxics: [] });
    for (const res of [await b.get('/proxies/nope'), await b.delete('/proxies/nope')]) {
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: 'proxy not found', status: 404, code: 'PROXY_NOT_FOUND' });
    }
  });

  it('9. update upstream with POST (the node client’s test)', async () => {
    const created = (await b.post('/proxies', { name: 'redis', listen: 'localhost:0', upstream: 'localhost:6379' })).json as {
      listen: string;
    };
    const res = await b.post('/proxies/redis', { enabled: true, listen: created.listen, upstream: 'somehost:12345' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ upstream: 'somehost:12345', enabled: true, listen: created.listen });
  });

  describe('toxics', () => {
    const create = () => b.post('/proxies', { name: 'redis', listen: 'localhost:0', upstream: 'localhost:6379' });

    it('10. add a toxic with defaults: 200 (not 201), Toxiproxy’s key order', async () => {
      await create();
      const res = await b.post('/proxies/redis/toxics', { type: 'latency', attributes: { latency: 1000, jitter: 100 } });
      expect(res.status).toBe(200);
      expect(res.text).toBe(
        '{"attributes":{"latency":1000,"jitter":100},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}',
      );
    });

    it('11. the Go client’s add, with an empty name and null attributes', async () => {
      await create();
      const res = await b.post('/proxies/redis/toxics', { name: '', type: 'latency', stream: 'downstream', toxicity: 1, attributes: null });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ name: 'latency_downstream', attributes: { latency: 0, jitter: 0 } });
    });

    it('12. noop with the stream left out', async () => {
      await create();
      const res = await b.post('/proxies/redis/toxics', { name: 'foobar', type: 'noop', toxicity: 1, attributes: null });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ attributes: {}, name: 'foobar', type: 'noop', stream: 'downstream', toxicity: 1 });
    });

    it('13. toxic names are unique across both streams; default names differ by stream', async () => {
      await create();
      expect((await b.post('/proxies/redis/toxics', { name: 'foobar', type: 'noop', stream: 'upstream' })).status).toBe(200);
      const dup = await b.post('/proxies/redis/toxics', { name: 'foobar', type: 'noop', stream: 'downstream' });
      expect(dup.status).toBe(409);
      expect(dup.json).toEqual({ error: 'toxic already exists', status: 409, code: 'TOXIC_EXISTS' });
      const up = await b.post('/proxies/redis/toxics', { name: '', type: 'latency', stream: 'upstream' });
      const down = await b.post('/proxies/redis/toxics', { name: '', type: 'latency', stream: 'downstream' });
      expect([up.status, down.status]).toEqual([200, 200]);
      expect([(up.json as { name: string }).name, (down.json as { name: string }).name]).toEqual([
        'latency_upstream',
        'latency_downstream',
      ]);
    });

    it('14. toxicity is echoed (float32) in the response and the list', async () => {
      await create();
      const res = await b.post('/proxies/redis/toxics', { type: 'latency', toxicity: 0.2 });
      expect((res.json as { toxicity: number }).toxicity).toBe(0.2);
      expect(res.text).toContain('"toxicity":0.2}');
      const list = await b.get('/proxies/redis/toxics');
      expect((list.json as Array<{ toxicity: number }>)[0]?.toxicity).toBe(0.2);
      const odd = await b.post('/proxies/redis/toxics', { name: 'odd', type: 'noop', toxicity: 0.123456789 });
      expect(odd.text).toContain('"toxicity":0.12345679}');
    });

    it('15. partial update with PATCH merges attributes and keeps toxicity; POST updates too', async () => {
      await create();
      await b.post('/proxies/redis/toxics', { type: 'latency', attributes: { latency: 100, jitter: 10 } });
      const first = await b.patch('/proxies/redis/toxics/latency_downstream', { attributes: { latency: 1000 }, toxicity: 0.5 });
      expect(first.status).toBe(200);
      expect(first.json).toMatchObject({ attributes: { latency: 1000, jitter: 10 }, toxicity: 0.5 });
      const second = await b.patch('/proxies/redis/toxics/latency_downstream', { attributes: { latency: 500 } });
      expect(second.json).toMatchObject({ attributes: { latency: 500, jitter: 10 }, toxicity: 0.5 });
      const viaPost = await b.post('/proxies/redis/toxics/latency_downstream', {
        name: 'latency_downstream',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: 7, jitter: 3 },
      });
      expect(viaPost.status).toBe(200);
      expect(viaPost.json).toEqual({
        attributes: { latency: 7, jitter: 3 },
        name: 'latency_downstream',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
      });
    });

    it('16. toxic 404s: missing toxic, missing proxy', async () => {
      await create();
      const t = await b.get('/proxies/redis/toxics/nope');
      expect(t.status).toBe(404);
      expect(t.json).toEqual({ error: 'toxic not found', status: 404, code: 'TOXIC_NOT_FOUND' });
      const p = await b.get('/proxies/nope/toxics/x');
      expect(p.status).toBe(404);
      expect(p.json).toEqual({ error: 'proxy not found', status: 404, code: 'PROXY_NOT_FOUND' });
    });

    it('17. bad stream and bad type: 400 with Toxiproxy’s messages', async () => {
      await create();
      const s = await b.post('/proxies/redis/toxics', { type: 'latency', stream: 'walrustream' });
      expect(s.status).toBe(400);
      expect(s.json).toEqual({ error: 'stream was invalid, can be either upstream or downstream', status: 400, code: 'INVALID_STREAM' });
      const t = await b.post('/proxies/redis/toxics', { type: 'down' });
      expect(t.status).toBe(400);
      expect(t.json).toEqual({ error: 'invalid toxic type', status: 400, code: 'INVALID_TOXIC_TYPE' });
    });

    it('18. list order: both downstream toxics, none upstream', async () => {
      await create();
      await b.post('/proxies/redis/toxics', { name: 'latency1', type: 'latency' });
      await b.post('/proxies/redis/toxics', { name: 'latency2', type: 'latency' });
      const list = (await b.get('/proxies/redis/toxics')).json as Array<{ name: string; stream: string }>;
      expect(list.map((t) => [t.name, t.stream])).toEqual([
        ['latency1', 'downstream'],
        ['latency2', 'downstream'],
      ]);
    });

    it('19. delete a toxic: 204, empty body, gone from the list', async () => {
      await create();
      await b.post('/proxies/redis/toxics', { type: 'latency' });
      const res = await b.delete('/proxies/redis/toxics/latency_downstream');
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect((await b.get('/proxies/redis/toxics')).json).toEqual([]);
    });
  });

  it('20. reset with an empty body: proxies kept, enabled again, toxics gone, ports accept', async () => {
    const created = (await b.post('/proxies', { name: 'redis', listen: 'localhost:0', upstream: 'localhost:6379' })).json as {
      listen: string;
    };
    await b.post('/proxies/redis/toxics', { type: 'latency' });
    await b.post('/proxies/redis', { enabled: false });
    const res = await b.request('POST', '/reset', { headers: {} });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const proxy = (await b.get('/proxies/redis')).json;
    expect(proxy).toMatchObject({ name: 'redis', enabled: true, toxics: [] });
    expect(await canConnect(Number(created.listen.split(':')[1]))).toBe(true);
  });

  describe('populate', () => {
    it('21. creates proxies in request order: 201 {"proxies":[...]}, ports accept', async () => {
      const [p1, p2] = [await freePort(), await freePort()];
      const res = await b.post('/populate', [
        { name: 'one', listen: `localhost:${p1}`, upstream: 'localhost:7171', enabled: true },
        { name: 'two', listen: `localhost:${p2}`, upstream: 'localhost:7474', enabled: true },
      ]);
      expect(res.status).toBe(201);
      const { proxies } = res.json as { proxies: Array<{ name: string; listen: string }> };
      expect(proxies.map((p) => [p.name, p.listen])).toEqual([
        ['one', `127.0.0.1:${p1}`],
        ['two', `127.0.0.1:${p2}`],
      ]);
      expect(await canConnect(p1)).toBe(true);
      expect(await canConnect(p2)).toBe(true);
    });

    it('22. keeps an unchanged proxy with its toxic; moves a changed one', async () => {
      const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
      await b.post('/proxies', { name: 'one', listen: `localhost:${p1}`, upstream: 'localhost:7171' });
      await b.post('/proxies/one/toxics', { type: 'latency', attributes: { latency: 10 } });
      await b.post('/proxies', { name: 'two', listen: `localhost:${p2}`, upstream: 'localhost:7474' });
      const res = await b.post('/populate', [
        { name: 'one', listen: `localhost:${p1}`, upstream: 'localhost:7171' },
        { name: 'two', listen: `localhost:${p3}`, upstream: 'localhost:7474' },
      ]);
      expect(res.status).toBe(201);
      const [one, two] = (res.json as { proxies: Array<{ listen: string; toxics: unknown[] }> }).proxies;
      expect(one?.listen).toBe(`127.0.0.1:${p1}`);
      expect(one?.toxics).toHaveLength(1);
      expect(two?.listen).toBe(`127.0.0.1:${p3}`);
      expect(((await b.get('/proxies/one')).json as { toxics: unknown[] }).toxics).toHaveLength(1);
    });

    it('23. enabled:false is created without binding; a missing enabled binds', async () => {
      const [p1, p2] = [await freePort(), await freePort()];
      const body = `[{"name":"off","listen":"127.0.0.1:${p1}","upstream":"x:1","enabled":false},{"name":"on","listen":"127.0.0.1:${p2}","upstream":"x:1"}]`;
      const res = await b.post('/populate', body);
      expect(res.status).toBe(201);
      expect((res.json as { proxies: Array<{ enabled: boolean }> }).proxies.map((p) => p.enabled)).toEqual([false, true]);
      expect(await canConnect(p1)).toBe(false);
      expect(await canConnect(p2)).toBe(true);
    });

    it('24. validation is all or nothing', async () => {
      const port = await freePort();
      const res = await b.post('/populate', [
        { name: 'one', listen: `localhost:${port}`, upstream: 'localhost:7171', enabled: true },
        { name: '', listen: '', upstream: '', enabled: true },
      ]);
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ error: 'missing required field: name at proxy 2', status: 400, proxies: null, code: 'MISSING_FIELD' });
      expect((await b.get('/proxies')).text).toBe('{}');
    });

    it('25. a failure part way keeps earlier proxies and stops there', async () => {
      const [p1, p3] = [await freePort(), await freePort()];
      const res = await b.post('/populate', [
        { name: 'one', listen: `localhost:${p1}`, upstream: 'localhost:7171', enabled: true },
        { name: 'two', listen: 'local373', upstream: 'localhost:7474', enabled: true },
        { name: 'three', listen: `localhost:${p3}`, upstream: 'localhost:7575', enabled: true },
      ]);
      expect(res.status).toBeGreaterThanOrEqual(400);
      const body = res.json as { error: string; proxies: Array<{ name: string }> };
      expect(body.error).toContain('local373');
      expect(body.proxies.map((p) => p.name)).toEqual(['one']);
      expect(Object.keys(res.json as object)).toEqual(['error', 'status', 'proxies', 'code']);
      expect((await b.get('/proxies/one')).status).toBe(200);
      expect((await b.get('/proxies/two')).status).toBe(404);
      expect((await b.get('/proxies/three')).status).toBe(404);
    });

    it('26. an empty array gives {"proxies":[]} (Toxiproxy’s null crashes node and Ruby clients)', async () => {
      const res = await b.post('/populate', []);
      expect(res.status).toBe(201);
      expect(res.text).toBe('{"proxies":[]}');
    });
  });

  it('27. browser guard: Mozilla/ user agents get 403, others pass', async () => {
    const blocked = await b.get('/proxies', undefined, { headers: { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64)' } });
    expect(blocked.status).toBe(403);
    expect(blocked.json).toEqual({ error: 'User agent not allowed', status: 403, code: 'FORBIDDEN' });
    expect((await b.get('/proxies', undefined, { headers: { 'User-Agent': 'Wget/2.1' } })).status).toBe(200);
    expect((await b.get('/proxies', undefined, { headers: { 'User-Agent': 'mozilla/5.0' } })).status).toBe(200);
  });

  it('28. every matched route sends X-Toxiproxy-Request-Id', async () => {
    await b.post('/proxies', { name: 'redis', listen: 'localhost:0', upstream: 'localhost:6379' });
    const ids = new Set<string>();
    for (const res of [
      await b.get('/proxies'),
      await b.get('/version'),
      await b.get('/proxies/redis'),
      await b.get('/proxies/nope'),
      await b.post('/reset'),
    ]) {
      const id = res.headers.get('x-toxiproxy-request-id');
      expect(id).toMatch(/^[0-9a-v]{20}$/);
      ids.add(id ?? '');
    }
    expect(ids.size).toBe(5);
  });

  it('29. delete a proxy: 204, the port refuses, the list no longer has it', async () => {
    const created = (await b.post('/proxies', { name: 'redis', listen: 'localhost:0', upstream: 'localhost:6379' })).json as {
      listen: string;
    };
    const res = await b.delete('/proxies/redis');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await canConnect(Number(created.listen.split(':')[1]))).toBe(false);
    expect((await b.get('/proxies')).text).toBe('{}');
  });

  it('30. data path: round trip, +latency 1500 ms upstream, removal, disable → EOF, enable → works', async () => {
    const created = (await b.post('/proxies', { name: 'echo', listen: '127.0.0.1:0', upstream: echo.address })).json as { listen: string };
    const port = Number(created.listen.split(':')[1]);
    const roundTrip = async (client: Socket, text: string): Promise<number> => {
      const started = performance.now();
      client.write(text);
      expect((await readBytes(client, text.length)).toString()).toBe(text);
      return performance.now() - started;
    };
    // Without the toxic a round trip takes less than its latency: the fastest of three, so that one
    // round trip a busy machine held up does not count.
    const LATENCY = 1500;
    const fastest = async (client: Socket, text: string): Promise<number> => {
      let best = Infinity;
      for (let i = 0; i < 3; i++) best = Math.min(best, await roundTrip(client, text));
      return best;
    };
    const client = await connectTo(port);
    sockets.push(client);
    expect(await fastest(client, 'PING')).toBeLessThan(LATENCY);
    expect((await b.post('/proxies/echo/toxics', { type: 'latency', stream: 'upstream', attributes: { latency: LATENCY } })).status).toBe(
      200,
    );
    expect(await roundTrip(client, 'SLOW')).toBeGreaterThanOrEqual(LATENCY);
    expect((await b.delete('/proxies/echo/toxics/latency_upstream')).status).toBe(204);
    expect(await fastest(client, 'FAST')).toBeLessThan(LATENCY);

    const ended = readAll(client);
    expect((await b.post('/proxies/echo', { enabled: false })).status).toBe(200);
    const result = await ended;
    expect(result.data.length).toBe(0);
    expect(result.error).toBeUndefined();
    expect(await canConnect(port)).toBe(false);

    expect((await b.post('/proxies/echo', { enabled: true })).status).toBe(200);
    const again = await connectTo(port);
    sockets.push(again);
    expect(await fastest(again, 'BACK')).toBeLessThan(LATENCY);
  });
});
