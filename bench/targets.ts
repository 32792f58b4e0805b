/**
 * The performance targets as data. Most are a ratio of a Faultline median to another setup's median
 * measured in the same run (Toxiproxy, the bare `pipe()` proxy, a bare node:http proxy); a few are
 * absolute bounds on a Faultline median. `npm run bench -- --check` exits non-zero when one is
 * missed; a target whose rows were not measured (e.g. `--only bulk-down`, or Toxiproxy not
 * installed) is reported as not run.
 * @module
 */
import { findSeries, type BenchResult } from './runner.js';
import { SETUPS, type SetupId, type WorkloadId } from './setups.js';

/** One target: `setup`'s median of `metric`, over `baseline`'s median (a ratio) or as it is. */
export interface Target {
  /** The row as the performance issues word it. */
  label: string;
  setup: SetupId;
  /** The setup divided by, measured in the same run; absent for an absolute bound. */
  baseline?: SetupId;
  workload: WorkloadId;
  metric: string;
  /** `min`: the value must be at least `value`; `max`: at most. */
  bound: 'min' | 'max';
  value: number;
  /** Unit of an absolute value, as printed. */
  unit?: string;
}

const vsToxiproxy = (
  label: string,
  workload: WorkloadId,
  metric: string,
  bound: 'min' | 'max',
  value: number,
  toxic: '' | '-latency0' | '-latency1' = '',
): Target => ({
  label,
  setup: `faultline${toxic}`,
  baseline: `toxiproxy${toxic}`,
  workload,
  metric,
  bound,
  value,
});

/** The targets this bench checks: against Toxiproxy first, then against the bare proxies, then absolute bounds. */
export const TARGETS: readonly Target[] = [
  vsToxiproxy('bulk, server → client', 'bulk-down', 'gbps', 'min', 1.5),
  vsToxiproxy('bulk, client → server', 'bulk-up', 'gbps', 'min', 1.5),
  vsToxiproxy('iperf3 -R, server → client', 'iperf-down', 'gbps', 'min', 1.5),
  vsToxiproxy('iperf3 -c, client → server', 'iperf-up', 'gbps', 'min', 1.5),
  vsToxiproxy('bulk, server → client, latency 0 ms both ways', 'bulk-down', 'gbps', 'min', 1.3, '-latency0'),
  vsToxiproxy('bulk, client → server, latency 0 ms both ways', 'bulk-up', 'gbps', 'min', 1.3, '-latency0'),
  vsToxiproxy('iperf3 -R, latency 0 ms both ways', 'iperf-down', 'gbps', 'min', 1.3, '-latency0'),
  vsToxiproxy('iperf3 -c, latency 0 ms both ways', 'iperf-up', 'gbps', 'min', 1.3, '-latency0'),
  vsToxiproxy('round trips, 1 client', 'rr1', 'rps', 'min', 1.3),
  vsToxiproxy('round trips, 50 clients', 'rr50', 'rps', 'min', 1.3),
  vsToxiproxy('round trips, 50 clients, p99', 'rr50', 'p99', 'max', 1.0),
  vsToxiproxy('round trips, 50 clients, latency 0 ms both ways', 'rr50', 'rps', 'min', 1.2, '-latency0'),
  vsToxiproxy('round trips, 1 client, latency 1 ms both ways', 'rr1', 'rps', 'min', 0.95, '-latency1'),
  vsToxiproxy('RSS with the idle connections held', 'idle', 'rssMB', 'max', 0.8),
  vsToxiproxy('start → first 200 on /version, median', 'startup', 'ms', 'max', 2),
  vsToxiproxy('first connection, latency 100 ms: added time, median', 'first', 'addedMs', 'max', 1),
  vsToxiproxy('first connection, latency 100 ms: added time, p95', 'first', 'addedP95', 'max', 1),
  {
    label: 'HTTP round trips, 1 client',
    setup: 'faultline-http',
    baseline: 'node-http',
    workload: 'http1',
    metric: 'rps',
    bound: 'min',
    value: 0.95,
  },
  {
    label: 'HTTP round trips, 50 clients',
    setup: 'faultline-http',
    baseline: 'node-http',
    workload: 'http50',
    metric: 'rps',
    bound: 'min',
    value: 0.95,
  },
  {
    label: 'bulk, server → client',
    setup: 'faultline',
    baseline: 'pipe',
    workload: 'bulk-down',
    metric: 'gbps',
    bound: 'min',
    value: 0.95,
  },
  { label: 'bulk, client → server', setup: 'faultline', baseline: 'pipe', workload: 'bulk-up', metric: 'gbps', bound: 'min', value: 0.95 },
  {
    label: 'bulk, server → client, latency 0 ms both ways',
    setup: 'faultline-latency0',
    baseline: 'pipe',
    workload: 'bulk-down',
    metric: 'gbps',
    bound: 'min',
    value: 0.8,
  },
  { label: 'round trips, 1 client', setup: 'faultline', baseline: 'pipe', workload: 'rr1', metric: 'rps', bound: 'min', value: 0.9 },
  { label: 'round trips, 50 clients', setup: 'faultline', baseline: 'pipe', workload: 'rr50', metric: 'rps', bound: 'min', value: 0.9 },
  {
    label: 'round trips, 50 clients, p99',
    setup: 'faultline',
    baseline: 'pipe',
    workload: 'rr50',
    metric: 'p99',
    bound: 'max',
    value: 1.2,
  },
  {
    label: 'idle RSS of faultline serve (one proxy)',
    setup: 'faultline',
    workload: 'idle',
    metric: 'baseRssMB',
    bound: 'max',
    value: 45,
    unit: 'MB',
  },
  {
    label: 'start → first 200 on /version, median',
    setup: 'faultline',
    workload: 'startup',
    metric: 'ms',
    bound: 'max',
    value: 300,
    unit: 'ms',
  },
  {
    label: 'no decay over 10 consecutive uploads in one process',
    setup: 'faultline',
    workload: 'decay',
    metric: 'lastOverFirst',
    bound: 'min',
    value: 0.9,
  },
  {
    label: 'latency 20 ms, 50 streams: release-time error p99',
    setup: 'engine-latency20',
    workload: 'delay',
    metric: 'releaseP99',
    bound: 'max',
    value: 2,
    unit: 'ms',
  },
  {
    label: 'slow reader among 100 streams: the other 99, with / without it',
    setup: 'engine',
    workload: 'slow',
    metric: 'others',
    bound: 'min',
    value: 0.9,
  },
  {
    // 100 connections × 2 sockets × a 64 KiB high-water mark is about 13 MB; a proxy without
    // backpressure holds the slow reader's whole backlog (hundreds of MB within seconds).
    label: 'slow reader among 100 streams: proxy Buffer memory growth',
    setup: 'engine',
    workload: 'slow',
    metric: 'buffersMB',
    bound: 'max',
    value: 16,
    unit: 'MB',
  },
];

/** A target's outcome. `measured` is undefined when a side it needs was not measured. */
export interface Verdict {
  target: Target;
  measured: number | undefined;
  met: boolean | undefined;
}

/** Checks every target against the medians of `result`. */
export function evaluateTargets(result: BenchResult, targets: readonly Target[] = TARGETS): Verdict[] {
  return targets.map((target) => {
    const measured =
      target.baseline !== undefined
        ? medianRatio(result, target.setup, target.baseline, target.workload, target.metric)
        : findSeries(result, target.setup, target.workload, target.metric)?.summary.median;
    if (measured === undefined) return { target, measured, met: undefined };
    return { target, measured, met: target.bound === 'min' ? measured >= target.value : measured <= target.value };
  });
}

/** `setup`'s median over `baseline`'s median for one metric, or undefined if either is missing. */
export function medianRatio(
  result: BenchResult,
  setup: SetupId,
  baseline: SetupId,
  workload: WorkloadId,
  metric: string,
): number | undefined {
  const a = findSeries(result, setup, workload, metric);
  const b = findSeries(result, baseline, workload, metric);
  if (!a || !b || b.summary.median === 0) return undefined;
  return a.summary.median / b.summary.median;
}

function withUnit(value: string, target: Target): string {
  if (target.baseline !== undefined) return `${value}×`;
  return target.unit ? `${value} ${target.unit}` : value;
}

/** `≥ 1.5× toxiproxy` / `≤ 2 ms`, as the issues write them. */
export function formatBound(target: Target): string {
  const base = target.baseline !== undefined ? ` ${SETUPS.find((s) => s.id === target.baseline)?.label ?? target.baseline}` : '';
  return `${target.bound === 'min' ? '≥' : '≤'} ${withUnit(String(target.value), target)}${base}`;
}

/** A verdict's measured value, in the target's terms. */
export function formatMeasured(verdict: Verdict): string {
  return verdict.measured === undefined ? '–' : withUnit(verdict.measured.toFixed(2), verdict.target);
}
