/**
 * Request smuggling and response desync against an `http` proxy, with raw sockets on both sides:
 * whatever a client or an upstream sends, the upstream never parses a request the proxy did not
 * forward as one, and the client never gets an answer that is not the answer to its request.
 * Every forwarded body is framed explicitly; a framing header named in `Connection` is not removed.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToxicProxy } from '../core/proxy.js';
import { ProxyRegistry } from '../core/proxy-registry.js';
import { startHttpServer, type TestHttpServer } from '../testing/http-server.js';
import { connectTo, startServer, waitFor, type TestServer } from '../testing/net.js';
import { builtinProtocols } from '../protocols.js';

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
/** A last request that closes the connection: once its answer is in, every earlier one was handled. */
const LAST = 'GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

let registry: ProxyRegistry | undefined;
const closers: Array<() => unknown> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await registry?.close();
  registry = undefined;
});

async function proxyTo(address: string): Promise<ToxicProxy> {
  registry = new ProxyRegistry({ protocols: builtinProtocols });
  return registry.create({ name: 'web', listen: '127.0.0.1:0', upstream: address, protocol: 'http' });
}

/** Sends `raw` on a new connection and resolves with everything the proxy sent back until it closed. */
async function send(port: number, raw: string): Promise<string> {
  const socket: Socket = await connectTo(port);
  closers.push(() => {
    socket.destroy();
  });
  let text = '';
  let closed = false;
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.on('end', () => (closed = true));
  socket.on('close', () => (closed = true));
  socket.on('error', () => (closed = true));
  socket.write(raw);
  await waitFor(() => closed, 5_000, 'the proxy to close the connection');
  return text;
}

/** Status codes of the answers in `text`, in order. */
function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

describe('request smuggling through an http proxy', () => {
  let up: TestHttpServer;
  let proxy: ToxicProxy;

  async function setup(): Promise<void> {
    up = await startHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(req.url ?? ''));
    });
    closers.push(() => up.close());
    proxy = await proxyTo(up.address);
  }

  const seenPaths = (): string[] => up.seen.map((r) => r.url);

  const withBody = (head: string, body: string): string => `${head}Content-Length: ${body.length}\r\n\r\n${body}`;

  it.each(['GET', 'DELETE', 'OPTIONS', 'POST'])(
    '%s: a Content-Length named in Connection still frames the body, which never becomes a request',
    async (method) => {
      await setup();
      const request = withBody(`${method} / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Content-Length\r\n`, SMUGGLED);
      const answer = await send(proxy.port, request + LAST);
      expect(seenPaths()).toEqual(['/', '/last']);
      expect(statuses(answer)).toEqual([200, 200]);
      expect(up.seen[0]?.headers['content-length']).toBe(String(SMUGGLED.length));
    },
  );

  it('a chunked body with Transfer-Encoding named in Connection is forwarded chunked, whole', async () => {
    await setup();
    const chunk = `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`;
    const answer = await send(
      proxy.port,
      `POST / HTTP/1.1\r\nHost: x\r\nConnection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${LAST}`,
    );
    expect(seenPaths()).toEqual(['/', '/last']);
    expect(statuses(answer)).toEqual([200, 200]);
  });

  it.each([
    [
      'Content-Length and Transfer-Encoding together',
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
    ],
    [
      'two different Content-Lengths',
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
    ],
    ['a space before the colon', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n`],
    ['a signed Content-Length', `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +${SMUGGLED.length}\r\n\r\n${SMUGGLED}`],
    ['a hexadecimal Content-Length', `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n${SMUGGLED}`],
    ['an unknown transfer coding', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
    ['chunked not last', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${SMUGGLED}`],
    [
      'an overflowing chunk size',
      `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nx\r\n0\r\n\r\n${SMUGGLED}`,
    ],
    ['a folded header line', `GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n Content-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`],
    ['a NUL in a header value', `GET / HTTP/1.1\r\nHost: x\r\nX-Nul: a\u0000b\r\n\r\n${SMUGGLED}`],
  ])('%s: refused by the proxy with 400; the upstream sees nothing', async (_what, raw) => {
    await setup();
    const answer = await send(proxy.port, raw);
    expect(statuses(answer)).toEqual([400]);
    expect(seenPaths()).toEqual([]);
  });

  it('bare LF line endings never let a request through that the proxy did not see', async () => {
    await setup();
    const answer = await send(proxy.port, `GET / HTTP/1.1\nHost: x\nContent-Length: ${SMUGGLED.length}\n\n${SMUGGLED}${LAST}`);
    expect(seenPaths()).not.toContain('/smuggled');
    expect(statuses(answer).length).toBe(seenPaths().length + (statuses(answer).includes(400) ? 1 : 0));
  });
});

describe('response desync through an http proxy', () => {
  /** An upstream that answers every request it reads with `answer(n)` (n from 1), raw. */
  async function rawUpstream(answer: (n: number) => string): Promise<TestServer> {
    const server = await startServer((socket) => {
      let buffered = '';
      let n = 0;
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        buffered += chunk;
        for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
          buffered = buffered.slice(end + 4);
          socket.write(answer(++n));
        }
      });
    });
    closers.push(() => server.close());
    return server;
  }

  const twoRequests = 'GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

  it('a Content-Length named in Connection still frames the answer; the next answer is the next one', async () => {
    const up = await rawUpstream((n) => `HTTP/1.1 200 OK\r\nConnection: keep-alive, Content-Length\r\nContent-Length: 5\r\n\r\nbody${n}`);
    const proxy = await proxyTo(up.address);
    const answer = await send(proxy.port, twoRequests);
    expect(statuses(answer)).toEqual([200, 200]);
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n(?:.+\r\n)*Content-Length: 5\r\n(?:.+\r\n)*\r\nbody1HTTP\/1\.1 200 OK\r\n/);
    expect(answer.endsWith('body2')).toBe(true);
  });

  it('a chunked answer with Transfer-Encoding named in Connection is re-framed, never sent raw', async () => {
    const up = await rawUpstream(
      (n) => `HTTP/1.1 200 OK\r\nConnection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nbody${n}\r\n0\r\n\r\n`,
    );
    const proxy = await proxyTo(up.address);
    const answer = await send(proxy.port, twoRequests);
    expect(statuses(answer)).toEqual([200, 200]);
    expect(answer.split('body1').length).toBe(2);
    expect(answer).toContain('body2');
  });

  it('an answer with both Content-Length and Transfer-Encoding becomes a 502, not two answers', async () => {
    const up = await rawUpstream(
      () =>
        `HTTP/1.1 200 OK\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n`,
    );
    const proxy = await proxyTo(up.address);
    const answer = await send(proxy.port, 'GET /one HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(statuses(answer)).toEqual([502]);
  });
});
