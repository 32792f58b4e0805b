import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../server.js';
import { toxicTypes } from '../toxics/registry.js';
import { FAULTLINE_VERSION } from './version.js';

let server: RunningServer;

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: { 'User-Agent': 'test', ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  return { status: res.status, headers: res.headers, text, json };
}

beforeAll(async () => {
  server = await startServer({ port: 0, seed: 1, metrics: false });
});

afterAll(() => server.close());

beforeEach(async () => {
  for (const proxy of server.registry.list()) await server.registry.remove(proxy.name);
});

describe('routing like Toxiproxy’s router', () => {
  it('answers an unknown path exactly as Toxiproxy does: plain-text 404, no request id', async () => {
    for (const path of ['/proxies/', '/Proxies', '/PROXIES', '/version/', '/nope', '/proxies/x/unknown']) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.text).toBe('404 page not found\n');
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-length')).toBe('19');
      expect(res.headers.get('x-toxiproxy-request-id')).toBeNull();
      expect(res.headers.get('x-faultline-version')).toBe(FAULTLINE_VERSION);
    }
  });

  it('keeps the JSON error body on routes that exist', async () => {
    const res = await call('GET', '/proxies/nope');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: 'proxy not found', status: 404, code: 'PROXY_NOT_FOUND' });
    expect(res.headers.get('x-faultline-version')).toBe(FAULTLINE_VERSION);
  });

  it('answers a known path with a wrong method as Toxiproxy does: an empty 405, plus Allow', async () => {
    const res = await call('PUT', '/proxies');
    expect(res.status).toBe(405);
    expect(res.text).toBe('');
    expect(res.headers.get('content-type')).toBeNull();
    expect(res.headers.get('content-length')).toBe('0');
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect(res.headers.get('x-toxiproxy-request-id')).toBeNull();
    expect(res.headers.get('x-faultline-version')).toBe(FAULTLINE_VERSION);
    expect((await call('GET', '/reset')).status).toBe(405);
    expect((await call('OPTIONS', '/proxies/x/toxics/y')).status).toBe(405);
  });

  it('serves /metrics only when metrics are on', async () => {
    expect((await call('GET', '/metrics')).text).toBe('404 page not found\n');
  });

  it('addresses names with URL-encoded UTF-8 and slashes', async () => {
    await call('POST', '/proxies', JSON.stringify({ name: 'ée', upstream: 'x:1', enabled: false }));
    expect((await call('GET', '/proxies/%C3%A9e')).json).toMatchObject({ name: 'ée' });
    await call('POST', '/proxies', JSON.stringify({ name: 'a/b', upstream: 'x:1', enabled: false }));
    expect((await call('GET', '/proxies/a%2Fb')).json).toMatchObject({ name: 'a/b' });
  });
});

describe('version and server facts', () => {
  it('answers GET /version byte for byte as Toxiproxy 2.12 does', async () => {
    const res = await fetch(`${server.url}/version`, { headers: { 'User-Agent': 'test' } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).toString('latin1')).toBe('{"version": "2.12.0"}\n');
    expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
    expect(res.headers.get('content-length')).toBe('22');
    expect(res.headers.get('x-toxiproxy-request-id')).toMatch(/^[0-9a-v]{20}$/);
    expect(res.headers.get('x-faultline-version')).toBe(FAULTLINE_VERSION);
  });

  it('says what this server is at GET /faultline/info', async () => {
    const res = await call('GET', '/faultline/info');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.json).toEqual({
      version: FAULTLINE_VERSION,
      toxiproxy_api: '2.12.0',
      node: process.version,
      seed: '1',
      uptime_ms: expect.any(Number),
      protocols: ['tcp', 'http', 'udp', 'http2'],
      toxic_types: [...toxicTypes(), 'duplicate', 'reorder', 'tls_certificate', 'tls_handshake'],
      toxic_layers: {
        stream: toxicTypes().filter((t) => !t.startsWith('http_') && !t.startsWith('http2_') && t !== 'clock_skew'),
        http: ['http_abort', 'http_delay', 'http_header', 'clock_skew'],
        http2: ['http2_rst_stream', 'http2_goaway'],
        datagram: ['latency', 'loss', 'duplicate', 'reorder', 'bandwidth', 'corrupt', 'partition'],
        tls: ['tls_certificate', 'tls_handshake'],
      },
    });
    expect(res.json?.['toxic_types']).toEqual(expect.arrayContaining(['latency', 'bandwidth', 'http_abort']));
    expect((await call('POST', '/faultline/info')).status).toBe(405);
  });

  it('sends X-Faultline-Version on answers that fail before any route: a missing token', async () => {
    const guarded = await startServer({ port: 0, metrics: false, token: 'secret' });
    try {
      const res = await fetch(`${guarded.url}/proxies`);
      expect(res.status).toBe(401);
      expect(res.headers.get('x-faultline-version')).toBe(FAULTLINE_VERSION);
    } finally {
      await guarded.close();
    }
  });
});

describe('lenient bodies like Go’s decoder', () => {
  it('needs no Content-Type, reads keys case-insensitively, ignores unknown fields and trailing bytes', async () => {
    const created = await call('POST', '/proxies', '{"NAME":"p","Upstream":"x:1","enabled":false,"toxics":[1]} trailing', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(created.status).toBe(201);
    const toxic = await call(
      'POST',
      '/proxies/p/toxics',
      '{"Name":"t6","TYPE":"latency","Stream":"UPSTREAM","attributes":{"Latency":7,"unknown":1}}',
    );
    expect(toxic.text).toBe('{"attributes":{"latency":7,"jitter":0},"name":"t6","type":"latency","stream":"UPSTREAM","toxicity":1}');
    expect((await call('POST', '/proxies/p/toxics', '{"type":"slow_close"} trailing')).status).toBe(200);
  });

  it('keeps a value given as null', async () => {
    await call('POST', '/proxies', JSON.stringify({ name: 'p', upstream: 'x:1', enabled: null, listen: '127.0.0.1:0' }));
    expect(server.registry.get('p')?.enabled).toBe(true);
    await call('POST', '/proxies/p/toxics', JSON.stringify({ type: 'latency', toxicity: 0.5, attributes: { latency: 9 } }));
    const res = await call('PATCH', '/proxies/p/toxics/latency_downstream', '{"toxicity":null,"attributes":{"latency":null,"jitter":2}}');
    expect(res.json).toMatchObject({ toxicity: 0.5, attributes: { latency: 9, jitter: 2 } });
    expect((await call('PATCH', '/proxies/p/toxics/latency_downstream', '{}')).status).toBe(200);
    expect((await call('PATCH', '/proxies/p/toxics/latency_downstream', '')).json).toMatchObject({ error: 'bad request body: EOF' });
  });
});

describe('validate first, then apply', () => {
  it('a failed toxic update changes nothing (Toxiproxy half-applies it)', async () => {
    await call('POST', '/proxies', JSON.stringify({ name: 'p', upstream: 'x:1', enabled: false }));
    await call('POST', '/proxies/p/toxics', JSON.stringify({ type: 'latency', attributes: { latency: 1, jitter: 1 } }));
    const res = await call('PATCH', '/proxies/p/toxics/latency_downstream', '{"attributes":{"latency":7,"jitter":"x"},"toxicity":0.3}');
    expect(res.status).toBe(400);
    expect((res.json as { error: string }).error).toMatch(/^bad request body: attributes\.jitter: /);
    expect((await call('GET', '/proxies/p/toxics/latency_downstream')).json).toMatchObject({
      attributes: { latency: 1, jitter: 1 },
      toxicity: 1,
    });
  });

  it('a failed proxy update changes nothing', async () => {
    const created = await call('POST', '/proxies', JSON.stringify({ name: 'p', listen: '127.0.0.1:0', upstream: 'x:1' }));
    const before = created.json;
    for (const body of [
      '{"enabled":"yes","upstream":"y:2"}',
      '{"listen":"nope","upstream":"y:2"}',
      '{"upstream":"no-port","enabled":false}',
    ]) {
      const res = await call('POST', '/proxies/p', body);
      expect(res.status, body).toBe(400);
      expect((await call('GET', '/proxies/p')).json).toEqual(before);
    }
  });

  it('a busy port on update is a 500 that keeps the new address with the proxy disabled, as in Toxiproxy', async () => {
    const busy = await call('POST', '/proxies', JSON.stringify({ name: 'busy', listen: '127.0.0.1:0', upstream: 'x:1' }));
    const busyListen = (busy.json as { listen: string }).listen;
    await call('POST', '/proxies', JSON.stringify({ name: 'p', listen: '127.0.0.1:0', upstream: 'x:1' }));
    const res = await call('PATCH', '/proxies/p', JSON.stringify({ listen: busyListen }));
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ error: `listen tcp ${busyListen}: bind: address already in use`, status: 500, code: 'LISTEN_FAILED' });
    expect((await call('GET', '/proxies/p')).json).toMatchObject({ listen: busyListen, enabled: false });
  });

  it('checks a new toxic in Toxiproxy’s order: stream, then type, then name, then attributes', async () => {
    await call('POST', '/proxies', JSON.stringify({ name: 'p', upstream: 'x:1', enabled: false }));
    await call('POST', '/proxies/p/toxics', JSON.stringify({ name: 'taken', type: 'noop' }));
    const order = async (body: object) => ((await call('POST', '/proxies/p/toxics', JSON.stringify(body))).json as { error: string }).error;
    expect(await order({ type: 'bogus', stream: 'sideways' })).toBe('stream was invalid, can be either upstream or downstream');
    expect(await order({ name: 'taken', type: 'bogus' })).toBe('invalid toxic type');
    expect(await order({ name: 'taken', type: 'latency', attributes: { latency: 'x' } })).toBe('toxic already exists');
    expect(await order({ type: 'latency', stream: '' })).toBe('stream was invalid, can be either upstream or downstream');
    expect(await order({ type: 'bandwidth', attributes: { rate: 'fast' } })).toMatch(/^bad request body: attributes\.rate: /);
    expect(await order({ attributes: 5, type: 'latency' })).toBe('bad request body: attributes: expected an object, got the number 5');
  });

  it('answers 404 for a missing proxy before reading the body', async () => {
    expect((await call('POST', '/proxies/none', 'garbage')).json).toMatchObject({ error: 'proxy not found' });
    expect((await call('POST', '/proxies/none/toxics', 'garbage')).json).toMatchObject({ error: 'proxy not found' });
    await call('POST', '/proxies', JSON.stringify({ name: 'p', upstream: 'x:1', enabled: false }));
    expect((await call('PATCH', '/proxies/p/toxics/none', '')).json).toMatchObject({ error: 'toxic not found' });
  });

  it('ignores the body of /reset', async () => {
    expect((await call('POST', '/reset', 'not json at all')).status).toBe(204);
  });
});
