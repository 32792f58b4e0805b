/**
 * `GET /events` read with a real SSE client (`eventsource`) from the built server: proxy and toxic
 * changes, connections opened and closed, injected faults (reset, close, partition begun and healed)
 * with timestamps and the seeded decisions behind them; filters; and a stalled consumer that must
 * neither block the server nor make it buffer without limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvents, type EventRecorder, type StreamedEvent } from './helpers/events.js';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api, type Api } from './helpers/http.js';
import { connectTo, readAll, readBytes, startEchoServer, waitFor, type TestServer } from './helpers/net.js';

let server: FaultlineProcess;
let echo: TestServer;
let client: Api;
const recorders: EventRecorder[] = [];
const sockets: Socket[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = await startFaultline(['serve', '--port', '0', '--seed', '42']);
  echo = await startEchoServer();
  client = api(server.url);
});

afterAll(async () => {
  for (const r of recorders) r.close();
  for (const s of sockets) s.destroy();
  for (const c of children) c.kill('SIGKILL');
  await server?.stop();
  await echo?.close();
});

async function stream(query = ''): Promise<EventRecorder> {
  const recorder = await recordEvents(server.url, query);
  recorders.push(recorder);
  return recorder;
}

async function createProxy(name: string): Promise<number> {
  const res = await client.post('/proxies', { name, listen: '127.0.0.1:0', upstream: echo.address });
  expect(res.status).toBe(201);
  const listen = (res.json as { listen: string }).listen;
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}

/**
 * A consumer that sends the request and then reads nothing until told to. It is a perl process
 * because it must shrink its receive buffer (SO_RCVBUF), which Node cannot: otherwise the kernel's
 * buffers on loopback (tens of MB) would take everything and the server would never see a slow reader.
 */
async function stalledConsumer(port: number, path: string): Promise<{ readRest(): Promise<string> }> {
  const script = `
    use strict; use Socket; $| = 1;
    socket(my $s, PF_INET, SOCK_STREAM, getprotobyname('tcp')) or die "socket: $!";
    setsockopt($s, SOL_SOCKET, SO_RCVBUF, pack('i', 4096)) or die "setsockopt: $!";
    connect($s, sockaddr_in($ARGV[0], inet_aton('127.0.0.1'))) or die "connect: $!";
    syswrite($s, "GET $ARGV[1] HTTP/1.1\\r\\nHost: x\\r\\nUser-Agent: test\\r\\n\\r\\n");
    print "connected\\n";
    my $go = <STDIN>;
    my $rin = ''; vec($rin, fileno($s), 1) = 1;
    while (select(my $rout = $rin, undef, undef, 1)) { my $n = sysread($s, my $buf, 65536); last unless $n; print $buf; }
  `;
  const child = spawn('perl', ['-e', script, String(port), path], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor(() => out.startsWith('connected\n'), 20_000, 'the stalled consumer to connect');
  // Let the server take the request before events start.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  children.push(child);
  return {
    readRest: async () => {
      child.stdin.end('go\n');
      await exited;
      return out;
    },
  };
}

const isFault = (proxy: string, kind: string) => (e: StreamedEvent) =>
  e.event === 'fault' && e.data['proxy'] === proxy && e.data['kind'] === kind;

describe('event stream', () => {
  it('opens with the seed, then reports proxy and toxic changes, each numbered and timestamped', async () => {
    const events = await stream();
    expect(events.events[0]?.data).toMatchObject({ seed: '42', version: expect.any(String), faultline: expect.any(String), proxies: [] });
    const before = Date.now();
    await createProxy('changes');
    await client.post('/proxies/changes/toxics', { name: 'slow', type: 'latency', attributes: { latency: 10 } });
    await client.patch('/proxies/changes/toxics/slow', { attributes: { latency: 20 } });
    await client.delete('/proxies/changes/toxics/slow');
    await client.patch('/proxies/changes', { enabled: false });
    await client.delete('/proxies/changes');
    await events.waitFor((e) => e.event === 'proxy.removed', 'proxy.removed');
    const sequence = events.events.filter((e) => e.data['proxy'] === 'changes').map((e) => e.event);
    expect(sequence).toEqual([
      'proxy.started',
      'proxy.created',
      'toxic.added',
      'toxic.updated',
      'toxic.removed',
      'proxy.stopped',
      'proxy.updated',
      'proxy.removed',
    ]);
    const updated = events.named('toxic.updated')[0];
    expect(updated?.data['toxic']).toEqual({
      attributes: { latency: 20, jitter: 0 },
      name: 'slow',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
    });
    const numbered = events.events.slice(1);
    for (const [i, e] of numbered.entries()) {
      expect(e.id).toBe(String(e.data['seq']));
      if (i > 0) expect(Number(e.data['seq'])).toBeGreaterThan(Number(numbered[i - 1]?.data['seq']));
      const time = Date.parse(String(e.data['time']));
      expect(time).toBeGreaterThanOrEqual(before - 5);
      expect(time).toBeLessThanOrEqual(Date.now() + 5);
      expect(String(e.data['time'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('reports a reset_peer reset with the seeded decision, and the connection opening and closing', async () => {
    const events = await stream('?proxy=resets');
    const port = await createProxy('resets');
    await client.post('/proxies/resets/toxics', { name: 'rst', type: 'reset_peer', stream: 'upstream', toxicity: 0.999 });
    const socket = await connectTo(port);
    sockets.push(socket);
    const ended = readAll(socket);
    socket.write('ping');
    expect((await ended).error?.code).toBe('ECONNRESET');
    const fault = await events.waitFor(isFault('resets', 'reset'), 'the reset fault');
    const opened = await events.waitFor((e) => e.event === 'connection.opened', 'connection.opened');
    const closed = await events.waitFor((e) => e.event === 'connection.closed', 'connection.closed');
    expect(opened.data).toMatchObject({
      connection: fault.data['connection'],
      client: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      upstream: echo.address,
    });
    const decision = (opened.data['decisions'] as Array<Record<string, unknown>>)[0];
    expect(decision).toMatchObject({ toxic: 'rst', direction: 'upstream', toxicity: 0.999, active: true });
    expect(fault.data).toMatchObject({
      toxic: 'rst',
      toxic_type: 'reset_peer',
      direction: 'upstream',
      decision: { roll: decision?.['roll'], toxicity: 0.999 },
    });
    expect(closed.data).toMatchObject({ connection: fault.data['connection'], reason: 'toxic-reset' });
    expect(events.events.every((e) => e.event === 'hello' || e.data['proxy'] === 'resets')).toBe(true);
  });

  it('reports limit_data closing a connection, and a partition begun and healed', async () => {
    const events = await stream('?type=fault&type=connection.closed');
    const port = await createProxy('limits');
    await client.post('/proxies/limits/toxics', { name: 'cap', type: 'limit_data', attributes: { bytes: 4 } });
    const capped = await connectTo(port);
    sockets.push(capped);
    const ended = readAll(capped);
    capped.write('hello world');
    expect((await ended).data.toString()).toBe('hell');
    await events.waitFor(isFault('limits', 'close'), 'the limit_data close');
    await events.waitFor((e) => e.event === 'connection.closed' && e.data['reason'] === 'toxic-close', 'connection.closed');
    await client.delete('/proxies/limits/toxics/cap');

    await client.post('/proxies/limits/toxics', { name: 'cut', type: 'partition', stream: 'upstream' });
    const cut = await connectTo(port);
    sockets.push(cut);
    const begun = await events.waitFor(isFault('limits', 'partition_begin'), 'partition_begin');
    cut.write('held');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client.delete('/proxies/limits/toxics/cut');
    expect((await readBytes(cut, 4)).toString()).toBe('held');
    const healed = await events.waitFor(isFault('limits', 'partition_heal'), 'partition_heal');
    expect(healed.data['connection']).toBe(begun.data['connection']);
    expect((healed.data['detail'] as { duration_ms: number }).duration_ms).toBeGreaterThanOrEqual(90);
    expect(events.events.every((e) => ['hello', 'fault', 'connection.closed'].includes(e.event))).toBe(true);
  });

  it('draws the same decisions from the same seed in another server', async () => {
    const rolls = async (target: FaultlineProcess): Promise<unknown[]> => {
      const events = await recordEvents(target.url, '?type=connection.opened');
      recorders.push(events);
      const b = api(target.url);
      const created = await b.post('/proxies', { name: 'coin', listen: '127.0.0.1:0', upstream: echo.address });
      const listen = (created.json as { listen: string }).listen;
      await b.post('/proxies/coin/toxics', { name: 'flip', type: 'latency', toxicity: 0.5, attributes: { latency: 1 } });
      for (let i = 0; i < 8; i++) sockets.push(await connectTo(Number(listen.slice(listen.lastIndexOf(':') + 1))));
      await waitFor(() => events.events.length === 9, 20_000, '8 connection.opened events');
      return events.events.slice(1).map((e) => e.data['decisions']);
    };
    const other = await startFaultline(['serve', '--port', '0', '--seed', '42']);
    try {
      const first = await rolls(server);
      expect(await rolls(other)).toEqual(first);
      const actives = first.map((d) => (d as Array<{ active: boolean }>)[0]?.active);
      expect(actives).toContain(true);
      expect(actives).toContain(false);
    } finally {
      await other.stop();
    }
  });

  it('rejects an unknown event type in the filter', async () => {
    const res = await client.get('/events?type=toxics');
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'BAD_REQUEST', error: expect.stringContaining('unknown event type "toxics"') });
  });

  it('a stalled consumer neither blocks the server nor makes it buffer: its events are dropped and counted', async () => {
    const port = await createProxy('busy');
    // Toxics that never act (toxicity 0) still make every connection.opened event carry their decisions:
    // 1500 connections then make about 7 MB of events, more than the kernel buffers on loopback can take.
    for (let i = 0; i < 40; i++) await client.post('/proxies/busy/toxics', { name: `idle_${i}`, type: 'noop', toxicity: 0 });
    const live = await stream('?proxy=busy');

    const stalled = await stalledConsumer(server.port, '/events?proxy=busy');
    const total = 1500;
    let opened = 0;
    const batch = async (): Promise<void> => {
      while (opened < total) {
        opened++;
        const s = await connectTo(port);
        await new Promise<void>((resolve) => {
          s.once('close', () => resolve());
          s.end();
        });
      }
    };
    // The API answers all along: asked over and over while the connections come and go.
    let flooding = true;
    const answers: number[] = [];
    const asking = (async () => {
      while (flooding) {
        const res = await client.get('/version');
        if (flooding) answers.push(res.status);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await Promise.all(Array.from({ length: 8 }, batch));
    flooding = false;
    await asking;
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((status) => status === 200)).toBe(true);
    await live.waitFor(() => live.named('connection.closed').length === total, `${total} closes on the live stream`, 60_000);
    expect(live.named('connection.opened')).toHaveLength(total);
    expect(live.named('dropped')).toHaveLength(0);
    expect((await client.get('/version')).status).toBe(200);

    // Now read the stalled stream: what it got plus what it was told was dropped adds up to every event.
    const text = await stalled.readRest();
    const delivered = (text.match(/^event: connection\./gm) ?? []).length;
    const dropped = [...text.matchAll(/^event: dropped\ndata: (.*)$/gm)].reduce(
      (n, m) => n + (JSON.parse(m[1] ?? '{}') as { count: number }).count,
      0,
    );
    expect(dropped).toBeGreaterThan(0);
    expect(delivered + dropped).toBe(2 * total);
  });
});
