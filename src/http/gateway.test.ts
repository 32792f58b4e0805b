/**
 * The HTTP gateway in-process, with real sockets: requests through an `http` proxy reach the
 * upstream on one upstream connection per client connection, hop-by-hop headers are the proxy's
 * own, bodies and trailers stream both ways, interim answers and upgrades are relayed, and the
 * gateway adds nothing of its own.
 *
 * Longer than 300 lines: one gateway, one suite; its cases share the upstream and client fixtures.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToxicProxy } from '../core/proxy.js';
import { ProxyRegistry } from '../core/proxy-registry.js';
import { httpCall, startHttpServer, type TestHttpServer } from '../testing/http-server.js';
import { collectText, connectTo, waitFor } from '../testing/net.js';
import { builtinProtocols } from '../protocols.js';
import type { HttpGateway } from './gateway.js';

describe('http gateway', () => {
  let registry: ProxyRegistry | undefined;
  const servers: TestHttpServer[] = [];
  const cleanups: Array<() => void> = [];

  afterEach(async () => {
    for (const c of cleanups.splice(0)) c();
    await registry?.close();
    registry = undefined;
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function setup(handler?: Parameters<typeof startHttpServer>[0]): Promise<{ up: TestHttpServer; proxy: ToxicProxy }> {
    const up = await startHttpServer(handler);
    servers.push(up);
    registry = new ProxyRegistry({ protocols: builtinProtocols, seed: 'gw' });
    const proxy = await registry.create({ name: 'web', listen: '127.0.0.1:0', upstream: up.address, protocol: 'http' });
    return { up, proxy };
  }

  async function client(port: number): Promise<Socket> {
    const socket = await connectTo(port);
    cleanups.push(() => socket.destroy());
    return socket;
  }

  it('forwards method, target, headers and body, and the answer with its status text', async () => {
    const { up, proxy } = await setup((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(201, 'Made It', { 'X-Seen-Path': req.url ?? '', 'Content-Type': 'text/plain' });
        res.end(`got ${Buffer.concat(chunks).toString()}`);
      });
    });
    const answer = await httpCall(proxy.port, { method: 'PUT', path: '/a/b?c=1', headers: { 'X-Custom': 'v' }, body: 'payload' });
    expect(answer.status).toBe(201);
    expect(answer.body.toString()).toBe('got payload');
    expect(answer.headers['x-seen-path']).toBe('/a/b?c=1');
    expect(up.seen[0]?.method).toBe('PUT');
    expect(up.seen[0]?.headers['x-custom']).toBe('v');
  });

  it('removes hop-by-hop headers both ways and keeps end-to-end ones with their case and order', async () => {
    const { up, proxy } = await setup((_req, res) => {
      res.sendDate = false;
      res.writeHead(200, [
        'X-First',
        '1',
        'Connection',
        'keep-alive, X-Resp-Hop',
        'X-Resp-Hop',
        'secret',
        'Keep-Alive',
        'timeout=9',
        'x-LAST',
        '2',
        'Content-Length',
        '2',
      ]);
      res.end('ok');
    });
    const socket = await client(proxy.port);
    const reader = collectText(socket);
    socket.write(
      'GET /h HTTP/1.1\r\nHost: example.test\r\nX-Keep: a\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n' +
        'Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\nx-keep: b\r\n\r\n',
    );
    await reader.until((t) => t.endsWith('\r\n\r\nok'), 'the answer');
    const seen = up.seen[0]?.rawHeaders ?? [];
    const names = seen.filter((_, i) => i % 2 === 0);
    expect(names).toEqual(['Host', 'X-Keep', 'x-keep', 'Connection']);
    expect(seen.slice(0, 6)).toEqual(['Host', 'example.test', 'X-Keep', 'a', 'x-keep', 'b']);
    const head = reader.text.split('\r\n\r\n')[0] ?? '';
    expect(head).toContain('X-First: 1');
    expect(head).toContain('x-LAST: 2');
    expect(head).not.toMatch(/X-Resp-Hop|^Keep-Alive:|^Date:/im);
    // The gateway adds no Date of its own when the upstream sent none.
    expect(head).not.toMatch(/\r\nDate:/i);
  });

  it('reuses one upstream connection for every request of a client connection, and one per client connection', async () => {
    const { up, proxy } = await setup();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await httpCall(proxy.port, { agent, path: `/${i}` }));
    expect(new Set(answers.map((a) => a.localPort)).size).toBe(1);
    expect(new Set(up.seen.map((s) => s.remotePort)).size).toBe(1);
    expect(up.connections()).toBe(1);

    const second = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => second.destroy());
    await httpCall(proxy.port, { agent: second });
    await httpCall(proxy.port, { agent: second });
    expect(up.connections()).toBe(2);
    expect(new Set(up.seen.map((s) => s.remotePort)).size).toBe(2);
  });

  it('closes the client connection when the upstream closes its idle connection', async () => {
    const { proxy } = await setup((req, res) => {
      res.end('bye', () => setTimeout(() => req.socket.end(), 20));
    });
    const socket = await client(proxy.port);
    const reader = collectText(socket);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await reader.until((t) => t.endsWith('bye'), 'the answer');
    await waitFor(() => reader.ended, 10_000, 'the client connection to close');
  });

  it('answers a client that half-closes right after its request', async () => {
    const { proxy } = await setup((_req, res) => setTimeout(() => res.end('late answer'), 30));
    const socket = await client(proxy.port);
    const reader = collectText(socket);
    socket.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => reader.ended, 10_000, 'the connection to end');
    expect(reader.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(reader.text.endsWith('late answer')).toBe(true);
  });

  it('streams a chunked body both ways with its trailers, intact', async () => {
    const { up, proxy } = await setup((req, res) => {
      const hash = createHash('sha256');
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', Trailer: 'X-Sum' });
      req.on('data', (c: Buffer) => {
        hash.update(c);
        if (!res.write(c)) req.pause();
      });
      res.on('drain', () => req.resume());
      req.on('end', () => {
        res.addTrailers({ 'X-Sum': hash.digest('hex'), 'X-Got-Trailer': String(req.trailers['x-client-sum']) });
        res.end();
      });
    });
    const body = randomBytes(8 * 1024 * 1024);
    const sum = createHash('sha256').update(body).digest('hex');
    const result = await new Promise<{ sum: string; trailers: NodeJS.Dict<string>; chunked: boolean }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: proxy.port,
        method: 'POST',
        path: '/echo',
        headers: { 'Transfer-Encoding': 'chunked', Trailer: 'X-Client-Sum' },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const hash = createHash('sha256');
        res.on('data', (c: Buffer) => hash.update(c));
        res.on('end', () =>
          resolve({ sum: hash.digest('hex'), trailers: res.trailers, chunked: res.headers['transfer-encoding'] === 'chunked' }),
        );
      });
      let offset = 0;
      const pump = (): void => {
        while (offset < body.length) {
          const chunk = body.subarray(offset, offset + 100_000);
          offset += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.addTrailers({ 'X-Client-Sum': sum });
        req.end();
      };
      pump();
    });
    expect(result.sum).toBe(sum);
    expect(result.chunked).toBe(true);
    expect(result.trailers['x-sum']).toBe(sum);
    expect(result.trailers['x-got-trailer']).toBe(sum);
    expect(up.seen[0]?.headers['transfer-encoding']).toBe('chunked');
  });

  it('relays 100 Continue from the upstream, and a refusal without it', async () => {
    const { up, proxy } = await setup((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(`got ${Buffer.concat(chunks).toString()}`));
    });
    up.server.on('checkContinue', (req, res) => {
      if (req.headers['x-refuse']) {
        res.writeHead(417, { 'Content-Length': '9' }).end('no thanks');
        return;
      }
      res.writeContinue();
      up.server.emit('request', req, res);
    });
    const socket = await client(proxy.port);
    const reader = collectText(socket);
    socket.write('POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
    await reader.until((t) => t.includes('HTTP/1.1 100 Continue\r\n\r\n'), '100 Continue');
    expect(reader.text).not.toContain('200');
    socket.write('hello');
    await reader.until((t) => t.endsWith('got hello'), 'the final answer');
    expect(up.seen[0]?.headers.expect).toBe('100-continue');

    const refused = await client(proxy.port);
    const refusedReader = collectText(refused);
    refused.write('POST /up HTTP/1.1\r\nHost: x\r\nX-Refuse: 1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
    await refusedReader.until((t) => t.includes('no thanks'), 'the refusal');
    expect(refusedReader.text).toMatch(/^HTTP\/1\.1 417 /);
    expect(refusedReader.text).not.toContain('100 Continue');
  });

  it('answers 502 naming the upstream when it cannot be reached, and closes the connection', async () => {
    const up = await startHttpServer();
    const address = up.address;
    await up.close();
    registry = new ProxyRegistry({ protocols: builtinProtocols });
    const proxy = await registry.create({ name: 'down', listen: '127.0.0.1:0', upstream: address, protocol: 'http' });
    const answer = await httpCall(proxy.port);
    expect(answer.status).toBe(502);
    expect(answer.body.toString()).toBe(`faultline: upstream ${address}: ECONNREFUSED\n`);
    expect(answer.headers.connection).toBe('close');
  });

  it('answers an HTTP/1.0 client without Host, giving the upstream its address as Host, then closes', async () => {
    const { up, proxy } = await setup();
    const socket = await client(proxy.port);
    const reader = collectText(socket);
    socket.write('GET /old HTTP/1.0\r\n\r\n');
    await waitFor(() => reader.ended, 10_000, 'the connection to close');
    expect(reader.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(reader.text.endsWith('ok')).toBe(true);
    expect(up.seen[0]?.headers.host).toBe(up.address);
    expect(up.seen[0]?.headers.connection).toBe('close');
  });

  it('relays HEAD, 204 and 304 answers without bodies, and pipelined requests in order', async () => {
    const { proxy } = await setup((req, res) => {
      if (req.url === '/204') res.writeHead(204).end();
      else if (req.url === '/304') res.writeHead(304, { ETag: '"x"' }).end();
      else res.writeHead(200, { 'Content-Length': '5' }).end(req.method === 'HEAD' ? undefined : 'hello');
    });
    const socket = await client(proxy.port);
    const reader = collectText(socket);
    socket.write(
      'HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    await reader.until((t) => t.endsWith('hello'), 'four answers');
    const statuses = [...reader.text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '204', '304', '200']);
    expect(reader.text.split('hello').length).toBe(2);
  });

  it('passes an Upgrade through and then relays raw bytes both ways, half-close included', async () => {
    const { up, proxy } = await setup();
    up.server.on('upgrade', (req, socket: Socket) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${String(req.headers.upgrade)}\r\n\r\n`);
      socket.on('data', (c: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), c])));
      socket.on('end', () => socket.end('bye'));
    });
    const socket = await client(proxy.port);
    const reader = collectText(socket);
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo-proto\r\n\r\n');
    await reader.until((t) => t.includes('\r\n\r\n'), 'the 101');
    expect(reader.text).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(reader.text).toContain('Upgrade: echo-proto');
    socket.write('\x00\x01raw bytes');
    await reader.until((t) => t.endsWith('echo:\x00\x01raw bytes'), 'the echo');
    socket.end();
    await waitFor(() => reader.ended, 10_000, 'the tunnel to close');
    expect(reader.text.endsWith('bye')).toBe(true);
  });

  it('relays a refused Upgrade as an ordinary answer and closes', async () => {
    const { proxy } = await setup((_req, res) => res.writeHead(426, { 'Content-Type': 'text/plain' }).end('upgrade refused'));
    const socket = await client(proxy.port);
    const reader = collectText(socket);
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: nope\r\n\r\n');
    await waitFor(() => reader.ended, 10_000, 'the connection to close');
    expect(reader.text).toMatch(/^HTTP\/1\.1 426 /);
    expect(reader.text.endsWith('upgrade refused')).toBe(true);
  });

  it('releases every session when clients leave and when the proxy stops', async () => {
    const { proxy } = await setup();
    const gateway = (proxy as unknown as { gateway: HttpGateway }).gateway;
    const agent = new Agent({ keepAlive: true, maxSockets: 3 });
    await Promise.all([1, 2, 3].map(() => httpCall(proxy.port, { agent })));
    expect(gateway.sessionCount).toBeGreaterThan(0);
    agent.destroy();
    await waitFor(() => gateway.sessionCount === 0 && proxy.connections.length === 0, 10_000, 'sessions to close');
    const socket = await client(proxy.port);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => gateway.sessionCount === 1, 10_000, 'a session');
    await proxy.stop();
    expect(gateway.sessionCount).toBe(0);
  });
});
