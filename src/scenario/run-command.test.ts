/**
 * Commands of a scenario (exec steps, their rollbacks, exec probes): exit codes, bounded output,
 * timeouts and aborts that kill the whole process group, programs that cannot run, and a command
 * that leaves a background process holding its output open.
 */
import { describe, expect, it } from 'vitest';
import { runCheck } from './probes.js';
import { runCommand } from './run-command.js';

describe('runCommand', () => {
  it('records the exit code and the tail of the output, a list run as is, a string by the shell', async () => {
    expect(await runCommand(['/bin/echo', 'a b'], { timeoutMs: 10_000 })).toMatchObject({ exit_code: 0, signal: null, output: 'a b\n' });
    const failed = await runCommand('echo out; echo err >&2; exit 4', { timeoutMs: 10_000 });
    expect(failed).toMatchObject({ exit_code: 4, timed_out: false });
    expect(failed.output.split('\n').sort()).toEqual(['', 'err', 'out']);
    const chatty = await runCommand('head -c 1000000 /dev/zero | tr "\\0" x; echo END', { timeoutMs: 10_000, maxOutput: 100 });
    expect(chatty.output).toBe(`${'x'.repeat(96)}END\n`);
  });

  it('kills the command and what it started at the timeout, or when aborted', async () => {
    const timedOut = await runCommand('sleep 30 & sleep 30; wait', { timeoutMs: 200 });
    expect(timedOut).toMatchObject({ exit_code: null, signal: 'SIGKILL', timed_out: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    expect(await runCommand(['sleep', '30'], { timeoutMs: 30_000, signal: controller.signal })).toMatchObject({
      exit_code: null,
      timed_out: false,
    });
  });

  it('says when the program cannot run, and does not wait for a background process that keeps its output', async () => {
    expect(await runCommand(['/nonexistent/program'], { timeoutMs: 10_000 })).toMatchObject({
      exit_code: null,
      error: 'cannot run /nonexistent/program: ENOENT',
    });
    // The background sleep ends by itself a moment later.
    const started = await runCommand('sleep 2 & echo started', { timeoutMs: 1_500 });
    expect(started).toMatchObject({ exit_code: 0, timed_out: false, output: 'started\n' });
  });
});

describe('exec probes', () => {
  it('pass on exit 0, and say why they fail', async () => {
    const signal = new AbortController().signal;
    const check = (command: string | string[], timeoutMs = 10_000) => runCheck({ kind: 'exec', command, timeoutMs }, signal);
    expect(await check('true')).toMatchObject({ ok: true, detail: 'exit code 0' });
    expect(await check('echo one; echo two; exit 2')).toMatchObject({ ok: false, detail: 'exit code 2: one | two' });
    expect(await check(['sleep', '30'], 100)).toMatchObject({ ok: false, detail: 'timed out after 100ms' });
    expect(await check(['/nonexistent/program'])).toMatchObject({ ok: false, detail: 'cannot run /nonexistent/program: ENOENT' });
    const aborted = new AbortController();
    setTimeout(() => aborted.abort(), 50);
    expect(await runCheck({ kind: 'exec', command: ['sleep', '30'], timeoutMs: 10_000 }, aborted.signal)).toMatchObject({
      ok: false,
      detail: 'cancelled',
    });
  });
});
