/**
 * Runs the bench: every setup (direct, bare `pipe()` proxy, Faultline with and without toxics)
 * through every workload, several rounds, one process per role. Rounds are interleaved (each round
 * visits every setup) so slow drift on a shared machine spreads over all setups alike.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchChild } from './children.js';
import type { BulkResult, DelayResult, LoadResult, LoadTask, MemorySample, ProxySpec, RoundTripResult } from './protocol.js';
import { summarize, type Summary } from './stats.js';

/** The setups compared. `direct` has no proxy in between. */
export type SetupId =
  | 'direct'
  | 'pipe'
  | 'pipe-cluster'
  | 'pipe-timer20'
  | 'faultline'
  | 'faultline-latency0'
  | 'faultline-latency20'
  | 'node-http'
  | 'faultline-http';

/** The workloads. */
export type WorkloadId = 'bulk' | 'rr1' | 'rr50' | 'idle' | 'delay' | 'slow' | 'http1' | 'http50';

/** One thing placed between the load generator and the upstream server (or nothing). */
export interface Setup {
  id: SetupId;
  label: string;
  proxy: ProxySpec | null;
  /** Latency the setup adds from client to upstream, in ms: what the delay workload expects. */
  addedMs?: number;
  /** Run only when asked for with `--setups` (an experiment, not part of the report). */
  optIn?: boolean;
}

/** Every setup, in table order. */
export const SETUPS: readonly Setup[] = [
  { id: 'direct', label: 'direct', proxy: null },
  { id: 'pipe', label: 'bare pipe() proxy', proxy: { kind: 'pipe' } },
  // The experiment on using both cores: the same proxy in two cluster workers.
  { id: 'pipe-cluster', label: 'bare pipe() proxy, 2 cluster workers', proxy: { kind: 'pipe', workers: 2 }, optIn: true },
  // What a plain setTimeout achieves in this process under the same load: the delay workload's baseline.
  { id: 'pipe-timer20', label: 'bare proxy, setTimeout 20 ms per chunk', proxy: { kind: 'pipe', delayMs: 20 }, addedMs: 20 },
  { id: 'faultline', label: 'Faultline, no toxic', proxy: { kind: 'faultline', toxics: [] } },
  {
    id: 'faultline-latency0',
    label: 'Faultline, latency 0 ms both ways',
    proxy: {
      kind: 'faultline',
      toxics: [
        { type: 'latency', stream: 'upstream', attributes: { latency: 0 } },
        { type: 'latency', stream: 'downstream', attributes: { latency: 0 } },
      ],
    },
  },
  {
    id: 'faultline-latency20',
    label: 'Faultline, latency 20 ms upstream',
    proxy: { kind: 'faultline', toxics: [{ type: 'latency', stream: 'upstream', attributes: { latency: 20 } }] },
    addedMs: 20,
  },
  { id: 'node-http', label: 'bare node:http proxy', proxy: { kind: 'node-http' } },
  { id: 'faultline-http', label: 'Faultline, protocol http', proxy: { kind: 'faultline', toxics: [], protocol: 'http' } },
];

/** What a workload's connections reach through the proxy: the byte server, its HTTP listener, or the load generator's sink. */
export type UpstreamKind = 'server' | 'http' | 'sink';

/** One workload: what it talks to, which setups it runs on. */
export interface WorkloadDef {
  id: WorkloadId;
  label: string;
  upstream: UpstreamKind;
  setups: readonly SetupId[];
  /** Measured on a fresh proxy process of its own, because the proxy's memory is part of the result. */
  fresh: boolean;
}

const BYTE_SETUPS: readonly SetupId[] = ['direct', 'pipe', 'pipe-cluster', 'faultline', 'faultline-latency0'];
const HTTP_SETUPS: readonly SetupId[] = ['direct', 'pipe', 'faultline', 'node-http', 'faultline-http'];

/** Every workload, in table order. */
export const WORKLOADS: readonly WorkloadDef[] = [
  { id: 'bulk', label: 'bulk, 1 stream', upstream: 'server', setups: BYTE_SETUPS, fresh: false },
  { id: 'rr1', label: 'round trips, 1 client', upstream: 'server', setups: BYTE_SETUPS, fresh: false },
  { id: 'rr50', label: 'round trips, 50 clients', upstream: 'server', setups: BYTE_SETUPS, fresh: false },
  { id: 'idle', label: 'idle connections', upstream: 'server', setups: ['pipe', 'faultline', 'faultline-latency0'], fresh: true },
  { id: 'delay', label: 'timed frames, 50 streams', upstream: 'sink', setups: ['direct', 'pipe', 'pipe-timer20', 'faultline-latency20'], fresh: false },
  {
    id: 'slow',
    label: '1 slow reader + 99 bulk streams',
    upstream: 'server',
    setups: ['pipe', 'pipe-cluster', 'faultline', 'faultline-latency0'],
    fresh: true,
  },
  { id: 'http1', label: 'HTTP round trips, 1 client', upstream: 'http', setups: HTTP_SETUPS, fresh: false },
  { id: 'http50', label: 'HTTP round trips, 50 clients', upstream: 'http', setups: HTTP_SETUPS, fresh: false },
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
  /** The workload's headline number (the one ratios and targets are usually about). */
  primary: boolean;
  /** Left out of the ratio table: a ratio to the bare pipe proxy, which adds no latency, means nothing. */
  noRatio?: boolean;
}

/** Every metric, in table order. */
export const METRICS: readonly MetricDef[] = [
  { workload: 'bulk', id: 'gbps', unit: 'Gbit/s', better: 'higher', digits: 2, primary: true },
  { workload: 'bulk', id: 'cpuPerGiB', unit: 'proxy CPU s/GiB', better: 'lower', digits: 2, primary: false },
  { workload: 'rr1', id: 'rps', unit: 'rps', better: 'higher', digits: 0, primary: true },
  { workload: 'rr1', id: 'p50', unit: 'p50 µs', better: 'lower', digits: 0, primary: false },
  { workload: 'rr1', id: 'p99', unit: 'p99 µs', better: 'lower', digits: 0, primary: false },
  { workload: 'rr1', id: 'cpuPerReq', unit: 'proxy CPU µs/req', better: 'lower', digits: 1, primary: false },
  { workload: 'rr50', id: 'rps', unit: 'rps', better: 'higher', digits: 0, primary: true },
  { workload: 'rr50', id: 'p50', unit: 'p50 µs', better: 'lower', digits: 0, primary: false },
  { workload: 'rr50', id: 'p99', unit: 'p99 µs', better: 'lower', digits: 0, primary: false },
  { workload: 'rr50', id: 'cpuPerReq', unit: 'proxy CPU µs/req', better: 'lower', digits: 1, primary: false },
  { workload: 'idle', id: 'kbPerConn', unit: 'KB/conn', better: 'lower', digits: 1, primary: true },
  { workload: 'idle', id: 'heapKBPerConn', unit: 'JS heap KB/conn', better: 'lower', digits: 2, primary: false },
  { workload: 'idle', id: 'rssMB', unit: 'RSS MB', better: 'lower', digits: 0, primary: false },
  { workload: 'delay', id: 'releaseMin', unit: 'release error in proxy min ms', better: 'higher', digits: 2, primary: false, noRatio: true },
  { workload: 'delay', id: 'releaseP50', unit: 'release error in proxy p50 ms', better: 'lower', digits: 2, primary: false, noRatio: true },
  { workload: 'delay', id: 'releaseP99', unit: 'release error in proxy p99 ms', better: 'lower', digits: 2, primary: true, noRatio: true },
  { workload: 'delay', id: 'releaseMax', unit: 'release error in proxy max ms', better: 'lower', digits: 2, primary: false, noRatio: true },
  { workload: 'delay', id: 'p50', unit: 'end-to-end lateness p50 ms', better: 'lower', digits: 2, primary: false, noRatio: true },
  { workload: 'delay', id: 'p99', unit: 'end-to-end lateness p99 ms', better: 'lower', digits: 2, primary: false, noRatio: true },
  { workload: 'delay', id: 'max', unit: 'end-to-end lateness max ms', better: 'lower', digits: 2, primary: false, noRatio: true },
  { workload: 'delay', id: 'cpuPerFrame', unit: 'proxy CPU µs/frame', better: 'lower', digits: 1, primary: false },
  { workload: 'slow', id: 'others', unit: 'others with / without', better: 'higher', digits: 2, primary: true },
  { workload: 'slow', id: 'aloneGbps', unit: '99 streams alone Gbit/s', better: 'higher', digits: 2, primary: false },
  { workload: 'slow', id: 'slowMBps', unit: 'slow reader MB/s', better: 'higher', digits: 2, primary: false },
  { workload: 'slow', id: 'memMB', unit: 'proxy RSS growth MB', better: 'lower', digits: 0, primary: false },
  { workload: 'slow', id: 'buffersMB', unit: 'proxy buffer growth MB', better: 'lower', digits: 1, primary: false },
  { workload: 'http1', id: 'rps', unit: 'rps', better: 'higher', digits: 0, primary: true },
  { workload: 'http1', id: 'p99', unit: 'p99 µs', better: 'lower', digits: 0, primary: false },
  { workload: 'http1', id: 'cpuPerReq', unit: 'proxy CPU µs/req', better: 'lower', digits: 1, primary: false },
  { workload: 'http50', id: 'rps', unit: 'rps', better: 'higher', digits: 0, primary: true },
  { workload: 'http50', id: 'p99', unit: 'p99 µs', better: 'lower', digits: 0, primary: false },
  { workload: 'http50', id: 'cpuPerReq', unit: 'proxy CPU µs/req', better: 'lower', digits: 1, primary: false },
];

/** How long and how big each workload is. */
export interface WorkloadSizes {
  bulkWarmupMs: number;
  bulkMs: number;
  rrWarmupMs: number;
  rrMs: number;
  rrMessageBytes: number;
  idleConnections: number;
  idleConcurrency: number;
  /** Pause after the last idle connection is up, before memory is read. */
  idleSettleMs: number;
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
   * the kernel's socket buffers (up to tens of MB on loopback), so a proxy that does not apply
   * backpressure would have to hold the rest.
   */
  slowLagMs: number;
}

/** Full-length sizes (`npm run bench`). */
export const FULL_SIZES: WorkloadSizes = {
  bulkWarmupMs: 300,
  bulkMs: 2_000,
  rrWarmupMs: 300,
  rrMs: 1_500,
  rrMessageBytes: 16,
  idleConnections: 5_000,
  idleConcurrency: 100,
  idleSettleMs: 500,
  delayStreams: 50,
  delayIntervalMs: 5,
  delayWarmupMs: 300,
  delayMs: 2_000,
  slowFastStreams: 99,
  slowPauseMs: 50,
  slowWarmupMs: 300,
  slowMs: 1_000,
  slowLagMs: 4_000,
};

/** Short sizes (`--quick`). */
export const QUICK_SIZES: WorkloadSizes = {
  bulkWarmupMs: 100,
  bulkMs: 400,
  rrWarmupMs: 100,
  rrMs: 400,
  rrMessageBytes: 16,
  idleConnections: 1_000,
  idleConcurrency: 100,
  idleSettleMs: 200,
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

/** The CI regression check's sizes (bulk and one-client round trips only): the short ones. */
export const REGRESSION_SIZES: WorkloadSizes = QUICK_SIZES;

/** What to run. */
export interface BenchConfig {
  /** Folder holding the built `*-process.js` scripts (dist/bench). */
  scriptDir: string;
  runs: number;
  setups: readonly SetupId[];
  workloads: readonly WorkloadId[];
  sizes: WorkloadSizes;
  /** When set, each proxy process that carries traffic writes a V8 CPU profile here. */
  cpuProfDir?: string;
  /** Progress lines (one per measurement). */
  onProgress?: (line: string) => void;
}

/** Every run's value of one metric of one setup. */
export interface Series {
  setup: SetupId;
  metric: MetricDef;
  values: number[];
  summary: Summary;
}

/** The outcome of a bench. */
export interface BenchResult {
  config: Omit<BenchConfig, 'onProgress' | 'scriptDir'>;
  series: Series[];
  /** Things the reader should know (e.g. a connection count lowered to fit the file limit). */
  notes: string[];
}

/** The series for one setup and metric, if it was measured. */
export function findSeries(result: BenchResult, setup: SetupId, workload: WorkloadId, metric: string): Series | undefined {
  return result.series.find((s) => s.setup === setup && s.metric.workload === workload && s.metric.id === metric);
}

/** Runs the bench and returns every measurement. Every child process is gone when it returns. */
export async function runBench(config: BenchConfig): Promise<BenchResult> {
  const notes: string[] = [];
  const sizes = { ...config.sizes };
  const fdCap = connectionCapForFileLimit();
  if (config.workloads.includes('idle') && sizes.idleConnections > fdCap) {
    notes.push(`idle connections lowered from ${sizes.idleConnections} to ${fdCap} to fit the open-file limit`);
    sizes.idleConnections = fdCap;
  }
  const progress = config.onProgress ?? (() => {});
  const values = new Map<string, number[]>();
  const record = (setup: SetupId, workload: WorkloadId, metrics: Record<string, number>): void => {
    for (const [metric, value] of Object.entries(metrics)) {
      const key = `${setup}/${workload}/${metric}`;
      const list = values.get(key) ?? [];
      list.push(value);
      values.set(key, list);
    }
  };
  const setups = SETUPS.filter((s) => config.setups.includes(s.id));
  const workloads = WORKLOADS.filter((w) => config.workloads.includes(w.id));
  const script = (name: string): string => join(config.scriptDir, name);

  const children: BenchChild[] = [];
  try {
    const server = await BenchChild.start('upstream server', script('server-process.js'), []);
    children.push(server);
    const loadgen = await BenchChild.start('load generator', script('loadgen-process.js'), []);
    children.push(loadgen);
    const upstreamPorts: Record<UpstreamKind, number> = { server: server.port, http: server.httpPort, sink: loadgen.port };

    for (let run = 1; run <= config.runs; run++) {
      // Each round starts with a different setup, so none is always measured first or last.
      const shift = (run - 1) % setups.length;
      for (const setup of [...setups.slice(shift), ...setups.slice(0, shift)]) {
        const tag = `run ${run}/${config.runs} ${setup.id}`;
        const mine = workloads.filter((w) => w.setups.includes(setup.id));
        // Traffic workloads share one proxy process per upstream; memory workloads get a fresh one each.
        for (const upstream of ['server', 'http', 'sink'] as const) {
          const shared = mine.filter((w) => !w.fresh && w.upstream === upstream);
          if (shared.length === 0) continue;
          // Frames to the sink are timed inside the proxy too (frame-probe.ts).
          const spec = setup.proxy && upstream === 'sink' ? { ...setup.proxy, probe: true } : setup.proxy;
          const proxy = spec
            ? await startProxyChild(script('proxy-process.js'), upstreamPorts[upstream], setup.id, spec, `${upstream}-run${run}`, config.cpuProfDir)
            : null;
          try {
            const port = proxy?.port ?? upstreamPorts[upstream];
            for (const workload of shared) {
              const cpuBefore = proxy ? await cpu(proxy) : 0;
              const result = await task(loadgen, trafficTask(workload.id, port, setup, sizes));
              const proxyCpu = proxy ? (await cpu(proxy)) - cpuBefore : undefined;
              record(setup.id, workload.id, trafficMetrics(result, proxyCpu));
              progress(`${tag} ${workload.id}: ${describe(result)}`);
              if (proxy && result.kind === 'delay') {
                const holds = await heldInProxy(proxy, result, setup.addedMs ?? 0);
                record(setup.id, workload.id, holds);
                progress(
                  `${tag} ${workload.id}: in the proxy, release error p50 ${holds['releaseP50']?.toFixed(2)} ms, ` +
                    `p99 ${holds['releaseP99']?.toFixed(2)} ms, max ${holds['releaseMax']?.toFixed(2)} ms`,
                );
              }
            }
          } finally {
            await proxy?.stop();
          }
        }
        if (!setup.proxy) continue;
        for (const workload of mine.filter((w) => w.fresh)) {
          const port = upstreamPorts[workload.upstream];
          if (workload.id === 'idle') {
            const sample = await measureIdle(script('proxy-process.js'), port, loadgen, setup, sizes);
            record(setup.id, 'idle', { kbPerConn: sample.kbPerConn, heapKBPerConn: sample.heapKBPerConn, rssMB: sample.rssMB });
            progress(`${tag} idle: ${sample.connections} connections, ${sample.kbPerConn.toFixed(1)} KB/conn, RSS ${sample.rssMB.toFixed(0)} MB`);
          } else if (workload.id === 'slow') {
            const sample = await measureSlowReader(script('proxy-process.js'), port, loadgen, setup, sizes);
            record(setup.id, 'slow', sample);
            progress(
              `${tag} slow: 99 streams ${sample.aloneGbps.toFixed(2)} Gbit/s alone, ${sample.others.toFixed(2)}× with the slow reader ` +
                `(${sample.slowMBps.toFixed(2)} MB/s); proxy RSS +${sample.memMB.toFixed(0)} MB, buffers +${sample.buffersMB.toFixed(1)} MB`,
            );
          }
        }
      }
    }
  } finally {
    for (const child of children.reverse()) await child.stop();
  }

  const series: Series[] = [];
  for (const setup of setups) {
    for (const metric of METRICS) {
      const list = values.get(`${setup.id}/${metric.workload}/${metric.id}`);
      if (list && list.length > 0) series.push({ setup: setup.id, metric, values: list, summary: summarize(list) });
    }
  }
  const { onProgress: _progress, scriptDir: _dir, ...kept } = config;
  return { config: { ...kept, sizes }, series, notes };
}

async function startProxyChild(
  script: string,
  upstreamPort: number,
  setup: SetupId,
  spec: ProxySpec,
  name: string,
  cpuProfDir?: string,
): Promise<BenchChild> {
  const execArgv = ['--expose-gc'];
  if (cpuProfDir !== undefined) {
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=${setup}-${name}.cpuprofile`);
  }
  return BenchChild.start(`proxy (${setup})`, script, [String(upstreamPort), JSON.stringify(spec)], { execArgv });
}

/**
 * The release error inside the proxy of the frames sent in the delay task's window: the time each
 * was held (from the proxy's read to its write) minus the latency the setup adds.
 */
async function heldInProxy(proxy: BenchChild, result: DelayResult, addedMs: number): Promise<Record<string, number>> {
  const { sample } = await proxy.request({ type: 'holds', fromMs: result.fromMs, toMs: result.toMs }, 'holds', 10_000);
  if (!sample || sample.frames === 0) throw new Error('the proxy timed no frame of the delay task');
  return {
    releaseMin: sample.minMs - addedMs,
    releaseP50: sample.p50ms - addedMs,
    releaseP99: sample.p99ms - addedMs,
    releaseMax: sample.maxMs - addedMs,
  };
}

async function task(loadgen: BenchChild, load: LoadTask): Promise<LoadResult> {
  const reply = await loadgen.request({ type: 'task', task: load }, 'result', taskTimeout(load));
  return reply.result;
}

/** Every task is bounded: its own length plus a generous margin for a stalled proxy. */
function taskTimeout(load: LoadTask): number {
  switch (load.kind) {
    case 'bulk':
    case 'rr':
    case 'http':
    case 'delay':
      return load.warmupMs + load.durationMs + 15_000;
    case 'slow':
      return 2 * (load.warmupMs + load.durationMs) + load.lagMs + 30_000;
    case 'idle':
      return 60_000 + load.connections * 5;
  }
}

/** The load generator's task for a traffic workload against `port`. */
function trafficTask(workload: WorkloadId, port: number, setup: Setup, sizes: WorkloadSizes): LoadTask {
  switch (workload) {
    case 'bulk':
      return { kind: 'bulk', port, warmupMs: sizes.bulkWarmupMs, durationMs: sizes.bulkMs };
    case 'rr1':
    case 'rr50':
      return {
        kind: 'rr',
        port,
        clients: workload === 'rr1' ? 1 : 50,
        messageBytes: sizes.rrMessageBytes,
        warmupMs: sizes.rrWarmupMs,
        durationMs: sizes.rrMs,
      };
    case 'http1':
    case 'http50':
      return { kind: 'http', port, clients: workload === 'http1' ? 1 : 50, warmupMs: sizes.rrWarmupMs, durationMs: sizes.rrMs };
    case 'delay':
      return {
        kind: 'delay',
        port,
        streams: sizes.delayStreams,
        intervalMs: sizes.delayIntervalMs,
        expectedMs: setup.addedMs ?? 0,
        warmupMs: sizes.delayWarmupMs,
        durationMs: sizes.delayMs,
      };
    case 'idle':
    case 'slow':
      throw new Error(`${workload} is measured on a fresh proxy process`);
  }
}

/**
 * The numbers of one traffic measurement. `proxyCpuMicros` (the proxy process's CPU time over the
 * whole task) gives the cost per byte, round trip or frame: steadier than throughput on a shared
 * machine, where the scheduler's placement of three busy processes on two cores moves throughput.
 */
function trafficMetrics(result: LoadResult, proxyCpuMicros: number | undefined): Record<string, number> {
  switch (result.kind) {
    case 'bulk': {
      const metrics: Record<string, number> = { gbps: bulkGbps(result) };
      if (proxyCpuMicros !== undefined && result.totalBytes > 0) {
        metrics['cpuPerGiB'] = proxyCpuMicros / 1e6 / (result.totalBytes / 2 ** 30);
      }
      return metrics;
    }
    case 'rr': {
      const metrics: Record<string, number> = { rps: result.completed / result.seconds, p50: result.p50us, p99: result.p99us };
      if (proxyCpuMicros !== undefined && result.total > 0) metrics['cpuPerReq'] = proxyCpuMicros / result.total;
      return metrics;
    }
    case 'delay': {
      const metrics: Record<string, number> = { p50: result.p50ms, p99: result.p99ms, max: result.maxMs };
      if (proxyCpuMicros !== undefined && result.total > 0) metrics['cpuPerFrame'] = proxyCpuMicros / result.total;
      return metrics;
    }
    case 'idle':
    case 'slow':
      return {};
  }
}

function bulkGbps(result: BulkResult): number {
  return result.seconds > 0 ? (result.bytes * 8) / result.seconds / 1e9 : 0;
}

function describe(result: LoadResult): string {
  switch (result.kind) {
    case 'bulk':
      return `${bulkGbps(result).toFixed(2)} Gbit/s (${(result.bytes / 2 ** 20).toFixed(0)} MiB in ${result.seconds.toFixed(2)} s)`;
    case 'rr':
      return describeRoundTrips(result);
    case 'delay':
      return (
        `${result.frames} frames, lateness p50 ${result.p50ms.toFixed(2)} ms, p99 ${result.p99ms.toFixed(2)} ms, ` +
        `max ${result.maxMs.toFixed(2)} ms, min ${result.minMs.toFixed(2)} ms`
      );
    case 'idle':
      return `${result.connections} connections`;
    case 'slow':
      return `${(result.aloneBps / 1e6).toFixed(0)} MB/s alone, ${(result.withSlowBps / 1e6).toFixed(0)} MB/s with the slow reader`;
  }
}

function describeRoundTrips(result: RoundTripResult): string {
  const rps = result.completed / result.seconds;
  return `${rps.toFixed(0)} rps, p50 ${result.p50us.toFixed(0)} µs, p99 ${result.p99us.toFixed(0)} µs`;
}

/** Memory per idle connection on a fresh proxy process: RSS after minus before, over connections held. */
async function measureIdle(
  script: string,
  upstreamPort: number,
  loadgen: BenchChild,
  setup: Setup,
  sizes: WorkloadSizes,
): Promise<{ connections: number; kbPerConn: number; heapKBPerConn: number; rssMB: number }> {
  const proxy = await BenchChild.start(`proxy (${setup.id}, idle)`, script, [String(upstreamPort), JSON.stringify(setup.proxy)], {
    execArgv: ['--expose-gc'],
  });
  try {
    const before = await memory(proxy);
    const load = { kind: 'idle', port: proxy.port, connections: sizes.idleConnections, concurrency: sizes.idleConcurrency } as const;
    await task(loadgen, load);
    await new Promise((resolve) => setTimeout(resolve, sizes.idleSettleMs));
    const after = await memory(proxy);
    await loadgen.request({ type: 'release' }, 'released', 10_000);
    if (after.connections === 0) throw new Error(`${setup.id}: the proxy holds no connection after the idle task`);
    return {
      connections: after.connections,
      kbPerConn: (after.rss - before.rss) / after.connections / 1000,
      heapKBPerConn: (after.heapUsed - before.heapUsed) / after.connections / 1000,
      rssMB: after.rss / 1e6,
    };
  } finally {
    await proxy.stop();
  }
}

/**
 * One slow reader among bulk streams, on a fresh proxy process: the fast streams' throughput with
 * the slow reader over without it, and the proxy's memory growth (RSS, and Buffers after forced GC)
 * read while every stream, the lagging slow one included, is still open.
 */
async function measureSlowReader(
  script: string,
  upstreamPort: number,
  loadgen: BenchChild,
  setup: Setup,
  sizes: WorkloadSizes,
): Promise<{ others: number; aloneGbps: number; slowMBps: number; memMB: number; buffersMB: number }> {
  const proxy = await BenchChild.start(`proxy (${setup.id}, slow)`, script, [String(upstreamPort), JSON.stringify(setup.proxy)], {
    execArgv: ['--expose-gc'],
  });
  try {
    const before = await memory(proxy);
    const result = await task(loadgen, {
      kind: 'slow',
      port: proxy.port,
      fast: sizes.slowFastStreams,
      slowPauseMs: sizes.slowPauseMs,
      lagMs: sizes.slowLagMs,
      warmupMs: sizes.slowWarmupMs,
      durationMs: sizes.slowMs,
    });
    const after = await memory(proxy);
    await loadgen.request({ type: 'release' }, 'released', 10_000);
    if (result.kind !== 'slow') throw new Error(`unexpected ${result.kind} result for the slow-reader task`);
    return {
      others: result.aloneBps > 0 ? result.withSlowBps / result.aloneBps : 0,
      aloneGbps: (result.aloneBps * 8) / 1e9,
      slowMBps: result.slowBps / 1e6,
      memMB: (after.rss - before.rss) / 1e6,
      buffersMB: (after.arrayBuffers - before.arrayBuffers) / 1e6,
    };
  } finally {
    await proxy.stop();
  }
}

async function cpu(proxy: BenchChild): Promise<number> {
  return (await proxy.request({ type: 'cpu' }, 'cpu', 10_000)).micros;
}

async function memory(proxy: BenchChild): Promise<MemorySample> {
  return (await proxy.request({ type: 'memory' }, 'memory', 10_000)).sample;
}

/**
 * Idle connections a proxy process can hold under this process's open-file limit (two sockets per
 * connection, plus headroom). Children inherit the limit.
 */
export function connectionCapForFileLimit(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const match = /^Max open files\s+(\d+)/m.exec(limits);
    if (match?.[1]) return Math.max(100, Math.floor((Number(match[1]) - 200) / 2));
  } catch {
    // No /proc (not Linux): assume the limit is not the constraint.
  }
  return Number.MAX_SAFE_INTEGER;
}
