/**
 * The HTTP/2 gateway in-process, with real sockets: streams reach the upstream one to one on one
 * upstream session per client connection, bodies and trailers pass both ways, the HTTP toxics act
 * per stream, http2_rst_stream and http2_goaway act as they say, and bad input ends only what it
 * came on.
 *
 * Longer than 300 lines: one gateway, one suite; its cases share the upstream and client fixtures.
 */
import { connect as connectTcp } from 'node:net';
import { constants } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultlineEvent } from '../core/events.js';
import type { ToxicProxy } from '../core/proxy.js';
import { ProxyRegistry } from '../core/proxy-registry.js';
import { builtinProtocols } from '../protocols.js';
import { h2Call, h2Session, startH2Server, type TestH2Server } from '../testing/http2.js';
import { waitFor } from '../testing/net.js';
import { CLIENT_PREFACE } from './preface.js';

describe('http2 gateway', () => {
  let registry: ProxyRegistry | undefined;
  const servers: TestH2Server[] = [];
  const cleanups: Array<() => void> = [];

  afterEach(async () => {
    for (const c of cleanups.splice(0)) c();
    await registry?.close();
    registry = undefined;
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function setup(
    handler?: Parameters<typeof startH2Server>[0],
  ): Promise<{ up: TestH2Server; proxy: ToxicProxy; events: FaultlineEvent[] }> {
    const up = await startH2Server(handler);
    servers.push(up);
    registry = new ProxyRegistry({ protocols: builtinProtocols, seed: 'h2' });
    const events: FaultlineEvent[] = [];
    registry.on((e) => events.push(e));
    const proxy = await registry.create({ name: 'grpc', listen: '127.0.0.1:0', upstream: up.address, protocol: 'http2' });
    return { up, proxy, events };
  }

  function session(port: number) {
    const s = h2Session(port);
    cleanups.push(() => s.destroy());
    return s;
  }

  it('forwards streams one to one with headers, bodies and trailers both ways, on one upstream session per client connection', async () => {
    const { up, proxy } = await setup();
    const s = session(proxy.port);
    const [a, b, echo] = await Promise.all([
      h2Call(s, { ':path': '/a?x=1', 'x-custom': 'v' }),
      h2Call(s, { ':path': '/b' }),
      h2Call(s, { ':path': '/echo' }, 'ping body', { 'x-client-trailer': 'sent' }),
    ]);
    expect(a.body.toString()).toBe('hello /a?x=1');
    expect(b.body.toString()).toBe('hello /b');
    expect(echo.body.toString()).toBe('ping body');
    expect(echo.headers?.['x-echo']).toBe('yes');
    expect(echo.trailers?.['x-upstream-trailer']).toBe('done');
    expect(echo.trailers?.['x-client-trailer']).toBe('sent');
    expect(up.seen.find((h) => h[':path'] === '/a?x=1')?.['x-custom']).toBe('v');
    expect(up.sessions).toBe(1);
    const other = session(proxy.port);
    expect((await h2Call(other, { ':path': '/c' })).body.toString()).toBe('hello /c');
    expect(up.sessions).toBe(2);
  });

  it('keeps a gRPC-style trailers-only answer trailers-only', async () => {
    const { proxy } = await setup((stream) => {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'nope' },
        { endStream: true },
      );
    });
    const answer = await h2Call(session(proxy.port), { ':path': '/pkg.Svc/Get' });
    expect(answer.headers?.['grpc-status']).toBe('5');
    expect(answer.trailers).toBeUndefined();
    expect(answer.body.length).toBe(0);
  });

  it('runs the HTTP toxics per stream, on the streams their match selects', async () => {
    const { up, proxy, events } = await setup();
    proxy.addToxic({
      name: 'hdr',
      type: 'http_header',
      stream: 'upstream',
      attributes: { set: { 'X-Injected': '1' }, match: { path: '/a' } },
    });
    proxy.addToxic({
      name: 'down',
      type: 'http_abort',
      stream: 'upstream',
      attributes: { status: 503, body: 'down', match: { path: '/b' } },
    });
    proxy.addToxic({
      name: 'grpc',
      type: 'http_abort',
      stream: 'upstream',
      attributes: { grpc_status: 'UNAVAILABLE', grpc_message: 'go away ✋', match: { path: '/helloworld.Greeter/*' } },
    });
    const s = session(proxy.port);
    const [a, b, g, other] = await Promise.all([
      h2Call(s, { ':path': '/a' }),
      h2Call(s, { ':path': '/b' }),
      h2Call(s, { ':path': '/helloworld.Greeter/SayHello' }),
      h2Call(s, { ':path': '/helloworld.Other/SayHello' }),
    ]);
    expect(a.body.toString()).toBe('hello /a');
    expect(up.seen.find((h) => h[':path'] === '/a')?.['x-injected']).toBe('1');
    expect(b.headers?.[':status']).toBe(503);
    expect(b.body.toString()).toBe('down');
    expect(g.headers?.[':status']).toBe(200);
    expect(g.headers?.['content-type']).toBe('application/grpc');
    expect(g.headers?.['grpc-status']).toBe('14');
    expect(g.headers?.['grpc-message']).toBe('go away %E2%9C%8B');
    expect(other.body.toString()).toBe('hello /helloworld.Other/SayHello');
    expect(up.seen.map((h) => h[':path']).sort()).toEqual(['/a', '/helloworld.Other/SayHello']);
    const faults = events.filter((e): e is Extract<FaultlineEvent, { type: 'fault' }> => e.type === 'fault');
    expect(faults.map((f) => f.kind).sort()).toEqual(['abort', 'abort']);
    expect(faults.some((f) => f.detail?.['grpc_status'] === 14)).toBe(true);
  });

  it('holds a delayed stream, others pass meanwhile, and removal releases it', async () => {
    const { proxy } = await setup();
    proxy.addToxic({ name: 'slow', type: 'http_delay', stream: 'upstream', attributes: { delay: 600_000, match: { path: '/slow' } } });
    const s = session(proxy.port);
    let slowDone = false;
    const slow = h2Call(s, { ':path': '/slow' }).then((a) => {
      slowDone = true;
      return a;
    });
    expect((await h2Call(s, { ':path': '/fast' })).body.toString()).toBe('hello /fast');
    expect(slowDone).toBe(false);
    proxy.removeToxic('slow');
    expect((await slow).body.toString()).toBe('hello /slow');
  });

  it('resets one stream with http_abort reset and http2_rst_stream, before or after the response headers', async () => {
    const { up, proxy, events } = await setup();
    proxy.addToxic({ name: 'abort', type: 'http_abort', stream: 'upstream', attributes: { reset: true, match: { path: '/abort' } } });
    proxy.addToxic({
      name: 'cancel',
      type: 'http2_rst_stream',
      stream: 'upstream',
      attributes: { code: 'CANCEL', match: { path: '/up' } },
    });
    proxy.addToxic({
      name: 'late',
      type: 'http2_rst_stream',
      stream: 'downstream',
      attributes: { code: 2, after_headers: true, match: { path: '/late' } },
    });
    const s = session(proxy.port);
    const [abort, up1, late, ok] = await Promise.all([
      h2Call(s, { ':path': '/abort' }),
      h2Call(s, { ':path': '/up' }),
      h2Call(s, { ':path': '/late' }),
      h2Call(s, { ':path': '/ok' }),
    ]);
    expect(abort.rstCode).toBe(constants.NGHTTP2_INTERNAL_ERROR);
    expect(up1.rstCode).toBe(constants.NGHTTP2_CANCEL);
    expect(up1.headers).toBeUndefined();
    expect(late.headers?.[':status']).toBe(200);
    expect(late.body.length).toBe(0);
    expect(late.rstCode).toBe(constants.NGHTTP2_INTERNAL_ERROR);
    expect(ok.body.toString()).toBe('hello /ok');
    expect(up.seen.map((h) => h[':path']).sort()).toEqual(['/late', '/ok']);
    const resets = events.filter((e) => e.type === 'fault' && e.kind === 'reset');
    expect(resets).toHaveLength(3);
  });

  it('sends GOAWAY after N streams: those finish, the connection closes, a new one works', async () => {
    const { up, proxy, events } = await setup();
    proxy.addToxic({ name: 'bye', type: 'http2_goaway', attributes: { after: 2, code: 'NO_ERROR' } });
    const s = session(proxy.port);
    const goaway = new Promise<number>((resolve) => s.once('goaway', (code: number) => resolve(code)));
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    const first = await h2Call(s, { ':path': '/1' });
    const second = await h2Call(s, { ':path': '/2' });
    expect(first.body.toString()).toBe('hello /1');
    expect(second.body.toString()).toBe('hello /2');
    expect(await goaway).toBe(constants.NGHTTP2_NO_ERROR);
    await closed;
    const again = session(proxy.port);
    expect((await h2Call(again, { ':path': '/3' })).body.toString()).toBe('hello /3');
    expect(up.seen).toHaveLength(3);
    expect(events.filter((e) => e.type === 'fault' && e.kind === 'goaway')).toHaveLength(1);
  });

  it('answers 502 when the upstream cannot be reached', async () => {
    registry = new ProxyRegistry({ protocols: builtinProtocols, seed: 'h2' });
    const proxy = await registry.create({ name: 'gone', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', protocol: 'http2' });
    const answer = await h2Call(session(proxy.port), { ':path': '/x' });
    expect(answer.headers?.[':status']).toBe(502);
    expect(answer.body.toString()).toContain('faultline: upstream 127.0.0.1:1');
  });

  it('answers malformed frames with GOAWAY and the error code, and keeps serving others', async () => {
    const { proxy } = await setup();
    const raw = connectTcp(proxy.port, '127.0.0.1');
    cleanups.push(() => raw.destroy());
    const received: Buffer[] = [];
    raw.on('data', (c: Buffer) => received.push(c));
    raw.on('error', () => {});
    // The preface, then a SETTINGS frame whose length is not a multiple of 6: a FRAME_SIZE_ERROR.
    raw.write(Buffer.concat([CLIENT_PREFACE, Buffer.from([0, 0, 5, 4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5])]));
    await waitFor(() => hasFrame(Buffer.concat(received), 0x7), 10_000, 'GOAWAY');
    const frames = Buffer.concat(received);
    // GOAWAY's error code: FRAME_SIZE_ERROR.
    expect(frames.readUInt32BE(frames.length - 4)).toBe(constants.NGHTTP2_FRAME_SIZE_ERROR);
    expect((await h2Call(session(proxy.port), { ':path': '/still' })).body.toString()).toBe('hello /still');
  });

  it('refuses oversized headers on the stream or connection that sent them, and keeps serving', async () => {
    const { up, proxy } = await setup();
    const s = session(proxy.port);
    const answer = await h2Call(s, { ':path': '/big', 'x-big': 'a'.repeat(100_000) });
    expect(answer.headers?.[':status']).not.toBe(200);
    expect(up.seen.some((h) => h[':path'] === '/big')).toBe(false);
    expect((await h2Call(session(proxy.port), { ':path': '/small' })).body.toString()).toBe('hello /small');
  });

  it('holds a bounded amount for a client that never reads: the upstream is slowed, not buffered', async () => {
    let written = 0;
    let blocked: () => void = () => {};
    const stalled = new Promise<void>((resolve) => (blocked = resolve));
    const chunk = Buffer.alloc(64 * 1024, 7);
    const { proxy } = await setup((stream) => {
      stream.respond({ ':status': 200 });
      const pump = (): void => {
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!stream.write(chunk)) {
            const timer = setTimeout(blocked, 300);
            stream.once('drain', () => {
              clearTimeout(timer);
              pump();
            });
            return;
          }
        }
      };
      pump();
    });
    const s = session(proxy.port);
    const req = s.request({ ':path': '/flood' }, { endStream: true });
    req.on('error', () => {});
    req.pause();
    await stalled;
    await waitFor(() => written > 0);
    // Windows and buffers on the way, a few MiB at most: never the 64 MiB the upstream would send.
    expect(written).toBeLessThan(8 * 1024 * 1024);
    req.close(constants.NGHTTP2_CANCEL);
  });
});

/** True when `bytes` (frames after the server's preface) hold a frame of `type`. */
function hasFrame(bytes: Buffer, type: number): boolean {
  let at = 0;
  while (at + 9 <= bytes.length) {
    if (bytes[at + 3] === type) return true;
    at += 9 + bytes.readUIntBE(at, 3);
  }
  return false;
}
