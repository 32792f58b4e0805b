/**
 * `faultline run` and `faultline validate` as processes, against a real `faultline serve` (through
 * `--target`) or their embedded server, with a small real application whose dependency sits behind
 * a Faultline proxy. What must hold: a failing probe aborts and rolls back (exit 1), a healthy run
 * passes with a complete journal (exit 0), leases outlive a SIGKILLed runner, SIGINT rolls back and
 * writes the journal, invalid files are located (exit 2), one seed gives one monkey schedule.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdminClient } from '../src/api/client.js';
import { runCli, startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { freePort } from './helpers/net.js';
import { startScenarioApp, type ScenarioApp } from './helpers/scenario-app.js';
import { eventually, scratchDir, spawnCli } from './helpers/scenario-run.js';

let server: FaultlineProcess;
let admin: AdminClient;
let app: ScenarioApp;
let listen: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;

/** The proxy the application's dependency sits behind; it lives on the shared server. */
const PROXY = 'dependency';

beforeAll(async () => {
  listen = `127.0.0.1:${await freePort()}`;
  [server, app, scratch] = await Promise.all([startFaultline(), startScenarioApp({ tcpVia: listen, deadlineMs: 1_000 }), scratchDir()]);
  admin = new AdminClient(server.url);
});

afterAll(async () => {
  await Promise.all([server?.stop(), app?.close(), scratch?.cleanup()]);
});

/** Each test against the shared server starts from the dependency's proxy alone. */
async function resetServer(): Promise<void> {
  const proxies = await admin.proxies();
  for (const name of Object.keys(proxies)) if (name !== PROXY) await admin.deleteProxy(name);
  // The dependency's proxy is kept between tests (rebinding its port at once could race the close).
  const proxy = proxies[PROXY];
  if (!proxy) {
    await admin.createProxy({ name: PROXY, listen, upstream: app.tcpUpstream });
    return;
  }
  for (const toxic of proxy.toxics) await admin.removeToxic(PROXY, toxic.name);
  if (!proxy.enabled) await admin.updateProxy(PROXY, { enabled: true });
}

/** A scenario on the shared proxy (declared by name only: it must exist on the target). */
function onDependency(body: string, head = ''): string {
  return `version: 1\nname: e2e\n${head}proxies:\n  - name: ${PROXY}\n${body}`;
}

const HEALTH = (mode: string, extra = '') =>
  `  - name: health\n    http: { url: "${'${HEALTH_URL}'}", status: 200, timeout: 2s }\n    mode: ${mode}\n    interval: 50ms\n${extra}`;

function env(): NodeJS.ProcessEnv {
  return { HEALTH_URL: `${app.url}/health` };
}

describe('faultline run against a target', () => {
  beforeEach(resetServer);

  it('a failing continuous probe with abort_on_failure stops the run, rolls back and exits 1', async () => {
    const file = await scratch.file(
      'abort.yaml',
      onDependency(`probes:\n${HEALTH('continuous', '    fail_after: 2\n    abort_on_failure: true\n')}steps:
  - wait: 300ms
  - name: requests lost
    toxic: { proxy: ${PROXY}, type: timeout, stream: upstream, attributes: { timeout: 0 } }
  - name: would run later
    at: 20s
    toxic: { proxy: ${PROXY}, name: never, type: latency }
  - wait: 30s
`),
    );
    const journalPath = `${scratch.dir}/abort.json`;
    const started = Date.now();
    const junitPath = `${scratch.dir}/abort.xml`;
    const out = await runCli(['run', file, '--target', server.url, '--journal', journalPath, '--junit', junitPath], {
      env: env(),
      timeoutMs: 60_000,
    });
    expect(out.code, out.stderr + out.stdout).toBe(1);
    const junit = await readFile(junitPath, 'utf8');
    expect(junit).toContain('tests="5" failures="1" errors="0" skipped="2"');
    expect(junit).toContain('<failure message="probe health failed: HTTP 503 (expected 200)">');
    // Stopped before the step at 20 s (the journal below says it was skipped).
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(out.stdout).toMatch(/verdict: aborted — probe health failed 2 times in a row: HTTP 503 \(expected 200\)/);
    expect(await admin.toxics(PROXY)).toEqual([]);
    expect((await admin.proxy(PROXY)).enabled).toBe(true);
    const journal = await scratch.journal(journalPath);
    expect(journal).toMatchObject({ verdict: 'aborted', cause: 'probe', status: 'finished' });
    expect(journal.steps.map((s) => s.status)).toEqual(['done', 'done', 'skipped', 'skipped']);
    expect(journal.steps[1]?.faults[0]).toMatchObject({ reverted_by: 'rollback' });
    expect(journal.probes[0]).toMatchObject({ status: 'failed' });
    expect(journal.rollback).toEqual([
      expect.objectContaining({ action: 'remove toxic timeout_upstream from proxy dependency', ok: true }),
    ]);
  });

  it('a healthy run exits 0 with a complete journal', async () => {
    const file = await scratch.file(
      'pass.yaml',
      onDependency(
        `  - name: extra
    upstream: ${app.tcpUpstream}
probes:
${HEALTH('continuous')}${HEALTH('after').replace('name: health', 'name: recovered')}steps:
  - name: slow replies
    toxic: { proxy: ${PROXY}, type: latency, attributes: { latency: 20 } }
    for: 300ms
  - ramp: { proxy: extra, type: latency, attribute: latency, from: 0, to: 40, over: 200ms, steps: 2 }
  - action: { type: kill_connections, proxy: ${PROXY} }
  - wait: 100ms
`,
        'seed: 99\n',
      ),
    );
    const journalPath = `${scratch.dir}/pass.json`;
    const out = await runCli(['run', file, '--target', server.url, '--journal', journalPath], { env: env(), timeoutMs: 60_000 });
    expect(out.code, out.stderr + out.stdout).toBe(0);
    expect(out.stdout).toContain('verdict: passed');
    expect(out.stdout).toContain(`journal: ${journalPath}`);
    const journal = await scratch.journal(journalPath);
    expect(journal).toMatchObject({
      journal_version: 1,
      scenario: { name: 'e2e', file },
      seed: '99',
      time_scale: 1,
      targets: [server.url],
      status: 'finished',
      verdict: 'passed',
      cause: null,
      reason: null,
      planned_duration_ms: 600,
      warnings: [],
    });
    expect(Date.parse(journal.finished_at ?? '') - Date.parse(journal.started_at ?? '')).toBeGreaterThanOrEqual(600);
    expect(journal.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done']);
    for (const step of journal.steps) expect(step.started_ms).not.toBeNull();
    const faults = journal.steps.flatMap((s) => s.faults);
    expect(faults.map((f) => [f.proxy, f.toxic, f.reverted_by])).toEqual([
      ['dependency', 'latency_downstream', expect.stringMatching(/^(runner|lease)$/)],
      ['extra', 'latency_downstream', 'rollback'],
    ]);
    for (const f of faults) {
      expect(f.applied_ms).toBeGreaterThanOrEqual(f.planned_start_ms);
      expect(f.reverted_ms).toBeGreaterThan(f.applied_ms ?? Infinity);
      expect(f.lease_ms).toBeGreaterThan(0);
    }
    expect(faults[1]?.updates?.map((u) => u.attributes['latency'])).toEqual([20, 40]);
    expect(journal.probes.map((p) => [p.name, p.status])).toEqual([
      ['health', 'passing'],
      ['recovered', 'passing'],
    ]);
    expect(journal.probes[0]?.checks).toBeGreaterThan(0);
    expect(journal.probes[0]?.results.every((r) => r.ok && r.detail === 'HTTP 200')).toBe(true);
    expect(journal.proxies.map((p) => [p.name, p.created])).toEqual([
      ['dependency', false],
      ['extra', true],
    ]);
    expect(journal.rollback.map((r) => r.action)).toEqual(['remove toxic latency_downstream from proxy extra', 'delete proxy extra']);
    expect(Object.keys(await admin.proxies())).toEqual([PROXY]);
    expect(await admin.toxics(PROXY)).toEqual([]);
  });

  it('a SIGKILLed runner leaves its toxic to the server, which removes it when the lease runs out', async () => {
    const file = await scratch.file(
      'kill.yaml',
      onDependency(
        `steps:\n  - toxic: { proxy: ${PROXY}, name: leased, type: latency, attributes: { latency: 10 } }\n    for: 3s\n  - wait: 1m\n`,
      ),
    );
    const runner = spawnCli(['run', file, '--target', server.url]);
    await eventually(async () => (await admin.toxics(PROXY)).length === 1, 30_000, 'the leased toxic');
    runner.child.kill('SIGKILL');
    const exit = await runner.exited;
    expect(exit.signal).toBe('SIGKILL');
    const asked = Date.now();
    const [toxic] = await admin.toxics(PROXY);
    expect(toxic).toMatchObject({ name: 'leased', expires_in: expect.any(Number) as number });
    const left = toxic?.expires_in ?? 0;
    expect(left).toBeLessThanOrEqual(3_000);
    // Gone by itself (the runner is dead), and not before the lease said.
    await eventually(async () => (await admin.toxics(PROXY)).length === 0, left + 20_000, 'the server to remove the toxic');
    const gone = Date.now() - asked;
    expect(gone).toBeGreaterThanOrEqual(left - 100);
  });

  it('SIGINT mid-run reverts everything, writes the journal and exits non-zero', async () => {
    const file = await scratch.file(
      'sigint.yaml',
      onDependency(
        `  - name: created
    upstream: ${app.tcpUpstream}
steps:
  - toxic: { proxy: ${PROXY}, name: held, type: latency, attributes: { latency: 10 } }
  - toxic: { proxy: created, name: also-held, type: bandwidth, attributes: { rate: 100 } }
  - action: { type: disable, proxy: ${PROXY} }
  - wait: 30s
`,
      ),
    );
    const journalPath = `${scratch.dir}/sigint.json`;
    const runner = spawnCli(['run', file, '--target', server.url, '--journal', journalPath]);
    await eventually(async () => (await admin.proxy(PROXY)).enabled === false, 30_000, 'the disable step');
    expect((await admin.toxics(PROXY)).map((t) => t.name)).toEqual(['held']);
    runner.child.kill('SIGINT');
    const exit = await runner.exited;
    expect(exit.code, exit.stderr).toBe(130);
    expect(exit.stdout).toContain('SIGINT: stopping and rolling back');
    expect(exit.stdout).toContain('verdict: aborted — interrupted by SIGINT');
    const proxy = await admin.proxy(PROXY);
    expect(proxy).toMatchObject({ enabled: true, toxics: [] });
    expect(Object.keys(await admin.proxies())).toEqual([PROXY]);
    const journal = await scratch.journal(journalPath);
    expect(journal).toMatchObject({ verdict: 'aborted', cause: 'signal', reason: 'interrupted by SIGINT' });
    expect(journal.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'aborted']);
    expect(journal.rollback.map((r) => [r.action, r.ok])).toEqual([
      ['remove toxic also-held from proxy created', true],
      ['remove toxic held from proxy dependency', true],
      ['restore proxy dependency (enabled=true)', true],
      ['delete proxy created', true],
    ]);
  });

  it('applies the same faults on every target of a fleet', async () => {
    const second = await startFaultline();
    try {
      const file = await scratch.file(
        'fleet.yaml',
        `version: 1\nname: fleet\nproxies:\n  - { name: fleet, upstream: "${app.tcpUpstream}" }\nsteps:\n  - toxic: { proxy: fleet, type: latency }\n  - wait: 1m\n`,
      );
      const other = new AdminClient(second.url);
      const runner = spawnCli(['run', file, '--target', server.url, '--target', second.url]);
      for (const client of [admin, other])
        await eventually(async () => ((await client.proxies())['fleet']?.toxics.length ?? 0) === 1, 30_000, 'the toxic on both');
      runner.child.kill('SIGTERM');
      const exit = await runner.exited;
      expect(exit.code).toBe(143);
      for (const client of [admin, other]) expect((await client.proxies())['fleet']).toBeUndefined();
    } finally {
      await second.stop();
    }
  });

  it('exits 3 when a target cannot be reached', async () => {
    const file = await scratch.file('unreachable.yaml', onDependency('steps:\n  - wait: 1s\n'));
    const port = await freePort();
    const out = await runCli(['run', file, '--target', `127.0.0.1:${port}`]);
    expect(out.code).toBe(3);
    expect(out.stdout).toContain(`verdict: aborted — target http://127.0.0.1:${port}: cannot reach http://127.0.0.1:${port}: ECONNREFUSED`);
  });
});

describe('invalid scenario files: file:line:col, a message, exit 2', () => {
  const MISTAKES: Array<[string, string, RegExp]> = [
    ['an unknown key', `version: 1\nname: x\nsteps:\n  - wait: 1s\n    wiat: 2s\n`, /:5:5: steps\[0\]\.wiat: unknown key "wiat"$/m],
    [
      'a bad duration',
      `version: 1\nname: x\nsteps:\n  - wait: 10 sec\n`,
      /:4:11: steps\[0\]\.wait: bad duration "10 sec": write a number with a unit, like 250ms, 5s, 1m30s or 2h$/m,
    ],
    [
      'an unknown toxic',
      `version: 1\nname: x\nproxies:\n  - { name: db, upstream: "h:1" }\nsteps:\n  - toxic: { proxy: db, type: lag }\n`,
      /:6:31: steps\[0\]\.toxic\.type: unknown toxic type "lag" \(one of: latency, bandwidth, .*\)$/m,
    ],
    [
      'a step before 0',
      `version: 1\nname: x\nsteps:\n  - at: -5s\n    wait: 1s\n`,
      /:4:9: steps\[0\]\.at: step starts before 0 \(at -5s\)$/m,
    ],
    [
      'an undeclared proxy',
      `version: 1\nname: x\nsteps:\n  - action: { type: disable, proxy: db }\n`,
      /:4:37: steps\[0\]\.action\.proxy: unknown proxy "db": declare it under proxies \(declared: none\)$/m,
    ],
    ['a YAML syntax error', `version: 1\nname: x\nsteps:\n  - wait: [1s\n`, /:\d+:\d+: .+$/m],
  ];

  it.each(MISTAKES)('%s', async (what, text, pattern) => {
    const file = await scratch.file(`bad-${what.replace(/\W+/g, '-')}.yaml`, text);
    const out = await runCli(['run', file]);
    expect(out.code, out.stderr).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(`${file}:`);
    expect(out.stderr).toMatch(pattern);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('validate reports every invalid file the same way, in one pass', async () => {
    const files = await Promise.all(MISTAKES.map(([what, text]) => scratch.file(`each-${what.replace(/\W+/g, '-')}.yaml`, text)));
    const out = await runCli(['validate', ...files]);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    for (const [i, [, , pattern]] of MISTAKES.entries()) {
      const line = out.stderr.split('\n').find((l) => l.startsWith(`${files[i] ?? ''}:`));
      expect(line, out.stderr).toMatch(pattern);
    }
  });

  it('validate says what a valid file holds and exits 0', async () => {
    const file = await scratch.file('valid.yaml', `version: 1\nname: x\nsteps:\n  - wait: 1m30s\n`);
    const out = await runCli(['validate', file]);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toBe(`${file}: valid — 1 step, 0 faults, 0 probes, 0 proxies, runs 1m30s\n`);
  });
});

describe('monkeys', () => {
  const MONKEY = (upstream: string) => `version: 1
name: monkey
proxies:
  - { name: a, upstream: "${upstream}" }
  - { name: b, upstream: "${upstream}" }
steps:
  - monkey:
      proxies: [a, b]
      interval: { min: 40ms, max: 100ms }
      faults:
        - { type: latency, attributes: { latency: 5 }, for: 30ms, weight: 2 }
        - { type: reset_peer, for: 20ms }
        - { type: partition, stream: upstream, for: 20ms }
    for: 500ms
`;

  it('the same seed gives the same schedule, in the plan and in real runs', async () => {
    const file = await scratch.file('monkey.yaml', MONKEY(app.tcpUpstream));
    const dry = (seed: string) => runCli(['run', '--dry-run', '--seed', seed, file]);
    const [a, b, c] = await Promise.all([dry('42'), dry('42'), dry('43')]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
    expect(a.stdout).toMatch(/\+\d+ms\s+add (latency|reset_peer|partition) monkey1_1_\w+ on [ab] for \d+ms/);

    const journals = [`${scratch.dir}/m1.json`, `${scratch.dir}/m2.json`];
    const runs = await Promise.all(journals.map((j) => runCli(['run', '--seed', '42', '--journal', j, file], { timeoutMs: 60_000 })));
    for (const out of runs) expect(out.code, out.stdout + out.stderr).toBe(0);
    const schedule = async (path: string) =>
      (await scratch.journal(path)).steps[0]?.faults.map((f) => ({
        at: f.planned_start_ms,
        proxy: f.proxy,
        toxic: f.toxic,
        applied: f.applied_ms !== null,
        reverted: f.reverted_ms !== null,
      }));
    const [first, second] = await Promise.all(journals.map(schedule));
    expect(first).toEqual(second);
    expect(first?.length).toBeGreaterThan(4);
    expect(first?.every((f) => f.applied && f.reverted)).toBe(true);
  });
});

describe('POST /scenarios on faultline serve', () => {
  beforeEach(resetServer);

  it('runs a scenario sent with curl-like HTTP and reports its verdict', async () => {
    const body = onDependency(`steps:\n  - toxic: { proxy: ${PROXY}, type: latency, attributes: { latency: 5 } }\n    for: 200ms\n`);
    const res = await fetch(`${server.url}/scenarios`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect(res.headers.get('location')).toBe(`/scenarios/${id}`);
    let verdict: string | null = null;
    await eventually(
      async () => {
        verdict = (await admin.scenario(id)).verdict;
        return verdict !== null;
      },
      30_000,
      'the run to finish',
    );
    expect(verdict).toBe('passed');
    expect(await admin.toxics(PROXY)).toEqual([]);
  });
});
