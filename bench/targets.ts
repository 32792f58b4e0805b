/**
 * The performance targets (issue #7) as data: each is a ratio of a Faultline median to the bare
 * `pipe()` proxy's median, measured in the same run. `npm run bench -- --check` exits non-zero when
 * one is missed; a target whose row was not measured (e.g. `--only bulk`) is reported as not run.
 * @module
 */
import { findSeries, type BenchResult, type SetupId, type WorkloadId } from './runner.js';

/** One target: `setup`'s median of `metric` over the pipe proxy's, compared with `ratio`. */
export interface Target {
  /** The row as the performance issue words it. */
  label: string;
  setup: SetupId;
  workload: WorkloadId;
  metric: string;
  /** `min`: the ratio must be at least `ratio`; `max`: at most. */
  bound: 'min' | 'max';
  ratio: number;
}

/** The targets this bench can check today. */
export const TARGETS: readonly Target[] = [
  { label: 'bulk, no toxic', setup: 'faultline', workload: 'bulk', metric: 'gbps', bound: 'min', ratio: 0.95 },
  { label: 'bulk, latency 0 ms both ways', setup: 'faultline-latency0', workload: 'bulk', metric: 'gbps', bound: 'min', ratio: 0.8 },
  { label: 'round trips, 1 client', setup: 'faultline', workload: 'rr1', metric: 'rps', bound: 'min', ratio: 0.9 },
  { label: 'round trips, 50 clients', setup: 'faultline', workload: 'rr50', metric: 'rps', bound: 'min', ratio: 0.9 },
  { label: 'round trips, 50 clients, p99', setup: 'faultline', workload: 'rr50', metric: 'p99', bound: 'max', ratio: 1.2 },
  { label: 'memory per idle connection', setup: 'faultline', workload: 'idle', metric: 'kbPerConn', bound: 'max', ratio: 1.2 },
];

/** A target's outcome. `ratio` is undefined when either side was not measured. */
export interface Verdict {
  target: Target;
  ratio: number | undefined;
  met: boolean | undefined;
}

/** Checks every target against the medians of `result`. */
export function evaluateTargets(result: BenchResult, targets: readonly Target[] = TARGETS): Verdict[] {
  return targets.map((target) => {
    const ratio = medianRatio(result, target.setup, 'pipe', target.workload, target.metric);
    if (ratio === undefined) return { target, ratio, met: undefined };
    return { target, ratio, met: target.bound === 'min' ? ratio >= target.ratio : ratio <= target.ratio };
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

/** `≥ 0.95` / `≤ 1.2`, as the issue writes them. */
export function formatBound(target: Target): string {
  return `${target.bound === 'min' ? '≥' : '≤'} ${target.ratio}`;
}
