/**
 * CI guard against gross performance regressions: a short run of the bench (bulk throughput and
 * one-client round trips) for the bare `pipe()` proxy and Faultline, each in its own process.
 * It runs next to other test files on a small machine, so it compares best-of-runs and fails only
 * below half the bare pipe proxy; a miss is measured once more before it counts.
 *
 * The proxy, server and load generator processes run from dist/ (`npm test` builds first).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findSeries, REGRESSION_SIZES, runBench, type BenchResult, type WorkloadId } from './runner.js';

const scriptDir = fileURLToPath(new URL('../dist/bench/', import.meta.url));
const MIN_RATIO = 0.5;
const CHECKS: ReadonlyArray<{ workload: WorkloadId; metric: string; label: string }> = [
  { workload: 'bulk', metric: 'gbps', label: 'bulk throughput' },
  { workload: 'rr1', metric: 'rps', label: 'round trips, 1 client' },
];

/** Best value of one metric over every attempt so far. */
function best(results: BenchResult[], setup: 'pipe' | 'faultline', workload: WorkloadId, metric: string): number {
  const values = results.flatMap((r) => findSeries(r, setup, workload, metric)?.values ?? []);
  if (values.length === 0) throw new Error(`${setup} ${workload} was not measured`);
  return Math.max(...values);
}

describe('performance regression check', () => {
  it('Faultline keeps at least half of the bare pipe proxy on bulk throughput and 1-client round trips', async () => {
    if (!existsSync(`${scriptDir}proxy-process.js`)) throw new Error('dist/bench is missing: run `npm run build` first');
    const results: BenchResult[] = [];
    const ratios = (): number[] =>
      CHECKS.map((c) => best(results, 'faultline', c.workload, c.metric) / best(results, 'pipe', c.workload, c.metric));
    // Two short rounds, and two more only when a ratio came out low: both cores are busy for about
    // 6 s, 15 s at most on a busy machine.
    for (const runs of [2, 2]) {
      results.push(
        await runBench({ scriptDir, runs, setups: ['pipe', 'faultline'], workloads: ['bulk', 'rr1'], sizes: REGRESSION_SIZES }),
      );
      if (ratios().every((r) => r >= MIN_RATIO)) break;
    }
    CHECKS.forEach((check, i) => {
      const faultline = best(results, 'faultline', check.workload, check.metric);
      const pipe = best(results, 'pipe', check.workload, check.metric);
      expect(ratios()[i], `${check.label}: Faultline ${faultline.toFixed(1)} vs bare pipe ${pipe.toFixed(1)}`).toBeGreaterThanOrEqual(
        MIN_RATIO,
      );
    });
  }, 60_000);
});
