/**
 * The worked Chaos Monkey example of docs/scenarios.md is a valid scenario: run as written, the only
 * mistake is the pid file of a Redis this machine does not run, which `validate` reports.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from './load.js';
import { planText } from './plan-text.js';

function example(): string {
  const doc = readFileSync('docs/scenarios.md', 'utf8');
  const section = doc.slice(doc.indexOf('\n## A Chaos Monkey\n'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('no YAML example under "A Chaos Monkey"');
  return block;
}

describe('the Chaos Monkey example of the docs', () => {
  it('is valid but for a pid file that does not exist here, and its dry run shows its actions', () => {
    const text = example();
    const pidFile = '/run/redis/redis-server.pid';
    if (!existsSync(pidFile)) {
      let issues: readonly string[] = [];
      try {
        parseScenario(text, { file: 'chaos-monkey.yaml' });
      } catch (err) {
        if (!(err instanceof ScenarioError)) throw err;
        issues = err.issues;
      }
      expect(issues).toEqual([`chaos-monkey.yaml:24:54: steps[1].monkey.faults[2].pid_file: pid file ${pidFile}: no such file`]);
    }
    // Without the process fault, it plans; the seed gives the same injections each time.
    const withoutProcess = text.replace(/^.*action: process.*\n/m, '');
    const text1 = planText(parseScenario(withoutProcess, { file: 'x.yaml' }).plan);
    expect(text1).toMatch(/\n {2}\+\S+ +disable redis for 10s\n/);
    expect(text1).toMatch(/\n {2}\+\S+ +kill_connections redis close=rst\n/);
    expect(planText(parseScenario(withoutProcess, { file: 'x.yaml' }).plan)).toBe(text1);
    // A server never accepts it.
    expect(() => parseScenario(text, { file: 'scenario', allowExec: false })).toThrow('a process fault is not accepted here');
  });
});
