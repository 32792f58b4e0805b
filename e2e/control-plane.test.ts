/**
 * The control plane never waits on the data path (Toxiproxy's most reported bug, #558): while both
 * directions of a connection are wedged — a client that stopped reading, an upstream that stopped
 * reading — toxic add, update and remove and /reset still answer within 100 ms.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api, type Api } from './helpers/http.js';
import { connectTo, startServer, type TestServer } from './helpers/net.js';

const LIMIT_MS = 100;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

let server: FaultlineProcess;
let b: Api;
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
  server = await startFaultline();
  b = api(server.url);
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
  await server?.stop();
});

async function metric(name: string, proxy: string): Promise<number> {
  const text = (await b.get('/metrics')).text;
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(`proxy="${proxy}"`)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

describe('control plane with a wedged connection', () => {
  it(`answers toxic add / update / remove and /reset within ${LIMIT_MS} ms`, async () => {
    const created = await b.post('/proxies', { name: 'wedged', listen: '127.0.0.1:0', upstream: upstream.address });
    const port = Number((created.json as { listen: string }).listen.split(':')[1]);
    // Hold bytes inside toxics too, so removal has something to flush into a full socket.
    await b.post('/proxies/wedged/toxics', { name: 'held_down', type: 'latency', attributes: { latency: 60_000 } });
    await b.post('/proxies/wedged/toxics', { name: 'held_up', type: 'latency', stream: 'upstream', attributes: { latency: 60_000 } });

    client = await connectTo(port);
    client.pause(); // stops reading: the downstream sink is wedged
    flood(client); // and the upstream never reads: the upstream sink is wedged too

    // Wait until both directions have moved megabytes and then stalled.
    let last = -1;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const moved = await metric('toxiproxy_proxy_received_bytes_total', 'wedged');
      if (moved > 1024 * 1024 && moved === last) break;
      if (Date.now() > deadline) throw new Error(`connection did not wedge (moved ${moved} bytes)`);
      last = moved;
      await new Promise((r) => setTimeout(r, 200));
    }

    const timings: Array<[string, number, number]> = [];
    const timed = async (label: string, call: () => Promise<{ status: number; ms: number }>): Promise<void> => {
      const res = await call();
      timings.push([label, res.status, Math.round(res.ms)]);
    };
    // Warm the keep-alive connection so connection setup is not measured.
    await b.get('/version');

    await timed('add', () => b.post('/proxies/wedged/toxics', { name: 'extra', type: 'bandwidth', attributes: { rate: 1 } }));
    await timed('update', () => b.patch('/proxies/wedged/toxics/held_down', { attributes: { latency: 1 } }));
    await timed('update-up', () => b.patch('/proxies/wedged/toxics/held_up', { toxicity: 0.5 }));
    await timed('remove', () => b.delete('/proxies/wedged/toxics/held_down'));
    await timed('remove-bandwidth', () => b.delete('/proxies/wedged/toxics/extra'));
    await b.post('/proxies/wedged/toxics', { name: 'again', type: 'latency', attributes: { latency: 60_000 } });
    await timed('reset', () => b.post('/reset'));
    await timed('list', () => b.get('/proxies'));
    // Last, because removing a timeout toxic closes the connections it cut (as Toxiproxy does).
    await timed('add-timeout', () => b.post('/proxies/wedged/toxics', { name: 'cut', type: 'timeout', stream: 'upstream' }));
    await timed('remove-timeout', () => b.delete('/proxies/wedged/toxics/cut'));

    for (const [label, status, ms] of timings) {
      expect(status, label).toBeLessThan(300);
      expect(ms, `${label} took ${ms} ms`).toBeLessThan(LIMIT_MS);
    }
    expect(((await b.get('/proxies/wedged')).json as { toxics: unknown[] }).toxics).toEqual([]);
  });
});
