/**
 * What one scenario may make a server hold: steps, faults (monkey injections included), ramp
 * updates, probes, name lengths and the size of its plan are bounded, each refused with a located
 * message before the plan takes the memory.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_NAME_LENGTH,
  MAX_SCENARIO_FAULTS,
  MAX_SCENARIO_PLAN_BYTES,
  MAX_SCENARIO_PROBES,
  MAX_SCENARIO_RAMP_UPDATES,
  MAX_SCENARIO_STEPS,
} from '../limits.js';
import { parseScenario, ScenarioError } from './load.js';
import { ScenarioParser } from './parser.js';

const HEAD = 'version: 1\nname: s\nproxies:\n  - name: p\n    upstream: 127.0.0.1:9\n';

function issues(text: string): readonly string[] {
  try {
    parseScenario(text, { file: 's.yaml', seed: '1' });
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).issues;
  }
  return [];
}

describe('scenario limits', () => {
  it(`at most ${MAX_SCENARIO_STEPS} steps and ${MAX_SCENARIO_PROBES} probes`, () => {
    expect(issues(`${HEAD}steps:\n${'  - wait: 1s\n'.repeat(MAX_SCENARIO_STEPS)}`)).toEqual([]);
    expect(issues(`${HEAD}steps:\n${'  - wait: 1s\n'.repeat(MAX_SCENARIO_STEPS + 1)}`)).toEqual([
      `s.yaml:7:3: steps: at most ${MAX_SCENARIO_STEPS} steps`,
    ]);
    const probes = Array.from({ length: MAX_SCENARIO_PROBES + 1 }, (_, i) => `  - name: p${i}\n    tcp: { address: "127.0.0.1:9" }\n`).join(
      '',
    );
    expect(issues(`${HEAD}probes:\n${probes}steps:\n  - wait: 1s\n`)[0]).toContain(`probes: at most ${MAX_SCENARIO_PROBES} probes`);
  });

  it(`names of at most ${MAX_NAME_LENGTH} characters`, () => {
    expect(issues(`${HEAD}steps:\n  - name: ${'n'.repeat(MAX_NAME_LENGTH + 1)}\n    wait: 1s\n`)).toEqual([
      `s.yaml:7:11: steps[0].name: longer than ${MAX_NAME_LENGTH} characters`,
    ]);
  });

  it(`at most ${MAX_SCENARIO_FAULTS} faults, monkey injections included, refused before they are all drawn`, () => {
    const monkey = (ms: number) =>
      `${HEAD}steps:\n  - monkey: { proxies: [p], interval: { min: ${ms}ms, max: ${ms}ms }, faults: [{ type: noop, for: 1ms }] }\n    for: 10m\n`;
    expect(issues(monkey(60_000))).toEqual([]);
    expect(issues(monkey(100))).toEqual([
      `s.yaml:7:5: steps[0]: the scenario applies more than ${MAX_SCENARIO_FAULTS} faults (monkey injections included)`,
    ]);
  });

  it(`at most ${MAX_SCENARIO_RAMP_UPDATES} ramp updates`, () => {
    const ramp = (i: number) =>
      `  - ramp: { proxy: p, name: r${i}, type: latency, attribute: latency, from: 0, to: 9, over: 10s, steps: 1000 }\n`;
    const count = MAX_SCENARIO_RAMP_UPDATES / 1000;
    expect(issues(`${HEAD}steps:\n${Array.from({ length: count }, (_, i) => ramp(i)).join('')}`)).toEqual([]);
    expect(issues(`${HEAD}steps:\n${Array.from({ length: count + 1 }, (_, i) => ramp(i)).join('')}`)[0]).toContain(
      `steps[${count}].ramp: the scenario's ramps make more than ${MAX_SCENARIO_RAMP_UPDATES} updates`,
    );
  });

  it(`a plan of at most ${MAX_SCENARIO_PLAN_BYTES} bytes: ramps copy their attributes into every update`, async () => {
    const headers = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`X-H${i}`, `*${'v'.repeat(250)}`]));
    const attributes = JSON.stringify({ delay: 0, match: { headers } });
    const text = `${HEAD.replace('upstream: 127.0.0.1:9', 'upstream: 127.0.0.1:9\n    protocol: http')}steps:\n  - ramp: { proxy: p, type: http_delay, attribute: delay, from: 0, to: 9, over: 10s, steps: 100, attributes: ${attributes} }\n`;
    expect(issues(text)).toEqual([]);
    const parser = new ScenarioParser();
    try {
      await expect(parser.parse(text, { file: 's.yaml', seed: '1' })).rejects.toMatchObject({
        code: 'SCENARIO_INVALID',
        message: expect.stringContaining(`s.yaml: the scenario resolves to a plan larger than ${MAX_SCENARIO_PLAN_BYTES} bytes`),
      });
      const small = await parser.parse(`${HEAD}steps:\n  - wait: 1s\n`, { file: 's.yaml', seed: '1' });
      expect(small.steps).toHaveLength(1);
    } finally {
      await parser.close();
    }
  });
});
