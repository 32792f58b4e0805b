/**
 * The guarantee that a paused process is never left stopped: a small watchdog process, started
 * with the first pause, that holds the read end of a pipe from the runner. The runner tells it each
 * pid before stopping it (`+pid`) and after resuming it (`-pid`). When the pipe closes — the run is
 * over, or the runner died, even by SIGKILL, since the kernel closes a dead process's pipes — the
 * watchdog sends SIGCONT to every pid still listed and exits. It runs in its own session, so a
 * Ctrl-C meant for the runner does not reach it, and it outlives the runner only for that moment.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** The tag in the watchdog's command line (`node -e … faultline-watchdog <runner pid>`), for people and `ps`. */
export const WATCHDOG_TAG = 'faultline-watchdog';

/**
 * The watchdog's program, run by `node -e`: plain JavaScript so that it needs no file on disk. It
 * ignores the signals a terminal sends and resumes what it was told about when its input ends.
 */
const WATCHDOG_SOURCE = `
const paused = new Set();
const resumeAll = () => {
  for (const pid of paused) { try { process.kill(pid, 'SIGCONT'); } catch {} }
  paused.clear();
};
for (const signal of ['SIGINT', 'SIGHUP', 'SIGQUIT']) process.on(signal, () => {});
process.on('SIGTERM', () => { resumeAll(); process.exit(0); });
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  const lines = pending.split('\\n');
  pending = lines.pop().slice(-64);
  for (const line of lines) {
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid < 2) continue;
    if (line[0] === '+') paused.add(pid);
    else if (line[0] === '-') paused.delete(pid);
  }
});
process.stdin.on('end', () => { resumeAll(); process.exit(0); });
process.stdin.on('error', () => { resumeAll(); process.exit(0); });
`;

/** The runner's end of the watchdog. */
export class Watchdog {
  private child: ChildProcess | undefined;

  /** The watchdog's pid, once started (a process fault must never match it). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the watchdog if it is not running; throws when it cannot start. */
  private start(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, WATCHDOG_TAG, String(process.pid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    if (child.pid === undefined) throw new Error('cannot start the watchdog that resumes paused processes');
    // The pipe and the child must not keep the runner alive; the pipe must stay open until close().
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    child.stdin?.on('error', () => {});
    child.on('error', () => {});
    this.child = child;
    return child;
  }

  /** Lists `pid` as paused: call before stopping it, so that it is resumed whatever happens next. */
  watch(pid: number): void {
    this.start().stdin?.write(`+${pid}\n`);
  }

  /** Takes `pid` off the list once it is resumed (or gone). */
  release(pid: number): void {
    this.child?.stdin?.write(`-${pid}\n`);
  }

  /** Closes the pipe: the watchdog resumes anything still listed and exits. Resolves once it has. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.ref();
    child.stdin?.end();
    await exited;
  }
}
