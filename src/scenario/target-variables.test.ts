import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from './load.js';
import { planReadsTargetVariables, targetsText } from './plan-targets.js';
import { resolveTargetVariables, targetValues } from './target-variables.js';

const FILE = `version: 1
name: fleet
proxies:
  - name: cache
    listen: "\${TARGET_HOST}:2637\${TARGET_INDEX}"
    upstream: "\${TARGET_HOST}:6379"
steps:
  - wait: 1s
`;

describe('target variables', () => {
  it('are the host, port, index and URL of the target', () => {
    expect(targetValues({ url: 'http://[fd00::5]:9474', index: 2 })).toEqual({
      TARGET_HOST: 'fd00::5',
      TARGET_PORT: '9474',
      TARGET_INDEX: '2',
      TARGET_URL: 'http://[fd00::5]:9474',
    });
    expect(targetValues({ url: 'https://faultline.example', index: 0 }).TARGET_PORT).toBe('443');
    expect(resolveTargetVariables('${TARGET_HOST}:1 ${TARGET_OTHER}', { url: 'http://10.0.0.1:8474', index: 0 })).toBe(
      '10.0.0.1:1 ${TARGET_OTHER}',
    );
  });

  it("stay in a proxy's listen and upstream until the target is known", () => {
    const { plan } = parseScenario(FILE, { file: 'f.yaml', env: {} });
    expect(plan.proxies[0]).toMatchObject({ listen: '${TARGET_HOST}:2637${TARGET_INDEX}', upstream: '${TARGET_HOST}:6379' });
    expect(planReadsTargetVariables(plan)).toBe(true);
    expect(targetsText(plan, [{ url: 'http://127.0.0.3:8474', index: 1, source: 'dns+http://fleet.test:8474' }], 'any')).toBe(
      [
        '',
        'targets (fleet policy any):',
        '  #1 http://127.0.0.3:8474 (dns+http://fleet.test:8474)',
        '    TARGET_HOST=127.0.0.3 TARGET_PORT=8474 TARGET_INDEX=1 TARGET_URL=http://127.0.0.3:8474',
        '    cache: 127.0.0.3:26371 → 127.0.0.3:6379',
        '',
      ].join('\n'),
    );
  });

  it('are a mistake anywhere else, reported with its place', () => {
    const text = `${FILE.replace('${TARGET_HOST}:6379', '127.0.0.1:6379')}probes:\n  - name: p\n    tcp: { address: "\${TARGET_HOST}:1" }\n`;
    let error: unknown;
    try {
      parseScenario(text, { file: 'f.yaml', env: {} });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).issues).toEqual([
      "f.yaml:11:21: probes[0].tcp.address: ${TARGET_HOST} is a target variable: only a proxy's listen and upstream take it",
    ]);
  });

  it('keep the address checks: a listen that cannot be host:port is still refused', () => {
    expect(() => parseScenario(FILE.replace(':2637${TARGET_INDEX}', ''), { file: 'f.yaml', env: {} })).toThrow('missing port');
  });
});
