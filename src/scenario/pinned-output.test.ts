/**
 * Pins what people and scripts read from a scenario: the plan as `--dry-run` prints it, the plan
 * JSON (what the API's scenario endpoints carry) and the journal of a run, byte for byte, for a
 * file with every kind of step. A refactoring of the scenario code must leave them as they are.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.js';
import { FakeAdmin } from '../testing/fake-admin.js';
import { eventLine } from '../cli/run-view.js';
import type { Journal } from './journal.js';
import { parseScenario } from './load.js';
import { planText } from './plan-text.js';
import { ScenarioRun } from './runner.js';

const SCENARIO = `version: 1
name: every kind
description: one step of each kind
seed: 42
proxies:
  - name: db
    upstream: 127.0.0.1:5432
  - name: cache
    upstream: 127.0.0.1:6379
probes:
  - name: health
    http: { url: "http://127.0.0.1:1/health" }
    interval: 500ms
  - name: port
    tcp: { address: "127.0.0.1:1" }
    mode: after
steps:
  - name: slow db
    toxic: { proxy: db, type: latency, attributes: { latency: 80, jitter: 5 } }
    for: 1s
  - action: { type: disable, proxy: cache }
  - after: 200ms
    action: { type: enable, proxy: cache }
  - ramp: { proxy: db, name: creep, type: latency, attribute: latency, from: 0, to: 30, over: 1s, steps: 3 }
    for: 2s
  - at: 1s
    monkey:
      proxies: [db, cache]
      interval: { min: 300ms, max: 700ms }
      faults:
        - { type: reset_peer, for: 200ms, weight: 2 }
        - { type: bandwidth, for: 300ms, attributes: { rate: 10 } }
    for: 2s
  - wait: 500ms
  - action: { type: update_proxy, proxy: db, upstream: "127.0.0.1:5433" }
`;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function runToEnd(): Promise<{ journal: Journal; lines: string[] }> {
  const { plan } = parseScenario(SCENARIO, { file: 'every-kind.yaml' });
  const clock = new FakeClock();
  const lines: string[] = [];
  const run = new ScenarioRun({
    plan,
    file: 'every-kind.yaml',
    targets: [{ url: 'http://t0', client: new FakeAdmin(clock) }],
    clock,
    now: () => 1_700_000_000_000 + clock.now(),
    check: async () => ({ ok: true, ms: 1, detail: 'HTTP 200' }),
    onEvent: (event) => {
      const line = eventLine(event);
      if (line !== undefined) lines.push(line);
    },
  });
  let journal: Journal | undefined;
  void run.run().then((j) => (journal = j));
  for (let i = 0; i < 10_000 && journal === undefined; i++) {
    await settle();
    clock.advance(10);
  }
  if (!journal) throw new Error('the run did not finish');
  return { journal, lines };
}

describe('pinned output', () => {
  it('prints the plan as before', () => {
    const { plan } = parseScenario(SCENARIO, { file: 'every-kind.yaml' });
    expect(planText(plan)).toBe(PLAN_TEXT);
    expect(sha256(JSON.stringify(plan))).toBe(PLAN_JSON_SHA256);
  });

  it('reports every mistake of a file, in the same order and words', () => {
    expect(() => parseScenario(BAD_SCENARIO, { file: 'bad.yaml' })).toThrow(BAD_SCENARIO_MESSAGE);
  });

  it('writes the journal and the event lines as before', async () => {
    const { journal, lines } = await runToEnd();
    expect(Object.keys(journal)).toEqual(JOURNAL_KEYS);
    expect(Object.keys(journal.steps[0] ?? {})).toEqual(STEP_KEYS);
    expect(Object.keys(journal.steps[0]?.faults[0] ?? {})).toEqual(FAULT_KEYS);
    expect(lines.join('\n')).toBe(EVENT_LINES);
    expect(sha256(JSON.stringify(journal, null, 2))).toBe(JOURNAL_SHA256);
  });
});

const PLAN_TEXT = `every kind — one step of each kind
seed 42, runs 3.5s, rollback always

proxies (created unless they exist):
  db: 127.0.0.1:0 → 127.0.0.1:5432
  cache: 127.0.0.1:0 → 127.0.0.1:6379

probes:
  health: GET http://127.0.0.1:1/health — continuous every 500ms
  port: tcp 127.0.0.1:1 — after

timeline:
  +0s      step 1 (slow db): latency on db (downstream) latency=80 jitter=5 for 1s
  +0s        add latency latency_downstream on db for 1s
  +1s        remove latency_downstream from db
  +1s      step 2: disable cache
  +1s      step 5: monkey on db, cache: 3 injections of reset_peer, bandwidth over 2s
  +1s        disable cache
  +1.2s    step 3: enable cache
  +1.2s    step 4: ramp latency.latency on db (downstream) 0 → 30 over 1s, held 2s
  +1.2s      enable cache
  +1.2s      add latency creep on db for 2s
  +1.533s    update creep on db: latency=10
  +1.551s    add reset_peer monkey5_1_reset_peer on db for 200ms
  +1.751s    remove monkey5_1_reset_peer from db
  +1.867s    update creep on db: latency=20
  +1.955s    add reset_peer monkey5_2_reset_peer on cache for 200ms
  +2.155s    remove monkey5_2_reset_peer from cache
  +2.2s      update creep on db: latency=30
  +2.439s    add reset_peer monkey5_3_reset_peer on cache for 200ms
  +2.639s    remove monkey5_3_reset_peer from cache
  +3s      step 6: wait 500ms
  +3.2s      remove creep from db
  +3.5s    step 7: update_proxy db upstream=127.0.0.1:5433
  +3.5s      update_proxy db upstream=127.0.0.1:5433
  +3.5s    end: roll back every fault still in place, remove created proxies
`;
const PLAN_JSON_SHA256 = '4a3d663fd4f497a5a0221c6cc2802715d9eac83da9025dd599f60e20297995fb';
const JOURNAL_KEYS = [
  'journal_version',
  'scenario',
  'seed',
  'time_scale',
  'targets',
  'status',
  'verdict',
  'cause',
  'reason',
  'started_at',
  'finished_at',
  'planned_duration_ms',
  'elapsed_ms',
  'proxies',
  'steps',
  'probes',
  'rollback',
  'warnings',
  'fleet',
];
const STEP_KEYS = ['index', 'kind', 'name', 'label', 'planned_start_ms', 'planned_end_ms', 'started_ms', 'ended_ms', 'status', 'faults'];
const FAULT_KEYS = [
  'proxy',
  'toxic',
  'type',
  'stream',
  'attributes',
  'planned_start_ms',
  'planned_end_ms',
  'lease_ms',
  'applied_ms',
  'targets',
  'reverted_ms',
  'reverted_by',
];
const EVENT_LINES = `[   +0.000s] step 1 (slow db) started: latency on db (downstream) latency=80 jitter=5 for 1s
[   +0.000s] probe health: passing (HTTP 200, 1ms)
[   +0.000s] fault applied: latency latency_downstream on db (lease 1s)
[   +1.000s] fault reverted: latency_downstream on db (by runner)
[   +1.000s] step 2 started: disable cache
[   +1.000s] step 5 started: monkey on db, cache: 3 injections of reset_peer, bandwidth over 2s
[   +1.200s] step 3 started: enable cache
[   +1.200s] step 4 started: ramp latency.latency on db (downstream) 0 → 30 over 1s, held 2s
[   +1.200s] fault applied: latency creep on db (lease 2s)
[   +1.540s] fault updated: creep on db: latency=10
[   +1.560s] fault applied: reset_peer monkey5_1_reset_peer on db (lease 191ms)
[   +1.760s] fault reverted: monkey5_1_reset_peer on db (by runner)
[   +1.870s] fault updated: creep on db: latency=20
[   +1.960s] fault applied: reset_peer monkey5_2_reset_peer on cache (lease 195ms)
[   +2.160s] fault reverted: monkey5_2_reset_peer on cache (by runner)
[   +2.200s] fault updated: creep on db: latency=30
[   +2.440s] fault applied: reset_peer monkey5_3_reset_peer on cache (lease 199ms)
[   +2.640s] fault reverted: monkey5_3_reset_peer on cache (by runner)
[   +3.000s] step 5 done
[   +3.000s] step 6 started: wait 500ms
[   +3.200s] fault reverted: creep on db (by runner)
[   +3.200s] step 4 done
[   +3.500s] step 6 done
[   +3.500s] step 7 started: update_proxy db upstream=127.0.0.1:5433
[   +3.500s] rolling back
[   +3.500s] rollback: restore proxy db (upstream=127.0.0.1:5432)
[   +3.500s] probe port: passing (HTTP 200, 1ms)
[   +3.500s] rollback: delete proxy cache
[   +3.500s] rollback: delete proxy db`;
const JOURNAL_SHA256 = '7ec596b868ffada3eac9516a2e1ab75ffca4737ddb0cdde28f025484ab56dd9f';

const BAD_SCENARIO = `version: 1
name: bad
seed: 1
proxies:
  - name: db
    upstream: 127.0.0.1:5432
  - name: db
    upstream: 127.0.0.1:5433
steps:
  - after: -5s
    toxic: { proxy: db, type: latency }
    for: 2s
  - at: 1s
    toxic: { proxy: nope, type: latency }
  - at: 0s
    after: 1s
    ramp: { proxy: db, type: latency, attribute: colour, from: 0, to: 30, over: 1s }
  - monkey:
      proxies: [db, ghost]
      interval: { min: 2s, max: 1s }
      faults: [{ type: reset_peer, for: 1s }]
    for: 3s
  - toxic: { proxy: db, type: latency }
    at: 0s
`;
const BAD_SCENARIO_MESSAGE = `bad.yaml:7:11: proxies[1].name: proxy "db" is declared twice
bad.yaml:10:12: steps[0].after: step starts before 0 (at -5s): the previous step ends at 0s
bad.yaml:14:21: steps[1].toxic.proxy: unknown proxy "nope": declare it under proxies (declared: db)
bad.yaml:16:12: steps[2].after: a step has either at or after, not both
bad.yaml:17:50: steps[2].ramp.attribute: latency has no attribute "colour" (it has: latency, jitter, distribution, correlation)
bad.yaml:19:21: steps[3].monkey.proxies[1]: unknown proxy "ghost": declare it under proxies (declared: db)
bad.yaml:20:33: steps[3].monkey.interval.max: interval max (1s) is below min (2s)
bad.yaml:23:12: steps[4].toxic: toxic "latency_downstream" is already on proxy "db" from step 3 (0s–4s); give this one another name`;
