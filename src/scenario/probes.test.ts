/**
 * Probe checks never throw: a request Node refuses to send (a method or header it rejects) is a
 * failed check, and a scenario that asks for one is refused when it is loaded. Before, such a probe
 * started over `POST /scenarios` ended the server process.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from './load.js';
import { runCheck } from './probes.js';
import type { ProbeCheck } from './timeline.js';

const never = new AbortController().signal;

function http(overrides: Partial<Extract<ProbeCheck, { kind: 'http' }>>): ProbeCheck {
  return { kind: 'http', url: 'http://127.0.0.1:1/', method: 'GET', headers: {}, status: null, timeoutMs: 1_000, ...overrides };
}

describe('probe checks', () => {
  it('report a request Node refuses to send as a failed check instead of throwing', async () => {
    const badMethod = await runCheck(http({ method: 'G ET' }), never);
    expect(badMethod).toMatchObject({ ok: false, detail: expect.stringContaining('ERR_INVALID_HTTP_TOKEN') });
    const badHeader = await runCheck(http({ headers: { 'X-Split': 'a\r\nInjected: 1' } }), never);
    expect(badHeader).toMatchObject({ ok: false, detail: expect.stringContaining('ERR_INVALID_CHAR') });
  });

  it('are refused at load time when their method or headers cannot be sent', () => {
    const scenario = (http: string) => `version: 1\nname: p\nprobes:\n  - name: api\n    http: ${http}\nsteps:\n  - wait: 1s\n`;
    const issues = (text: string): readonly string[] => {
      try {
        parseScenario(text, { file: 's.yaml' });
      } catch (err) {
        expect(err).toBeInstanceOf(ScenarioError);
        return (err as ScenarioError).issues;
      }
      throw new Error('expected the scenario to be refused');
    };
    expect(issues(scenario('{ url: "http://127.0.0.1:1/", method: "G ET" }'))).toEqual([
      's.yaml:5:49: probes[0].http.method: invalid HTTP method "G ET": a method is a token such as GET or POST',
    ]);
    expect(issues(scenario('{ url: "http://127.0.0.1:1/", headers: { "X-A": "a\\r\\nb" } }'))[0]).toContain(
      'probes[0].http.headers.X-A: invalid header value',
    );
    expect(issues(scenario('{ url: "http://127.0.0.1:1/", headers: { "X A": "b" } }'))[0]).toContain('invalid header name "X A"');
  });
});
