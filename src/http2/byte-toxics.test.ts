/**
 * Byte-stream toxics on an `http2` proxy. Without one, the gateway takes the client socket itself
 * (no byte chain): its bytes are still counted. With one, connections run the byte chain. A byte
 * toxic added later reaches the clients: the connections without a chain get GOAWAY (no error), the
 * streams they carry finish intact, and the next connection carries the toxic.
 */
import { constants, type ServerHttp2Stream } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToxicProxy } from '../core/proxy.js';
import { ProxyRegistry } from '../core/proxy-registry.js';
import { builtinProtocols } from '../protocols.js';
import { defaultH2Handler, h2Call, h2Session, startH2Server, type TestH2Server } from '../testing/http2.js';
import { waitFor } from '../testing/net.js';

const SLOW_BODY = Buffer.alloc(200_000, 0x5a);

describe('byte toxics on an http2 proxy', () => {
  let registry: ProxyRegistry | undefined;
  let up: TestH2Server | undefined;
  const cleanups: Array<() => void> = [];

  afterEach(async () => {
    for (const c of cleanups.splice(0)) c();
    await registry?.close();
    registry = undefined;
    await up?.close();
  });

  /** An upstream whose `/slow` answers once `release` runs; a proxy in front of it. */
  async function setup(): Promise<{ proxy: ToxicProxy; release: () => void }> {
    let held: ServerHttp2Stream | undefined;
    let released = false;
    const answer = (stream: ServerHttp2Stream) => {
      stream.respond({ ':status': 200 });
      stream.end(SLOW_BODY);
    };
    up = await startH2Server((stream, headers) => {
      if (headers[':path'] !== '/slow') return defaultH2Handler(stream, headers);
      if (released) answer(stream);
      else held = stream;
    });
    registry = new ProxyRegistry({ protocols: builtinProtocols, seed: 'h2-bytes' });
    const proxy = await registry.create({ name: 'h2', listen: '127.0.0.1:0', upstream: up.address, protocol: 'http2' });
    const release = () => {
      released = true;
      if (held) answer(held);
    };
    return { proxy, release };
  }

  function session(port: number) {
    const s = h2Session(port);
    cleanups.push(() => s.destroy());
    return s;
  }

  it('counts the bytes of connections without a byte chain', async () => {
    const { proxy } = await setup();
    const s = session(proxy.port);
    const answer = await h2Call(s, { ':path': '/echo' }, 'x'.repeat(5000));
    expect(answer.body.toString()).toBe('x'.repeat(5000));
    const conn = proxy.connections[0];
    expect(conn?.bytesOf('upstream')).toBeUndefined();
    expect(proxy.bytes.upstream.received).toBeGreaterThan(5000);
    expect(proxy.bytes.upstream.sent).toBe(proxy.bytes.upstream.received);
    expect(proxy.bytes.downstream.sent).toBeGreaterThan(5000);
  });

  it('a byte toxic added later sends GOAWAY to connections without a chain, lets their streams finish, and acts on the next connection', async () => {
    const { proxy, release } = await setup();
    const first = session(proxy.port);
    expect((await h2Call(first, { ':path': '/a' })).body.toString()).toBe('hello /a');
    const goaway = new Promise<number>((resolve) => first.once('goaway', (code: number) => resolve(code)));
    const slow = h2Call(first, { ':path': '/slow' });
    await waitFor(() => up?.seen.some((h) => h[':path'] === '/slow') ?? false);
    // A connection with no stream yet: its first stream is served, then it is let go.
    const fresh = session(proxy.port);
    await new Promise((resolve) => fresh.once('connect', resolve));
    const freshGoaway = new Promise<number>((resolve) => fresh.once('goaway', (code: number) => resolve(code)));

    // A connection may carry 1 byte towards the upstream: no request gets through.
    proxy.addToxic({ name: 'cut', type: 'limit_data', stream: 'upstream', attributes: { bytes: 1 } });
    expect(await goaway).toBe(constants.NGHTTP2_NO_ERROR);
    release();
    const answer = await slow;
    expect(answer.rstCode).toBe(constants.NGHTTP2_NO_ERROR);
    expect(answer.body.equals(SLOW_BODY)).toBe(true);

    const firstOnFresh = await h2Call(fresh, { ':path': '/f' });
    expect(firstOnFresh.body.toString()).toBe('hello /f');
    expect(await freshGoaway).toBe(constants.NGHTTP2_NO_ERROR);

    const second = session(proxy.port);
    const cut = await h2Call(second, { ':path': '/b' });
    expect(cut.headers).toBeUndefined();
    expect(up?.seen.some((h) => h[':path'] === '/b')).toBe(false);

    proxy.removeToxic('cut');
    const third = session(proxy.port);
    expect((await h2Call(third, { ':path': '/c' })).body.toString()).toBe('hello /c');
  });

  it('runs the byte chain on connections opened while a byte toxic is there', async () => {
    const { proxy } = await setup();
    proxy.addToxic({ name: 'lat', type: 'latency', stream: 'downstream', attributes: { latency: 0 } });
    const s = session(proxy.port);
    expect((await h2Call(s, { ':path': '/a' })).body.toString()).toBe('hello /a');
    expect(proxy.connections[0]?.activeToxics('downstream')).toEqual(['lat']);
  });
});
