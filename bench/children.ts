/**
 * Child processes of the bench: forked with an IPC channel, asked one thing at a time with a time
 * limit, and always ended by their own PID (politely first, then SIGKILL). Other programs the bench
 * starts (servers under test, iperf3) register here too, so a failing run still ends them all.
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { isChildMessage, type ChildMessage, type DriverMessage } from './protocol.js';

/** Something the bench started that can be killed by its PID. */
export interface Killable {
  kill(): void;
}

/** Every child started and not yet reaped, so a failing run can still end them all. */
const live = new Set<Killable>();

/** Registers a process the bench started, until {@link forget}. */
export function track(child: Killable): void {
  live.add(child);
}

/** The process has exited. */
export function forget(child: Killable): void {
  live.delete(child);
}

/** Options for {@link BenchChild.start}. */
export interface StartOptions {
  /** Extra `node` flags for the child (e.g. `--expose-gc`, `--cpu-prof`). */
  execArgv?: string[];
  /** How long the child may take to report `ready` (ms). */
  readyTimeoutMs?: number;
}

/** One forked child process. */
export class BenchChild {
  /** The port the child reported when it became ready (0 for children that do not listen). */
  port = 0;
  /** The upstream server's HTTP port (0 for other children). */
  httpPort = 0;
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    /** Name used in error messages. */
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exit = new Promise((resolve) => {
      child.once('exit', () => {
        this.exited = true;
        forget(this);
        resolve();
      });
    });
    track(this);
  }

  /** Forks `script` with `args` and waits for its `ready` message. */
  static async start(name: string, script: string, args: string[], options: StartOptions = {}): Promise<BenchChild> {
    const child = fork(script, args, {
      execArgv: options.execArgv ?? [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const handle = new BenchChild(name, child);
    try {
      const ready = await handle.waitFor('ready', options.readyTimeoutMs ?? 10_000);
      if (ready.type === 'ready') {
        handle.port = ready.port;
        handle.httpPort = ready.httpPort ?? 0;
      }
    } catch (err) {
      handle.kill();
      throw err;
    }
    return handle;
  }

  /** False once the child has exited. */
  get alive(): boolean {
    return !this.exited;
  }

  /** The child's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends `message` and waits up to `timeoutMs` for a reply of type `expect`. */
  request<T extends ChildMessage['type']>(
    message: DriverMessage,
    expect: T,
    timeoutMs: number,
  ): Promise<Extract<ChildMessage, { type: T }>> {
    const reply = this.waitFor(expect, timeoutMs);
    this.child.send(message);
    return reply;
  }

  /** Asks the child to stop, waits up to `timeoutMs`, then kills it. */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.exited) return;
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies DriverMessage);
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await this.exit;
    clearTimeout(timer);
  }

  /** SIGKILL, by this child's PID. */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private waitFor<T extends ChildMessage['type']>(expect: T, timeoutMs: number): Promise<Extract<ChildMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.exited) {
        reject(new Error(`${this.name} has exited; the bench wanted '${expect}'`));
        return;
      }
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      const onMessage = (message: unknown): void => {
        if (!isChildMessage(message)) return;
        if (message.type === expect) {
          cleanup();
          resolve(message as Extract<ChildMessage, { type: T }>);
        } else if (message.type === 'error') {
          cleanup();
          reject(new Error(`${this.name}: ${message.message}`));
        }
      };
      const onExit = (code: number | null, signal: string | null): void => {
        cleanup();
        reject(new Error(`${this.name} exited (${signal ?? code}) while the bench waited for '${expect}'`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name}: no '${expect}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }
}

/** Kills every child still running (used on failure and on SIGINT). */
export function killAllChildren(): void {
  for (const child of [...live]) child.kill();
}
