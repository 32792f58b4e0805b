/**
 * The built server's lifecycle: SIGTERM and SIGINT shut it down gracefully (listeners closed,
 * connections ended, logs complete, exit 0 without waiting out the close grace) and a second signal
 * exits at once; a peer that keeps its side open holds shutdown for the grace period, as measured
 * against a shutdown without one in the same test;
 * `--state FILE` keeps proxies and toxics across restarts, and a corrupt state file stops startup
 * without being touched.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvents } from './helpers/events.js';
import { runCli, startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api } from './helpers/http.js';
import { canConnect, connectTo, readAll, readBytes, startEchoServer, waitFor, type TestServer } from './helpers/net.js';

let dir: string;
let echo: TestServer;
const servers: FaultlineProcess[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-lifecycle-'));
  echo = await startEchoServer();
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  await echo?.close();
  await rm(dir, { recursive: true, force: true });
});

async function serve(args: string[]): Promise<FaultlineProcess> {
  const server = await startFaultline(['serve', '--port', '0', ...args]);
  servers.push(server);
  return server;
}

/** A proxy to the echo server; resolves to its port. */
async function proxyOf(server: FaultlineProcess, name: string): Promise<number> {
  const created = await api(server.url).post('/proxies', { name, listen: '127.0.0.1:0', upstream: echo.address });
  const listen = (created.json as { listen: string }).listen;
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}

/** The server's default close grace, and a long one that a shutdown must not wait out. */
const DEFAULT_GRACE_MS = 2_000;
const LONG_GRACE_MS = 30_000;

/** A config file with the long close grace. */
async function longGrace(): Promise<string> {
  const config = join(dir, 'slow-close.yaml');
  await writeFile(config, `engine:\n  close_grace_ms: ${LONG_GRACE_MS}\n`);
  return config;
}

/** A client that answers the proxy's FIN with its own, as a well-behaved peer does. */
async function politeClient(port: number): Promise<{ socket: Socket; ended: Promise<unknown> }> {
  const socket = await connectTo(port);
  sockets.push(socket);
  socket.once('end', () => socket.end());
  return { socket, ended: readAll(socket) };
}

describe('signals', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: stops accepting, closes connections and event streams, logs to the end, exits 0 without waiting out the grace`, async () => {
      const server = await serve(['--config', await longGrace()]);
      const port = await proxyOf(server, 'held');
      await api(server.url).post('/proxies/held/toxics', { name: 'cut', type: 'partition', stream: 'upstream' });
      const client = await politeClient(port);
      client.socket.write('never delivered');
      const events = await recordEvents(server.url);
      await waitFor(() => server.logs.some((l) => l['msg'] === 'toxic added'), 20_000, 'the toxic');

      const started = performance.now();
      expect(await server.stop(signal)).toEqual({ code: 0, signal: null });
      // Every peer closed politely, so nothing held shutdown: it ended long before the grace could.
      expect(performance.now() - started).toBeLessThan(LONG_GRACE_MS / 2);
      await client.ended;
      await events.disconnected;
      events.close();
      expect(await canConnect(port)).toBe(false);
      const messages = server.logs.map((l) => l['msg']);
      expect(messages.slice(messages.indexOf('shutdown started'))).toEqual([
        'shutdown started',
        'proxy stopped',
        'proxy removed',
        'shutdown complete',
      ]);
      expect(server.logs.find((l) => l['msg'] === 'shutdown started')?.['signal']).toBe(signal);
    });
  }

  it('waits for a peer that keeps its side open no longer than the close grace period', async () => {
    /** How long SIGTERM takes to stop `server`. */
    const stopTime = async (server: FaultlineProcess): Promise<number> => {
      const started = performance.now();
      expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      return performance.now() - started;
    };
    // The same server with a connection whose peer closes politely: the baseline.
    const polite = await serve([]);
    const client = await politeClient(await proxyOf(polite, 'polite'));
    client.socket.write('x');
    await waitFor(() => echo.sockets.size > 0, 20_000, 'the upstream connection');
    const baseline = await stopTime(polite);
    await client.ended;

    const server = await serve([]);
    const socket = await connectTo(await proxyOf(server, 'stubborn'));
    sockets.push(socket);
    socket.write('x');
    expect((await readBytes(socket, 1)).toString()).toBe('x');
    const took = await stopTime(server);
    // The default grace is 2 s: the stubborn peer holds shutdown at least about that long (a lower
    // bound a busy machine cannot break), and not twice that longer than the baseline.
    expect(took).toBeGreaterThan(DEFAULT_GRACE_MS * 0.75);
    expect(took - baseline).toBeLessThan(DEFAULT_GRACE_MS * 2);
  });

  it('a second signal during a slow shutdown exits at once', async () => {
    const server = await serve(['--config', await longGrace()]);
    const socket = await connectTo(await proxyOf(server, 'stubborn'));
    sockets.push(socket);
    socket.write('x');
    await waitFor(() => echo.sockets.size > 0, 20_000, 'the upstream connection');
    server.child.kill('SIGTERM');
    await waitFor(() => server.logs.some((l) => l['msg'] === 'shutdown started'), 20_000, 'shutdown to start');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.child.exitCode).toBeNull();
    const second = performance.now();
    expect(await server.stop('SIGINT')).toEqual({ code: 130, signal: null });
    expect(performance.now() - second).toBeLessThan(LONG_GRACE_MS / 2);
    expect(server.logs.at(-1)).toMatchObject({ msg: 'second signal: exiting at once', signal: 'SIGINT' });
  });
});

describe('--state', () => {
  it('keeps proxies and toxics across restarts; the config seeds a first start only', async () => {
    const state = join(dir, 'state.json');
    const config = join(dir, 'seed.yaml');
    await writeFile(config, `proxies:\n  - name: seeded\n    listen: 127.0.0.1:0\n    upstream: ${echo.address}\n`);

    const first = await serve(['--config', config, '--state', state]);
    const b = api(first.url);
    await waitFor(() => first.logs.some((l) => l['msg'] === 'admin API listening'), 20_000, 'startup');
    const saved = (): Promise<{ proxies: Array<{ name: string; enabled: boolean; toxics: unknown[] }> }> =>
      readFile(state, 'utf8').then((t) => JSON.parse(t) as { proxies: Array<{ name: string; enabled: boolean; toxics: unknown[] }> });
    expect((await saved()).proxies.map((p) => p.name)).toEqual(['seeded']);

    await proxyOf(first, 'api');
    await b.post('/proxies/api/toxics', {
      name: 'slow',
      type: 'latency',
      stream: 'upstream',
      toxicity: 0.25,
      attributes: { latency: 100, jitter: 5 },
    });
    await b.post('/proxies/api/toxics', { name: 'brief', type: 'timeout', expires_in: 60_000 });
    await b.patch('/proxies/seeded', { enabled: false });
    // Every change reaches the file on its own, without a shutdown.
    let current = await saved();
    const deadline = Date.now() + 20_000;
    while (!(current.proxies.length === 2 && current.proxies[1]?.enabled === false) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      current = await saved();
    }
    expect(current.proxies.map((p) => [p.name, p.enabled, p.toxics.length])).toEqual([
      ['api', true, 1],
      ['seeded', false, 0],
    ]);
    const before = (await b.get('/proxies')).json as Record<string, { toxics: Array<{ name: string }> }>;
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    expect(await saved()).toEqual(current);

    const second = await serve(['--config', config, '--state', state]);
    const after = (await api(second.url).get('/proxies')).json as Record<string, { toxics: Array<{ name: string }> }>;
    // The leased toxic is temporary: a restart ends it. Everything else, ports included, is back.
    const withoutLease = { ...before, api: { ...before['api'], toxics: before['api']?.toxics.filter((t) => t.name !== 'brief') } };
    expect(after).toEqual(withoutLease);
    expect(second.logs.find((l) => l['msg'] === 'state restored')).toMatchObject({ proxies: 2, config_proxies_ignored: 1 });

    // A proxy deleted through the API stays deleted, although the config names it.
    expect((await api(second.url).delete('/proxies/seeded')).status).toBe(204);
    await waitFor(() => second.logs.some((l) => l['msg'] === 'proxy removed'), 20_000, 'the removal');
    expect(await second.stop()).toEqual({ code: 0, signal: null });
    const third = await serve(['--config', config, '--state', state]);
    expect(Object.keys((await api(third.url).get('/proxies')).json as object)).toEqual(['api']);
    await third.stop();
    expect((await readdir(dir)).filter((f) => f.startsWith('state.json'))).toEqual(['state.json']);
  });

  it('a corrupt state file stops startup with where it is wrong, and is kept as it was', async () => {
    const state = join(dir, 'corrupt.json');
    const text = '{"proxies": [{"name": "a", "upstream": "127.0.0.1:1"},\n  {"name": ';
    await writeFile(state, text);
    const out = await runCli(['serve', '--port', '0', '--state', state]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`faultline: state file ${state} cannot be used: ${state}:2:`);
    expect(out.stderr).toContain('The file was left as it is');
    expect(await readFile(state, 'utf8')).toBe(text);
    expect((await readdir(dir)).filter((f) => f.startsWith('corrupt'))).toEqual(['corrupt.json']);

    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, '{"proxies": [{"name": "a", "upstream": "no port"}]}');
    const bad = await runCli(['serve', '--port', '0', '--state', invalid]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid\.json:1:\d+: proxies\[0\]\.upstream: /);
  });
});
