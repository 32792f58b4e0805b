/**
 * HTTP toxics on a live `http` proxy, in-process with real sockets and the engine on a fake clock
 * (and a fixed wall clock), so waits and clock arithmetic are exact: aborts and resets with events,
 * `match`, per-request toxicity from the seeded streams, holds released by time or by removal,
 * header edits, and `clock_skew`'s Date, drift, continuity and request header.
 *
 * Longer than 300 lines: the cases share one proxy, fake clock and upstream fixture.
 */
import { Agent } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.js';
import type { FaultlineEvent } from '../core/events.js';
import type { ToxicProxy } from '../core/proxy.js';
import { ProxyRegistry } from '../core/proxy-registry.js';
import { FaultlineError } from '../errors.js';
import { httpCall, startHttpServer, type HttpCallOptions, type TestHttpServer } from '../testing/http-server.js';
import { connectTo, waitFor } from '../testing/net.js';
import { builtinProtocols } from '../protocols.js';
import { exchangeRng } from './toxic-pass.js';

/** 2030-01-01T00:00:00.400Z: a fixed "real now" for the gateway's wall clock. */
const WALL = Date.UTC(2030, 0, 1, 0, 0, 0, 400);

describe('HTTP toxics on a live http proxy', () => {
  let registry: ProxyRegistry | undefined;
  let up: TestHttpServer | undefined;
  const agents: Agent[] = [];
  let clock: FakeClock;
  let wall: number;
  let events: FaultlineEvent[];

  afterEach(async () => {
    for (const a of agents.splice(0)) a.destroy();
    await registry?.close();
    registry = undefined;
    await up?.close();
  });

  async function setup(handler?: Parameters<typeof startHttpServer>[0]): Promise<ToxicProxy> {
    up = await startHttpServer(handler);
    clock = new FakeClock(1000);
    wall = WALL;
    events = [];
    registry = new ProxyRegistry({ protocols: builtinProtocols, seed: 'toxics', clock, wallClock: () => wall });
    registry.on((e) => events.push(e));
    return registry.create({ name: 'web', listen: '127.0.0.1:0', upstream: up.address, protocol: 'http' });
  }

  function keepAlive(): Agent {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  }

  const call = (proxy: ToxicProxy, options: HttpCallOptions = {}) => httpCall(proxy.port, options);

  it('http_abort answers with its status, body and headers without forwarding, and reports the fault', async () => {
    const proxy = await setup();
    proxy.addToxic({
      type: 'http_abort',
      stream: 'upstream',
      attributes: { status: 503, body: 'down for tests', headers: { 'Retry-After': '7' } },
    });
    const answer = await call(proxy);
    expect(answer.status).toBe(503);
    expect(answer.body.toString()).toBe('down for tests');
    expect(answer.headers['retry-after']).toBe('7');
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(up?.seen).toHaveLength(0);
    const fault = events.find((e) => e.type === 'fault');
    expect(fault).toMatchObject({
      type: 'fault',
      proxy: 'web',
      toxic: 'http_abort_upstream',
      toxicType: 'http_abort',
      kind: 'abort',
      direction: 'upstream',
      detail: { status: 503, request: 1 },
    });
  });

  it('http_abort on downstream lets the request reach the server and replaces its answer', async () => {
    const proxy = await setup((_req, res) => res.end('the real answer'));
    proxy.addToxic({ type: 'http_abort', attributes: { status: 504 } });
    const answer = await call(proxy, { method: 'POST', body: 'order' });
    expect(answer.status).toBe(504);
    expect(answer.body.toString()).toBe('');
    expect(up?.seen).toHaveLength(1);
  });

  it('http_abort with reset resets the client connection', async () => {
    const proxy = await setup();
    proxy.addToxic({ type: 'http_abort', stream: 'upstream', attributes: { reset: true } });
    await expect(call(proxy)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await waitFor(() => events.some((e) => e.type === 'connection.closed'), 10_000, 'the close event');
    expect(events.find((e) => e.type === 'connection.closed')).toMatchObject({ reason: 'toxic-reset' });
    expect(events.find((e) => e.type === 'fault')).toMatchObject({ kind: 'reset' });
  });

  it('match limits a toxic to the methods, path and headers it names', async () => {
    const proxy = await setup();
    proxy.addToxic({
      type: 'http_abort',
      stream: 'upstream',
      attributes: { status: 429, match: { methods: ['post'], path: '/orders/*', headers: { 'X-Tenant': 'acme*' } } },
    });
    const hit = { method: 'POST', path: '/orders/17?x=1', headers: { 'X-Tenant': 'acme-eu' } };
    expect((await call(proxy, hit)).status).toBe(429);
    expect((await call(proxy, { ...hit, method: 'GET' })).status).toBe(200);
    expect((await call(proxy, { ...hit, path: '/orders/17/items' })).status).toBe(200);
    expect((await call(proxy, { ...hit, headers: { 'X-Tenant': 'globex' } })).status).toBe(200);
    expect((await call(proxy, { ...hit, headers: {} })).status).toBe(200);
    expect(up?.seen.map((s) => s.url)).toEqual(['/orders/17?x=1', '/orders/17/items', '/orders/17?x=1', '/orders/17?x=1']);
  });

  it('decides toxicity per request from the seeded stream of (toxic, connection, request)', async () => {
    const proxy = await setup();
    proxy.addToxic({ name: 'flaky', type: 'http_abort', stream: 'upstream', toxicity: 0.3, attributes: { status: 500 } });
    const agent = keepAlive();
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await call(proxy, { agent })).status);
    const expected = statuses.map((_, i) => (exchangeRng('toxics', 'web', 'flaky', 1, 'upstream', i + 1).next() < 0.3 ? 500 : 200));
    expect(statuses).toEqual(expected);
    expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(5);
    const faults = events.filter((e) => e.type === 'fault');
    expect(faults).toHaveLength(statuses.filter((s) => s === 500).length);
    for (const fault of faults) {
      const request = Number(fault.type === 'fault' ? fault.detail?.['request'] : 0);
      expect(fault).toMatchObject({
        decision: { roll: exchangeRng('toxics', 'web', 'flaky', 1, 'upstream', request).next(), toxicity: 0.3 },
      });
    }
  });

  it('http_delay holds a request until its time, and removal releases every held request at once', async () => {
    const proxy = await setup();
    proxy.addToxic({ name: 'slow', type: 'http_delay', stream: 'upstream', attributes: { delay: 10_000 } });
    const first = call(proxy, { path: '/1' });
    await waitFor(() => events.some((e) => e.type === 'fault' && e.kind === 'delay'), 10_000, 'the hold');
    clock.advance(9_999);
    await new Promise((r) => setTimeout(r, 50));
    expect(up?.seen).toHaveLength(0);
    clock.advance(1);
    expect((await first).status).toBe(200);

    const held = [call(proxy, { path: '/a' }), call(proxy, { path: '/b' })];
    await waitFor(() => events.filter((e) => e.type === 'fault' && e.kind === 'delay').length === 3, 10_000, 'two holds');
    expect(up?.seen).toHaveLength(1);
    proxy.removeToxic('slow');
    expect((await Promise.all(held)).map((a) => a.status)).toEqual([200, 200]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('http_delay on downstream holds the answer before its first byte; an update moves held answers', async () => {
    const proxy = await setup();
    proxy.addToxic({ name: 'slow', type: 'http_delay', attributes: { delay: 5000 } });
    const answer = call(proxy);
    await waitFor(() => events.some((e) => e.type === 'fault' && e.kind === 'delay'), 10_000, 'the hold');
    expect(up?.seen).toHaveLength(1);
    proxy.updateToxic('slow', { attributes: { delay: 1000 } });
    clock.advance(1000);
    expect((await answer).status).toBe(200);
  });

  it('http_header sets and removes request and response headers', async () => {
    const proxy = await setup((_req, res) => {
      res.setHeader('X-Powered-By', 'secret');
      res.setHeader('Cache-Control', 'max-age=60');
      res.end('ok');
    });
    proxy.addToxic({
      type: 'http_header',
      stream: 'upstream',
      attributes: { set: { 'X-Injected': 'yes', Host: 'other.test' }, remove: ['Authorization'] },
    });
    proxy.addToxic({ type: 'http_header', attributes: { set: { 'Cache-Control': 'no-store' }, remove: ['x-powered-by'] } });
    const answer = await call(proxy, { headers: { Authorization: 'Bearer x', Host: 'example.test' } });
    expect(up?.seen[0]?.headers).toMatchObject({ 'x-injected': 'yes', host: 'other.test' });
    expect(up?.seen[0]?.headers.authorization).toBeUndefined();
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-powered-by']).toBeUndefined();
  });

  it('clock_skew puts Date exactly offset behind, adds it when missing, shifts chosen dates and marks the answer', async () => {
    const proxy = await setup((req, res) => {
      res.sendDate = req.url !== '/no-date';
      if (req.url === '/dates') {
        res.setHeader('Last-Modified', 'Mon, 31 Dec 2029 23:00:00 GMT');
        res.setHeader('Expires', '0');
        res.setHeader('Retry-After', '120');
        res.setHeader('Age', '30');
      }
      res.end('ok');
    });
    proxy.addToxic({
      type: 'clock_skew',
      attributes: { offset: -300_000, shift_headers: ['Last-Modified', 'expires', 'retry-after'], mark: true },
    });
    const plain = await call(proxy);
    expect(plain.headers.date).toBe('Mon, 31 Dec 2029 23:55:00 GMT');
    expect(plain.headers['x-faultline-injected']).toBe('clock_skew=-300s');
    expect(plain.rawHeaders.filter((h) => h.toLowerCase() === 'date')).toHaveLength(1);
    const missing = await call(proxy, { path: '/no-date' });
    expect(missing.headers.date).toBe('Mon, 31 Dec 2029 23:55:00 GMT');
    const dates = await call(proxy, { path: '/dates' });
    expect(dates.headers['last-modified']).toBe('Mon, 31 Dec 2029 22:55:00 GMT');
    expect(dates.headers.expires).toBe('0');
    expect(dates.headers['retry-after']).toBe('120');
    expect(dates.headers.age).toBe('30');
  });

  it('clock_skew drifts at its rate, stays continuous across updates without jump, and steps with jump', async () => {
    const proxy = await setup();
    proxy.addToxic({ name: 'skew', type: 'clock_skew', attributes: { offset: 0, drift: 1000 } });
    const dateAt = async (): Promise<number> => Date.parse(String((await call(proxy)).headers.date));
    expect(await dateAt()).toBe(Date.UTC(2030, 0, 1));
    clock.advance(3_600_000);
    wall += 3_600_000;
    // 1000 ppm of an hour: 3.6 s ahead.
    expect(await dateAt()).toBe(Date.UTC(2030, 0, 1, 1, 0, 4));
    proxy.updateToxic('skew', { attributes: { drift: 0 } });
    clock.advance(3_600_000);
    wall += 3_600_000;
    expect(await dateAt()).toBe(Date.UTC(2030, 0, 1, 2, 0, 4));
    proxy.updateToxic('skew', { attributes: { offset: -300_000, slew: 100_000 } });
    // Continuous: the next answer still shows +3.6 s, then the gap closes at 10 % of elapsed time.
    expect(await dateAt()).toBe(Date.UTC(2030, 0, 1, 2, 0, 4));
    clock.advance(1_000_000);
    wall += 1_000_000;
    // 1000 s later the gap of 303.6 s has shrunk by 100 s: the skew is -96.4 s.
    expect(await dateAt()).toBe(Date.UTC(2030, 0, 1, 2, 15, 4));
    proxy.updateToxic('skew', { attributes: { offset: -300_000, jump: true } });
    expect(await dateAt()).toBe(Date.UTC(2030, 0, 1, 2, 11, 40));
  });

  it('clock_skew freeze_at pins Date', async () => {
    const proxy = await setup();
    proxy.addToxic({ type: 'clock_skew', attributes: { freeze_at: '2001-02-03T04:05:06Z' } });
    expect((await call(proxy)).headers.date).toBe('Sat, 03 Feb 2001 04:05:06 GMT');
    clock.advance(50_000);
    wall += 50_000;
    expect((await call(proxy)).headers.date).toBe('Sat, 03 Feb 2001 04:05:06 GMT');
  });

  it('the fake-now request header appears only when configured, and client copies are stripped', async () => {
    const proxy = await setup();
    proxy.addToxic({ type: 'clock_skew', attributes: { offset: -300_000 } });
    await call(proxy, { headers: { 'X-Test-Now': 'client says' } });
    expect(up?.seen[0]?.headers['x-test-now']).toBe('client says');
    expect(up?.seen[0]?.headers['x-faultline-now']).toBeUndefined();

    proxy.addToxic({ type: 'clock_skew', stream: 'upstream', attributes: { offset: -300_000, request_header: 'X-Test-Now' } });
    await call(proxy, { headers: { 'X-Test-Now': 'client says' } });
    expect(up?.seen[1]?.headers['x-test-now']).toBe('2029-12-31T23:55:00.400Z');

    proxy.updateToxic('clock_skew_upstream', { attributes: { request_format: 'epoch_ms', match: { path: '/only' } } });
    await call(proxy, { headers: { 'X-Test-Now': 'client says' } });
    expect(up?.seen[2]?.headers['x-test-now']).toBeUndefined();
    await call(proxy, { path: '/only' });
    expect(up?.seen[3]?.headers['x-test-now']).toBe(String(WALL - 300_000));
  });

  it('acts on Upgrade requests and on the 101 answer like on any other exchange', async () => {
    const proxy = await setup();
    up?.server.on('upgrade', (_req, socket: Socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
      socket.on('data', (c: Buffer) => socket.write(c));
    });
    proxy.addToxic({ type: 'http_abort', stream: 'upstream', attributes: { status: 403, body: 'no sockets', match: { path: '/denied' } } });
    proxy.addToxic({ type: 'clock_skew', attributes: { offset: -300_000 } });
    const exchange = async (path: string, send?: string): Promise<string> => {
      const socket = await connectTo(proxy.port);
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (c: string) => (text += c));
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n`);
      if (send === undefined) {
        await new Promise<void>((resolve) => socket.once('end', () => resolve()));
      } else {
        await waitFor(() => text.includes('\r\n\r\n'), 10_000, 'the 101');
        socket.write(send);
        await waitFor(() => text.endsWith(send), 10_000, 'the echo');
      }
      socket.destroy();
      return text;
    };
    const denied = await exchange('/denied');
    expect(denied).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(denied.endsWith('no sockets')).toBe(true);
    const allowed = await exchange('/ok', 'ping');
    expect(allowed).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(allowed).toContain('Date: Mon, 31 Dec 2029 23:55:00 GMT\r\n');
    expect(allowed.endsWith('\r\n\r\nping')).toBe(true);
  });

  it('HTTP toxics need an http proxy; a proxy with HTTP toxics cannot switch to tcp', async () => {
    const proxy = await setup();
    const tcp = await registry!.create({ name: 'plain', listen: '127.0.0.1:0', upstream: up!.address });
    expect(() => tcp.addToxic({ type: 'http_abort' })).toThrow(
      new FaultlineError(
        'INVALID_TOXIC_TYPE',
        'toxic type http_abort works on HTTP or HTTP/2 proxies only; proxy plain has protocol tcp (create it with "protocol": "http")',
      ),
    );
    proxy.addToxic({ type: 'http_delay' });
    await expect(proxy.update({ protocol: 'tcp' })).rejects.toMatchObject({ code: 'CONFLICT', status: 409 });
    expect(proxy.protocol).toBe('http');
    proxy.removeToxic('http_delay_downstream');
    await proxy.update({ protocol: 'tcp' });
    expect(proxy.protocol).toBe('tcp');
    expect((await call(proxy)).body.toString()).toBe('ok');
  });
});
