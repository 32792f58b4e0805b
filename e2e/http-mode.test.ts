/**
 * HTTP mode end to end: the real `faultline serve` process with an `http` proxy, real clients
 * (Node's global fetch, curl, node:http, a WebSocket client) and real upstream servers on loopback.
 * Keep-alive reuse, 100 MiB bodies both ways in bounded memory, chunked answers, a WebSocket echo,
 * `http_abort`'s per-request toxicity exactly as the seed dictates (and only where `match` says),
 * `clock_skew` against the real clock, and byte-stream toxics on an `http` proxy.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../src/core/rng.js';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api, type Api } from './helpers/http.js';
import { attachEchoServer, connectWebSocket } from './helpers/websocket.js';

const SEED = '4242';
const MiB = 1024 * 1024;

let faultline: FaultlineProcess;
let admin: Api;
let upstream: Server;
let upstreamPort = 0;
/** Upstream connection ports per request path, in arrival order. */
const seenPorts: Array<{ path: string; port: number }> = [];
let dir: string;

const BLOCK = randomBytes(64 * 1024);

/** A deterministic body: `count` chunks of 64 KiB, each stamped with its index. */
function* blocks(count: number): Generator<Buffer> {
  for (let i = 0; i < count; i++) {
    const chunk = Buffer.from(BLOCK);
    chunk.writeUInt32BE(i, 0);
    yield chunk;
  }
}

/** POSTs `count` blocks to /upload as a streamed body, pulled block by block. */
function upload(port: number, count: number): Promise<Response> {
  const source = blocks(count);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = source.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  return fetch(`http://127.0.0.1:${port}/upload`, { method: 'POST', body, duplex: 'half' } as RequestInit);
}

function sha256Of(count: number): string {
  const hash = createHash('sha256');
  for (const chunk of blocks(count)) hash.update(chunk);
  return hash.digest('hex');
}

/** The upstream every test's proxy points at. */
function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '').split('?')[0] ?? '';
  seenPorts.push({ path, port: req.socket.remotePort ?? 0 });
  if (path === '/upload') {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
    });
    req.on('end', () => res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') })));
    return;
  }
  if (path === '/download') {
    const count = Number(new URL(req.url ?? '', 'http://x').searchParams.get('blocks'));
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(count * 64 * 1024) });
    const source = blocks(count);
    const pump = (): void => {
      for (;;) {
        const next = source.next();
        if (next.done) {
          res.end();
          return;
        }
        if (!res.write(next.value)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    pump();
    return;
  }
  if (path === '/chunked') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    let n = 0;
    const timer = setInterval(() => {
      res.write(`part ${++n}\n`);
      if (n === 5) {
        clearInterval(timer);
        res.end();
      }
    }, 10);
    return;
  }
  req.resume();
  req.on('end', () => res.end(`ok ${path}\n`));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-http-e2e-'));
  upstream = createServer({ keepAliveTimeout: 60_000 }, handle);
  attachEchoServer(upstream);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const address = upstream.address();
  upstreamPort = typeof address === 'object' && address ? address.port : 0;
  faultline = await startFaultline(['serve', '--port', '0', '--seed', SEED]);
  admin = api(faultline.url);
});

afterAll(async () => {
  await faultline?.stop();
  upstream?.closeAllConnections();
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

/** Creates an `http` proxy on a free port; returns its port. */
async function httpProxy(name: string): Promise<number> {
  const res = await admin.post('/proxies', { name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}`, protocol: 'http' });
  expect(res.status, res.text).toBe(201);
  expect(res.json).toMatchObject({ protocol: 'http' });
  return Number(
    String((res.json as { listen: string }).listen)
      .split(':')
      .pop(),
  );
}

function sh(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: 60_000, maxBuffer: 16 * MiB, env: { ...process.env, NO_PROXY: '*', no_proxy: '*' } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Client connections a proxy has accepted, from the metrics. */
async function clientConnections(proxy: string): Promise<number> {
  const text = (await admin.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`faultline_proxy_connections_total{proxy="${proxy}"}`));
  return Number(line?.split(' ').pop());
}

/** The faultline process's resident memory, in bytes. */
function rss(): number {
  const status = readFileSync(`/proc/${faultline.child.pid ?? 0}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

/** One request on `agent` with node:http; resolves to the status. */
function get(port: number, path: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('real clients through an http proxy', () => {
  it('fetch reuses one upstream connection for sequential requests on its keep-alive connection', async () => {
    const port = await httpProxy('fetch');
    seenPorts.length = 0;
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/k${i}`);
      expect(await res.text()).toBe(`ok /k${i}\n`);
      // Lets fetch put its connection back in its pool before the next request.
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await clientConnections('fetch')).toBe(1);
    expect(new Set(seenPorts.map((s) => s.port)).size).toBe(1);
  });

  it('curl reuses its connection, and the proxy reuses one upstream connection for it', async () => {
    const port = await httpProxy('curl');
    seenPorts.length = 0;
    const urls = [1, 2, 3].map((i) => `http://127.0.0.1:${port}/c${i}`);
    const out = await sh('curl', ['-s', '-w', '%{num_connects} ', ...urls.flatMap((url) => ['-o', '/dev/null', url])]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim()).toBe('1 0 0');
    expect(seenPorts.map((s) => s.path)).toEqual(['/c1', '/c2', '/c3']);
    expect(new Set(seenPorts.map((s) => s.port)).size).toBe(1);
    expect(await clientConnections('curl')).toBe(1);
  });

  it('carries 100 MiB up and 100 MiB down intact, in bounded memory', async () => {
    const port = await httpProxy('bulk');
    const count = 1600; // 1600 × 64 KiB = 100 MiB
    const expected = sha256Of(count);
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 50);
    try {
      const up = await upload(port, count);
      expect(await up.json()).toEqual({ bytes: 100 * MiB, sha256: expected });

      const down = await fetch(`http://127.0.0.1:${port}/download?blocks=${count}`);
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of down.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        bytes += chunk.length;
      }
      expect(bytes).toBe(100 * MiB);
      expect(hash.digest('hex')).toBe(expected);
    } finally {
      clearInterval(sampler);
    }
    // Nothing close to a whole body is ever held: 200 MiB moved, the proxy's memory grows by far less
    // than one body (what it grows by is mostly garbage not collected yet, as with a tcp proxy).
    expect(peak - before).toBeLessThan(80 * MiB);
  });

  it('curl uploads with Expect: 100-continue without waiting out its timeout', async () => {
    const port = await httpProxy('expect');
    const file = join(dir, 'two-mib.bin');
    const data = randomBytes(2 * MiB);
    await writeFile(file, data);
    // curl sends the body without the 100 once its wait runs out; made long here, so that only a
    // relayed 100 explains an upload that finished sooner, however busy the machine.
    const wait = 30;
    const out = await sh('curl', [
      '-s',
      '-T',
      file,
      '-H',
      'Expect: 100-continue',
      '--expect100-timeout',
      String(wait),
      '-w',
      '\n%{time_total}',
      `http://127.0.0.1:${port}/upload`,
    ]);
    expect(out.code, out.stderr).toBe(0);
    const [json, time] = out.stdout.split('\n');
    expect(JSON.parse(json ?? '')).toEqual({ bytes: 2 * MiB, sha256: createHash('sha256').update(data).digest('hex') });
    expect(Number(time)).toBeLessThan(wait);
  });

  it('streams a chunked answer to fetch and to curl', async () => {
    const port = await httpProxy('chunked');
    const res = await fetch(`http://127.0.0.1:${port}/chunked`);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(await res.text()).toBe('part 1\npart 2\npart 3\npart 4\npart 5\n');
    const raw = await sh('curl', ['-s', '--raw', `http://127.0.0.1:${port}/chunked`]);
    expect(raw.stdout).toBe(
      ['7', 'part 1\n', '7', 'part 2\n', '7', 'part 3\n', '7', 'part 4\n', '7', 'part 5\n', '0', '', ''].join('\r\n'),
    );
  });

  it('passes a WebSocket upgrade through and echoes frames both ways', async () => {
    const port = await httpProxy('ws');
    const ws = await connectWebSocket(port, '/socket');
    expect(String(ws.headers.upgrade).toLowerCase()).toBe('websocket');
    ws.send('hello through faultline');
    expect((await ws.next()).payload.toString()).toBe('hello through faultline');
    const big = randomBytes(300_000);
    ws.send(big);
    const echoed = await ws.next();
    expect(echoed.opcode).toBe(0x2);
    expect(echoed.payload.equals(big)).toBe(true);
    await ws.close();
  });
});

describe('http_abort decides per request from the seed', () => {
  it('aborts exactly the requests the seeded streams pick, 2000 requests at toxicity 0.1', async () => {
    const port = await httpProxy('abort2k');
    const added = await admin.post('/proxies/abort2k/toxics', {
      name: 'flaky',
      type: 'http_abort',
      stream: 'upstream',
      toxicity: 0.1,
      attributes: { status: 503 },
    });
    expect(added.status, added.text).toBe(200);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const aborted: number[] = [];
    try {
      for (let i = 1; i <= 2000; i++) if ((await get(port, `/r${i}`, agent)) === 503) aborted.push(i);
    } finally {
      agent.destroy();
    }
    // One client connection (ordinal 1); requests numbered from 1 on it.
    const expected: number[] = [];
    for (let i = 1; i <= 2000; i++) if (createRng(SEED, 'abort2k', 'flaky', 1, 'upstream', i).next() < 0.1) expected.push(i);
    expect(aborted).toEqual(expected);
    expect(aborted.length).toBeGreaterThan(150);
    expect(aborted.length).toBeLessThan(250);
  });

  it('with match, aborts only on the matching route, as the seed dictates there', async () => {
    const port = await httpProxy('orders');
    await admin.post('/proxies/orders/toxics', {
      name: 'orders-down',
      type: 'http_abort',
      stream: 'upstream',
      toxicity: 0.1,
      attributes: { status: 503, match: { methods: ['POST'], path: '/orders/*' } },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const results: Array<{ i: number; path: string; method: string; status: number }> = [];
    try {
      for (let i = 1; i <= 600; i++) {
        const method = i % 3 === 0 ? 'GET' : 'POST';
        const path = i % 2 === 0 ? `/orders/${i}` : '/health';
        const status = await new Promise<number>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path, method, agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end();
        });
        results.push({ i, path, method, status });
      }
    } finally {
      agent.destroy();
    }
    const matching = results.filter((r) => r.method === 'POST' && r.path.startsWith('/orders/'));
    expect(results.filter((r) => !matching.includes(r)).every((r) => r.status === 200)).toBe(true);
    const expected = matching.filter((r) => createRng(SEED, 'orders', 'orders-down', 1, 'upstream', r.i).next() < 0.1).map((r) => r.i);
    expect(matching.filter((r) => r.status === 503).map((r) => r.i)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(5);
  });
});

describe('clock_skew against the real clock', () => {
  it('puts every Date exactly 300 s behind real time', async () => {
    const port = await httpProxy('skew');
    const res = await admin.post('/proxies/skew/toxics', { type: 'clock_skew', attributes: { offset: -300000, mark: true } });
    expect(res.status, res.text).toBe(200);
    for (let i = 0; i < 30; i++) {
      const before = Date.now();
      const answer = await fetch(`http://127.0.0.1:${port}/t${i}`);
      const after = Date.now();
      await answer.text();
      const date = Date.parse(String(answer.headers.get('date')));
      expect(date).toBeGreaterThanOrEqual(Math.floor((before - 300_000) / 1000) * 1000 - 1000);
      expect(date).toBeLessThanOrEqual(after - 300_000 + 1000);
      expect(answer.headers.get('x-faultline-injected')).toBe('clock_skew=-300s');
    }
  });
});

describe('byte-stream toxics on an http proxy', () => {
  it('latency on upstream delays every request', async () => {
    const port = await httpProxy('slow');
    await admin.post('/proxies/slow/toxics', { type: 'latency', stream: 'upstream', attributes: { latency: 300 } });
    /** How long a request takes; the fastest of `n`, so that one a busy machine held up does not count. */
    const fastest = async (path: string, n: number): Promise<number> => {
      let best = Infinity;
      for (let i = 0; i < n; i++) {
        const started = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        expect(await res.text()).toBe(`ok ${path}\n`);
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    // Every request waits the latency (a lower bound load cannot break), and once, not over and over.
    const ms = await fastest('/slow', 2);
    expect(ms).toBeGreaterThanOrEqual(295);
    expect(ms).toBeLessThan(5 * 300);
    await admin.delete('/proxies/slow/toxics/latency_upstream');
    expect(await fastest('/fast', 3)).toBeLessThan(300);
  });

  it('keeps bodies intact while byte toxics are added, changed and removed mid-transfer', async () => {
    const port = await httpProxy('churn');
    const count = 256; // 16 MiB each way
    const expected = sha256Of(count);
    let churn = true;
    const churner = (async () => {
      for (let n = 0; churn; n++) {
        await admin.post('/proxies/churn/toxics', {
          name: 'slices',
          type: 'slicer',
          stream: n % 2 ? 'upstream' : 'downstream',
          attributes: { average_size: 700, size_variation: 300 },
        });
        await admin.post('/proxies/churn/toxics', { name: 'lag', type: 'latency', attributes: { latency: 2, jitter: 2 } });
        await admin.patch('/proxies/churn/toxics/lag', { attributes: { latency: 0 } });
        await admin.delete('/proxies/churn/toxics/slices');
        await admin.delete('/proxies/churn/toxics/lag');
      }
    })();
    try {
      const up = await upload(port, count);
      expect(await up.json()).toEqual({ bytes: 16 * MiB, sha256: expected });
      const down = await fetch(`http://127.0.0.1:${port}/download?blocks=${count}`);
      const hash = createHash('sha256').update(Buffer.from(await down.arrayBuffer()));
      expect(hash.digest('hex')).toBe(expected);
    } finally {
      churn = false;
      await churner;
    }
  });
});
