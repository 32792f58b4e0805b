/**
 * HTTP mode through the admin API and the config file: the `protocol` field (accepted on create,
 * update and populate, echoed only when `http`), HTTP toxics on the wire, and clear 400s for HTTP
 * toxics on a `tcp` proxy and for bad attributes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/load.js';
import { startServer, type RunningServer } from '../server.js';
import { apiCall } from '../testing/api.js';
import { httpCall, startHttpServer, type TestHttpServer } from '../testing/http-server.js';

let server: RunningServer;
let up: TestHttpServer;

const call = (method: string, path: string, body?: unknown) => apiCall(server.url, method, path, body);

beforeAll(async () => {
  up = await startHttpServer((_req, res) => res.end('hi'));
  server = await startServer({ port: 0, seed: 1, metrics: false });
});

afterAll(async () => {
  await server.close();
  await up.close();
});

beforeEach(async () => {
  for (const proxy of server.registry.list()) await server.registry.remove(proxy.name);
});

describe('the protocol field', () => {
  it('is accepted on create and echoed only when http', async () => {
    const http = await call('POST', '/proxies', { name: 'web', listen: '127.0.0.1:0', upstream: up.address, protocol: 'http' });
    expect(http.status).toBe(201);
    expect(Object.keys(http.json ?? {})).toEqual(['name', 'listen', 'upstream', 'protocol', 'enabled', 'toxics']);
    expect(http.json).toMatchObject({ protocol: 'http' });
    const tcp = await call('POST', '/proxies', { name: 'raw', listen: '127.0.0.1:0', upstream: up.address, protocol: 'tcp' });
    expect(Object.keys(tcp.json ?? {})).toEqual(['name', 'listen', 'upstream', 'enabled', 'toxics']);
    const proxy = server.registry.require('web');
    expect((await httpCall(proxy.port)).body.toString()).toBe('hi');
  });

  it('rejects an unknown protocol with a 400 naming the choices', async () => {
    const res = await call('POST', '/proxies', { name: 'x', upstream: up.address, protocol: 'quic' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      error: 'bad request body: protocol: expected "tcp" or "http" or "udp" or "http2", got "quic"',
      status: 400,
    });
    const populate = await call('POST', '/populate', [{ name: 'a', upstream: up.address, protocol: 'HTTP' }]);
    expect(populate.json).toMatchObject({
      error: 'bad request body: protocol: expected "tcp" or "http" or "udp" or "http2", got "HTTP" at proxy 1',
    });
  });

  it('changes on update (restarting the proxy) and on populate', async () => {
    await call('POST', '/proxies', { name: 'web', listen: '127.0.0.1:0', upstream: up.address });
    const updated = await call('PATCH', '/proxies/web', { protocol: 'http' });
    expect(updated.json).toMatchObject({ protocol: 'http', enabled: true });
    const listen = String(updated.json?.['listen']);
    const same = await call('POST', '/populate', [{ name: 'web', listen, upstream: up.address, protocol: 'http' }]);
    expect((same.json!['proxies'] as unknown[])[0]).toMatchObject({ protocol: 'http' });
    const back = await call('POST', '/populate', [{ name: 'web', listen, upstream: up.address }]);
    expect((back.json!['proxies'] as Array<Record<string, unknown>>)[0]?.['protocol']).toBeUndefined();
  });
});

describe('HTTP toxics over the API', () => {
  async function httpProxy(): Promise<void> {
    await call('POST', '/proxies', { name: 'web', listen: '127.0.0.1:0', upstream: up.address, protocol: 'http' });
  }

  it('shows the Toxiproxy envelope with every attribute', async () => {
    await httpProxy();
    const res = await call('POST', '/proxies/web/toxics', {
      type: 'http_abort',
      stream: 'upstream',
      toxicity: 0.1,
      attributes: { status: 503, match: { path: '/orders/*' } },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      attributes: {
        status: 503,
        body: '',
        headers: {},
        reset: false,
        match: { methods: [], path: '/orders/*', headers: {} },
      },
      name: 'http_abort_upstream',
      type: 'http_abort',
      stream: 'upstream',
      toxicity: 0.1,
    });
  });

  it('refuses an HTTP toxic on a tcp proxy with a 400 that says how to fix it', async () => {
    await call('POST', '/proxies', { name: 'raw', listen: '127.0.0.1:0', upstream: up.address });
    const res = await call('POST', '/proxies/raw/toxics', { type: 'clock_skew' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: 'toxic type clock_skew works on HTTP or HTTP/2 proxies only; proxy raw has protocol tcp (create it with "protocol": "http")',
      status: 400,
      code: 'INVALID_TOXIC_TYPE',
    });
  });

  it('refuses switching a proxy with HTTP toxics back to tcp', async () => {
    await httpProxy();
    await call('POST', '/proxies/web/toxics', { type: 'http_delay', attributes: { delay: 5 } });
    const res = await call('PATCH', '/proxies/web', { protocol: 'tcp' });
    expect(res.status).toBe(409);
    expect(res.json?.['error']).toBe('proxy web has HTTP toxics (http_delay_downstream): remove them before changing its protocol to tcp');
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['http_abort', { status: 299 }, 'attributes.status: unknown HTTP status 299: use a registered final status from 200 to 599, e.g. 503'],
    ['http_abort', { status: 101 }, 'attributes.status: unknown HTTP status 101: use a registered final status from 200 to 599, e.g. 503'],
    ['http_abort', { status: '503' }, 'attributes.status: expected an HTTP status code (a number), got "503"'],
    [
      'http_abort',
      { match: { path: '/orders/[0-9' } },
      'attributes.match.path: unparseable glob: unclosed "[" at position 9 of "/orders/[0-9"',
    ],
    ['http_abort', { match: { path: 'orders/*' } }, 'attributes.match.path: a path glob starts with "/" or "*"'],
    [
      'http_abort',
      { match: { headers: { 'X-Tenant': 'a{b' } } },
      'attributes.match.headers.X-Tenant: unparseable glob: unclosed "{" at position 2 of "a{b"',
    ],
    [
      'http_abort',
      { match: { headers: { 'X Tenant': '*' } } },
      `attributes.match.headers.X Tenant: invalid header name "X Tenant": use letters, digits and !#$%&'*+-.^_\`|~ only (no spaces, colons or control characters)`,
    ],
    [
      'http_abort',
      { match: { methods: ['GE T'] } },
      'attributes.match.methods.0: invalid HTTP method "GE T": a method is a token such as GET or POST',
    ],
    ['http_abort', { match: { paths: '/x' } }, 'attributes.match: unknown key "paths" (match takes methods, path, headers)'],
    [
      'http_abort',
      { headers: { 'Bad Name': 'x' } },
      `attributes.headers.Bad Name: invalid header name "Bad Name": use letters, digits and !#$%&'*+-.^_\`|~ only (no spaces, colons or control characters)`,
    ],
    [
      'http_header',
      { set: { 'X-A:b': '1' } },
      `attributes.set.X-A:b: invalid header name "X-A:b": use letters, digits and !#$%&'*+-.^_\`|~ only (no spaces, colons or control characters)`,
    ],
    [
      'http_header',
      { set: { 'X-A': 'line\r\nbreak' } },
      'attributes.set.X-A: invalid header value: control characters (CR, LF, NUL …) are not allowed',
    ],
    [
      'http_header',
      { remove: ['Content-Length'] },
      'attributes.remove.0: header "Content-Length" frames the message or the connection; the proxy manages it',
    ],
    ['http_delay', { delay: -1 }, 'attributes.delay: must be 0 or more (ms), got -1'],
    [
      'clock_skew',
      { freeze_at: 'tomorrow' },
      'attributes.freeze_at: expected an RFC 3339 instant with a zone, e.g. "2030-01-01T00:00:00Z", got "tomorrow"',
    ],
    ['clock_skew', { shift_headers: ['Age'] }, 'attributes.shift_headers.0: expected one of last-modified, expires, retry-after'],
    [
      'clock_skew',
      { request_header: 'X Now' },
      `attributes.request_header: invalid header name "X Now": use letters, digits and !#$%&'*+-.^_\`|~ only (no spaces, colons or control characters)`,
    ],
    ['clock_skew', { drift: 2_000_000 }, 'attributes.drift: drift must be between -1000000 and 1000000 ppm'],
  ];

  it.each(bad)('%s with %j is a 400: %s', async (type, attributes, message) => {
    await httpProxy();
    const res = await call('POST', '/proxies/web/toxics', { type, attributes });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: `bad request body: ${message}`, status: 400, code: 'INVALID_ATTRIBUTES' });
    expect((await call('GET', '/proxies/web/toxics')).json).toEqual([]);
  });

  it('validates an update completely before changing anything', async () => {
    await httpProxy();
    await call('POST', '/proxies/web/toxics', { name: 'a', type: 'http_abort', attributes: { status: 500 } });
    const res = await call('PATCH', '/proxies/web/toxics/a', { attributes: { status: 200, match: { path: '/[' } } });
    expect(res.status).toBe(400);
    expect((await call('GET', '/proxies/web/toxics/a')).json).toMatchObject({ attributes: { status: 500 } });
  });
});

describe('HTTP mode in config files', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-http-config-'));
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('rejects an HTTP toxic on a tcp proxy at load, with the file position', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'proxies:\n  - name: web\n    upstream: 127.0.0.1:1\n    toxics:\n      - type: http_abort\n');
    const error = await loadConfig({ file }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      `${file}:5:15: proxies[0].toxics[0].type: toxic type "http_abort" works on HTTP or HTTP/2 proxies only: set protocol: http on proxy "web"`,
    ]);
  });

  it('loads an http proxy with HTTP toxics and serves it', async () => {
    const file = join(dir, 'good.yaml');
    await writeFile(
      file,
      `proxies:\n  - name: web\n    listen: 127.0.0.1:0\n    upstream: ${up.address}\n    protocol: http\n    toxics:\n` +
        `      - type: http_abort\n        stream: upstream\n        attributes: { status: 418, match: { path: /teapot } }\n`,
    );
    const { config } = await loadConfig({ file });
    const running = await startServer({ port: 0, metrics: false, proxies: config.proxies });
    try {
      const proxy = running.registry.require('web');
      expect(proxy.protocol).toBe('http');
      expect((await httpCall(proxy.port, { path: '/teapot' })).status).toBe(418);
      expect((await httpCall(proxy.port, { path: '/' })).status).toBe(200);
    } finally {
      await running.close();
    }
  });
});
