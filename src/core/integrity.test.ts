/**
 * Correctness of bytes under hot swaps: 64 MiB each way through an echo upstream while latency
 * (with jitter), bandwidth (high rate) and slicer toxics are added, updated and removed every few
 * milliseconds on both directions.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy } from '../index.js';
import { Digest, SeededBytes } from '../testing/data.js';
import { connectTo, startEchoServer, type TestServer } from '../testing/net.js';
import type { ToxicProxy } from './proxy.js';
import { createRng } from './rng.js';

const TOTAL = 64 * 1024 * 1024;

const toxicCycle = [
  {
    type: 'latency',
    attributes: [
      { latency: 2, jitter: 2 },
      { latency: 0, jitter: 3 },
    ],
  },
  { type: 'bandwidth', attributes: [{ rate: 400_000 }, { rate: 900_000 }] },
  {
    type: 'slicer',
    attributes: [
      { average_size: 4096, size_variation: 2000, delay: 0 },
      { average_size: 9000, size_variation: 100, delay: 10 },
    ],
  },
] as const;

function writeAll(socket: Socket, source: SeededBytes, total: number, sent: Digest): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    const pump = (): void => {
      while (sent.length < total) {
        const piece = source.next(Math.min(256 * 1024, total - sent.length));
        sent.update(piece);
        if (!socket.write(piece)) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end(resolve);
    };
    pump();
  });
}

describe('byte integrity under live toxic changes', () => {
  let echo: TestServer | undefined;
  let proxy: ToxicProxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    await echo?.close();
  });

  it('delivers 64 MiB each way intact and in order while toxics churn on both directions', async () => {
    echo = await startEchoServer();
    proxy = await startProxy({ upstream: echo.address, seed: 'integrity' });
    const p = proxy;
    const rng = createRng('churn');
    let changes = 0;
    let maxHeld = 0;
    const churn = setInterval(() => {
      maxHeld = Math.max(maxHeld, p.heldBytes);
      for (let i = 0; i < 2; i++) {
        const kind = toxicCycle[Math.floor(rng.next() * toxicCycle.length)]!;
        const stream = rng.next() < 0.5 ? 'upstream' : 'downstream';
        const name = `${kind.type}_${stream}`;
        const attributes = kind.attributes[Math.floor(rng.next() * 2)]!;
        if (!p.getToxic(name)) p.addToxic({ name, type: kind.type, stream, attributes });
        else if (rng.next() < 0.5) p.updateToxic(name, { attributes });
        else p.removeToxic(name);
        changes++;
      }
    }, 3);

    const client = await connectTo(p.port);
    const sent = new Digest();
    const received = new Digest();
    const done = new Promise<void>((resolve, reject) => {
      client.on('data', (chunk: Buffer) => received.update(chunk));
      client.once('end', resolve);
      client.once('error', reject);
    });
    await writeAll(client, new SeededBytes('integrity-data'), TOTAL, sent);
    await done;
    clearInterval(churn);

    expect(received.length).toBe(TOTAL);
    expect(received.hex()).toBe(sent.hex());
    expect(changes).toBeGreaterThan(50);
    // The toxics really sat in the data path: they held bytes at some point.
    expect(maxHeld).toBeGreaterThan(0);
    expect(p.bytes.upstream.dropped + p.bytes.downstream.dropped).toBe(0);
  });
});
