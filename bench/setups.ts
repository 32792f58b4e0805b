/**
 * What the bench compares (setups), what it runs through them (workloads), what it reports
 * (metrics) and for how long (sizes).
 * @module
 */
import type { ToxicInput } from '../src/index.js';
import type { ProxySpec } from './protocol.js';

/** The setups compared. `direct` has no proxy in between. */
export type SetupId =
  | 'direct'
  | 'pipe'
  | 'pipe-cluster'
  | 'pipe-timer20'
  | 'faultline'
  | 'faultline-latency0'
  | 'faultline-latency1'
  | 'faultline-http'
  | 'faultline-chain'
  | 'faultline-tls'
  | 'engine'
  | 'engine-latency20'
  | 'toxiproxy'
  | 'toxiproxy-latency0'
  | 'toxiproxy-latency1'
  | 'node-http';

/** One thing placed between the load generator and the upstream server (or nothing). */
export interface Setup {
  id: SetupId;
  label: string;
  proxy: ProxySpec | null;
  /** Latency the setup adds from client to upstream, in ms: what the delay workload expects. */
  addedMs?: number;
  /** Run only when asked for with `--setups` (an experiment, not part of the report). */
  optIn?: boolean;
  /** The setups this one's ratios are taken against, where both measured a workload. */
  compareTo?: readonly SetupId[];
}

const latencyBothWays = (ms: number): ToxicInput[] => [
  { type: 'latency', stream: 'upstream', attributes: { latency: ms } },
  { type: 'latency', stream: 'downstream', attributes: { latency: ms } },
];

/** Every setup, in table order. */
export const SETUPS: readonly Setup[] = [
  { id: 'direct', label: 'direct', proxy: null },
  { id: 'pipe', label: 'bare pipe() proxy', proxy: { kind: 'pipe' } },
  // The experiment on using both cores: the same proxy in two cluster workers.
  { id: 'pipe-cluster', label: 'bare pipe() proxy, 2 cluster workers', proxy: { kind: 'pipe', workers: 2 }, optIn: true },
  // What a plain setTimeout achieves in this process under the same load: the delay workload's baseline.
  { id: 'pipe-timer20', label: 'bare proxy, setTimeout 20 ms per chunk', proxy: { kind: 'pipe', delayMs: 20 }, addedMs: 20 },
  { id: 'toxiproxy', label: 'Toxiproxy, no toxic', proxy: { kind: 'server', program: 'toxiproxy', toxics: [] } },
  {
    id: 'toxiproxy-latency0',
    label: 'Toxiproxy, latency 0 ms both ways',
    proxy: { kind: 'server', program: 'toxiproxy', toxics: latencyBothWays(0) },
  },
  {
    id: 'toxiproxy-latency1',
    label: 'Toxiproxy, latency 1 ms both ways',
    proxy: { kind: 'server', program: 'toxiproxy', toxics: latencyBothWays(1) },
  },
  {
    id: 'faultline',
    label: 'Faultline, no toxic',
    proxy: { kind: 'server', program: 'faultline', toxics: [] },
    compareTo: ['pipe', 'toxiproxy'],
  },
  {
    id: 'faultline-latency0',
    label: 'Faultline, latency 0 ms both ways',
    proxy: { kind: 'server', program: 'faultline', toxics: latencyBothWays(0) },
    compareTo: ['pipe', 'toxiproxy-latency0'],
  },
  {
    id: 'faultline-latency1',
    label: 'Faultline, latency 1 ms both ways',
    proxy: { kind: 'server', program: 'faultline', toxics: latencyBothWays(1) },
    compareTo: ['toxiproxy-latency1'],
  },
  // Faultline's engine inside the bench's proxy process, where the bench must look inside the proxy:
  // its Buffer memory (slow reader) and the time it holds each frame (timed frames).
  { id: 'engine', label: 'Faultline engine in the bench process, no toxic', proxy: { kind: 'faultline', toxics: [] }, compareTo: ['pipe'] },
  {
    id: 'engine-latency20',
    label: 'Faultline engine in the bench process, latency 20 ms upstream',
    proxy: { kind: 'faultline', toxics: [{ type: 'latency', stream: 'upstream', attributes: { latency: 20 } }] },
    addedMs: 20,
  },
  { id: 'node-http', label: 'bare node:http proxy', proxy: { kind: 'node-http' } },
  {
    id: 'faultline-http',
    label: 'Faultline, protocol http',
    proxy: { kind: 'server', program: 'faultline', toxics: [], protocol: 'http' },
    compareTo: ['node-http'],
  },
  // TLS next to plain TCP: the same two proxies in a row, the bytes between them encrypted or not.
  {
    id: 'faultline-chain',
    label: 'Faultline, two proxies in a row, plain TCP',
    proxy: { kind: 'server', program: 'faultline', toxics: [], chain: 'tcp' },
  },
  {
    id: 'faultline-tls',
    label: 'Faultline, two proxies in a row, TLS between them (originate, terminate)',
    proxy: { kind: 'server', program: 'faultline', toxics: [], chain: 'tls' },
    compareTo: ['faultline-chain'],
  },
];

/** The setups that run Toxiproxy (left out when it is not installed). */
export function needsToxiproxy(setup: Setup): boolean {
  return setup.proxy?.kind === 'server' && setup.proxy.program === 'toxiproxy';
}

/** The workloads. */
export type WorkloadId =
  | 'bulk-down'
  | 'bulk-up'
  | 'iperf-down'
  | 'iperf-up'
  | 'rr1'
  | 'rr50'
  | 'idle'
  | 'delay'
  | 'slow'
  | 'http1'
  | 'http50'
  | 'startup'
  | 'first'
  | 'decay';

/**
 * What a workload's connections reach through the proxy: the byte server, its HTTP listener, the
 * load generator's sink, iperf3's server, or nothing (the workload starts servers of its own).
 */
export type UpstreamKind = 'server' | 'http' | 'sink' | 'iperf' | 'none';

/** One workload: what it talks to, which setups it runs on. */
export interface WorkloadDef {
  id: WorkloadId;
  label: string;
  upstream: UpstreamKind;
  setups: readonly SetupId[];
  /**
   * Measured on a fresh proxy process of its own (its memory or start is part of the result), not
   * on the process the traffic workloads of its setup share.
   */
  fresh: boolean;
  /** Measured in the first round only (it is a series of its own). */
  once?: boolean;
  /** Runs only where iperf3 is installed. */
  iperf?: boolean;
}

const BULK_SETUPS: readonly SetupId[] = [
  'direct',
  'pipe',
  'pipe-cluster',
  'faultline',
  'faultline-latency0',
  'toxiproxy',
  'toxiproxy-latency0',
];
const HTTP_SETUPS: readonly SetupId[] = ['direct', 'node-http', 'faultline-http'];
/** Bulk also runs through TLS, next to the same chain in plain TCP. */
const BULK_TLS_SETUPS: readonly SetupId[] = [...BULK_SETUPS, 'faultline-chain', 'faultline-tls'];

/** Every workload, in table order. */
export const WORKLOADS: readonly WorkloadDef[] = [
  { id: 'bulk-down', label: 'bulk, server → client', upstream: 'server', setups: BULK_TLS_SETUPS, fresh: false },
  { id: 'bulk-up', label: 'bulk, client → server', upstream: 'server', setups: BULK_TLS_SETUPS, fresh: false },
  { id: 'iperf-down', label: 'iperf3 -R, server → client', upstream: 'iperf', setups: BULK_SETUPS, fresh: false, iperf: true },
  { id: 'iperf-up', label: 'iperf3 -c, client → server', upstream: 'iperf', setups: BULK_SETUPS, fresh: false, iperf: true },
  {
    id: 'rr1',
    label: 'round trips, 1 client',
    upstream: 'server',
    setups: ['direct', 'pipe', 'pipe-cluster', 'faultline', 'faultline-latency1', 'toxiproxy', 'toxiproxy-latency1'],
    fresh: false,
  },
  {
    id: 'rr50',
    label: 'round trips, 50 clients',
    upstream: 'server',
    setups: ['direct', 'pipe', 'pipe-cluster', 'faultline', 'faultline-latency0', 'toxiproxy', 'toxiproxy-latency0'],
    fresh: false,
  },
  { id: 'http1', label: 'HTTP round trips, 1 client', upstream: 'http', setups: HTTP_SETUPS, fresh: false },
  { id: 'http50', label: 'HTTP round trips, 50 clients', upstream: 'http', setups: HTTP_SETUPS, fresh: false },
  { id: 'idle', label: 'idle connections held', upstream: 'server', setups: ['pipe', 'faultline', 'toxiproxy'], fresh: true },
  { id: 'startup', label: 'start → first 200 on /version', upstream: 'none', setups: ['faultline', 'toxiproxy'], fresh: true },
  {
    id: 'first',
    label: 'first connection on a fresh proxy, latency 100 ms',
    upstream: 'server',
    setups: ['faultline', 'toxiproxy'],
    fresh: true,
  },
  { id: 'decay', label: '10 consecutive uploads in one process', upstream: 'server', setups: ['faultline'], fresh: true, once: true },
  {
    id: 'delay',
    label: 'timed frames, 50 streams',
    upstream: 'sink',
    setups: ['direct', 'pipe', 'pipe-timer20', 'engine-latency20'],
    fresh: false,
  },
  { id: 'slow', label: '1 slow reader + 99 bulk streams', upstream: 'server', setups: ['pipe', 'pipe-cluster', 'engine'], fresh: true },
];

/** Workload names as printed. */
export const WORKLOAD_LABELS = Object.fromEntries(WORKLOADS.map((w) => [w.id, w.label])) as Record<WorkloadId, string>;

/** Whether a bigger number is better. */
export type Better = 'higher' | 'lower';

/** One reported number of one workload. */
export interface MetricDef {
  workload: WorkloadId;
  id: string;
  unit: string;
  better: Better;
  /** Decimal places when printed. */
  digits: number;
  /** Left out of the ratio table: a ratio to a proxy that adds no latency means nothing. */
  noRatio?: boolean;
  /** Computed after the run from every value of another metric of the same workload and setup (a quantile of pooled samples). */
  pooled?: { from: string; quantile: number };
}

/** Every metric, in table order. */
export const METRICS: readonly MetricDef[] = [
  { workload: 'bulk-down', id: 'gbps', unit: 'Gbit/s', better: 'higher', digits: 2 },
  { workload: 'bulk-down', id: 'cpuPerGiB', unit: 'proxy CPU s/GiB', better: 'lower', digits: 2 },
  { workload: 'bulk-up', id: 'gbps', unit: 'Gbit/s', better: 'higher', digits: 2 },
  { workload: 'bulk-up', id: 'cpuPerGiB', unit: 'proxy CPU s/GiB', better: 'lower', digits: 2 },
  { workload: 'iperf-down', id: 'gbps', unit: 'Gbit/s', better: 'higher', digits: 2 },
  { workload: 'iperf-down', id: 'cpuPerGiB', unit: 'proxy CPU s/GiB', better: 'lower', digits: 2 },
  { workload: 'iperf-up', id: 'gbps', unit: 'Gbit/s', better: 'higher', digits: 2 },
  { workload: 'iperf-up', id: 'cpuPerGiB', unit: 'proxy CPU s/GiB', better: 'lower', digits: 2 },
  { workload: 'rr1', id: 'rps', unit: 'rps', better: 'higher', digits: 0 },
  { workload: 'rr1', id: 'p50', unit: 'p50 µs', better: 'lower', digits: 0 },
  { workload: 'rr1', id: 'p99', unit: 'p99 µs', better: 'lower', digits: 0 },
  { workload: 'rr1', id: 'cpuPerReq', unit: 'proxy CPU µs/req', better: 'lower', digits: 1 },
  { workload: 'rr50', id: 'rps', unit: 'rps', better: 'higher', digits: 0 },
  { workload: 'rr50', id: 'p50', unit: 'p50 µs', better: 'lower', digits: 0 },
  { workload: 'rr50', id: 'p99', unit: 'p99 µs', better: 'lower', digits: 0 },
  { workload: 'rr50', id: 'cpuPerReq', unit: 'proxy CPU µs/req', better: 'lower', digits: 1 },
  { workload: 'http1', id: 'rps', unit: 'rps', better: 'higher', digits: 0 },
  { workload: 'http1', id: 'p99', unit: 'p99 µs', better: 'lower', digits: 0 },
  { workload: 'http1', id: 'cpuPerReq', unit: 'proxy CPU µs/req', better: 'lower', digits: 1 },
  { workload: 'http50', id: 'rps', unit: 'rps', better: 'higher', digits: 0 },
  { workload: 'http50', id: 'p99', unit: 'p99 µs', better: 'lower', digits: 0 },
  { workload: 'http50', id: 'cpuPerReq', unit: 'proxy CPU µs/req', better: 'lower', digits: 1 },
  { workload: 'idle', id: 'rssMB', unit: 'RSS MB with them held', better: 'lower', digits: 1 },
  { workload: 'idle', id: 'baseRssMB', unit: 'RSS MB before (one proxy, idle)', better: 'lower', digits: 1 },
  { workload: 'idle', id: 'kbPerConn', unit: 'RSS growth KB/conn', better: 'lower', digits: 1 },
  { workload: 'idle', id: 'heapKBPerConn', unit: 'JS heap KB/conn', better: 'lower', digits: 2 },
  { workload: 'startup', id: 'ms', unit: 'ms', better: 'lower', digits: 0 },
  { workload: 'first', id: 'addedMs', unit: 'added ms, median', better: 'lower', digits: 2 },
  { workload: 'first', id: 'addedP95', unit: 'added ms, p95', better: 'lower', digits: 2, pooled: { from: 'addedMs', quantile: 0.95 } },
  { workload: 'decay', id: 'lastOverFirst', unit: 'last 3 / first 3 (medians)', better: 'higher', digits: 2, noRatio: true },
  { workload: 'decay', id: 'firstGbps', unit: 'first Gbit/s', better: 'higher', digits: 2 },
  { workload: 'decay', id: 'lastGbps', unit: 'last Gbit/s', better: 'higher', digits: 2 },
  { workload: 'delay', id: 'releaseMin', unit: 'release error in proxy min ms', better: 'higher', digits: 2, noRatio: true },
  { workload: 'delay', id: 'releaseP50', unit: 'release error in proxy p50 ms', better: 'lower', digits: 2, noRatio: true },
  { workload: 'delay', id: 'releaseP99', unit: 'release error in proxy p99 ms', better: 'lower', digits: 2, noRatio: true },
  { workload: 'delay', id: 'releaseMax', unit: 'release error in proxy max ms', better: 'lower', digits: 2, noRatio: true },
  { workload: 'delay', id: 'p50', unit: 'end-to-end lateness p50 ms', better: 'lower', digits: 2, noRatio: true },
  { workload: 'delay', id: 'p99', unit: 'end-to-end lateness p99 ms', better: 'lower', digits: 2, noRatio: true },
  { workload: 'delay', id: 'max', unit: 'end-to-end lateness max ms', better: 'lower', digits: 2, noRatio: true },
  { workload: 'delay', id: 'cpuPerFrame', unit: 'proxy CPU µs/frame', better: 'lower', digits: 1 },
  { workload: 'slow', id: 'others', unit: 'others with / without', better: 'higher', digits: 2 },
  { workload: 'slow', id: 'aloneGbps', unit: '99 streams alone Gbit/s', better: 'higher', digits: 2 },
  { workload: 'slow', id: 'slowMBps', unit: 'slow reader MB/s', better: 'higher', digits: 2 },
  { workload: 'slow', id: 'memMB', unit: 'proxy RSS growth MB', better: 'lower', digits: 0 },
  { workload: 'slow', id: 'buffersMB', unit: 'proxy buffer growth MB', better: 'lower', digits: 1 },
];

/** How long and how big each workload is. */
export interface WorkloadSizes {
  bulkWarmupMs: number;
  bulkMs: number;
  /** Length of one iperf3 test (whole seconds). */
  iperfSeconds: number;
  rrWarmupMs: number;
  rrMs: number;
  rrMessageBytes: number;
  idleConnections: number;
  idleConcurrency: number;
  /** Pause after the proxy is up and after the last idle connection is up, before memory is read. */
  idleSettleMs: number;
  /** Server starts timed per program and round. */
  startupSamples: number;
  /** Fresh proxies, each with its first connection, per program and round. */
  firstProxies: number;
  /** The latency toxic on those proxies (downstream), in ms. */
  firstLatencyMs: number;
  /** Consecutive uploads of the decay workload, and the length of each. */
  decayTransfers: number;
  decayMs: number;
  delayStreams: number;
  delayIntervalMs: number;
  delayWarmupMs: number;
  delayMs: number;
  /** Fast streams beside the slow reader, and the slow reader's pause between reads. */
  slowFastStreams: number;
  slowPauseMs: number;
  /** Warm-up and measured window of each of the two phases (without, then with the slow reader). */
  slowWarmupMs: number;
  slowMs: number;
  /**
   * How long the slow reader lags before the second window: long enough for its backlog to outgrow
   * the kernel's socket buffers (a few MB on loopback), so a proxy that does not apply
   * backpressure would have to hold the rest.
   */
  slowLagMs: number;
}

/** Full-length sizes (`npm run bench`). */
export const FULL_SIZES: WorkloadSizes = {
  bulkWarmupMs: 200,
  bulkMs: 800,
  iperfSeconds: 1,
  rrWarmupMs: 200,
  rrMs: 800,
  rrMessageBytes: 16,
  idleConnections: 2_000,
  idleConcurrency: 100,
  idleSettleMs: 300,
  startupSamples: 2,
  firstProxies: 8,
  firstLatencyMs: 100,
  decayTransfers: 10,
  decayMs: 1_500,
  delayStreams: 50,
  delayIntervalMs: 5,
  delayWarmupMs: 200,
  delayMs: 800,
  slowFastStreams: 99,
  slowPauseMs: 50,
  slowWarmupMs: 200,
  slowMs: 500,
  slowLagMs: 1_500,
};

/** Short sizes (`--quick`). */
export const QUICK_SIZES: WorkloadSizes = {
  bulkWarmupMs: 100,
  bulkMs: 400,
  iperfSeconds: 1,
  rrWarmupMs: 100,
  rrMs: 400,
  rrMessageBytes: 16,
  idleConnections: 1_000,
  idleConcurrency: 100,
  idleSettleMs: 200,
  startupSamples: 1,
  firstProxies: 4,
  firstLatencyMs: 100,
  decayTransfers: 10,
  decayMs: 400,
  delayStreams: 50,
  delayIntervalMs: 5,
  delayWarmupMs: 200,
  delayMs: 500,
  slowFastStreams: 99,
  slowPauseMs: 50,
  slowWarmupMs: 200,
  slowMs: 400,
  slowLagMs: 1_000,
};

/** The CI regression check's sizes: shorter still. */
export const REGRESSION_SIZES: WorkloadSizes = { ...QUICK_SIZES, bulkWarmupMs: 100, bulkMs: 300, rrWarmupMs: 100, rrMs: 300 };
