/**
 * Resource limits of the built server: a maximum of connections per proxy (extra clients are closed
 * and logged), and an admin API that answers 1000 concurrent requests.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api } from './helpers/http.js';
import { connectTo, readAll, readBytes, startEchoServer, waitFor, type TestServer } from './helpers/net.js';

let echo: TestServer;
const servers: FaultlineProcess[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  echo = await startEchoServer();
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => s.stop()));
  await echo?.close();
});

async function serve(args: string[]): Promise<FaultlineProcess> {
  const server = await startFaultline(['serve', '--port', '0', ...args]);
  servers.push(server);
  return server;
}

async function echoes(socket: Socket, text: string): Promise<boolean> {
  socket.write(text);
  return (await readBytes(socket, text.length)).toString() === text;
}

describe('resource limits', () => {
  it('--max-connections closes clients past the limit, with a log line, and takes new ones once there is room', async () => {
    const server = await serve(['--max-connections', '2']);
    const created = await api(server.url).post('/proxies', { name: 'capped', listen: '127.0.0.1:0', upstream: echo.address });
    const listen = (created.json as { listen: string }).listen;
    const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
    const a = await connectTo(port);
    const b = await connectTo(port);
    sockets.push(a, b);
    expect(await echoes(a, 'a')).toBe(true);
    expect(await echoes(b, 'b')).toBe(true);

    const c = await connectTo(port);
    sockets.push(c);
    const refused = await readAll(c);
    expect(refused.data.length).toBe(0);
    await waitFor(() => server.logs.some((l) => l['msg'] === 'connection limit reached, client closed'), 20_000, 'the limit log line');
    expect(server.logs.find((l) => l['msg'] === 'connection limit reached, client closed')).toMatchObject({
      level: 40,
      proxy: 'capped',
      max: 2,
    });
    expect(((await api(server.url).get('/proxies/capped/connections')).json as unknown[]).length).toBe(2);

    a.end();
    // The slot is free once the proxy has closed both sides of the first connection.
    const connections = async (): Promise<number> => ((await api(server.url).get('/proxies/capped/connections')).json as unknown[]).length;
    const deadline = Date.now() + 20_000;
    while ((await connections()) !== 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await connections()).toBe(1);
    const d = await connectTo(port);
    sockets.push(d);
    expect(await echoes(d, 'd')).toBe(true);
  });

  it('the admin API answers 1000 concurrent requests, every one correctly', async () => {
    const server = await serve([]);
    const b = api(server.url);
    await b.post('/proxies', { name: 'load', listen: '127.0.0.1:0', upstream: echo.address });
    const requests = Array.from({ length: 1000 }, async (_, i) => {
      const timeoutMs = 30_000;
      switch (i % 5) {
        case 0:
          return (await b.get('/version', undefined, { timeoutMs })).status === 200;
        case 1:
          return (await b.get('/proxies', undefined, { timeoutMs })).status === 200;
        case 2:
          // Both directions: one direction takes at most 100 toxics.
          return (
            (
              await b.post(
                '/proxies/load/toxics',
                { name: `t${i}`, type: 'latency', stream: i % 2 === 0 ? 'downstream' : 'upstream', attributes: { latency: i } },
                { timeoutMs },
              )
            ).status === 200
          );
        case 3:
          return (await b.get('/proxies/load/connections', undefined, { timeoutMs })).status === 200;
        default:
          return (await b.get('/metrics', undefined, { timeoutMs })).status === 200;
      }
    });
    const results = await Promise.all(requests);
    expect(results.filter((ok) => !ok)).toHaveLength(0);
    const toxics = (await b.get('/proxies/load/toxics')).json as Array<{ name: string; attributes: { latency: number } }>;
    expect(toxics).toHaveLength(200);
    expect(toxics.every((t) => t.attributes.latency === Number(t.name.slice(1)))).toBe(true);
    expect((await b.get('/version')).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});
