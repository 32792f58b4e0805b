/**
 * Messages exchanged over IPC between the bench driver and its child processes (proxy under test,
 * upstream server, load generator), and the byte-level protocol the load generator speaks to the
 * upstream server.
 * @module
 */
import type { ToxicInput } from '../src/index.js';
import type { HoldSample } from './frame-probe.js';

/** Socket buffer size for every socket the bench opens: the same as Faultline's default. */
export const BENCH_HIGH_WATER_MARK = 64 * 1024;

/** First byte of a connection to the upstream server, 'E': echo every byte back (round trips, idle). */
export const MODE_ECHO = 0x45;
/** First byte of a connection to the upstream server, 'S': stream bytes until the client half-closes (bulk). */
export const MODE_SOURCE = 0x53;
/** First byte of a connection to the upstream server, 'K': read and discard until the client half-closes (upload). */
export const MODE_SINK = 0x4b;

/** Bytes per write of the bulk source, and per read of the bulk receiver (as iperf3's default). */
export const BULK_BLOCK_BYTES = 128 * 1024;

/** Bytes per frame of the delay workload: an 8-byte send time (process.hrtime, ns) then filler. */
export const DELAY_FRAME_BYTES = 512;

/**
 * The proxy a proxy child runs: a bare `pipe()` proxy (in `workers` cluster workers when set), a
 * bare node:http reverse proxy, or Faultline's engine in-process with the given toxics (and
 * protocol, `tcp` by default). `probe` installs the frame probe (frame-probe.ts) for the delay workload.
 */
export type ChildProxySpec = (
  | { kind: 'pipe'; workers?: number; delayMs?: number }
  | { kind: 'node-http' }
  | { kind: 'faultline'; toxics: ToxicInput[]; protocol?: 'tcp' | 'http' }
) & {
  probe?: boolean;
};

/**
 * A proxy server program as its users run it (`faultline serve` or `toxiproxy-server`), set up
 * through its admin API with one proxy and these toxics.
 */
export interface ServerProxySpec {
  kind: 'server';
  program: 'faultline' | 'toxiproxy';
  toxics: ToxicInput[];
  protocol?: 'http';
  /**
   * Two proxies in a row instead of one: `tcp` plain, `tls` with the first originating TLS and the
   * second terminating it, so the bytes between them are encrypted (the bench's clients and
   * servers speak plain TCP).
   */
  chain?: 'tcp' | 'tls';
}

/** Whatever sits between the load generator and the upstream. */
export type ProxySpec = ChildProxySpec | ServerProxySpec;

/** Memory of a child process, after forcing garbage collection when `--expose-gc` is on. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Client connections the proxy holds right now (0 for processes that are not proxies). */
  connections: number;
}

/**
 * Bulk throughput of one stream. `down` (upstream server → client, as iperf3 -R): the client counts
 * what arrives during `durationMs` after `warmupMs`, then half-closes, and the server stops. `up`
 * (client → server, iperf3's default): the client writes as fast as the connection takes it and
 * counts what it handed over in the window (the proxy and socket buffers hold at most a few MB of
 * that), then half-closes.
 */
export interface BulkTask {
  kind: 'bulk';
  direction: 'down' | 'up';
  port: number;
  warmupMs: number;
  durationMs: number;
}

/**
 * A first connection: connect, send `messageBytes` to the echo server, wait for the echo; the time
 * from the connect call to the last byte back.
 */
export interface FirstConnectionTask {
  kind: 'first';
  port: number;
  messageBytes: number;
}

/** Closed-loop request/response: each client has one request in flight at a time. */
export interface RoundTripTask {
  kind: 'rr';
  port: number;
  clients: number;
  /** Request (and echoed response) size in bytes. */
  messageBytes: number;
  /** Round trips completed during warm-up are neither counted nor timed. */
  warmupMs: number;
  durationMs: number;
}

/** Opens `connections` connections, does one small round trip on each, then holds them open. */
export interface IdleTask {
  kind: 'idle';
  port: number;
  connections: number;
  /** Connections being opened at the same time (the listen backlog is finite). */
  concurrency: number;
}

/**
 * Timed frames: `streams` connections each send a {@link DELAY_FRAME_BYTES} frame every `intervalMs`
 * (staggered), stamped with its send time; the far end is the load generator's own sink listener, so
 * one process reads one monotonic clock at both ends. Each frame's lateness is its arrival minus its
 * send time minus `expectedMs` (the latency the proxy is meant to add).
 */
export interface DelayTask {
  kind: 'delay';
  port: number;
  streams: number;
  intervalMs: number;
  expectedMs: number;
  warmupMs: number;
  durationMs: number;
}

/**
 * Many bulk streams and one slow reader: `fast` source streams are measured alone, then again after
 * one more source stream is added whose reader takes one read every `slowPauseMs`. The connections
 * stay open (and the slow one keeps lagging) until `release`, so the proxy's memory can be read then.
 */
export interface SlowReaderTask {
  kind: 'slow';
  port: number;
  fast: number;
  /** The slow reader takes one read, then waits this long before the next. */
  slowPauseMs: number;
  /** How long the slow reader has been lagging when the second window's warm-up starts. */
  lagMs: number;
  warmupMs: number;
  durationMs: number;
}

/** Closed-loop HTTP/1.1 keep-alive GETs, one in flight per client. */
export interface HttpTask {
  kind: 'http';
  port: number;
  clients: number;
  warmupMs: number;
  durationMs: number;
}

/** A task for the load generator. */
export type LoadTask = BulkTask | RoundTripTask | IdleTask | DelayTask | SlowReaderTask | HttpTask | FirstConnectionTask;

/** Result of a {@link BulkTask}. */
export interface BulkResult {
  kind: 'bulk';
  /** Bytes received inside the measured window. */
  bytes: number;
  /** Length of the measured window, in seconds. */
  seconds: number;
  /** Every byte received, warm-up and tail included (what the proxy's CPU time is divided by). */
  totalBytes: number;
}

/** Result of a {@link RoundTripTask}; latencies in microseconds. */
export interface RoundTripResult {
  kind: 'rr';
  /** Round trips completed inside the measured window. */
  completed: number;
  seconds: number;
  /** Every round trip, warm-up and tail included (what the proxy's CPU time is divided by). */
  total: number;
  p50us: number;
  p99us: number;
  maxUs: number;
}

/** Result of an {@link IdleTask}: the connections are now held open until `release`. */
export interface IdleResult {
  kind: 'idle';
  connections: number;
}

/** Result of a {@link DelayTask}: lateness of the frames that arrived in the window, in milliseconds. */
export interface DelayResult {
  kind: 'delay';
  /** The measured window, as send times on the shared monotonic clock (process.hrtime, in ms). */
  fromMs: number;
  toMs: number;
  frames: number;
  /** Every frame received, warm-up included (what the proxy's CPU time is divided by). */
  total: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
  minMs: number;
}

/** Result of a {@link SlowReaderTask}: the fast streams' throughput alone and beside the slow reader. */
export interface SlowReaderResult {
  kind: 'slow';
  /** Bytes per second of all fast streams together, without and with the slow reader. */
  aloneBps: number;
  withSlowBps: number;
  /** Bytes per second the slow reader took. */
  slowBps: number;
}

/** Result of a {@link FirstConnectionTask}. */
export interface FirstConnectionResult {
  kind: 'first';
  /** From the connect call to the last byte of the echo, in ms. */
  ms: number;
}

/** What the load generator reports for a task. */
export type LoadResult = BulkResult | RoundTripResult | IdleResult | DelayResult | SlowReaderResult | FirstConnectionResult;

/** Driver → child. */
export type DriverMessage =
  | { type: 'task'; task: LoadTask }
  | { type: 'release' }
  | { type: 'memory' }
  | { type: 'cpu' }
  | { type: 'holds'; fromMs: number; toMs: number }
  | { type: 'stop' };

/** Child → driver. */
export type ChildMessage =
  | { type: 'ready'; port: number; httpPort?: number }
  | { type: 'result'; result: LoadResult }
  | { type: 'released' }
  | { type: 'memory'; sample: MemorySample }
  | { type: 'cpu'; micros: number }
  | { type: 'holds'; sample: HoldSample | null }
  | { type: 'error'; message: string };

/** Narrows an unknown IPC payload to a {@link ChildMessage} by its `type` field. */
export function isChildMessage(value: unknown): value is ChildMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Narrows an unknown IPC payload to a {@link DriverMessage} by its `type` field. */
export function isDriverMessage(value: unknown): value is DriverMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** CPU time (user + system) this process has used so far, in microseconds. */
export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Reads this process's memory after two forced collections (when `--expose-gc` is on). */
export function sampleMemory(connections: number): MemorySample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, connections };
}

/**
 * Wires a child's IPC channel: hands each driver message to `handler`, reports thrown errors back,
 * and exits when the driver goes away (so a killed driver never leaves children behind).
 */
export function serveIpc(handler: (message: DriverMessage) => Promise<void> | void): void {
  process.on('message', (message: unknown) => {
    if (!isDriverMessage(message)) return;
    Promise.resolve()
      .then(() => handler(message))
      .catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
  });
  process.on('disconnect', () => process.exit(0));
}

/** Sends one message to the driver (no-op without an IPC channel). */
export function send(message: ChildMessage): void {
  process.send?.(message);
}
