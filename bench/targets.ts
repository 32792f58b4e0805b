/**
 * The performance targets (issue #7) as data. Most are a ratio of a Faultline median to the bare
 * `pipe()` proxy's median, measured in the same run; a few are absolute bounds on a Faultline median.
 * `npm run bench -- --check` exits non-zero when one is missed; a target whose row was not measured
 * (e.g. `--only bulk`) is reported as not run.
 * @module
 */
import { findSeries, type BenchResult, type SetupId, type WorkloadId } from './runner.js';

/** One target: `setup`'s median of `metric`, over the pipe proxy's median (`ratio`) or as it is (`absolute`). */
export interface Target {
  /** The row as the performance issue words it. */
  label: string;
  setup: SetupId;
  workload: WorkloadId;
  metric: string;
  /** `min`: the value must be at least `value`; `max`: at most. */
  bound: 'min' | 'max';
  kind: 'ratio' | 'absolute';
  value: number;
  /** Unit of an absolute value, as printed. */
  unit?: string;
}

/** The targets this bench checks. */
export const TARGETS: readonly Target[] = [
  { label: 'bulk, no toxic', setup: 'faultline', workload: 'bulk', metric: 'gbps', bound: 'min', kind: 'ratio', value: 0.95 },
  {
    label: 'bulk, latency 0 ms both ways',
    setup: 'faultline-latency0',
    workload: 'bulk',
    metric: 'gbps',
    bound: 'min',
    kind: 'ratio',
    value: 0.8,
  },
  { label: 'round trips, 1 client', setup: 'faultline', workload: 'rr1', metric: 'rps', bound: 'min', kind: 'ratio', value: 0.9 },
  { label: 'round trips, 50 clients', setup: 'faultline', workload: 'rr50', metric: 'rps', bound: 'min', kind: 'ratio', value: 0.9 },
  { label: 'round trips, 50 clients, p99', setup: 'faultline', workload: 'rr50', metric: 'p99', bound: 'max', kind: 'ratio', value: 1.2 },
  { label: 'memory per idle connection', setup: 'faultline', workload: 'idle', metric: 'kbPerConn', bound: 'max', kind: 'ratio', value: 1.2 },
  {
    label: 'latency 20 ms, 50 streams: release-time error p99',
    setup: 'faultline-latency20',
    workload: 'delay',
    metric: 'releaseP99',
    bound: 'max',
    kind: 'absolute',
    value: 2,
    unit: 'ms',
  },
  {
    label: 'slow reader among 100 streams: the other 99, with / without it',
    setup: 'faultline',
    workload: 'slow',
    metric: 'others',
    bound: 'min',
    kind: 'absolute',
    value: 0.9,
  },
  {
    // 100 connections × 2 sockets × a 64 KiB high-water mark is about 13 MB; a proxy without
    // backpressure holds the slow reader's whole backlog (hundreds of MB within seconds).
    label: 'slow reader among 100 streams: proxy Buffer memory growth',
    setup: 'faultline',
    workload: 'slow',
    metric: 'buffersMB',
    bound: 'max',
    kind: 'absolute',
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
      target.kind === 'ratio'
        ? medianRatio(result, target.setup, 'pipe', target.workload, target.metric)
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
  if (target.kind === 'ratio') return `${value}×`;
  return target.unit ? `${value} ${target.unit}` : value;
}

/** `≥ 0.95×` / `≤ 2 ms`, as the issue writes them. */
export function formatBound(target: Target): string {
  return `${target.bound === 'min' ? '≥' : '≤'} ${withUnit(String(target.value), target)}`;
}

/** A verdict's measured value, in the target's terms. */
export function formatMeasured(verdict: Verdict): string {
  return verdict.measured === undefined ? '–' : withUnit(verdict.measured.toFixed(2), verdict.target);
}
