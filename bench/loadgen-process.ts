/**
 * The load generator, in its own process: runs one {@link LoadTask} at a time against a port
 * (the upstream server directly, or a proxy in front of it) and reports the result over IPC.
 * @module
 */
import { once } from 'node:events';
import { connect, type NetConnectOpts, type Socket } from 'node:net';
import { createHistogram } from 'node:perf_hooks';
import {
  BENCH_HIGH_WATER_MARK,
  BULK_BLOCK_BYTES,
  MODE_ECHO,
  MODE_SOURCE,
  send,
  serveIpc,
  type BulkResult,
  type BulkTask,
  type IdleResult,
  type IdleTask,
  type LoadTask,
  type RoundTripResult,
  type RoundTripTask,
} from './protocol.js';

/** Connections held open by the last idle task, until `release`. */
let held: Socket[] = [];

/**
 * Connects with the same socket options as the proxies use, and sends the mode byte. With `onread`,
 * reads land in one reused buffer instead of a new Buffer per 'data' event.
 */
async function open(port: number, mode: number, onread?: NetConnectOpts['onread']): Promise<Socket> {
  // `highWaterMark` is a Duplex option that net.Socket passes on; Node 20's types omit it here.
  const options: NetConnectOpts & { highWaterMark: number } = {
    host: '127.0.0.1',
    port,
    allowHalfOpen: true,
    noDelay: true,
    highWaterMark: BENCH_HIGH_WATER_MARK,
    ...(onread ? { onread } : {}),
  };
  const socket = connect(options);
  await once(socket, 'connect');
  socket.write(Buffer.of(mode));
  return socket;
}

/**
 * One stream from the upstream server, received into a reused buffer so the load generator costs as
 * little CPU as it can; only bytes that arrive inside the measured window count.
 */
async function bulk(task: BulkTask): Promise<BulkResult> {
  let received = 0;
  const socket = await open(task.port, MODE_SOURCE, {
    buffer: Buffer.allocUnsafe(BULK_BLOCK_BYTES),
    callback: (bytes: number) => {
      received += bytes;
      return true;
    },
  });
  const ended = once(socket, 'end');
  // A reset mid-stream rejects this wait before it is awaited; the rejection still reaches the await.
  ended.catch(() => undefined);
  await sleep(task.warmupMs);
  const startBytes = received;
  const start = process.hrtime.bigint();
  await sleep(task.durationMs);
  const bytes = received - startBytes;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // Half-close: the server stops and ends; whatever is still in flight is read and discarded.
  socket.end();
  await Promise.race([ended, sleep(5_000)]);
  socket.destroy();
  return { kind: 'bulk', bytes, seconds, totalBytes: received };
}

/**
 * Closed-loop round trips: every client sends a request, waits for the whole echo, sends the next.
 * Only round trips that complete inside the measured window (after warm-up) count.
 */
async function roundTrips(task: RoundTripTask): Promise<RoundTripResult> {
  const sockets = await Promise.all(Array.from({ length: task.clients }, () => open(task.port, MODE_ECHO)));
  const request = Buffer.alloc(task.messageBytes, 0x2a);
  const histogram = createHistogram();
  let measuring = false;
  let stopping = false;
  let completed = 0;
  let total = 0;
  let idle = 0;
  let windowStart = 0n;
  let windowEnd = 0n;
  let allIdle: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    allIdle = resolve;
  });

  for (const socket of sockets) {
    let awaiting = 0;
    let sentAt = 0n;
    const fire = (): void => {
      awaiting = request.length;
      sentAt = process.hrtime.bigint();
      socket.write(request);
    };
    socket.on('data', (buf: Buffer) => {
      awaiting -= buf.length;
      if (awaiting > 0) return;
      total++;
      if (measuring) {
        histogram.record(process.hrtime.bigint() - sentAt);
        completed++;
      }
      if (stopping) {
        if (++idle === sockets.length) allIdle();
      } else fire();
    });
    socket.on('error', () => {
      if (++idle === sockets.length) allIdle();
    });
    fire();
  }

  await sleep(task.warmupMs);
  measuring = true;
  windowStart = process.hrtime.bigint();
  await sleep(task.durationMs);
  measuring = false;
  stopping = true;
  windowEnd = process.hrtime.bigint();
  // In-flight requests finish (or the proxy has stalled: give up after a bounded wait).
  await Promise.race([finished, sleep(5_000)]);
  for (const socket of sockets) socket.destroy();
  const us = (ns: number): number => ns / 1e3;
  return {
    kind: 'rr',
    completed,
    seconds: Number(windowEnd - windowStart) / 1e9,
    total,
    p50us: completed > 0 ? us(histogram.percentile(50)) : 0,
    p99us: completed > 0 ? us(histogram.percentile(99)) : 0,
    maxUs: completed > 0 ? us(histogram.max) : 0,
  };
}

/**
 * Opens the connections a few at a time (the listen backlog is finite), does one one-byte round trip
 * on each so it is known to reach the upstream, and keeps them open.
 */
async function idle(task: IdleTask): Promise<IdleResult> {
  release();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < task.connections) {
      next++;
      const socket = await open(task.port, MODE_ECHO);
      // An idle connection that the proxy later drops is simply no longer counted by the proxy.
      socket.on('error', () => {});
      held.push(socket);
      socket.write(Buffer.of(0x2a));
      await once(socket, 'data');
    }
  };
  await Promise.all(Array.from({ length: Math.min(task.concurrency, task.connections) }, worker));
  return { kind: 'idle', connections: held.length };
}

function release(): void {
  for (const socket of held) socket.destroy();
  held = [];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function run(task: LoadTask): Promise<void> {
  switch (task.kind) {
    case 'bulk':
      send({ type: 'result', result: await bulk(task) });
      return;
    case 'rr':
      send({ type: 'result', result: await roundTrips(task) });
      return;
    case 'idle':
      send({ type: 'result', result: await idle(task) });
      return;
  }
}

serveIpc(async (message) => {
  switch (message.type) {
    case 'task':
      await run(message.task);
      return;
    case 'release':
      release();
      send({ type: 'released' });
      return;
    case 'stop':
      release();
      process.exit(0);
      return;
    case 'memory':
    case 'cpu':
      return;
  }
});

send({ type: 'ready', port: 0 });
