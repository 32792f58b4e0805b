/**
 * Fleets on a fake clock against in-memory admin APIs: per-target proxy addresses, a target lost
 * mid-run under each fleet policy (and what the rollback, the journal and the summary say), and
 * discovery finding targets come and go between steps.
 */
import { describe, expect, it } from 'vitest';
import { faultsApplied } from '../cli/run.js';
import { FakeClock } from '../core/clock.js';
import { FakeAdmin, type FakeAdminOptions } from '../testing/fake-admin.js';
import { changes, drive } from '../testing/run-harness.js';
import type { FleetPolicy } from './journal.js';
import { parseScenario } from './load.js';
import { ScenarioRun, type RunEvent, type Target } from './runner.js';

const SCENARIO = `version: 1
name: fleet
seed: 7
proxies:
  - name: cache
    listen: "\${TARGET_HOST}:2637\${TARGET_INDEX}"
    upstream: "\${TARGET_HOST}:6379"
steps:
  - toxic: { proxy: cache, type: latency, attributes: { latency: 100 } }
  - at: 1s
    toxic: { proxy: cache, type: noop }
  - at: 2s
    wait: 1s
`;

interface FleetSetup {
  clock: FakeClock;
  admins: FakeAdmin[];
  options: FakeAdminOptions[];
  run: ScenarioRun;
  events: RunEvent[];
  targets: Target[];
}

function fleet(policy: FleetPolicy | undefined, count = 3, extra: { rediscover?: () => Promise<Target[]> } = {}): FleetSetup {
  const clock = new FakeClock();
  const options: FakeAdminOptions[] = [];
  const admins: FakeAdmin[] = [];
  const targets: Target[] = [];
  for (let i = 0; i < count; i++) {
    const o: FakeAdminOptions = {};
    const admin = new FakeAdmin(clock, o);
    options.push(o);
    admins.push(admin);
    targets.push({ url: `http://127.0.0.${i + 2}:8474`, client: admin, source: 'dns+http://fleet.test:8474' });
  }
  const events: RunEvent[] = [];
  const run = new ScenarioRun({
    plan: parseScenario(SCENARIO, { file: 'fleet.yaml' }).plan,
    targets,
    clock,
    ...(policy !== undefined ? { policy } : {}),
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { clock, admins, options, run, events, targets };
}

/** Makes the second target unreachable halfway between the first and second step. */
function killSecondAt500(setup: FleetSetup): (now: number) => void {
  return (now) => {
    const second = setup.options[1];
    if (now === 500 && second) second.unreachable = true;
  };
}

describe('a fleet', () => {
  it("creates each target's proxies at its own addresses (${TARGET_HOST}, ${TARGET_INDEX})", async () => {
    const setup = fleet(undefined);
    const journal = await drive(setup.clock, setup.run);
    expect(journal.verdict).toBe('passed');
    expect(journal.proxies.map((p) => [p.target, p.listen])).toEqual([
      ['http://127.0.0.2:8474', '127.0.0.2:26370'],
      ['http://127.0.0.3:8474', '127.0.0.3:26371'],
      ['http://127.0.0.4:8474', '127.0.0.4:26372'],
    ]);
    expect(setup.admins.map((a) => a.proxyMap.size)).toEqual([0, 0, 0]);
    expect(journal.fleet.policy).toBe('all');
    expect(journal.fleet.targets.map((t) => [t.index, t.status, t.changes, t.source])).toEqual([
      [0, 'active', 3, 'dns+http://fleet.test:8474'],
      [1, 'active', 3, 'dns+http://fleet.test:8474'],
      [2, 'active', 3, 'dns+http://fleet.test:8474'],
    ]);
  });

  it('policy all: a target lost mid-run stops the run, and the others are rolled back', async () => {
    const setup = fleet('all');
    const journal = await drive(setup.clock, setup.run, 10, killSecondAt500(setup));
    expect(journal).toMatchObject({ verdict: 'aborted', cause: 'step' });
    expect(journal.reason).toContain('http://127.0.0.3:8474');
    expect(journal.steps.map((s) => s.status)).toEqual(['done', 'failed', 'skipped']);
    for (const admin of [setup.admins[0], setup.admins[2]]) {
      expect(admin?.proxyMap.size).toBe(0);
      expect(changes(admin as FakeAdmin).slice(-3)).toEqual([
        '1000 removeToxic cache/noop_downstream',
        '1000 removeToxic cache/latency_downstream',
        '1000 deleteProxy cache',
      ]);
    }
    const lost = journal.fleet.targets[1];
    expect(lost).toMatchObject({ url: 'http://127.0.0.3:8474', status: 'failed', left_ms: 1000, changes: 2 });
    expect(lost?.error).toContain('ECONNREFUSED');
    // The rollback tried the lost target too: it had taken the first fault and its proxy.
    expect(journal.rollback.filter((r) => r.target === 'http://127.0.0.3:8474').map((r) => r.ok)).toEqual([false, false]);
    expect(setup.events.some((e) => e.type === 'target' && e.change === 'failed')).toBe(true);
  });

  it('policy any: the run goes on without the lost target, and the verdict stays with the probes', async () => {
    const setup = fleet('any');
    const journal = await drive(setup.clock, setup.run, 10, killSecondAt500(setup));
    expect(journal.verdict).toBe('passed');
    expect(journal.steps.map((s) => s.status)).toEqual(['done', 'done', 'done']);
    expect(journal.fleet.targets.map((t) => t.status)).toEqual(['active', 'failed', 'active']);
    expect(journal.fleet.targets.map((t) => t.changes)).toEqual([3, 2, 3]);
    for (const admin of [setup.admins[0], setup.admins[2]]) expect(admin?.proxyMap.size).toBe(0);
    expect(journal.rollback.filter((r) => !r.ok).map((r) => r.target)).toEqual(['http://127.0.0.3:8474', 'http://127.0.0.3:8474']);
    // Two faults, however many targets took them: the first on all three, the second on two.
    expect(journal.steps.flatMap((s) => s.faults).map((f) => f.targets)).toEqual([3, 2]);
    expect(faultsApplied(journal)).toBe('2 faults applied, 5 toxics on 3 targets');
    expect(journal.warnings).toEqual([
      expect.stringMatching(/^target http:\/\/127\.0\.0\.3:8474 failed and takes no further change \(fleet policy any\)/),
      '2 rollback actions on targets the run had lost failed; their leased changes expire on their servers',
    ]);
  });

  it('policy quorum: goes on with two of three, stops when only one of three is left', async () => {
    const two = fleet('quorum');
    expect((await drive(two.clock, two.run, 10, killSecondAt500(two))).verdict).toBe('passed');

    const one = fleet('quorum');
    const journal = await drive(one.clock, one.run, 10, (now) => {
      if (now !== 500) return;
      for (const o of one.options.slice(1)) o.unreachable = true;
    });
    expect(journal).toMatchObject({ verdict: 'aborted', cause: 'step' });
    expect(journal.fleet.targets.map((t) => t.status)).toEqual(['active', 'failed', 'failed']);
    expect(one.admins[0]?.proxyMap.size).toBe(0);
  });

  it('policy any: a target unreachable at the start is recorded and left out', async () => {
    const setup = fleet('any');
    const third = setup.options[2];
    if (third) third.unreachable = true;
    const journal = await drive(setup.clock, setup.run);
    expect(journal.verdict).toBe('passed');
    expect(journal.fleet.targets[2]).toMatchObject({ status: 'failed', changes: 0, left_ms: expect.any(Number) });
    expect(journal.proxies.map((p) => p.target)).toEqual(['http://127.0.0.2:8474', 'http://127.0.0.3:8474']);
  });

  it('discovery before each step: a new target gets the setup, a vanished one is recorded', async () => {
    const clock = new FakeClock();
    const make = (host: string): Target => ({
      url: `http://${host}:8474`,
      client: new FakeAdmin(clock),
      source: 'dns+http://fleet.test:8474',
    });
    const [a, b, c] = [make('127.0.0.2'), make('127.0.0.3'), make('127.0.0.4')] as [Target, Target, Target];
    let now: Target[] = [a, b];
    const run = new ScenarioRun({
      plan: parseScenario(SCENARIO, { file: 'fleet.yaml' }).plan,
      targets: [a, b],
      clock,
      rediscover: async () => now,
    });
    const journal = await drive(clock, run, 10, (t) => {
      if (t === 500) now = [a, c];
    });
    expect(journal.verdict).toBe('passed');
    expect(journal.targets).toEqual(['http://127.0.0.2:8474', 'http://127.0.0.3:8474', 'http://127.0.0.4:8474']);
    expect(journal.fleet.targets.map((t) => [t.url, t.index, t.status, t.joined_ms, t.left_ms])).toEqual([
      ['http://127.0.0.2:8474', 0, 'active', null, null],
      ['http://127.0.0.3:8474', 1, 'vanished', null, 1000],
      ['http://127.0.0.4:8474', 2, 'active', 1000, null],
    ]);
    // The newcomer was set up with its own index and took the steps from there on, not the ones before.
    expect(changes(c.client as FakeAdmin)).toEqual([
      '1000 createProxy cache',
      '1000 addToxic cache/noop_downstream {} lease=32000',
      '3000 removeToxic cache/noop_downstream',
      '3000 deleteProxy cache',
    ]);
    expect(journal.proxies.find((p) => p.target === c.url)?.listen).toBe('127.0.0.4:26372');
    // Each fault reached the two targets there when it started: four toxics on the three targets seen.
    expect(faultsApplied(journal)).toBe('2 faults applied, 4 toxics on 3 targets');
  });
});
