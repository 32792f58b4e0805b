/**
 * Proxy lifecycle: listening on port 0, dialling only after accept, enable/disable, address changes,
 * an unreachable upstream, connection limits, toxics reaching live connections.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultlineError } from '../errors.js';
import { connectTo, readAll, readBytes, startEchoServer, startServer, waitFor, type TestServer } from '../testing/net.js';
import { ProxyRegistry } from './proxy-registry.js';

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe('proxy lifecycle', () => {
  const servers: TestServer[] = [];
  let registry: ProxyRegistry;

  afterEach(async () => {
    await registry?.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function echo(): Promise<TestServer> {
    const s = await startEchoServer();
    servers.push(s);
    return s;
  }

  it('binds port 0 to a real port and reports the resolved address', async () => {
    const up = await echo();
    registry = new ProxyRegistry();
    const proxy = await registry.create({ name: 'p', listen: 'localhost:0', upstream: up.address });
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(proxy.port).toBeGreaterThan(0);
    expect(proxy.enabled).toBe(true);
    const client = await connectTo(proxy.port);
    const reply = readBytes(client, 5);
    client.write('hello');
    expect((await reply).toString()).toBe('hello');
    client.destroy();
  });

  it('keeps bytes a client sends before the upstream dial completes', async () => {
    const received: Buffer[] = [];
    const up = await startServer((socket) => socket.on('data', (c: Buffer) => received.push(c)));
    servers.push(up);
    registry = new ProxyRegistry();
    const proxy = await registry.create({ name: 'p', listen: '127.0.0.1:0', upstream: up.address });
    const client = connect({ host: '127.0.0.1', port: proxy.port });
    client.write('early bytes');
    await waitFor(() => Buffer.concat(received).toString() === 'early bytes', 10_000, 'early bytes upstream');
    client.destroy();
  });

  it('closes the client when the upstream cannot be reached', async () => {
    const gone = await startServer(() => {});
    const deadAddress = gone.address;
    await gone.close();
    registry = new ProxyRegistry();
    const proxy = await registry.create({ name: 'p', listen: '127.0.0.1:0', upstream: deadAddress });
    const client = await connectTo(proxy.port);
    const { data } = await readAll(client);
    expect(data.length).toBe(0);
    await waitFor(() => proxy.connections.length === 0, 10_000, 'connection cleanup');
  });

  it('disable closes the listener and every connection; enable rebinds the same port', async () => {
    const up = await echo();
    registry = new ProxyRegistry();
    const proxy = await registry.create({ name: 'p', listen: '127.0.0.1:0', upstream: up.address });
    const port = proxy.port;
    const client = await connectTo(port);
    const ended = readAll(client);
    await proxy.update({ enabled: false });
    expect(proxy.enabled).toBe(false);
    expect((await ended).error).toBeUndefined();
    expect(await refused(port)).toBe(true);
    await proxy.update({ enabled: true });
    expect(proxy.port).toBe(port);
    const again = await connectTo(port);
    const reply = readBytes(again, 2);
    again.write('ok');
    expect((await reply).toString()).toBe('ok');
    again.destroy();
  });

  it('an upstream change closes live connections and new ones reach the new upstream', async () => {
    const first = await startServer((s) => s.end('first'));
    const second = await startServer((s) => s.end('second'));
    servers.push(first, second);
    registry = new ProxyRegistry();
    const proxy = await registry.create({ name: 'p', listen: '127.0.0.1:0', upstream: first.address });
    expect((await readAll(await connectTo(proxy.port))).data.toString()).toBe('first');
    await proxy.update({ upstream: second.address });
    expect(proxy.enabled).toBe(true);
    expect((await readAll(await connectTo(proxy.port))).data.toString()).toBe('second');
  });

  it('reports a port conflict in Toxiproxy words and keeps the proxy out', async () => {
    const up = await echo();
    registry = new ProxyRegistry();
    const a = await registry.create({ name: 'a', listen: '127.0.0.1:0', upstream: up.address });
    const error = await registry.create({ name: 'b', listen: `localhost:${a.port}`, upstream: up.address }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaultlineError);
    expect((error as FaultlineError).status).toBe(500);
    expect((error as FaultlineError).message).toBe(`listen tcp 127.0.0.1:${a.port}: bind: address already in use`);
    expect(registry.get('b')).toBeUndefined();
  });

  it('rejects a listen address without a port as bad input', async () => {
    registry = new ProxyRegistry();
    const error = await registry.create({ name: 'x', listen: '127.0.0.1', upstream: 'a:1' }).catch((e: unknown) => e);
    expect((error as FaultlineError).status).toBe(400);
    expect((error as FaultlineError).message).toBe('listen tcp: address 127.0.0.1: missing port in address');
  });

  it('applies a toxic to connections that are already open', async () => {
    const up = await echo();
    registry = new ProxyRegistry();
    const proxy = await registry.create({ name: 'p', listen: '127.0.0.1:0', upstream: up.address });
    const client = await connectTo(proxy.port);
    proxy.addToxic({ type: 'latency', attributes: { latency: 150 } });
    const t0 = performance.now();
    const reply = readBytes(client, 3);
    client.write('abc');
    await reply;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    client.destroy();
  });

  it('closes clients beyond the connection limit', async () => {
    const up = await echo();
    registry = new ProxyRegistry({ maxConnections: 2 });
    const proxy = await registry.create({ name: 'p', listen: '127.0.0.1:0', upstream: up.address });
    const a = await connectTo(proxy.port);
    const b = await connectTo(proxy.port);
    await waitFor(() => proxy.connections.length === 2, 10_000, 'two connections');
    const c = await connectTo(proxy.port);
    const third = await readAll(c);
    expect(third.data.length).toBe(0);
    expect(proxy.connections.length).toBe(2);
    a.destroy();
    b.destroy();
  });

  it('closes one connection on request, with a reset when asked', async () => {
    const up = await echo();
    registry = new ProxyRegistry();
    const proxy = await registry.create({ name: 'p', listen: '127.0.0.1:0', upstream: up.address });
    const client = await connectTo(proxy.port);
    await waitFor(() => proxy.connections.length === 1, 10_000, 'connection');
    const result = readAll(client);
    expect(proxy.closeConnection(proxy.connections[0]!.id, 'rst')).toBe(true);
    expect((await result).error?.code).toBe('ECONNRESET');
    expect(proxy.closeConnection(999, 'fin')).toBe(false);
  });

  it('brackets an IPv6 client address, as host:port strings elsewhere are', async () => {
    const up = await echo();
    registry = new ProxyRegistry();
    const proxy = await registry.create({ name: 'p', listen: '[::1]:0', upstream: up.address });
    expect(proxy.listen).toMatch(/^\[::1\]:\d+$/);
    const client = connect(proxy.port, '::1');
    await waitFor(() => proxy.connections.length === 1, 10_000, 'connection');
    expect(proxy.connections[0]!.clientAddress).toBe(`[::1]:${client.localPort}`);
    client.destroy();
  });
});
