/**
 * The control plane never waits on the data path (Toxiproxy's most reported bug, #558): while both
 * directions of a connection are wedged — a client that stopped reading, an upstream that stopped
 * reading — toxic add, update and remove and /reset still answer, and about as fast as the same calls
 * on a twin server with nothing wedged, asked in turns in the same test (so a busy machine slows both
 * alike). A call that waited on the data path would never answer: nothing in this test reads.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api, type Api, type ApiResponse } from './helpers/http.js';
import { connectTo, startServer, type TestServer } from './helpers/net.js';

/** The wedged calls may take this many times as long as the same calls on the idle twin, in all. */
const MAX_RATIO = 10;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

let server: FaultlineProcess;
let twin: FaultlineProcess;
let b: Api;
let idle: Api;
let upstream: TestServer;
let client: Socket | undefined;
let stopFlood = false;

/** Writes until the socket's buffer is full, then again on drain, until told to stop. */
function flood(socket: Socket): void {
  const pump = (): void => {
    while (!stopFlood && !socket.destroyed && socket.write(CHUNK));
  };
  socket.on('drain', pump);
  pump();
}

beforeAll(async () => {
  [server, twin] = await Promise.all([startFaultline(), startFaultline()]);
  b = api(server.url);
  idle = api(twin.url);
  // An upstream that floods the client and never reads what the client sends.
  upstream = await startServer((socket) => {
    socket.pause();
    flood(socket);
  });
});

afterAll(async () => {
  stopFlood = true;
  client?.destroy();
  await upstream?.close();
  await Promise.all([server?.stop(), twin?.stop()]);
});

async function metric(name: string, proxy: string): Promise<number> {
  const text = (await b.get('/metrics')).text;
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(`proxy="${proxy}"`)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** The same proxy and toxics on a server: bytes held inside toxics, so removal has something to flush. */
async function setUp(on: Api): Promise<number> {
  const created = await on.post('/proxies', { name: 'wedged', listen: '127.0.0.1:0', upstream: upstream.address });
  await on.post('/proxies/wedged/toxics', { name: 'held_down', type: 'latency', attributes: { latency: 60_000 } });
  await on.post('/proxies/wedged/toxics', { name: 'held_up', type: 'latency', stream: 'upstream', attributes: { latency: 60_000 } });
  return Number((created.json as { listen: string }).listen.split(':')[1]);
}

describe('control plane with a wedged connection', () => {
  it('answers toxic add / update / remove and /reset as fast as with nothing wedged', async () => {
    const port = await setUp(b);
    await setUp(idle);

    client = await connectTo(port);
    client.pause(); // stops reading: the downstream sink is wedged
    flood(client); // and the upstream never reads: the upstream sink is wedged too

    // Wait until both directions have moved megabytes and then stalled.
    let last = -1;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const moved = await metric('toxiproxy_proxy_received_bytes_total', 'wedged');
      if (moved > 1024 * 1024 && moved === last) break;
      if (Date.now() > deadline) throw new Error(`connection did not wedge (moved ${moved} bytes)`);
      last = moved;
      await new Promise((r) => setTimeout(r, 200));
    }

    const timings: Array<{ label: string; status: number; wedged: number; idle: number }> = [];
    /** Makes the same call on the wedged server and on the idle twin, in turns. */
    const timed = async (label: string, call: (on: Api) => Promise<ApiResponse>): Promise<void> => {
      const wedged = await call(b);
      const twinned = await call(idle);
      expect(twinned.status, `${label} on the twin`).toBe(wedged.status);
      timings.push({ label, status: wedged.status, wedged: wedged.ms, idle: twinned.ms });
    };
    // Warm the keep-alive connections so connection setup is not measured.
    await b.get('/version');
    await idle.get('/version');

    await timed('add', (on) => on.post('/proxies/wedged/toxics', { name: 'extra', type: 'bandwidth', attributes: { rate: 1 } }));
    await timed('update', (on) => on.patch('/proxies/wedged/toxics/held_down', { attributes: { latency: 1 } }));
    await timed('update-up', (on) => on.patch('/proxies/wedged/toxics/held_up', { toxicity: 0.5 }));
    await timed('remove', (on) => on.delete('/proxies/wedged/toxics/held_down'));
    await timed('remove-bandwidth', (on) => on.delete('/proxies/wedged/toxics/extra'));
    for (const on of [b, idle])
      await on.post('/proxies/wedged/toxics', { name: 'again', type: 'latency', attributes: { latency: 60_000 } });
    await timed('reset', (on) => on.post('/reset'));
    await timed('list', (on) => on.get('/proxies'));
    // Last, because removing a timeout toxic closes the connections it cut (as Toxiproxy does).
    await timed('add-timeout', (on) => on.post('/proxies/wedged/toxics', { name: 'cut', type: 'timeout', stream: 'upstream' }));
    await timed('remove-timeout', (on) => on.delete('/proxies/wedged/toxics/cut'));

    const shown = timings.map((t) => `${t.label} ${t.wedged.toFixed(1)} ms (idle ${t.idle.toFixed(1)} ms)`).join(', ');
    for (const { label, status } of timings) expect(status, label).toBeLessThan(300);
    const total = (key: 'wedged' | 'idle'): number => timings.reduce((sum, t) => sum + t[key], 0);
    expect(total('wedged'), shown).toBeLessThanOrEqual(MAX_RATIO * total('idle'));
    expect(((await b.get('/proxies/wedged')).json as { toxics: unknown[] }).toxics).toEqual([]);
  });
});
