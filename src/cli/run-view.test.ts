/**
 * What `faultline run` shows people: counts in words (`1 step`, `2 faults`), a fleet's faults once
 * per target, a ramp's current value, and a clock that never runs backwards.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.js';
import { createJournal } from '../scenario/journal.js';
import { parseScenario } from '../scenario/load.js';
import { ScenarioRun } from '../scenario/runner.js';
import { FakeAdmin } from '../testing/fake-admin.js';
import { settle } from '../testing/run-harness.js';
import { summary } from './run.js';
import { eventLine, LiveView } from './run-view.js';

const { plan } = parseScenario(
  `version: 1
name: one
seed: 1
proxies: [{ name: db, upstream: "h:1" }]
steps:
  - ramp: { proxy: db, name: creep, type: latency, attribute: latency, from: 0, to: 20, over: 2s, steps: 2 }
`,
  { file: 'o.yaml' },
);

describe('run output', () => {
  it('counts in words: one step, one action', () => {
    const journal = { ...createJournal(plan, { targets: ['http://t'] }), verdict: 'passed' as const, elapsed_ms: 2_000 };
    journal.rollback.push({ at_ms: 2_000, target: 'http://t', action: 'delete proxy db', ok: true });
    expect(summary(journal)).toBe('verdict: passed\n0/1 step, 0 faults applied, 0 probe checks (0 failed), rollback: 1 action, 2s\n');
  });

  it('a fault on a fleet is one line, and counted once with the toxics it put on the targets', () => {
    const journal = createJournal(plan, { targets: ['http://a', 'http://b'] });
    const fault = journal.steps[0]?.faults[0];
    if (!fault) throw new Error('no fault');
    fault.applied_ms = 0;
    fault.lease_ms = 32_000;
    fault.targets = 2;
    expect(eventLine({ type: 'fault', journal, step: 0, fault, change: 'applied' })).toBe(
      '[   +0.000s] fault applied: latency creep on db on 2 targets (lease 32s)',
    );
    expect(summary(journal)).toContain(', 1 fault applied, 2 toxics on 2 targets, ');
  });

  it("the live view shows a ramp's current value", () => {
    const journal = createJournal(plan, { targets: ['http://t'] });
    const fault = journal.steps[0]?.faults[0];
    if (!fault) throw new Error('no fault');
    fault.applied_ms = 0;
    fault.updates = [{ at_ms: 1_000, attributes: { latency: 10 } }];
    journal.status = 'running';
    const out: string[] = [];
    const view = new LiveView(
      (t) => out.push(t),
      { tty: true, color: false },
      () => 1_000,
    );
    view.onEvent({ type: 'status', journal });
    view.close(journal);
    expect(out.join('')).toContain('faults in place: creep@db latency=10');
  });

  it('the timeline clock stays at 0 until the timeline starts, then counts up from there', async () => {
    const clock = new FakeClock();
    const { plan: probed } = parseScenario(
      `version: 1
name: p
proxies: [{ name: db, upstream: "h:1" }]
probes: [{ name: up, tcp: { address: "h:1" }, mode: before }]
steps: [{ wait: 1s }]
`,
      { file: 'p.yaml' },
    );
    const seen: number[] = [];
    const run = new ScenarioRun({
      plan: probed,
      targets: [{ url: 'http://t', client: new FakeAdmin(clock) }],
      clock,
      // The `before` probe takes 300 ms: the timeline starts after it.
      check: () => new Promise((resolve) => clock.setTimeout(() => resolve({ ok: true, ms: 300, detail: 'ok' }), 300)),
      onEvent: () => seen.push(run.timelineMs),
    });
    void run.run();
    for (let t = 0; t < 1_500; t += 50) {
      await settle();
      seen.push(run.timelineMs);
      clock.advance(50);
    }
    await settle();
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] ?? 0);
    expect(seen[0]).toBe(0);
    expect(seen).toContain(1_000);
  });
});
