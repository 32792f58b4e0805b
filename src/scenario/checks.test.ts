/**
 * What `validate` and `--dry-run` catch before a run starts: everything a run can know from the
 * file and its environment, reported all at once.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError, type LoadScenarioOptions } from './load.js';

function problems(text: string, options: Partial<LoadScenarioOptions> = {}): string[] {
  try {
    parseScenario(text, { file: 's.yaml', ...options });
  } catch (err) {
    if (err instanceof ScenarioError) return [...err.issues];
    throw err;
  }
  return [];
}

describe('HTTP toxics', () => {
  const file = (protocol: string) => `version: 1
name: h
proxies:
  - name: web
    upstream: 127.0.0.1:8080${protocol}
  - name: db
    upstream: 127.0.0.1:5432
steps:
  - toxic: { proxy: web, type: http_abort, attributes: { status: 503 } }
  - monkey:
      proxies: [web, db]
      interval: { min: 1s, max: 2s }
      faults: [{ type: http_delay, for: 1s }]
    for: 5s
`;

  it('are refused on a proxy not declared with protocol: http, as the server would refuse them', () => {
    expect(problems(file(''))).toEqual([
      's.yaml:9:32: steps[0].toxic.type: toxic type "http_abort" works on HTTP proxies only: set protocol: http on proxy "web"',
      's.yaml:13:24: steps[1].monkey.faults[0].type: toxic type "http_delay" works on HTTP proxies only: set protocol: http on proxy "web"',
      's.yaml:13:24: steps[1].monkey.faults[0].type: toxic type "http_delay" works on HTTP proxies only: set protocol: http on proxy "db"',
    ]);
  });

  it('are accepted on an HTTP proxy', () => {
    expect(problems(file('\n    protocol: http').replace('[web, db]', '[web]'))).toEqual([]);
  });
});
