/**
 * A real gRPC server and client (@grpc/grpc-js) through an http2 proxy of a `faultline serve`
 * process, given toxics through its admin API: unary and server-streaming calls pass unchanged;
 * `http_abort` with `grpc_status: UNAVAILABLE` on `/helloworld.Greeter/*` fails those calls with the
 * message while Farewell passes; `http_delay` adds its delay to each call (against a same-run
 * baseline); `http2_goaway` makes the client reconnect and succeed.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { grpcClients, startGrpcServer, type GrpcServer } from './helpers/grpc.js';
import { api, type Api } from './helpers/http.js';

const UNAVAILABLE = 14;

let upstream: GrpcServer;
let faultline: FaultlineProcess;
let admin: Api;
let clients: ReturnType<typeof grpcClients>;

async function addToxic(body: Record<string, unknown>): Promise<void> {
  const res = await admin.post('/proxies/grpc/toxics', body);
  expect(res.status).toBe(200);
}

/** Milliseconds each of `n` sequential calls takes. */
async function timed(n: number, call: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await call();
    times.push(performance.now() - start);
  }
  return times;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

beforeAll(async () => {
  upstream = await startGrpcServer();
  faultline = await startFaultline(['serve', '--port', '0', '--seed', '18']);
  admin = api(faultline.url);
  const created = await admin.post('/proxies', { name: 'grpc', listen: '127.0.0.1:0', upstream: upstream.address, protocol: 'http2' });
  expect(created.status).toBe(201);
  clients = grpcClients((created.json as { listen: string }).listen);
});

afterAll(async () => {
  clients?.close();
  await faultline?.stop();
  await upstream?.stop();
});

describe('gRPC through an http2 proxy', () => {
  it('passes unary and server-streaming calls unchanged', async () => {
    expect(await clients.sayHello('Ada')).toEqual({ messages: ['Hello Ada'], code: 0, details: '' });
    expect(await clients.sayGoodbye('Ada')).toEqual({ messages: ['Goodbye Ada'], code: 0, details: '' });
    const stream = await clients.sayHelloStream('Bob');
    expect(stream.code).toBe(0);
    expect(stream.messages).toEqual([1, 2, 3, 4, 5].map((i) => `Hello Bob #${i}`));
  });

  it('grpc_status UNAVAILABLE on /helloworld.Greeter/* fails those calls with the message; other methods pass', async () => {
    const before = upstream.calls['SayHello'] ?? 0;
    await addToxic({
      name: 'greeter_down',
      type: 'http_abort',
      stream: 'upstream',
      attributes: { grpc_status: 'UNAVAILABLE', grpc_message: 'greeter is down for maintenance', match: { path: '/helloworld.Greeter/*' } },
    });
    try {
      expect(await clients.sayHello('Ada')).toEqual({ messages: [], code: UNAVAILABLE, details: 'greeter is down for maintenance' });
      const stream = await clients.sayHelloStream('Bob');
      expect(stream).toEqual({ messages: [], code: UNAVAILABLE, details: 'greeter is down for maintenance' });
      expect(await clients.sayGoodbye('Ada')).toEqual({ messages: ['Goodbye Ada'], code: 0, details: '' });
      expect(upstream.calls['SayHello'] ?? 0).toBe(before);
    } finally {
      await admin.delete('/proxies/grpc/toxics/greeter_down');
    }
    expect((await clients.sayHello('Ada')).code).toBe(0);
  });

  it('http_delay adds its delay to each matching call, against a same-run baseline', async () => {
    const delay = 150;
    await clients.sayHello('warm');
    const baseline = await timed(5, () => clients.sayHello('base'));
    await addToxic({
      name: 'slow',
      type: 'http_delay',
      stream: 'upstream',
      attributes: { delay, match: { path: '/helloworld.Greeter/SayHello' } },
    });
    try {
      const delayed = await timed(5, () => clients.sayHello('slow'));
      // A timer never fires early: every delayed call takes the delay at least (1 ms of timer rounding).
      for (const ms of delayed) expect(ms).toBeGreaterThanOrEqual(delay - 1);
      // Per call, against the baseline: the noise of a busy machine stays well under half the delay.
      expect(median(delayed) - median(baseline)).toBeGreaterThan(delay / 2);
      const other = await timed(3, () => clients.sayGoodbye('fast'));
      expect(median(other)).toBeLessThan(median(delayed));
    } finally {
      await admin.delete('/proxies/grpc/toxics/slow');
    }
  });

  it('http2_goaway makes the client reconnect and succeed', async () => {
    await addToxic({ name: 'bye', type: 'http2_goaway', attributes: { after: 1 } });
    try {
      for (let i = 0; i < 4; i++) expect(await clients.sayHello(`n${i}`)).toEqual({ messages: [`Hello n${i}`], code: 0, details: '' });
      const metrics = await admin.get('/metrics');
      const line = metrics.text.split('\n').find((l) => l.startsWith('faultline_toxic_faults_total') && l.includes('kind="goaway"'));
      // Each call after the first came on a new connection, told to go away after its one stream.
      expect(Number(line?.split(' ').pop())).toBeGreaterThanOrEqual(3);
    } finally {
      await admin.delete('/proxies/grpc/toxics/bye');
    }
  });
});
