/**
 * A real Redis behind the built server, driven by a real client (ioredis): latency shows in command
 * times, a one-way partition makes commands time out and healing it lets the same connection carry
 * on, and reset_peer and limit_data reach the client as its own errors.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../src/api/client.js';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { startRedis, type RedisServer } from './helpers/redis.js';

let redis: RedisServer;
let server: FaultlineProcess;
let admin: AdminClient;
let port: number;
const clients: Redis[] = [];

beforeAll(async () => {
  redis = await startRedis();
  server = await startFaultline();
  admin = new AdminClient(server.url);
  const proxy = await admin.createProxy({ name: 'redis', listen: '127.0.0.1:0', upstream: redis.address });
  port = Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1));
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
  await redis?.stop();
});

/**
 * A client through the proxy that reports failures instead of hiding them behind reconnects and
 * retries; `commandTimeout` (ms) makes a stalled command fail.
 */
async function connectClient(commandTimeout?: number): Promise<{ client: Redis; errors: Error[] }> {
  const errors: Error[] = [];
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    ...(commandTimeout === undefined ? {} : { commandTimeout }),
  });
  client.on('error', (err: Error) => errors.push(err));
  clients.push(client);
  await client.connect();
  return { client, errors };
}

/** The fastest of `times` runs, in ms: a busy machine holds some up, never makes one faster. */
async function fastestMs(run: () => Promise<unknown>, times: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

describe('Redis through faultline', () => {
  it('latency shows up in measured command time, and goes away with the toxic', async () => {
    const { client } = await connectClient();
    await client.set('greeting', 'hello');
    const direct = await fastestMs(() => client.get('greeting'), 20);
    await admin.addToxic('redis', { name: 'slow', type: 'latency', attributes: { latency: 120 } });
    const slowed = await fastestMs(() => client.get('greeting'), 5);
    expect(await client.get('greeting')).toBe('hello');
    await admin.removeToxic('redis', 'slow');
    const after = await fastestMs(() => client.get('greeting'), 20);
    // Every command waits the latency, once; without the toxic, the fastest command takes less.
    expect(slowed).toBeGreaterThanOrEqual(120);
    expect(slowed).toBeLessThan(120 + 800);
    expect(direct).toBeLessThan(120);
    expect(after).toBeLessThan(120);
  });

  it('a one-way partition makes commands time out; healing it lets the same connection recover', async () => {
    const { client, errors } = await connectClient(400);
    await client.set('k', 'v1');
    const id = await client.client('ID');
    await admin.addToxic('redis', { name: 'cut', type: 'partition', stream: 'upstream' });
    await expect(client.get('k')).rejects.toThrow('Command timed out');
    await admin.removeToxic('redis', 'cut');
    // The held command flows on and its reply is matched to it, so later replies stay in step.
    expect(await client.set('k', 'v2')).toBe('OK');
    expect(await client.get('k')).toBe('v2');
    expect(await client.client('ID')).toBe(id);
    expect(client.status).toBe('ready');
    expect(errors).toEqual([]);
  });

  it('reset_peer reaches the client as a connection reset', async () => {
    const { client, errors } = await connectClient();
    expect(await client.ping()).toBe('PONG');
    await admin.addToxic('redis', { name: 'rst', type: 'reset_peer', stream: 'upstream' });
    try {
      await expect(client.ping()).rejects.toThrow('Connection is closed.');
      expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toContain('ECONNRESET');
    } finally {
      await admin.removeToxic('redis', 'rst');
    }
  });

  it('limit_data cuts a reply short, and the client reports the closed connection', async () => {
    const { client } = await connectClient();
    await client.set('big', 'x'.repeat(10_000));
    const closed = new Promise<void>((resolve) => client.once('end', () => resolve()));
    await admin.addToxic('redis', { name: 'cap', type: 'limit_data', attributes: { bytes: 1000 } });
    try {
      await expect(client.get('big')).rejects.toThrow('Connection is closed.');
      await closed;
      expect(client.status).toBe('end');
    } finally {
      await admin.removeToxic('redis', 'cap');
    }
    const { client: fresh } = await connectClient();
    expect((await fresh.get('big'))?.length).toBe(10_000);
  });
});
