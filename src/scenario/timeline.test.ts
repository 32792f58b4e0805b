/**
 * Timeline resolution: the axis, the operation order, ramps, time scaling, and monkeys whose
 * schedule depends on the seed alone.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from './load.js';
import { monkeySchedule } from './monkey.js';
import type { Plan } from './plan.js';
import { defaultRampSteps, rampValue } from './ramp-values.js';

const HEAD = `version: 1
name: t
proxies:
  - { name: db, upstream: "h:1" }
  - { name: cache, upstream: "h:2" }
  - { name: queue, upstream: "h:3" }
`;

function plan(body: string, options: { seed?: string; timeScale?: number } = {}): Plan {
  return parseScenario(HEAD + body, {
    file: 't.yaml',
    seed: options.seed ?? '1',
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
  }).plan;
}

function ops(p: Plan): string[] {
  return p.ops.map((op) => {
    const fault = 'fault' in op ? p.steps[op.step]?.faults[op.fault] : undefined;
    const what = op.op === 'update-toxic' ? ` ${JSON.stringify(op.attributes)}` : fault ? ` ${fault.proxy}/${fault.toxic.name}` : '';
    return `${op.atMs} ${op.op} #${op.step + 1}${what}`;
  });
}

const MONKEY = `steps:
  - monkey:
      proxies: [db, cache, queue]
      interval: { min: 1s, max: 5s }
      faults:
        - { type: latency, attributes: { latency: 300 }, for: 2s, weight: 3 }
        - { type: reset_peer, for: 500ms }
        - { type: partition, stream: upstream, for: 3s }
    for: 2m
`;

describe('the time axis', () => {
  it('orders operations by time: removals, then the ends of earlier steps, before additions at the same moment', () => {
    const p = plan(`steps:
  - toxic: { proxy: db, type: latency }
    for: 1s
  - toxic: { proxy: db, type: latency }
    for: 1s
  - at: 500ms
    action: { type: kill_connections, proxy: cache }
`);
    expect(ops(p)).toEqual([
      '0 begin #1',
      '0 add-toxic #1 db/latency_downstream',
      '500 begin #3',
      '500 action #3',
      '500 end #3',
      '1000 remove-toxic #1 db/latency_downstream',
      '1000 end #1',
      '1000 begin #2',
      '1000 add-toxic #2 db/latency_downstream',
      '2000 remove-toxic #2 db/latency_downstream',
      '2000 end #2',
    ]);
    expect(p.durationMs).toBe(2_000);
  });

  it('lets after overlap the previous step with a negative offset', () => {
    const p = plan(`steps:\n  - wait: 10s\n  - after: -2s\n    toxic: { proxy: db, type: noop }\n    for: 5s\n`);
    expect(p.steps.map((s) => [s.startMs, s.endMs])).toEqual([
      [0, 10_000],
      [8_000, 13_000],
    ]);
  });

  it('ramps in equal steps, one per second by default, whole numbers staying whole', () => {
    expect(defaultRampSteps(30_000)).toBe(30);
    expect(defaultRampSteps(200)).toBe(1);
    expect(defaultRampSteps(3_600_000)).toBe(100);
    expect([1, 2, 3].map((k) => rampValue(0, 100, k, 3))).toEqual([33, 67, 100]);
    expect(rampValue(0, 1, 1, 4)).toBe(0);
    expect(rampValue(0, 0.5, 1, 2)).toBe(0.25);
    const p = plan(`steps:\n  - ramp: { proxy: db, type: bandwidth, attribute: rate, from: 1000, to: 100, over: 3s }\n    for: 5s\n`);
    expect(ops(p)).toEqual([
      '0 begin #1',
      '0 add-toxic #1 db/bandwidth_downstream',
      '1000 update-toxic #1 {"rate":700}',
      '2000 update-toxic #1 {"rate":400}',
      '3000 update-toxic #1 {"rate":100}',
      '5000 remove-toxic #1 db/bandwidth_downstream',
      '5000 end #1',
    ]);
    expect(p.steps[0]?.faults[0]?.toxic.attributes).toEqual({ rate: 1000 });
    expect(p.steps[0]?.label).toBe('ramp bandwidth.rate on db (downstream) 1000 → 100 over 3s, held 5s');
  });

  it('a ramp held exactly its over reaches its last value before the toxic is removed', () => {
    const p = plan(
      `steps:\n  - ramp: { proxy: db, type: latency, attribute: latency, from: 0, to: 300, over: 6s, steps: 6 }\n    for: 6s\n`,
    );
    expect(ops(p).slice(-4)).toEqual([
      '5000 update-toxic #1 {"latency":250}',
      '6000 update-toxic #1 {"latency":300}',
      '6000 remove-toxic #1 db/latency_downstream',
      '6000 end #1',
    ]);
  });

  it('scales every time on the axis and probe intervals, but not probe timeouts or attributes', () => {
    const p = plan(
      `probes:\n  - { name: p, tcp: { address: "h:1", timeout: 2s }, interval: 10s }\nsteps:\n  - at: 1m\n    ramp: { proxy: db, type: latency, attribute: latency, from: 0, to: 800, over: 2m, steps: 2 }\n  - wait: 30s\n`,
      { timeScale: 0.01 },
    );
    expect(p.steps.map((s) => [s.startMs, s.endMs])).toEqual([
      [600, 1_800],
      [1_800, 2_100],
    ]);
    expect(p.durationMs).toBe(2_100);
    expect(p.probes[0]).toMatchObject({ intervalMs: 100, check: { kind: 'tcp', timeoutMs: 2_000 } });
    expect(ops(p).filter((o) => o.includes('update'))).toEqual([
      '1200 update-toxic #1 {"latency":400}',
      '1800 update-toxic #1 {"latency":800}',
    ]);
    expect(p.timeScale).toBe(0.01);
  });
});

describe('monkeys', () => {
  it('the same seed gives the same schedule; another seed another one', () => {
    const a = plan(MONKEY, { seed: 'game-day-1' });
    const b = plan(MONKEY, { seed: 'game-day-1' });
    const c = plan(MONKEY, { seed: 'game-day-2' });
    const schedule = (p: Plan) => p.steps[0]?.faults.map((f) => [f.startMs, f.endMs, f.proxy, f.toxic.name]);
    expect(schedule(a)).toEqual(schedule(b));
    expect(ops(a)).toEqual(ops(b));
    expect(schedule(a)).not.toEqual(schedule(c));
    expect(a.steps[0]?.faults.length).toBeGreaterThan(20);
  });

  it('draws intervals within [min, max], proxies from the blast radius, faults by weight, holds cut at the end', () => {
    const monkey = plan(MONKEY).steps[0];
    const faults = monkey?.faults ?? [];
    let previous = 0;
    for (const f of faults) {
      expect(f.startMs - previous).toBeGreaterThanOrEqual(1_000);
      expect(f.startMs - previous).toBeLessThanOrEqual(5_000);
      expect(f.endMs ?? Infinity).toBeLessThanOrEqual(120_000);
      expect(['db', 'cache', 'queue']).toContain(f.proxy);
      previous = f.startMs;
    }
    const counts = new Map<string, number>();
    for (const f of faults) counts.set(f.toxic.type, (counts.get(f.toxic.type) ?? 0) + 1);
    expect(counts.get('latency') ?? 0).toBeGreaterThan(counts.get('reset_peer') ?? 0);
    expect(new Set(faults.map((f) => f.toxic.name)).size).toBe(faults.length);
    expect(faults[0]?.toxic.name).toBe(`monkey1_1_${faults[0]?.toxic.type}`);
  });

  it('keeps its schedule under a time scale, only compressed', () => {
    const full = plan(MONKEY, { seed: 'x' }).steps[0]?.faults.map((f) => [f.proxy, f.toxic.name]);
    const fast = plan(MONKEY, { seed: 'x', timeScale: 0.1 }).steps[0]?.faults.map((f) => [f.proxy, f.toxic.name]);
    expect(fast).toEqual(full);
  });

  it('rejects a schedule with too many injections', () => {
    expect(() =>
      monkeySchedule(
        { proxies: ['a'], interval: { min: 1, max: 1 }, faults: [{ type: 'noop', stream: 'downstream', toxicity: 1, for: 1, weight: 1 }] },
        20_000,
        's',
        0,
      ),
    ).toThrow(RangeError);
    expect(() => plan(MONKEY.replace('min: 1s', 'min: 1ms').replace('max: 5s', 'max: 1ms'))).toThrow(
      /steps\[0\]\.monkey\.interval\.min: more than 10000 injections/,
    );
  });
});
