/**
 * The runner on a fake clock against in-memory admin APIs: the timeline's calls and their times,
 * leases, probes in every mode, aborts, fleets, and a rollback that always leaves the targets as
 * they were. Longer than 300 lines: one scenario per case, kept beside the fakes they share.
 */
import { describe, expect, it } from 'vitest';
import { AdminClientError } from '../api/client.js';
import { FakeClock } from '../core/clock.js';
import { FakeAdmin } from '../testing/fake-admin.js';
import { changes, drive, planOf, scriptedCheck, setup } from '../testing/run-harness.js';
import { parseScenario } from './load.js';
import type { CheckRunner } from './probes.js';
import { ScenarioRun } from './runner.js';

describe('the timeline', () => {
  it('applies, updates and reverts each fault on time, with a lease, and rolls back the rest', async () => {
    const { clock, admin, run } = setup(`steps:
  - toxic: { proxy: db, type: latency, attributes: { latency: 80 } }
    for: 1s
  - after: 500ms
    ramp: { proxy: db, name: creep, type: latency, attribute: latency, from: 0, to: 30, over: 300ms, steps: 3 }
  - at: 2s
    toxic: { proxy: db, name: cut, type: partition }
  - wait: 1s
`);
    const journal = await drive(clock, run);
    expect(changes(admin)).toEqual([
      '0 createProxy db',
      '0 addToxic db/latency_downstream {"latency":80} lease=1000',
      '1000 removeToxic db/latency_downstream',
      '1500 addToxic db/creep {"latency":0} lease=31500',
      '1600 updateToxic db/creep {"latency":10}',
      '1700 updateToxic db/creep {"latency":20}',
      '1800 updateToxic db/creep {"latency":30}',
      '2000 addToxic db/cut {} lease=31000',
      '3000 removeToxic db/cut',
      '3000 removeToxic db/creep',
      '3000 deleteProxy db',
    ]);
    expect(admin.proxyMap.size).toBe(0);
    expect(journal.verdict).toBe('passed');
    expect(journal.status).toBe('finished');
    expect(journal.steps.map((s) => [s.status, s.started_ms, s.ended_ms])).toEqual([
      ['done', 0, 1000],
      ['done', 1500, 1800],
      ['done', 2000, 2000],
      ['done', 2000, 3000],
    ]);
    const [first, ramp, cut] = journal.steps.map((s) => s.faults[0]);
    expect(first).toMatchObject({ applied_ms: 0, reverted_ms: 1000, reverted_by: 'runner', lease_ms: 1000 });
    expect(ramp?.updates?.map((u) => u.attributes['latency'])).toEqual([10, 20, 30]);
    expect(ramp).toMatchObject({ reverted_by: 'rollback', reverted_ms: 3000 });
    expect(cut).toMatchObject({ applied_ms: 2000, reverted_by: 'rollback' });
    expect(journal.rollback.map((r) => r.action)).toEqual([
      'remove toxic cut from proxy db',
      'remove toxic creep from proxy db',
      'delete proxy db',
    ]);
    expect(journal.started_at).toBe(new Date(1_700_000_000_000).toISOString());
  });

  it('counts a toxic the server already removed (its lease ran out) as reverted by the lease', async () => {
    const { clock, admin, run } = setup(`steps:
  - toxic: { proxy: db, type: noop }
    for: 1s
`);
    let dropped = false;
    const journal = await drive(clock, run, 10, (now) => {
      if (now >= 990 && !dropped) {
        dropped = true;
        admin.proxyMap.get('db')?.toxics.clear();
      }
    });
    expect(journal.steps[0]?.faults[0]).toMatchObject({ reverted_by: 'lease', reverted_ms: 1000 });
    expect(journal.verdict).toBe('passed');
  });

  it('carries on when a ramped toxic disappears (removed by hand, or its lease ran out first)', async () => {
    const { clock, admin, run } = setup(`steps:
  - ramp: { proxy: db, name: creep, type: latency, attribute: latency, from: 0, to: 40, over: 1s, steps: 4 }
    for: 2s
`);
    const journal = await drive(clock, run, 10, (now) => {
      if (now === 300) admin.proxyMap.get('db')?.toxics.clear();
    });
    expect(changes(admin)).toEqual([
      '0 createProxy db',
      '0 addToxic db/creep {"latency":0} lease=2000',
      '250 updateToxic db/creep {"latency":10}',
      '500 updateToxic db/creep {"latency":20}',
      '2000 deleteProxy db',
    ]);
    expect(journal.steps[0]?.faults[0]).toMatchObject({ reverted_by: 'external', reverted_ms: 500 });
    expect(journal.warnings).toEqual(['toxic creep on db was removed outside this run before its end']);
    expect(journal.verdict).toBe('passed');
  });

  it('leaves a proxy that existed alone, and restores what actions changed', async () => {
    const { clock, admin, run } = setup(`steps:
  - action: { type: disable, proxy: db }
  - after: 1s
    action: { type: update_proxy, proxy: db, upstream: "127.0.0.1:9" }
  - wait: 1s
`);
    admin.seedProxy('db', '127.0.0.1:5432');
    const journal = await drive(clock, run);
    expect(changes(admin)).toEqual([
      // Leased until the end of the run (2 s) plus 30 s, so a dead runner leaves nothing behind.
      '0 updateProxy db {"enabled":false,"expires_in":32000}',
      '1000 updateProxy db {"upstream":"127.0.0.1:9","expires_in":31000}',
      '2000 updateProxy db {"upstream":"127.0.0.1:5432","enabled":true}',
    ]);
    expect(admin.proxyMap.get('db')).toMatchObject({ enabled: true, upstream: '127.0.0.1:5432' });
    expect(journal.proxies).toEqual([{ name: 'db', target: 'http://t0', created: false, kept: false, listen: '127.0.0.1:10000' }]);
  });

  it('kills connections through the connections API, or by disabling and enabling without it', async () => {
    const body = `steps:\n  - action: { type: kill_connections, proxy: db }\n`;
    const withApi = setup(body);
    withApi.admin.seedProxy('db');
    withApi.admin.open.set('db', [3, 4]);
    await drive(withApi.clock, withApi.run);
    expect(changes(withApi.admin)).toEqual(['0 closeConnection db/3', '0 closeConnection db/4']);

    const clock = new FakeClock();
    const toxiproxy = new FakeAdmin(clock, { toxiproxy: true });
    toxiproxy.seedProxy('db');
    const run = new ScenarioRun({ plan: planOf(body), targets: [{ url: 'http://old', client: toxiproxy }], clock });
    const journal = await drive(clock, run);
    expect(changes(toxiproxy)).toEqual(['0 updateProxy db {"enabled":false,"expires_in":30000}', '0 updateProxy db {"enabled":true}']);
    expect(journal.verdict).toBe('passed');
  });

  it('learns at preflight whether a target is Faultline or Toxiproxy, and names it when leases are not kept', async () => {
    const clock = new FakeClock();
    const faultline = new FakeAdmin(clock);
    const toxiproxy = new FakeAdmin(clock, { toxiproxy: true });
    const run = new ScenarioRun({
      plan: planOf(`steps:\n  - toxic: { proxy: db, type: noop }\n    for: 100ms\n`),
      targets: [
        { url: 'http://new', client: faultline },
        { url: 'http://old', client: toxiproxy },
      ],
      clock,
    });
    const journal = await drive(clock, run);
    expect(faultline.calls.map((c) => c.call)).toContain('info');
    expect(faultline.calls.map((c) => c.call)).not.toContain('version');
    expect(toxiproxy.calls.slice(0, 2).map((c) => c.call)).toEqual(['info', 'version']);
    expect(journal.warnings).toEqual([
      'http://old (Toxiproxy 2.12.0) does not keep leases: its faults go away only when this run removes them',
    ]);
    expect(journal.verdict).toBe('passed');
  });

  it('applies the same faults on every target of a fleet', async () => {
    const { clock, admins, run } = setup(`steps:\n  - toxic: { proxy: db, type: noop }\n    for: 100ms\n`, { targets: 3 });
    const journal = await drive(clock, run);
    const expected = [
      '0 createProxy db',
      '0 addToxic db/noop_downstream {} lease=100',
      '100 removeToxic db/noop_downstream',
      '100 deleteProxy db',
    ];
    for (const admin of admins) expect(changes(admin)).toEqual(expected);
    expect(journal.targets).toEqual(['http://t0', 'http://t1', 'http://t2']);
    expect(journal.proxies).toHaveLength(3);
  });

  it('keeps a created proxy with keep: true', async () => {
    const clock = new FakeClock();
    const admin = new FakeAdmin(clock);
    const plan = parseScenario(`version: 1\nname: k\nproxies:\n  - { name: db, upstream: "h:1", keep: true }\nsteps:\n  - wait: 10ms\n`, {
      file: 'k',
    }).plan;
    const journal = await drive(clock, new ScenarioRun({ plan, targets: [{ url: 'http://t', client: admin }], clock }));
    expect(admin.proxyMap.has('db')).toBe(true);
    expect(journal.rollback.map((r) => r.action)).toEqual(['keep proxy db (keep: true)']);
  });

  it('with rollback: never, leaves faults held until the end and the proxies in place', async () => {
    const { clock, admin, run } = setup(`rollback: never
steps:
  - toxic: { proxy: db, type: noop, name: held }
  - toxic: { proxy: db, type: noop, name: leased }
    for: 5s
  - wait: 10ms
`);
    const journal = await drive(clock, run);
    expect(changes(admin)).toEqual([
      '0 createProxy db',
      '0 addToxic db/held {}',
      '0 addToxic db/leased {} lease=5000',
      '5000 removeToxic db/leased',
    ]);
    expect(admin.toxicNames()).toEqual(['db/held']);
    expect(admin.proxyMap.has('db')).toBe(true);
    expect(journal.verdict).toBe('passed');
  });
});

describe('probes', () => {
  const PROBE = (mode: string, extra = '') => `probes:
  - name: api
    http: { url: "http://127.0.0.1:1/health" }
    mode: ${mode}
    interval: 100ms
${extra}`;

  it('continuous + abort_on_failure: stops at the failure, rolls back, and says why', async () => {
    const { clock, admin, run } = setup(
      `${PROBE('continuous', '    fail_after: 2\n    abort_on_failure: true\n')}steps:
  - at: 1s
    toxic: { proxy: db, type: latency, attributes: { latency: 5000 } }
  - wait: 10s
`,
      { check: scriptedCheck(new FakeClock(), () => false) },
    );
    // Healthy until the toxic is in place, then failing.
    (run as unknown as { check: CheckRunner }).check = scriptedCheck(clock, () => admin.toxicNames().length > 0);
    const journal = await drive(clock, run);
    expect(journal.verdict).toBe('aborted');
    expect(journal.cause).toBe('probe');
    expect(journal.reason).toBe('probe api failed 2 times in a row: HTTP 503 (expected 2xx)');
    // The check at 1s ran just before the toxic went in; the two after it failed.
    expect(journal.elapsed_ms).toBe(1200);
    expect(admin.toxicNames()).toEqual([]);
    expect(admin.proxyMap.size).toBe(0);
    expect(journal.probes[0]).toMatchObject({ status: 'failed', failed_ms: 1200, failures: 2 });
    expect(journal.steps.map((s) => s.status)).toEqual(['done', 'aborted']);
  });

  it('continuous without abort: the run goes on, and fails at the end', async () => {
    const { clock, run } = setup(`${PROBE('continuous')}steps:\n  - wait: 1s\n`);
    (run as unknown as { check: CheckRunner }).check = scriptedCheck(clock, (now) => now >= 300 && now < 500);
    const journal = await drive(clock, run);
    expect(journal.verdict).toBe('failed');
    expect(journal.reason).toBe('probe api failed: HTTP 503 (expected 2xx)');
    expect(journal.elapsed_ms).toBe(1000);
    expect(journal.probes[0]?.checks).toBe(11);
    expect(journal.probes[0]?.failures).toBe(2);
  });

  it('during: checks only while a fault is active', async () => {
    const seen: number[] = [];
    const { clock, run } = setup(`${PROBE('during')}steps:
  - at: 500ms
    toxic: { proxy: db, type: noop }
    for: 300ms
  - at: 2s
    action: { type: disable, proxy: db }
  - after: 200ms
    action: { type: enable, proxy: db }
  - wait: 500ms
`);
    (run as unknown as { check: CheckRunner }).check = scriptedCheck(clock, () => false, seen);
    const journal = await drive(clock, run);
    // A check due at the very moment a fault goes away still runs.
    expect(seen).toEqual([500, 600, 700, 800, 2000, 2100, 2200]);
    expect(journal.verdict).toBe('passed');
  });

  it('before: a failing probe stops the run before any fault; fail_after retries it', async () => {
    const seen: number[] = [];
    const { clock, admin, run } = setup(`${PROBE('before', '    fail_after: 3\n')}steps:\n  - toxic: { proxy: db, type: noop }\n`);
    (run as unknown as { check: CheckRunner }).check = scriptedCheck(clock, () => true, seen);
    const journal = await drive(clock, run);
    expect(seen).toEqual([0, 100, 200]);
    expect(changes(admin)).toEqual(['0 createProxy db', '200 deleteProxy db']);
    expect(journal).toMatchObject({ verdict: 'aborted', cause: 'probe' });
    expect(journal.reason).toBe('probe api failed before the run, so no fault was injected: HTTP 503 (expected 2xx)');
    expect(journal.steps[0]?.status).toBe('skipped');
    // Before-probe times sit before the timeline on the journal's axis.
    expect(journal.probes[0]?.results.map((r) => r.at_ms)).toEqual([0, 100, 200]);
  });

  it('before passes after a retry; after runs once the faults are reverted, before created proxies go', async () => {
    const seen: string[] = [];
    const { clock, admin, run } = setup(`probes:
  - name: pre
    tcp: { address: "127.0.0.1:1" }
    mode: before
    fail_after: 2
    interval: 50ms
  - name: post
    tcp: { address: "127.0.0.1:2" }
    mode: after
steps:
  - toxic: { proxy: db, type: noop }
  - wait: 1s
`);
    let first = true;
    (run as unknown as { check: CheckRunner }).check = async (check) => {
      const address = check.kind === 'tcp' ? check.address : '';
      seen.push(`${clock.now()} ${address} toxics=${admin.toxicNames().length} proxies=${admin.proxyMap.size}`);
      const ok = !(address.endsWith(':1') && first);
      if (address.endsWith(':1')) first = false;
      return { ok, ms: 1, detail: ok ? 'connected' : 'ECONNREFUSED' };
    };
    const journal = await drive(clock, run);
    // After probes see the faults gone but the proxies still there; then the created proxy goes.
    expect(seen).toEqual(['0 127.0.0.1:1 toxics=0 proxies=1', '50 127.0.0.1:1 toxics=0 proxies=1', '1050 127.0.0.1:2 toxics=0 proxies=1']);
    expect(admin.proxyMap.size).toBe(0);
    expect(journal.verdict).toBe('passed');
    expect(journal.probes.map((p) => p.results.map((r) => r.at_ms))).toEqual([[-50, 0], [1000]]);
  });
});

describe('stopping early', () => {
  it('abort() (a signal) stops the timeline, rolls back, and skips after probes', async () => {
    const seen: number[] = [];
    const { clock, admin, run } = setup(`probes:
  - name: post
    tcp: { address: "127.0.0.1:2" }
    mode: after
steps:
  - toxic: { proxy: db, type: noop, name: a }
  - at: 5s
    toxic: { proxy: db, type: noop, name: b }
`);
    (run as unknown as { check: CheckRunner }).check = scriptedCheck(clock, () => false, seen);
    const journal = await drive(clock, run, 10, (now) => {
      if (now === 1000) run.abort('signal', 'interrupted by SIGINT');
    });
    expect(changes(admin)).toEqual(['0 createProxy db', '0 addToxic db/a {} lease=35000', '1000 removeToxic db/a', '1000 deleteProxy db']);
    expect(journal).toMatchObject({ verdict: 'aborted', cause: 'signal', reason: 'interrupted by SIGINT', elapsed_ms: 1000 });
    expect(seen).toEqual([]);
    expect(journal.probes[0]?.status).toBe('not_run');
    expect(journal.steps.map((s) => s.status)).toEqual(['done', 'skipped']);
  });

  it('a step the server refuses stops the run and rolls back what was applied', async () => {
    const { clock, admin, run } = setup(`steps:
  - toxic: { proxy: db, type: noop, name: a }
  - at: 1s
    toxic: { proxy: db, type: noop, name: b }
  - wait: 1s
`);
    const journal = await drive(clock, run, 10, (now) => {
      if (now === 500) admin.failures.set('addToxic', new AdminClientError('HTTP 409: toxic already exists', 409, 'TOXIC_EXISTS'));
    });
    admin.failures.clear();
    expect(journal.verdict).toBe('aborted');
    expect(journal.cause).toBe('step');
    expect(journal.reason).toBe(
      'step 2 (noop on db (downstream) until the end): adding toxic b to proxy db on http://t0: HTTP 409: toxic already exists',
    );
    expect(journal.steps[1]).toMatchObject({ status: 'failed' });
    expect(admin.toxicNames()).toEqual([]);
    expect(admin.proxyMap.size).toBe(0);
  });

  it('an unreachable target stops the run before anything is done', async () => {
    const clock = new FakeClock();
    const admin = new FakeAdmin(clock, { unreachable: true });
    const run = new ScenarioRun({ plan: planOf('steps:\n  - wait: 1s\n'), targets: [{ url: 'http://gone', client: admin }], clock });
    const journal = await drive(clock, run);
    expect(journal).toMatchObject({
      verdict: 'aborted',
      cause: 'unreachable',
      reason: 'target http://gone: cannot reach http://fake: ECONNREFUSED',
    });
    expect(journal.rollback).toEqual([]);
  });

  it('a rollback action that fails makes a passing run fail, and the others still run', async () => {
    const { clock, admin, run } = setup(`steps:\n  - toxic: { proxy: db, type: noop }\n  - wait: 100ms\n`);
    const journal = await drive(clock, run, 10, (now) => {
      if (now === 90) admin.failures.set('removeToxic', new AdminClientError('HTTP 500: boom', 500, 'INTERNAL'));
    });
    expect(journal.rollback.map((r) => [r.action, r.ok])).toEqual([
      ['remove toxic noop_downstream from proxy db', false],
      ['delete proxy db', true],
    ]);
    expect(journal.verdict).toBe('failed');
    expect(journal.reason).toBe('the rollback could not undo everything (1 action failed)');
  });
});
