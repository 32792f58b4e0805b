/**
 * Running the built `faultline run` as a child process that a test can signal or kill, and reading
 * what it wrote.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Journal } from '../../src/scenario/journal.js';
import { CLI, type Exit } from './faultline.js';

/** A `faultline` child process. */
export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when it exits (killed with SIGKILL after `timeoutMs`). */
  readonly exited: Promise<Exit & { stdout: string; stderr: string }>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts `faultline ...args`; stdout is a pipe, so `run` writes plain log lines. */
export function spawnCli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, FAULTLINE_URL: undefined, FAULTLINE_TOKEN: undefined, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const exited = new Promise<Exit & { stdout: string; stderr: string }>((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** A temporary directory for scenario files and journals, removed by `cleanup()`. */
export async function scratchDir(): Promise<{
  dir: string;
  file(name: string, text: string): Promise<string>;
  journal(path: string): Promise<Journal>;
  cleanup(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-scenarios-'));
  return {
    dir,
    file: async (name, text) => {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    },
    journal: async (path) => JSON.parse(await readFile(path, 'utf8')) as Journal,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Polls `predicate` (sync or async) every 10 ms until it holds, or fails after `timeoutMs`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
