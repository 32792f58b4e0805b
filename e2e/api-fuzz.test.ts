/**
 * API fuzzing against the real process: thousands of malformed bodies, wrong types, huge values,
 * odd names, paths and methods, plus raw malformed HTTP. The server must never crash, never answer
 * 5xx except a real bind failure, and always answer an error with the JSON error body saying what
 * was wrong. Deterministic (seeded) and bounded in count: the same requests however busy the machine.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api, request, type Api, type ApiResponse } from './helpers/http.js';

const SEED = 0x5eed;
const REQUESTS = 2000;
const CONCURRENCY = 8;

let server: FaultlineProcess;
let b: Api;

beforeAll(async () => {
  server = await startFaultline();
  b = api(server.url);
});

afterAll(async () => {
  await server?.stop();
});

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(SEED);
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;

const ODD_NAMES = [
  'redis',
  'ée',
  'with space',
  'a/b',
  'per%cent',
  'q?x=1',
  'hash#tag',
  '😀',
  '..',
  '.',
  '-',
  '\u0000nul',
  '\t',
  'x'.repeat(3000),
  '9',
  '10',
  '__proto__',
  'constructor',
  'toString',
];

const HUGE_NUMBERS = [
  '1e400',
  '-1e400',
  '9223372036854775807',
  '-9223372036854775808',
  '1e308',
  '0.1e-400',
  '1.0',
  '1e3',
  '-0',
  '123456789012345678901234567890',
];

function randomString(): string {
  switch (int(5)) {
    case 0:
      return pick(ODD_NAMES);
    case 1:
      return String.fromCharCode(...Array.from({ length: int(20) }, () => 32 + int(95)));
    case 2:
      return 'é😀\u2028\uffff'.repeat(int(4));
    case 3:
      return 'z'.repeat(int(20_000));
    default:
      return pick(['', 'upstream', 'downstream', 'UPSTREAM', 'latency', 'bandwidth', 'timeout', 'noop', 'slicer', 'down']);
  }
}

/** Listen values that fail to parse or bind loopback only, so the fuzzer never touches DNS or real ports. */
function randomListen(): unknown {
  return pick(['127.0.0.1:0', 'localhost:0', '', 'bad', '127.0.0.1:99999', '127.0.0.1:-1', ':x', '[::1', 'no-port', 5, null, true, [], {}]);
}

function randomValue(depth = 0): unknown {
  switch (int(depth > 3 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return (rand() - 0.5) * 10 ** int(20);
    case 3:
      return int(100);
    case 4:
      return randomString();
    case 5:
      return -int(1000);
    case 6:
      return Array.from({ length: int(4) }, () => randomValue(depth + 1));
    case 7:
      return Object.fromEntries(Array.from({ length: int(4) }, () => [randomString().slice(0, 20), randomValue(depth + 1)]));
    default:
      return { attributes: randomValue(depth + 1) };
  }
}

function proxyBody(): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (rand() < 0.9) body[pick(['name', 'NAME', 'Name'])] = rand() < 0.8 ? randomString().slice(0, 200) : randomValue();
  if (rand() < 0.8) body['listen'] = randomListen();
  if (rand() < 0.9) body['upstream'] = rand() < 0.5 ? '127.0.0.1:1' : randomValue();
  if (rand() < 0.7) body['enabled'] = rand() < 0.6 ? false : randomValue();
  if (rand() < 0.2) body['toxics'] = randomValue();
  return body;
}

function toxicBody(): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (rand() < 0.5) body['name'] = rand() < 0.7 ? randomString().slice(0, 100) : randomValue();
  if (rand() < 0.9)
    body['type'] =
      rand() < 0.7
        ? pick(['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data', 'noop', 'down', ''])
        : randomValue();
  if (rand() < 0.6) body['stream'] = rand() < 0.7 ? pick(['upstream', 'downstream', 'Upstream', '', 'sideways']) : randomValue();
  if (rand() < 0.5) body['toxicity'] = rand() < 0.5 ? rand() * 3 - 1 : randomValue();
  if (rand() < 0.8) {
    const keys = ['latency', 'jitter', 'rate', 'delay', 'timeout', 'bytes', 'average_size', 'size_variation', 'Latency', 'unknown'];
    body['attributes'] =
      rand() < 0.8
        ? Object.fromEntries(Array.from({ length: int(4) }, () => [pick(keys), rand() < 0.5 ? int(5000) : randomValue()]))
        : randomValue();
  }
  return body;
}

/** A body as text: valid JSON of the right shape, wrong shapes, broken JSON, huge values, bytes. */
function randomBody(kind: 'proxy' | 'toxic' | 'populate' | 'any'): string | undefined {
  const valid = (): string =>
    JSON.stringify(
      kind === 'proxy'
        ? proxyBody()
        : kind === 'toxic'
          ? toxicBody()
          : kind === 'populate'
            ? Array.from({ length: int(5) }, proxyBody)
            : randomValue(),
    );
  switch (int(12)) {
    case 0:
      return undefined;
    case 1:
      return '';
    case 2: {
      const text = valid();
      return text.slice(0, int(text.length));
    }
    case 3:
      return valid() + pick([' trailing', '}', ']]]', '\u0000', ' {"x":1}']);
    case 4:
      return `{"${pick(['latency', 'toxicity', 'enabled', 'name', 'attributes'])}":${pick(HUGE_NUMBERS)}}`;
    case 5:
      return `{"type":"latency","attributes":{"latency":${pick(HUGE_NUMBERS)},"jitter":${pick(HUGE_NUMBERS)}}}`;
    case 6:
      return '['.repeat(int(50_000)) + ']'.repeat(int(3) === 0 ? 0 : 50_000);
    case 7:
      return String.fromCharCode(...Array.from({ length: int(64) }, () => int(256)));
    case 8:
      return pick(['garbage', 'null', 'true', '"str"', '42', '[]', '{}', '{"a":}', "{'a':1}", '{"a":1,}', 'NaN', '\ufeff{}']);
    default:
      return valid();
  }
}

const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'];
const COMMON_METHODS = {
  proxy: ['POST', 'POST', 'PATCH', 'GET'],
  toxic: ['POST', 'POST', 'PATCH', 'GET', 'DELETE'],
  populate: ['POST'],
  any: ['GET', 'POST'],
} as const;

function randomPath(): { path: string; kind: 'proxy' | 'toxic' | 'populate' | 'any' } {
  const name = (): string => (rand() < 0.6 ? 'fuzz' : encodeURIComponent(randomString().slice(0, 300)));
  switch (int(10)) {
    case 0:
      return { path: '/proxies', kind: 'proxy' };
    case 1:
      return { path: `/proxies/${name()}`, kind: 'proxy' };
    case 2:
    case 3:
      return { path: `/proxies/${name()}/toxics`, kind: 'toxic' };
    case 4:
      return { path: `/proxies/${name()}/toxics/${name()}`, kind: 'toxic' };
    case 5:
      return { path: '/populate', kind: 'populate' };
    case 6:
      return { path: pick(['/reset', '/version', '/metrics']), kind: 'any' };
    case 7:
      return {
        path: pick([
          '/proxies/%ZZ',
          '/proxies/%',
          '/proxies/%C3',
          '/proxies/a%00b/toxics',
          '//proxies',
          '/proxies/',
          '/PROXIES',
          '/proxies/x/toxics/',
          '/proxies?x=%ZZ',
        ]),
        kind: 'any',
      };
    case 8:
      return { path: `/${'a/'.repeat(int(500))}`, kind: 'any' };
    default:
      return { path: `/proxies/fuzz/toxics/${pick(['latency_downstream', 'noop_downstream', 'x'])}`, kind: 'toxic' };
  }
}

interface Failure {
  method: string;
  path: string;
  body: string | undefined;
  status: number;
  text: string;
  why: string;
}

function check(res: ApiResponse, method: string, path: string): string | undefined {
  if (res.status >= 500) {
    const code = (res.json as { code?: string } | undefined)?.code;
    if (!(res.status === 500 && code === 'LISTEN_FAILED')) return 'a 5xx that is not a bind failure';
  }
  // Toxiproxy's router answers, kept exactly: an unknown route, and a route asked with another method.
  if (res.status === 404 && res.text === '404 page not found\n') {
    return res.headers.get('content-type') === 'text/plain; charset=utf-8' ? undefined : 'a 404 page not found that is not text/plain';
  }
  if (res.status === 405) return res.text === '' && res.headers.get('allow') ? undefined : 'a 405 that is not empty with an Allow header';
  if (res.status >= 400) {
    const body = res.json as { error?: unknown; status?: unknown; code?: unknown } | undefined;
    if (!body || typeof body !== 'object') return 'an error without a JSON body';
    if (typeof body.error !== 'string' || body.error.length === 0) return 'an error body without a message';
    if (body.status !== res.status) return 'an error body whose status differs from the HTTP status';
    if (typeof body.code !== 'string' || !/^[A-Z_]+$/.test(body.code)) return 'an error body without a code';
    if (body.code === 'INTERNAL') return 'an internal error';
    if (res.headers.get('content-type') !== 'application/json') return 'an error that is not application/json';
  } else if (res.status >= 200 && res.status < 300 && path !== '/metrics' && method !== 'OPTIONS') {
    if (res.status !== 204 && res.json === undefined) return 'a success without a JSON body';
  }
  return undefined;
}

/**
 * Deletes every proxy it can address. (Names `.` and `..` cannot be: URL clients resolve them as dot
 * segments, `%2E` included, so they may linger; no assertion counts them.)
 */
async function cleanUp(): Promise<void> {
  const names = Object.keys((await b.get('/proxies')).json as object);
  const deleteNext = async (): Promise<void> => {
    for (let name = names.pop(); name !== undefined; name = names.pop()) await b.delete(`/proxies/${encodeURIComponent(name)}`);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, deleteNext));
  await b.post('/proxies', { name: 'fuzz', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', enabled: false });
  await b.post('/proxies/fuzz/toxics', { type: 'latency' });
  await b.post('/proxies/fuzz/toxics', { type: 'noop' });
}

/** Sends raw bytes and returns the raw reply. */
function rawHttp(port: number, payload: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.on('data', (c: Buffer) => (reply += c.toString()));
    socket.on('error', () => resolve(reply));
    socket.on('close', () => resolve(reply));
    socket.setTimeout(20_000, () => socket.destroy());
    socket.write(payload);
  });
}

describe('API fuzz', () => {
  it('never crashes, never 5xx (bar bind failures), always a JSON error that says what was wrong (or Toxiproxy’s router answer)', async () => {
    await cleanUp();
    const failures: Failure[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;

    const worker = async (): Promise<void> => {
      while (sent < REQUESTS && failures.length < 10) {
        sent++;
        if (sent % 100 === 0) await cleanUp();
        const { path, kind } = randomPath();
        // Mostly methods the path has, so bodies reach the handlers; sometimes any method.
        const method = rand() < 0.8 ? pick(COMMON_METHODS[kind]) : pick(METHODS);
        const body = method === 'GET' || method === 'OPTIONS' ? undefined : randomBody(kind);
        const headers: Record<string, string> = {
          'Content-Type': pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']),
        };
        if (rand() < 0.03) headers['User-Agent'] = 'Mozilla/5.0 (fuzz)';
        const res = await request(server.url, method, path, { headers, ...(body !== undefined ? { body } : {}) });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const why = check(res, method, path);
        if (why)
          failures.push({
            method,
            path: path.slice(0, 200),
            body: body?.slice(0, 300),
            status: res.status,
            text: res.text.slice(0, 300),
            why,
          });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(failures, `seed ${SEED}: ${JSON.stringify(failures, null, 2)}`).toEqual([]);
    expect(sent).toBe(REQUESTS);
    // The run exercised successes and a spread of client errors, not one path over and over.
    for (const status of [200, 400, 404])
      expect(statuses.get(status) ?? 0, `answers with status ${status} (${JSON.stringify([...statuses])})`).toBeGreaterThan(10);

    // Still alive and well, and nothing was logged as an unexpected error.
    expect(server.child.exitCode).toBeNull();
    expect((await b.get('/version')).status).toBe(200);
    expect(
      server.logs.filter((l) => Number(l['level']) >= 50),
      'error-level log lines',
    ).toEqual([]);
  }, 240_000);

  it('copes with huge values: a thousand proxies in one populate (the first 500 made), very long names, big attributes', async () => {
    await cleanUp();
    const count = 1000;
    const existing = Object.keys((await b.get('/proxies')).json as object).length;
    const items = Array.from({ length: count }, (_, i) => ({
      name: `bulk-${i}-${'é'.repeat(i % 7)}`,
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:1',
      enabled: false,
    }));
    const populated = await b.post('/populate', items, { timeoutMs: 60_000 });
    // A server holds at most 500 proxies: populate stops at the first one past it, keeping the others.
    const room = 500 - existing;
    expect(populated.status).toBe(400);
    expect(populated.json).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect((populated.json as { proxies: unknown[] }).proxies).toHaveLength(room);
    expect(Object.keys((await b.get('/proxies')).json as object).filter((n) => n.startsWith('bulk-'))).toHaveLength(room);

    // Names are at most 256 characters, so every one fits a request line (16 KiB of headers).
    const longName = 'n'.repeat(256);
    const toxic = await b.post('/proxies/fuzz/toxics', {
      name: longName,
      type: 'slicer',
      attributes: { average_size: Number.MAX_SAFE_INTEGER, size_variation: 0, delay: 1e15 },
    });
    expect(toxic.status).toBe(200);
    expect((toxic.json as { name: string }).name).toHaveLength(256);
    expect((await b.post('/proxies/fuzz/toxics', { name: 'n'.repeat(12_000), type: 'noop' })).status).toBe(400);
    expect((await b.get(`/proxies/fuzz/toxics/${'n'.repeat(20_000)}`)).status).toBe(431);
    expect((await b.delete(`/proxies/fuzz/toxics/${longName}`)).status).toBe(204);

    const tooBig = await b.post('/proxies/fuzz/toxics', { name: 'big', type: 'latency', attributes: { latency: 2 ** 53 } });
    expect(tooBig.status).toBe(400);
    expect((tooBig.json as { error: string }).error).toContain('attributes.latency');

    const reset = await b.post('/reset');
    expect(reset.status).toBe(204);
    expect(server.child.exitCode).toBeNull();
    await cleanUp();
  });

  it('answers malformed HTTP at the socket level with JSON errors and stays up', async () => {
    const payloads = [
      'GARBAGE\r\n\r\n',
      'GET /proxies HTTP/9.9\r\n\r\n',
      'GET /proxies HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      'POST /proxies HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'POST /proxies HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      '\u0000\u0001\u0002\r\n\r\n',
    ];
    for (const payload of payloads) {
      const reply = await rawHttp(server.port, payload);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1]);
      expect(status, JSON.stringify(payload.slice(0, 60))).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      const body = reply.slice(reply.indexOf('\r\n\r\n') + 4);
      expect(JSON.parse(body)).toMatchObject({ status, error: expect.any(String), code: expect.any(String) });
    }
    expect(server.child.exitCode).toBeNull();
    expect((await b.get('/version')).status).toBe(200);
  });
});
