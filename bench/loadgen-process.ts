/**
 * The load generator, in its own process: runs one {@link LoadTask} at a time against a port
 * (the upstream server directly, or a proxy in front of it) and reports the result over IPC.
 * @module
 */
import { once } from 'node:events';
import { connect, createServer, type NetConnectOpts, type Socket } from 'node:net';
import { createHistogram } from 'node:perf_hooks';
import {
  BENCH_HIGH_WATER_MARK,
  BULK_BLOCK_BYTES,
  DELAY_FRAME_BYTES,
  MODE_ECHO,
  MODE_SINK,
  MODE_SOURCE,
  send,
  serveIpc,
  type BulkResult,
  type BulkTask,
  type DelayResult,
  type DelayTask,
  type FirstConnectionResult,
  type FirstConnectionTask,
  type HttpTask,
  type IdleResult,
  type IdleTask,
  type LoadTask,
  type RoundTripResult,
  type RoundTripTask,
  type SlowReaderResult,
  type SlowReaderTask,
} from './protocol.js';

/** Connections held open by the last idle or slow-reader task, until `release`. */
let held: Socket[] = [];
/** The slow reader's pending wake-up, cleared on `release`. */
let slowTimer: NodeJS.Timeout | undefined;

/**
 * Connects with the same socket options as the proxies use, and sends the mode byte. With `onread`,
 * reads land in one reused buffer instead of a new Buffer per 'data' event.
 */
async function open(port: number, mode: number | null, onread?: NetConnectOpts['onread']): Promise<Socket> {
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
  if (mode !== null) socket.write(Buffer.of(mode));
  return socket;
}

/** One bulk stream in the task's direction. */
function bulk(task: BulkTask): Promise<BulkResult> {
  return task.direction === 'down' ? download(task) : upload(task);
}

/**
 * One stream from the upstream server, received into a reused buffer so the load generator costs as
 * little CPU as it can; only bytes that arrive inside the measured window count.
 */
async function download(task: BulkTask): Promise<BulkResult> {
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

/** The block the upload writes again and again (its content does not matter, its count does). */
const uploadBlock = Buffer.alloc(BULK_BLOCK_BYTES, 0x2a);

/** Blocks written in a row before other events get a turn (a loopback write often completes at once). */
const BLOCKS_PER_TURN = 8;

/**
 * One stream to the upstream server's sink, written as fast as the connection takes it; the bytes
 * handed over inside the measured window count.
 */
async function upload(task: BulkTask): Promise<BulkResult> {
  const socket = await open(task.port, MODE_SINK);
  let sent = 0;
  let stopped = false;
  const pump = (): void => {
    for (let i = 0; i < BLOCKS_PER_TURN; i++) {
      if (stopped || socket.destroyed) return;
      sent += uploadBlock.length;
      if (!socket.write(uploadBlock)) {
        socket.once('drain', pump);
        return;
      }
    }
    setImmediate(pump);
  };
  const ended = once(socket, 'end');
  ended.catch(() => undefined);
  pump();
  await sleep(task.warmupMs);
  const startBytes = sent;
  const start = process.hrtime.bigint();
  await sleep(task.durationMs);
  const bytes = sent - startBytes;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  stopped = true;
  socket.end();
  await Promise.race([ended, sleep(5_000)]);
  socket.destroy();
  return { kind: 'bulk', bytes, seconds, totalBytes: sent };
}

/** Connect, one small round trip through the echo server, close: timed from the connect call. */
async function firstConnection(task: FirstConnectionTask): Promise<FirstConnectionResult> {
  const message = Buffer.alloc(task.messageBytes, 0x2a);
  const started = process.hrtime.bigint();
  const socket = await open(task.port, null);
  socket.write(Buffer.concat([Buffer.of(MODE_ECHO), message]));
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.on('data', (buf: Buffer) => {
        received += buf.length;
        if (received >= message.length) resolve();
      });
      socket.once('error', reject);
      socket.once('end', () => reject(new Error('the connection ended before the echo')));
      timer = setTimeout(() => reject(new Error('no echo within 10 s')), 10_000);
    });
  } finally {
    clearTimeout(timer);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  socket.destroy();
  return { kind: 'first', ms };
}

/**
 * Closed-loop round trips: every client sends a request, waits for the whole response, sends the
 * next. Only round trips that complete inside the measured window (after warm-up) count.
 * `responseDone` makes one parser per client: fed each chunk, it says when a whole response is in.
 */
async function closedLoop(
  sockets: Socket[],
  request: Buffer,
  responseDone: () => (buf: Buffer) => boolean,
  warmupMs: number,
  durationMs: number,
): Promise<RoundTripResult> {
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
    const done = responseDone();
    let sentAt = 0n;
    const fire = (): void => {
      sentAt = process.hrtime.bigint();
      socket.write(request);
    };
    socket.on('data', (buf: Buffer) => {
      if (!done(buf)) return;
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

  await sleep(warmupMs);
  measuring = true;
  windowStart = process.hrtime.bigint();
  await sleep(durationMs);
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

/** Round trips of `messageBytes` through the upstream server's echo. */
async function roundTrips(task: RoundTripTask): Promise<RoundTripResult> {
  const sockets = await Promise.all(Array.from({ length: task.clients }, () => open(task.port, MODE_ECHO)));
  const request = Buffer.alloc(task.messageBytes, 0x2a);
  const echoed = (): ((buf: Buffer) => boolean) => {
    let received = 0;
    return (buf) => {
      received += buf.length;
      if (received < request.length) return false;
      received = 0;
      return true;
    };
  };
  return closedLoop(sockets, request, echoed, task.warmupMs, task.durationMs);
}

const HTTP_REQUEST = Buffer.from('GET /bench HTTP/1.1\r\nHost: bench\r\n\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * HTTP/1.1 keep-alive GETs against the upstream server's HTTP listener. Responses are framed by
 * Content-Length (the bench's HTTP server always sends one); only the head is searched.
 */
async function httpRoundTrips(task: HttpTask): Promise<RoundTripResult> {
  const sockets = await Promise.all(Array.from({ length: task.clients }, () => open(task.port, null)));
  const response = (): ((buf: Buffer) => boolean) => {
    let head: Buffer | null = Buffer.alloc(0);
    let bodyLeft = 0;
    return (buf) => {
      if (head !== null) {
        head = head.length === 0 ? buf : Buffer.concat([head, buf]);
        const end = head.indexOf(HEAD_END);
        if (end < 0) return false;
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head.subarray(0, end).toString('latin1'));
        if (!length?.[1]) throw new Error('bench HTTP response without Content-Length');
        bodyLeft = Number(length[1]) - (head.length - end - HEAD_END.length);
        head = null;
      } else bodyLeft -= buf.length;
      if (bodyLeft > 0) return false;
      head = Buffer.alloc(0);
      return true;
    };
  };
  return closedLoop(sockets, HTTP_REQUEST, response, task.warmupMs, task.durationMs);
}

/**
 * The far end of the delay workload: a listener in this process, so a frame's send and arrival
 * times come from one clock. Frames that arrive while `delayWindow` is open are timed.
 */
let delayWindow: { expectedNs: bigint; lateness: number[] } | null = null;
let delayFramesTotal = 0;

function sinkConnection(socket: Socket): void {
  socket.on('error', () => socket.destroy());
  socket.on('end', () => socket.end());
  const stamp = Buffer.alloc(8);
  // Position inside the current frame (frames may be split or joined by TCP and by the proxy).
  let pos = 0;
  socket.on('data', (buf: Buffer) => {
    const arrived = process.hrtime.bigint();
    let i = 0;
    while (i < buf.length) {
      const want = pos < 8 ? 8 - pos : DELAY_FRAME_BYTES - pos;
      const n = Math.min(want, buf.length - i);
      if (pos < 8) {
        buf.copy(stamp, pos, i, i + n);
        if (pos + n === 8) {
          delayFramesTotal++;
          const window = delayWindow;
          if (window) window.lateness.push(Number(arrived - stamp.readBigUInt64LE(0) - window.expectedNs) / 1e6);
        }
      }
      pos += n;
      i += n;
      if (pos === DELAY_FRAME_BYTES) pos = 0;
    }
  });
}

const sink = createServer({ allowHalfOpen: true, noDelay: true, highWaterMark: BENCH_HIGH_WATER_MARK }, sinkConnection);

/** Timed frames from `streams` connections, staggered over the interval, to the sink (see {@link DelayTask}). */
async function delay(task: DelayTask): Promise<DelayResult> {
  const sockets = await Promise.all(Array.from({ length: task.streams }, () => open(task.port, null)));
  const timers: NodeJS.Timeout[] = [];
  const totalBefore = delayFramesTotal;
  const sendFrame = (socket: Socket): void => {
    // A fresh frame each time: a write that does not complete at once still holds it.
    const frame = Buffer.allocUnsafe(DELAY_FRAME_BYTES).fill(0x2a, 8);
    frame.writeBigUInt64LE(process.hrtime.bigint(), 0);
    socket.write(frame);
  };
  sockets.forEach((socket, i) => {
    socket.on('error', () => {});
    const start = setTimeout(
      () => {
        sendFrame(socket);
        timers.push(setInterval(() => sendFrame(socket), task.intervalMs));
      },
      (i * task.intervalMs) / task.streams,
    );
    timers.push(start);
  });
  await sleep(task.warmupMs);
  const window = { expectedNs: BigInt(Math.round(task.expectedMs * 1e6)), lateness: [] as number[] };
  const fromMs = Number(process.hrtime.bigint()) / 1e6;
  delayWindow = window;
  await sleep(task.durationMs);
  delayWindow = null;
  const toMs = Number(process.hrtime.bigint()) / 1e6;
  for (const timer of timers) clearTimeout(timer);
  for (const socket of sockets) socket.destroy();
  const sorted = window.lateness.sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    kind: 'delay',
    fromMs,
    toMs,
    frames: sorted.length,
    total: delayFramesTotal - totalBefore,
    p50ms: at(0.5),
    p99ms: at(0.99),
    maxMs: sorted[sorted.length - 1] ?? 0,
    minMs: sorted[0] ?? 0,
  };
}

/**
 * `fast` source streams read as fast as they come (into one shared buffer: the callbacks only
 * count), measured alone; then one slow reader joins and they are measured again. Each phase starts
 * once every stream has delivered its first bytes: a busy server accepts new connections slowly.
 */
async function slowReader(task: SlowReaderTask): Promise<SlowReaderResult> {
  release();
  let fastBytes = 0;
  const scratch = Buffer.allocUnsafe(BULK_BLOCK_BYTES);
  const flowing = (count: number): { started: Promise<void>; onread: () => NonNullable<NetConnectOpts['onread']> } => {
    let waiting = count;
    let allStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      allStarted = resolve;
    });
    const onread = (): NonNullable<NetConnectOpts['onread']> => {
      let first = true;
      return {
        buffer: scratch,
        callback: (bytes: number) => {
          fastBytes += bytes;
          if (first) {
            first = false;
            if (--waiting === 0) allStarted();
          }
          return true;
        },
      };
    };
    return { started, onread };
  };
  const window = async (lagMs = 0): Promise<number> => {
    await sleep(lagMs + task.warmupMs);
    const before = fastBytes;
    const start = process.hrtime.bigint();
    await sleep(task.durationMs);
    return (fastBytes - before) / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  const startLimit = 30_000;
  const fast = flowing(task.fast);
  for (let i = 0; i < task.fast; i++) {
    const socket = await open(task.port, MODE_SOURCE, fast.onread());
    socket.on('error', () => {});
    held.push(socket);
  }
  await Promise.race([fast.started, sleep(startLimit).then(() => Promise.reject(new Error('the fast streams did not all start')))]);
  const aloneBps = await window();

  const slow = await open(task.port, MODE_SOURCE);
  slow.on('error', () => {});
  held.push(slow);
  let slowBytes = 0;
  const slowStarted = new Promise<void>((resolve) => {
    slow.on('data', (buf: Buffer) => {
      slowBytes += buf.length;
      resolve();
      slow.pause();
      slowTimer = setTimeout(() => slow.resume(), task.slowPauseMs);
    });
  });
  await Promise.race([slowStarted, sleep(startLimit).then(() => Promise.reject(new Error('the slow stream did not start')))]);
  const slowBefore = slowBytes;
  const slowStart = process.hrtime.bigint();
  const withSlowBps = await window(task.lagMs);
  const slowBps = (slowBytes - slowBefore) / (Number(process.hrtime.bigint() - slowStart) / 1e9);
  return { kind: 'slow', aloneBps, withSlowBps, slowBps };
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
  clearTimeout(slowTimer);
  slowTimer = undefined;
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
    case 'delay':
      send({ type: 'result', result: await delay(task) });
      return;
    case 'slow':
      send({ type: 'result', result: await slowReader(task) });
      return;
    case 'http':
      send({ type: 'result', result: await httpRoundTrips(task) });
      return;
    case 'first':
      send({ type: 'result', result: await firstConnection(task) });
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
      sink.close();
      process.exit(0);
      return;
    case 'memory':
    case 'cpu':
    case 'holds':
      return;
  }
});

// The port reported is the delay workload's sink.
sink.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const address = sink.address();
  send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
});
