/**
 * Loading scenarios: a full file parses into its plan, and every kind of mistake is reported as
 * `file:line:col: path: message`.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from './load.js';

const GOOD = `version: 1
name: checkout
description: latency then a partition
seed: 42
proxies:
  - name: db
    listen: 127.0.0.1:0
    upstream: \${DB_UPSTREAM:-127.0.0.1:5432}
  - name: cache
    upstream: 127.0.0.1:6379
    keep: true
probes:
  - name: api
    http: { url: "http://127.0.0.1:8080/health", status: [200, 204], match: ok, timeout: 500ms }
    mode: continuous
    interval: 250ms
    fail_after: 3
    abort_on_failure: true
  - name: db-port
    tcp: { address: 127.0.0.1:5432 }
    mode: before
steps:
  - name: slow db
    at: 0s
    toxic: { proxy: db, type: latency, attributes: { latency: "\${LATENCY:-80}" } }
    for: 10s
  - after: 0s
    toxic: { proxy: cache, type: partition, stream: upstream }
    for: 5s
  - at: 1m
    action: { type: kill_connections, proxy: db }
  - after: 1s
    ramp: { proxy: db, name: creep, type: latency, attribute: latency, from: 0, to: 100, over: 4s, steps: 4 }
  - wait: 2s
`;

function load(text: string, env: Record<string, string> = {}) {
  return parseScenario(text, { file: 'game.yaml', env });
}

function errorsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    load(text, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return [...(err as ScenarioError).issues];
  }
  throw new Error('expected the scenario to be rejected');
}

describe('a valid scenario', () => {
  it('parses durations, defaults and environment references, and keeps attributes as written', () => {
    const { scenario, plan } = load(GOOD, { LATENCY: '120' });
    expect(scenario.name).toBe('checkout');
    expect(scenario.rollback).toBe('always');
    expect(scenario.proxies[0]?.upstream).toBe('127.0.0.1:5432');
    expect(scenario.proxies[1]?.keep).toBe(true);
    expect(scenario.probes[0]).toMatchObject({ mode: 'continuous', interval: 250, fail_after: 3, abort_on_failure: true });
    expect(scenario.probes[0]?.http).toMatchObject({ method: 'GET', timeout: 500, status: [200, 204] });
    expect(scenario.probes[1]?.tcp?.timeout).toBe(2_000);
    const first = scenario.steps[0];
    expect(first && 'toxic' in first ? first.toxic.attributes : undefined).toEqual({ latency: 120 });
    expect(plan.seed).toBe('42');
  });

  it('places steps on the axis: at from the start, after from the end of the previous step', () => {
    const { plan } = load(GOOD);
    expect(plan.steps.map((s) => [s.startMs, s.endMs])).toEqual([
      [0, 10_000],
      [10_000, 15_000],
      [60_000, 60_000],
      [61_000, 65_000],
      [65_000, 67_000],
    ]);
    expect(plan.durationMs).toBe(67_000);
    expect(plan.steps[0]?.label).toBe('latency on db (downstream) latency=80 for 10s');
    expect(plan.steps[0]?.name).toBe('slow db');
  });

  it('takes the seed from the options over the file, and makes one up when neither has it', () => {
    expect(parseScenario(GOOD, { file: 'f', seed: 'cli' }).plan.seed).toBe('cli');
    const unseeded = load(GOOD.replace('seed: 42\n', '')).plan.seed;
    expect(unseeded).toMatch(/^\d+$/);
  });

  it('reads JSON too', () => {
    const json = JSON.stringify({
      version: 1,
      name: 'j',
      proxies: [{ name: 'p', upstream: 'h:1' }],
      steps: [{ toxic: { proxy: 'p', type: 'noop' } }],
    });
    expect(load(json).plan.steps[0]?.label).toBe('noop on p (downstream) until the end');
  });

  it('refuses exec probes when asked to (the API)', () => {
    const text = `version: 1\nname: x\nprobes:\n  - name: sh\n    exec: { command: "true" }\nsteps:\n  - wait: 1s\n`;
    expect(load(text).plan.probes[0]?.check).toEqual({ kind: 'exec', command: 'true', timeoutMs: 30_000 });
    expect(() => parseScenario(text, { file: 'body', allowExec: false })).toThrow(
      'body:5:11: probes[0].exec: exec probes are not accepted here: they would run commands on the server (use faultline run)',
    );
  });
});

describe('mistakes, each with file:line:col and a message', () => {
  const base = (steps: string, extra = '') =>
    `version: 1\nname: t\nproxies:\n  - name: db\n    upstream: 127.0.0.1:1\n${extra}steps:\n${steps}`;

  it('an unknown key, pointing at the key', () => {
    expect(errorsOf(base('  - at: 0s\n    toxic: { proxy: db, type: latency }\n    fro: 5s\n'))).toEqual([
      'game.yaml:9:5: steps[0].fro: unknown key "fro"',
    ]);
    expect(errorsOf(`version: 1\nname: t\nstesp: []\nsteps:\n  - wait: 1s\n`)).toEqual(['game.yaml:3:1: stesp: unknown key "stesp"']);
  });

  it('an unknown attribute of a toxic', () => {
    expect(errorsOf(base('  - toxic: { proxy: db, type: latency, attributes: { latncy: 5 } }\n'))).toEqual([
      'game.yaml:7:54: steps[0].toxic.attributes.latncy: unknown key "latncy"',
    ]);
  });

  it('a bad duration', () => {
    expect(errorsOf(base('  - at: 5 seconds\n    wait: 1s\n'))).toEqual([
      'game.yaml:7:9: steps[0].at: bad duration "5 seconds": write a number with a unit, like 250ms, 5s, 1m30s or 2h',
    ]);
    expect(errorsOf(base('  - wait: 5\n'))).toEqual([
      'game.yaml:7:11: steps[0].wait: bad duration 5: write a number with a unit, like 250ms, 5s, 1m30s or 2h',
    ]);
    expect(errorsOf(base('  - toxic: { proxy: db, type: noop }\n    for: 0s\n'))).toEqual([
      'game.yaml:8:10: steps[0].for: bad duration "0s": must be longer than 0',
    ]);
  });

  it('an unknown toxic type, listing the known ones', () => {
    const [line] = errorsOf(base('  - toxic: { proxy: db, type: latnecy }\n'));
    expect(line).toMatch(/^game\.yaml:7:31: steps\[0\]\.toxic\.type: unknown toxic type "latnecy" \(one of: latency, bandwidth, .*\)$/);
  });

  it('a step before 0', () => {
    expect(errorsOf(base('  - at: -2s\n    wait: 1s\n'))).toEqual(['game.yaml:7:9: steps[0].at: step starts before 0 (at -2s)']);
    expect(errorsOf(base('  - wait: 1s\n  - after: -3s\n    wait: 1s\n'))).toEqual([
      'game.yaml:8:12: steps[1].after: step starts before 0 (at -2s): the previous step ends at 1s',
    ]);
  });

  it('an undeclared proxy', () => {
    expect(errorsOf(base('  - action: { type: disable, proxy: dbb }\n'))).toEqual([
      'game.yaml:7:37: steps[0].action.proxy: unknown proxy "dbb": declare it under proxies (declared: db)',
    ]);
  });

  it('a step of no kind, or of two kinds', () => {
    expect(errorsOf(base('  - at: 0s\n    toxik: { proxy: db, type: noop }\n'))).toEqual([
      'game.yaml:7:5: steps[0]: a step needs one of: toxic, action, ramp, monkey, wait, exec (unknown key "toxik")',
    ]);
    expect(errorsOf(base('  - wait: 1s\n    action: { type: reset, proxy: db }\n'))).toEqual([
      'game.yaml:7:5: steps[0]: a step does one thing: it has both action and wait',
    ]);
  });

  it('a missing key and an unknown action', () => {
    expect(errorsOf(base('  - toxic: { type: noop }\n'))).toEqual(['game.yaml:7:12: steps[0].toxic.proxy: missing required key "proxy"']);
    expect(errorsOf(base('  - action: { type: explode, proxy: db }\n'))).toEqual([
      'game.yaml:7:21: steps[0].action.type: unknown action "explode" (one of: disable, enable, reset, kill_connections, update_proxy, process)',
    ]);
  });

  it('two toxics of one name on one proxy at once', () => {
    expect(
      errorsOf(base('  - toxic: { proxy: db, type: latency }\n    for: 10s\n  - at: 5s\n    toxic: { proxy: db, type: latency }\n')),
    ).toEqual([
      'game.yaml:10:12: steps[1].toxic: toxic "latency_downstream" is already on proxy "db" from step 1 (0s–10s); give this one another name',
    ]);
    // One after the other is fine.
    expect(() =>
      load(base('  - toxic: { proxy: db, type: latency }\n    for: 10s\n  - toxic: { proxy: db, type: latency }\n    for: 1s\n')),
    ).not.toThrow();
  });

  it('a ramp on an attribute the toxic does not have, or out of range', () => {
    expect(errorsOf(base('  - ramp: { proxy: db, type: latency, attribute: delay, from: 0, to: 5, over: 1s }\n'))[0]).toMatch(
      /^game\.yaml:7:50: steps\[0\]\.ramp\.attribute: latency has no attribute "delay" \(it has: latency, jitter/,
    );
    expect(errorsOf(base('  - ramp: { proxy: db, type: latency, attribute: latency, from: -5, to: 5, over: 1s }\n'))[0]).toMatch(
      /^game\.yaml:7:65: steps\[0\]\.ramp\.from: latency = -5: must be 0 or more \(ms\)/,
    );
  });

  it('a probe without a check, or with two', () => {
    expect(errorsOf(base('  - wait: 1s\n', 'probes:\n  - name: p\n    mode: before\n'))).toEqual([
      'game.yaml:7:5: probes[0]: a probe needs one of http, tcp or exec',
    ]);
    expect(errorsOf(base('  - wait: 1s\n', 'probes:\n  - name: p\n    tcp: { address: "h:1" }\n    exec: { command: "true" }\n'))).toEqual([
      'game.yaml:7:5: probes[0]: a probe has one check, not tcp and exec',
    ]);
  });

  it('a wrong type, a bad version, an empty file, a YAML syntax error, a missing variable', () => {
    expect(errorsOf(base('  - wait: 1s\n', 'seed: true\n'))).toEqual(['game.yaml:6:7: seed: expected a number or a string, got true']);
    expect(errorsOf('version: 2\nname: x\nsteps:\n  - wait: 1s\n')).toEqual(['game.yaml:1:10: version: expected version: 1']);
    expect(errorsOf('')).toEqual(['game.yaml: the scenario is empty']);
    expect(errorsOf('version: 1\nname: [unclosed\n')[0]).toMatch(/^game\.yaml:\d+:\d+: /);
    expect(errorsOf(base('  - wait: 1s\n').replace('127.0.0.1:1', '${UP}'))).toEqual([
      'game.yaml:5:15: proxies[0].upstream: environment variable UP is not set (give a default with ${UP:-value})',
    ]);
  });

  it('reports every mistake at once', () => {
    const lines = errorsOf(base('  - at: 1x\n    wait: 1s\n  - action: { type: disable, proxy: nope }\n    bogus: 1\n'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('steps[0].at: bad duration');
    expect(lines[1]).toContain('steps[1].bogus: unknown key');
  });
});
