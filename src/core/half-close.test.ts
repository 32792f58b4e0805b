/**
 * Half-close is forwarded: a client that sends its request and shuts down its write side still gets
 * the whole reply, then EOF (Toxiproxy loses the reply here).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy } from '../index.js';
import { connectTo, readAll, startServer, type TestServer } from '../testing/net.js';
import type { ToxicProxy } from './proxy.js';

describe('half-close', () => {
  let upstream: TestServer | undefined;
  let proxy: ToxicProxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  /** An upstream that answers 100 ms after it sees the client's EOF. */
  async function startLateReplier(reply: Buffer): Promise<{ server: TestServer; requests: Buffer[] }> {
    const requests: Buffer[] = [];
    const server = await startServer((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => {
        requests.push(Buffer.concat(chunks));
        setTimeout(() => socket.end(reply), 100);
      });
    });
    return { server, requests };
  }

  it.each([
    ['no toxic', []],
    [
      'latency on both directions',
      [
        { type: 'latency', stream: 'upstream', attributes: { latency: 20 } },
        { type: 'latency', stream: 'downstream', attributes: { latency: 20, jitter: 10 } },
      ],
    ],
    ['slow_close downstream', [{ type: 'slow_close', attributes: { delay: 50 } }]],
  ] as const)('delivers the whole reply after the client half-closes (%s)', async (_label, toxics) => {
    const reply = Buffer.alloc(300_000, 'r');
    const { server, requests } = await startLateReplier(reply);
    upstream = server;
    proxy = await startProxy({ upstream: server.address, toxics: [...toxics] });
    const client = await connectTo(proxy.port);
    const result = readAll(client);
    client.end('GET /thing\n');
    const { data, error } = await result;
    expect(error).toBeUndefined();
    expect(requests).toEqual([Buffer.from('GET /thing\n')]);
    expect(data.equals(reply)).toBe(true);
  });

  it('forwards the upstream half-close while the client keeps sending', async () => {
    const received: Buffer[] = [];
    let upstreamSawEnd!: () => void;
    const ended = new Promise<void>((resolve) => (upstreamSawEnd = resolve));
    upstream = await startServer((socket) => {
      socket.end('bye');
      socket.on('data', (c: Buffer) => received.push(c));
      socket.on('end', upstreamSawEnd);
    });
    proxy = await startProxy({ upstream: upstream.address });
    const client = await connectTo(proxy.port);
    const got = await new Promise<string>((resolve) => {
      let text = '';
      client.on('data', (c: Buffer) => (text += c.toString()));
      client.once('end', () => resolve(text));
    });
    expect(got).toBe('bye');
    client.end('still talking');
    await ended;
    expect(Buffer.concat(received).toString()).toBe('still talking');
  });
});
