/**
 * Process faults on the machine that runs the scenario: `pause` stops a process with SIGSTOP and
 * resumes it with SIGCONT, `kill` sends SIGTERM or SIGKILL. Every paused process is listed with the
 * watchdog before it is stopped, so it is resumed even if the runner dies (`watchdog.ts`).
 * @module
 */
import { findProcess, type ProcessRef } from './process-target.js';
import { Watchdog } from './watchdog.js';

/** The process faults of one run. */
export class ProcessFaults {
  private readonly watchdog = new Watchdog();
  /** Pids stopped by this run and not resumed yet, with how many pauses hold each (monkeys overlap). */
  private readonly paused = new Map<number, number>();

  /** Pids a process fault never matches: the runner's and its watchdog's. */
  private excluded(): number[] {
    const watchdog = this.watchdog.pid;
    return watchdog === undefined ? [process.pid] : [process.pid, watchdog];
  }

  /** Stops the process `ref` names; resolves to its pid. */
  pause(ref: ProcessRef): number {
    const pid = findProcess(ref, this.excluded());
    const holds = this.paused.get(pid) ?? 0;
    this.paused.set(pid, holds + 1);
    if (holds > 0) return pid;
    this.watchdog.watch(pid);
    try {
      process.kill(pid, 'SIGSTOP');
    } catch (err) {
      this.forget(pid);
      throw new Error(`cannot stop pid ${pid}: ${(err as Error).message}`);
    }
    return pid;
  }

  /** Resumes `pid` once the last pause holding it ends; false when it was gone already (it died while stopped). */
  resume(pid: number): boolean {
    const holds = this.paused.get(pid) ?? 0;
    if (holds > 1) {
      this.paused.set(pid, holds - 1);
      return true;
    }
    let alive = true;
    try {
      process.kill(pid, 'SIGCONT');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw new Error(`cannot resume pid ${pid}: ${(err as Error).message}`);
      alive = false;
    }
    this.forget(pid);
    return alive;
  }

  /** Sends `signal` to the process `ref` names; resolves to its pid. */
  kill(ref: ProcessRef, signal: 'SIGTERM' | 'SIGKILL'): number {
    const pid = findProcess(ref, this.excluded());
    try {
      process.kill(pid, signal);
    } catch (err) {
      throw new Error(`cannot send ${signal} to pid ${pid}: ${(err as Error).message}`);
    }
    return pid;
  }

  /** Ends the watchdog (it resumes anything still stopped) once the run is over. */
  async close(): Promise<void> {
    await this.watchdog.close();
  }

  private forget(pid: number): void {
    this.paused.delete(pid);
    this.watchdog.release(pid);
  }
}
