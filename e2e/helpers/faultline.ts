/**
 * Starting the real, built CLI (`node dist/bin/main.js`) as a child process on a free port, and
 * making sure it is always killed.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built executable; `npm test` builds before running vitest. */
export const CLI = fileURLToPath(new URL('../../dist/bin/main.js', import.meta.url));

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running `faultline` process. */
export interface FaultlineProcess {
  readonly child: ChildProcess;
  /** The admin API's base URL, from the startup log line. */
  readonly url: string;
  readonly port: number;
  /** Every JSON log line so far. */
  readonly logs: Array<Record<string, unknown>>;
  readonly stderr: () => string;
  readonly exited: Promise<Exit>;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL after 15 s. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

const running = new Set<ChildProcess>();

// Last resort: never leave a server behind, even when a test file crashes.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Runs the CLI with `args` to completion (for `-version`, bad configs …), killing it after `timeoutMs`. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Exit & { stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      // Let the pipes drain before reporting.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
}

/**
 * Starts `faultline` with `args` (default `serve --port 0`) and resolves once the admin API listens.
 * The port comes from the `admin API listening` log line.
 */
export function startFaultline(
  args: string[] = ['serve', '--port', '0'],
  options: {
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    /** A command that runs `node CLI args` as its trailing arguments (e.g. `unshare -n …`); it must exec, keeping the pid. */
    wrap?: readonly string[];
    /** What runs the CLI instead of `node CLI` (e.g. the container's entrypoint script); it must exec node, keeping the pid. */
    command?: readonly string[];
  } = {},
): Promise<FaultlineProcess> {
  const [command, ...argv] = [...(options.wrap ?? []), ...(options.command ?? [process.execPath, CLI]), ...args];
  const child = spawn(command ?? process.execPath, argv, {
    env: { ...process.env, FAULTLINE_LOG_LEVEL: undefined, LOG_LEVEL: undefined, FAULTLINE_TOKEN: undefined, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let pending = '';
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`faultline did not start within the time limit; stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        logs.push(entry);
        if (entry['msg'] === 'admin API listening') {
          clearTimeout(timer);
          const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            const exit = await exited;
            clearTimeout(killer);
            return exit;
          };
          resolve({ child, url: String(entry['url']), port: Number(entry['port']), logs, stderr: () => stderr, exited, stop });
        }
      }
    });
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`faultline exited before listening (code ${String(exit.code)}): ${stderr}`));
    });
  });
}
