/**
 * `faultline run`'s fleet flags in process: `--fleet-policy`, `--targets` files (located mistakes,
 * exit 2), names that resolve to nothing (exit 3), `--dry-run` per target, and the lines a fleet's
 * targets get in the log and the live view.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJournal } from '../scenario/journal.js';
import { parseScenario } from '../scenario/load.js';
import { UsageError } from './args.js';
import type { CliIo } from './output.js';
import { run, RUN_EXIT } from './run.js';
import { parseFleetPolicy } from './run-targets.js';
import { eventLine, fleetLine } from './run-view.js';

const SCENARIO = `version: 1
name: fleet
seed: 3
proxies:
  - name: cache
    listen: "\${TARGET_HOST}:26379"
    upstream: "\${TARGET_HOST}:6379"
steps:
  - wait: 1s
`;

function captureIo(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), style: { tty: false, color: false }, env: {} };
}

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-run-targets-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('faultline run on a fleet', () => {
  it('reads --fleet-policy: all by default, any, quorum, nothing else', () => {
    expect(parseFleetPolicy(undefined)).toBe('all');
    expect(parseFleetPolicy('quorum')).toBe('quorum');
    expect(() => parseFleetPolicy('most')).toThrow(new UsageError('--fleet-policy: expected all, any, quorum, got "most"'));
  });

  it('shows each target of a --targets file with its variables and proxy addresses in --dry-run', async () => {
    const dir = scratch({ 'fleet.yaml': SCENARIO, 'fleet.txt': '# two\nhttp://10.0.0.5:8474\n10.0.0.6:9474 # no scheme\n' });
    const io = captureIo();
    const code = await run(['--dry-run', join(dir, 'fleet.yaml'), '--targets', join(dir, 'fleet.txt'), '--fleet-policy', 'any'], io);
    expect(io.err.join('')).toBe('');
    expect(code).toBe(RUN_EXIT.passed);
    expect(io.out.join('')).toContain(
      [
        'targets (fleet policy any):',
        '  #0 http://10.0.0.5:8474',
        '    TARGET_HOST=10.0.0.5 TARGET_PORT=8474 TARGET_INDEX=0 TARGET_URL=http://10.0.0.5:8474',
        '    cache: 10.0.0.5:26379 → 10.0.0.5:6379',
        '  #1 http://10.0.0.6:9474',
        '    TARGET_HOST=10.0.0.6 TARGET_PORT=9474 TARGET_INDEX=1 TARGET_URL=http://10.0.0.6:9474',
        '    cache: 10.0.0.6:26379 → 10.0.0.6:6379',
      ].join('\n'),
    );
  });

  it('shows the embedded server as target #0 when the proxies read target variables', async () => {
    const dir = scratch({ 'fleet.yaml': SCENARIO });
    const io = captureIo();
    expect(await run(['--dry-run', join(dir, 'fleet.yaml')], io)).toBe(RUN_EXIT.passed);
    expect(io.out.join('')).toContain('  #0 http://127.0.0.1:0 (the embedded server; its port is chosen when it starts)\n');
  });

  it('refuses a bad targets file with every mistake located (exit 2), a bad --target as usage', async () => {
    const dir = scratch({ 'fleet.yaml': SCENARIO, 'bad.txt': 'http://a:1\ndns+http://x/path\n\nhttp://b:1 http://c:1\n' });
    const io = captureIo();
    expect(await run([join(dir, 'fleet.yaml'), '--targets', join(dir, 'bad.txt')], io)).toBe(RUN_EXIT.invalid);
    expect(io.err.join('')).toBe(
      `faultline run: invalid targets:\n  ${join(dir, 'bad.txt')}:2: dns+http://x/path: discovery takes a name and a port only (dns+http://NAME:PORT)\n` +
        `  ${join(dir, 'bad.txt')}:4: one target a line, got "http://b:1 http://c:1"\n`,
    );
    const usage = captureIo();
    expect(await run([join(dir, 'fleet.yaml'), '--target', 'dns+ftp://x'], usage)).toBe(RUN_EXIT.invalid);
    expect(usage.err.join('')).toMatch(/^faultline run: --target dns\+ftp:\/\/x: discovery takes dns\+http/);
  });

  it('exits 3 when a dns+http name resolves to nothing, before touching anything', async () => {
    const dir = scratch({ 'fleet.yaml': SCENARIO });
    const io = captureIo();
    // A stub resolver: no query leaves the machine.
    const nowhere = async (name: string): Promise<string[]> => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    };
    expect(await run([join(dir, 'fleet.yaml'), '--target', 'dns+http://nothing.test:8474'], io, nowhere)).toBe(RUN_EXIT.unreachable);
    expect(io.err.join('')).toBe(
      'faultline run: cannot find the targets: dns+http://nothing.test:8474: cannot resolve nothing.test: the name is not known\n',
    );
  });

  it('names each target in the log lines and the live view', () => {
    const { plan } = parseScenario(SCENARIO, { file: 'f.yaml' });
    const journal = createJournal(plan, { targets: [], policy: 'quorum' });
    const target = {
      url: 'http://10.0.0.6:8474',
      index: 1,
      source: 'dns+http://fleet:8474',
      status: 'failed' as const,
      joined_ms: null,
      left_ms: 1200,
      error: 'cannot reach http://10.0.0.6:8474: ECONNREFUSED',
      changes: 2,
    };
    journal.fleet.targets.push({ ...target, url: 'http://10.0.0.5:8474', index: 0, status: 'active', error: null, left_ms: null }, target);
    expect(eventLine({ type: 'target', journal, target, change: 'failed' })).toBe(
      '[   +0.000s] target #1 http://10.0.0.6:8474 (dns+http://fleet:8474) failed: cannot reach http://10.0.0.6:8474: ECONNREFUSED',
    );
    expect(eventLine({ type: 'target', journal, target: { ...target, status: 'vanished' }, change: 'vanished' })).toMatch(
      /target #1 http:\/\/10\.0\.0\.6:8474 \(dns\+http:\/\/fleet:8474\) vanished: discovery no longer finds it$/,
    );
    expect(fleetLine(journal)).toBe('targets: 1 of 2 active (policy quorum), #1 failed');
  });
});
