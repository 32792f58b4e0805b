/**
 * `faultline serve` speaks of wrong usage as the other commands do: `unknown flag`, exit 2, also
 * for a flag whose value is wrong (`--port abc`).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from './serve.js';

function stderrOf(): { text: () => string } {
  const chunks: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  return { text: () => chunks.join('') };
}

describe('faultline serve usage errors', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('an unknown flag is "unknown flag", exit 2, with the usage', async () => {
    const err = stderrOf();
    expect(await run(['--bogus'])).toBe(2);
    expect(err.text()).toMatch(/^faultline serve: unknown flag --bogus\n\nUsage: faultline serve/);
  });

  it('a flag with a bad value is wrong usage: exit 2', async () => {
    const err = stderrOf();
    expect(await run(['--port', 'abc'])).toBe(2);
    expect(err.text()).toBe(
      `faultline serve: flag --port: server.port: expected a whole number, got "abc"\nRun 'faultline serve --help' for usage.\n`,
    );
  });
});
