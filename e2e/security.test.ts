/**
 * Security defaults: the API binds loopback unless told otherwise, an optional bearer token guards
 * every route, and request bodies are capped.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api, request } from './helpers/http.js';

const started: FaultlineProcess[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-security-'));
});

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

async function start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<FaultlineProcess> {
  const server = await startFaultline(['serve', '--port', '0', ...args], { env });
  started.push(server);
  return server;
}

describe('security defaults', () => {
  it('binds the admin API to 127.0.0.1 when no host is given', async () => {
    const server = await start([]);
    const listening = server.logs.find((l) => l['msg'] === 'admin API listening');
    expect(listening?.['host']).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('requires the bearer token on every route, known or not, when --token is set', async () => {
    const server = await start(['--token', 's3cret']);
    for (const [method, path] of [
      ['GET', '/version'],
      ['GET', '/proxies'],
      ['POST', '/reset'],
      ['GET', '/metrics'],
      ['GET', '/no/such/route'],
    ] as const) {
      const missing = await request(server.url, method, path);
      expect(missing.status, `${method} ${path}`).toBe(401);
      expect(missing.json).toEqual({
        error: 'missing bearer token (send Authorization: Bearer <token>)',
        status: 401,
        code: 'UNAUTHORIZED',
      });
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="faultline"');
      const wrong = await request(server.url, method, path, { headers: { Authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      expect(wrong.json).toMatchObject({ error: 'invalid bearer token' });
    }
    const ok = api(server.url, { headers: { Authorization: 'Bearer s3cret' } });
    expect((await ok.get('/proxies')).status).toBe(200);
    expect((await ok.get('/no/such/route')).status).toBe(404);
  });

  it('takes the token from FAULTLINE_TOKEN too', async () => {
    const server = await start([], { FAULTLINE_TOKEN: 'from-env' });
    expect((await request(server.url, 'GET', '/proxies')).status).toBe(401);
    expect((await request(server.url, 'GET', '/proxies', { headers: { Authorization: 'bearer from-env' } })).status).toBe(200);
  });

  it('caps request bodies (1 MiB by default) with a JSON 413', async () => {
    const server = await start([]);
    const b = api(server.url);
    const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10), upstream: 'x:1' });
    const res = await b.post('/proxies', big);
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: 'request body too large: the limit is 1048576 bytes', status: 413, code: 'PAYLOAD_TOO_LARGE' });
    const justUnder = JSON.stringify({ name: 'y'.repeat(256), upstream: 'x:1', enabled: false, padding: 'p'.repeat(1024 * 1024 - 400) });
    expect((await b.post('/proxies', justUnder)).status).toBe(201);
    expect((await b.get('/proxies')).status).toBe(200);
  });

  it('takes the body cap from the config file', async () => {
    const config = join(dir, 'small-bodies.yaml');
    await writeFile(config, 'server:\n  body_limit: 64\n');
    const server = await start(['--config', config]);
    const res = await api(server.url).post('/proxies', {
      name: 'long-enough-name-to-pass-sixty-four-bytes',
      upstream: '127.0.0.1:1',
      enabled: false,
    });
    expect(res.status).toBe(413);
    expect((res.json as { error: string }).error).toBe('request body too large: the limit is 64 bytes');
  });

  it('answers malformed HTTP with a JSON error instead of a bare status line', async () => {
    const server = await start([]);
    const res = await request(server.url, 'GET', '/proxies', { headers: { 'X-Big': 'x'.repeat(20_000) } });
    expect(res.status).toBe(431);
    expect(res.json).toEqual({ error: 'request headers too large', status: 431, code: 'HEADERS_TOO_LARGE' });
  });
});
