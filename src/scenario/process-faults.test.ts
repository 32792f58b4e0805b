/**
 * Process faults on real processes: finding the one process a scenario names (by pid, pid file or
 * exact command line, never the runner itself), stopping and resuming it, and the watchdog that
 * resumes whatever is still stopped when it is told the run is over.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessFaults } from './process-faults.js';
import { commandLineOf, findProcess, readPidFile, sameCommandLine } from './process-target.js';

/** The state letter of a process (`S` sleeping, `T` stopped), or undefined once it is gone. */
function stateOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
  } catch {
    return undefined;
  }
}

/** Waits (up to 5 s) until the state of `pid` is `stopped` or not: a signal takes effect a moment later. */
async function until(pid: number, stopped: boolean): Promise<boolean> {
  for (let i = 0; i < 500; i++) {
    if ((stateOf(pid) === 'T') === stopped) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

const children: ChildProcess[] = [];
let dir: string;

/** A sleeping child whose command line carries `tag`. */
function sleeper(tag: string): number {
  const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore', argv0: `sleep-${tag}` });
  children.push(child);
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-process-'));
});

afterAll(() => {
  for (const child of children) {
    if (child.pid !== undefined && stateOf(child.pid) !== undefined) {
      process.kill(child.pid, 'SIGCONT');
      process.kill(child.pid, 'SIGKILL');
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('finding the process', () => {
  it('by pid, by pid file, and by its exact command line as a string or a list', () => {
    const tag = `t${process.pid}a`;
    const pid = sleeper(tag);
    expect(findProcess({ pid }, [process.pid])).toBe(pid);
    const file = join(dir, 'app.pid');
    writeFileSync(file, `${pid}\n`);
    expect(findProcess({ pid_file: file }, [process.pid])).toBe(pid);
    expect(commandLineOf(pid)).toEqual([`sleep-${tag}`, '30']);
    expect(findProcess({ cmdline: `sleep-${tag} 30` }, [process.pid])).toBe(pid);
    expect(findProcess({ cmdline: [`sleep-${tag}`, '30'] }, [process.pid])).toBe(pid);
    expect(sameCommandLine([`sleep-${tag}`, '30'], `sleep-${tag}`)).toBe(false);
  });

  it('says so when none, or more than one, match, and never picks the runner itself', () => {
    const tag = `t${process.pid}b`;
    const pids = [sleeper(tag), sleeper(tag)];
    expect(() => findProcess({ cmdline: `sleep-${tag} 30` }, [process.pid])).toThrow(
      `2 processes have the command line "sleep-${tag} 30" (pids ${pids.join(', ')}): name one by pid or pid_file`,
    );
    expect(() => findProcess({ cmdline: `sleep-${tag}` }, [process.pid])).toThrow(`no process has the command line "sleep-${tag}"`);
    // The runner's own command line may match other processes (other test workers), never the runner.
    let found: number | undefined;
    try {
      found = findProcess({ cmdline: commandLineOf(process.pid) ?? [] }, [process.pid]);
    } catch (err) {
      expect((err as Error).message).not.toContain(String(process.pid));
    }
    expect(found).not.toBe(process.pid);
    expect(() => findProcess({ pid: process.pid }, [process.pid])).toThrow(`pid=${process.pid} is the scenario runner itself`);
    expect(() => findProcess({ pid: 2 ** 22 + 1 }, [process.pid])).toThrow('no process with pid 4194305');
  });

  it('reads a pid file only when it is a regular file holding a pid', () => {
    expect(() => readPidFile(join(dir, 'missing.pid'))).toThrow('missing.pid: no such file');
    const words = join(dir, 'words.pid');
    writeFileSync(words, 'not a pid\n');
    expect(() => readPidFile(words)).toThrow('expected a process id, found "not a pid"');
    const fifo = join(dir, 'fifo.pid');
    execFileSync('mkfifo', [fifo]);
    expect(() => readPidFile(fifo)).toThrow('not a regular file');
    const good = join(dir, 'good.pid');
    writeFileSync(good, ' 4242 \n');
    expect(readPidFile(good)).toBe(4242);
  });
});

describe('pausing', () => {
  it('stops a process and resumes it once the last overlapping pause ends', async () => {
    const pid = sleeper(`t${process.pid}c`);
    const faults = new ProcessFaults();
    try {
      expect(faults.pause({ pid })).toBe(pid);
      expect(faults.pause({ pid })).toBe(pid);
      expect(await until(pid, true)).toBe(true);
      expect(faults.resume(pid)).toBe(true);
      expect(stateOf(pid)).toBe('T');
      expect(faults.resume(pid)).toBe(true);
      expect(await until(pid, false)).toBe(true);
    } finally {
      await faults.close();
    }
  });

  it('has its watchdog resume what is still stopped when the run ends, and the watchdog exits', async () => {
    const pid = sleeper(`t${process.pid}d`);
    const faults = new ProcessFaults();
    faults.pause({ pid });
    expect(await until(pid, true)).toBe(true);
    const watchdog = (faults as unknown as { watchdog: { pid: number } }).watchdog.pid;
    expect(commandLineOf(watchdog)).toContain('faultline-watchdog');
    await faults.close();
    expect(await until(pid, false)).toBe(true);
    expect(stateOf(watchdog)).toBeUndefined();
  });

  it('kills with the signal asked for', async () => {
    const pid = sleeper(`t${process.pid}e`);
    const child = children[children.length - 1];
    const exited = new Promise((resolve) => child?.once('exit', (_code, signal) => resolve(signal)));
    const faults = new ProcessFaults();
    expect(faults.kill({ pid }, 'SIGTERM')).toBe(pid);
    expect(await exited).toBe('SIGTERM');
    await faults.close();
  });
});
