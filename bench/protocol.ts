/**
 * Messages exchanged over IPC between the bench driver and its child processes (proxy under test,
 * upstream server, load generator), and the byte-level protocol the load generator speaks to the
 * upstream server.
 * @module
 */
import type { ToxicInput } from '../src/index.js';

/** Socket buffer size for every socket the bench opens: the same as Faultline's default. */
export const BENCH_HIGH_WATER_MARK = 64 * 1024;

/** First byte of a connection to the upstream server, 'E': echo every byte back (round trips, idle). */
export const MODE_ECHO = 0x45;
/** First byte of a connection to the upstream server, 'S': stream bytes until the client half-closes (bulk). */
export const MODE_SOURCE = 0x53;

/** Bytes per write of the bulk source, and per read of the bulk receiver (as iperf3's default). */
export const BULK_BLOCK_BYTES = 128 * 1024;

/** The proxy a proxy child runs: a bare `pipe()` proxy or Faultline with the given toxics. */
export type ProxySpec = { kind: 'pipe' } | { kind: 'faultline'; toxics: ToxicInput[] };

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
 * Bulk throughput of one stream, upstream server → client (iperf3 -R): the client counts what
 * arrives during `durationMs` after `warmupMs`, then half-closes, and the server stops.
 */
export interface BulkTask {
  kind: 'bulk';
  port: number;
  warmupMs: number;
  durationMs: number;
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

/** A task for the load generator. */
export type LoadTask = BulkTask | RoundTripTask | IdleTask;

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

/** What the load generator reports for a task. */
export type LoadResult = BulkResult | RoundTripResult | IdleResult;

/** Driver → child. */
export type DriverMessage =
  | { type: 'task'; task: LoadTask }
  | { type: 'release' }
  | { type: 'memory' }
  | { type: 'cpu' }
  | { type: 'stop' };

/** Child → driver. */
export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'result'; result: LoadResult }
  | { type: 'released' }
  | { type: 'memory'; sample: MemorySample }
  | { type: 'cpu'; micros: number }
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
