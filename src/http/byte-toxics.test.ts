/**
 * Byte-stream toxics on an `http` proxy. Without one, the gateway takes the client socket itself
 * (no byte chain): its bytes are still counted. A byte toxic added later reaches the clients: such
 * a connection is never cut, its next answer (or the one in flight) comes intact with
 * `Connection: close` and the connection closes after it; the next connection carries the toxic.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToxicProxy } from '../core/proxy.js';
import { ProxyRegistry } from '../core/proxy-registry.js';
import { builtinProtocols } from '../protocols.js';
import { startHttpServer, type TestHttpServer } from '../testing/http-server.js';
import { collectText, connectTo, waitFor } from '../testing/net.js';

const SLOW_BODY = 'z'.repeat(100_000);
const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

describe('byte toxics on an http proxy', () => {
  let registry: ProxyRegistry | undefined;
  let up: TestHttpServer | undefined;
  const cleanups: Array<() => void> = [];

  afterEach(async () => {
    for (const c of cleanups.splice(0)) c();
    await registry?.close();
    registry = undefined;
    await up?.close();
  });

  /** An upstream whose `/slow` answers once `release` runs; a proxy in front of it. */
  async function setup(): Promise<{ proxy: ToxicProxy; release: () => void }> {
    let held: ServerResponse | undefined;
    let released = false;
    up = await startHttpServer((req, res) => {
      if (req.url !== '/slow') res.end(`hello ${req.url}`);
      else if (released) res.end(SLOW_BODY);
      else held = res;
    });
    registry = new ProxyRegistry({ protocols: builtinProtocols, seed: 'http-bytes' });
    const proxy = await registry.create({ name: 'web', listen: '127.0.0.1:0', upstream: up.address, protocol: 'http' });
    const release = () => {
      released = true;
      held?.end(SLOW_BODY);
    };
    return { proxy, release };
  }

  async function client(port: number) {
    const socket = await connectTo(port);
    cleanups.push(() => socket.destroy());
    return { socket, read: collectText(socket) };
  }

  it('counts the bytes of connections without a byte chain', async () => {
    const { proxy } = await setup();
    const { socket, read } = await client(proxy.port);
    socket.write(get('/a'));
    await read.until((t) => t.endsWith('hello /a'), 'the answer');
    expect(proxy.connections[0]?.bytesOf('upstream')).toBeUndefined();
    await waitFor(() => proxy.bytes.downstream.sent === read.text.length, 10_000, 'the answer counted');
    expect(proxy.bytes.upstream.received).toBe(get('/a').length);
    expect(proxy.bytes.upstream.sent).toBe(get('/a').length);
  });

  it('a byte toxic added later closes connections without a chain after their next answer, and acts on the next connection', async () => {
    const { proxy, release } = await setup();
    const idle = await client(proxy.port);
    idle.socket.write(get('/a'));
    await idle.read.until((t) => t.endsWith('hello /a'), 'the idle client’s answer');
    const busy = await client(proxy.port);
    busy.socket.write(get('/slow'));
    await waitFor(() => up?.seen.some((r) => r.url === '/slow') ?? false, 10_000, 'the slow request upstream');

    // A connection may carry 1 byte towards the upstream: no request gets through.
    proxy.addToxic({ name: 'cut', type: 'limit_data', stream: 'upstream', attributes: { bytes: 1 } });
    idle.socket.write(get('/a2'));
    await waitFor(() => idle.read.ended, 10_000, 'the idle connection closed after its next answer');
    expect(idle.read.text.toLowerCase()).toContain('\r\nconnection: close\r\n');
    expect(idle.read.text.endsWith('hello /a2')).toBe(true);
    expect(busy.read.ended).toBe(false);
    release();
    await waitFor(() => busy.read.ended, 10_000, 'the busy connection closed after its answer');
    expect(busy.read.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(busy.read.text.toLowerCase()).toContain('\r\nconnection: close\r\n');
    expect(busy.read.text.endsWith(`\r\n\r\n${SLOW_BODY}`)).toBe(true);

    const next = await client(proxy.port);
    next.socket.write(get('/b'));
    await waitFor(() => next.read.ended, 10_000, 'the cut connection closed');
    expect(up?.seen.some((r) => r.url === '/b')).toBe(false);

    proxy.removeToxic('cut');
    const after = await client(proxy.port);
    after.socket.write(get('/c'));
    await after.read.until((t) => t.endsWith('hello /c'), 'the answer once the toxic is gone');
  });
});
