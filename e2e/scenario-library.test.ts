/**
 * Every scenario of `configs/scenarios/` runs, as shipped, with the built `faultline run` against a
 * small real application (an HTTP service whose dependencies sit behind the scenario's proxy). The
 * files' own durations are minutes long; `--time-scale` compresses each run to about three seconds
 * (fault magnitudes — latencies, rates — are not scaled). Each run must pass, apply and revert
 * every fault it planned, and the application must have felt the faults.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../src/scenario/load.js';
import { runCli } from './helpers/faultline.js';
import { freePort } from './helpers/net.js';
import { startScenarioApp, type ScenarioApp } from './helpers/scenario-app.js';
import { scratchDir } from './helpers/scenario-run.js';

const LIBRARY = new URL('../configs/scenarios/', import.meta.url);
/** How long each compressed run lasts, in ms. */
const RUN_MS = 3_000;

let scratch: Awaited<ReturnType<typeof scratchDir>>;

beforeAll(async () => {
  scratch = await scratchDir();
});

afterAll(async () => {
  await scratch?.cleanup();
});

/** Scenarios whose faults must show in the application's answers (a 503 or a skewed clock). */
const FELT: Record<string, (app: ScenarioApp) => boolean> = {
  'request-lost': (app) => (app.answered.get(503) ?? 0) > 0,
  'request-queued': (app) => (app.answered.get(503) ?? 0) > 0,
  'remote-crashed': (app) => (app.answered.get(503) ?? 0) > 0,
  'remote-paused': (app) => (app.answered.get(503) ?? 0) > 0,
  'reply-lost': (app) => (app.answered.get(503) ?? 0) > 0,
  'reply-delayed': (app) => (app.answered.get(503) ?? 0) > 0,
  'one-way-partition': (app) => (app.answered.get(503) ?? 0) > 0,
  'slow-degradation': (app) => (app.answered.get(503) ?? 0) > 0,
  monkey: (app) => (app.answered.get(503) ?? 0) > 0,
  'chaos-monkey': (app) => (app.answered.get(503) ?? 0) > 0,
  'clock-skew-drill': () => true,
};

describe('the scenario library', async () => {
  const files = (await readdir(LIBRARY)).filter((f) => f.endsWith('.yaml')).sort();

  it('has the six points of failure and the game days', () => {
    expect(files).toEqual([
      'chaos-monkey.yaml',
      'clock-skew-drill.yaml',
      'monkey.yaml',
      'one-way-partition.yaml',
      'remote-crashed.yaml',
      'remote-paused.yaml',
      'reply-delayed.yaml',
      'reply-lost.yaml',
      'request-lost.yaml',
      'request-queued.yaml',
      'slow-degradation.yaml',
    ]);
  });

  // Two runs at a time (the e2e project's maxConcurrency): a compressed run probes every few
  // milliseconds, and more at once would starve each other (and the rest of the suite) of the CPU.
  it.concurrent.each(files)('%s runs and passes against a real application', async (name) => {
    const path = new URL(name, LIBRARY).pathname;
    const listen = `127.0.0.1:${await freePort()}`;
    const http = name === 'clock-skew-drill.yaml';
    // A short deadline on the TCP dependency, so that every fault of the library is felt within a
    // compressed run; the clock drill's HTTP calls keep a generous one.
    const app = await startScenarioApp({ tcpVia: listen, httpVia: listen, deadlineMs: 100 });
    try {
      const env = {
        LISTEN: listen,
        UPSTREAM: http ? app.httpUpstream : app.tcpUpstream,
        HEALTH_URL: `${app.url}/health`,
        TIME_URL: `${app.url}/time`,
      };
      const { plan } = await loadScenario(path, { env });
      const scale = RUN_MS / plan.durationMs;
      const journalPath = `${scratch.dir}/${name}.json`;
      const out = await runCli(['run', path, '--time-scale', String(scale), '--journal', journalPath], { env, timeoutMs: 90_000 });
      expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
      const journal = await scratch.journal(journalPath);
      expect(journal.verdict).toBe('passed');
      expect(journal.steps.every((s) => s.status === 'done')).toBe(true);
      const faults = journal.steps.flatMap((s) => s.faults);
      expect(faults.length + journal.steps.flatMap((s) => s.actions ?? []).length).toBeGreaterThan(0);
      for (const fault of faults) {
        expect(fault.applied_ms, `${fault.toxic} applied`).not.toBeNull();
        expect(fault.reverted_ms, `${fault.toxic} reverted`).not.toBeNull();
      }
      for (const probe of journal.probes) {
        expect(probe.status, `probe ${probe.name}: ${JSON.stringify(probe.results.slice(-3))}`).toBe('passing');
        expect(probe.checks).toBeGreaterThan(0);
      }
      for (const action of journal.steps.flatMap((s) => s.actions ?? [])) {
        expect(action.applied_ms, `${action.label} taken`).not.toBeNull();
        if (action.planned_end_ms !== null) expect(action.reverted_ms, `${action.label} undone`).not.toBeNull();
      }
      expect(journal.rollback.every((r) => r.ok)).toBe(true);
      const felt = FELT[name.replace(/\.yaml$/, '')];
      expect(felt?.(app), `the application felt the faults: ${JSON.stringify([...app.answered])}`).toBe(true);
    } finally {
      await app.close();
    }
  });
});
