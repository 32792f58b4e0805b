/**
 * Finding the process a `process` action names: by `pid`, by a pid file, or by its exact command
 * line as `/proc/<pid>/cmdline` holds it. Exactly one process must match, and never the runner
 * itself (or its watchdog): anything else is an error that says what was found.
 * @module
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { commandText, processName } from './labels.js';
import type { ProcessAction } from './schema.js';

/** How a process is named. */
export type ProcessRef = Pick<ProcessAction, 'pid' | 'pid_file' | 'cmdline'>;

/** Bytes read from a pid file: a pid and a newline, with room for spaces. */
const PID_FILE_BYTES = 64;
/** Bytes of a command line compared; longer ones are compared on this much. */
const MAX_CMDLINE_BYTES = 64 * 1024;

/**
 * The pid a pid file holds. The file must be a regular file (a FIFO or a device would block the
 * runner) holding one whole number above 1.
 * @throws Error saying what is wrong with the file.
 */
export function readPidFile(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `pid file ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`,
    );
  }
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`pid file ${path}: not a regular file`);
    const buffer = Buffer.alloc(PID_FILE_BYTES);
    const text = buffer
      .subarray(0, readSync(fd, buffer, 0, PID_FILE_BYTES, 0))
      .toString('utf8')
      .trim();
    const pid = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
    if (!(pid > 1)) throw new Error(`pid file ${path}: expected a process id, found ${JSON.stringify(text.slice(0, 20))}`);
    return pid;
  } finally {
    closeSync(fd);
  }
}

/** The arguments of process `pid` (`/proc/<pid>/cmdline`), or undefined when it is gone or unreadable. */
export function commandLineOf(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`).subarray(0, MAX_CMDLINE_BYTES).toString('utf8');
    if (raw === '') return undefined; // a zombie or a kernel thread
    return raw.replace(/\0$/, '').split('\0');
  } catch {
    return undefined;
  }
}

/** True when `args` is the command line `wanted`: the same list, or the same words joined by single spaces. */
export function sameCommandLine(args: readonly string[], wanted: string | readonly string[]): boolean {
  if (typeof wanted === 'string') return args.join(' ') === wanted;
  return args.length === wanted.length && args.every((arg, i) => arg === wanted[i]);
}

/** True when process `pid` exists (a signal 0 reaches it, or it exists but belongs to another user). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The pid of the one process `ref` names.
 * @param exclude pids never to match: the runner's own and its watchdog's.
 * @throws Error when no process or several match, or when the match is excluded.
 */
export function findProcess(ref: ProcessRef, exclude: readonly number[]): number {
  let pid: number;
  if (ref.cmdline !== undefined) {
    const wanted = ref.cmdline;
    const matches = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .filter((candidate) => !exclude.includes(candidate))
      .filter((candidate) => {
        const args = commandLineOf(candidate);
        return args !== undefined && sameCommandLine(args, wanted);
      });
    if (matches.length === 0) throw new Error(`no process has the command line ${JSON.stringify(commandText(wanted))}`);
    if (matches.length > 1) {
      throw new Error(
        `${matches.length} processes have the command line ${JSON.stringify(commandText(wanted))} (pids ${matches.slice(0, 10).join(', ')}): name one by pid or pid_file`,
      );
    }
    pid = matches[0] ?? 0;
  } else {
    pid = ref.pid ?? readPidFile(ref.pid_file ?? '');
  }
  if (exclude.includes(pid)) throw new Error(`${processName(ref)} is the scenario runner itself (pid ${pid}); it is never signalled`);
  if (!processExists(pid)) throw new Error(`${processName(ref)}: no process with pid ${pid}`);
  return pid;
}
