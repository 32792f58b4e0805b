/**
 * Probe checks never throw: a request Node refuses to send (a method or header it rejects) is a
 * failed check, and a scenario that asks for one is refused when it is loaded. Before, such a probe
 * started over `POST /scenarios` ended the server process.
 */
import { describe, expect, it } from 'vitest';
import { startHttpServer } from '../testing/http-server.js';
import { parseScenario, ScenarioError } from './load.js';
import { runCheck } from './probes.js';
import type { ProbeCheck } from './plan.js';

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

  it('match a body in linear time, even with a pattern a backtracking engine takes seconds on', async () => {
    const up = await startHttpServer((_req, res) => res.end('a'.repeat(28)));
    try {
      const check = (match: string) => runCheck(http({ url: `http://${up.address}/`, match, timeoutMs: 30_000 }), never);
      const plain = await check('Z');
      const catastrophic = await check('^(.|.)*Z$');
      expect(catastrophic).toMatchObject({ ok: false, detail: 'HTTP 200, body does not match /^(.|.)*Z$/' });
      expect(plain).toMatchObject({ ok: false });
      // Measured against the same check with a plain pattern in the same run (a backtracking engine
      // spends about 2^28 steps here: seconds).
      expect(catastrophic.ms).toBeLessThan(10 * plain.ms + 200);
      expect(await check('a{28}')).toMatchObject({ ok: true });
    } finally {
      await up.close();
    }
  });

  it('refuse a match pattern RE2 cannot run, or one too long', () => {
    const scenario = (match: string) =>
      `version: 1\nname: p\nprobes:\n  - name: api\n    http: { url: "http://127.0.0.1:1/", match: '${match}' }\nsteps:\n  - wait: 1s\n`;
    const first = (text: string): string => {
      try {
        parseScenario(text, { file: 's.yaml' });
      } catch (err) {
        return (err as ScenarioError).issues[0] ?? '';
      }
      return 'accepted';
    };
    expect(first(scenario('(a)\\1'))).toContain('probes[0].http.match: not a regular expression RE2 accepts');
    expect(first(scenario('x'.repeat(513)))).toContain('probes[0].http.match: longer than 512 characters');
    expect(first(scenario('"status":\\s*"ok"'))).toBe('accepted');
  });
});
