import { createSocket } from 'node:dgram';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../api/middleware/errors.js';
import { silentLogger } from '../core/logger.js';
import { startServer, type RunningServer } from '../server.js';
import { ASSET_HEADERS, serveAssets } from './assets.js';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ port: 0, seed: 1, metrics: false, token: 's3cret' });
});

afterAll(() => server.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A raw HTTP call, so tests can send any Host and Origin. */
function call(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url + path, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const AUTH = { Authorization: 'Bearer s3cret', 'User-Agent': 'test' };

/** Reads an SSE stream until `want` frames arrived (or `want` says they have); returns them as text. */
function readFrames(
  url: string,
  path: string,
  want: number | ((frames: string[]) => boolean),
  headers: Record<string, string> = AUTH,
): Promise<string[]> {
  const enough = typeof want === 'number' ? (frames: string[]) => frames.length >= want : want;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url + path, { headers }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buffer += c;
        const frames = buffer.split('\n\n').filter((f) => f !== '' && !f.startsWith(':'));
        if (buffer.endsWith('\n\n') && enough(frames)) {
          req.destroy();
          resolve(frames);
        }
      });
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    req.end();
  });
}

describe('GET /faultline/toxics', () => {
  it('lists every toxic type with its attributes as a JSON Schema: units, defaults, bounds, enums', async () => {
    const res = await call(server.url, 'GET', '/faultline/toxics', AUTH);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const { toxics } = JSON.parse(res.text) as {
      toxics: Array<Record<string, unknown> & { attributes: { properties: Record<string, Record<string, unknown>> } }>;
    };
    expect(toxics.map((t) => t.type)).toContain('partition');
    const latency = toxics.find((t) => t.type === 'latency');
    expect(latency).toMatchObject({ layer: 'stream', destructive: false, extensions: ['distribution', 'correlation'] });
    expect(latency?.attributes.properties['latency']).toMatchObject({ type: 'integer', minimum: 0, default: 0, description: 'ms' });
    expect(latency?.attributes.properties['distribution']).toMatchObject({
      enum: ['uniform', 'normal', 'lognormal', 'pareto', 'paretonormal'],
    });
    expect(toxics.find((t) => t.type === 'http_abort')).toMatchObject({ layer: 'http' });
    expect(toxics.find((t) => t.type === 'corrupt')?.destructive).toEqual(expect.any(String));
  });

  it('needs the token like every API route', async () => {
    expect((await call(server.url, 'GET', '/faultline/toxics')).status).toBe(401);
  });
});

describe('POST /faultline/scenarios/plan', () => {
  it("answers a valid scenario with validate's summary and --dry-run's timeline, and runs nothing", async () => {
    const scenario = 'version: 1\nname: drill\nsteps:\n  - name: settle\n    wait: 2s\n';
    const res = await call(server.url, 'POST', '/faultline/scenarios/plan', AUTH, scenario);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as Record<string, string>;
    expect(body['summary']).toBe('scenario: valid — 1 step, 0 faults, 0 probes, 0 proxies, runs 2s');
    expect(body['plan']).toContain('timeline:\n  +0s      step 1 (settle): wait 2s');
    expect(body).toMatchObject({ name: 'drill', planned_duration_ms: 2000 });
    expect(JSON.parse((await call(server.url, 'GET', '/scenarios', AUTH)).text)).toEqual([]);
  });

  it('answers an invalid one with every mistake located, as POST /scenarios does', async () => {
    const res = await call(server.url, 'POST', '/faultline/scenarios/plan', AUTH, 'version: 1\nname: x\nsteps:\n  - wait: soon\n');
    expect(res.status).toBe(400);
    const body = JSON.parse(res.text) as { code: string; issues: string[] };
    expect(body.code).toBe('SCENARIO_INVALID');
    expect(body.issues[0]).toMatch(/^scenario:4:\d+: steps\[0\]\.wait: /);
    const local = await call(
      server.url,
      'POST',
      '/faultline/scenarios/plan',
      AUTH,
      'version: 1\nname: x\nsteps:\n  - action: { type: process, fault: kill, pid_file: /run/app.pid }\n',
    );
    expect(local.status).toBe(400);
    expect((JSON.parse(local.text) as { issues: string[] }).issues).toEqual([
      'scenario:4:13: steps[0].action: a process action is not accepted here: it acts on the machine that runs the scenario (run it with faultline run FILE)',
    ]);
    const empty = await call(server.url, 'POST', '/faultline/scenarios/plan', AUTH, '  ');
    expect(JSON.parse(empty.text)).toMatchObject({ status: 400, code: 'BAD_REQUEST_BODY' });
  });
});

describe('GET /faultline/stream and /faultline/traffic', () => {
  it('sends the same event frames as /events, plus the scenario list and traffic samples', async () => {
    await server.registry.create({ name: 'svc', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', enabled: false });
    // A traffic sample comes every second, so it may come before or after the change.
    const isEvent = (type: string) => (frame: string) => frame.includes(`\nevent: ${type}\n`) || frame.startsWith(`event: ${type}\n`);
    const live = readFrames(
      server.url,
      '/faultline/stream',
      (frames) => frames.some(isEvent('toxic.added')) && frames.some(isEvent('traffic')),
    );
    const events = readFrames(server.url, '/events', 2);
    // Both streams are subscribed once their opening frames can be read; then one change.
    await new Promise((r) => setTimeout(r, 200));
    server.registry.require('svc').addToxic({ type: 'latency', stream: 'downstream', attributes: { latency: 5 } });
    const [liveFrames, eventFrames] = await Promise.all([live, events]);
    expect(liveFrames[0]).toMatch(/^event: hello\ndata: \{"seed":"1",/);
    expect(liveFrames[1]).toBe('event: scenarios\ndata: {"runs":[]}');
    const added = eventFrames[1] ?? '';
    expect(added).toMatch(/^id: \d+\nevent: toxic\.added\n/);
    expect(liveFrames.find(isEvent('toxic.added'))).toBe(added);
    expect(liveFrames.find(isEvent('traffic'))).toMatch(
      /^event: traffic\ndata: \{"time":"[^"]+","interval_ms":1000,"proxies":\{"svc":\{"upstream":0,"downstream":0,"connections":0\}\}\}$/,
    );
    const history = JSON.parse((await call(server.url, 'GET', '/faultline/traffic?proxy=svc', AUTH)).text) as Record<string, unknown>;
    expect(history).toMatchObject({
      interval_ms: 1000,
      proxies: { svc: { upstream: expect.any(Array), downstream: expect.any(Array), connections: expect.any(Array) } },
    });
    await server.registry.remove('svc');
  });

  it('counts a udp proxy’s datagrams per second each way, in the feed and the history', async () => {
    const echo = createSocket('udp4');
    echo.on('message', (msg, rinfo) => echo.send(msg, rinfo.port, rinfo.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    const client = createSocket('udp4');
    try {
      const dns = await server.registry.create({
        name: 'dns',
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${echo.address().port}`,
        protocol: 'udp',
      });
      dns.addToxic({ type: 'loss', stream: 'downstream', attributes: { rate: 1 } });
      // Queries go out until a traffic sample has seen them; every answer is lost on the way back.
      const sending = setInterval(() => client.send('q', dns.port, '127.0.0.1'), 20);
      type Sample = { proxies: Record<string, { datagrams?: Record<string, Record<string, number>> }> };
      const seen = (frame: string) => {
        if (!frame.startsWith('event: traffic\n')) return false;
        const datagrams = (JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as Sample).proxies['dns']?.datagrams;
        return (datagrams?.['upstream']?.['sent'] ?? 0) > 0 && (datagrams?.['downstream']?.['dropped'] ?? 0) > 0;
      };
      const frames = await readFrames(server.url, '/faultline/stream', (f) => f.some(seen)).finally(() => clearInterval(sending));
      const sample = JSON.parse((frames.find(seen) ?? '').split('data: ')[1] ?? '') as Sample;
      expect(Object.keys(sample.proxies['dns']?.datagrams ?? {})).toEqual(['upstream', 'downstream']);
      expect(sample.proxies['dns']?.datagrams?.['downstream']).toMatchObject({ sent: 0 });
      const history = JSON.parse((await call(server.url, 'GET', '/faultline/traffic?proxy=dns', AUTH)).text) as {
        times: string[];
        proxies: Record<string, { datagrams?: Record<string, Record<string, number[]>> }>;
      };
      const upstream = history.proxies['dns']?.datagrams?.['upstream'];
      expect(upstream?.['received']).toHaveLength(history.times.length);
      expect(Math.max(...(upstream?.['received'] ?? [0]))).toBeGreaterThan(0);
      expect(Math.max(...(history.proxies['dns']?.datagrams?.['downstream']?.['dropped'] ?? [0]))).toBeGreaterThan(0);
    } finally {
      client.close();
      echo.close();
      await server.registry.remove('dns');
    }
  });
});

describe('browsers', () => {
  const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0';

  it('lets the dashboard change things from its own origin, and nothing else', async () => {
    const port = new URL(server.url).port;
    const same = {
      ...AUTH,
      'User-Agent': CHROME,
      Host: `127.0.0.1:${port}`,
      Origin: `http://127.0.0.1:${port}`,
      'Sec-Fetch-Site': 'same-origin',
    };
    const body = JSON.stringify({ name: 'from-page', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', enabled: false });
    expect((await call(server.url, 'POST', '/proxies', { ...same, 'X-Faultline-Dashboard': '1' }, body)).status).toBe(201);
    const withoutHeader = await call(server.url, 'POST', '/proxies/from-page', same, '{"enabled":true}');
    expect(withoutHeader.status).toBe(403);
    const crossSite = await call(
      server.url,
      'POST',
      '/proxies/from-page',
      { ...same, Origin: 'http://evil.example', 'Sec-Fetch-Site': 'cross-site' },
      '{}',
    );
    expect(JSON.parse(crossSite.text)).toEqual({
      error: 'cross-origin request refused: origin "http://evil.example"',
      status: 403,
      code: 'FORBIDDEN',
    });
    const rebound = await call(server.url, 'GET', '/proxies', {
      ...same,
      Host: `evil.example:${port}`,
      Origin: `http://evil.example:${port}`,
    });
    expect(rebound.status).toBe(403);
    expect(JSON.parse((await call(server.url, 'GET', '/proxies/from-page', AUTH)).text)).toMatchObject({ enabled: false });
    await server.registry.remove('from-page');
  });
});

describe('/ui', () => {
  let dir: string;
  let base: string;
  let close: () => void;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-ui-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Faultline</title>');
    await writeFile(join(dir, 'app.js'), 'console.log(1)');
    const app = express();
    app.use('/ui', serveAssets(dir));
    app.use(errorHandler(silentLogger));
    const listening = app.listen(0, '127.0.0.1');
    await new Promise((r) => listening.once('listening', r));
    const address = listening.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
    close = () => listening.close();
  });

  afterAll(async () => {
    close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the page and its files with a strict content security policy; /ui redirects to /ui/', async () => {
    const page = await call(base, 'GET', '/ui/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Faultline</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const [name, value] of Object.entries(ASSET_HEADERS)) expect(page.headers[name.toLowerCase()], name).toBe(value);
    expect((await call(base, 'GET', '/ui/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    const redirect = await call(base, 'GET', '/ui');
    expect(redirect.status).toBe(301);
    expect(redirect.headers['location']).toBe('/ui/');
    expect((await call(base, 'GET', '/ui/nope.js')).status).toBe(404);
    const post = await call(base, 'POST', '/ui/');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
  });

  it('is served without the token by the server, the API behind it still needs it', async () => {
    const page = await call(server.url, 'GET', '/ui/', { 'User-Agent': CHROME_UA, 'Sec-Fetch-Site': 'none' });
    // Built or not, the page is not behind the token.
    expect(page.status).not.toBe(401);
    expect((await call(server.url, 'GET', '/proxies', { 'User-Agent': 'test' })).status).toBe(401);
  });

  it('is off with dashboard: false', async () => {
    const off = await startServer({ port: 0, metrics: false, dashboard: false });
    try {
      expect((await call(off.url, 'GET', '/ui/')).status).toBe(404);
      expect((await call(off.url, 'GET', '/faultline/stream')).status).toBe(404);
      expect((await call(off.url, 'GET', '/faultline/toxics')).status).toBe(200);
    } finally {
      await off.close();
    }
  });
});

const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0';
