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
 * How long the output of a command that exited is still read: a background process it started may
 * hold its pipes open for good, and must not hold up the step.
 */
const DRAIN_MS = 200;

/**
 * Runs `command` and resolves once it is over; never rejects. Killed (with its process group)
 * after `timeoutMs`, or when `signal` aborts, and then resolved at once.
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
    let drain: NodeJS.Timeout | undefined;
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
    const finish = (result: Omit<CommandResult, 'ms' | 'output'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drain);
      options.signal?.removeEventListener('abort', onAbort);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ ...result, ms: elapsed(started), output });
    };
    const timer = setTimeout(() => {
      kill();
      finish({ exit_code: null, signal: 'SIGKILL', timed_out: true });
    }, options.timeoutMs);
    const onAbort = (): void => {
      kill();
      finish({ exit_code: null, signal: 'SIGKILL', timed_out: false });
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort);
    child.once('error', (err: NodeJS.ErrnoException) =>
      finish({ exit_code: null, signal: null, timed_out: false, error: `cannot run ${program}: ${err.code ?? err.message}` }),
    );
    child.once('exit', (code, signal) => {
      drain = setTimeout(() => finish({ exit_code: code, signal, timed_out: false }), DRAIN_MS);
      child.once('close', () => finish({ exit_code: code, signal, timed_out: false }));
    });
  });
}

/** The result in a few words: `exit code 0`, `exit code 2`, `killed by SIGKILL`, `timed out after 30s`. */
export function commandOutcome(result: CommandResult, timeoutText: string): string {
  if (result.error !== undefined) return result.error;
  if (result.timed_out) return `timed out after ${timeoutText}`;
  return result.signal !== null ? `killed by ${result.signal}` : `exit code ${String(result.exit_code)}`;
}
