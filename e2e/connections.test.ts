/**
 * The connections API against the built server: live connections listed with their addresses, bytes
 * each way and active toxics; closing one politely (FIN) or with a reset; the typed client's methods;
 * and `faultline inspect` printing them.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, type ConnectionJson } from '../src/api/client.js';
import { runCli, startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api, type Api } from './helpers/http.js';
import { connectTo, readAll, readBytes, startEchoServer, waitFor, type TestServer } from './helpers/net.js';

let server: FaultlineProcess;
let echo: TestServer;
let client: Api;
let admin: AdminClient;
let port: number;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startFaultline();
  echo = await startEchoServer();
  client = api(server.url);
  admin = new AdminClient(server.url);
  const created = await admin.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: echo.address });
  port = Number(created.listen.slice(created.listen.lastIndexOf(':') + 1));
  await admin.addToxic('echo', { name: 'slow', type: 'latency', stream: 'upstream', attributes: { latency: 1 } });
  await admin.addToxic('echo', { name: 'never', type: 'noop', stream: 'downstream', toxicity: 0 });
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await server?.stop();
  await echo?.close();
});

async function open(payload: string): Promise<Socket> {
  const socket = await connectTo(port);
  sockets.push(socket);
  socket.write(payload);
  expect((await readBytes(socket, payload.length)).toString()).toBe(payload);
  return socket;
}

describe('connections API', () => {
  it('lists live connections: id, client and upstream addresses, opened at, bytes each way, active toxics per direction', async () => {
    const before = Date.now();
    const first = await open('hello');
    const second = await open('bonjour!');
    const list = (await client.get('/proxies/echo/connections')).json as ConnectionJson[];
    expect(list.map((c) => c.id)).toEqual([1, 2]);
    expect(list[0]).toEqual({
      id: 1,
      client: `127.0.0.1:${first.localPort}`,
      upstream: echo.address,
      opened_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      bytes: { upstream: { received: 5, sent: 5, dropped: 0 }, downstream: { received: 5, sent: 5, dropped: 0 } },
      toxics: { upstream: ['slow'], downstream: [] },
    });
    expect(list[1]).toMatchObject({ client: `127.0.0.1:${second.localPort}`, bytes: { upstream: { sent: 8 }, downstream: { sent: 8 } } });
    const opened = Date.parse(list[0]?.opened_at ?? '');
    expect(opened).toBeGreaterThanOrEqual(before - 5);
    expect(opened).toBeLessThanOrEqual(Date.now());
    expect(await admin.connections('echo')).toEqual(list);
  });

  it('faultline inspect prints them after the toxic lines with --connections, and only the toxic lines without', async () => {
    const plain = await runCli(['inspect', '--url', server.url, 'echo']);
    expect(plain.code).toBe(0);
    expect(
      plain.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]),
    ).toEqual(['slow', 'never']);
    const withConnections = await runCli(['inspect', '--url', server.url, '--connections', 'echo']);
    expect(withConnections.code).toBe(0);
    const lines = withConnections.stdout.split('\n').filter(Boolean);
    expect(lines.slice(0, 2)).toEqual(plain.stdout.split('\n').filter(Boolean));
    expect(lines[2]).toMatch(
      /^connection\tid=1\tclient=127\.0\.0\.1:\d+\tupstream=127\.0\.0\.1:\d+\topened_at=\S+Z\tbytes_upstream=5\tbytes_downstream=5\ttoxics_upstream=slow\ttoxics_downstream=$/,
    );
    expect(lines[3]).toMatch(/^connection\tid=2\t.*\tbytes_upstream=8\tbytes_downstream=8\t/);
    expect(lines).toHaveLength(4);
  });

  it('closes a connection with FIN, or with RST given ?reset=true', async () => {
    const [first, second] = sockets;
    const firstEnd = readAll(first!);
    const secondEnd = readAll(second!);
    expect((await client.delete('/proxies/echo/connections/1')).status).toBe(204);
    expect(await firstEnd).toEqual({ data: Buffer.alloc(0) });
    await admin.closeConnection('echo', 2, { reset: true });
    expect((await secondEnd).error?.code).toBe('ECONNRESET');
    await waitFor(() => echo.sockets.size === 0, 20_000, 'upstream sockets to close');
    expect((await client.get('/proxies/echo/connections')).json).toEqual([]);
  });

  it('answers 404 for an unknown connection or proxy, and 400 for a bad reset value', async () => {
    expect((await client.delete('/proxies/echo/connections/1')).json).toEqual({
      error: 'connection not found',
      status: 404,
      code: 'CONNECTION_NOT_FOUND',
    });
    expect((await client.delete('/proxies/echo/connections/abc')).status).toBe(404);
    expect((await client.get('/proxies/nope/connections')).json).toMatchObject({ status: 404, code: 'PROXY_NOT_FOUND' });
    expect((await client.delete('/proxies/echo/connections/1?reset=maybe')).json).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect((await client.post('/proxies/echo/connections')).status).toBe(405);
  });
});
