import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FakeClock, startProxy } from '../index.js';
import { ChainHarness } from '../testing/chain-harness.js';
import { connectTo, readAll, readBytes, startServer, waitFor } from '../testing/net.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('partition (stage, fake clock)', () => {
  it('holds the source and everything that reaches it, FIN included; removal heals in order', () => {
    const h = new ChainHarness();
    h.add({ name: 'cut', type: 'partition' });
    expect(h.holding).toBe(true);
    const input = randomBytes(30_000);
    for (let i = 0; i < input.length; i += 3000) h.send(input.subarray(i, i + 3000));
    h.end();
    h.clock.advance(3_600_000);
    expect(h.deliveredLength).toBe(0);
    expect(h.chain.heldBytes).toBe(input.length);
    expect(h.ended).toBe(false);
    expect(h.closedWith).toBeNull();
    h.remove('cut');
    expect(h.holding).toBe(false);
    expect(h.delivered.equals(input)).toBe(true);
    expect(h.ended).toBe(true);
  });

  it('max_stall resets both sides, counted from when the cut began', () => {
    const h = new ChainHarness();
    h.add({ name: 'cut', type: 'partition', attributes: { max_stall: 500 } });
    h.send(Buffer.from('held'));
    h.clock.advance(300);
    h.update('cut', { attributes: { max_stall: 400 } });
    h.clock.advance(99);
    expect(h.closedWith).toBeNull();
    h.clock.advance(1);
    expect(h.closedWith).toBe('rst');
    expect(h.deliveredLength).toBe(0);
  });

  it('setting max_stall back to 0 keeps the cut until removal', () => {
    const h = new ChainHarness();
    h.add({ name: 'cut', type: 'partition', attributes: { max_stall: 100 } });
    h.update('cut', { attributes: { max_stall: 0 } });
    h.clock.advance(10_000);
    expect(h.closedWith).toBeNull();
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('reports the cut beginning and healing as faults, for the event stream', () => {
    const h = new ChainHarness();
    h.add({ name: 'cut', type: 'partition' });
    expect(h.faults).toEqual(['partition_begin']);
    h.clock.advance(250);
    h.remove('cut');
    expect(h.faults).toEqual(['partition_begin', 'partition_heal']);
    const inactive = new ChainHarness();
    inactive.add({ name: 'cut', type: 'partition', toxicity: 0 });
    inactive.remove('cut');
    expect(inactive.faults).toEqual([]);
  });
});

/** An upstream that records what it receives and hands its sockets to the test. */
async function recordingUpstream() {
  const received: Buffer[] = [];
  const sockets: Socket[] = [];
  const errors: string[] = [];
  const server = await startServer((socket) => {
    sockets.push(socket);
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? err.message));
  });
  const length = (): number => received.reduce((n, b) => n + b.length, 0);
  return { server, received, sockets, errors, length };
}

describe('partition (real proxy, upstream only)', () => {
  it('stalls the client’s writes, lets responses through, and delivers everything intact on removal', async () => {
    const upstream = await recordingUpstream();
    const proxy = await startProxy({ upstream: upstream.server.address });
    const client = await connectTo(proxy.port);
    try {
      client.write('hello');
      await waitFor(() => upstream.length() === 5, 10_000, 'the greeting');
      proxy.addToxic({ name: 'cut', type: 'partition', stream: 'upstream' });

      // The client writes 16 MiB into the cut: its socket buffers fill and the writes stall.
      const payload = randomBytes(16 * 1024 * 1024);
      client.write(payload);
      // Downstream is untouched: a response written during the cut arrives in full.
      const response = randomBytes(1024 * 1024);
      const upstreamSocket = upstream.sockets[0] as Socket;
      upstreamSocket.write(response);
      expect(sha256(await readBytes(client, response.length))).toBe(sha256(response));

      await sleep(300);
      expect(upstream.length()).toBe(5);
      expect(client.writableLength).toBeGreaterThan(0);
      const held = proxy.bytes.upstream.received;
      await sleep(100);
      expect(proxy.bytes.upstream.received).toBe(held);
      expect(held).toBeLessThan(payload.length);

      proxy.removeToxic('cut');
      await waitFor(() => upstream.length() === 5 + payload.length, 30_000, 'the data written during the cut');
      expect(sha256(Buffer.concat(upstream.received).subarray(5))).toBe(sha256(payload));
    } finally {
      client.destroy();
      await proxy.stop();
      await upstream.server.close();
    }
  });

  it('with max_stall both sides get a reset (ECONNRESET), max_stall ms after the cut on the proxy clock', async () => {
    const clock = new FakeClock();
    const upstream = await recordingUpstream();
    const proxy = await startProxy({ upstream: upstream.server.address, clock });
    const client = await connectTo(proxy.port);
    try {
      let ended = false;
      const reading = readAll(client).finally(() => (ended = true));
      client.write('hello');
      await waitFor(() => upstream.length() === 5, 10_000, 'the greeting');
      proxy.addToxic({ name: 'cut', type: 'partition', stream: 'upstream', attributes: { max_stall: 200 } });
      client.write(randomBytes(10_000));
      clock.advance(199);
      await sleep(50);
      expect(ended).toBe(false);
      expect(proxy.connections).toHaveLength(1);
      clock.advance(1);
      const { error } = await reading;
      expect(error?.code).toBe('ECONNRESET');
      await waitFor(() => upstream.errors.length > 0, 10_000, 'the upstream reset');
      expect(upstream.errors).toEqual(['ECONNRESET']);
      expect(upstream.length()).toBe(5);
    } finally {
      client.destroy();
      await proxy.stop();
      await upstream.server.close();
    }
  });
});
