/**
 * CI guard against gross performance regressions: a short run of the bench for the bare `pipe()`
 * proxy and `faultline serve`, each in its own process: bulk throughput both ways and one-client
 * round trips without toxics, and 50-client round trips with a latency 0 ms toxic both ways. It runs
 * next to other test files on a small machine, so it compares best-of-runs and fails only below half
 * the bare pipe proxy; a miss is measured again (up to twice) before it counts.
 *
 * The proxy, server and load generator processes run from dist/ (`npm test` builds first).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findSeries, runBench, type BenchResult } from './runner.js';
import { REGRESSION_SIZES, type SetupId, type WorkloadId } from './setups.js';

const scriptDir = fileURLToPath(new URL('../dist/bench/', import.meta.url));
const MIN_RATIO = 0.5;
const CHECKS: ReadonlyArray<{ setup: SetupId; workload: WorkloadId; metric: string; label: string }> = [
  { setup: 'faultline', workload: 'bulk-down', metric: 'gbps', label: 'bulk, server → client' },
  { setup: 'faultline', workload: 'bulk-up', metric: 'gbps', label: 'bulk, client → server' },
  { setup: 'faultline', workload: 'rr1', metric: 'rps', label: 'round trips, 1 client' },
  { setup: 'faultline-latency0', workload: 'rr50', metric: 'rps', label: 'round trips, 50 clients, latency 0 ms both ways' },
];
const PAIRS = CHECKS.flatMap((c) => [[c.setup, c.workload] as const, ['pipe', c.workload] as const]);

/** Best value of one metric over every attempt so far. */
function best(results: BenchResult[], setup: SetupId, workload: WorkloadId, metric: string): number {
  const values = results.flatMap((r) => findSeries(r, setup, workload, metric)?.values ?? []);
  if (values.length === 0) throw new Error(`${setup} ${workload} was not measured`);
  return Math.max(...values);
}

describe('performance regression check', () => {
  it('Faultline keeps at least half of the bare pipe proxy on bulk both ways, 1-client round trips and 50 clients with latency 0', async () => {
    if (!existsSync(`${scriptDir}proxy-process.js`)) throw new Error('dist/bench is missing: run `npm run build` first');
    const results: BenchResult[] = [];
    const ratios = (): number[] =>
      CHECKS.map((c) => best(results, c.setup, c.workload, c.metric) / best(results, 'pipe', c.workload, c.metric));
    // One short round (about 10 s), and up to two more only while a ratio comes out low.
    for (const runs of [1, 1, 1]) {
      results.push(
        await runBench({
          scriptDir,
          runs,
          setups: ['pipe', 'faultline', 'faultline-latency0'],
          workloads: ['bulk-down', 'bulk-up', 'rr1', 'rr50'],
          pairs: PAIRS,
          sizes: REGRESSION_SIZES,
        }),
      );
      if (ratios().every((r) => r >= MIN_RATIO)) break;
    }
    CHECKS.forEach((check, i) => {
      const faultline = best(results, check.setup, check.workload, check.metric);
      const pipe = best(results, 'pipe', check.workload, check.metric);
      expect(ratios()[i], `${check.label}: Faultline ${faultline.toFixed(1)} vs bare pipe ${pipe.toFixed(1)}`).toBeGreaterThanOrEqual(
        MIN_RATIO,
      );
    });
  }, 90_000);
});
