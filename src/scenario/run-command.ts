/**
 * Running one command of a scenario (an `exec` step, its rollback, an `exec` probe): a list is run
 * as is, a string by `/bin/sh -c`, in its own process group so a timeout or an abort also stops
 * what a shell started. Only the tail of its output is kept, so a chatty command cannot fill the
 * runner's memory or its journal.
 * @module
 */
import { spawn } from 'node:child_process';

/** What became of a command. */
export interface CommandResult {
  /** Its exit code; null when a signal ended it, or it never ran. */
  exit_code: number | null;
  /** The signal that ended it (SIGKILL at a timeout), or null. */
  signal: string | null;
  timed_out: boolean;
  /** Why it could not run at all (no such program), when it did not. */
  error?: string;
  /** Wall time, in ms. */
  ms: number;
  /** The last characters of its standard output and error, interleaved. */
  output: string;
}

/** Characters of output kept by default. */
export const MAX_COMMAND_OUTPUT = 4096;

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

/**
 * Runs `command` and resolves once it is over; never rejects. Killed (with its process group)
 * after `timeoutMs`, or when `signal` aborts.
 */
export function runCommand(
  command: string | readonly string[],
  options: { timeoutMs: number; signal?: AbortSignal; maxOutput?: number },
): Promise<CommandResult> {
  const started = performance.now();
  const keepChars = options.maxOutput ?? MAX_COMMAND_OUTPUT;
  const [program = '/bin/sh', ...args] = typeof command === 'string' ? ['/bin/sh', '-c', command] : command;
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    let timedOut = false;
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-keepChars);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const finish = (result: Omit<CommandResult, 'ms' | 'output' | 'timed_out'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ ...result, timed_out: timedOut, ms: elapsed(started), output });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const onAbort = (): void => kill();
    if (options.signal?.aborted) kill();
    options.signal?.addEventListener('abort', onAbort);
    child.once('error', (err) => finish({ exit_code: null, signal: null, error: `cannot run ${program}: ${err.message}` }));
    child.once('close', (code, signal) => finish({ exit_code: code, signal }));
  });
}

/** The result in a few words: `exit code 0`, `exit code 2`, `killed by SIGKILL`, `timed out after 30s`. */
export function commandOutcome(result: CommandResult, timeoutText: string): string {
  if (result.error !== undefined) return result.error;
  if (result.timed_out) return `timed out after ${timeoutText}`;
  return result.signal !== null ? `killed by ${result.signal}` : `exit code ${String(result.exit_code)}`;
}
