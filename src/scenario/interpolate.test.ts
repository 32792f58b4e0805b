import { describe, expect, it } from 'vitest';
import { interpolate, type InterpolationIssue } from './interpolate.js';

function run(value: unknown, env: Record<string, string> = {}) {
  const issues: InterpolationIssue[] = [];
  return { value: interpolate(value, env, issues), issues };
}

describe('environment references', () => {
  it('replaces ${NAME} and ${NAME:-default} inside strings, in nested values', () => {
    const { value, issues } = run({ a: 'http://${HOST}:${PORT:-80}/x', list: ['${HOST}'] }, { HOST: 'h' });
    expect(value).toEqual({ a: 'http://h:80/x', list: ['h'] });
    expect(issues).toEqual([]);
  });

  it('gives a value that is one reference the type YAML would read', () => {
    expect(run({ n: '${N:-80}', b: '${B}', s: '${S}', f: '${F:-0.5}' }, { B: 'true', S: '127.0.0.1:80' }).value).toEqual({
      n: 80,
      b: true,
      s: '127.0.0.1:80',
      f: 0.5,
    });
    expect(run({ text: 'x${N:-80}' }).value).toEqual({ text: 'x80' });
  });

  it('uses the default for an empty variable, and $$ for a literal dollar', () => {
    expect(run('${E:-d} costs $$5', { E: '' }).value).toBe('d costs $5');
  });

  it('reports unset variables and bad references with their path', () => {
    const { issues } = run({ steps: [{ url: '${MISSING}' }, '${bad name}'] });
    expect(issues).toEqual([
      { path: ['steps', 0, 'url'], message: 'environment variable MISSING is not set (give a default with ${MISSING:-value})' },
      { path: ['steps', 1], message: 'bad variable reference "${bad name}": use ${NAME} or ${NAME:-default}' },
    ]);
  });

  it('leaves keys, numbers and strings without references alone', () => {
    const input = { '${K}': 1, plain: 'a $ b', n: 5, t: true, z: null };
    expect(run(input).value).toEqual(input);
  });
});
