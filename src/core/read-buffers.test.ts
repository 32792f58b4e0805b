/**
 * Read buffers while a stage holds small chunks: a latency toxic on a stream of small messages holds
 * nearly every read, so each read goes on as a copy of its own and the socket's read buffer is read
 * into again; the bytes stay exact, in order, also while the toxic changes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startProxy } from '../index.js';
import { connectTo, readBytes, startEchoServer, type TestServer } from '../testing/net.js';
import type { ToxicProxy } from './proxy.js';

const MESSAGES = 150;
const MESSAGE_BYTES = 100;

function message(i: number): Buffer {
  const buf = Buffer.alloc(MESSAGE_BYTES, i % 251);
  buf.writeUInt32BE(i, 0);
  return buf;
}

describe('read buffers under a holding stage', () => {
  let upstream: TestServer | undefined;
  let proxy: ToxicProxy | undefined;

  afterEach(async () => {
    vi.restoreAllMocks();
    await proxy?.stop();
    await upstream?.close();
  });

  it('a stream of small messages through latency: every byte in order, without a fresh read buffer per read', async () => {
    upstream = await startEchoServer();
    proxy = await startProxy({
      upstream: upstream.address,
      toxics: [{ name: 'lag', type: 'latency', stream: 'upstream', attributes: { latency: 5 } }],
    });
    const client = await connectTo(proxy.port);
    const expected = Buffer.concat(Array.from({ length: MESSAGES }, (_, i) => message(i)));
    const echoed = readBytes(client, expected.length);
    // Read buffers are at least 2 KiB; the copies of held reads are as long as the reads.
    const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
    try {
      for (let i = 0; i < MESSAGES; i++) {
        client.write(message(i));
        // Hot changes while chunks are held: the latency moves, then the toxic goes and comes back.
        if (i === 50) proxy.updateToxic('lag', { attributes: { latency: 3 } });
        if (i === 80) proxy.removeToxic('lag');
        if (i === 90) proxy.addToxic({ name: 'lag', type: 'latency', stream: 'upstream', attributes: { latency: 4 } });
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect((await echoed).equals(expected)).toBe(true);
    } finally {
      client.destroy();
    }
    const readBuffers = allocUnsafe.mock.calls.filter(([size]) => size >= 2048).length;
    expect(readBuffers).toBeLessThan(MESSAGES / 5);
  });
});
