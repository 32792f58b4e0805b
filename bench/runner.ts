/**
 * Runs the bench: every setup (direct, bare `pipe()` proxy, Faultline with and without toxics)
 * through every workload, several rounds, one process per role. Rounds are interleaved (each round
 * visits every setup) so slow drift on a shared machine spreads over all setups alike.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchChild } from './children.js';
import type { BulkResult, LoadResult, LoadTask, MemorySample, ProxySpec, RoundTripResult } from './protocol.js';
import { summarize, type Summary } from './stats.js';

/** The setups compared. `direct` has no proxy in between. */
export type SetupId = 'direct' | 'pipe' | 'faultline' | 'faultline-latency0';

/** The workloads. */
export type WorkloadId = 'bulk' | 'rr1' | 'rr50' | 'idle';

/** One thing placed between the load generator and the upstream server (or nothing). */
export interface Setup {
  id: SetupId;
  label: string;
  proxy: ProxySpec | null;
}

/** Every setup, in table order. */
export const SETUPS: readonly Setup[] = [
  { id: 'direct', label: 'direct', proxy: null },
  { id: 'pipe', label: 'bare pipe() proxy', proxy: { kind: 'pipe' } },
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
];

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
}

/** Workload names as printed. */
export const WORKLOAD_LABELS: Record<WorkloadId, string> = {
  bulk: 'bulk, 1 stream',
  rr1: 'round trips, 1 client',
  rr50: 'round trips, 50 clients',
  idle: 'idle connections',
};

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
};

/** Shortest sizes: the CI regression check (bulk and one-client round trips only). */
export const REGRESSION_SIZES: WorkloadSizes = {
  ...QUICK_SIZES,
  bulkWarmupMs: 150,
  bulkMs: 600,
  rrWarmupMs: 150,
  rrMs: 600,
};

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
  const record = (setup: SetupId, workload: WorkloadId, metric: string, value: number): void => {
    const key = `${setup}/${workload}/${metric}`;
    const list = values.get(key) ?? [];
    list.push(value);
    values.set(key, list);
  };
  const setups = SETUPS.filter((s) => config.setups.includes(s.id));
  const traffic = config.workloads.filter((w) => w !== 'idle');
  const script = (name: string): string => join(config.scriptDir, name);

  const children: BenchChild[] = [];
  try {
    const server = await BenchChild.start('upstream server', script('server-process.js'), []);
    children.push(server);
    const loadgen = await BenchChild.start('load generator', script('loadgen-process.js'), []);
    children.push(loadgen);

    for (let run = 1; run <= config.runs; run++) {
      // Each round starts with a different setup, so none is always measured first or last.
      const shift = (run - 1) % setups.length;
      for (const setup of [...setups.slice(shift), ...setups.slice(0, shift)]) {
        const tag = `run ${run}/${config.runs} ${setup.id}`;
        if (traffic.length > 0) {
          const proxy = setup.proxy
            ? await startProxyChild(script('proxy-process.js'), server.port, setup, run, config.cpuProfDir)
            : null;
          try {
            const port = proxy?.port ?? server.port;
            for (const workload of traffic) {
              const cpuBefore = proxy ? await cpu(proxy) : 0;
              const result = await measureTraffic(loadgen, workload, port, sizes);
              const proxyCpu = proxy ? (await cpu(proxy)) - cpuBefore : undefined;
              for (const [metric, value] of Object.entries(trafficMetrics(result, proxyCpu))) record(setup.id, workload, metric, value);
              progress(`${tag} ${workload}: ${describe(result)}`);
            }
          } finally {
            await proxy?.stop();
          }
        }
        if (config.workloads.includes('idle') && setup.proxy) {
          const sample = await measureIdle(script('proxy-process.js'), server.port, loadgen, setup, sizes);
          record(setup.id, 'idle', 'kbPerConn', sample.kbPerConn);
          record(setup.id, 'idle', 'heapKBPerConn', sample.heapKBPerConn);
          record(setup.id, 'idle', 'rssMB', sample.rssMB);
          progress(`${tag} idle: ${sample.connections} connections, ${sample.kbPerConn.toFixed(1)} KB/conn, RSS ${sample.rssMB.toFixed(0)} MB`);
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
  setup: Setup,
  run: number,
  cpuProfDir?: string,
): Promise<BenchChild> {
  const execArgv = ['--expose-gc'];
  if (cpuProfDir !== undefined) {
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=${setup.id}-run${run}.cpuprofile`);
  }
  return BenchChild.start(`proxy (${setup.id})`, script, [String(upstreamPort), JSON.stringify(setup.proxy)], { execArgv });
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
      return load.warmupMs + load.durationMs + 15_000;
    case 'idle':
      return 60_000 + load.connections * 5;
  }
}

async function measureTraffic(loadgen: BenchChild, workload: WorkloadId, port: number, sizes: WorkloadSizes): Promise<LoadResult> {
  switch (workload) {
    case 'bulk':
      return task(loadgen, { kind: 'bulk', port, warmupMs: sizes.bulkWarmupMs, durationMs: sizes.bulkMs });
    case 'rr1':
    case 'rr50':
      return task(loadgen, {
        kind: 'rr',
        port,
        clients: workload === 'rr1' ? 1 : 50,
        messageBytes: sizes.rrMessageBytes,
        warmupMs: sizes.rrWarmupMs,
        durationMs: sizes.rrMs,
      });
    case 'idle':
      throw new Error('idle is measured on a fresh proxy process');
  }
}

/**
 * The numbers of one traffic measurement. `proxyCpuMicros` (the proxy process's CPU time over the
 * whole task) gives the cost per byte or per round trip: steadier than throughput on a shared
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
    case 'idle':
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
    case 'idle':
      return `${result.connections} connections`;
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
