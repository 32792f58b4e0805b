/**
 * Every library scenario's header says how to run it: its `Run:` command line, run as written with
 * `--dry-run` and only the variables it sets, is valid, and the dry run shows each of those
 * variables with the value the header gives (so a header naming a variable the file does not read
 * fails here).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './output.js';
import { run } from './run.js';

const LIBRARY = 'configs/scenarios';

/** The header's command line: `VAR=value … faultline run [flags] FILE`, joined across `\` continuations. */
function headerCommand(text: string): { env: Record<string, string>; args: string[] } {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('# Run:'));
  if (start === -1) throw new Error('no "# Run:" line');
  let command = '';
  for (let i = start; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/^#( Run:)?\s*/, '');
    command += line.replace(/\\$/, ' ');
    if (!line.endsWith('\\')) break;
  }
  const words = command.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words[0] !== undefined && /^[A-Z_]+=/.test(words[0])) {
    const word = words.shift() ?? '';
    env[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
  }
  if (words[0] !== 'faultline' || words[1] !== 'run') throw new Error(`not a faultline run command: ${command}`);
  return { env, args: words.slice(2) };
}

function captureIo(env: Record<string, string>): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), style: { tty: false, color: false }, env };
}

describe('library scenario headers', () => {
  const files = readdirSync(LIBRARY).filter((f) => f.endsWith('.yaml'));

  it('are there', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of files) {
    it(`${name}: the documented command line runs with --dry-run, reading every variable it sets`, async () => {
      const { env, args } = headerCommand(readFileSync(join(LIBRARY, name), 'utf8'));
      expect(args.at(-1)).toBe(`${LIBRARY}/${name}`);
      expect(Object.keys(env).length).toBeGreaterThan(0);
      for (const value of Object.values(env)) expect(value).not.toContain('…');
      const io = captureIo(env);
      const code = await run([...args, '--dry-run'], io);
      expect(io.err.join('')).toBe('');
      expect(code).toBe(0);
      const text = io.out.join('');
      for (const [key, value] of Object.entries(env)) expect(text).toContain(`\n  ${key}=${value}\n`);
    });
  }
});

describe('variables', () => {
  it('--dry-run lists the variables a scenario reads, with their values and whether they are defaults', async () => {
    const io = captureIo({ UPSTREAM: '127.0.0.1:7000' });
    expect(await run([`${LIBRARY}/reply-delayed.yaml`, '--dry-run'], io)).toBe(0);
    const text = io.out.join('');
    expect(text).toContain(
      '\nvariables:\n  HEALTH_URL=http://127.0.0.1:8080/health (default)\n  LISTEN=127.0.0.1:26379 (default)\n  UPSTREAM=127.0.0.1:7000\n',
    );
  });
});
