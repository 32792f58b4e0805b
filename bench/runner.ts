/**
 * Runs the bench: every setup (direct, bare proxies, Faultline with and without toxics, Toxiproxy)
 * through every workload, several rounds, one process per role. Rounds are interleaved (each round
 * visits every setup) so slow drift on a shared machine spreads over all setups alike.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchChild } from './children.js';
import { IperfServer, runIperf } from './iperf.js';
import { findPrograms } from './programs.js';
import type { BulkResult, DelayResult, LoadResult, LoadTask, RoundTripResult } from './protocol.js';
import { ProxyServer } from './proxy-server.js';
import { openServerProxy, serverLaunch, startChildProxy, type ProxyContext, type ProxyUnderTest } from './proxy-under-test.js';
import {
  METRICS,
  needsToxiproxy,
  SETUPS,
  WORKLOADS,
  type MetricDef,
  type Setup,
  type SetupId,
  type UpstreamKind,
  type WorkloadDef,
  type WorkloadId,
  type WorkloadSizes,
} from './setups.js';
import { quantile, summarize, type Summary } from './stats.js';

/** What to run. */
export interface BenchConfig {
  /** Folder holding the built `*-process.js` scripts (dist/bench). */
  scriptDir: string;
  runs: number;
  setups: readonly SetupId[];
  workloads: readonly WorkloadId[];
  sizes: WorkloadSizes;
  /** `--toxiproxy PATH`; without it `toxiproxy-server` is looked up on PATH. */
  toxiproxy?: string | undefined;
  /** Only these setup and workload pairs (the CI regression check); by default every workload on each of its setups. */
  pairs?: ReadonlyArray<readonly [SetupId, WorkloadId]>;
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
  /** Things the reader should know (what was found, what was left out and why). */
  notes: string[];
}

/** The series for one setup and metric, if it was measured. */
export function findSeries(result: BenchResult, setup: SetupId, workload: WorkloadId, metric: string): Series | undefined {
  return result.series.find((s) => s.setup === setup && s.metric.workload === workload && s.metric.id === metric);
}

/** The upstreams a workload can reach, by kind (`none`: it needs none). */
type Upstreams = Record<Exclude<UpstreamKind, 'none'>, number>;

/** Runs the bench and returns every measurement. Every process it started is gone when it returns. */
export async function runBench(config: BenchConfig): Promise<BenchResult> {
  const programs = findPrograms(config.toxiproxy);
  const notes: string[] = [...programs.notes];
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
  const setups = SETUPS.filter((s) => config.setups.includes(s.id) && (programs.toxiproxy !== undefined || !needsToxiproxy(s)));
  const workloads = WORKLOADS.filter((w) => config.workloads.includes(w.id) && (programs.iperf3 !== undefined || w.iperf !== true));
  const runs = (setup: Setup, workload: WorkloadDef): boolean =>
    workload.setups.includes(setup.id) &&
    (config.pairs === undefined || config.pairs.some(([s, w]) => s === setup.id && w === workload.id));
  const ctx: ProxyContext = { scriptDir: config.scriptDir, toxiproxy: programs.toxiproxy, cpuProfDir: config.cpuProfDir };
  const script = (name: string): string => join(config.scriptDir, name);

  const children: Array<{ stop(): Promise<void> | void }> = [];
  const failures: string[] = [];
  try {
    const server = await BenchChild.start('upstream server', script('server-process.js'), []);
    children.push(server);
    const loadgen = await BenchChild.start('load generator', script('loadgen-process.js'), []);
    children.push(loadgen);
    let iperfPort = 0;
    if (programs.iperf3 !== undefined && workloads.some((w) => w.iperf === true)) {
      const iperf = await IperfServer.start(programs.iperf3);
      children.push(iperf);
      iperfPort = iperf.port;
    }
    const upstreams: Upstreams = { server: server.port, http: server.httpPort, sink: loadgen.port, iperf: iperfPort };
    const fresh = new FreshMeasures(ctx, loadgen, upstreams, sizes, record, progress);
    children.push(fresh);
    // On a busy machine one measurement can fail (a proxy too slow to start, streams that do not all
    // start in time): it is reported and left out, and the bench goes on, unless a helper has died.
    const attempt = async (what: string, measure: () => Promise<void>): Promise<void> => {
      try {
        await measure();
      } catch (err) {
        if (!server.alive || !loadgen.alive) throw err;
        const line = `${what} failed: ${err instanceof Error ? err.message : String(err)}`;
        progress(line);
        failures.push(line);
        await loadgen.request({ type: 'release' }, 'released', 10_000).catch(() => undefined);
      }
    };

    for (let run = 1; run <= config.runs; run++) {
      // Each round starts with a different setup, so none is always measured first or last.
      const shift = (run - 1) % setups.length;
      for (const setup of [...setups.slice(shift), ...setups.slice(0, shift)]) {
        const tag = `run ${run}/${config.runs} ${setup.id}`;
        const mine = workloads.filter((w) => runs(setup, w) && (w.once !== true || run === 1));
        // Traffic workloads share the setup's proxy process (one proxy per upstream); the others get fresh ones.
        const traffic = mine.filter((w) => !w.fresh);
        // A server setup's program runs once per round, with one proxy per upstream kind.
        const program: { server: ProxyServer | null } = { server: null };
        try {
          for (const upstream of ['server', 'http', 'sink', 'iperf'] as const) {
            const shared = traffic.filter((w) => w.upstream === upstream);
            if (shared.length === 0) continue;
            await attempt(`${tag} ${shared.map((w) => w.id).join(', ')}`, async () => {
              let proxy: ProxyUnderTest | null = null;
              const spec = setup.proxy;
              if (spec?.kind === 'server') {
                program.server ??= await ProxyServer.start(serverLaunch(ctx, spec, `${setup.id}-run${run}`));
                proxy = await openServerProxy(program.server, spec, upstreams[upstream], `bench-${upstream}`);
              } else if (spec) {
                // Frames to the sink are timed inside the proxy too (frame-probe.ts).
                const childSpec = upstream === 'sink' ? { ...spec, probe: true } : spec;
                proxy = await startChildProxy(ctx, childSpec, upstreams[upstream], `${setup.id}-${upstream}-run${run}`, { profile: true });
              }
              try {
                const port = proxy?.port ?? upstreams[upstream];
                for (const workload of shared) {
                  const metrics =
                    workload.upstream === 'iperf'
                      ? await iperfMeasure(programs.iperf3 ?? 'iperf3', workload.id, port, proxy, sizes)
                      : await trafficMeasure(loadgen, workload.id, port, proxy, setup, sizes);
                  record(setup.id, workload.id, metrics.values);
                  progress(`${tag} ${workload.id}: ${metrics.text}`);
                }
              } finally {
                await proxy?.stop();
              }
            });
          }
        } finally {
          await program.server?.stop();
        }
        if (!setup.proxy) continue;
        for (const workload of mine.filter((w) => w.fresh))
          await attempt(`${tag} ${workload.id}`, () => fresh.measure(workload, setup, tag));
      }
    }
  } finally {
    for (const child of children.reverse()) await child.stop();
  }

  const series: Series[] = [];
  for (const setup of setups) {
    for (const metric of METRICS) {
      const list = metric.pooled
        ? pooled(values.get(`${setup.id}/${metric.workload}/${metric.pooled.from}`), metric.pooled.quantile)
        : values.get(`${setup.id}/${metric.workload}/${metric.id}`);
      if (list && list.length > 0) series.push({ setup: setup.id, metric, values: list, summary: summarize(list) });
    }
  }
  const { onProgress: _progress, scriptDir: _dir, ...kept } = config;
  return { config: { ...kept, sizes }, series, notes: [...notes, ...failures] };
}

/** One quantile of every sample of a pooled metric, as a one-value list. */
function pooled(samples: number[] | undefined, q: number): number[] | undefined {
  return samples && samples.length > 0 ? [quantile(samples, q)] : undefined;
}

/** A measurement's numbers and its progress line. */
interface Measured {
  values: Record<string, number>;
  text: string;
}

/** One iperf3 test through `port`; the proxy's CPU time per GiB received when there is a proxy. */
async function iperfMeasure(
  iperf3: string,
  workload: WorkloadId,
  port: number,
  proxy: ProxyUnderTest | null,
  sizes: WorkloadSizes,
): Promise<Measured> {
  const cpuBefore = proxy ? await proxy.cpuMicros() : 0;
  const result = await runIperf(iperf3, port, sizes.iperfSeconds, workload === 'iperf-down');
  const values: Record<string, number> = { gbps: result.bps / 1e9 };
  if (proxy && result.bytes > 0) values['cpuPerGiB'] = ((await proxy.cpuMicros()) - cpuBefore) / 1e6 / (result.bytes / 2 ** 30);
  return { values, text: `${(result.bps / 1e9).toFixed(2)} Gbit/s (iperf3, ${(result.bytes / 2 ** 20).toFixed(0)} MiB)` };
}

/** One load generator task through `port`, with the proxy's CPU time over it (and frame hold times for the delay workload). */
async function trafficMeasure(
  loadgen: BenchChild,
  workload: WorkloadId,
  port: number,
  proxy: ProxyUnderTest | null,
  setup: Setup,
  sizes: WorkloadSizes,
): Promise<Measured> {
  const cpuBefore = proxy ? await proxy.cpuMicros() : 0;
  const result = await task(loadgen, trafficTask(workload, port, setup, sizes));
  const proxyCpu = proxy ? (await proxy.cpuMicros()) - cpuBefore : undefined;
  const values = trafficMetrics(result, proxyCpu);
  let text = describe(result);
  if (proxy && result.kind === 'delay') {
    const holds = await heldInProxy(proxy, result, setup.addedMs ?? 0);
    Object.assign(values, holds);
    text +=
      `; in the proxy, release error p50 ${holds['releaseP50']?.toFixed(2)} ms, ` +
      `p99 ${holds['releaseP99']?.toFixed(2)} ms, max ${holds['releaseMax']?.toFixed(2)} ms`;
  }
  return { values, text };
}

/** The workloads measured on processes of their own: memory, start-up, first connections, decay, slow reader. */
class FreshMeasures {
  /** The server of each setup that first connections are measured on, kept across rounds. */
  private readonly firstServers = new Map<SetupId, ProxyServer>();
  private firstCount = 0;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly loadgen: BenchChild,
    private readonly upstreams: Upstreams,
    private readonly sizes: WorkloadSizes,
    private readonly record: (setup: SetupId, workload: WorkloadId, metrics: Record<string, number>) => void,
    private readonly progress: (line: string) => void,
  ) {}

  async measure(workload: WorkloadDef, setup: Setup, tag: string): Promise<void> {
    switch (workload.id) {
      case 'idle':
        return this.idle(setup, tag);
      case 'slow':
        return this.slowReader(setup, tag);
      case 'startup':
        return this.startup(setup, tag);
      case 'first':
        return this.firstConnections(setup, tag);
      case 'decay':
        return this.decay(setup, tag);
      default:
        throw new Error(`${workload.id} is not measured on a fresh process`);
    }
  }

  /** A fresh proxy of the setup in front of the byte server, with its own process. */
  private async freshProxy(setup: Setup, name: string): Promise<{ proxy: ProxyUnderTest; stop: () => Promise<void> }> {
    const spec = setup.proxy;
    if (!spec) throw new Error(`${setup.id} has no proxy`);
    if (spec.kind === 'server') {
      const server = await ProxyServer.start(serverLaunch(this.ctx, spec));
      try {
        const proxy = await openServerProxy(server, spec, this.upstreams.server, 'bench');
        return { proxy, stop: () => server.stop() };
      } catch (err) {
        await server.stop();
        throw err;
      }
    }
    const proxy = await startChildProxy(this.ctx, spec, this.upstreams.server, name);
    return { proxy, stop: () => proxy.stop() };
  }

  /**
   * Idle connections on a fresh proxy: its process's RSS before (one proxy, idle) and with them
   * held, growth per connection (KB = 1000 bytes), and JS heap growth (bench children, after forced GC).
   */
  private async idle(setup: Setup, tag: string): Promise<void> {
    const { proxy, stop } = await this.freshProxy(setup, `${setup.id}-idle`);
    try {
      await sleep(this.sizes.idleSettleMs);
      const before = await proxy.memory();
      const load = {
        kind: 'idle',
        port: proxy.port,
        connections: this.sizes.idleConnections,
        concurrency: this.sizes.idleConcurrency,
      } as const;
      const result = await task(this.loadgen, load);
      await sleep(this.sizes.idleSettleMs);
      const after = await proxy.memory();
      await this.loadgen.request({ type: 'release' }, 'released', 10_000);
      if (result.kind !== 'idle' || result.connections === 0) throw new Error(`${setup.id}: no idle connection was held`);
      const metrics: Record<string, number> = {
        rssMB: after.rss / 1e6,
        baseRssMB: before.rss / 1e6,
        kbPerConn: (after.rss - before.rss) / result.connections / 1000,
      };
      if (after.heapUsed !== undefined && before.heapUsed !== undefined) {
        metrics['heapKBPerConn'] = (after.heapUsed - before.heapUsed) / result.connections / 1000;
      }
      this.record(setup.id, 'idle', metrics);
      this.progress(
        `${tag} idle: ${result.connections} connections, RSS ${metrics['baseRssMB']?.toFixed(1)} → ${metrics['rssMB']?.toFixed(1)} MB ` +
          `(${metrics['kbPerConn']?.toFixed(1)} KB/conn)`,
      );
    } finally {
      await stop();
    }
  }

  /** Process start to the first 200 on `GET /version`, a few times. */
  private async startup(setup: Setup, tag: string): Promise<void> {
    const spec = setup.proxy;
    if (spec?.kind !== 'server') throw new Error(`${setup.id} is not a server program`);
    const times: number[] = [];
    for (let i = 0; i < this.sizes.startupSamples; i++) {
      const server = await ProxyServer.start(serverLaunch(this.ctx, spec));
      times.push(server.startupMs);
      await server.stop();
    }
    for (const ms of times) this.record(setup.id, 'startup', { ms });
    this.progress(`${tag} startup: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
  }

  /**
   * Fresh proxies, each with a latency toxic downstream, each timed on its first connection: connect
   * plus one round trip, minus the toxic's latency. Every round creates its proxies on the same
   * server process of the setup (started in the first round, stopped by {@link stop}), so the
   * samples are first connections of fresh proxies, as a client test suite makes them, and only the
   * very first is also the process's first.
   */
  private async firstConnections(setup: Setup, tag: string): Promise<void> {
    const spec = setup.proxy;
    if (spec?.kind !== 'server') throw new Error(`${setup.id} is not a server program`);
    const latency = this.sizes.firstLatencyMs;
    let server = this.firstServers.get(setup.id);
    if (!server) {
      server = await ProxyServer.start(serverLaunch(this.ctx, spec));
      this.firstServers.set(setup.id, server);
    }
    const added: number[] = [];
    for (let i = 0; i < this.sizes.firstProxies; i++) {
      const name = `first${this.firstCount++}`;
      const toxic = { type: 'latency', stream: 'downstream', attributes: { latency } };
      const port = await server.createProxy(name, this.upstreams.server, [toxic]);
      const result = await task(this.loadgen, { kind: 'first', port, messageBytes: 16 });
      if (result.kind !== 'first') throw new Error(`unexpected ${result.kind} result for a first connection`);
      added.push(result.ms - latency);
      await server.deleteProxy(name);
    }
    for (const addedMs of added) this.record(setup.id, 'first', { addedMs });
    this.progress(`${tag} first: added ${added.map((a) => a.toFixed(2)).join(', ')} ms`);
  }

  /** Stops the servers kept for first connections. */
  async stop(): Promise<void> {
    for (const server of this.firstServers.values()) await server.stop();
    this.firstServers.clear();
  }

  /** Consecutive uploads through one proxy process: does throughput fall as the process ages? */
  private async decay(setup: Setup, tag: string): Promise<void> {
    const { proxy, stop } = await this.freshProxy(setup, `${setup.id}-decay`);
    const gbps: number[] = [];
    try {
      for (let i = 0; i < this.sizes.decayTransfers; i++) {
        const load = { kind: 'bulk', direction: 'up', port: proxy.port, warmupMs: 100, durationMs: this.sizes.decayMs } as const;
        const result = await task(this.loadgen, load);
        if (result.kind !== 'bulk') throw new Error(`unexpected ${result.kind} result for an upload`);
        gbps.push(bulkGbps(result));
      }
    } finally {
      await stop();
    }
    const three = Math.min(3, gbps.length);
    const first = summarize(gbps.slice(0, three)).median;
    const last = summarize(gbps.slice(-three)).median;
    this.record(setup.id, 'decay', { lastOverFirst: first > 0 ? last / first : 0, firstGbps: gbps[0] ?? 0, lastGbps: gbps.at(-1) ?? 0 });
    this.progress(`${tag} decay: ${gbps.map((g) => g.toFixed(2)).join(', ')} Gbit/s`);
  }

  /**
   * One slow reader among bulk streams, on a fresh proxy process: the fast streams' throughput with
   * the slow reader over without it, and the proxy's memory growth (RSS, and Buffers after forced GC)
   * read while every stream, the lagging slow one included, is still open.
   */
  private async slowReader(setup: Setup, tag: string): Promise<void> {
    const { proxy, stop } = await this.freshProxy(setup, `${setup.id}-slow`);
    try {
      const before = await proxy.memory();
      const result = await task(this.loadgen, {
        kind: 'slow',
        port: proxy.port,
        fast: this.sizes.slowFastStreams,
        slowPauseMs: this.sizes.slowPauseMs,
        lagMs: this.sizes.slowLagMs,
        warmupMs: this.sizes.slowWarmupMs,
        durationMs: this.sizes.slowMs,
      });
      const after = await proxy.memory();
      await this.loadgen.request({ type: 'release' }, 'released', 10_000);
      if (result.kind !== 'slow') throw new Error(`unexpected ${result.kind} result for the slow-reader task`);
      const sample: Record<string, number> = {
        others: result.aloneBps > 0 ? result.withSlowBps / result.aloneBps : 0,
        aloneGbps: (result.aloneBps * 8) / 1e9,
        slowMBps: result.slowBps / 1e6,
        memMB: (after.rss - before.rss) / 1e6,
      };
      if (after.arrayBuffers !== undefined && before.arrayBuffers !== undefined) {
        sample['buffersMB'] = (after.arrayBuffers - before.arrayBuffers) / 1e6;
      }
      this.record(setup.id, 'slow', sample);
      this.progress(
        `${tag} slow: 99 streams ${sample['aloneGbps']?.toFixed(2)} Gbit/s alone, ${sample['others']?.toFixed(2)}× with the slow reader ` +
          `(${sample['slowMBps']?.toFixed(2)} MB/s); proxy RSS +${sample['memMB']?.toFixed(0)} MB, buffers +${sample['buffersMB']?.toFixed(1)} MB`,
      );
    } finally {
      await stop();
    }
  }
}

/**
 * The release error inside the proxy of the frames sent in the delay task's window: the time each
 * was held (from the proxy's read to its write) minus the latency the setup adds.
 */
async function heldInProxy(proxy: ProxyUnderTest, result: DelayResult, addedMs: number): Promise<Record<string, number>> {
  const sample = await proxy.holds(result.fromMs, result.toMs);
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
    case 'first':
      return 15_000;
  }
}

/** The load generator's task for a traffic workload against `port`. */
function trafficTask(workload: WorkloadId, port: number, setup: Setup, sizes: WorkloadSizes): LoadTask {
  switch (workload) {
    case 'bulk-down':
    case 'bulk-up':
      return {
        kind: 'bulk',
        direction: workload === 'bulk-down' ? 'down' : 'up',
        port,
        warmupMs: sizes.bulkWarmupMs,
        durationMs: sizes.bulkMs,
      };
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
    default:
      throw new Error(`${workload} is not a load generator traffic workload`);
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
    case 'first':
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
    case 'first':
      return `${result.ms.toFixed(2)} ms`;
  }
}

function describeRoundTrips(result: RoundTripResult): string {
  const rps = result.completed / result.seconds;
  return `${rps.toFixed(0)} rps, p50 ${result.p50us.toFixed(0)} µs, p99 ${result.p99us.toFixed(0)} µs`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
