/**
 * The pieces of `faultline run` that need no process: `--time-scale`, exit codes, the summary, the
 * plain log lines and the dry-run text.
 */
import { describe, expect, it } from 'vitest';
import { createJournal, type Journal } from '../scenario/journal.js';
import { parseScenario } from '../scenario/load.js';
import { UsageError } from './args.js';
import { planText } from '../scenario/plan-text.js';
import { exitCode, parseTimeScale, RUN_EXIT, summary } from './run.js';
import { eventLine, LogView, stamp } from './run-view.js';

const { plan } = parseScenario(
  `version: 1
name: view
seed: 5
proxies:
  - { name: db, upstream: "h:1", keep: true }
probes:
  - { name: api, http: { url: "http://h/health", status: 200 }, interval: 2s, fail_after: 3, abort_on_failure: true }
  - { name: pre, tcp: { address: "h:1" }, mode: before }
steps:
  - name: slow
    toxic: { proxy: db, type: latency, attributes: { latency: 80 } }
    for: 10s
  - ramp: { proxy: db, name: creep, type: latency, attribute: latency, from: 0, to: 20, over: 2s, steps: 2 }
  - action: { type: kill_connections, proxy: db }
`,
  { file: 'v.yaml' },
);

function journal(patch: Partial<Journal> = {}): Journal {
  return { ...createJournal(plan, { targets: ['http://t'] }), ...patch };
}

describe('faultline run helpers', () => {
  it('reads --time-scale as a number above 0', () => {
    expect(parseTimeScale(undefined)).toBeUndefined();
    expect(parseTimeScale('0.25')).toBe(0.25);
    for (const bad of ['0', '-1', 'fast', '', 'Infinity']) expect(() => parseTimeScale(bad)).toThrow(UsageError);
  });

  it('maps verdicts and causes to exit codes', () => {
    expect(exitCode(journal({ verdict: 'passed' }))).toBe(RUN_EXIT.passed);
    expect(exitCode(journal({ verdict: 'failed', cause: 'probe' }))).toBe(1);
    expect(exitCode(journal({ verdict: 'aborted', cause: 'step' }))).toBe(1);
    expect(exitCode(journal({ verdict: 'aborted', cause: 'unreachable' }))).toBe(3);
    expect(exitCode(journal({ verdict: 'aborted', cause: 'signal' }), 'SIGINT')).toBe(130);
    expect(exitCode(journal({ verdict: 'aborted', cause: 'signal' }), 'SIGTERM')).toBe(143);
  });

  it('sums a run up in two lines', () => {
    expect(summary(journal({ verdict: 'failed', reason: 'probe api failed: HTTP 503', elapsed_ms: 12_345 }))).toBe(
      'verdict: failed — probe api failed: HTTP 503\n0/3 steps, 0 faults applied, 0 probe checks (0 failed), rollback: 0 actions, 12.345s\n',
    );
  });

  it('prints the dry-run timeline, one line per operation', () => {
    expect(planText(plan)).toBe(`view
seed 5, runs 12s, rollback always

proxies (created unless they exist):
  db: 127.0.0.1:0 → h:1, kept at the end

probes:
  api: GET http://h/health — continuous every 2s, fails after 3 in a row, aborts the run
  pre: tcp h:1 — before

timeline:
  +0s      step 1 (slow): latency on db (downstream) latency=80 for 10s
  +0s        add latency latency_downstream on db for 10s
  +10s       remove latency_downstream from db
  +10s     step 2: ramp latency.latency on db (downstream) 0 → 20 over 2s, held until the end
  +10s       add latency creep on db until the end
  +11s       update creep on db: latency=10
  +12s     step 3: kill_connections db
  +12s       update creep on db: latency=20
  +12s       kill_connections db
  +12s     end: roll back every fault still in place, remove created proxies
`);
  });
});

describe('log lines', () => {
  it('stamps times on the timeline with a fixed width', () => {
    expect(stamp(0)).toBe('[   +0.000s]');
    expect(stamp(61_234)).toBe('[  +61.234s]');
    expect(stamp(-50)).toBe('[   -0.050s]');
  });

  it('writes one line per event worth reading', () => {
    const j = journal({ status: 'running', elapsed_ms: 1_500 });
    const step = j.steps[0];
    const fault = step?.faults[0];
    if (!step || !fault) throw new Error('no step');
    step.status = 'running';
    fault.lease_ms = 10_000;
    const lines: string[] = [];
    const view = new LogView((text) => lines.push(text));
    view.onEvent({ type: 'step', journal: j, step: 0 });
    view.onEvent({ type: 'fault', journal: j, step: 0, fault, change: 'applied' });
    const probe = j.probes[0];
    if (!probe) throw new Error('no probe');
    probe.results.push({ at_ms: 1_500, ok: false, ms: 3, detail: 'HTTP 503 (expected 200)' });
    view.onEvent({ type: 'probe', journal: j, probe, changed: false });
    probe.status = 'passing';
    probe.results.push({ at_ms: 1_500, ok: true, ms: 2, detail: 'HTTP 200' });
    view.onEvent({ type: 'probe', journal: j, probe, changed: true });
    view.onEvent({ type: 'probe', journal: j, probe, changed: false });
    view.onEvent({
      type: 'rollback',
      journal: j,
      record: { at_ms: 1_500, target: 'http://t', action: 'delete proxy db', ok: false, error: 'HTTP 500: x' },
    });
    view.onEvent({ type: 'warning', journal: j, message: 'careful' });
    view.note('a note');
    expect(lines.join('')).toBe(
      [
        '[   +1.500s] step 1 (slow) started: latency on db (downstream) latency=80 for 10s',
        '[   +1.500s] fault applied: latency latency_downstream on db (lease 10s)',
        '[   +1.500s] probe api: check failed (HTTP 503 (expected 200), 3ms)',
        '[   +1.500s] probe api: passing (HTTP 200, 2ms)',
        '[   +1.500s] rollback: delete proxy db FAILED: HTTP 500: x',
        '[   +1.500s] warning: careful',
        'a note',
        '',
      ].join('\n'),
    );
    expect(eventLine({ type: 'status', journal: { ...j, status: 'rolling_back' } })).toBe('[   +1.500s] rolling back');
  });
});
