/**
 * Resets are real TCP resets: reset_peer gives the client ECONNRESET, an upstream reset reaches the
 * client as a reset, and a reset_peer that rolled inactive (toxicity 0) never resets anything.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy } from '../index.js';
import { connectTo, readAll, startEchoServer, startServer, waitFor, type TestServer } from '../testing/net.js';
import { FakeClock } from './clock.js';
import type { ToxicProxy } from './proxy.js';
import { resetSocket } from './socket-options.js';

describe('resets', () => {
  let upstream: TestServer | undefined;
  let proxy: ToxicProxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  it('reset_peer downstream gives the client ECONNRESET on the first reply', async () => {
    upstream = await startEchoServer();
    proxy = await startProxy({ upstream: upstream.address, toxics: [{ type: 'reset_peer' }] });
    const client = await connectTo(proxy.port);
    const result = readAll(client);
    client.write('hello');
    const { data, error } = await result;
    expect(error?.code).toBe('ECONNRESET');
    expect(data.length).toBe(0);
  });

  it('reset_peer upstream with a timeout resets after the delay, on the proxy clock', async () => {
    const clock = new FakeClock();
    upstream = await startEchoServer();
    proxy = await startProxy({
      upstream: upstream.address,
      clock,
      toxics: [{ type: 'reset_peer', stream: 'upstream', attributes: { timeout: 150 } }],
    });
    const p = proxy;
    const client = await connectTo(p.port);
    let ended = false;
    const result = readAll(client).finally(() => (ended = true));
    client.write('hello');
    await waitFor(() => p.bytes.upstream.received === 5, 10_000, 'the proxy to read the first data');
    clock.advance(149);
    await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBe(false);
    clock.advance(1);
    const { error } = await result;
    expect(error?.code).toBe('ECONNRESET');
  });

  it('passes an upstream reset on to the client as a reset', async () => {
    upstream = await startServer((socket) => {
      socket.once('data', () => {
        socket.write('partial');
        setTimeout(() => socket.resetAndDestroy(), 20);
      });
    });
    proxy = await startProxy({ upstream: upstream.address });
    const client = await connectTo(proxy.port);
    const result = readAll(client);
    client.write('request');
    const { data, error } = await result;
    expect(data.toString()).toBe('partial');
    expect(error?.code).toBe('ECONNRESET');
  });

  it('passes a client reset on to the upstream as a reset', async () => {
    const upstreamErrors: string[] = [];
    let seen!: () => void;
    const closed = new Promise<void>((resolve) => (seen = resolve));
    upstream = await startServer((socket) => {
      socket.on('error', (err: NodeJS.ErrnoException) => upstreamErrors.push(err.code ?? ''));
      socket.on('close', seen);
      socket.resume();
    });
    proxy = await startProxy({ upstream: upstream.address });
    const client = await connectTo(proxy.port);
    client.write('hi');
    await new Promise((r) => setTimeout(r, 50));
    client.resetAndDestroy();
    await closed;
    expect(upstreamErrors).toContain('ECONNRESET');
  });

  it('resets a socket that is still connecting once it connects', async () => {
    const errors: string[] = [];
    let seen!: () => void;
    const closed = new Promise<void>((resolve) => (seen = resolve));
    upstream = await startServer((socket) => {
      socket.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? ''));
      socket.on('close', seen);
    });
    const dialing = connect({ host: '127.0.0.1', port: upstream.port });
    dialing.on('error', () => {});
    expect(dialing.connecting).toBe(true);
    resetSocket(dialing);
    await closed;
    expect(errors).toContain('ECONNRESET');
  });

  it('never resets where toxicity is 0', async () => {
    upstream = await startEchoServer();
    proxy = await startProxy({
      upstream: upstream.address,
      toxics: [
        { type: 'reset_peer', toxicity: 0 },
        { type: 'reset_peer', stream: 'upstream', toxicity: 0 },
      ],
    });
    for (let i = 0; i < 20; i++) {
      const client = await connectTo(proxy.port);
      const result = readAll(client);
      client.end(`message ${i}`);
      const { data, error } = await result;
      expect(error).toBeUndefined();
      expect(data.toString()).toBe(`message ${i}`);
    }
  });
});
