/**
 * The network-realism toxics through the admin API and the startup config, with Toxiproxy's
 * envelope: nothing about them is special outside the registry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../server.js';
import { connectTo, startEchoServer, waitFor, type TestServer } from '../testing/net.js';

let server: RunningServer | undefined;
let echo: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  await echo?.close();
  server = undefined;
  echo = undefined;
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${server?.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}

describe('network-realism toxics over the API', () => {
  it('start from the config and are added, listed, updated and removed with the Toxiproxy envelope', async () => {
    echo = await startEchoServer();
    server = await startServer({
      port: 0,
      proxies: [
        {
          name: 'db',
          listen: '127.0.0.1:0',
          upstream: echo.address,
          toxics: [
            { name: 'gc', type: 'pause', stream: 'downstream', attributes: { every: 500, duration: 50 } },
            { name: 'lossy', type: 'loss', attributes: { rate: 0.02, burst: 2 } },
          ],
        },
      ],
    });
    const listed = await call('GET', '/proxies/db/toxics');
    expect(listed.json).toEqual([
      { name: 'gc', type: 'pause', stream: 'downstream', toxicity: 1, attributes: { every: 500, duration: 50, jitter: 0 } },
      {
        name: 'lossy',
        type: 'loss',
        stream: 'downstream',
        toxicity: 1,
        attributes: { rate: 0.02, burst: 2, segment: 1460, rtt: 50, rto: 200, max_rto: 120_000, give_up: 0 },
      },
    ]);

    const added = [
      { type: 'partition', stream: 'upstream', attributes: { max_stall: 0 } },
      { type: 'slow_open', stream: 'upstream', attributes: { delay: 10 } },
      { type: 'limit_time', attributes: { time: 60_000 } },
      { type: 'corrupt', toxicity: 0, attributes: { rate: 0.5 } },
    ];
    for (const toxic of added) {
      const res = await call('POST', '/proxies/db/toxics', toxic);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ ...toxic, name: `${toxic.type}_${toxic.stream ?? 'downstream'}` });
    }

    const updated = await call('POST', '/proxies/db/toxics/partition_upstream', { attributes: { max_stall: 5000 } });
    expect(updated.json).toMatchObject({ attributes: { max_stall: 5000 } });
    expect((await call('DELETE', '/proxies/db/toxics/partition_upstream')).status).toBe(204);
  });

  it('echo latency’s extensions only when set, and reject bad attributes with a 400 that names the unit', async () => {
    echo = await startEchoServer();
    server = await startServer({ port: 0, proxies: [{ name: 'db', listen: '127.0.0.1:0', upstream: echo.address }] });
    const plain = await call('POST', '/proxies/db/toxics', { name: 'a', type: 'latency', attributes: { latency: 100, jitter: 10 } });
    expect(plain.json).toEqual({ attributes: { latency: 100, jitter: 10 }, name: 'a', type: 'latency', stream: 'downstream', toxicity: 1 });
    const shaped = await call('POST', '/proxies/db/toxics', {
      name: 'b',
      type: 'latency',
      attributes: { latency: 100, jitter: 10, distribution: 'pareto', correlation: 0.3 },
    });
    expect(shaped.json).toMatchObject({ attributes: { latency: 100, jitter: 10, distribution: 'pareto', correlation: 0.3 } });

    const bad = await call('POST', '/proxies/db/toxics', { type: 'pause', attributes: { every: 100, duration: -5 } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ status: 400 });
    expect((bad.json as { error: string }).error).toContain('attributes.duration: must be 0 or more (ms), got -5');
  });

  it('a partition added and removed over the API cuts and heals a live connection', async () => {
    echo = await startEchoServer();
    server = await startServer({ port: 0, proxies: [{ name: 'db', listen: '127.0.0.1:0', upstream: echo.address }] });
    const proxy = server.registry.require('db');
    const client = await connectTo(proxy.port);
    try {
      const received: Buffer[] = [];
      client.on('data', (c: Buffer) => received.push(c));
      const length = (): number => received.reduce((n, b) => n + b.length, 0);
      client.write('one');
      await waitFor(() => length() === 3, 10_000, 'the first echo');
      await call('POST', '/proxies/db/toxics', { name: 'cut', type: 'partition', stream: 'upstream' });
      client.write('two');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(length()).toBe(3);
      await call('DELETE', '/proxies/db/toxics/cut');
      await waitFor(() => length() === 6, 10_000, 'the echo held by the partition');
      expect(Buffer.concat(received).toString()).toBe('onetwo');
    } finally {
      client.destroy();
    }
  });
});
