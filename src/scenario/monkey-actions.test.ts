/**
 * Monkeys that take instances down: a monkey's faults may be actions (`disable`, `kill_connections`,
 * process faults) drawn by the same weights as its toxics from the same seeded schedule; `--dry-run`
 * prints them, the runner carries them out on every target and the journal records each one.
 */
import { describe, expect, it } from 'vitest';
import { eventLine, LiveView } from '../cli/run-view.js';
import { changes, drive, planOf, setup } from '../testing/run-harness.js';
import { createJournal } from './journal.js';
import { junitXml } from './junit.js';
import { monkeySchedule } from './monkey.js';
import { planText } from './plan-text.js';
import type { Monkey } from './schema.js';

const MONKEY = `steps:
  - monkey:
      proxies: [db]
      interval: { min: 300ms, max: 400ms }
      faults:
        - { type: latency, attributes: { latency: 50 }, for: 200ms }
        - { action: disable, for: 250ms, weight: 2 }
        - { action: kill_connections, close: rst }
    for: 4s
`;

describe('a monkey with actions', () => {
  it('draws toxics and actions by weight from one seeded schedule', () => {
    const monkey: Monkey = {
      proxies: ['a'],
      interval: { min: 10, max: 10 },
      faults: [
        { type: 'noop', stream: 'downstream', toxicity: 1, for: 5, weight: 1 },
        { action: 'disable', for: 5, weight: 3 },
      ],
    } as Monkey;
    const schedule = monkeySchedule(monkey, 100_000, 'seed', 0);
    const disables = schedule.filter((i) => i.fault === 1).length;
    // 9 999 draws at 3:1: three quarters are the action, well within noise.
    expect(disables / schedule.length).toBeGreaterThan(0.72);
    expect(disables / schedule.length).toBeLessThan(0.78);
    expect(monkeySchedule(monkey, 100_000, 'seed', 0)).toEqual(schedule);
  });

  it('keeps the schedule of a seed: the same plan twice, another for another seed', () => {
    const text = planText(planOf(MONKEY));
    expect(planText(planOf(MONKEY))).toBe(text);
    expect(planText(planOf(MONKEY.replace('400ms', '410ms')))).not.toBe(text);
  });

  it('prints every action injection and its end in the dry run', () => {
    const text = planText(planOf(MONKEY));
    expect(text).toMatch(/monkey on db: \d+ injections of latency, disable, kill_connections over 4s/);
    expect(text).toMatch(/\n {2}\+[\d.ms]+ +disable db for 250ms\n/);
    expect(text).toMatch(/\n {2}\+[\d.ms]+ +enable db\n/);
    expect(text).toMatch(/\n {2}\+[\d.ms]+ +kill_connections db close=rst\n/);
    expect(text).toMatch(/\n {2}\+[\d.ms]+ +add latency monkey1_\d+_latency on db for 200ms\n/);
  });

  it('disables with a lease for its time and enables again, resets connections, and records each action', async () => {
    const { clock, admins, run } = setup(MONKEY, { targets: 2 });
    for (const admin of admins) {
      admin.seedProxy('db');
      admin.open.set('db', [7]);
    }
    const plan = planOf(MONKEY);
    const planned = plan.steps[0]?.actions ?? [];
    expect(new Set(planned.map((p) => p.action.type))).toEqual(new Set(['disable', 'kill_connections']));
    // A client connects again after each disable.
    const journal = await drive(clock, run, 1, () => {
      for (const admin of admins) if ((admin.open.get('db') ?? []).length === 0) admin.open.set('db', [7]);
    });
    expect(journal.verdict).toBe('passed');
    const records = journal.steps[0]?.actions ?? [];
    expect(records.map((r) => r.label)).toEqual(planned.map((p) => p.label));
    for (const admin of admins) {
      const calls = changes(admin);
      for (const [i, p] of planned.entries()) {
        if (p.action.type === 'disable') {
          // Held 250 ms, cut short at the monkey's end.
          const lease = Math.min(250, 4000 - p.startMs);
          expect(calls).toContain(`${p.startMs} updateProxy db {"enabled":false,"expires_in":${lease}}`);
          expect(calls).toContain(`${p.endMs} updateProxy db {"enabled":true}`);
          expect(records[i]).toMatchObject({
            type: 'disable',
            proxy: 'db',
            applied_ms: p.startMs,
            reverted_ms: p.endMs,
            reverted_by: 'runner',
            lease_ms: lease,
          });
        } else {
          expect(records[i]).toMatchObject({ type: 'kill_connections', applied_ms: p.startMs, reverted_ms: null });
        }
      }
      expect(calls.filter((c) => c.endsWith('closeConnection db/7 rst')).length).toBeGreaterThan(0);
      expect(admin.proxyMap.get('db')?.enabled).toBe(true);
    }
    const xml = junitXml(journal);
    expect(xml).toContain('<system-out>');
    expect(xml).toMatch(/disable db for 250ms, reverted \+[\d.]+s by runner/);
  });

  it('shows each action taken and undone in the log, and what is down in the live view', () => {
    const journal = createJournal(planOf(MONKEY), { targets: ['http://a', 'http://b'] });
    const disable = journal.steps[0]?.actions?.find((a) => a.type === 'disable');
    if (!disable) throw new Error('no disable');
    disable.applied_ms = disable.planned_start_ms;
    journal.elapsed_ms = disable.planned_start_ms;
    journal.status = 'running';
    expect(eventLine({ type: 'action', journal, step: 0, action: disable, change: 'applied' })).toMatch(
      /^\[ +\+[\d.]+s\] action: disable db for 250ms on 2 targets$/,
    );
    const out: string[] = [];
    const view = new LiveView(
      (t) => out.push(t),
      { tty: true, color: false },
      () => disable.planned_start_ms,
    );
    view.onEvent({ type: 'status', journal });
    view.close(journal);
    expect(out.join('')).toContain('\ndown: db\n');
    disable.reverted_ms = disable.planned_end_ms;
    disable.reverted_by = 'runner';
    expect(eventLine({ type: 'action', journal, step: 0, action: disable, change: 'reverted' })).toMatch(
      /action reverted: disable db for 250ms \(by runner\)$/,
    );
  });
});
